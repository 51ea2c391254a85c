"""Sweeps: the resolved design, one row per run, and each run's seed.

Runs are numbered point-major: run = point * replicates + replicate. Each run's seed
comes from the root seed and the run's index through `numpy.random.SeedSequence`
(`SeedSequence(root_seed, spawn_key=(run,))`, the run-th child of the root), so a
run's numbers do not depend on the executor, the number of workers or the order in
which runs finish. With `common_random_numbers = true` the replicate index is used
instead of the run index: replicate r of every design point shares its seed, which
removes seed noise from differences between points.

The seed is stored as a plain integer (63 bits drawn from that SeedSequence), so one
run can be repeated with `bscsim.simulate(params, seed=...)` or `bscsim run --seed`.

Sampled designs draw their points from the root SeedSequence itself (not a child),
with scipy's quasi-Monte Carlo engines for `lhs` and `sobol`.

Whole-number parameters (`n_centers`, `n_team_parents`, ...) are rounded to the
nearest whole number (halves to even) in every design that draws numbers from a
range: random, Latin hypercube and Sobol sweeps, and explicit designs such as SALib's
Morris and Sobol samples or points drawn by another tool (EMA Workbench). The stored
design holds the rounded values, which are the values the runs used.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..params import BY_NAME
from .spec import SweepSpec

INDEX = ("run", "point", "replicate", "seed")


def run_seed(root_seed: int, index: int) -> int:
    """The seed of run (or replicate) `index`: 63 bits of its SeedSequence child."""
    ss = np.random.SeedSequence(root_seed, spawn_key=(int(index),))
    hi, lo = ss.generate_state(2, np.uint32)
    return int((int(hi) << 32 | int(lo)) >> 1)


def design_points(spec: SweepSpec) -> pd.DataFrame:
    """One row per design point, one column per varied parameter."""
    names = list(spec.names)
    if spec.points is not None:          # an explicit design (design_spec)
        return spec.points.reset_index(drop=True)
    if spec.design == "grid":
        rows = list(itertools.product(*(a.values for a in spec.axes)))
        return pd.DataFrame(rows, columns=names) if names else pd.DataFrame(index=[0])
    n, d = spec.n_samples, len(spec.axes)
    seed = np.random.SeedSequence(spec.root_seed)
    if spec.design == "random":
        unit = np.random.default_rng(seed).random((n, d))
    else:
        from scipy.stats import qmc
        rng = np.random.default_rng(seed)
        engine = _engine(qmc.LatinHypercube if spec.design == "lhs" else qmc.Sobol, d, rng)
        unit = engine.random(n)
    low = np.array([a.low for a in spec.axes])
    high = np.array([a.high for a in spec.axes])
    values = low + unit * (high - low)
    return round_whole(pd.DataFrame(values, columns=names))


def round_whole(points: pd.DataFrame) -> pd.DataFrame:
    """`points` with every whole-number parameter rounded to the nearest whole number
    (halves to even) and stored as integers; other columns unchanged."""
    points = points.copy()
    for name in points.columns:
        p = BY_NAME.get(name)
        if p is not None and p.kind is int and not pd.api.types.is_integer_dtype(points[name]):
            points[name] = points[name].astype(float).round().astype(np.int64)
    return points


def resolve(spec: SweepSpec) -> pd.DataFrame:
    """The resolved design: run, point, replicate, seed and the varied parameters."""
    points = design_points(spec)
    reps = spec.replicates
    n = len(points) * reps
    run = np.arange(n)
    point, replicate = run // reps, run % reps
    key = replicate if spec.common_random_numbers else run
    seeds = [run_seed(spec.root_seed, k) for k in key]
    df = pd.DataFrame({"run": run, "point": point, "replicate": replicate,
                       "seed": np.array(seeds, dtype=np.int64)})
    varied = points.iloc[point].reset_index(drop=True)
    return pd.concat([df, varied], axis=1)


def _engine(cls, d: int, rng: np.random.Generator):
    try:
        return cls(d, rng=rng)
    except TypeError:   # scipy < 1.15 calls it `seed`
        return cls(d, seed=rng)
