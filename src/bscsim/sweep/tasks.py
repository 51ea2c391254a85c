"""Running: one task of a sweep, a batch of runs, executed in a worker.

`run_batch` is module-level and imports only bscsim, so it can be sent to a spawned
process or a Dask worker. It hands a task's runs to `simulate_many` together; a run
that raises is recorded as failed with its error (the batch's runs are then run one
by one) and the others go on; each model is dropped after its run.
A task may run another model, a function `f(values, seed) -> dict`: one of the
models registered in `MODELS` (named in a file, e.g. `model = "ishigami"`, a test
function with known sensitivity indices) or a function handed over from Python.
A file never names a module or a function to import: that would let a file run code.

Beside `run_batch`, two kinds of task for the analyses that keep their own seeds
(`run_task` picks the function for a task):

- `ReplicateTask` / `run_replicates` (`bscsim compare`, `bscsim run --replicates`):
  one replicate of a scenario, as one collaborative or as successive cohorts
  (`cohorts.run_replicate`), seeded `SeedSequence(root_seed, spawn_key=(replicate,))`
  as compare always was; its summary row adds the replicate's size (`centers`,
  `participating_classrooms`) and it keeps the weekly timeseries.
- `StudyTask` / `run_studies` (`bscsim study --power`): one simulated study at one
  number of centers, measured at every reliability of the power grid, seeded by
  `study.analyse.replicate_seeds` as the power analysis always was; its rows of
  estimates go to the `analysis` table.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..outputs import SUMMARY_NAMES
from ..params import make_params
from ..simulate import simulate, simulate_many
from .spec import MODELS

ERROR_CHARS = 500
SUMMARY_FIXED = ("status", "error", "seconds")   # summary columns before the outputs


@dataclass(frozen=True)
class Task:
    """A batch of runs: the base parameters, and per run its index, seed and the
    values of the varied parameters; `model` and `outputs` when it runs another
    model than bscsim."""

    base: dict[str, Any]
    runs: tuple[tuple[int, int, dict[str, Any]], ...]
    timeseries: bool = False
    model: str | Callable[..., dict[str, float]] | None = None
    outputs: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.runs)

    @property
    def run_ids(self) -> list[int]:
        return [r[0] for r in self.runs]


@dataclass
class BatchResult:
    """What a task returns: one summary row per run (`run`, `status`, `error`,
    `seconds` and the outputs) and, if asked, the weekly timeseries of its runs."""

    summary: pd.DataFrame
    timeseries: pd.DataFrame | None = None
    analysis: pd.DataFrame | None = None      # rows of estimates (StudyTask)


def run_batch(task: Task) -> BatchResult:
    """Run every run of `task`; never raises for a failing run.

    The runs go to `simulate_many` together (a run's numbers do not depend on its
    batch); `seconds` is then the batch's time shared equally. If the batch
    raises, its runs are run again one by one, so that only a run that fails is
    recorded as failed, with its own error."""
    if task.model is not None:
        return _run_model(task)
    base = make_params(task.base)
    rows: dict[int, dict[str, Any]] = {}
    batch = []                       # (run, seed, params) of the runs with valid params
    for run, seed, changes in task.runs:
        try:
            batch.append((run, seed, base.replace(**changes)))
        except Exception as e:  # noqa: BLE001 - recorded, the sweep goes on
            rows[run] = _failed_row(run, e, 0.0)
    series = []
    if batch:
        ids = np.array([b[0] for b in batch], dtype=np.int64)
        start = time.perf_counter()
        try:
            summary, tables = simulate_many([b[2] for b in batch], [b[1] for b in batch],
                                            tables=("timeseries",) if task.timeseries else ())
        except Exception:  # noqa: BLE001 - some run failed: each alone, below
            summary = None
        if summary is not None:
            seconds = (time.perf_counter() - start) / len(batch)
            values = summary[list(SUMMARY_NAMES)].to_numpy()
            for k, run in enumerate(ids.tolist()):
                rows[run] = {"run": run, "status": "ok", "error": "",
                             **dict(zip(SUMMARY_NAMES, values[k].tolist())), "seconds": seconds}
            if task.timeseries:
                ts = tables["timeseries"]
                ts["run"] = ids[ts["run"].to_numpy()]
                series.append(ts)
        else:
            for run, seed, params in batch:
                row, ts = _run_one(run, seed, params, task.timeseries)
                rows[run] = row
                if ts is not None:
                    series.append(ts)
    ordered = [rows[r[0]] for r in task.runs]
    return BatchResult(summary_frame(ordered),
                       pd.concat(series, ignore_index=True) if series else None)


def _run_one(run: int, seed: int, params, timeseries: bool):
    """One run alone: its summary row (failed with its error if it raises) and,
    if asked, its weekly timeseries."""
    series = []

    def work() -> dict[str, Any]:
        result = simulate(params, seed=seed)
        if timeseries:
            series.append(result.timeseries)
            series[0].insert(0, "run", run)
        return result.summary.to_dict()

    return _timed_row(run, work), (series[0] if series else None)


def _timed_row(run: int, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The summary row of one run: the outputs `work()` returns and its seconds,
    or, if it raises, the run recorded as failed with its error (never raises)."""
    start = time.perf_counter()
    try:
        row = {"run": run, "status": "ok", "error": "", **work()}
    except Exception as e:  # noqa: BLE001 - recorded, the analysis goes on
        return _failed_row(run, e, time.perf_counter() - start)
    row["seconds"] = time.perf_counter() - start
    return row


