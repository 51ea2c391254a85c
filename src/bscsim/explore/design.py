"""Explorations: the futures (sampled uncertainties), the policies (named or sampled
levers) and their cross product, the explicit design the sweep runner runs.

Futures are drawn from the root seed's SeedSequence with scipy's Latin hypercube or
Sobol engine (as sweep designs are); sampled levers from its first child, so adding
policies does not move the futures. Every future runs every policy: design point
`point = future * n_policies + policy`.

Seeds: common random numbers across the policies of one future, independent draws
across futures. The sweep runner gives replicate r of every design point one seed
(`common_random_numbers = true`); each run mixes it with its future's index,
`SeedSequence([seed, future])` (`future_seed`), so two policies in one future meet
the same chance events (regret compares like with like) while each future draws its
own (a future's outcome is not conditioned on the same few draws as every other
future's). The design's `future` column carries the index to the run.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from ..sweep.design import round_whole
from .spec import ExploreSpec


def future_seed(seed: int, future: int) -> int:
    """The seed a run uses: the runner's seed (shared by replicate r of every point)
    mixed with the future's index; 63 bits, as the runner's seeds."""
    hi, lo = np.random.SeedSequence([int(seed), int(future)]).generate_state(2, np.uint32)
    return int((int(hi) << 32 | int(lo)) >> 1)


def in_future(fn: Callable[[dict, int], dict], values: dict[str, Any], seed: int) -> dict:
    """Run `fn(values, seed)` at the future's own seed (`future_seed`); `values`
    holds the run's `future` index beside the parameters."""
    values = dict(values)
    future = values.pop("future")
    return fn(values, future_seed(seed, future))


def bscsim_run(base: dict[str, Any], outputs: tuple[str, ...], values: dict[str, Any],
               seed: int) -> dict[str, float]:
    """One bscsim run: the base parameters with `values`, the summary outputs."""
    from ..params import make_params
    from ..simulate import simulate
    summary = simulate(make_params({**base, **values}), seed=seed).summary
    return {o: float(summary[o]) for o in outputs}


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
    major: the future's index and the uncertainty and lever columns the runs take."""
    f, p = futures(spec), policies(spec)
    nf, np_ = len(f), len(p)
    fi = np.repeat(np.arange(nf), np_)
    pi = np.tile(np.arange(np_), nf)
    pts = pd.concat([pd.DataFrame({"future": fi}),
                     f.drop(columns="future").iloc[fi].reset_index(drop=True),
                     p.drop(columns="policy").iloc[pi].reset_index(drop=True)], axis=1)
    return f, p, pts


def label_runs(runs: pd.DataFrame, n_policies: int, policy_names: list[str]) -> pd.DataFrame:
    """`runs` (load_sweep) with `future` and `policy` (name) from each run's point."""
    runs = runs.copy()
    if "future" not in runs:
        runs.insert(1, "future", (runs["point"] // n_policies).astype(int))
    runs.insert(2, "policy", [policy_names[i] for i in (runs["point"] % n_policies)])
    return runs
