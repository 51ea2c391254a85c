"""Running: executors that run sweep tasks serially, in local processes or on Dask.

Every executor has the same small interface: used as a context manager, its
`imap(fn, tasks)` yields `(task, result)` pairs as tasks finish (in any order),
keeping only a few tasks in flight so memory stays bounded however many tasks
there are. A task whose worker dies is retried (up to `MAX_ATTEMPTS` times, then
its result is a `WorkerDied`); results themselves never depend on the executor,
because every run carries its own seed.

- `SerialExecutor`: in this process, for debugging and small sweeps.
- `ProcessExecutor`: a `ProcessPoolExecutor` with an explicit "spawn" context (what
  `import mesa` switches multiprocessing to anyway); a dead worker breaks the pool,
  so the pool is rebuilt and the tasks in flight are resubmitted, one at a time, so
  that only the task that kills its worker uses up its attempts.
- `DaskExecutor`: Dask `distributed`, on a `LocalCluster` it starts or on an existing
  scheduler (`tcp://host:8786`, e.g. one started by dask-jobqueue on SLURM or PBS).
  Dask itself reschedules the tasks of a worker that dies (up to the scheduler's
  `allowed-failures`), then reports `KilledWorker`.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from ..config import ConfigError
from ..parallel import check_workers, spawn_pool

EXECUTORS = ("serial", "processes", "dask")
MAX_ATTEMPTS = 3
IN_FLIGHT_PER_WORKER = 2


class WorkerDied:
    """The result of a task that could not be run: its error as one line."""

    def __init__(self, error: str):
        self.error = error

    def __repr__(self) -> str:
        return f"WorkerDied({self.error!r})"


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_executor(name: str = "processes", workers: int | None = None,
                  scheduler: Any = None):
    """An executor by name; `scheduler` (an address, a Client or a cluster) implies
    Dask. Raises a one-line ConfigError for a bad choice, before anything starts."""
    if scheduler is not None and name not in ("dask", None):
        raise ConfigError(f"--scheduler needs --executor dask, not {name}")
    if name not in EXECUTORS:
        raise ConfigError(f"executor {name!r} is not allowed: expected one of "
                          f"{', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers = {workers} is not allowed: expected at least 1")
    if scheduler is None:          # local processes (or a local Dask cluster)
        check_workers(workers)
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers or default_workers())
    return DaskExecutor(workers, scheduler)


class SerialExecutor:
    name = "serial"
    workers = 1

    def __enter__(self) -> "SerialExecutor":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def imap(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        for task in tasks:
            yield task, fn(task)


class ProcessExecutor:
    """Local worker processes (spawned), with bounded tasks in flight."""

    name = "processes"

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        return spawn_pool(self.workers)

    def __enter__(self) -> "ProcessExecutor":
        self.pool = self._new_pool()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self.pool is not None:
            if exc_type is not None:          # interrupted: do not wait for batches
                _terminate(self.pool)
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def imap(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        todo = iter(tasks)
        retry: deque[tuple[Any, int]] = deque()
        pending: dict[Any, tuple[Any, int]] = {}
        limit = IN_FLIGHT_PER_WORKER * self.workers

        def fill() -> None:
            # tasks that were in flight when a worker died run one at a time, alone,
            # so that a further death is blamed on the task that caused it and an
            # innocent task is not given up with the culprit
            if retry:
                if not pending:
                    task, attempts = retry.popleft()
                    pending[self.pool.submit(fn, task)] = (task, attempts)
                return
            while len(pending) < limit:
                task = next(todo, None)
                if task is None:
                    return
                pending[self.pool.submit(fn, task)] = (task, 0)

        fill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                task, attempts = pending.pop(fut)
                error = fut.exception()
                if error is None:
                    yield task, fut.result()
                elif isinstance(error, BrokenProcessPool):
                    broken = True
                    retry.append((task, attempts + 1))
                else:
                    yield task, WorkerDied(f"{type(error).__name__}: {error}")
            if broken:
                # every other task in flight died with the pool: keep the finished
                # ones, resubmit the rest to a fresh pool
                for fut, (task, attempts) in list(pending.items()):
                    if fut.done() and fut.exception() is None:
                        yield task, fut.result()
                    else:
                        retry.append((task, attempts + 1))
                pending.clear()
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._new_pool()
                for _ in range(len(retry)):
                    task, attempts = retry.popleft()
                    if attempts >= MAX_ATTEMPTS:
                        yield task, WorkerDied(f"worker process died {attempts} times "
                                               "running this batch")
                    else:
                        retry.append((task, attempts))
            fill()


def _terminate(pool: ProcessPoolExecutor) -> None:
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.terminate()


class DaskExecutor:
    """Dask distributed: a LocalCluster of `workers` single-threaded processes, or an
    existing scheduler (address, scheduler file, Client or cluster object)."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: Any = None):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigError("the dask executor needs the optional extra: "
                              "pip install 'bscsim[dask]'") from None
        self.scheduler = scheduler
        self.workers = workers or default_workers()
        self.client = self.cluster = None

    def __enter__(self) -> "DaskExecutor":
        import logging

        from distributed import Client, LocalCluster
        s = self.scheduler
        if s is None:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                        processes=True, dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        elif isinstance(s, Client):
            self.client = s
        else:
            # an address, a cluster object, or a scheduler file (dask scheduler
            # --scheduler-file, the usual way on HPC)
            is_file = isinstance(s, (str, os.PathLike)) and str(s).endswith(".json")
            if is_file and not os.path.isfile(s):
                raise ConfigError(f"scheduler file {s} not found (written by `dask "
                                  "scheduler --scheduler-file`)")
            try:
                self.client = (Client(scheduler_file=str(s), timeout="30s") if is_file
                               else Client(s, timeout="30s"))
            except (OSError, ValueError) as e:
                raise ConfigError(f"cannot reach the Dask scheduler {s}: {e}") from None
        self.workers = max(self._threads(), 1)
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None and self.client is not self.scheduler:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def _threads(self) -> int:
        return sum(self.client.nthreads().values())

    def imap(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed

        todo = iter(tasks)
        pending: dict[Any, Any] = {}
        running = as_completed()

        def fill() -> None:
            # the cluster may grow (adaptive, dask-jobqueue): ask how big it is now
            limit = max(IN_FLIGHT_PER_WORKER * self._threads(), 4)
            while len(pending) < limit:
                task = next(todo, None)
                if task is None:
                    return
                fut = self.client.submit(fn, task, pure=False)
                pending[fut] = task
                running.add(fut)

        fill()
        for fut in running:
            task = pending.pop(fut)
            try:
                result = fut.result()
            except Exception as e:  # noqa: BLE001 - KilledWorker and the like
                result = WorkerDied(f"{type(e).__name__}: {e}")
            fut.release()
            yield task, result
            fill()
