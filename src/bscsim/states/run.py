"""Running: a state rollout, cohort after cohort, each cohort one `simulate_many` call.

Seeds: collaborative k of cohort c in replicate r runs with the whole-number seed
drawn from `SeedSequence(seed, spawn_key=(1, r, c, k))`, so the same file and seed
give identical results, two state files with the same seed and layout share each
collaborative's draws (common random numbers: `bscsim compare`), and one
collaborative can be rerun alone with `bscsim run --seed` and its parameters (both
are in collaboratives.parquet). The layout (sizes, mix, faculty drawn from the
file's ranges) uses `spawn_key=(0,)` (states/spec.py) and is the same for every
replicate.

Cohorts run in order, because with carry-over on a cohort inherits from the one
before it (states/carry.py); cohort c starts at week c x cohort_interval_weeks of
the state's calendar.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from ..params import make_params
from ..simulate import simulate_many
from . import carry
from .outputs import StateResult
from .spec import StateSpec

# Weekly outputs the state keeps per collaborative (for carry-over and the figure).
KEPT_SERIES = ("pdsa_completed", "pdsa_abandoned", "qi_skill", "practice_participating",
               "child_se")


def run_seed(root: int, replicate: int, cohort: int, k: int) -> int:
    """The seed of one collaborative: a whole number below 2**63."""
    ss = np.random.SeedSequence(root, spawn_key=(1, replicate, cohort, k))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_state(spec: StateSpec, progress: Callable[[str], None] | None = None,
              carry_on: bool | None = None, checkpoints=None,
              workers: int = 1) -> StateResult:
    """Run every replicate of the state, cohort by cohort; `carry_on` overrides the
    file's switch (None: the file's). With `checkpoints` (states/resume.py) a
    cohort finished by an earlier, interrupted run is read back, not run. With
    `workers` > 1 each cohort is split into that many `simulate_many` calls on local
    processes (the same results: a run depends only on its parameters and seed)."""
    if workers > 1:
        from ..parallel import spawn_pool, stop
        with spawn_pool(workers) as pool:
            try:
                return _run_state(spec, progress, carry_on, checkpoints, pool, workers)
            except KeyboardInterrupt:     # the workers ignore Ctrl-C: end them now
                stop(pool)
                raise
    return _run_state(spec, progress, carry_on, checkpoints, None, 1)


def run_chunk(params: list[dict], seeds: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One `simulate_many` call: the summary rows and the kept weekly outputs."""
    summary, tables = simulate_many([make_params(v) for v in params], seeds,
                                    tables=("timeseries",))
    return summary, tables["timeseries"][["run", "week", *KEPT_SERIES]]


def _run_cohort(values: list[dict], seeds: list[int], pool, workers: int):
    """A cohort's runs: one simulate_many call, or `workers` calls on `pool`."""
    if pool is None or len(values) < 2:
        return run_chunk(values, seeds)
    bounds = np.linspace(0, len(values), min(workers, len(values)) + 1).astype(int)
    parts = [pool.submit(run_chunk, values[a:b], seeds[a:b])
             for a, b in zip(bounds[:-1], bounds[1:])]
    summaries, series = [], []
    for a, part in zip(bounds[:-1], parts):
        summary, ts = part.result()
        summaries.append(summary.assign(run=summary["run"] + a))
        series.append(ts.assign(run=ts["run"] + a))
    return (pd.concat(summaries, ignore_index=True),
            pd.concat(series, ignore_index=True))


def _run_state(spec, progress, carry_on, checkpoints, pool, workers) -> StateResult:
    on = spec.carry_on if carry_on is None else carry_on
    base = spec.base_params.to_dict()
    rows, series = [], []
    for r in range(spec.replicates):
        inherited = carry.start(spec.base_params.share_ideas_null)
        for cohort in spec.cohorts:
            values = [carry.apply({**base, **v}, inherited) if on else {**base, **v}
                      for v in cohort.collaboratives]
            done = checkpoints.load(r, cohort.index) if checkpoints else None
            where = (f"replicate {r + 1}/{spec.replicates}, cohort "
                     f"{cohort.index + 1}/{len(spec.cohorts)}: {len(values)} "
                     "collaboratives")
            if done is None:
                if progress:
                    progress(where)
                seeds = [run_seed(spec.seed, r, cohort.index, k)
                         for k in range(len(values))]
                summary, ts = _run_cohort(values, seeds, pool, workers)
                done = (_collaboratives(summary, values, r, cohort.index,
                                        cohort.index * spec.interval, inherited),
                        _series(ts, values, r, cohort.index, cohort.index * spec.interval))
                if checkpoints:
                    checkpoints.save(r, cohort.index, *done)
            elif progress:
                progress(f"{where} (finished earlier, read back)")
            rows.append(done[0])
            series.append(done[1])
            if on:
                ts = done[1].rename(columns={"collaborative": "run"})
                centers = np.array([v["n_centers"] for v in values], dtype=float)
                inherited = carry.inherit(inherited, ts, centers,
                                          spec.base_params.weeks_collab,
                                          spec.base_params.qi_skill_baseline,
                                          spec.refine, spec.mentor)
    return StateResult(spec, pd.concat(rows, ignore_index=True),
                       pd.concat(series, ignore_index=True), carry_on=on)


def _collaboratives(summary: pd.DataFrame, values: list[dict[str, Any]], r: int,
                    cohort: int, start: int, inherited: carry.Inherited) -> pd.DataFrame:
    """One row per collaborative: who it is, the parameters it ran with, its
    summary outputs."""
    ids = pd.DataFrame({
        "replicate": r, "cohort": cohort, "collaborative": np.arange(len(values)),
        "start_week": start, "seed": summary["seed"].astype("int64").to_numpy(),
        "n_centers": [v["n_centers"] for v in values],
        "share_head_start": [v["share_head_start"] for v in values],
        "faculty_hours_month": [v["faculty_hours_month"] for v in values],
        "faculty_qi_gain": [v["faculty_qi_gain"] for v in values],
        "share_ideas_null": [v["share_ideas_null"] for v in values],
        "inherited_abandon_share": inherited.abandon_share,
        "inherited_qi_gap_closed": inherited.qi_gap_closed,
        "faculty_qi_factor": inherited.faculty_qi_factor,
    })
    outputs = summary.drop(columns=["run", "seed"]).reset_index(drop=True)
    return pd.concat([ids, outputs], axis=1)


def _series(ts: pd.DataFrame, values: list[dict], r: int, cohort: int,
            start: int) -> pd.DataFrame:
    """The kept weekly outputs of each collaborative, on the state's calendar."""
    out = ts[["run", "week", *KEPT_SERIES]].rename(columns={"run": "collaborative"})
    out.insert(0, "cohort", cohort)
    out.insert(0, "replicate", r)
    out.insert(3, "state_week", out["week"] + start)
    out.insert(4, "n_centers", np.array([v["n_centers"] for v in values])[
        out["collaborative"].to_numpy()])
    return out.reset_index(drop=True)
