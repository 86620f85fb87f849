"""The inference.sh client grown up (submit, poll, wait, download, retries, one-line errors) and the task journal
(``run_tasks``: never pay twice), against the fake service in ``infsh_fake.py`` over real HTTP and a fake CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from captionkit.infsh.client import (
    Client,
    InfshError,
    InputValidationError,
    MissingKeyError,
    RefusedKeyError,
    RetryPolicy,
    SdkBackend,
    TaskFailedError,
    TaskTimeoutError,
    connect,
)
from captionkit.infsh.tasks import TaskJournal, TaskRequest, run_tasks
from captionkit.media import load_audio, probe
from helpers import REPO

KEY = "inf_test_key"
PORTRAIT = REPO / "samples" / "portrait.png"
FAST = RetryPolicy(first_wait=0.01, longest_wait=0.05)


def client_for(service, *, sleeps: list[float] | None = None, retry: RetryPolicy = FAST, key: str = KEY) -> Client:
    """An SDK client on the fake whose sleeps are recorded (and shortened) instead of waited."""
    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        time.sleep(min(seconds, 0.02))

    return Client(SdkBackend(key, service.url), retry=retry, sleep=sleep)


def echo(inputs, out_dir):
    return {"response": inputs["text"].upper()}


@pytest.fixture
def service(fake_infsh):
    fake_infsh.register_app("test/echo", echo, required=("text",))
    return fake_infsh


# --------------------------------------------------------------------------- the client


def test_submit_returns_at_once_then_poll_follows_the_task_to_its_output(service, tmp_path):
    service.slow("test/echo", 1.0)
    client = client_for(service)
    task_id = client.submit("test/echo", {"text": "hello"})
    first = client.poll(task_id)
    assert first.id == task_id and first.status in ("queued", "running") and first.output is None
    final = client.wait(task_id, "test/echo", poll_interval=0.05)
    assert (final.status, final.output, final.error) == ("completed", {"response": "HELLO"}, None)
    assert service.submissions["test/echo"] == 1


def test_dia_and_omnihuman_return_real_media_downloaded_atomically(infsh_sdk, tmp_path):
    client = connect(retry=FAST)
    assert client.name == "sdk"
    speech = client.run("falai/dia-tts", {"text": "[S1] Hello there, this is a test. [S2] Hi! (laughs)"},
                        poll_interval=0.1)
    assert speech.cost is not None and speech.cost > 0
    audio = client.download(speech.output["audio"], tmp_path / "speech 'ü'.wav", what="speech")
    info = probe(audio)
    assert info.sample_rate == 44100 and 1.5 < info.duration < 8
    assert np.abs(load_audio(audio)).max() > 0.1, "it is speech, not silence"
    portrait = tmp_path / "a portrait, 'x'.png"
    portrait.write_bytes(PORTRAIT.read_bytes())
    clips = [client.run("bytedance/omnihuman-1-5", {"image": portrait, "audio": audio}, poll_interval=0.1)
             for _ in range(2)]
    video = client.download(clips[0].output["video"], tmp_path / "clip.mp4", what="avatar video")
    clip = probe(video)
    assert clip.has_video and clip.has_audio and clip.fps == 30
    assert abs(clip.duration - info.duration) <= 1 / 30 + 0.01
    uploads = [size for method, path, size in infsh_sdk.requests if method == "PUT"]
    assert sorted(uploads) == sorted([audio.stat().st_size, portrait.stat().st_size]), "each file's content is uploaded once"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no temporary file left"


def test_a_validation_error_names_the_field(service):
    client = client_for(service)
    with pytest.raises(InputValidationError) as caught:
        client.submit("bytedance/omnihuman-1-5", {"image_url": PORTRAIT, "audio_url": PORTRAIT})
    assert caught.value.field == "image"
    assert "bytedance/omnihuman-1-5 refused its input: field 'image': field required" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert service.submissions["bytedance/omnihuman-1-5"] == 0
    with pytest.raises(InputValidationError, match=r"field 'ref_text'") as caught:
        client.run("falai/dia-tts", {"text": "[S1] Hi.", "ref_audio": PORTRAIT}, poll_interval=0.05)
    assert caught.value.field == "ref_text" and "\n" not in str(caught.value)


def test_a_failed_task_carries_the_service_message(service):
    service.fail("test/echo", "CUDA out of memory on worker 7")
    with pytest.raises(TaskFailedError, match=r"^test/echo failed on inference.sh \(task \w+\): "
                                              r"CUDA out of memory on worker 7$"):
        client_for(service).run("test/echo", {"text": "x"}, poll_interval=0.05)


def test_a_task_that_never_finishes_times_out(service):
    service.hang("test/echo")
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError, match=r"test/echo task \w+ did not finish within 0.6 s \(still queued\); "
                                               r"rerun to keep waiting"):
        client_for(service).run("test/echo", {"text": "x"}, timeout=0.6, poll_interval=0.05)
    assert time.monotonic() - started < 5


def test_transient_errors_are_retried_with_backoff_and_submit_only_once(service):
    service.flaky("test/echo", 3, status=503)
    sleeps: list[float] = []
    client = client_for(service, sleeps=sleeps, retry=RetryPolicy(first_wait=0.5, factor=2))
    state = client.run("test/echo", {"text": "ok"}, poll_interval=0.05)
    assert state.output == {"response": "OK"}
    assert service.attempts["test/echo"] == 4 and service.submissions["test/echo"] == 1
    assert sleeps[:3] == [0.5, 1.0, 2.0], "exponential backoff"
    service.flaky("test/echo", 2, status=502, on="poll")
    assert client.run("test/echo", {"text": "again"}, poll_interval=0.05).output == {"response": "AGAIN"}


def test_a_429_is_retried_after_the_wait_it_asks_for(service):
    service.flaky("test/echo", 1, status=429, retry_after=1.5)
    sleeps: list[float] = []
    state = client_for(service, sleeps=sleeps).run("test/echo", {"text": "later"}, poll_interval=0.05)
    assert state.status == "completed" and sleeps[0] == 1.5
    assert service.submissions["test/echo"] == 1


def test_a_fault_that_does_not_clear_gives_up_with_one_line(service):
    service.flaky("test/echo", 100, status=500)
    with pytest.raises(InfshError, match=r"inference.sh answered HTTP 500: try again later \(after 6 tries\); "
                                         r"try again later$"):
        client_for(service).submit("test/echo", {"text": "x"})
    assert service.submissions["test/echo"] == 0


def test_an_unreachable_service_is_retried_then_named(tmp_path):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = Client(SdkBackend(KEY, f"http://127.0.0.1:{port}"), retry=FAST, sleep=lambda s: None)
    with pytest.raises(InfshError, match=r"cannot reach inference.sh .*after 6 tries") as caught:
        client.submit("test/echo", {"text": "x"})
    assert "\n" not in str(caught.value) and KEY not in str(caught.value)


def test_a_missing_or_refused_key_is_a_clear_error(service, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingKeyError, match=r"set INFERENCE_API_KEY \(or INFSH_API_KEY\), or install the infsh "
                                              r"CLI and run 'infsh login'"):
        connect()
    with pytest.raises(MissingKeyError, match="no inference.sh API key"):
        connect("sdk")
    with pytest.raises(RefusedKeyError, match=r"refused the API key \(HTTP 401: API key invalid\); "
                                              r"check INFERENCE_API_KEY") as caught:
        client_for(service, key="inf_wrong_secret").submit("test/echo", {"text": "x"})
    assert "inf_wrong_secret" not in str(caught.value)
    monkeypatch.setenv("INFSH_API_KEY", KEY)
    monkeypatch.setenv("INFERENCE_BASE_URL", service.url)
    assert connect(retry=FAST).run("test/echo", {"text": "key"}, poll_interval=0.05).output == {"response": "KEY"}


def test_the_cli_backend_submits_polls_and_reports_like_the_sdk(infsh_cli, tmp_path, monkeypatch):
    infsh_cli.register_app("test/echo", echo, required=("text",))
    client = connect(retry=FAST)
    assert client.name == "cli"
    state = client.run("test/echo", {"text": "from the cli"}, poll_interval=0.05)
    assert state.output == {"response": "FROM THE CLI"} and infsh_cli.submissions["test/echo"] == 1
    with pytest.raises(InputValidationError, match=r"field 'image': field required") as caught:
        client.submit("bytedance/omnihuman-1-0", {"audio": PORTRAIT})
    assert caught.value.field == "image"
    infsh_cli.flaky("test/echo", 1, status=429, retry_after=0.2)
    assert client.run("test/echo", {"text": "busy"}, poll_interval=0.05).status == "completed"
    assert infsh_cli.submissions["test/echo"] == 2
    infsh_cli.fail("test/echo", "model crashed")
    with pytest.raises(TaskFailedError, match=r"test/echo failed on inference.sh \(task \w+\): model crashed$"):
        client.run("test/echo", {"text": "x"}, poll_interval=0.05)
    (Path(os.environ["FAKE_INFSH_HOME"]) / "config.json").unlink()
    with pytest.raises(MissingKeyError, match=r"infsh is not logged in .*run 'infsh login'"):
        connect().submit("test/echo", {"text": "x"})
    monkeypatch.setenv("INFSH_API_KEY", "inf_wrong")
    with pytest.raises(RefusedKeyError, match="API key invalid"):
        connect("cli").submit("test/echo", {"text": "x"})


@pytest.mark.parametrize("task, status, output", [
    ({"id": "t", "status": 10, "output": {"video": "https://x/v.mp4"}}, "completed", {"video": "https://x/v.mp4"}),
    ({"id": "t", "status": "completed", "output": {"video": {"uri": "https://x/v.mp4"}}}, "completed",
     {"video": {"uri": "https://x/v.mp4"}}),
    ({"id": "t", "status": 7, "status_text": "running", "output": None}, "running", None),
    ({"id": "t", "status": 2}, "queued", None),
    ({"id": "t", "status": "11", "error": "boom"}, "failed", None),
    ({"id": "t", "status": 12}, "cancelled", None),
])
def test_task_shapes_from_the_sdk_and_the_cli_are_read_alike(task, status, output):
    from captionkit.infsh.client import file_url, task_state

    state = task_state(task, "a/b")
    assert (state.id, state.app, state.status, state.output) == ("t", "a/b", status, output)
    if output:
        assert file_url(output["video"]) == "https://x/v.mp4"


def test_a_rejected_task_says_why():
    from captionkit.infsh.client import raise_unless_completed, task_state

    state = task_state({"id": "t", "status": 13, "error": "insufficient balance"}, "a/b")
    with pytest.raises(TaskFailedError, match=r"a/b failed on inference.sh \(task t\): rejected \(no balance or "
                                              r"payment method\): insufficient balance"):
        raise_unless_completed(state)


# --------------------------------------------------------------------------- run_tasks and the journal


def requests_for(count: int, prefix: str = "piece") -> list[TaskRequest]:
    return [TaskRequest(f"{prefix}-{n:02d}", "test/echo", {"text": f"text {n}"}) for n in range(count)]


def test_run_tasks_limits_concurrency_and_a_rerun_reuses_every_finished_task(service, tmp_path):
    service.slow("test/echo", 0.3)
    journal = TaskJournal(tmp_path / "journal.jsonl")
    updates: list[tuple[str, str]] = []
    states = run_tasks(client_for(service), requests_for(5), journal, concurrency=2, poll_interval=0.05,
                       on_update=lambda key, state: updates.append((key, state.status)))
    assert {key: state.output for key, state in states.items()} == {
        f"piece-{n:02d}": {"response": f"TEXT {n}"} for n in range(5)}
    assert service.submissions["test/echo"] == 5 and service.most_in_flight == 2
    assert ("piece-04", "queued") in updates and ("piece-04", "completed") in updates
    records = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert [r["event"] for r in records].count("submitted") == 5 and all("text" not in r for r in records)
    polls = sum(1 for method, path, _ in service.requests if method == "GET")
    again = run_tasks(client_for(service), requests_for(5), journal, concurrency=2, poll_interval=0.05)
    assert again == states
    assert service.submissions["test/echo"] == 5, "nothing submitted twice"
    assert sum(1 for method, path, _ in service.requests if method == "GET") == polls, "finished tasks not polled"
    edited = requests_for(5)
    edited[2] = TaskRequest("piece-02", "test/echo", {"text": "edited"})
    changed = run_tasks(client_for(service), edited, journal, poll_interval=0.05)
    assert changed["piece-02"].output == {"response": "EDITED"} and service.submissions["test/echo"] == 6


def test_a_local_file_is_part_of_the_request_by_its_content(tmp_path):
    image = tmp_path / "face.png"
    image.write_bytes(b"one")
    first = TaskRequest("a", "bytedance/omnihuman-1-5", {"image": image}).input_hash()
    assert TaskRequest("a", "bytedance/omnihuman-1-5", {"image": image}).input_hash() == first
    image.write_bytes(b"two")
    assert TaskRequest("a", "bytedance/omnihuman-1-5", {"image": image}).input_hash() != first


def test_a_failed_task_is_resubmitted_only_when_asked(service, tmp_path):
    journal = TaskJournal(tmp_path / "journal.jsonl")
    flaky_app = {"calls": 0}

    def sometimes(inputs, out_dir):
        flaky_app["calls"] += 1
        if inputs["text"] == "text 1" and flaky_app["calls"] <= 3:
            from infsh_fake import AppError

            raise AppError("worker lost")
        return echo(inputs, out_dir)

    service.register_app("test/echo", sometimes, required=("text",))
    with pytest.raises(TaskFailedError, match=r"test/echo failed on inference.sh \(task \w+\): worker lost"):
        run_tasks(client_for(service), requests_for(3), journal, poll_interval=0.05)
    assert service.submissions["test/echo"] == 3
    with pytest.raises(TaskFailedError, match="worker lost"):
        run_tasks(client_for(service), requests_for(3), journal, poll_interval=0.05)
    assert service.submissions["test/echo"] == 3, "a failed task is not paid for again unless asked"
    states = run_tasks(client_for(service), requests_for(3), journal, poll_interval=0.05, retry_failed=True)
    assert states["piece-01"].output == {"response": "TEXT 1"} and service.submissions["test/echo"] == 4


def test_a_timed_out_task_is_polled_again_on_the_rerun(service, tmp_path):
    service.slow("test/echo", 1.5)
    journal = TaskJournal(tmp_path / "journal.jsonl")
    with pytest.raises(TaskTimeoutError, match=r"did not finish within 0.2 s .* \(and 1 more tasks did not complete\)"):
        run_tasks(client_for(service), requests_for(2), journal, timeout=0.2, poll_interval=0.05)
    states = run_tasks(client_for(service), requests_for(2), journal, timeout=10, poll_interval=0.05)
    assert [s.status for s in states.values()] == ["completed", "completed"]
    assert service.submissions["test/echo"] == 2


def test_a_torn_journal_line_from_a_killed_run_is_skipped(service, tmp_path):
    journal = TaskJournal(tmp_path / "journal.jsonl")
    run_tasks(client_for(service), requests_for(1), journal, poll_interval=0.05)
    with open(journal.path, "a") as torn:
        torn.write('{"event": "submitted", "key": "piece-0')
    assert list(journal.entries()) == [("piece-00", requests_for(1)[0].input_hash())]
    run_tasks(client_for(service), requests_for(1), journal, poll_interval=0.05)
    assert service.submissions["test/echo"] == 1


def test_a_second_run_on_the_same_journal_at_the_same_time_is_refused(service, tmp_path):
    journal = TaskJournal(tmp_path / "journal.jsonl")
    with journal.locked():
        with pytest.raises(InfshError, match=r"another captionkit run is using .*journal.jsonl; wait for it"):
            run_tasks(client_for(service), requests_for(1), journal, poll_interval=0.05)
    assert service.submissions["test/echo"] == 0
    assert run_tasks(client_for(service), requests_for(1), journal, poll_interval=0.05)["piece-00"].done


RUNNER = """
import sys
from captionkit.infsh.client import connect
from captionkit.infsh.tasks import TaskJournal, TaskRequest, run_tasks
requests = [TaskRequest(f"piece-{n}", "test/echo", {"text": f"text {n}"}) for n in range(4)]
states = run_tasks(connect(), requests, TaskJournal(sys.argv[1]), concurrency=2, poll_interval=0.05)
print(" ".join(states[r.key].output["response"] for r in requests))
"""


def test_a_run_killed_while_tasks_are_pending_submits_nothing_twice_when_started_again(infsh_sdk, tmp_path):
    infsh_sdk.register_app("test/echo", echo, required=("text",), seconds=1.5)
    journal = tmp_path / "run journal.jsonl"
    command = [sys.executable, "-c", RUNNER, str(journal)]
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while (not journal.is_file() or journal.read_text().count('"submitted"') < 2) and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL
    pending = [task for task in infsh_sdk.tasks.values() if infsh_sdk._visible(task)["status"] != 10]
    assert infsh_sdk.submissions["test/echo"] == 2 and len(pending) == 2, "killed while two tasks were pending"
    second = subprocess.run(command, check=False, env=environment, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["TEXT", "0", "TEXT", "1", "TEXT", "2", "TEXT", "3"]
    assert infsh_sdk.submissions["test/echo"] == 4, "the two pending tasks were polled, not submitted again"
    third = subprocess.run(command, check=False, env=environment, capture_output=True, text=True, timeout=120)
    assert third.stdout == second.stdout and infsh_sdk.submissions["test/echo"] == 4
