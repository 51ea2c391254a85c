"""Analyses / simulated study: power, the study repeated over designs.

For each number of centers in the grid, `replicates` collaboratives are simulated
(one model run each, seeds from `replicate_seeds`); each run is measured at every
reliability of the grid with the same random draws (common random numbers: only
the size of the error changes), and analysed as the study would. Power is the share
of replicates whose two-sided test rejects "no change" at level `alpha`. The number
of centers needed for the target power is read off the curve by linear
interpolation between grid points.

Runs can be spread over local processes (`workers`). Mesa switches multiprocessing
to "spawn", so the worker is a module-level function; results depend only on the
study's seed, never on the number of workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ..parallel import spawn_pool
from .analyse import analyse_instrument, finish, measure_all, observe_run, replicate_seeds
from .measure import population
from .spec import Study

KEYS = ["instrument", "measure", "group", "estimator"]
REPEATED = ("survey", "observation")


def replicate_rows(study: Study, n_centers: int, replicates: list[int],
                   reliabilities: tuple[float, ...]) -> pd.DataFrame:
    """Analysis rows of some replicates at one number of centers, at every
    reliability (module-level: the worker of `power`)."""
    params = study.model_params(n_centers)
    frames = []
    for r in replicates:
        model_ss, measure_ss = replicate_seeds(study.seed, n_centers, r)
        observations, _, _ = observe_run(params, study.weeks, model_ss, log=False)
        insts = [i for i in study.instruments if i.kind in REPEATED]
        pops = {i.name: population(i, observations, None) for i in insts}
        for rel in reliabilities:
            s = study.with_reliability(rel)
            measured = measure_all(s, observations, None, params, measure_ss, REPEATED)
            rows = []
            for inst in (i for i in s.instruments if i.kind in REPEATED):
                rows += analyse_instrument(inst, measured[inst.name], pops[inst.name],
                                           n_centers, study.power.alpha)
            df = finish(rows, study.power.alpha)
            df.insert(0, "reliability", rel)
            df.insert(0, "replicate", r)
            df.insert(0, "design_centers", n_centers)
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


@dataclass
class PowerResult:
    """`replicates`: one row per replicate, design and estimate; `table`: power,
    bias and coverage per design; `needed`: centers needed for the target power."""

    replicates: pd.DataFrame
    table: pd.DataFrame
    needed: pd.DataFrame


def power(study: Study, n_centers: tuple[int, ...] | None = None,
          reliability: tuple[float, ...] | None = None, replicates: int | None = None,
          workers: int = 1, progress: Callable[[int, int], None] | None = None
          ) -> PowerResult:
    """Repeat the simulated study over the grid (defaults: the study's [power]).
    `progress(done, total)` is called as simulated studies finish (one per size and
    replicate; each is analysed at every reliability)."""
    from concurrent.futures import as_completed
    grid = study.power
    sizes = tuple(n_centers or grid.n_centers)
    rels = tuple(reliability or grid.reliability)
    reps = int(replicates or grid.replicates)
    # about 10 tasks per size and worker: progress every few seconds, little overhead
    chunk = max(1, math.ceil(reps / (10 * max(workers, 1))))
    tasks = [(n, list(range(a, min(a + chunk, reps)))) for n in sizes
             for a in range(0, reps, chunk)]
    total, done = len(sizes) * reps, 0
    parts: list[pd.DataFrame] = []
    if workers <= 1:
        for n, rs in tasks:
            parts.append(replicate_rows(study, n, rs, rels))
            done += len(rs)
            if progress:
                progress(done, total)
    else:
        with spawn_pool(workers) as ex:
            futures = {ex.submit(replicate_rows, study, n, rs, rels): len(rs)
                       for n, rs in tasks}
            for f in as_completed(futures):
                parts.append(f.result())
                done += futures[f]
                if progress:
                    progress(done, total)
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.sort_values(["design_centers", "replicate", "reliability"],
                            kind="stable").reset_index(drop=True)
    table = summarize(rows)
    return PowerResult(rows, table, centers_needed(table, grid.target))


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Power, Monte Carlo SE, mean estimate and truth, bias, RMSE and coverage of
    the interval (of the model's truth), per estimate and design."""
    rows = rows.assign(
        covered=(rows["ci_low"] <= rows["truth"]) & (rows["truth"] <= rows["ci_high"]),
        sq_error=(rows["estimate"] - rows["truth"]) ** 2)
    g = rows.groupby(KEYS + ["design_centers", "reliability"], sort=False)
    out = g.agg(replicates=("detected", "size"), power=("detected", "mean"),
                estimate=("estimate", "mean"), truth_sample=("truth_sample", "mean"),
                truth=("truth", "mean"), bias=("bias", "mean"),
                bias_measurement=("bias_measurement", "mean"),
                bias_sample=("bias_sample", "mean"), rmse=("sq_error", "mean"),
                coverage=("covered", "mean"), centers_analysed=("n_centers", "mean"),
                units_analysed=("n_units", "mean")).reset_index()
    out["rmse"] = np.sqrt(out["rmse"])
    out.insert(out.columns.get_loc("power") + 1, "power_se",
               np.sqrt(out["power"] * (1 - out["power"]) / out["replicates"]))
    return out


def centers_needed(table: pd.DataFrame, target: float = 0.8) -> pd.DataFrame:
    """Per estimate and reliability: the fewest centers with power >= target,
    interpolated linearly between grid points (NaN: not reached in the grid)."""
    out = []
    for key, g in table.groupby(KEYS + ["reliability"], sort=False):
        g = g.sort_values("design_centers")
        n, pw = g["design_centers"].to_numpy(float), g["power"].to_numpy(float)
        out.append(dict(zip(KEYS + ["reliability"], key)) | {
            "target": target, "centers_needed": _crossing(n, pw, target),
            "grid": f"{int(n.min())}-{int(n.max())}"})
    return pd.DataFrame(out)


def _crossing(n: np.ndarray, pw: np.ndarray, target: float) -> float:
    above = np.flatnonzero(pw >= target)
    if len(above) == 0:
        return float("nan")
    j = int(above[0])
    if j == 0:
        return float(n[0])
    n0, n1, p0, p1 = n[j - 1], n[j], pw[j - 1], pw[j]
    return float(n0 + (target - p0) / (p1 - p0) * (n1 - n0))


def power_pivot(table: pd.DataFrame, targets: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Power per design (rows: centers x reliability), one column per target
    (instrument, group, estimator)."""
    cols = {}
    for inst, group, estimator in targets:
        t = table[(table["instrument"] == inst) & (table["group"] == group)
                  & (table["estimator"] == estimator)]
        by_design = t.set_index(["design_centers", "reliability"])["power"]
        cols[short_label(targets, inst, group)] = by_design
    return pd.DataFrame(cols).sort_index()


def default_targets(study: Study) -> list[tuple[str, str, str]]:
    """What the power curves show: for each observation, the practice change of
    participating classrooms and the spread to the others; for each survey, the
    paired change of its first respondent group."""
    out = []
    for i in study.instruments:
        if i.kind == "observation":
            out += [(i.name, "participating", "paired"), (i.name, "comparison", "paired")]
    for i in study.instruments:
        if i.kind == "survey":
            out.append((i.name, i.respondents[0], "paired"))
    return out


def needed_text(needed: pd.DataFrame, grid: tuple[int, ...]) -> pd.Series:
    """Centers needed as text: '<=4' at the first grid point, '>40' beyond it."""
    lo, hi = min(grid), max(grid)

    def fmt(v: float) -> str:
        if v != v:
            return f">{hi}"
        if v <= lo:
            return f"<={lo}"
        return f"{math.ceil(v - 1e-9)}"
    return needed["centers_needed"].map(fmt)


def short_label(targets: list[tuple[str, str, str]], inst: str, group: str) -> str:
    """A column name: 'practice' and 'spread' for an observation (prefixed by its
    name if there are several), the instrument's name for a survey."""
    words = {"participating": "practice", "comparison": "spread",
             "participating_minus_comparison": "difference"}
    if group not in words:
        return inst
    n_obs = len({i for i, g, _ in targets if g in words})
    return words[group] if n_obs == 1 else f"{inst}:{words[group]}"
