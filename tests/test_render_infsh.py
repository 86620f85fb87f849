"""``render --engine infsh`` against the fake inference.sh (tests/infsh_fake.py): Dia TTS and OmniHuman tasks,
journaled so that nothing is ever submitted twice, with the service's faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from captionkit.assembly.speech_plan import SpeechPlanOptions
from captionkit.errors import CaptionkitError
from captionkit.formats import load
from captionkit.jobs.render import RenderOptions, render
from captionkit.script import read_script
from helpers import REPO, assert_one_line_error, run_cli

PORTRAIT = REPO / "samples" / "portrait.png"
SCRIPT = "[S1] Welcome to the test on the service. [S2] Does every caption follow the script? [S1] Yes, it does."
DIA, OMNIHUMAN = "falai/dia-tts", "bytedance/omnihuman-1-5"
OPTIONS = RenderOptions(engine="infsh", size=(320, 180), max_clip=4.0, preset="ultrafast", poll_interval=0.1,
                        speech=SpeechPlanOptions(min_seconds=1.0, max_seconds=3.5))


def _script(folder: Path, text: str = SCRIPT) -> Path:
    path = folder / "service script.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _spoken_words(track) -> list[str]:
    return [w.lstrip("-") for cue in track.cues for w in " ".join(cue.lines).split() if w != "-"]


def test_whole_pipeline_on_the_service_then_a_rerun_pays_nothing(infsh_sdk, tmp_path):
    fake = infsh_sdk
    fake.flaky(OMNIHUMAN, 2, status=503)  # a transient fault, then success
    script, out = _script(tmp_path), tmp_path / "out"
    result = render(script, PORTRAIT, out, OPTIONS)
    segments = len(result.report.steps[1].outputs["segments"])
    pieces = result.plan["pieces"]
    assert segments >= 2 and pieces >= 2
    assert fake.submissions == {DIA: segments, OMNIHUMAN: pieces}
    assert fake.attempts[OMNIHUMAN] == pieces + 2  # the two 503s were retried
    # later TTS segments are cloned from the first one's audio and text
    dia_inputs = [task["input"] for task in fake.tasks.values() if task["app"] == DIA]
    assert sum("ref_audio" in inputs for inputs in dia_inputs) == segments - 1
    assert all(inputs.get("ref_text", "").startswith("[S1] Welcome") for inputs in dia_inputs if "ref_audio" in inputs)
    assert _spoken_words(load(result.outputs["srt"])) == [w.text for w in read_script(SCRIPT).spoken]
    report = json.loads(result.outputs["report"].read_text("utf-8"))
    tasks = [task for step in report["steps"] for task in step.get("tasks", [])]
    assert len(tasks) == segments + pieces and all(task["task_id"] in fake.tasks for task in tasks)
    assert report["cost"] is None or report["cost"] > 0
    assert "inf_test_key" not in result.outputs["report"].read_text("utf-8")

    again = render(script, PORTRAIT, out, OPTIONS)  # everything cached
    assert sum(step.made for step in again.report.steps) == 0
    # without the cache, the journal still knows every finished task: downloaded again, never resubmitted
    for step in ("speech", "avatar"):
        for folder in (out / ".captionkit" / step).iterdir():
            (folder / "done.json").unlink()
    third = render(script, PORTRAIT, out, OPTIONS)
    assert fake.submissions == {DIA: segments, OMNIHUMAN: pieces}
    assert third.outputs["srt"].read_bytes() == result.outputs["srt"].read_bytes()


def test_failed_task_is_a_one_line_error_and_is_retried_on_the_next_run(infsh_sdk, tmp_path):
    fake = infsh_sdk
    fake.fail(DIA, "text is too long for one call")
    script, out = _script(tmp_path, "Hello there. This is short."), tmp_path / "out"
    result = run_cli("render", script, "--portrait", PORTRAIT, "-o", out, "--engine", "infsh", "--size", "320x180")
    assert_one_line_error(result, "text is too long for one call")
    assert not list(out.glob("*.mp4")) and not (out / "report.json").exists()
    fake.faults.clear()
    with pytest.raises(_Stop):  # the next run (stopped once its speech is made) submits the failed task again
        render(script, PORTRAIT, out, OPTIONS, on_step=_stop_after("speech"))
    assert fake.submissions[DIA] == 2


class _Stop(CaptionkitError):
    pass


def _stop_after(name: str):
    def on_step(record, finished: bool) -> None:
        if finished and record.name == name:
            raise _Stop(f"stopped after {name}")
    return on_step


def test_task_that_never_finishes_times_out(infsh_sdk, tmp_path):
    infsh_sdk.hang(DIA)
    options = RenderOptions(engine="infsh", size=(320, 180), task_timeout=1.0, poll_interval=0.1)
    with pytest.raises(CaptionkitError) as caught:
        render(_script(tmp_path, "Hello there."), PORTRAIT, tmp_path / "out", options)
    message = str(caught.value)
    assert "\n" not in message and ("time" in message.lower())


def test_killed_run_resumes_its_tasks_and_submits_none_twice(infsh_sdk, tmp_path):
    fake = infsh_sdk
    fake.slow(OMNIHUMAN, 8.0)
    script, out = _script(tmp_path), tmp_path / "out"
    command = [sys.executable, "-m", "captionkit", "render", str(script), "--portrait", str(PORTRAIT), "-o", str(out),
               "--engine", "infsh", "--size", "320x180", "--max-clip", "4"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONKIT_PROGRESS": "off"}
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    journal = out / ".captionkit" / "tasks.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and first.poll() is None:
        # kill while two tasks are running and every submission so far is journaled
        if fake.submissions[OMNIHUMAN] >= 2 and journal.is_file() and \
                journal.read_text("utf-8").count(OMNIHUMAN) == fake.submissions[OMNIHUMAN]:
            break
        time.sleep(0.2)
    assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = dict(fake.submissions)
    running = {json.loads(line)["task_id"] for line in journal.read_text("utf-8").splitlines()
               if OMNIHUMAN in line}
    # a kill between the service accepting a task and the journal recording its id loses that task (the
    # service has no idempotency key); the check above makes that window tiny, and any loss is counted here
    lost = before[OMNIHUMAN] - len(running)
    assert 0 <= lost <= 1
    assert not list(out.glob("*.mp4"))

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    tasks = [task for step in report["steps"] for task in step.get("tasks", [])]
    used = {task["task_id"] for task in tasks if task["app"] == OMNIHUMAN}
    assert running <= used  # every task running when the first run died was polled, not submitted again
    assert fake.submissions[DIA] == before[DIA] == sum(task["app"] == DIA for task in tasks)
    assert len(used) == report["steps"][3]["outputs"]["pieces"]
    assert fake.submissions[OMNIHUMAN] == len(used) + lost  # no journaled task submitted twice
    track = load(out / "service script.srt")
    assert _spoken_words(track) == [w.text for w in read_script(SCRIPT).spoken]
