"""``captionkit batch`` end to end: parallel runs, SIGKILL and resume, Dask, failures, and the report in a browser."""

from __future__ import annotations

import contextlib
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
from batch_helpers import LINES, TRANSLATED, browser, folder_hashes, make_clips, report_rows, write_translations

from helpers import REPO, run_cli

CAPTION_FILES = (".srt", ".vtt", ".ass")
DONE_GREEN = (0x1A, 0x7F, 0x37)
BIDI_MARKS = set("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

CAPTION_MANIFEST = """\
output = "out"
[[jobs]]
kind = "caption"
inputs = ["videos/*.mp4"]
burn = true
"""
LOCALIZE_MANIFEST = """\
output = "out"
[[jobs]]
kind = "localize"
inputs = ["videos/*.mp4"]
to = ["es", "ja", "ar"]
translator = "file"
translations = "translations"
script = "scripts/{stem}.txt"
"""


@pytest.fixture(scope="module")
def clip_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("batch-clips")


def project(folder: Path, cache: Path, manifest: str, count: int = len(LINES)) -> Path:
    """A manifest folder with ``count`` clips, their scripts and translations; returns the manifest path."""
    make_clips(folder, count, cache=cache)
    write_translations(folder / "translations", count)
    path = folder / "batch.toml"
    path.write_text(manifest, encoding="utf-8")
    return path


def letters(text: str) -> str:
    """``text`` without spaces, line breaks and bidirectional marks."""
    return "".join(char for char in text if not char.isspace() and char not in BIDI_MARKS)


def state_of(manifest: Path) -> dict:
    path = manifest.parent / "out" / "batch-state.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"runs": [], "tasks": {}}


def kill_when_done(manifest: Path, done: int, *args: str) -> None:
    """Start the batch, SIGKILL it once ``done`` tasks have finished, and see its workers end with it."""
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
        os.kill(process.pid, signal.SIGKILL)  # the batch alone: its workers must not go on without it
        process.wait()
        assert session_ends(process.pid), "the batch's workers outlived it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def session_ends(session: int, seconds: float = 15.0) -> bool:
    """Whether every process of ``session`` (a batch and all it started) is gone within ``seconds``."""
    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        members = []
        for pid in psutil.pids():
            with contextlib.suppress(OSError):
                if os.getsid(pid) == session and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    members.append(pid)
        if not members:
            return True
        time.sleep(0.1)
    return False


def posters_with_captions(screenshot: Path, size=(320, 180)) -> int:
    """How many black poster frames the browser shows with light caption text drawn over them."""
    import cv2

    pixels = cv2.imread(str(screenshot))
    black = (pixels.max(axis=2) < 24).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(black)
    shown = 0
    for x, y, width, height, _ in stats[1:count]:
        if abs(width - size[0]) <= 2 and abs(height - size[1]) <= 2:
            tile = pixels[y:y + height, x:x + width]
            shown += (tile.min(axis=2) > 200).mean() > 0.002   # white caption text over the black frame
    return shown


@pytest.mark.slow
def test_killed_batch_resumes_and_matches_dask(tmp_path, clip_cache):
    """10 clips x es, ja, ar with hand-written translations, 2 workers, SIGKILL halfway, resumed; then Dask."""
    local = project(tmp_path / "local run", clip_cache, LOCALIZE_MANIFEST)
    out = local.parent / "out"
    kill_when_done(local, len(LINES) // 2, "--workers", "2")          # halfway
    first = state_of(local)
    finished = sorted(key for key, record in first["tasks"].items() if record["status"] == "done")
    assert len(LINES) // 2 <= len(finished) < len(LINES)
    assert first["runs"][0]["finished"] is None                       # run 1 never got to its end
    kept_times = {path: path.stat().st_mtime_ns for key in finished for path in (out / key).rglob("*")}

    result = run_cli("batch", local, "--workers", "2", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert sorted(summary["kept"]) == finished and len(summary["ran"]) == len(LINES) - len(finished)
    assert set(summary["ran"]).isdisjoint(finished)                    # nothing finished was redone
    assert {path: path.stat().st_mtime_ns for path in kept_times} == kept_times
    assert not [path for path in out.rglob("*") if ".tmp-" in path.name]   # the killed run's leftovers are gone
    rows = report_rows(out / "batch-report.html")
    assert len(rows) == 3 * len(LINES) and {row["status"] for row in rows} == {"done"}
    assert {row["key"] for row in rows if row["run"] == "1"} == set(finished)   # the report shows which ran when
    assert {row["key"] for row in rows if row["run"] == "2"} == set(summary["ran"])
    for number, line in enumerate(LINES, start=1):
        for language, column in TRANSLATED.items():
            srt = (out / f"lesson {number:02d}" / f"lesson {number:02d}.{language}.srt").read_text(encoding="utf-8")
            shown = "".join(text for text in srt.splitlines()[2:] if text)
            assert letters(shown) == letters(line[column])     # maybe split into lines, and RTL marked, never changed

    dask = project(tmp_path / "dask run", clip_cache, LOCALIZE_MANIFEST)
    result = run_cli("batch", dask, "--executor", "dask", "--workers", "2", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["executor"] == "dask"
    captions = folder_hashes(out, CAPTION_FILES)
    assert len(captions) == 4 * 3 * len(LINES)                         # en, es, ja, ar as SRT, VTT and ASS
    assert folder_hashes(dask.parent / "out", CAPTION_FILES) == captions   # interrupted local == uninterrupted Dask
    dask_rows = report_rows(dask.parent / "out" / "batch-report.html")

    def shown(row):  # everything but when and how long it ran
        return row["key"], row["language"], row["status"], row["cells"][:4], row["cells"][6:], row["images"]

    assert [shown(row) for row in dask_rows] == [shown(row) for row in rows]

    page = out / "batch-report.html"
    dom = browser("--dump-dom", page.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr
    assert dom.stdout.count('data-status="done"') == 3 * len(LINES)
    assert "stopped before the end" in dom.stdout
    shown_text = letters(dom.stdout)
    for line in LINES:
        assert all(letters(line[column]) in shown_text for column in TRANSLATED.values())
    screenshot = tmp_path / "report.png"
    shot = browser(f"--screenshot={screenshot}", "--window-size=1400,1500", page.as_uri(), cwd=tmp_path)
    assert screenshot.exists(), shot.stderr
    import cv2

    pixels = cv2.imread(str(screenshot))[:, :, ::-1].astype(int)
    green = (np.abs(pixels - DONE_GREEN).sum(axis=2) < 30).sum()
    assert green > 6 * 200                                   # the summary's and the visible rows' "done" badges
    assert posters_with_captions(screenshot) >= 5            # each visible poster frame shows its caption


@pytest.mark.slow
def test_a_failed_task_does_not_stop_the_batch(tmp_path, clip_cache):
    manifest = project(tmp_path / "with a broken input", clip_cache, CAPTION_MANIFEST, count=2)
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
    done = state_of(manifest)["tasks"]["lesson 01"]
    assert "lesson 01/lesson 01.captioned.mp4" in done["outputs"]
    assert done["rows"][0]["burned"] and rows["lesson 01"]["images"][0].startswith("data:image/jpeg;base64,")

    again = json.loads(run_cli("batch", manifest, "--json").stdout)
    assert again["ran"] == [] and len(again["kept"]) == 3     # a failure is kept until asked to retry
    retried = json.loads(run_cli("batch", manifest, "--retry-failed", "--json").stdout)
    assert retried["ran"] == ["broken"]

    shutil.copy2(manifest.parent / "videos" / "lesson 01.mp4", broken)    # the user fixes the input
    fixed = run_cli("batch", manifest, "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["ran"] == ["broken"]       # changed inputs always run again


@pytest.mark.slow
def test_translations_needed_then_filled_in_place(tmp_path, clip_cache):
    """Without translations the file translator's exchange files are written and the task waits for them
    (exit status 3); filled where they are, the next run finishes it. Worker progress reaches the caller."""
    import csv

    from captionkit.batch.run import BatchOptions, run_batch

    folder = tmp_path / "first run"
    make_clips(folder, 1, cache=clip_cache)
    manifest = folder / "batch.toml"
    manifest.write_text(LOCALIZE_MANIFEST.replace('translations = "translations"\n', ""), encoding="utf-8")
    events: list[tuple[str, str, float]] = []
    result = run_batch(manifest, BatchOptions(workers=1), progress=lambda *event: events.append(event))
    assert result.exit_code == 3
    record = result.state.tasks["lesson 01"]
    assert record.status == "needs-input"
    assert record.error.startswith("translations needed for es, ja, ar: fill the target column of one of ")
    assert record.error.endswith("where it is, then run the batch again")
    assert [event for event in events if event[1] == "finished"] == [("lesson 01", "finished", 1.0)]
    assert len({stage for _, stage, _ in events}) >= 3          # the job's own stages, from the worker process

    exchange = folder / "out" / "lesson 01" / "translations"
    for language, column in TRANSLATED.items():
        path = exchange / f"lesson 01.{language}.csv"
        with open(path, encoding="utf-8", newline="") as stream:
            units = list(csv.DictReader(stream))
        assert [unit["source"] for unit in units] == [LINES[0][0]]
        units[0]["target"] = LINES[0][column]
        with open(path, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(units[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(units)
    second = run_batch(manifest, BatchOptions(workers=1))
    assert second.exit_code == 0 and second.ran == ["lesson 01"]
    arabic = (folder / "out" / "lesson 01" / "lesson 01.ar.srt").read_text(encoding="utf-8").splitlines()[2]
    assert letters(arabic) == letters(LINES[0][3])


@pytest.mark.slow
def test_render_jobs_over_scripts(tmp_path):
    folder = tmp_path / "render batch"
    (folder / "scripts").mkdir(parents=True)
    (folder / "scripts" / "hello.txt").write_text("Hello there. This is short.\n", encoding="utf-8")
    shutil.copy2(REPO / "samples" / "portrait.png", folder / "presenter.png")
    manifest = folder / "batch.toml"
    manifest.write_text('[[jobs]]\nkind = "render"\ninputs = ["scripts/*.txt"]\nportrait = "presenter.png"\n'
                        'size = "320x180"\n', encoding="utf-8")
    result = run_cli("batch", manifest, "--json")
    assert result.returncode == 0, result.stderr
    task = json.loads(result.stdout)["tasks"][0]
    assert task["status"] == "done" and "hello/hello.captioned.mp4" in task["outputs"]
    row = task["rows"][0]
    assert row["burned"] and row["poster"] and row["lint"]["passed"]
    assert (folder / "out" / row["captions"]).read_text(encoding="utf-8").splitlines()[2] == "Hello there."


def test_a_localize_task_reports_the_files_the_job_named(tmp_path):
    """A caption file named with its language (``talk.en.json``) gives ``talk.<lang>.*`` outputs: the
    task's report rows take the job's own names, not ones rebuilt from the input's stem."""
    from captionkit.batch.run import BatchOptions, run_batch
    from captionkit.cues.segment import build_track
    from captionkit.formats import save
    from localize_helpers import timed_words

    folder = tmp_path / "from captions"
    (folder / "captions").mkdir(parents=True)
    (folder / "translations").mkdir()
    save(build_track(timed_words(LINES[2][0])), folder / "captions" / "talk.en.json")
    (folder / "translations" / "talk.es.csv").write_text(f"id,source,target\ns0001,{LINES[2][0]},{LINES[2][1]}\n",
                                                       encoding="utf-8")
    manifest = folder / "batch.toml"
    manifest.write_text('[[jobs]]\nkind = "localize"\ninputs = ["captions/*.json"]\nto = ["es"]\n'
                        'translator = "file"\ntranslations = "translations"\n', encoding="utf-8")
    result = run_batch(manifest, BatchOptions(workers=1))
    assert result.exit_code == 0, result.to_dict()["tasks"]
    (row,) = result.state.tasks["talk.en"].rows
    assert row["captions"] == "talk.en/talk.es.srt" and row["cues"] == 1 and row["lint"]["passed"]
    assert LINES[2][1] in (folder / "out" / row["captions"]).read_text(encoding="utf-8")


def test_a_translation_file_with_missing_ids_fails_its_task_in_one_line_and_the_rest_run(tmp_path):
    from captionkit.cues.segment import build_track
    from captionkit.formats import save
    from localize_helpers import timed_words

    folder = tmp_path / "two talks"
    (folder / "captions").mkdir(parents=True)
    (folder / "translations").mkdir()
    for name, line in (("good", LINES[0]), ("short", LINES[1])):
        save(build_track(timed_words(f"{line[0]} {LINES[2][0]}")), folder / "captions" / f"{name}.json")
    (folder / "translations" / "good.es.csv").write_text(
        f"id,target\ns0001,{LINES[0][1]}\ns0002,{LINES[2][1]}\n", encoding="utf-8")
    short = folder / "translations" / "short.es.csv"
    short.write_text(f"id,target\ns0001,{LINES[1][1]}\n", encoding="utf-8")        # s0002 is missing
    manifest = folder / "batch.toml"
    manifest.write_text('[[jobs]]\nkind = "localize"\ninputs = ["captions/*.json"]\nto = ["es"]\n'
                        'translator = "file"\ntranslations = "translations"\n', encoding="utf-8")
    result = run_cli("batch", manifest, "--workers", "1")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("failed: short: ") and "short.es.csv" in last and "missing id s0002" in last, last
    assert (folder / "out" / "good" / "good.es.srt").is_file()          # the other task ran
    assert short.read_text(encoding="utf-8") == f"id,target\ns0001,{LINES[1][1]}\n"   # nothing lost
