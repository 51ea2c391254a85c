"""Running: a whole sweep, from a sweep file to a folder of results.

`run_sweep` resolves the design, opens (or creates) the output folder, skips the
runs already there, cuts the rest into batches and streams each finished batch to
disk while a progress bar shows runs done, rate and ETA. Nothing is held in memory
beyond the design and the batches in flight.
"""

from __future__ import annotations

import math
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from ..atomic import check_name, check_out
from ..config import ConfigError
from .design import INDEX, resolve
from .executors import WorkerDied, default_workers, make_executor
from .spec import SweepSpec, load_spec
from .store import Store, host, now
from .tasks import (BatchResult, ReplicateTask, StudyTask, Task, failed_batch,
                    run_task)

MAX_BATCH = 200
MIN_BATCH = 8
BATCHES_PER_WORKER = 16


class RunsFailed(RuntimeError):
    """Some runs of an analysis failed (recorded in its runs folder), so its
    results cannot be formed. The message is one line."""


def failed_runs_error(summary: pd.DataFrame, runs: Path | None) -> RunsFailed | None:
    """A RunsFailed for the failed rows of `summary` (a runs folder's load_sweep),
    or None if every run is ok; `runs`: the folder that keeps them, if any."""
    failed = summary[summary["status"] != "ok"]
    if not len(failed):
        return None
    where = f"; the finished runs are kept in {runs}/" if runs is not None else ""
    return RunsFailed(f"{len(failed)} of {len(summary)} runs failed (first: "
                      f"{failed['error'].iloc[0]}){where}")


def fresh_if_changed(runs: Path, spec: SweepSpec) -> None:
    """Remove a runs folder that holds the runs of another analysis (another file,
    seed, replicates, config or posterior), saying so: what compare and study keep
    in DIR/runs/ is resumed only when it is the same analysis (a sweep's own folder
    is refused instead, see `prepare`)."""
    import shutil
    if Store.state(runs) != "sweep":
        return
    store = Store(runs)
    if changed(store, spec):
        store.lock()         # refused in one line while another command writes it
        try:
            print(f"{runs}/ holds the runs of another analysis; starting afresh",
                  file=sys.stderr)
            shutil.rmtree(runs)
        finally:
            store.unlock()


def changed(store: Store, spec: SweepSpec) -> bool:
    """True if the runs folder of compare or study holds other runs of the same
    command (to be started afresh); a folder with links or files the sweep did not
    make, or a sweep of another kind (e.g. made by `bscsim sweep`), is refused in
    one line, never removed."""
    store.check()
    m = store.manifest()
    if m.get("spec", {}).get("task", "run") != spec.task:
        raise ConfigError(f"{store.out}: holds a sweep this command did not make (e.g. "
                          "by `bscsim sweep`); move it away or choose another --out")
    return m.get("fingerprint") != spec.fingerprint()


@dataclass
class SweepReport:
    """What a sweep did: counts, time, where its results are."""

    out: Path
    n_runs: int
    done_before: int
    ran: int = 0
    failed: int = 0
    seconds: float = 0.0
    executor: str = ""
    workers: int = 0
    errors: Counter = field(default_factory=Counter)

    @property
    def complete(self) -> bool:
        return self.done_before + self.ran >= self.n_runs

    def __str__(self) -> str:
        rate = self.ran / self.seconds if self.seconds > 0 else float("nan")
        state = "complete" if self.complete else "interrupted"
        lines = [f"sweep {state}: {self.done_before + self.ran} of {self.n_runs} runs "
                 f"({self.ran} now, {self.done_before} before), {self.failed} failed; "
                 f"{_duration(self.seconds)} at {rate:.1f} runs/s on {self.executor} "
                 f"x{self.workers}"]
        for error, n in self.errors.most_common(3):
            lines.append(f"  {n} x {error}")
        if self.failed:
            lines.append(f"  to run the failed runs again: the same command with "
                         f"--retry-failed; to start afresh: remove {self.out}/")
        lines.append(f"results in {self.out}/ (bscsim.load_sweep)")
        return "\n".join(lines)


def default_out(spec: SweepSpec) -> Path:
    return Path("results") / "sweeps" / Path(spec.path).stem


