"""Analyses / simulated study: the estimators a study team would use.

Every estimate is a cluster-level (center-level) analysis: each center's units
(people or classrooms) are first summarized into one number per center, and the
estimate is the mean over centers with a t interval on C - 1 degrees of freedom
(C: centers that contribute). With few clusters (a feasibility study has 8) this
is the analysis recommended for clustered designs; it is valid whatever the
correlation inside a center, and it weighs centers equally (Hayes & Moulton,
Cluster Randomised Trials, 2nd ed. 2017: analysis based on cluster-level
summaries; Donner & Klar 2000). Estimators:

- `paired`: within-unit change from wave 1 to wave 2 among units measured at both,
  averaged within center, then over centers;
- `cross_section`: per center, the mean at wave 2 minus the mean at wave 1 among
  everyone measured at each wave (leavers, newcomers and non-respondents change
  who is counted);
- `difference`: per center, the paired change of one group minus that of another
  (participating minus comparison classrooms);
- `center_mean`: the mean over centers of a per-center count (PDSA cycles,
  attendance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n_centers: int
    n_units: int


NONE = Estimate(np.nan, np.nan, np.nan, np.nan, 0, 0)


def center_t(values: np.ndarray, n_units: int, alpha: float = 0.05) -> Estimate:
    """Mean of per-center values with a t interval and a two-sided test of 0."""
    values = values[~np.isnan(values)]
    c = len(values)
    if c == 0:
        return NONE
    est = float(values.mean())
    if c < 2:
        return Estimate(est, np.nan, np.nan, np.nan, c, n_units)
    se = float(values.std(ddof=1) / np.sqrt(c))
    if se == 0.0:
        p = 1.0 if est == 0.0 else 0.0
        return Estimate(est, est, est, p, c, n_units)
    half = stats.t.ppf(1 - alpha / 2, c - 1) * se
    p = float(2 * stats.t.sf(abs(est) / se, c - 1))
    return Estimate(est, est - half, est + half, p, c, n_units)


def center_means(center: np.ndarray, values: np.ndarray, n_centers: int) -> np.ndarray:
    """Mean per center (NaN where a center has no value)."""
    n = np.bincount(center, minlength=n_centers)
    total = np.bincount(center, weights=values, minlength=n_centers)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def pair_changes(frame: dict, value: str, ok: np.ndarray, unit: str,
                 mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(center, change) of each unit with an `ok` value at both waves."""
    sel = ok if mask is None else ok & mask
    w1 = sel & (frame["wave"] == 1)
    w2 = sel & (frame["wave"] == 2)
    _, i1, i2 = np.intersect1d(frame[unit][w1], frame[unit][w2], assume_unique=True,
                               return_indices=True)
    change = frame[value][w2][i2] - frame[value][w1][i1]
    return frame["center"][w1][i1], change


def paired(frame: dict, value: str, ok: np.ndarray, unit: str, n_centers: int,
           mask: np.ndarray | None = None, alpha: float = 0.05) -> Estimate:
    center, change = pair_changes(frame, value, ok, unit, mask)
    return center_t(center_means(center, change, n_centers), len(change), alpha)


def difference(frame: dict, value: str, ok: np.ndarray, unit: str, n_centers: int,
               mask_a: np.ndarray, mask_b: np.ndarray, alpha: float = 0.05) -> Estimate:
    ca, da = pair_changes(frame, value, ok, unit, mask_a)
    cb, db = pair_changes(frame, value, ok, unit, mask_b)
    per_center = center_means(ca, da, n_centers) - center_means(cb, db, n_centers)
    return center_t(per_center, len(da) + len(db), alpha)


def cross_section(frame: dict, value: str, ok: np.ndarray, n_centers: int,
                  mask: np.ndarray | None = None, alpha: float = 0.05) -> Estimate:
    sel = ok if mask is None else ok & mask
    means = []
    for wave in (1, 2):
        w = sel & (frame["wave"] == wave)
        means.append(center_means(frame["center"][w], frame[value][w], n_centers))
    return center_t(means[1] - means[0], int(sel.sum()), alpha)


def center_mean(center: np.ndarray, weights: np.ndarray, n_centers: int,
                alpha: float = 0.05) -> Estimate:
    """Mean over all centers of a per-center total (a center with none counts 0)."""
    totals = np.bincount(center, weights=weights, minlength=n_centers).astype(float)
    est = center_t(totals, int(weights.sum()), alpha)
    return Estimate(est.estimate, est.ci_low, est.ci_high, np.nan, est.n_centers,
                    est.n_units)
