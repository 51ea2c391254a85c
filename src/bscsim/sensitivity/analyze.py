"""Sensitivity analysis: from the runs of a sample to tidy indices, the replicate
noise and a convergence verdict.

- Replicates: the runs of each sample point are averaged; the model is analysed
  as the function "mean of `replicates` runs".
- Noise: the variance between replicates at the same point (mean over points) is
  the noise of one run; divided by `replicates` it is the noise left in the
  averaged output. `noise_share` = that noise / the variance of the averaged
  output over the sample. An index must clear its noise floor to count:
  Sobol ST (and S1 + noise would not move S1 on average, so its floor is 0):
  noise adds about `noise_share` to every total index (Saltelli et al. 2010
  estimator); Morris: noise alone gives elementary effects N(0, 2 noise) / delta,
  so mu* = sqrt(2 noise) sqrt(2/pi) / delta and sigma = sqrt(2 noise) / delta.
  The dummy factor, which the model never sees, shows the same floor empirically.
- Intervals: 95% bootstrap intervals from SALib (`S1_conf`, `ST_conf`,
  `mu_star_conf`: half-widths); sigma's interval by resampling trajectories.
- Convergence: the widest half-width of the main indices (S1 and ST, or mu*) must
  be at most `ci_threshold` (Sobol: in index units; Morris: share of the largest
  mu*). If not, the sample size needed follows from width ~ 1/sqrt(N).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .sample import problem
from .spec import DUMMY, SASpec

RESAMPLES = 1000
CONF = 0.95
COLUMNS = ["output", "method", "index", "factor", "kind", "value", "conf", "low", "high",
           "noise_floor", "above_noise", "converged"]


class AnalysisError(RuntimeError):
    """The runs cannot be analysed (e.g. a sample point without a successful run)."""


def point_means(runs: pd.DataFrame, spec: SASpec, n_points: int
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean of the successful replicates per sample point (one row per point, one
    column per output) and the noise table (one row per output)."""
    ok = runs[runs["status"] == "ok"]
    missing = sorted(set(range(n_points)) - set(ok["point"]))
    if missing:
        errors = runs.loc[runs["status"] != "ok", "error"].value_counts()
        why = f"; commonest error: {errors.index[0]}" if len(errors) else \
            " (the runs have not finished: run the same command again to resume)"
        raise AnalysisError(f"{len(missing)} of {n_points} sample points have no "
                            f"successful run{why}")
    by = ok.groupby("point")
    means = by[list(spec.outputs)].mean().sort_index()
    rows = []
    counts = ok.groupby("point").size()
    for o in spec.outputs:
        var_total = float(means[o].var(ddof=1))
        within = by[o].var(ddof=1)
        noise_run = float(within.mean()) if within.notna().any() else float("nan")
        noise_mean = float((within / counts).mean()) if within.notna().any() else float("nan")
        share = noise_mean / var_total if var_total > 0 else float("nan")
        rows.append({"output": o, "replicates": spec.replicates,
                     "var_total": var_total, "noise_var_run": noise_run,
                     "noise_var_mean": noise_mean, "noise_share": share,
                     "noise_share_one_run": (noise_run / (var_total - noise_mean + noise_run)
                                             if var_total > 0 else float("nan"))})
    return means, pd.DataFrame(rows)


def analyze(spec: SASpec, x: pd.DataFrame, means: pd.DataFrame, noise: pd.DataFrame,
            seed: int = 0) -> pd.DataFrame:
    """Tidy indices: one row per output, index and factor (or group, or pair)."""
    frames = []
    for o in spec.outputs:
        y = means[o].to_numpy(dtype=float)
        nz = noise.set_index("output").loc[o]
        if spec.method == "sobol":
            frames.append(_sobol(spec, y, o, nz, seed))
        else:
            frames.append(_morris(spec, x, y, o, nz, seed))
    df = pd.concat(frames, ignore_index=True)
    df["low"] = df["value"] - df["conf"]
    df["high"] = df["value"] + df["conf"]
    df["above_noise"] = df["low"] > df["noise_floor"]
    df["converged"] = _converged_rows(spec, df)
    df["n_samples"] = spec.n_samples
    df["replicates"] = spec.replicates
    return df[COLUMNS + ["n_samples", "replicates"]]


