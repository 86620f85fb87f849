"""Batch throughput: jobs per hour with 1 and 2 local workers and on a Dask cluster, and Dask's overhead.

The same manifest (caption jobs aligned to their scripts, or ``--kind localize`` when localize is
available) over N short clips of one spoken line each (the test clips: black 160x90, piper speech) is
run from scratch with each executor, fastest of ``--repeat`` runs. Wall time covers everything the
command does: planning, starting the workers (or the local Dask cluster), running, state and report.

    python benchmarks/batch_speed.py [--clips 10] [--repeat 2] [--size 160x90]

Figures: jobs per hour for each way; the parallel speed-up of 2 workers over 1; and Dask's overhead
over the local executor with the same 2 workers (target: at most 10 %).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
os.environ.setdefault("CAPTIONKIT_PROGRESS", "off")

from batch_helpers import LINES, make_clips  # noqa: E402
from captionkit.batch.run import BatchOptions, run_batch  # noqa: E402

MANIFEST = """\
output = "out"
[[jobs]]
kind = "caption"
inputs = ["videos/*.mp4"]
script = "scripts/{stem}.txt"
"""


def timed_batch(folder: Path, options: BatchOptions) -> float:
    """Seconds for one batch run from an empty output folder."""
    shutil.rmtree(folder / "out", ignore_errors=True)
    started = time.perf_counter()
    result = run_batch(folder / "batch.toml", options)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"the batch did not finish cleanly: {result.to_dict()['tasks']}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=10, help="number of clips, i.e. jobs (default 10, at most 10 "
                                                               "different lines, repeated beyond)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per way; the fastest counts (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="captionkit-batch-bench-") as work:
        folder, cache = Path(work) / "project", Path(work) / "cache"
        cache.mkdir()
        clips = make_clips(folder, min(args.clips, len(LINES)), cache=cache)
        for extra in range(len(clips), args.clips):  # more jobs than lines: copies under new names
            source = clips[extra % len(clips)]
            shutil.copy2(source, source.with_name(f"extra {extra:03d}.mp4"))
            shutil.copy2(folder / "scripts" / f"{source.stem}.txt", folder / "scripts" / f"extra {extra:03d}.txt")
        (folder / "batch.toml").write_text(MANIFEST, encoding="utf-8")
        ways = {
            "local, 1 worker": BatchOptions(workers=1, executor="local"),
            "local, 2 workers": BatchOptions(workers=2, executor="local"),
            "dask LocalCluster, 2 workers": BatchOptions(workers=2, executor="dask"),
        }
        best: dict[str, float] = {}
        for _ in range(args.repeat):  # interleaved, so a busy moment does not land on one way only
            for name, options in ways.items():
                best[name] = min(best.get(name, float("inf")), timed_batch(folder, options))
    print(f"{args.clips} caption jobs (one spoken line each, 160x90), fastest of {args.repeat} runs, "
          f"{os.cpu_count()} CPUs")
    print(f"{'way':<30} {'wall':>8} {'jobs/hour':>10}")
    for name, seconds in best.items():
        print(f"{name:<30} {seconds:>7.1f}s {args.clips * 3600 / seconds:>10.0f}")
    one, two, dask = best.values()
    print(f"parallel speed-up, 2 local workers over 1: {one / two:.2f}x")
    print(f"Dask overhead over the local executor (2 workers): {(dask / two - 1) * 100:+.1f} % (target: <= 10 %)")


if __name__ == "__main__":
    main()
