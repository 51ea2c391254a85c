"""Analyses: scenario discovery. Under which conditions does an output miss its
threshold of success?

PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010) and extra-trees feature scoring
(Jaxa-Rozen & Kwakkel 2018) come from EMA Workbench (`pip install bscsim[ema]`:
2.5.3 on Python 3.11, 3.0 on 3.12); this module only prepares their input, works
around the known breakages of the two versions and turns their answers into tables:

- the inputs are cast to float (2.5.3's pasting fails on integer columns under
  pandas 3);
- a case set with no failing case, or only failing cases, is answered plainly here
  (EMA stops with an AssertionError without a message);
- 2.5.3 wants a `threshold`: with a 0/1 outcome it is both the cut for a case of
  interest (y >= threshold) and the least density of the final box, below which it
  returns a "dump box" (the whole space); it is set to 0.5 here, so a failure is a
  case of interest. 3.0 has no such argument;
- the box's quasi-p-values are read with `inspect(style="data")` (2.5.3 stores them
  as `qp`, 3.0 as `p_values`);
- box stability (EMA's `resample`: PRIM on random halves, how often each dimension
  is restricted again; left empty, NaN, when a half holds no failure or only
  failures, where EMA stops with an AssertionError) is seeded: 3.0 takes `rng`; 2.5.3 draws from numpy's global
  generator, which is seeded for the call and restored after it.

The chosen box is, of the boxes on the peeling trajectory that restrict at least one
input and have coverage and density both at least `min_coverage` / `min_density`, one
with the fewest restricted inputs (the easiest to read and to act on; Bryant &
Lempert 2010 weigh interpretability so), and among those the largest coverage x
density, whose every restriction has a quasi-p-value of at most MAX_QP = 0.05 (a box
that only trims an input by chance is not a finding). A candidate's restrictions above
that are dropped one at a time, the highest quasi-p first (EMA's `drop_restriction`,
the usual way of simplifying a box), and the simpler box is judged again; the boxes so
made are added at the end of the trajectory. When none qualifies,
the result says so plainly and shows the box with the best trade-off
(largest min(coverage, density)) for reading only.
"""

from __future__ import annotations

import inspect as _inspect
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import ConfigError
from ..global_rng import seeded

MIN_COVERAGE = 0.6
MIN_DENSITY = 0.6
RESAMPLES = 10
MAX_QP = 0.05          # a restriction of a chosen box must be this unlikely by chance


class MissingExtra(ConfigError):
    """EMA Workbench is not installed."""


def ema():
    """The installed ema_workbench, or a one-line error saying how to install it."""
    import warnings
    try:
        with warnings.catch_warnings():    # optional back-ends it lacks (ipyparallel)
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError:
        raise MissingExtra("scenario discovery needs EMA Workbench: pip install "
                           "'bscsim[ema]'") from None
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return ema_workbench


