"""Results: the model's outputs as Mesa's `DataCollector`, for `mesa.batch_run` and
other Mesa tools.

`BSCModel.datacollector` is built here on first access and filled from the series
the model records anyway (row k = week k), so a plain run (`simulate`) pays nothing
for it. Each row holds the weekly model-level outputs (`outputs.TIMESERIES_NAMES`)
and the run's `seed`; the last row (the end of follow-up) also holds the summary
outputs (`outputs.SUMMARY_NAMES`: `practice_gain_sd`, costs, ...), NaN before, so
`batch_run(..., data_collection_period=-1)` returns one row per run with the seed,
the headline outcomes and the costs.

A collector the user assigns (`self.datacollector = mesa.DataCollector(...)` in
`__init__`, `self.datacollector.collect(self)` in `step()`, the usual Mesa way) is
the user's: the model never feeds it.

Private Mesa name kept, with a version-pinned test (tests/test_mesa_private.py):
`DataCollector._collection_steps` (Mesa >= 3.4), the list of times at which rows were
collected, which `batch_run` reads to pick each step's row. Rows are collected after
the fact here, so the time of each is set to its week's (week k runs at time k + 1).
"""

from __future__ import annotations

import math
from functools import partial

import mesa

from .outputs import SUMMARY_NAMES, TIMESERIES_NAMES


def default_collector() -> mesa.DataCollector:
    """The DataCollector of weekly outputs, the seed and (last row) the summary."""
    reporters = {k: partial(_week_value, k) for k in TIMESERIES_NAMES}
    reporters["seed"] = partial(_seed)
    reporters.update({k: partial(_summary_value, k) for k in SUMMARY_NAMES})
    return mesa.DataCollector(model_reporters=reporters)


def catch_up(model, dc: mesa.DataCollector) -> None:
    """Collect the weeks run since the last access, one row per week."""
    while model._dc_week < model.week:
        dc.collect(model)
        when = getattr(dc, "_collection_steps", None)   # Mesa >= 3.4 notes the time
        if when:
            when[-1] = model._dc_week + 1                # week k runs at time k + 1
        model._dc_week += 1


def _week_value(name: str, model) -> float:
    """Output `name` in the week being caught up."""
    return float(model.series[name][model._dc_week])


def _seed(model) -> int | None:
    return getattr(model, "seed", None)


def _summary_value(name: str, model) -> float:
    """Summary output `name` in the row of the last week of a finished run, else NaN."""
    if model._dc_week != model.n_weeks - 1 or model.week < model.n_weeks:
        return math.nan
    summary = model.__dict__.get("_dc_summary")
    if summary is None:
        from .results import compute_summary
        summary = model._dc_summary = compute_summary(model)
    return float(summary[name])


__all__ = ["catch_up", "default_collector"]
