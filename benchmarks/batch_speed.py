"""Batch throughput: jobs per hour with 1 and 2 local workers and on Dask, the speed-up, and Dask's overhead.

The same manifest over N short clips of one spoken line each (the test clips: black 160x90, piper
speech) is run from scratch each way: ``localize`` jobs (the default: aligned to the script, then es, ja
and ar from hand-written translations with the ``file`` translator, SRT/VTT/ASS per language and the
MP4/MKV with every language) or ``caption`` jobs. Each run is the command a user types,
``python -m captionkit batch``, in its own process, so its time covers everything: starting Python,
planning, starting the workers (or the Dask cluster), running, the state file and the report.

    python benchmarks/batch_speed.py [--clips 10] [--repeat 3] [--kind localize|caption] [--size WxH] [--no-burn]

The default is the batch of issue #11's Must-show: 10 short videos (1280x720, one spoken line each) in es, ja
and ar with the captions burned in. ``--clips 20 --size 160x90 --no-burn`` (a few seconds of work) shows the
executors' fixed costs at their worst.

Ways: local executor with 1 and with 2 workers; ``--executor dask`` with 2 workers, which starts (and
stops) its own LocalCluster; and ``--executor dask --scheduler`` on a running 2-worker cluster started
fresh before each run, outside the timing (how a real cluster is used: started once, used by many
batches). The ways are interleaved, ``--repeat`` rounds, and the fastest run of each counts, so a busy
moment does not land on one way only; as this machine's speed drifts by 10-20 % within minutes, each Dask way
is also compared with the local one of the same round, and the median and range of those paired ratios printed.

Figures per way: wall time, jobs per hour, and CPU time of every process involved (the batch command and
everything under it; for the running cluster, its scheduler and workers as well). Then the parallel
speed-up of 2 local workers over 1, and Dask's overhead over the local executor with the same 2 workers
(target: at most 10 %), in wall time and in CPU time (the fairer figure on a machine that other work
keeps busy), with and without the cluster's start and stop.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from batch_helpers import LINES, TRANSLATED, make_clips, write_translations  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MANIFESTS = {
    "caption": 'output = "out"\n[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\nscript = "scripts/{stem}.txt"\n',
    "localize": 'output = "out"\n[[jobs]]\nkind = "localize"\ninputs = ["videos/*.mp4"]\nto = ["es", "ja", "ar"]\n'
                'translator = "file"\ntranslations = "translations"\nscript = "scripts/{stem}.txt"\n',
}
#: A 2-worker Dask cluster with the settings the batch gives a cluster it starts (DASK_CONFIG, no memory
#: limit); prints
#: its scheduler address, then runs until its standard input closes.
CLUSTER = """\
import sys
import dask
from distributed import LocalCluster
from captionkit.batch.executors import DASK_CONFIG

with dask.config.set(DASK_CONFIG), LocalCluster(
    n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
    silence_logs=40, memory_limit=0,
) as cluster:
    print(cluster.scheduler_address, flush=True)
    sys.stdin.read()
"""


def children_cpu() -> float:
    """CPU seconds of every finished process under this one (a batch command and its workers and ffmpeg)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def adopt_orphans() -> None:
    """Become the parent of processes whose parent exits before them (a Dask worker's fork server), so
    that waiting for them counts their CPU time (Linux)."""
    import ctypes

    ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER


def reap_orphans(keep: tuple[int, ...] = ()) -> None:
    """Wait for every process of the last run that outlived it; ``keep``: children that stay running."""
    import psutil

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        left = [child.pid for child in psutil.Process().children() if child.pid not in keep]
        if not left:
            return
        for pid in left:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.05)


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONKIT_PROGRESS": "off"}


