"""Where tasks run: a local pool of worker processes, or a Dask distributed cluster.

Both run :func:`captionkit.batch.tasks.run_task` on each task and hand every finished record back to the
caller in the calling process, which alone writes the state file and the report (``on_done``, called
once every task has finished, lets it do so while the workers are still shutting down). Tasks are handed out a
few at a time (never more than there are workers, and never more of one job than its ``workers`` cap), so
a batch stopped at any moment has started only what was running.
"""

from __future__ import annotations

import contextlib
import os
import queue as queue_module
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CaptionkitError
from .manifest import Task
from .state import FAILED, TaskRecord, now
from .tasks import THREADS_VARIABLE, WORKER_MODULES, ProgressSink, run_task, use_threads

#: Memory one worker may need (speech model, decoded audio, ffmpeg), for the default worker count.
WORKER_MEMORY = 1_500_000_000
PROGRESS_TOPIC = "captionkit-batch-progress"
#: Dask settings for the batch's client and a cluster it starts itself. Tasks are few, long and
#: CPU-bound, and never more are submitted than there are slots, so Dask's housekeeping only takes CPU
#: from them: the worker's statistical profiler (a stack sample every 10 ms), the GIL monitor, the
#: event-loop tick check every 20 ms and the system monitor every 0.5 s in every process, and work
#: stealing every 100 ms. An idle 2-worker LocalCluster took 0.09 CPU seconds per second (4.5 % of a
#: 2-CPU machine); 0.025 with these settings, 0.011 without the memory limit too (``run_dask``).
#: Workers of a cluster the batch starts are forked from a server that imported ``distributed`` and
#: the task modules once (:func:`worker_context`), instead of each importing them in a fresh interpreter
#: (about 1 CPU second less per worker). The nanny's ``MALLOC_TRIM_THRESHOLD_=65536``, which made alignment take 35 % more CPU
#: than in a local worker, is overridden in every task by :func:`captionkit.batch.tasks.keep_freed_memory`.
DASK_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.scheduler.work-stealing": False,
    "distributed.worker.multiprocessing-method": "forkserver",
}
#: How often the client looks for progress messages while it waits for a task to finish.
POLL_SECONDS = 0.1

OnFinished = Callable[[Task, TaskRecord], None]
OnDone = Callable[[], None]


