"""``captionkit batch`` end to end: parallel runs, SIGKILL and resume, Dask, failures, and the report in a browser."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from batch_helpers import LINES, browser, folder_hashes, make_clips, report_rows

from helpers import REPO, run_cli

CAPTION_FILES = (".srt", ".vtt", ".ass")
DONE_GREEN = (0x1A, 0x7F, 0x37)

CAPTION_MANIFEST = """\
output = "out"
[[jobs]]
kind = "caption"
inputs = ["videos/*.mp4"]
script = "scripts/{stem}.txt"
"""


@pytest.fixture(scope="module")
def clip_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("batch-clips")


def project(folder: Path, cache: Path, manifest: str, count: int = len(LINES)) -> Path:
    """A manifest folder with ``count`` clips and their scripts; returns the manifest path."""
    make_clips(folder, count, cache=cache)
    path = folder / "batch.toml"
    path.write_text(manifest, encoding="utf-8")
    return path


def state_of(manifest: Path) -> dict:
    path = manifest.parent / "out" / "batch-state.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"runs": [], "tasks": {}}


def kill_when_done(manifest: Path, done: int, *args: str) -> None:
    """Start the batch, SIGKILL it (and its workers) once ``done`` tasks have finished."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONKIT_PROGRESS": "off"}
    process = subprocess.Popen([sys.executable, "-m", "captionkit", "batch", str(manifest), *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                finished = [r for r in state_of(manifest)["tasks"].values() if r["status"] == "done"]
            except json.JSONDecodeError:  # pragma: no cover - the state file is only ever renamed into place
                pytest.fail("the state file was seen half-written")
            if len(finished) >= done:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the batch ended before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def posters_with_captions(screenshot: Path, size=(160, 90)) -> int:
    """How many black poster frames the browser shows with light caption text drawn over them."""
    import cv2

    pixels = cv2.imread(str(screenshot))
    black = (pixels.max(axis=2) < 24).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(black)
    shown = 0
    for x, y, width, height, _ in stats[1:count]:
        if abs(width - size[0]) <= 2 and abs(height - size[1]) <= 2:
            tile = pixels[y:y + height, x:x + width]
            shown += (tile.min(axis=2) > 200).mean() > 0.01   # white caption text over the frame
    return shown


@pytest.mark.slow
def test_killed_batch_resumes_and_matches_dask(tmp_path, clip_cache):
    local = project(tmp_path / "local run", clip_cache, CAPTION_MANIFEST)
    out = local.parent / "out"
    kill_when_done(local, 3, "--workers", "2")
    first = state_of(local)
    finished = sorted(key for key, record in first["tasks"].items() if record["status"] == "done")
    assert 3 <= len(finished) < len(LINES)
    assert first["runs"][0]["finished"] is None                       # run 1 never got to its end
    kept_times = {path: path.stat().st_mtime_ns for key in finished for path in (out / key).iterdir()}

    result = run_cli("batch", local, "--workers", "2", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert sorted(summary["kept"]) == finished and len(summary["ran"]) == len(LINES) - len(finished)
    assert set(summary["ran"]).isdisjoint(finished)                    # nothing finished was redone
    assert {path: path.stat().st_mtime_ns for path in kept_times} == kept_times
    assert not [path for path in out.rglob("*") if ".tmp-" in path.name]   # the killed run's leftovers are gone
    rows = report_rows(out / "batch-report.html")
    assert len(rows) == len(LINES) and {row["status"] for row in rows} == {"done"}
    assert {row["key"] for row in rows if row["run"] == "1"} == set(finished)   # the report shows which ran when
    assert {row["key"] for row in rows if row["run"] == "2"} == set(summary["ran"])
    for number, (english, *_) in enumerate(LINES, start=1):
        assert (out / f"lesson {number:02d}" / f"lesson {number:02d}.srt").read_text(encoding="utf-8") \
            .splitlines()[2] == english

    dask = project(tmp_path / "dask run", clip_cache, CAPTION_MANIFEST)
    result = run_cli("batch", dask, "--executor", "dask", "--workers", "2", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["executor"] == "dask"
    captions = folder_hashes(out, CAPTION_FILES)
    assert len(captions) == 3 * len(LINES)
    assert folder_hashes(dask.parent / "out", CAPTION_FILES) == captions   # interrupted local == uninterrupted Dask
    dask_rows = report_rows(dask.parent / "out" / "batch-report.html")

    def shown(row):  # everything but when and how long it ran
        return row["key"], row["language"], row["status"], row["cells"][:4], row["cells"][6:], row["images"]

    assert [shown(row) for row in dask_rows] == [shown(row) for row in rows]

    page = out / "batch-report.html"
    dom = browser("--dump-dom", page.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr
    assert dom.stdout.count('data-status="done"') == len(LINES)
    assert "Welcome to lesson one." in dom.stdout and "stopped before the end" in dom.stdout
    screenshot = tmp_path / "report.png"
    shot = browser(f"--screenshot={screenshot}", "--window-size=1300,1700", page.as_uri(), cwd=tmp_path)
    assert screenshot.exists(), shot.stderr
    import cv2

    pixels = cv2.imread(str(screenshot))[:, :, ::-1].astype(int)
    green = (np.abs(pixels - DONE_GREEN).sum(axis=2) < 30).sum()
    assert green > 11 * 200                                  # the summary's and every row's "done" badge
    assert posters_with_captions(screenshot) == len(LINES)   # each poster frame shows its caption


@pytest.mark.slow
def test_a_failed_task_does_not_stop_the_batch(tmp_path, clip_cache):
    manifest = project(tmp_path / "with a broken input", clip_cache, CAPTION_MANIFEST.replace(
        'script = "scripts/{stem}.txt"\n', ""), count=2)
    broken = manifest.parent / "videos" / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    result = run_cli("batch", manifest, "--workers", "2")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("failed: broken: ") and "broken.mp4" in last, result.stderr
    assert "Traceback" not in result.stderr
    rows = {row["key"]: row for row in report_rows(manifest.parent / "out" / "batch-report.html")}
    assert rows["broken"]["status"] == "failed" and "broken.mp4" in rows["broken"]["cells"][6]
    assert rows["lesson 01"]["status"] == rows["lesson 02"]["status"] == "done"

    again = json.loads(run_cli("batch", manifest, "--json").stdout)
    assert again["ran"] == [] and len(again["kept"]) == 3     # a failure is kept until asked to retry
    retried = json.loads(run_cli("batch", manifest, "--retry-failed", "--json").stdout)
    assert retried["ran"] == ["broken"]

    shutil.copy2(manifest.parent / "videos" / "lesson 01.mp4", broken)    # the user fixes the input
    fixed = run_cli("batch", manifest, "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["ran"] == ["broken"]       # changed inputs always run again
