"""Never pay twice: a step cache keyed by the content of each step's inputs, and the run's report.

Every piece of work ``render`` does (one TTS segment, the master, the
alignment, one avatar clip, ...) is an :class:`Entry` whose key is a hash of
what it is made from: file contents (never paths or times), texts, engine,
model and options. Its files live in ``OUTDIR/.captionkit/<step>/<key>/`` and
count as done only once ``done.json`` is written there, last; so a run that
crashed or was killed redoes exactly the entries it had not finished, and an
edit redoes only the entries whose inputs changed. ``force`` redoes every
entry once in the run.

The report (``OUTDIR/report.json``) lists each step with its inputs as
content hashes, its outputs, how long it took, whether it was reused, its
inference.sh task ids and costs, and its warnings. Nothing secret goes in:
inputs are hashes and options, never environment variables or keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import write_text_atomic

#: Bumped when a step's way of making its outputs changes, so old entries are not reused.
CACHE_VERSION = 1
CACHE_FOLDER = ".captionkit"
DONE = "done.json"


def file_digest(path: str | os.PathLike) -> str:
    """``sha256:<hex>`` of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def text_digest(text: str) -> str:
    return f"sha256:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def content_key(step: str, inputs: dict[str, Any]) -> str:
    """A stable key for ``inputs`` (JSON values only) of ``step``."""
    canonical = json.dumps({"step": step, "version": CACHE_VERSION, "inputs": inputs}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Entry:
    """One cached piece of work: its folder, and whether it finished in this or an earlier run."""

    step: str
    key: str
    inputs: dict[str, Any]
    folder: Path
    reused: bool

    def path(self, name: str) -> Path:
        """Where the entry keeps its output ``name`` (the folder is made on demand)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / name

    @property
    def record(self) -> dict[str, Any]:
        """What ``done.json`` holds: the inputs and the values the step saved with :meth:`finish`."""
        return json.loads((self.folder / DONE).read_text(encoding="utf-8"))

    def finish(self, **values: Any) -> dict[str, Any]:
        """Mark the entry done (``done.json``, written atomically, last) with ``values`` to read back later."""
        record = {"step": self.step, "key": self.key, "inputs": self.inputs, **values}
        write_text_atomic(self.path(DONE), json.dumps(record, indent=1, sort_keys=True, default=str) + "\n")
        return record


class StepCache:
    """Entries under ``root``; with ``force`` every entry is redone once in this run."""

    def __init__(self, root: str | os.PathLike, *, force: bool = False) -> None:
        self.root = Path(root)
        self.force = force
        self._made: set[tuple[str, str]] = set()

    def entry(self, step: str, inputs: dict[str, Any]) -> Entry:
        key = content_key(step, inputs)
        folder = self.root / step / key[:20]
        done = (folder / DONE).is_file()
        if done and self.force and (step, key) not in self._made:
            shutil.rmtree(folder)
            done = False
        self._made.add((step, key))
        return Entry(step, key, inputs, folder, reused=done)


def cpu_time() -> float:
    """CPU seconds used so far by this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass(slots=True)
class StepRecord:
    """One step of the run, for ``report.json``."""

    number: int
    name: str
    title: str
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process and its children (ffmpeg)
    reused: int = 0
    made: int = 0
    tasks: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter, repr=False)
    started_cpu: float = field(default_factory=lambda: cpu_time(), repr=False)

    def stop(self) -> None:
        """Note the step's wall and CPU time since it started."""
        self.seconds = time.perf_counter() - self.started
        self.cpu_seconds = cpu_time() - self.started_cpu

    def count(self, entry: Entry) -> Entry:
        """Note whether ``entry`` was reused or made, and return it."""
        if entry.reused:
            self.reused += 1
        else:
            self.made += 1
        return entry

    @property
    def cost(self) -> float | None:
        costs = [task["cost"] for task in self.tasks if task.get("cost") is not None]
        return round(sum(costs), 6) if costs else None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "step": self.number,
            "name": self.name,
            "title": self.title,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "reused": self.reused,
            "made": self.made,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "warnings": self.warnings,
        }
        if self.tasks:
            data["tasks"] = self.tasks
            data["cost"] = self.cost
        return data


@dataclass(slots=True)
class RenderReport:
    """Every step of a run, with totals; written as ``OUTDIR/report.json``."""

    engine: str
    avatar: str
    options: dict[str, Any]
    steps: list[StepRecord] = field(default_factory=list)
    spoken_seconds: float | None = None
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    @property
    def cpu_seconds(self) -> float:
        return sum(step.cpu_seconds for step in self.steps)

    @property
    def warnings(self) -> list[str]:
        return [warning for step in self.steps for warning in step.warnings]

    @property
    def cost(self) -> float | None:
        costs = [step.cost for step in self.steps if step.cost is not None]
        return round(sum(costs), 6) if costs else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "avatar": self.avatar,
            "options": self.options,
            "spoken_seconds": None if self.spoken_seconds is None else round(self.spoken_seconds, 3),
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "real_time_factor": (
                round(self.seconds / self.spoken_seconds, 3) if self.spoken_seconds else None
            ),
            "cost": self.cost,
            "outputs": self.outputs,
            "warnings": self.warnings,
            "steps": [step.to_dict() for step in self.steps],
        }

    def save(self, path: str | os.PathLike) -> Path:
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
