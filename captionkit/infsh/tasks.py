"""Many inference.sh tasks at once, with a journal so that no task is ever paid for twice.

:func:`run_tasks` submits every :class:`TaskRequest` (at most ``concurrency``
in flight), polls them and returns their final states. Each submission is
written to a :class:`TaskJournal` (JSON lines, fsync'ed) the moment the
service returns its task id, before anything else happens; so a run that is
killed, crashes or times out and is started again with the same journal polls
the task it already paid for instead of submitting it again, and reuses every
task that finished. A request is the same one when its key, app and inputs
(local files by their content) are the same; a changed input is a new task.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from .client import (
    COMPLETED,
    DEFAULT_POLL_INTERVAL,
    Client,
    InfshError,
    TaskFailedError,
    TaskState,
    TaskTimeoutError,
    file_digest,
    raise_unless_completed,
    timed_out,
)

#: ``on_update(key, state)``: called when a task is submitted, changes status or ends.
UpdateCallback = Callable[[str, TaskState], None]


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """One task to run: ``key`` names it for the caller (unique in a batch), e.g. ``"avatar-03"``."""

    key: str
    app: str
    inputs: dict[str, Any]

    def input_hash(self) -> str:
        """SHA-256 of the app and inputs, with local files (Path values) taken by their content."""
        canonical = json.dumps({"app": self.app, "inputs": _by_content(self.inputs)}, sort_keys=True,
                               ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(slots=True)
class JournalEntry:
    """What the journal knows about one request: its task id, and its final state once it ended."""

    key: str
    app: str
    input_hash: str
    task_id: str
    final: TaskState | None = None


class TaskJournal:
    """An append-only JSON-lines record of submitted and finished tasks (no inputs, no secrets)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def entries(self) -> dict[tuple[str, str], JournalEntry]:
        """The latest entry per (key, input hash); a torn last line from a killed run is skipped."""
        found: dict[tuple[str, str], JournalEntry] = {}
        if not self.path.is_file():
            return found
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
                identity = (record["key"], record["input_hash"])
                if record["event"] == "submitted":
                    found[identity] = JournalEntry(record["key"], record["app"], record["input_hash"],
                                                   record["task_id"])
                elif record["event"] == "finished" and identity in found \
                        and found[identity].task_id == record["task_id"]:
                    found[identity].final = TaskState.from_dict(record["state"])
            except (ValueError, KeyError, TypeError):
                continue
        return found

    def submitted(self, request: TaskRequest, input_hash: str, task_id: str) -> None:
        self._append({"event": "submitted", "key": request.key, "app": request.app, "input_hash": input_hash,
                      "task_id": task_id, "time": time.time()})

    def finished(self, request: TaskRequest, input_hash: str, state: TaskState) -> None:
        self._append({"event": "finished", "key": request.key, "app": request.app, "input_hash": input_hash,
                      "task_id": state.id, "status": state.status, "state": state.to_dict(), "time": time.time()})

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the journal for one run: a second run on it at the same time could pay twice, so it is refused.

        The lock (``flock`` on a ``.lock`` file beside the journal) goes with the process, even a killed one.
        """
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InfshError(f"another captionkit run is using {self.path}; wait for it to finish") from None
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as journal:
            journal.write(line)
            journal.flush()
            os.fsync(journal.fileno())


def run_tasks(
    client: Client,
    requests: list[TaskRequest],
    journal: TaskJournal,
    *,
    concurrency: int = 4,
    timeout: float = 900.0,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    on_update: UpdateCallback | None = None,
    retry_failed: bool = False,
) -> dict[str, TaskState]:
    """Run ``requests`` to the end and return their completed states by key.

    At most ``concurrency`` tasks are in flight. A task the journal already
    holds is reused when it completed, polled when it was still running, and
    submitted again after a failure only with ``retry_failed``. ``timeout`` is
    each task's time limit from when this call starts waiting for it. A
    failed or timed-out task does not stop the others: each is followed to
    its end or its limit, and recorded, before the error is raised (a
    :class:`TaskFailedError` or :class:`TaskTimeoutError` naming the first
    problem and how many there were). An error from submitting (a refused
    key, a validation error) stops at once; what was submitted is journaled.
    """
    keys = [request.key for request in requests]
    if len(set(keys)) != len(keys):
        raise InfshError("two inference.sh task requests share a key; give each its own")
    if concurrency < 1:
        raise InfshError(f"concurrency must be at least 1, not {concurrency}")
    with journal.locked():
        return _run(client, requests, journal, concurrency, timeout, poll_interval, on_update, retry_failed)


def _run(client: Client, requests: list[TaskRequest], journal: TaskJournal, concurrency: int, timeout: float,
         poll_interval: float, on_update: UpdateCallback | None, retry_failed: bool) -> dict[str, TaskState]:
    notify = on_update or (lambda key, state: None)
    known = journal.entries()
    hashes = {request.key: request.input_hash() for request in requests}
    results: dict[str, TaskState] = {}
    problems: list[InfshError] = []
    waiting: list[TaskRequest] = []
    in_flight: dict[str, tuple[TaskRequest, TaskState, float]] = {}
    for request in requests:
        entry = known.get((request.key, hashes[request.key]))
        if entry is None or (entry.final is not None and entry.final.status != COMPLETED and retry_failed):
            waiting.append(request)
        elif entry.final is not None:
            _settle(request, entry.final, results, problems, notify)
        else:
            resumed = TaskState(entry.task_id, request.app, "queued")
            in_flight[request.key] = (request, resumed, time.monotonic())
    while waiting or in_flight:
        while waiting and len(in_flight) < concurrency:
            request = waiting.pop(0)
            task_id = client.submit(request.app, request.inputs)
            journal.submitted(request, hashes[request.key], task_id)
            state = TaskState(task_id, request.app, "queued")
            in_flight[request.key] = (request, state, time.monotonic())
            notify(request.key, state)
        for key, (request, previous, started) in list(in_flight.items()):
            state = client.poll(previous.id, request.app)
            if state.status != previous.status:
                notify(key, state)
            if state.done:
                journal.finished(request, hashes[key], state)
                del in_flight[key]
                _settle(request, state, results, problems, notify=None)
            elif time.monotonic() - started >= timeout:
                del in_flight[key]
                problems.append(timed_out(state, timeout))
            else:
                in_flight[key] = (request, state, started)
        if in_flight:
            client.sleep(poll_interval)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        first = problems[0]
        kind = TaskTimeoutError if isinstance(first, TaskTimeoutError) else TaskFailedError
        raise kind(f"{first} (and {len(problems) - 1} more tasks did not complete)") from first
    return results


def _settle(request: TaskRequest, state: TaskState, results: dict[str, TaskState], problems: list[InfshError],
            notify: UpdateCallback | None) -> None:
    if notify is not None:
        notify(request.key, state)
    try:
        results[request.key] = raise_unless_completed(state)
    except InfshError as error:
        problems.append(error)


def _by_content(value: Any) -> Any:
    if isinstance(value, Path):
        return {"file_sha256": file_digest(value)}
    if isinstance(value, dict):
        return {key: _by_content(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_by_content(item) for item in value]
    return value
