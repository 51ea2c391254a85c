"""Running: one run of the model, from parameters and a seed to a `Result`."""

from __future__ import annotations

from typing import Any

from .model import BSCModel
from .params import Params, make_params
from .results import Result


def simulate(params: Params | dict | None = None, seed: Any = 0) -> Result:
    """Run the model once to the end of its follow-up and return its Result.

    `params` is a `Params`, a dict of parameter values (validated), or None for
    the defaults. `seed` is an int or a `numpy.random.SeedSequence`; the same
    params and seed give identical results.
    """
    if params is None or isinstance(params, dict):
        params = make_params(params)
    model = BSCModel(params, rng=_rng_seed(seed))
    try:
        model.run()
        return Result(model, seed)
    finally:
        model.release()


def _rng_seed(seed: Any) -> Any:
    """Seeds accepted by numpy.random.default_rng (int, SeedSequence)."""
    import numpy as np
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return seed
