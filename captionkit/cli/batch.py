"""``captionkit batch``: run a manifest of caption, localize and render jobs, resumably, in parallel."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMAND = "batch"
COMMIT_AT_END = False  # the state file and finished jobs' outputs stand even if a later job fails (resumable)
HELP = "Run a TOML manifest of caption/localize/render jobs over many inputs: parallel, resumable, with a report."
ORDER = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", type=Path, help="the batch manifest (TOML): output folder and [[jobs]]")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="tasks at once (default: the manifest's, else what this machine can carry)")
    parser.add_argument("--executor", choices=("local", "dask"),
                        help="local worker processes (default) or a Dask distributed cluster")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="the Dask scheduler to use (default with --executor dask: a cluster on 127.0.0.1)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="run again the tasks that failed last time (tasks whose inputs changed always run)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on standard output")


def run(args: argparse.Namespace) -> int:
    from ..batch.run import BatchOptions, run_batch
    from ..errors import CaptionkitError
    from . import print_json

    if args.workers is not None and args.workers < 1:
        raise CaptionkitError(f"--workers {args.workers}: give at least 1")
    display = _Display()
    try:
        result = run_batch(
            args.manifest,
            BatchOptions(workers=args.workers, executor=args.executor, scheduler=args.scheduler,
                         retry_failed=args.retry_failed),
            progress=display.progress, started=display.start, finished=display.finished,
        )
    finally:
        display.close()
    _summary(result)
    if args.json:
        print_json(result.to_dict())
    return result.exit_code


class _Display:
    """Overall progress (a bar on a terminal) with each running task's stage, and a line per finished task."""

    def __init__(self) -> None:
        from tqdm import tqdm

        from ..progress import _disabled

        self.bar = None
        self.stages: dict[str, str] = {}
        self._tqdm, self._disabled = tqdm, _disabled("batch")

    def start(self, total: int, kept: int) -> None:
        if kept:
            print(f"batch: {kept} tasks already done are kept; {total} to run", file=sys.stderr)
        self.bar = self._tqdm(total=total, desc="batch", unit="task", disable=self._disabled, leave=False,
                              dynamic_ncols=True)

    def progress(self, key: str, stage: str, fraction: float) -> None:
        if stage == "finished":
            self.stages.pop(key, None)
        else:
            self.stages[key] = f"{key}: {stage}" + (f" {fraction:.0%}" if 0 < fraction < 1 else "")
        if self.bar is not None:
            self.bar.set_postfix_str(" | ".join(self.stages.values())[:120], refresh=True)

    def finished(self, task, record, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(1)
        took = f"{record.seconds:.1f} s"
        line = f"[{done}/{total}] {record.status:<11} {task.key} ({task.kind}{_languages(task)}) in {took}"
        self._tqdm.write(line, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _languages(task) -> str:
    return ": " + ", ".join(task.languages) if task.languages else ""


def _summary(result) -> None:
    """The run in a few lines on standard error, failures with their errors last."""
    from ..batch.state import DONE, FAILED, NEEDS_INPUT

    done, failed, waiting = (result.records(status) for status in (DONE, FAILED, NEEDS_INPUT))
    print(f"batch run {result.run} ({result.executor}, {result.workers} workers): {len(result.ran)} tasks run, "
          f"{len(result.kept)} kept from earlier runs; {len(done)} done, {len(failed)} failed, "
          f"{len(waiting)} need input, of {len(result.manifest.tasks)}", file=sys.stderr)
    print(f"report: {result.report}", file=sys.stderr)
    for record in waiting:
        print(f"needs input: {record.key}: {record.error}", file=sys.stderr)
    for record in failed:
        print(f"failed: {record.key}: {record.error}", file=sys.stderr)
