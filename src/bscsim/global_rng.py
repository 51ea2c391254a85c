"""Seeding the global random generators that third-party libraries draw from.

bscsim's own code draws only from seeded `numpy.random.Generator`s. Two libraries
it drives draw from the process-wide generators instead: pyabc samples its
proposals from numpy's global generator (and Python's `random`), and EMA
Workbench 2.5's PRIM resampling from numpy's. `seeded(np_seed, py_seed)` seeds them for the
duration of a `with` block, so that those draws repeat from a bscsim seed, and
restores them afterwards, so that nothing outside the block sees the change.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from typing import Iterator

import numpy as np


@contextmanager
def seeded(np_seed: int, py_seed: int | None = None) -> Iterator[None]:
    """Seed numpy's global generator with `np_seed` (and Python's with `py_seed`,
    if given) inside the block; restore both states on leaving it."""
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        np.random.seed(int(np_seed) % 2**32)
        if py_seed is not None:
            random.seed(int(py_seed))
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
