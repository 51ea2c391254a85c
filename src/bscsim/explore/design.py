"""Explorations: the futures (sampled uncertainties), the policies (named or sampled
levers) and their cross product, the explicit design the sweep runner runs.

Futures are drawn from the root seed's SeedSequence with scipy's Latin hypercube or
Sobol engine (as sweep designs are); sampled levers from its first child, so adding
policies does not move the futures. Every future runs every policy: design point
`point = future * n_policies + policy`. The sweep is run with common random numbers
(replicate r of every point shares one seed), so two policies in one future differ
by their levers only, and regret compares like with like.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sweep.design import round_whole
from .spec import ExploreSpec


def _unit(design: str, n: int, d: int, seed: np.random.SeedSequence) -> np.ndarray:
    from scipy.stats import qmc
    rng = np.random.default_rng(seed)
    cls = qmc.LatinHypercube if design == "lhs" else qmc.Sobol
    try:
        engine = cls(d, rng=rng)
    except TypeError:       # scipy < 1.15 calls it `seed`
        engine = cls(d, seed=rng)
    return engine.random(n)


def _scale(unit: np.ndarray, ranges: dict[str, tuple[float, float]], whole: bool
           ) -> pd.DataFrame:
    low = np.array([r[0] for r in ranges.values()])
    high = np.array([r[1] for r in ranges.values()])
    df = pd.DataFrame(low + unit * (high - low), columns=list(ranges))
    return round_whole(df) if whole else df


def futures(spec: ExploreSpec) -> pd.DataFrame:
    """One row per future: `future` and each uncertainty's value."""
    unit = _unit(spec.design, spec.n_futures, len(spec.uncertainties),
                 np.random.SeedSequence(spec.root_seed))
    df = _scale(unit, spec.uncertainties, spec.model is None)
    df.insert(0, "future", np.arange(len(df)))
    return df


def policies(spec: ExploreSpec) -> pd.DataFrame:
    """One row per policy: `policy` (its name) and each lever's value. A named policy
    that leaves a lever out runs it at the base config's value."""
    if spec.levers:
        seed = np.random.SeedSequence(spec.root_seed, spawn_key=(1,))
        df = _scale(_unit("lhs", spec.n_policies, len(spec.levers), seed), spec.levers,
                    spec.model is None)
        df.insert(0, "policy", [f"policy_{i}" for i in range(len(df))])
        return df
    names = spec.lever_names
    base = spec.base_params().to_dict() if spec.model is None else {}
    rows = [{"policy": p, **{k: levers.get(k, base.get(k, np.nan)) for k in names}}
            for p, levers in spec.policies.items()]
    return pd.DataFrame(rows, columns=["policy", *names])


def points(spec: ExploreSpec) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(futures, policies, points): points has one row per (future, policy), future
    major, with the uncertainty and lever columns the runs take."""
    f, p = futures(spec), policies(spec)
    nf, np_ = len(f), len(p)
    fi = np.repeat(np.arange(nf), np_)
    pi = np.tile(np.arange(np_), nf)
    pts = pd.concat([f.drop(columns="future").iloc[fi].reset_index(drop=True),
                     p.drop(columns="policy").iloc[pi].reset_index(drop=True)], axis=1)
    return f, p, pts


def label_runs(runs: pd.DataFrame, n_policies: int, policy_names: list[str]) -> pd.DataFrame:
    """`runs` (load_sweep) with `future` and `policy` (name) from each run's point."""
    runs = runs.copy()
    runs.insert(1, "future", (runs["point"] // n_policies).astype(int))
    runs.insert(2, "policy", [policy_names[i] for i in (runs["point"] % n_policies)])
    return runs
