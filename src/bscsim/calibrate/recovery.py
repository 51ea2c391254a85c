"""Analyses / calibration: does rejection ABC recover parameters it knows? (issue 13)

The recovery study runs the model itself (`evaluate.statistics`, the function
`bscsim calibrate` fits) and accepts exactly as `bscsim calibrate` with
`method = "rejection"` does: a candidate from the prior is kept when its
statistics fall inside every target interval (`interval_distance` = 0).

- **Reference table.** One sample of `n_table` parameter sets from the priors,
  each run once, is shared by every repetition: rejection ABC draws its candidates
  from the prior whatever the data, so one table serves all (the "reference table"
  of ABC; e.g. Pudlo et al. 2016). Each repetition then costs no model run but its
  pseudo-data's.
- **A repetition.** Known values drawn from the priors; pseudo-data = the model's
  statistics at them (one run, its own seed); each target interval keeps the
  width `w` of the calibration's target and is centred at the pseudo-data plus
  uniform noise on [-w/2, w/2]. With that noise the uniform-kernel posterior is
  the exact posterior of a model whose statistics carry that noise (noisy ABC,
  Wilkinson 2013, "Approximate Bayesian computation (ABC) gives exact results
  under the assumption of model error", SAGMB 12(2):129-141; Fearnhead & Prangle
  2012, JRSS B 74(3):419-474), so its 90% intervals cover the known values 90% of
  the time on average over the prior.
- **Coverage.** The share of known values inside the 90% interval (5% and 95%
  quantiles of the accepted values; a repetition with none accepted counts as a
  miss). Two mutants show the check can fail: the known values reflected about
  the middle of their prior (`reflected`), and each repetition's intervals built
  from the next repetition's pseudo-data (`other_data`: the data ignored).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
import pandas as pd

from .evaluate import interval_distance, statistics
from .spec import Calibration

PSEUDO_SEED = 100_003     # pseudo-data runs: seed + PSEUDO_SEED x (rep + 1)


def draw_prior(cal: Calibration, rng: np.random.Generator) -> dict[str, float]:
    """One parameter set from the calibration's priors."""
    out = {}
    for p in cal.priors:
        if p.dist == "loguniform":
            out[p.name] = float(np.exp(rng.uniform(np.log(p.low), np.log(p.high))))
        else:
            out[p.name] = float(rng.uniform(p.low, p.high))
    return out


def _stats_one(task) -> dict[str, float]:
    cal, _, values, root = task
    return statistics(cal.params, values, cal.targets, root, cal.abc.replicates)


def _run_all(cal: Calibration, sets: Sequence[dict], roots: Sequence[int],
             executor) -> list[dict]:
    """The targets' statistics at each parameter set, in order, on `executor`."""
    tasks = [(cal, i, v, r) for i, (v, r) in enumerate(zip(sets, roots))]
    out: list = [None] * len(tasks)
    for (_, i, _, _), res in executor.imap(_stats_one, tasks):
        if not isinstance(res, dict):
            raise RuntimeError(f"a model evaluation failed: {res.error}")
        out[i] = res
    return out


def reference_table(cal: Calibration, n_table: int, executor) -> pd.DataFrame:
    """`n_table` prior draws (generator seeded from [seed, 78]), each run once
    (seeded as `bscsim calibrate` seeds a particle: seed and values), with the
    targets' statistics."""
    rng = np.random.default_rng([cal.seed, 78])
    sets = [draw_prior(cal, rng) for _ in range(n_table)]
    stats = _run_all(cal, sets, [cal.seed] * n_table, executor)
    return pd.DataFrame([{**v, **s} for v, s in zip(sets, stats)])


def pseudo_data(cal: Calibration, reps: int, executor
                ) -> tuple[list[dict], list[dict], list[dict]]:
    """Per repetition: known values (generator [seed, 77]), the model's statistics
    at them (seed + PSEUDO_SEED x (rep + 1)) and the uniform noise of the
    intervals' centres (a fraction in [-1/2, 1/2] of each target's width)."""
    rng = np.random.default_rng([cal.seed, 77])
    truths = [draw_prior(cal, rng) for _ in range(reps)]
    noise = [{t.statistic: float(rng.uniform(-0.5, 0.5)) for t in cal.targets}
             for _ in range(reps)]
    ys = _run_all(cal, truths, [cal.seed + PSEUDO_SEED * (r + 1) for r in range(reps)],
                  executor)
    return truths, ys, noise


def intervals(cal: Calibration, y: dict, noise: dict) -> tuple:
    """The targets of one repetition: each target's width, centred at the
    pseudo-data plus its noise."""
    out = []
    for t in cal.targets:
        mid = y[t.statistic] + noise[t.statistic] * t.width
        out.append(replace(t, low=mid - t.width / 2, high=mid + t.width / 2,
                           source="recovery"))
    return tuple(out)


def accepted(table: pd.DataFrame, targets: Sequence) -> np.ndarray:
    """Rows of the reference table inside every target interval (distance 0)."""
    stats = table[[t.statistic for t in targets]].to_dict("records")
    return np.array([interval_distance(s, targets) == 0.0 for s in stats], bool)


def recovery(cal: Calibration, reps: int, n_table: int, executor,
             table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per repetition and parameter: the known value, the 90% interval of
    the accepted reference rows, whether it holds the known value, and the two
    mutants (`reflected`, `other_data`)."""
    if table is None:
        table = reference_table(cal, n_table, executor)
    truths, ys, noise = pseudo_data(cal, reps, executor)
    targets = [intervals(cal, ys[r], noise[r]) for r in range(reps)]
    rows = []
    for r in range(reps):
        keep = accepted(table, targets[r])
        other = accepted(table, targets[(r + 1) % reps])
        for p in cal.priors:
            lo, hi = _interval(table[p.name].to_numpy()[keep])
            olo, ohi = _interval(table[p.name].to_numpy()[other])
            truth = truths[r][p.name]
            rows.append({"rep": r, "parameter": p.name, "truth": truth,
                         "q05": lo, "q95": hi, "accepted": int(keep.sum()),
                         "inside": bool(lo <= truth <= hi),
                         "width_share_of_prior": (hi - lo) / (p.high - p.low),
                         "reflected": bool(lo <= p.low + p.high - truth <= hi),
                         "other_data": bool(olo <= truth <= ohi)})
    return pd.DataFrame(rows)


def _interval(x: np.ndarray) -> tuple[float, float]:
    if len(x) == 0:
        return np.nan, np.nan
    return float(np.quantile(x, 0.05)), float(np.quantile(x, 0.95))


def coverage(rec: pd.DataFrame) -> pd.DataFrame:
    """Share of known values inside their 90% interval, per parameter and overall,
    with the mutants' shares and the intervals' mean width (share of the prior)."""
    cols = ["inside", "reflected", "other_data", "width_share_of_prior"]
    per = rec.groupby("parameter", sort=False)[cols].mean()
    per.loc["all"] = rec[cols].mean()
    return per
