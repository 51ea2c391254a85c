"""Analyses / calibration: the model as a function of the fitted parameters that
returns the targets' statistics (EMA Workbench's "a model is a function of
parameters that returns outcomes").

Every model evaluation of the calibration goes through `evaluate` (one summary row
per run: `run`, `seed`, then `outputs.SUMMARY_NAMES`), so that a faster batch runner
(`bscsim.simulate_many(params_list, seeds)`, same columns) can replace the loop in
one place. Data statistics need the study layer's instruments and run through
`data.study_tables`.

Seeds: a particle's runs are seeded from the calibration seed and the particle's
parameter values (their exact bits), so the same particle always gives the same
statistics, whatever process evaluates it.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..outputs import SUMMARY_NAMES
from ..params import BY_NAME, Params
from ..simulate import simulate_many


def evaluate(params_list: Sequence[Params], seeds: Sequence[Any]) -> pd.DataFrame:
    """One summary row per run: columns `run`, `seed`, then SUMMARY_NAMES. The runs
    go through the ensemble engine together (`simulate_many`); each is the run of
    its parameters and seed alone."""
    params_list, seeds = list(params_list), list(seeds)
    if not params_list:
        return pd.DataFrame(columns=["run", "seed", *SUMMARY_NAMES])
    summary = simulate_many(params_list, seeds)
    summary["seed"] = pd.Series([_seed_label(s) for s in seeds], dtype=object)
    return summary[["run", "seed", *SUMMARY_NAMES]]


def _seed_label(seed: Any) -> Any:
    if isinstance(seed, np.random.SeedSequence):
        return str(seed.entropy) + ":" + ",".join(map(str, seed.spawn_key))
    return seed


def particle_params(base: Params, values: dict[str, float]) -> Params:
    """`base` with the fitted values (whole-number parameters rounded)."""
    changes = {k: (int(round(v)) if BY_NAME[k].kind is int else float(v))
               for k, v in values.items()}
    return base.replace(**changes)


def particle_seeds(root: int, values: dict[str, float], n: int) -> list:
    """`n` run seeds of one particle: from the root seed and its values' bits."""
    bits = [int(np.float64(values[k]).view(np.uint64)) for k in sorted(values)]
    words = [int(root)] + [w for b in bits for w in (b & 0xFFFFFFFF, b >> 32)]
    return np.random.SeedSequence(words).spawn(n)


def statistics(base: Params, values: dict[str, float], targets: Sequence,
               root: int, replicates: int) -> dict[str, float]:
    """The targets' statistics at one particle: the mean over `replicates` runs."""
    from .data import statistics as data_statistics, study_tables

    p = particle_params(base, values)
    seeds = particle_seeds(root, values, replicates)
    names = [t.statistic for t in targets]
    pattern = [t.statistic for t in targets if not t.source.startswith("data")]
    out = {n: [] for n in names}
    if pattern:
        table = evaluate([p] * replicates, seeds)
        for n in pattern:
            out[n] = list(table[n].to_numpy(float))
    if len(pattern) < len(names):
        for s in seeds:
            stats = data_statistics(study_tables(p, s.spawn(1)[0]))
            for n in names:
                if n not in pattern:
                    out[n].append(stats.get(n, (math.nan, math.nan))[0])
    return {n: float(np.mean(v)) if len(v) and np.all(np.isfinite(v)) else math.nan
            for n, v in out.items()}


def interval_distance(x: dict[str, float], targets: Sequence) -> float:
    """How far statistics `x` lie outside the targets' intervals: the root sum of
    squares of each target's excess over its interval in units of its width (0
    when every statistic is inside; infinite when one is missing)."""
    total = 0.0
    for t in targets:
        v = x.get(t.statistic, math.nan)
        if not math.isfinite(v):
            return math.inf
        excess = max(t.low - v, 0.0, v - t.high) / t.width
        total += excess * excess
    return math.sqrt(total)
