"""Running: local worker processes, as every analysis starts them.

`import mesa` switches multiprocessing to "spawn" for the whole process, so pools are
spawned explicitly (workers import what they need; task functions must be
module-level). Each worker runs one model at a time, so its numpy BLAS gets one
thread: with two workers on two cores, two threads each would only fight.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# More local processes than this only fight for the cores (and may exhaust memory).
MAX_WORKERS = max(64, 4 * (os.cpu_count() or 1))


def check_workers(workers: int | None, flag: str = "--workers") -> None:
    """A one-line ConfigError for a number of local processes below 1 or beyond
    MAX_WORKERS, before any process starts."""
    from .config import ConfigError
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ConfigError(f"{flag} {workers}: expected 1 to {MAX_WORKERS} local processes "
                          f"({os.cpu_count()} cores here)")


def spawn_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes whose BLAS runs one thread each (a
    value the user set in the environment is kept) and that ignore Ctrl-C."""
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")  # inherited by the workers when they start
    return QuietPool(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                     initializer=ignore_interrupt)


class QuietPool(ProcessPoolExecutor):
    """A process pool whose workers ignore Ctrl-C (SIGINT) from birth: the parent
    alone handles it (one line, exit 130, bscsim.cli) and stops the pool, so no
    worker prints a traceback. Workers start inside `submit`, so the parent
    ignores SIGINT while it submits and the spawned interpreter inherits that (an
    ignored signal stays ignored across exec, and Python keeps it so)."""

    def submit(self, fn, /, *args, **kwargs):
        import signal
        import threading
        if threading.current_thread() is not threading.main_thread():
            return super().submit(fn, *args, **kwargs)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.signal(signal.SIGINT, previous)


def stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once (after Ctrl-C): queued runs cancelled, running workers
    ended, nothing waited for. Python 3.14 has `terminate_workers`; before it, the
    pool's own process table."""
    end = getattr(pool, "terminate_workers", None)
    if end is not None:
        end()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)   # forgets its processes
    for process in processes:
        process.terminate()


def ignore_interrupt() -> None:
    """A worker ignores Ctrl-C (SIGINT) (also set before it imports anything: see
    QuietPool)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