@dataclass
class Discovery:
    """What PRIM and feature scoring found for one output's failure."""

    output: str
    rule: str                              # e.g. "classrooms_improved_share < 0.5"
    n: int
    n_cases: int                           # cases of interest (failures)
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)
    chosen: int | None = None
    meets: bool = False                    # coverage and density both >= the minimum
    weak: bool = False                     # ... but a restriction has quasi-p > MAX_QP
    limits: pd.DataFrame = field(default_factory=pd.DataFrame)
    stability: pd.DataFrame = field(default_factory=pd.DataFrame)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_coverage: float = MIN_COVERAGE
    min_density: float = MIN_DENSITY
    ema_version: str = ""

    @property
    def base_rate(self) -> float:
        """The share of all cases that fail: the density of the whole space."""
        return self.n_cases / self.n if self.n else float("nan")

    @property
    def coverage(self) -> float:
        return float(self.trajectory.loc[self.chosen, "coverage"]) if self.chosen is not None else float("nan")

    @property
    def density(self) -> float:
        return float(self.trajectory.loc[self.chosen, "density"]) if self.chosen is not None else float("nan")

    def restricted(self) -> pd.DataFrame:
        return self.limits[self.limits["restricted"]] if len(self.limits) else self.limits

    def verdict(self) -> str:
        """One plain sentence: was a box found?"""
        if self.n_cases == 0:
            return (f"no case fails ({self.rule} in 0 of {self.n}): there is no failure "
                    "region to find")
        if self.n_cases == self.n:
            return f"every case fails ({self.rule} in all {self.n}): no region to single out"
        if self.chosen is None:
            return f"PRIM found no box that restricts any input for {self.rule}"
        if self.meets:
            return (f"a box with coverage {self.coverage:.2f} and density "
                    f"{self.density:.2f} (both >= {self.min_coverage:g}/"
                    f"{self.min_density:g}; {self.base_rate:.2f} of all cases fail) "
                    f"describes where {self.rule}")
        if self.weak:
            return (f"boxes reach coverage >= {self.min_coverage:g} and density >= "
                    f"{self.min_density:g} ({self.base_rate:.2f} of all cases fail), but "
                    f"each restricts some input with a quasi-p above {MAX_QP:g} (it could "
                    "arise by chance), and without those restrictions none keeps both; "
                    f"the simplest (coverage {self.coverage:.2f}, density "
                    f"{self.density:.2f}) is shown for reading only")
        return (f"no box has coverage >= {self.min_coverage:g} and density >= "
                f"{self.min_density:g} for {self.rule}; the best trade-off (coverage "
                f"{self.coverage:.2f}, density {self.density:.2f}) is shown for "
                "reading only")

    def text(self) -> str:
        """The discovery as text (a stability not measured, e.g. with resamples = 0,
        is said so, never printed as nan%)."""
        lines = [f"Scenario discovery: where {self.rule}  ({self.n_cases} of {self.n} "
                 f"cases; EMA Workbench {self.ema_version})", "  " + self.verdict()]
        if self.chosen is not None and len(self.limits):
            lines.append(f"  box {self.chosen} of {len(self.trajectory)} on the peeling "
                         "trajectory:")
            for _, r in self.restricted().iterrows():
                lines.append(f"    {r['name']:<28} {r['low']:>9.3g} .. {r['high']:<9.3g}"
                             f"  quasi-p {_p(r['qp_low'], r['qp_high'])}"
                             + _stability(r.get("reproduce_coverage", float("nan"))))
        if len(self.scores):
            top = ", ".join(f"{r['name']} {r['score']:.2f}"
                            for _, r in self.scores.head(5).iterrows())
            lines.append(f"  feature scores (extra trees): {top}")
        return "\n".join(lines)


def _p(lo: float, hi: float) -> str:
    vals = [v for v in (lo, hi) if pd.notna(v)]
    return f"{max(vals):.2g}" if vals else "-"


def discover(x: pd.DataFrame, fails: np.ndarray, output: str, rule: str,
             seed: int = 0, min_coverage: float = MIN_COVERAGE,
             min_density: float = MIN_DENSITY, resamples: int = RESAMPLES,
             peel_alpha: float = 0.05) -> Discovery:
    """PRIM on `x` (one row per case, one column per input) for the cases where
    `fails` is true, with feature scores and the chosen box's stability."""
    fails = np.asarray(fails, dtype=bool)
    wb = ema()
    d = Discovery(output, rule, len(fails), int(fails.sum()), min_coverage=min_coverage,
                  min_density=min_density, ema_version=wb.__version__)
    if d.n_cases in (0, d.n):
        return d
    x = x.reset_index(drop=True).astype(float)       # 2.5.3: no integer columns
    x = x.loc[:, x.nunique() > 1]                     # a constant column cannot restrict
    y = fails.astype(int)
    from ema_workbench.analysis import prim
    kwargs = {"peel_alpha": peel_alpha}
    if "threshold" in _inspect.signature(prim.Prim.__init__).parameters:
        kwargs["threshold"] = 0.5                     # 2.5.3: y >= 0.5 is a failure
    p = prim.Prim(x, y, **kwargs)
    box = p.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    ok = traj[(traj["coverage"] >= min_coverage) & (traj["density"] >= min_density)
              & (traj["res_dim"] >= 1)]       # the whole space is no box
    if len(ok):
        order = ok.assign(_s=-ok["coverage"] * ok["density"]).sort_values(
            ["res_dim", "_s"], kind="stable").index
        for i in order:            # every restriction significant (quasi-p <= MAX_QP)
            j = _significant(box, int(i), x, min_coverage, min_density)
            if j is not None:
                d.chosen, d.meets = j, True
                break
        else:
            d.chosen, d.weak = int(order[0]), True
    else:
        boxes = traj[traj["res_dim"] >= 1]
        if len(boxes):
            d.chosen = int(np.minimum(boxes["coverage"], boxes["density"]).idxmax())
    # read after the search: dropping restrictions adds boxes to the trajectory
    traj = box.peeling_trajectory.reset_index(drop=True)
    d.trajectory = traj[["coverage", "density", "mass", "res_dim"]].astype(float).copy()
    d.trajectory["res_dim"] = d.trajectory["res_dim"].astype(int)
    d.scores = feature_scores(x, fails, seed)
    if d.chosen is None:                          # PRIM restricted nothing
        return d
    d.limits = _limits(box, d.chosen, x)
    d.stability = _resample(box, d.chosen, resamples, seed)
    if len(d.stability):
        d.limits = d.limits.merge(d.stability, on="name", how="left")
    return d