def _sobol(spec: SASpec, y: np.ndarray, output: str, nz: pd.Series, seed: int) -> pd.DataFrame:
    from SALib.analyze import sobol
    prob = problem(spec)
    kind = "group" if spec.groups else "parameter"
    names = list(spec.group_names if spec.groups else spec.names)
    if not np.ptp(y) > 0:
        si = {k: np.full(len(names), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = sobol.analyze(prob, y, calc_second_order=spec.second_order,
                               num_resamples=RESAMPLES, conf_level=CONF, seed=seed + 1)
    share = float(nz["noise_share"]) if np.isfinite(nz["noise_share"]) else 0.0
    rows = []
    for index, floor in (("S1", 0.0), ("ST", share)):
        for i, name in enumerate(names):
            rows.append(_row(output, "sobol", index, name, kind, si[index][i],
                             si[f"{index}_conf"][i], floor))
    if spec.second_order and "S2" in si:
        for i, a in enumerate(names):
            for j in range(i + 1, len(names)):
                rows.append(_row(output, "sobol", "S2", f"{a} x {names[j]}", "pair",
                                 si["S2"][i, j], si["S2_conf"][i, j], 0.0))
    return pd.DataFrame(rows)


def _morris(spec: SASpec, x: pd.DataFrame, y: np.ndarray, output: str, nz: pd.Series,
            seed: int) -> pd.DataFrame:
    from SALib.analyze import morris
    prob = problem(spec)
    xs = x.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = morris.analyze(prob, xs, y, num_resamples=RESAMPLES, conf_level=CONF,
                            num_levels=spec.levels, seed=seed + 1)
        sigma_conf = _sigma_conf(spec, prob, xs, y, seed)
    delta = spec.levels / (2 * (spec.levels - 1))
    noise = float(nz["noise_var_mean"]) if np.isfinite(nz["noise_var_mean"]) else 0.0
    floor = math.sqrt(2 * noise) * math.sqrt(2 / math.pi) / delta
    rows = []
    for i, name in enumerate(spec.names):
        rows.append(_row(output, "morris", "mu_star", name, "parameter", si["mu_star"][i],
                         si["mu_star_conf"][i], floor))
        rows.append(_row(output, "morris", "sigma", name, "parameter", si["sigma"][i],
                         sigma_conf[i], floor * math.sqrt(math.pi / 2)))
        rows.append(_row(output, "morris", "mu", name, "parameter", si["mu"][i],
                         np.nan, 0.0))
    return pd.DataFrame(rows)


def _sigma_conf(spec: SASpec, prob: dict[str, Any], xs: np.ndarray, y: np.ndarray,
                seed: int, resamples: int = 200) -> np.ndarray:
    """Bootstrap half-widths of Morris sigma: resample whole trajectories."""
    from scipy.stats import norm

    from SALib.analyze import morris
    size = len(spec.names) + 1
    r = len(y) // size
    rng = np.random.default_rng(seed + 2)
    draws = []
    for _ in range(resamples):
        pick = rng.integers(r, size=r)
        rows = (pick[:, None] * size + np.arange(size)).ravel()
        si = morris.analyze(prob, xs[rows], y[rows], num_resamples=2, conf_level=CONF,
                            num_levels=spec.levels, seed=seed + 3)
        draws.append(si["sigma"])
    return norm.ppf(0.5 + CONF / 2) * np.nanstd(np.array(draws), axis=0, ddof=1)


def _row(output, method, index, factor, kind, value, conf, floor) -> dict[str, Any]:
    return {"output": output, "method": method, "index": index, "factor": factor,
            "kind": "dummy" if factor == DUMMY else kind, "value": float(value),
            "conf": float(conf), "noise_floor": float(floor)}


def _judged(df: pd.DataFrame) -> pd.Series:
    """Rows the convergence verdict is about: S1 and ST, or mu*."""
    return df["index"].isin(["S1", "ST", "mu_star"])


def _scale(spec: SASpec, df: pd.DataFrame) -> pd.Series:
    """What an interval's half-width is compared with: 1 (Sobol), or the output's
    largest mu* (Morris)."""
    if spec.method == "sobol":
        return pd.Series(1.0, index=df.index)
    top = df[df["index"] == "mu_star"].groupby("output")["value"].max()
    return df["output"].map(top).replace(0, np.nan)


def _converged_rows(spec: SASpec, df: pd.DataFrame) -> pd.Series:
    rel = df["conf"] / _scale(spec, df)
    return (rel <= spec.ci_threshold).where(_judged(df), other=True)


def convergence(spec: SASpec, indices: pd.DataFrame) -> pd.DataFrame:
    """Per output: the widest interval of the main indices, the threshold, whether
    it is met, and (if not) the sample size that would meet it (width ~ 1/sqrt(N))."""
    rows = []
    judged = indices[_judged(indices)].copy()
    judged["rel"] = judged["conf"] / _scale(spec, judged)
    for o in spec.outputs:
        sub = judged[judged["output"] == o]
        widest = float(sub["rel"].max()) if len(sub) else float("nan")
        ok = bool(widest <= spec.ci_threshold)
        need = spec.n_samples
        if not ok and np.isfinite(widest):
            need = math.ceil(spec.n_samples * (widest / spec.ci_threshold) ** 2)
            if spec.method == "sobol":
                need = 1 << max(need - 1, 1).bit_length()
        # an output that did not vary over the sample has no indices (all NaN)
        worst = sub.loc[sub["rel"].idxmax()] if sub["rel"].notna().any() else None
        rows.append({"output": o, "method": spec.method,
                     "widest": widest, "threshold": spec.ci_threshold, "converged": ok,
                     "worst": (f"{worst['index']} {worst['factor']}"
                               if worst is not None else ""),
                     "n_samples": spec.n_samples, "n_needed": need})
    return pd.DataFrame(rows)
