"""Running: one run of the model, from parameters and a seed to a `Result`."""

from __future__ import annotations

from typing import Any, Sequence

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


def simulate_many(params: Params | dict | Sequence[Params | dict] | None,
                  seeds: Sequence[Any], tables: bool = False):
    """Many runs: one summary row per run, in the order of `seeds`.

    STAND-IN (issue 12 item 3 builds on this API): a plain loop over `simulate()`.
    The ensemble engine (issue 12 items 1, 2, 4, 5) replaces it at merge with a
    vectorized version of the same signature and results.

    `params` is one `Params`/dict for every run, or a sequence of them, one per seed.
    Returns a DataFrame with columns `run` (0..n-1), `seed`, then every name in
    `outputs.SUMMARY_NAMES`; with `tables=True`, `(summary, tables)` where `tables`
    maps "timeseries" and "centers" to DataFrames of every run with a `run` column.
    """
    import pandas as pd

    from .outputs import SUMMARY_NAMES
    seeds = list(seeds)
    if params is None or isinstance(params, (Params, dict)):
        each = [params] * len(seeds)
    else:
        each = list(params)
        if len(each) != len(seeds):
            raise ValueError(f"simulate_many: {len(each)} params for {len(seeds)} seeds; "
                             "give one Params for all runs or one per seed")
    rows, series, centers = [], [], []
    for run, (p, seed) in enumerate(zip(each, seeds)):
        result = simulate(p, seed)
        rows.append({"run": run, "seed": seed, **result.summary.to_dict()})
        if tables:
            series.append(result.timeseries.assign(run=run))
            centers.append(result.centers.assign(run=run))
    summary = pd.DataFrame(rows, columns=["run", "seed", *SUMMARY_NAMES])
    if not tables:
        return summary
    return summary, {"timeseries": _stack(series), "centers": _stack(centers)}


def _stack(frames: list) -> "pd.DataFrame":
    import pandas as pd
    if not frames:
        return pd.DataFrame({"run": []})
    df = pd.concat(frames, ignore_index=True)
    return df[["run", *[c for c in df.columns if c != "run"]]]
