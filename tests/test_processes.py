"""Interruption: ffmpeg dies with captionkit, Ctrl-C is "interrupted" (exit 130), and a killed run's
temporary files are removed by the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from captionkit.engines import synthetic
from helpers import REPO

SRT = "1\n00:00:00,200 --> 00:00:03,000\nA caption over the first seconds\n"


def _start(*args, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONKIT_PROGRESS": "off"}
    return subprocess.Popen([sys.executable, "-m", "captionkit", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_ffmpeg(process: subprocess.Popen, timeout: float = 120) -> psutil.Process:
    """The ffmpeg that ``process`` started, once it runs."""
    deadline = time.monotonic() + timeout
    parent = psutil.Process(process.pid)
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        for child in parent.children(recursive=True):
            try:
                if "ffmpeg" in child.name().lower() and "-i" in child.cmdline():
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.02)
    raise AssertionError("ffmpeg never started")


def _gone(process: psutil.Process, timeout: float = 5) -> bool:
    try:
        process.wait(timeout)
    except psutil.TimeoutExpired:
        return False
    return True


def _temporaries_of(pid: int, *folders: Path) -> list[Path]:
    """Temporary files and folders process ``pid`` made beside outputs and in the system's temporary folder."""
    found = [path for folder in folders for path in folder.rglob(f".*.captionkit-{pid}-*")]
    return found + list(Path(tempfile.gettempdir()).glob(f"captionkit-*-{pid}-*"))


@pytest.fixture(scope="module")
def long_video(tmp_path_factory) -> Path:
    """Ten seconds of noisy 640x360 picture: slow enough to encode that ffmpeg can be caught running."""
    folder = tmp_path_factory.mktemp("long")
    return synthetic.make_video(folder / "long clip.mp4", 10.0, size=(640, 360), source="testsrc2")


def test_kill_9_of_caption_burn_leaves_no_ffmpeg_and_the_rerun_no_temporary_files(tmp_path, talking_video):
    video = tmp_path / "talk.mp4"
    video.write_bytes(talking_video.read_bytes())
    out = tmp_path / "out"
    run = _start("caption", video, "--burn", "-o", out, cwd=tmp_path)
    ffmpeg = _wait_for_ffmpeg(run)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert _gone(ffmpeg), "ffmpeg outlived captionkit"
    leftovers = _temporaries_of(run.pid, out)
    assert leftovers, "the killed run had temporary files (the test would prove nothing otherwise)"
    assert not (out / "talk.captioned.mp4").exists()
    rerun = _start("caption", video, "--burn", "-o", out, cwd=tmp_path)
    assert rerun.wait(timeout=600) == 0, rerun.communicate()
    assert (out / "talk.captioned.mp4").stat().st_size > 0
    assert not [path for path in leftovers if path.exists()]
    assert not list(out.glob(".*"))


def test_ctrl_c_during_burn_says_interrupted_and_exits_130(tmp_path, long_video):
    subs = tmp_path / "talk.srt"
    subs.write_text(SRT)
    run = _start("burn", long_video, subs, "-o", tmp_path / "out.mp4", "--preset", "veryslow", cwd=tmp_path)
    ffmpeg = _wait_for_ffmpeg(run)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal sends to the foreground process group
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert stderr.strip() == "captionkit: interrupted; nothing was written"
    assert _gone(ffmpeg)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["talk.srt"]


class _Witness:
    """Writes a file if it is freed in a process other than the one that made it."""

    def __init__(self, marker: Path):
        self.marker, self.pid = marker, os.getpid()

    def __del__(self):
        if os.getpid() != self.pid:
            self.marker.write_text("freed in a forked child")


def test_ffmpeg_started_from_a_thread_runs_no_python_in_the_forked_child(tmp_path):
    """Python's after-fork clean-up in a child (it runs when a ``preexec_fn`` is given) frees the other threads'
    objects before exec: a PyAV scaler freed there waited for good on threads the child does not have. ffmpeg
    must start with no Python code run in the child: an object this (main) thread keeps is not freed there."""
    import threading

    from captionkit import media

    keeper = threading.local()
    keeper.witness = _Witness(tmp_path / "freed")
    started = threading.Thread(target=media.run_ffmpeg, args=(["-f", "lavfi", "-i", "anullsrc", "-t", "0.1",
                                                                "-f", "null", "-"],))
    started.start()
    started.join(60)
    assert not started.is_alive()
    assert not (tmp_path / "freed").exists()
    assert keeper.witness.pid == os.getpid()