def machine_cpus() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers(task_count: int) -> int:
    """What this machine can carry: one worker per CPU, as many as memory allows, no more than the tasks."""
    import psutil

    by_memory = max(1, psutil.virtual_memory().available // WORKER_MEMORY)
    return max(1, min(machine_cpus(), by_memory, task_count))


def threads_per_worker(workers: int, cpus: int | None = None) -> int:
    """ffmpeg and model threads for each of ``workers`` sharing ``cpus`` (this machine's by default)."""
    return max(1, (cpus or machine_cpus()) // max(1, workers))


@dataclass
class _Slots:
    """Which tasks may start now: at most ``workers`` at once, and at most a job's cap of one job."""

    workers: int
    job_workers: dict[int, int]

    def next_ready(self, waiting: list[Task], running: Iterable[Task]) -> Task | None:
        running = list(running)
        if len(running) >= self.workers:
            return None
        for task in waiting:
            cap = self.job_workers.get(task.job)
            if cap is None or sum(other.job == task.job for other in running) < cap:
                return task
        return None


def run_local(
    tasks: list[Task], output: Path, *, workers: int, job_workers: dict[int, int],
    on_finished: OnFinished, on_progress: ProgressSink | None = None, on_done: OnDone | None = None,
) -> None:
    """Run ``tasks`` in ``workers`` local processes, each with its share of the machine's threads."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    context = worker_context(WORKER_MODULES)
    messages = context.Queue()
    threads = threads_per_worker(workers)
    waiting, slots = list(tasks), _Slots(workers, job_workers)
    while waiting:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_local_worker,
                                 initargs=(threads, messages, os.getpid())) as pool:
            running: dict[Any, Task] = {}
            try:
                while waiting or running:
                    task = slots.next_ready(waiting, running.values())
                    while task is not None:
                        waiting.remove(task)
                        running[pool.submit(_run_local_task, task, output, threads)] = task
                        task = slots.next_ready(waiting, running.values())
                    finished, _ = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                    _drain(messages, on_progress)
                    for future in finished:
                        record = future.result()  # a dead worker raises here, with its task still running
                        on_finished(running.pop(future), record)
                if not waiting and on_done is not None:  # the workers stop while the caller goes on
                    pool.shutdown(wait=False)
                    _drain(messages, on_progress)
                    on_done()
            except BrokenProcessPool as error:  # a worker died (killed, out of memory): those tasks failed
                for task in running.values():
                    message = f"its worker process died ({error}); run the batch again with --retry-failed"
                    on_finished(task, _lost(task, message))
    _drain(messages, on_progress)


def worker_context(modules: Iterable[str]) -> Any:
    """Where worker processes come from: forked from one server process (no threads, no inherited locks)
    that imports ``modules`` once, starting now so that it does so while this process goes on; on a
    system without fork servers, fresh interpreters."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(modules))  # used when the server starts; a running one is kept
    forkserver.ensure_running()
    return context


_local_messages: Any = None


def _start_local_worker(threads: int, messages: Any, batch: int) -> None:
    """Set up a local worker process: its thread share, its progress queue, and death with the batch
    (process ``batch``, which is not its parent: workers come from the fork server)."""
    global _local_messages
    use_threads(threads)
    _local_messages = messages
    import threading

    threading.Thread(target=_end_with, args=(batch,), name="captionkit-end-with-batch", daemon=True).start()


def _end_with(batch: int) -> None:
    """Kill this process as soon as process ``batch`` ends, however it ends (a batch killed outright must
    not leave its workers running): at once with a Linux process descriptor, else within half a second."""
    import select
    import signal

    try:
        select.select([os.pidfd_open(batch)], [], [])
    except ProcessLookupError:  # already gone
        pass
    except (AttributeError, OSError):  # no process descriptors here: look twice a second
        while _alive(batch):
            time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process now has the number: ours has ended
        return False
    return True


def _run_local_task(task: Task, output: Path, threads: int) -> TaskRecord:
    def progress(key: str, stage: str, fraction: float) -> None:
        _local_messages.put((key, stage, fraction))

    return run_task(task, output, threads, progress)


def _drain(messages: Any, on_progress: ProgressSink | None) -> None:
    while True:
        try:
            message = messages.get_nowait()
        except (queue_module.Empty, OSError, EOFError):
            return
        if on_progress is not None:
            on_progress(*message)


def run_dask(
    tasks: list[Task], output: Path, *, workers: int, job_workers: dict[int, int], scheduler: str | None,
    on_finished: OnFinished, on_progress: ProgressSink | None = None, on_done: OnDone | None = None,
) -> None:
    """Run ``tasks`` on the Dask cluster at ``scheduler`` (``tcp://host:port``), or on a local cluster of
    ``workers`` processes on 127.0.0.1 when no scheduler is given."""
    if not scheduler:  # the cluster's workers: their server imports while this process imports distributed
        worker_context(("distributed", *WORKER_MODULES))
    try:
        import dask
        from distributed import Client, LocalCluster, wait
    except ImportError as error:
        raise CaptionkitError("--executor dask needs the 'distributed' package: pip install distributed") from error
    with dask.config.set(DASK_CONFIG):
        connection = contextlib.ExitStack()  # the client, and the cluster when the batch starts one
        with _closing_after(connection, on_done):
            if scheduler:
                try:
                    client = Client(scheduler, timeout="20s")
                except (OSError, TimeoutError) as error:
                    raise CaptionkitError(f"no Dask scheduler answers at {scheduler} ({error}); start one with "
                                          "`dask scheduler` or check the address") from error
                connection.callback(client.close)
                slots_total = sum(client.nthreads().values()) or workers
            else:
                cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address="127.0.0.1:0", silence_logs=40,  # a free port: never a clash
                    memory_limit=0,  # as the local executor: no monitor polling every worker 10 times a second,
                )                    # no killing a task at its share of the machine (the worker count allows for it)
                connection.callback(cluster.close)
                client = Client(cluster)
                connection.callback(client.close)
                slots_total = workers
            threads = _slots_by_host(client) if scheduler else threads_per_worker(workers)
            if on_progress is not None:
                client.subscribe_topic(PROGRESS_TOPIC, lambda event: on_progress(*event[1]))
            waiting, slots = list(tasks), _Slots(slots_total, job_workers)
            running: dict[Any, Task] = {}
            while waiting or running:
                task = slots.next_ready(waiting, running.values())
                while task is not None:
                    waiting.remove(task)
                    future = client.submit(_run_dask_task, task, output, threads, pure=False, retries=0,
                                           key=f"captionkit-{task.key}-{time.time_ns()}")
                    running[future] = task
                    task = slots.next_ready(waiting, running.values())
                with contextlib.suppress(TimeoutError):  # progress arrives on its own (subscribe_topic)
                    wait(list(running), timeout=POLL_SECONDS * 10, return_when="FIRST_COMPLETED")
                for future in [future for future in running if future.done()]:
                    task = running.pop(future)
                    try:
                        record = future.result()
                    except Exception as error:  # noqa: BLE001 - a lost worker or an unpicklable result
                        record = _lost(task, f"the Dask worker failed ({type(error).__name__}: {error}); run the "
                                             "batch again with --retry-failed")
                    on_finished(task, record)


@contextlib.contextmanager
def _closing_after(connection: contextlib.ExitStack, on_done: OnDone | None) -> Iterator[None]:
    """Close ``connection`` after the block; when the block succeeds, in a background thread while
    ``on_done`` runs (a cluster takes a while to stop its workers)."""
    import threading

    with connection:
        yield
        closing = threading.Thread(target=connection.close, name="captionkit-closing-dask")
        closing.start()
        try:
            if on_done is not None:
                on_done()
        finally:
            closing.join()


def _slots_by_host(client: Any) -> dict[str, int]:
    """How many tasks each machine of the cluster runs at once: its workers' threads, added up."""
    slots: dict[str, int] = {}
    for info in client.scheduler_info(n_workers=-1)["workers"].values():
        slots[info["host"]] = slots.get(info["host"], 0) + int(info["nthreads"])
    return slots


def _run_dask_task(task: Task, output: Path, threads: int | dict[str, int]) -> TaskRecord:
    """``run_task`` on a Dask worker with ``threads`` threads; on a remote cluster (tasks at once per
    machine), the worker's ``CAPTIONKIT_THREADS`` if set, else its machine's CPUs divided among the tasks
    the machine runs at once (all its worker processes' threads)."""
    from distributed import get_worker
    from distributed.comm import get_address_host

    worker = get_worker()
    if isinstance(threads, dict):
        slots = threads.get(get_address_host(worker.address), worker.state.nthreads)
        threads = int(os.environ.get(THREADS_VARIABLE) or threads_per_worker(slots))

    def progress(key: str, stage: str, fraction: float) -> None:
        worker.log_event(PROGRESS_TOPIC, (key, stage, fraction))

    return run_task(task, output, threads, progress)


def _lost(task: Task, message: str) -> TaskRecord:
    moment = now()
    return TaskRecord(key=task.key, fingerprint=task.fingerprint, status=FAILED, run=0, started=moment,
                      finished=moment, seconds=0.0, error=message)
