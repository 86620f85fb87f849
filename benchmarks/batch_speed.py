"""Batch throughput: jobs per hour with 1 and 2 local workers and on a Dask cluster, and Dask's overhead.

The same manifest over N short clips of one spoken line each (the test clips: black 160x90, piper
speech) is run from scratch with each executor, fastest of ``--repeat`` runs: ``localize`` jobs (the
default: aligned to the script, then es, ja and ar from hand-written translations with the ``file``
translator, SRT/VTT/ASS per language and the MP4/MKV with every language) or ``caption`` jobs. Wall time covers everything the
command does: planning, starting the workers (or the local Dask cluster), running, state and report.

    python benchmarks/batch_speed.py [--clips 20] [--repeat 2] [--kind localize|caption]

Figures: wall time, jobs per hour and CPU time (this process and every process under it) for each
way; the parallel speed-up of 2 workers over 1; and Dask's overhead over the local executor with the
same 2 workers (target: at most 10 %), in wall time and in CPU time (the fairer figure on a machine
that other work keeps busy).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
os.environ.setdefault("CAPTIONKIT_PROGRESS", "off")

from batch_helpers import LINES, TRANSLATED, make_clips, write_translations  # noqa: E402
from captionkit.batch.run import BatchOptions, run_batch  # noqa: E402

MANIFESTS = {
    "caption": 'output = "out"\n[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\nscript = "scripts/{stem}.txt"\n',
    "localize": 'output = "out"\n[[jobs]]\nkind = "localize"\ninputs = ["videos/*.mp4"]\nto = ["es", "ja", "ar"]\n'
                'translator = "file"\ntranslations = "translations"\nscript = "scripts/{stem}.txt"\n',
}


def cpu_seconds() -> float:
    """CPU time of this process and of every finished process under it (workers, nannies, ffmpeg)."""
    mine, theirs = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + theirs.ru_utime + theirs.ru_stime


def timed_batch(folder: Path, options: BatchOptions) -> tuple[float, float]:
    """Wall and CPU seconds for one batch run from an empty output folder."""
    shutil.rmtree(folder / "out", ignore_errors=True)
    started, cpu = time.perf_counter(), cpu_seconds()
    result = run_batch(folder / "batch.toml", options)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if result.exit_code != 0:
        raise SystemExit(f"the batch did not finish cleanly: {result.to_dict()['tasks']}")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=20, help="number of clips, i.e. jobs (default 20; 10 "
                                                               "different lines, copied under new names beyond)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per way; the fastest counts (default 2)")
    parser.add_argument("--kind", choices=sorted(MANIFESTS), default="localize", help="job kind (default localize)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="captionkit-batch-bench-") as work:
        folder, cache = Path(work) / "project", Path(work) / "cache"
        cache.mkdir()
        clips = make_clips(folder, min(args.clips, len(LINES)), cache=cache)
        translations = write_translations(folder / "translations", len(clips))
        for extra in range(len(clips), args.clips):  # more jobs than lines: copies under new names
            source, name = clips[extra % len(clips)], f"extra {extra:03d}"
            shutil.copy2(source, source.with_name(f"{name}.mp4"))
            shutil.copy2(folder / "scripts" / f"{source.stem}.txt", folder / "scripts" / f"{name}.txt")
            for language in TRANSLATED:
                shutil.copy2(translations / f"{source.stem}.{language}.csv", translations / f"{name}.{language}.csv")
        (folder / "batch.toml").write_text(MANIFESTS[args.kind], encoding="utf-8")
        ways = {
            "local, 1 worker": BatchOptions(workers=1, executor="local"),
            "local, 2 workers": BatchOptions(workers=2, executor="local"),
            "dask LocalCluster, 2 workers": BatchOptions(workers=2, executor="dask"),
        }
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.repeat):  # interleaved, so a busy moment does not land on one way only
            for name, options in ways.items():
                wall, cpu = timed_batch(folder, options)
                previous = best.get(name, (float("inf"), float("inf")))
                best[name] = (min(previous[0], wall), min(previous[1], cpu))
    print(f"{args.clips} {args.kind} jobs (one spoken line each, 160x90), fastest of {args.repeat} runs, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'way':<30} {'wall':>8} {'jobs/hour':>10} {'CPU':>8}")
    for name, (wall, cpu) in best.items():
        print(f"{name:<30} {wall:>7.1f}s {args.clips * 3600 / wall:>10.0f} {cpu:>7.1f}s")
    (one, _), (two, two_cpu), (dask, dask_cpu) = best.values()
    print(f"parallel speed-up, 2 local workers over 1: {one / two:.2f}x")
    print(f"Dask overhead over the local executor (2 workers): wall {(dask / two - 1) * 100:+.1f} %, "
          f"CPU {(dask_cpu / two_cpu - 1) * 100:+.1f} % (target: <= 10 %)")


if __name__ == "__main__":
    main()
