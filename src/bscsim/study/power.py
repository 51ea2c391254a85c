"""Analyses / simulated study: power, the study repeated over designs.

For each number of centers in the grid, `replicates` collaboratives are simulated
(one model run each, seeds from `replicate_seeds`); each run is measured at every
reliability of the grid with the same random draws (common random numbers: only
the size of the error changes), and analysed as the study would. Power is the share
of replicates whose two-sided test rejects "no change" at level `alpha`. The number
of centers needed for the target power is read off the curve by linear
interpolation between grid points.

The simulated studies run through the sweep runner (`power_sweep`: one design
point per number of centers, one run per replicate, a `StudyTask` each): serially,
on local processes or on Dask, with progress, and resumable when the runs are kept
in a folder (`out`). Each keeps the seeds of `replicate_seeds`, so results depend
only on the study's seed, never on the executor or the number of workers. With a
posterior, replicate r at every number of centers runs at the r-th posterior draw
(the parameters of its model, not the study's design), so power averages over
parameter uncertainty as well as chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .analyse import analyse_instrument, finish, measure_all, observe_run, replicate_seeds
from .measure import population
from .spec import Study

KEYS = ["instrument", "measure", "group", "estimator"]
REPEATED = ("survey", "observation")


def replicate_rows(study: Study, n_centers: int, replicates: list[int],
                   reliabilities: tuple[float, ...],
                   changes: dict | None = None) -> pd.DataFrame:
    """Analysis rows of some replicates at one number of centers, at every
    reliability (what a `StudyTask` runs); `changes`: model parameters set on top
    of the study's (a posterior draw)."""
    params = study.model_params(n_centers)
    if changes:
        params = params.replace(**changes)
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


def power_sweep(study: Study, n_centers: tuple[int, ...] | None = None,
                reliability: tuple[float, ...] | None = None,
                replicates: int | None = None, posterior: str | None = None):
    """The power analysis as a sweep (defaults: the study's [power] grid): one point
    per number of centers, `replicates` simulated studies each."""
    from ..sweep.spec import EXPLICIT, Axis, SweepSpec
    grid = study.power
    sizes = tuple(int(n) for n in (n_centers or grid.n_centers))
    reps = int(replicates or grid.replicates)
    points = pd.DataFrame({"n_centers": list(sizes)})
    return SweepSpec(path=study.source, text="", title=f"{study.title}: power",
                     base=study.config, changes={}, axes=(Axis("n_centers", values=sizes),),
                     design=EXPLICIT, n_samples=len(sizes), replicates=reps,
                     root_seed=study.seed, common_random_numbers=True, points=points,
                     task="study", study=study,
                     reliabilities=tuple(reliability or grid.reliability),
                     base_values=study.params, posterior=posterior)


def power(study: Study, n_centers: tuple[int, ...] | None = None,
          reliability: tuple[float, ...] | None = None, replicates: int | None = None,
          workers: int = 1, executor: str | None = None, out=None, scheduler=None,
          progress: bool = False, retry_failed: bool = False,
          posterior: str | None = None) -> PowerResult:
    """Repeat the simulated study over the grid (defaults: the study's [power])
    through the sweep runner: `executor` (default serial for one worker, else
    processes), a progress bar on stderr with `progress`, the runs kept in `out`
    (resumed by a second call; a folder holding another power analysis is
    started afresh) or in a temporary folder. Raises RunsFailed if a run failed."""
    import tempfile

    from ..sweep import load_sweep, run_sweep
    from ..sweep.runner import failed_runs_error, fresh_if_changed
    grid = study.power
    sweep = power_sweep(study, n_centers, reliability, replicates, posterior)
    executor = executor or ("serial" if workers <= 1 and scheduler is None else "processes")
    with tempfile.TemporaryDirectory(prefix="bscsim-power-") as tmp:
        runs = Path(out) if out is not None else Path(tmp) / "runs"
        fresh_if_changed(runs, sweep)
        run_sweep(sweep, runs, executor=executor, workers=workers, scheduler=scheduler,
                  progress=progress, retry_failed=retry_failed)
        error = failed_runs_error(load_sweep(runs), runs if out is not None else None)
        if error is not None:
            raise error
        rows = load_sweep(runs, "analysis").drop(columns="run")
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
                bias_sample=("bias_sample", "mean"),
                bias_attrition=("bias_attrition", "mean"), rmse=("sq_error", "mean"),
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
