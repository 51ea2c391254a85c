"""Seeding numpy's global random generator for third-party code that draws from it.

bscsim's own code draws only from seeded `numpy.random.Generator`s. Two libraries
it drives take no generator: pyabc samples its proposals with `np.random.choice` and
`np.random.multivariate_normal` (and its priors through scipy without a
`random_state`), and EMA Workbench 2.5's PRIM resampling uses `np.random.choice`.
`seeded(seed)` seeds numpy's global generator for the duration of a `with` block, so
that those draws repeat from a bscsim seed, and restores its state afterwards, so
that nothing outside the block sees the change.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed numpy's global generator with `seed` (modulo 2**32) inside the block;
    restore its state on leaving it."""
    state = np.random.get_state()
    try:
        np.random.seed(int(seed) % 2**32)
        yield
    finally:
        np.random.set_state(state)