def _failed_row(run: int, error: Exception, seconds: float) -> dict[str, Any]:
    return {"run": run, "status": "failed",
            "error": f"{type(error).__name__}: {error}"[:ERROR_CHARS], "seconds": seconds}


def _run_model(task: Task) -> BatchResult:
    """The runs of a task that names another model: `f(values, seed) -> dict`."""
    fn = load_model(task.model)

    def work(values, seed) -> dict[str, Any]:
        out = fn(dict(values), seed)
        return {k: out[k] for k in task.outputs}

    rows = [_timed_row(run, lambda: work(values, seed)) for run, seed, values in task.runs]
    return BatchResult(summary_frame(rows, task.outputs))


def load_model(ref: str | Callable) -> Callable[[dict[str, Any], int], dict[str, float]]:
    """The function of a registered model name, or `ref` itself if it is one."""
    if callable(ref):
        return ref
    if ref not in MODELS:
        raise ValueError(f"model {ref!r} is not registered: expected one of "
                         f"{', '.join(MODELS)}")
    module, name = MODELS[ref]
    return getattr(importlib.import_module(module), name)


def summary_frame(rows: list[dict[str, Any]],
                  outputs: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Summary rows with a fixed schema, outputs NaN for failed runs."""
    outputs = list(outputs if outputs is not None else SUMMARY_NAMES)
    df = pd.DataFrame(rows, columns=["run", *SUMMARY_FIXED, *outputs])
    df["run"] = df["run"].astype(np.int64)
    df[outputs] = df[outputs].astype(float)
    df["seconds"] = df["seconds"].astype(float)
    df["status"] = df["status"].astype(str)
    df["error"] = df["error"].fillna("").astype(str)
    return df


SIZE_OUTPUTS = ("centers", "participating_classrooms")


@dataclass(frozen=True)
class ReplicateTask:
    """Replicates of scenarios (compare): the base parameters, the root seed and per
    run its index, replicate and the parameter changes of its scenario (and of its
    posterior draw)."""

    base: dict[str, Any]
    root_seed: int
    runs: tuple[tuple[int, int, dict[str, Any]], ...]
    outputs: tuple[str, ...] = (*SUMMARY_NAMES, *SIZE_OUTPUTS)

    @property
    def run_ids(self) -> list[int]:
        return [r[0] for r in self.runs]


def run_replicates(task: ReplicateTask) -> BatchResult:
    """Run every replicate of `task` (cohorts included); never raises for a failing
    run. Seeds: `SeedSequence(root_seed, spawn_key=(replicate,))`, the seed
    `scenarios.replicate_seed` gives (common random numbers across scenarios)."""
    from ..cohorts import run_replicate
    base = make_params(task.base)
    series = []

    def work(run: int, replicate: int, changes: dict[str, Any]) -> dict[str, Any]:
        seed = np.random.SeedSequence(task.root_seed, spawn_key=(replicate,))
        summary, ts, size = run_replicate(base.replace(**changes), seed)
        ts = ts.copy()
        ts.insert(0, "run", run)
        series.append(ts)
        return {**summary.to_dict(), **size}

    rows = [_timed_row(run, lambda: work(run, replicate, changes))
            for run, replicate, changes in task.runs]
    return BatchResult(summary_frame(rows, task.outputs),
                       pd.concat(series, ignore_index=True) if series else None)


@dataclass(frozen=True)
class StudyTask:
    """Simulated studies (study --power): the study, the reliabilities to measure
    at, and per run its index, number of centers, replicate and the parameter
    changes of its posterior draw."""

    study: Any
    reliabilities: tuple[float, ...]
    runs: tuple[tuple[int, int, int, dict[str, Any]], ...]
    outputs: tuple[str, ...] = ()

    @property
    def run_ids(self) -> list[int]:
        return [r[0] for r in self.runs]


def run_studies(task: StudyTask) -> BatchResult:
    """Run and analyse every simulated study of `task`; never raises for a failing
    run. Its estimates (every reliability) are the `analysis` rows."""
    from ..study.power import replicate_rows
    frames = []

    def work(run: int, n_centers: int, replicate: int, changes: dict[str, Any]) -> dict:
        df = replicate_rows(task.study, n_centers, [replicate], task.reliabilities, changes)
        df.insert(0, "run", run)
        frames.append(df)
        return {}

    rows = [_timed_row(run, lambda: work(run, n_centers, replicate, changes))
            for run, n_centers, replicate, changes in task.runs]
    return BatchResult(summary_frame(rows, task.outputs),
                       analysis=pd.concat(frames, ignore_index=True) if frames else None)


def run_task(task: Task | ReplicateTask | StudyTask) -> BatchResult:
    """Run a task of any kind (module level: what executors send to workers)."""
    if isinstance(task, ReplicateTask):
        return run_replicates(task)
    if isinstance(task, StudyTask):
        return run_studies(task)
    return run_batch(task)


def failed_batch(task: Task, error: str) -> BatchResult:
    """The result of a task that could not run at all (e.g. its worker kept dying)."""
    rows = [{"run": r, "status": "failed", "error": error[:ERROR_CHARS], "seconds": np.nan}
            for r in task.run_ids]
    return BatchResult(summary_frame(rows, task.outputs))