def timed_batch(folder: Path, *args: str, keep: tuple[int, ...] = ()) -> tuple[float, float]:
    """Wall and CPU seconds of one ``captionkit batch`` run from an empty output folder."""
    shutil.rmtree(folder / "out", ignore_errors=True)
    started, cpu = time.perf_counter(), children_cpu()
    result = subprocess.run([sys.executable, "-m", "captionkit", "batch", str(folder / "batch.toml"), *args],
                            env=environment(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    reap_orphans(keep)
    cpu = children_cpu() - cpu
    if result.returncode != 0:
        raise SystemExit(f"the batch ({' '.join(args)}) did not finish cleanly:\n{result.stderr}")
    return seconds, cpu


def tree_cpu(pid: int) -> float:
    """CPU seconds of a running process and everything under it, finished children included."""
    import psutil

    processes = [psutil.Process(pid)]
    processes += processes[0].children(recursive=True)
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def timed_on_running_cluster(folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of a batch on a fresh 2-worker cluster started (and stopped) outside the timing."""
    cluster = subprocess.Popen([sys.executable, "-c", CLUSTER], env=environment(), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert cluster.stdout is not None and cluster.stdin is not None
        address = cluster.stdout.readline().strip()
        if not address.startswith("tcp://"):
            raise SystemExit("the Dask cluster for the benchmark did not start")
        time.sleep(1.0)  # let the workers settle after their start
        before = tree_cpu(cluster.pid)
        wall, cpu = timed_batch(folder, "--executor", "dask", "--scheduler", address, keep=(cluster.pid,))
        return wall, cpu + tree_cpu(cluster.pid) - before
    finally:
        if cluster.stdin is not None:
            cluster.stdin.close()
        cluster.wait(timeout=60)
        reap_orphans()


def make_project(folder: Path, clips: int, kind: str, size: tuple[int, int] = (160, 90), burn: bool = False) -> None:
    """``clips`` clips with their scripts and translations (10 different lines, copied under new names beyond)."""
    cache = folder.parent / "cache"
    cache.mkdir()
    made = make_clips(folder, min(clips, len(LINES)), cache=cache, size=size)
    translations = write_translations(folder / "translations", len(made))
    for extra in range(len(made), clips):
        source, name = made[extra % len(made)], f"extra {extra:03d}"
        shutil.copy2(source, source.with_name(f"{name}.mp4"))
        shutil.copy2(folder / "scripts" / f"{source.stem}.txt", folder / "scripts" / f"{name}.txt")
        for language in TRANSLATED:
            shutil.copy2(translations / f"{source.stem}.{language}.csv", translations / f"{name}.{language}.csv")
    (folder / "batch.toml").write_text(MANIFESTS[kind] + ("burn = true\n" if burn else ""), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=10, help="number of clips, i.e. jobs (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds over every way; the fastest counts (default 3)")
    parser.add_argument("--kind", choices=sorted(MANIFESTS), default="localize", help="job kind (default localize)")
    parser.add_argument("--size", default="1280x720", help="the clips' frame size, WxH (default 1280x720)")
    parser.add_argument("--burn", action=argparse.BooleanOptionalAction, default=True,
                        help="burn the captions in, every language of a localize job (default: yes)")
    args = parser.parse_args()
    size = tuple(int(side) for side in args.size.lower().split("x"))
    if len(size) != 2:
        parser.error(f"--size {args.size}: give WIDTHxHEIGHT, e.g. 1280x720")
    adopt_orphans()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="captionkit-batch-bench-") as work:
        folder = Path(work) / "project"
        make_project(folder, args.clips, args.kind, (size[0], size[1]), args.burn)
        ways = {
            "local, 1 worker": lambda: timed_batch(folder, "--workers", "1", "--executor", "local"),
            "local, 2 workers": lambda: timed_batch(folder, "--workers", "2", "--executor", "local"),
            "dask, own LocalCluster, 2 w.": lambda: timed_batch(folder, "--workers", "2", "--executor", "dask"),
            "dask, running cluster, 2 w.": lambda: timed_on_running_cluster(folder),
        }
        best: dict[str, tuple[float, float]] = {}
        rounds: list[dict[str, float]] = []  # each round's wall time per way, for paired ratios
        for _ in range(args.repeat):
            rounds.append({})
            for name, way in ways.items():
                wall, cpu = way()
                rounds[-1][name] = wall
                previous = best.get(name, (float("inf"), float("inf")))
                best[name] = (min(previous[0], wall), min(previous[1], cpu))
    print(f"{args.clips} {args.kind} jobs (one spoken line each, {args.size}{', burned' if args.burn else ''}), "
          f"fastest of {args.repeat} runs, "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after")
    print(f"{'way':<30} {'wall':>8} {'jobs/hour':>10} {'CPU':>8}")
    for name, (wall, cpu) in best.items():
        print(f"{name:<30} {wall:>7.1f}s {args.clips * 3600 / wall:>10.0f} {cpu:>7.1f}s")
    (one, _), (two, two_cpu), (dask, dask_cpu), (running, running_cpu) = best.values()
    print(f"parallel speed-up, 2 local workers over 1: {one / two:.2f}x")
    print(f"Dask overhead over the local executor (2 workers; target <= 10 %): "
          f"wall {(dask / two - 1) * 100:+.1f} %, CPU {(dask_cpu / two_cpu - 1) * 100:+.1f} % "
          f"(starting and stopping its own cluster); on a running cluster: "
          f"wall {(running / two - 1) * 100:+.1f} %, CPU {(running_cpu / two_cpu - 1) * 100:+.1f} %")
    local_walls = [walls["local, 2 workers"] for walls in rounds]
    print(f"steadiness: local, 2 workers took {min(local_walls):.1f}-{max(local_walls):.1f} s over the rounds")
    for name in ("dask, own LocalCluster, 2 w.", "dask, running cluster, 2 w."):
        paired = sorted((walls[name] / walls["local, 2 workers"] - 1) * 100 for walls in rounds)
        print(f"{name} against local, 2 workers in the same round: median {statistics.median(paired):+.1f} %, "
              f"range {paired[0]:+.1f} .. {paired[-1]:+.1f} %")
    start = statistics.median(walls["dask, own LocalCluster, 2 w."] - walls["dask, running cluster, 2 w."]
                              for walls in rounds)
    print(f"the own cluster's start and stop (own minus running cluster, same round, median): {start:+.2f} s")


if __name__ == "__main__":
    main()