def _significant(box, i: int, x: pd.DataFrame, min_coverage: float,
                 min_density: float) -> int | None:
    """Box i with its restrictions that could arise by chance (quasi-p > MAX_QP)
    dropped one at a time, the highest first (EMA's `drop_restriction`, which adds the
    new box to the trajectory); its index if it still has coverage and density of at
    least the minimums and restricts something, else None."""
    while True:
        lim = _limits(box, i, x)
        r = lim[lim["restricted"]]
        if not len(r):
            return None
        qp = r[["qp_low", "qp_high"]].max(axis=1, skipna=True).fillna(0)
        if (qp <= MAX_QP).all():
            t = box.peeling_trajectory.iloc[i]
            ok = t["coverage"] >= min_coverage and t["density"] >= min_density
            return i if ok else None
        box.drop_restriction(r.loc[qp.idxmax(), "name"], i)
        i = len(box.peeling_trajectory) - 1


def _limits(box, i: int, x: pd.DataFrame) -> pd.DataFrame:
    """Each input's range in box i, whether the box restricts it, and its
    quasi-p-values (one-sided binomial test of the restriction; Bryant & Lempert)."""
    _, qp = box.inspect(i, style="data")[0]
    qp = qp.droplevel(0, axis=1) if isinstance(qp.columns, pd.MultiIndex) else qp
    lims = box.box_lims[i]
    rows = []
    for name in x.columns:
        lo, hi = float(lims[name].iloc[0]), float(lims[name].iloc[1])
        restricted = name in qp.index
        q = qp.loc[name].to_numpy() if restricted else [np.nan] * 4
        rows.append({"name": name, "low": lo, "high": hi,
                     "min": float(x[name].min()), "max": float(x[name].max()),
                     "restricted": bool(restricted),
                     "qp_low": float(q[2]), "qp_high": float(q[3])})
    df = pd.DataFrame(rows)
    return df.sort_values(["restricted", "name"], ascending=[False, True],
                          ignore_index=True)


def _resample(box, i: int, iterations: int, seed: int) -> pd.DataFrame:
    """How often PRIM on random halves of the cases restricts each input again, at
    the chosen box's coverage and at its density (percent)."""
    if iterations <= 0:
        return pd.DataFrame(columns=["name", "reproduce_coverage", "reproduce_density"])
    try:
        if "rng" in _inspect.signature(box.resample).parameters:
            scores = box.resample(i, iterations=iterations, rng=seed)
        else:                   # EMA 2.5: numpy's global generator, seeded and restored
            with seeded(seed):
                scores = box.resample(i, iterations=iterations)
    except AssertionError:      # a random half held no failure (or only failures)
        return pd.DataFrame(columns=["name", "reproduce_coverage", "reproduce_density"])
    scores = scores.rename(columns={"reproduce coverage": "reproduce_coverage",
                                    "reproduce density": "reproduce_density"})
    return scores.rename_axis("name").reset_index()


def feature_scores(x: pd.DataFrame, fails: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Extra-trees feature scores of each input for failing vs not (EMA Workbench),
    highest first; they sum to 1."""
    ema()                                           # installed, or a one-line error
    from ema_workbench.analysis import feature_scoring
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    x = x.reset_index(drop=True).astype(float)
    scores, _ = feature_scoring.get_ex_feature_scores(
        x, np.asarray(fails, dtype=int), mode=RuleInductionType.CLASSIFICATION,
        max_features=max(1, round(x.shape[1] / 3)), random_state=seed % 2**32)
    scores = scores.reset_index()
    scores.columns = ["name", "score"]
    return scores.sort_values("score", ascending=False, ignore_index=True)


def _stability(share: float) -> str:
    """`  stability N%`, or that it was not measured (no resamples)."""
    if share != share:
        return "  stability not measured (resamples = 0)"
    return f"  stability {share:.0f}%"
