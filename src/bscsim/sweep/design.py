"""Sweeps: the resolved design, one row per run, and each run's seed.

Runs are numbered point-major: run = point * replicates + replicate. Each run's seed
comes from the root seed and the run's index through `numpy.random.SeedSequence`
(`SeedSequence(root_seed, spawn_key=(run,))`, the run-th child of the root), so a
run's numbers do not depend on the executor, the number of workers or the order in
which runs finish. With `common_random_numbers = true` the replicate index is used
instead of the run index: replicate r of every design point shares its seed, which
removes seed noise from differences between points.

Runs of a scenario comparison and of a study's power analysis keep the seeds
those analyses always used (so their results did not change when they moved onto
this runner): a comparison's replicate r runs with `SeedSequence(root_seed,
spawn_key=(r,))` itself, a simulated study with `SeedSequence(root_seed,
spawn_key=(n_centers, r))` spawned in two (model, measurement). For them the
`seed` column holds the root seed, and the manifest's `seeding` says how each
run's seed follows from it and the run's replicate (and number of centers).

With a posterior (`--posterior DIR`), each run also gets one parameter set drawn
from it (`posterior.posterior_draws(DIR, n, root_seed)`), indexed like the seed:
replicate r of every point shares its draw with common random numbers, else each
run has its own. The drawn values are columns of the design (so each run's
parameters are on its row); a parameter the design varies or the file sets is
not drawn (what the user states wins).

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
    if spec.task == "run":
        seeds = [run_seed(spec.root_seed, k) for k in key]
    else:                    # compare and study keep their own seeds (see above)
        seeds = [spec.root_seed] * n
    df = pd.DataFrame({"run": run, "point": point, "replicate": replicate,
                       "seed": np.array(seeds, dtype=np.int64)})
    varied = points.iloc[point].reset_index(drop=True)
    parts = [df, varied]
    if spec.posterior is not None:
        parts.append(posterior_columns(spec, key, set(points.columns)))
    return pd.concat(parts, axis=1)


def posterior_drawn(spec: SweepSpec, columns: set[str] | None = None) -> list[str]:
    """The posterior's parameters that runs draw: all but those the design varies
    or the file sets (explicit values win)."""
    from ..posterior import WEIGHT, load_posterior
    names = [c for c in load_posterior(spec.posterior).columns if c != WEIGHT]
    fixed = set(spec.changes) | set(spec.names) | set(columns or ())
    return [c for c in names if c not in fixed]


def posterior_columns(spec: SweepSpec, key: np.ndarray, columns: set[str]) -> pd.DataFrame:
    """One posterior draw per run, the k-th draw for runs of key k (replicate with
    common random numbers, else run), from `posterior_draws(root_seed)`."""
    from ..posterior import posterior_draws
    drawn = posterior_drawn(spec, columns)
    n_keys = int(key.max()) + 1 if len(key) else 0
    draws = pd.DataFrame(posterior_draws(spec.posterior, n_keys, spec.root_seed))
    draws = draws[drawn] if len(draws) else pd.DataFrame(columns=drawn)
    return round_whole(draws.iloc[key].reset_index(drop=True))


def _engine(cls, d: int, rng: np.random.Generator):
    try:
        return cls(d, rng=rng)
    except TypeError:   # scipy < 1.15 calls it `seed`
        return cls(d, seed=rng)
