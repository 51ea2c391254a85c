"""Running: one run of the model, from parameters and a seed to a `Result`; many
runs, from parameters and seeds to one summary row per run (`simulate_many`)."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from .model import BSCModel
from .outputs import SUMMARY_NAMES
from .params import Params, make_params
from .results import Result

TABLES = ("timeseries", "centers", "classrooms", "pdsa_log")


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


def simulate_many(params: Params | dict | None | Sequence[Params | dict],
                  seeds: Iterable[Any], tables: bool | Iterable[str] = False):
    """Run one collaborative per seed and return one summary row per run.

    `params` is one `Params` (or dict, or None for the defaults) for every run, or
    a sequence of them, one per seed. Returns a DataFrame, one row per run in the
    order of `seeds`: `run` (0..n-1), `seed`, then every summary output
    (`outputs.SUMMARY_NAMES`). With `tables=True` (or a list of table names among
    timeseries, centers, classrooms, pdsa_log) returns `(summary, tables)`, where
    `tables` maps each name to one DataFrame of every run's rows, `run` first.

    Each run draws from its own generators, spawned from its own seed exactly as
    `simulate` does, so a run's numbers are those of `simulate(params, seed)`,
    whatever else is in the batch, its place in it, or the process it runs in.
    The runs are simulated one after another (issue 12: the vectorized ensemble
    engine is not built yet; this is the interface it will sit behind).
    """
    seeds = list(seeds)
    runs = _params_per_run(params, len(seeds))
    names = _table_names(tables)
    rows, parts = [], {name: [] for name in names}
    for run, (p, seed) in enumerate(zip(runs, seeds)):
        result = simulate(p, seed)
        rows.append(result.summary.to_numpy())
        for name in names:
            df = getattr(result, name)
            parts[name].append(df.assign(run=run)[["run", *df.columns]])
    summary = pd.DataFrame(np.array(rows, dtype=float).reshape(len(seeds), len(SUMMARY_NAMES)),
                           columns=list(SUMMARY_NAMES))
    summary.insert(0, "seed", pd.Series(seeds, dtype=object if not all(
        isinstance(s, (int, np.integer)) for s in seeds) else np.int64))
    summary.insert(0, "run", np.arange(len(seeds), dtype=np.int64))
    if tables is False:
        return summary
    return summary, {name: pd.concat(dfs, ignore_index=True) if dfs else pd.DataFrame()
                     for name, dfs in parts.items()}


def _params_per_run(params: Any, n: int) -> list[Params]:
    """One validated Params per run: `params` for all, or one of a sequence each."""
    if params is None or isinstance(params, (Params, dict)):
        one = params if isinstance(params, Params) else make_params(params)
        return [one] * n
    runs = list(params)
    if len(runs) != n:
        raise ValueError(f"simulate_many: {len(runs)} params for {n} seeds; give one "
                         f"Params for all runs or one per seed")
    return [p if isinstance(p, Params) else make_params(p) for p in runs]


def _table_names(tables: bool | Iterable[str]) -> tuple[str, ...]:
    if tables is True:
        return TABLES
    if tables is False:
        return ()
    names = tuple(tables)
    bad = [t for t in names if t not in TABLES]
    if bad:
        raise ValueError(f"simulate_many: unknown table {bad[0]!r}; expected some of "
                         f"{', '.join(TABLES)}")
    return names


def _rng_seed(seed: Any) -> Any:
    """Seeds accepted by numpy.random.default_rng (int, SeedSequence)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return seed
