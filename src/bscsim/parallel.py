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
    value the user set in the environment is kept)."""
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")  # inherited by the workers when they start
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))
