"""Running: one replicate of a scenario, as one collaborative or as successive
cohorts (a state enrolling `n_cohorts x n_centers` programs).

Cohorts are run here, at the running layer, not inside the model: in this model
cohorts do not interact (no faculty shared between them, no change package refined
from one cohort to the next), so a state's rollout is `n_cohorts` independent
collaboratives of `n_centers` programs each, cohort k starting at week
`k x cohort_interval_weeks` of the state's calendar. What the lever changes is the
size of each collaborative (the pool of programs that learn from each other), the
fixed cost shared per center, and the calendar (`state_weeks`).

Seeds: cohort 0 uses the replicate's seed itself, so a one-cohort scenario and a
many-cohort scenario share their first collaborative's draws (common random
numbers); cohort k > 0 uses the seed's child k.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .params import Params
from .simulate import simulate


def cohort_seeds(seed: Any, n: int) -> list[Any]:
    """Seeds of `n` cohorts: the seed itself, then its children 1..n-1."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [seed] + [np.random.SeedSequence(ss.entropy, spawn_key=ss.spawn_key + (k,))
                     for k in range(1, n)]


def state_weeks(p: Params) -> int:
    """Week of the state's calendar at which the last cohort's collaborative ends."""
    return (p.n_cohorts - 1) * p.cohort_interval_weeks + p.weeks_collab


def run_replicate(params: Params, seed: Any) -> tuple[pd.Series, pd.DataFrame, dict]:
    """Summary, weekly timeseries and size (centers and participating classrooms,
    over all cohorts) of one replicate.

    With several cohorts, the summary is the mean over cohorts (each has
    `n_centers` centers), except the share of classrooms improved and
    `cost_per_classroom_improved`, which are the state's totals (improved over
    participating classrooms; total cost over improved classrooms); the timeseries is
    the mean over cohorts, each on its own clock (week 0 = its start).
    """
    if params.n_cohorts == 1:
        result = simulate(params, seed)
        size = {"centers": params.n_centers,
                "participating_classrooms": int(result.classrooms["participating"].sum())}
        return result.summary, result.timeseries, size
    summaries, series, improved, n_part = [], [], [], 0
    for s in cohort_seeds(seed, params.n_cohorts):
        result = simulate(params, s)
        summaries.append(result.summary)
        series.append(result.timeseries)
        part = int(result.classrooms["participating"].sum())
        n_part += part
        improved.append(result.summary["classrooms_improved_share"] * part)
    summary = pd.concat(summaries, axis=1).mean(axis=1).rename("value")
    total = summary["cost_per_center"] * params.n_centers * params.n_cohorts
    summary["cost_per_classroom_improved"] = (total / sum(improved) if sum(improved) > 0
                                              else float("nan"))
    ts = pd.concat(series).groupby("week", sort=True).mean(numeric_only=True).reset_index()
    ts["collab"] = ts["week"] < params.weeks_collab
    summary["classrooms_improved_share"] = sum(improved) / max(n_part, 1)
    size = {"centers": params.n_centers * params.n_cohorts,
            "participating_classrooms": n_part}
    return summary, ts[series[0].columns], size
