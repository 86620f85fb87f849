"""Run a batch: check the manifest, skip what is done, run the rest, record each task, write the report."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import PATH_SETTINGS, REPORT_FILE, STATE_FILE, Manifest, Task, load_manifest
from .state import FAILED, NEEDS_INPUT, BatchState, TaskRecord


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch; ``None`` takes the manifest's setting, then the default."""

    workers: int | None = None           # default: what the machine can carry
    executor: str | None = None          # local (default) | dask
    scheduler: str | None = None         # tcp://host:port for dask; none: a local cluster on 127.0.0.1
    retry_failed: bool = False           # run tasks that failed last time with the same inputs again


@dataclass
class BatchResult:
    """What a run did: the state after it, which tasks ran now, and where the report is."""

    manifest: Manifest
    state: BatchState
    run: int
    ran: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    executor: str = "local"
    workers: int = 1
    report: Path | None = None

    def records(self, status: str) -> list[TaskRecord]:
        return [self.state.tasks[task.key] for task in self.manifest.tasks
                if task.key in self.state.tasks and self.state.tasks[task.key].status == status]

    @property
    def exit_code(self) -> int:
        """0 all done; 1 something failed; 3 only translations (or other input) still to provide."""
        if self.records(FAILED):
            return 1
        return 3 if self.records(NEEDS_INPUT) else 0

    def to_dict(self) -> dict:
        return {
            "manifest": str(self.manifest.path), "output": str(self.manifest.output), "run": self.run,
            "executor": self.executor, "workers": self.workers, "report": str(self.report),
            "state": str(self.state.path), "ran": self.ran, "kept": self.kept,
            "tasks": [_task_summary(task, self.state.tasks.get(task.key)) for task in self.manifest.tasks],
        }


def run_batch(
    manifest_path: str | os.PathLike,
    options: BatchOptions = BatchOptions(),
    *,
    progress: Callable[[str, str, float], None] | None = None,
    started: Callable[[int, int], None] | None = None,
    finished: Callable[[Task, TaskRecord, int, int], None] | None = None,
) -> BatchResult:
    """Run the batch that ``manifest_path`` describes; outputs, state and report go to its output folder.

    ``started(tasks to run, tasks kept)`` is called once the plan is known; ``progress(task key, stage,
    fraction)`` follows running tasks; ``finished(task, record, done, total)``
    is called as each task ends. Tasks already done with the same inputs and settings are kept.
    """
    from . import executors
    from .report import write_report

    manifest = load_manifest(manifest_path)
    executor = options.executor or manifest.executor or "local"
    scheduler = options.scheduler or manifest.scheduler
    if scheduler and executor != "dask":
        from .manifest import ManifestError

        raise ManifestError(f"a scheduler ({scheduler}) is only used with --executor dask; add it or drop the scheduler")
    _guard(manifest)
    state = BatchState.load(manifest.output / STATE_FILE)
    to_run = [task for task in manifest.tasks
              if state.needs_running(task, manifest.output, retry_failed=options.retry_failed)]
    kept = [task.key for task in manifest.tasks if task not in to_run]
    workers = options.workers or manifest.workers or executors.default_workers(max(1, len(to_run)))
    manifest.output.mkdir(parents=True, exist_ok=True)
    run = state.start_run(executor, workers)
    state.save()
    result = BatchResult(manifest, state, run, kept=kept, executor=executor, workers=workers)
    if started is not None:
        started(len(to_run), len(kept))

    def on_finished(task: Task, record: TaskRecord) -> None:
        record.run = run
        state.record(record)
        result.ran.append(task.key)
        if finished is not None:
            finished(task, record, len(result.ran), len(to_run))

    def on_done() -> None:  # every task has finished: state and report, while the workers shut down
        if result.report is None:
            state.finish_run(len(result.ran), len(kept))
            state.save()
            result.report = write_report(manifest, state, manifest.output / REPORT_FILE)

    try:
        if to_run and executor == "dask":
            executors.run_dask(to_run, manifest.output, workers=workers, job_workers=manifest.job_workers,
                               scheduler=scheduler, on_finished=on_finished, on_progress=progress, on_done=on_done)
        elif to_run:
            executors.run_local(to_run, manifest.output, workers=workers, job_workers=manifest.job_workers,
                                on_finished=on_finished, on_progress=progress, on_done=on_done)
        on_done()
    finally:
        if result.report is None:  # stopped part-way: the report shows what finished
            result.report = write_report(manifest, state, manifest.output / REPORT_FILE)
    return result


def _guard(manifest: Manifest) -> None:
    """Refuse the batch before it starts if the state file or the report would replace an input (the
    manifest, an input, a file a job reads) or the output folder cannot be written; each task's job checks
    its own outputs the same way."""
    from ..files import guard_outputs

    inputs = [manifest.path]
    for task in manifest.tasks:
        inputs.append(task.input)
        inputs += [getattr(task.settings, key) for key in PATH_SETTINGS]
    guard_outputs(inputs, [("the state file", manifest.output / STATE_FILE), ("the report", manifest.output / REPORT_FILE)],
                  hint=f"choose another folder as 'output' in {manifest.path.name}")  # the manifest's, not an -o


def _task_summary(task: Task, record: TaskRecord | None) -> dict:
    summary = {"key": task.key, "job": task.job, "kind": task.kind, "input": str(task.input),
               "languages": list(task.languages), "status": "not run"}
    if record is not None and record.fingerprint == task.fingerprint:
        summary.update(status=record.status, run=record.run, seconds=record.seconds, error=record.error,
                       outputs=sorted(record.outputs), rows=record.rows)
    return summary

