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


def test_ffmpeg_started_by_a_dead_parent_exits_at_once():
    """The check in the child: if the parent is already gone when ffmpeg would start, it does not start."""
    from captionkit import media

    arrange = media._die_with_parent(parent=os.getpid() + 10**6)  # a parent that is not ours
    child = subprocess.run([sys.executable, "-c", "print('ran')"], preexec_fn=arrange, capture_output=True)
    assert child.returncode == 1 and child.stdout == b""


def test_ffmpeg_is_started_without_an_import_between_fork_and_exec(monkeypatch):
    """Between fork and exec the child must not import or load a library: a lock another thread held at the
    fork stays taken in the child for good. Here the child's every import fails: it must still start."""
    import builtins

    from captionkit import media

    arrange = media._die_with_parent(os.getpid())

    def no_imports(*args, **kwargs):
        raise ImportError("the child imported something")

    monkeypatch.setattr(builtins, "__import__", no_imports)
    try:
        child = subprocess.run([sys.executable, "-c", "print('ran')"], preexec_fn=arrange, capture_output=True)
    finally:
        monkeypatch.undo()
    assert child.returncode == 0 and child.stdout == b"ran\n", child.stderr
