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


def spawn_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes whose BLAS runs one thread each (a
    value the user set in the environment is kept)."""
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")  # inherited by the workers when they start
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))