def prepare(spec: SweepSpec | str | Path, out: str | Path | None = None
            ) -> tuple[SweepSpec, Path, pd.DataFrame, str]:
    """Spec, output folder, design and the folder's state ('new' or 'sweep');
    refuses a folder that holds something else or another sweep. Writes nothing."""
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    out = Path(out) if out is not None else default_out(spec)
    check_name(str(out), "--out")
    state = Store.state(out)
    if state == "other":
        raise ConfigError(f"{out}: exists and is not a sweep folder; choose another --out")
    if state == "sweep":
        Store(out).check()
        design = Store.open(out, spec).design()   # the stored design is the truth
    else:
        check_out(out, ("manifest.json",), "sweep")   # writable: checked by --dry-run too
        design = resolve(spec)
    return spec, out, design, state


def run_sweep(spec: SweepSpec | str | Path, out: str | Path | None = None,
              executor: str = "processes", workers: int | None = None,
              scheduler: Any = None, batch_size: int | None = None,
              progress: bool = True, retry_failed: bool = False,
              csv: bool = False) -> SweepReport:
    """Run (or resume) a sweep into `out` (default results/sweeps/<sweep name>).
    Resuming skips every run with a row; with `retry_failed` the runs recorded as
    failed run again (an ok row then replaces the failed one in load_sweep). With
    `csv`, also write the tables as CSV when it stops."""
    spec, out, design, state = prepare(spec, out)
    ex = make_executor(executor if scheduler is None else "dask", workers, scheduler)
    store = None
    try:
        if state == "sweep":
            store = _open(out)
            report = _report(store, design, ex, retry_failed)
            if report.complete:
                store.update_manifest(status="complete")
                if csv:
                    store.write_csv()
                return report
        with ex:       # start workers before writing anything
            if store is None:
                store = _open(out, Store.create(out, spec, design))
                report = _report(store, design, ex)
            report.workers = ex.workers
            todo = design[~design["run"].isin(store.done_runs(ok_only=retry_failed))]
            size = batch_size or spec.batch_size or auto_batch(len(todo), ex.workers)
            session = {"started": now(), "host": host(), "executor": ex.name,
                       "workers": ex.workers, "batch_size": size,
                       "runs_before": report.done_before}
            failed_before = report.failed
            m = store.manifest()
            store.update_manifest(status="running", sessions=m["sessions"] + [session])
            start = time.perf_counter()
            try:
                _stream(spec, design, todo, size, ex, store, report, progress)
            finally:
                report.seconds = time.perf_counter() - start
                session.update(ended=now(), runs_run=report.ran,
                               runs_failed=report.failed - failed_before,
                               status="complete" if report.complete else "interrupted")
                m = store.manifest()
                store.update_manifest(status=session["status"],
                                      sessions=m["sessions"][:-1] + [session])
        if csv:
            store.write_csv()
        return report
    finally:
        if store is not None:
            store.unlock()


def _open(out: Path, store: Store | None = None) -> Store:
    store = store or Store(out)
    store.lock()
    store.tidy()
    return store


def _report(store: Store, design: pd.DataFrame, ex, retry_failed: bool = False
            ) -> SweepReport:
    return SweepReport(store.out, len(design), len(store.done_runs(ok_only=retry_failed)),
                       failed=0 if retry_failed else store.failed_runs(), executor=ex.name,
                       workers=getattr(ex, "workers", 0))


def auto_batch(n_todo: int, workers: int) -> int:
    """Runs per task (and per Parquet part): about BATCHES_PER_WORKER tasks per
    worker (good balance at the end), at most MAX_BATCH runs (a kill loses little; a
    task is a few seconds), and at least MIN_BATCH where the runs allow (a small
    sweep is a few files, not one per run: on the ensemble engine a run is a few ms)."""
    share = math.ceil(n_todo / max(1, workers))
    least = min(MIN_BATCH, share)
    return max(1, least, min(MAX_BATCH, math.ceil(n_todo / (workers * BATCHES_PER_WORKER))))


