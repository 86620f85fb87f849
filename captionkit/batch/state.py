"""The batch state file: which tasks finished, when, in which run, and the hashes of what they wrote.

It lives at ``<output>/batch-state.json`` and is rewritten atomically (temporary name, then rename) after
every finished task, so a batch killed at any moment leaves a state file that names exactly the tasks
that finished. A task is done when its record says so, its fingerprint (input, files it reads, settings)
is unchanged and every output it recorded is still there with the same hash; anything else runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..files import write_text_atomic
from .manifest import ManifestError, Task

STATE_VERSION = 1
DONE = "done"
FAILED = "failed"
NEEDS_INPUT = "needs-input"   # e.g. translations to fill in: not a failure, and not done


@dataclass
class TaskRecord:
    """What one run of one task did."""

    key: str
    fingerprint: str
    status: str
    run: int
    started: str
    finished: str
    seconds: float
    worker: str = ""
    outputs: dict[str, str] = field(default_factory=dict)   # path relative to the batch output -> sha256
    rows: list[dict] = field(default_factory=list)          # per language: lint, poster, first caption
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class BatchState:
    """The runs of one batch output folder and the latest record of each task."""

    path: Path
    runs: list[dict] = field(default_factory=list)
    tasks: dict[str, TaskRecord] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> BatchState:
        """The state in ``path``, or an empty one if there is none yet."""
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {STATE_VERSION}")
            tasks = {key: TaskRecord(**record) for key, record in data["tasks"].items()}
            return cls(path, list(data["runs"]), tasks)
        except (ValueError, KeyError, TypeError) as error:
            raise ManifestError(f"{path}: the batch state file cannot be read ({error}); move it away to start "
                                "the batch afresh") from error

    def save(self) -> None:
        data = {"version": STATE_VERSION, "runs": self.runs,
                "tasks": {key: asdict(record) for key, record in sorted(self.tasks.items())}}
        write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")

    def start_run(self, executor: str, workers: int) -> int:
        """Record a new run and return its number (from 1)."""
        number = len(self.runs) + 1
        self.runs.append({"run": number, "started": now(), "finished": None, "executor": executor,
                          "workers": workers, "ran": 0, "kept": 0})
        return number

    def finish_run(self, ran: int, kept: int) -> None:
        self.runs[-1].update(finished=now(), ran=ran, kept=kept)

    def record(self, record: TaskRecord) -> None:
        """Keep ``record`` as the task's latest and write the state file at once."""
        self.tasks[record.key] = record
        self.save()

    def is_done(self, task: Task, output: Path) -> bool:
        """True if ``task`` finished with these inputs and settings and its outputs are untouched."""
        record = self.tasks.get(task.key)
        if record is None or record.status != DONE or record.fingerprint != task.fingerprint:
            return False
        return all(file_hash(output / relative) == digest for relative, digest in record.outputs.items())

    def needs_running(self, task: Task, output: Path, *, retry_failed: bool) -> bool:
        """Whether a new run must run ``task``: not done, or failed and ``retry_failed`` asks for it.

        A task that failed with the same inputs and settings is kept as failed unless retried; a task
        whose inputs changed always runs again.
        """
        record = self.tasks.get(task.key)
        if record is not None and record.status == FAILED and record.fingerprint == task.fingerprint:
            return retry_failed
        return not self.is_done(task, output)


def file_hash(path: Path) -> str | None:
    """The SHA-256 of ``path`` in hex, or None if it is missing."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except (FileNotFoundError, IsADirectoryError):
        return None
    return digest.hexdigest()


def now() -> str:
    """The current UTC time as ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def worker_name() -> str:
    """This process as ``host:pid``, for the report's "ran where"."""
    return f"{os.uname().nodename}:{os.getpid()}"