def tasks(spec: SweepSpec, todo: pd.DataFrame, size: int
          ) -> Iterator[Task | ReplicateTask | StudyTask]:
    """Batches of `size` runs, each with its seed and parameter values (the varied
    ones, and its posterior draw if any), as the spec's kind of task."""
    base = spec.base_params().to_dict() if spec.model is None else {}
    names = [c for c in todo.columns if c not in INDEX]
    for i in range(0, len(todo), size):
        rows = todo.iloc[i:i + size].to_dict("records")
        values = [{k: _native(r[k]) for k in names} for r in rows]
        if spec.task == "replicate":
            yield ReplicateTask(base, spec.root_seed, tuple(
                (int(r["run"]), int(r["replicate"]), v) for r, v in zip(rows, values)))
        elif spec.task == "study":
            yield StudyTask(spec.study, spec.reliabilities, tuple(
                (int(r["run"]), int(v.pop("n_centers")), int(r["replicate"]), v)
                for r, v in zip(rows, values)))
        else:
            runs = tuple((int(r["run"]), int(r["seed"]), v) for r, v in zip(rows, values))
            yield Task(base, runs, spec.timeseries, spec.model_fn or spec.model,
                       spec.outputs)


def _stream(spec, design, todo, size, ex, store, report, progress) -> None:
    from tqdm.auto import tqdm

    columns = [c for c in design.columns]
    by_run = design.set_index("run", drop=False)
    with tqdm(total=report.n_runs, initial=report.done_before, unit="run",
              desc=Path(spec.path).stem, disable=not progress, file=sys.stderr,
              dynamic_ncols=True, smoothing=0.1) as bar:
        for task, result in ex.imap(run_task, tasks(spec, todo, size)):
            if isinstance(result, WorkerDied):
                result = failed_batch(task, result.error)
            summary = _with_design(result, by_run, columns)
            store.write_batch(summary, result.timeseries, result.analysis)
            failed = summary[summary["status"] != "ok"]
            report.ran += len(summary)
            report.failed += len(failed)
            report.errors.update(failed["error"])
            bar.update(len(summary))
            if report.failed:
                bar.set_postfix(failed=report.failed, refresh=False)


def _with_design(result: BatchResult, by_run: pd.DataFrame, columns: list[str]
                 ) -> pd.DataFrame:
    left = by_run.loc[result.summary["run"], columns].reset_index(drop=True)
    return pd.concat([left, result.summary.drop(columns="run")], axis=1)


def _native(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def estimate(spec: SweepSpec | str | Path, out: str | Path | None = None,
             workers: int | None = None, executor: str = "processes",
             samples: int = 3, afresh_if_changed: bool = False) -> str:
    """The `--dry-run` text: how many runs, how many left, and a time estimate from
    timing `samples` runs here (spread over the design). With `afresh_if_changed`
    (compare, study), a folder holding other runs counts as empty, as the command
    would start afresh there. Writes nothing."""
    note = ""
    if afresh_if_changed and not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    if (afresh_if_changed and out is not None and Store.state(out) == "sweep"
            and changed(Store(out), spec)):
        design, state = resolve(spec), "new"
        out = Path(out)
        note = f" (it holds other runs: the command would start afresh)"
    else:
        spec, out, design, state = prepare(spec, out)
    done = Store(out).done_runs() if state == "sweep" else set()
    todo = design[~design["run"].isin(done)]
    workers = 1 if executor == "serial" else (workers or default_workers())
    n_points = design["point"].nunique() if len(design) else 0
    lines = [f"{spec.title}: {spec.design} design over {len(spec.axes)} parameter(s), "
             f"{n_points} points x {spec.replicates} replicates = {len(design)} runs",
             f"  {len(done)} done in {out}/{note}, {len(todo)} to run"]
    if len(todo):
        pick = todo.iloc[[round(i * (len(todo) - 1) / max(samples - 1, 1))
                          for i in range(min(samples, len(todo)))]]
        result = run_task(next(tasks(spec, pick, len(pick))))
        per_run = float(result.summary["seconds"].mean())
        total = per_run * len(todo) / workers
        lines.append(f"  about {per_run:.3f} s per run (timed {len(pick)} here) -> about "
                     f"{_duration(total)} with {workers} worker(s) ({executor})")
    lines.append("  outputs: summary" + (" + weekly timeseries" if spec.timeseries else "")
                 + (" + estimates (analysis)" if spec.task == "study" else ""))
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = max(float(seconds), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(round(seconds), 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


__all__ = ["RunsFailed", "SweepReport", "estimate", "failed_runs_error", "run_sweep"]
