"""`bscsim sweep SWEEP.toml [--out DIR] [--set key=value ...] [--replicates N] [--csv]
[--posterior DIR] [--executor serial|processes|dask] [--workers N]
[--scheduler ADDRESS] [--dry-run]`

Runs a parameter sweep (a grid, random, Latin hypercube or Sobol design; see
configs/sweeps/) and streams one row per run to DIR (default
results/sweeps/<name>/): one Parquet dataset per table (DIR/summary/,
DIR/timeseries/), a data dictionary and a manifest. `--set` and `--replicates`
change the sweep file as written (recorded in the manifest). With `--posterior DIR`
(a folder written by `bscsim calibrate`) each run also gets one posterior draw of
the parameters the sweep neither varies nor sets (replicate r of every point the
same draw with common random numbers). Running the same command again resumes:
finished runs are skipped. Read the results with
`bscsim.load_sweep(DIR)`, or with pandas, pyarrow, duckdb or polars directly.

Exit status: 0 all runs ok, 1 the sweep finished but some runs failed (counted and
recorded with their error; `--retry-failed` runs them again), 2 a bad sweep file or
command line (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..cli import UsageError


MAX_BATCH_SIZE = 10_000      # runs per task: more only fills a worker's memory


def add_parser(sub) -> None:
    p = sub.add_parser("sweep", help="run a parameter sweep (resumable)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sweep", metavar="SWEEP.toml", help="sweep file")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: results/sweeps/<sweep name>)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="fix one more parameter of the base config (repeatable), as "
                   "if added to the file's [set]")
    p.add_argument("--replicates", type=int, metavar="N",
                   help="replicates per design point (default: the sweep file's)")
    p.add_argument("--csv", action="store_true",
                   help="also write summary.csv (and timeseries.csv) for spreadsheets")
    add_executor_options(p)
    p.add_argument("--batch-size", type=int, metavar="N",
                   help="runs per task, simulated together by the ensemble engine "
                        "(default: automatic, at most 200)")
    add_posterior_option(p)
    p.add_argument("--tables", choices=("timeseries",), metavar="timeseries",
                   help="also keep every run's weekly timeseries (as timeseries = true "
                   "in the sweep file), without editing the file")
    p.set_defaults(func=run)


def add_posterior_option(p) -> None:
    """--posterior DIR, as every analysis command takes it."""
    p.add_argument("--posterior", metavar="DIR",
                   help="a posterior folder (posterior.parquet, written by bscsim "
                   "calibrate): each run at one posterior draw, so the intervals include "
                   "parameter uncertainty as well as chance")


def checked_posterior(folder: str | None) -> str | None:
    """The --posterior folder if it can be used, else a one-line usage error."""
    if folder is None:
        return None
    from ..posterior import PosteriorError, load_posterior
    try:
        load_posterior(folder)
    except PosteriorError as e:
        raise UsageError(f"--posterior {e}") from None
    return folder


def add_executor_options(p, default: str = "processes",
                         workers: str = "all cores") -> None:
    """Where runs execute, shared by every command that runs through the sweep
    runner (`sweep`, `sensitivity`, `compare`, `study`)."""
    p.add_argument("--executor", choices=("serial", "processes", "dask"),
                   default=None, help=f"where runs execute (default: {default}, "
                   "or dask with --scheduler)")
    p.add_argument("--workers", type=int, metavar="N",
                   help=f"worker processes (default: {workers})")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="an existing Dask scheduler: tcp://host:8786, or the JSON file "
                   "of `dask scheduler --scheduler-file` (see docs/cluster.md)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the number of runs and a time estimate, run nothing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--retry-failed", action="store_true",
                   help="when resuming, run the runs recorded as failed again")


@contextmanager
def kept_on_interrupt(command: str, runs=None) -> Iterator[None]:
    """Ctrl-C during a resumable run of `command`: say that the finished runs are
    kept (in folder `runs`, if given) and how to resume, then stop as usual."""
    try:
        yield
    except KeyboardInterrupt:
        where = f" in {runs}/" if runs is not None else ""
        print(f"bscsim {command}: finished runs are saved{where}; run the same command "
              "again to resume", file=sys.stderr)
        raise


def chosen_executor(args) -> str:
    """The executor the options name; contradictions are one-line usage errors."""
    executor = args.executor or ("dask" if args.scheduler else "processes")
    if args.scheduler and executor != "dask":
        raise UsageError(f"--scheduler needs --executor dask, not {executor}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")
    from ..cli import check_path_option
    from ..parallel import check_workers
    if args.scheduler is None:       # a Dask cluster has the workers it has
        check_workers(args.workers)
    check_path_option(args.out, "--out")
    check_scheduler(args.scheduler)
    return executor


def check_scheduler(scheduler: str | None) -> None:
    """--scheduler: an address (tcp://host:8786) or the JSON file `dask scheduler
    --scheduler-file` writes (a table with an address), checked before any work,
    --dry-run included."""
    import json

    from ..atomic import read_small
    from ..config import ConfigError
    if scheduler is None or "://" in scheduler:
        return
    try:
        info = json.loads(read_small(Path(scheduler), 1 << 20).decode("utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--scheduler {scheduler}: no such file; give tcp://host:8786 "
                         "or the file of `dask scheduler --scheduler-file`") from None
    except (ConfigError, OSError, ValueError, RecursionError) as e:
        why = str(e) if isinstance(e, ConfigError) else "not readable JSON"
        raise UsageError(f"--scheduler {scheduler}: {why}; expected the JSON file of "
                         "`dask scheduler --scheduler-file` or tcp://host:8786") from None
    if not isinstance(info, dict) or "://" not in str(info.get("address", "")):
        raise UsageError(f"--scheduler {scheduler}: not a Dask scheduler file (a JSON "
                         "table with an address such as tcp://host:8786)")


def run(args) -> int:
    from ..config import parse_set
    from ..sweep import estimate, load_spec, run_sweep

    executor = chosen_executor(args)
    if args.batch_size is not None and not 1 <= args.batch_size <= MAX_BATCH_SIZE:
        raise UsageError(f"--batch-size {args.batch_size}: expected a whole number from 1 "
                         f"to {MAX_BATCH_SIZE:,}")
    if args.replicates is not None and args.replicates < 1:
        raise UsageError(f"--replicates {args.replicates}: expected at least 1")
    spec = load_spec(args.sweep)
    changes = {}
    if args.set:
        changes["changes"] = parse_set(args.set)
    if args.replicates is not None:
        changes["replicates"] = args.replicates
    if args.posterior is not None:
        changes["posterior"] = checked_posterior(args.posterior)
    if getattr(args, "tables", None) == "timeseries":
        changes["timeseries"] = True
    if changes:
        spec = spec.replace(**changes)
    if args.dry_run:
        print(estimate(spec, args.out, workers=args.workers, executor=executor))
        return 0
    with kept_on_interrupt("sweep"):
        report = run_sweep(spec, args.out, executor=executor, workers=args.workers,
                           scheduler=args.scheduler, batch_size=args.batch_size,
                           progress=not args.no_progress, retry_failed=args.retry_failed,
                           csv=args.csv)
    print(report)
    if spec.posterior is not None:
        print(sweep_uncertainty(spec))
    if report.complete:
        print("\n" + sweep_bottom_line(spec, report.out))
    return 1 if report.failed else 0


def sweep_uncertainty(spec) -> str:
    """Which uncertainty the runs of a sweep with a posterior carry."""
    from ..posterior import uncertainty_text
    from ..sweep.design import posterior_drawn
    per = "replicate" if spec.common_random_numbers else "run"
    text = uncertainty_text({"folder": spec.posterior, "drawn": posterior_drawn(spec)}, per)
    return ("with a posterior: " + text.replace("the intervals include", "the runs carry")
            + " (each run's drawn values are columns of its row)")


def sweep_bottom_line(spec, out, output: str = "practice_gain_sd") -> str:
    """A sweep in plain words: how far `output` moves across the design (lowest and
    highest design point, mean over its replicates), which varied parameter it
    follows most (Spearman rank correlation over runs), and how much replicates of
    one point differ by chance (their mean standard deviation)."""
    import numpy as np

    from ..outputs import BY_NAME
    from ..sweep import load_sweep
    df = load_sweep(out)
    if output not in df.columns or not spec.names:
        return ""
    df = df[df["status"] == "ok"] if "status" in df.columns else df
    names = list(spec.names)
    points = df.groupby(names)[output].agg(["mean", "std", "count"]).reset_index()
    if points.empty:
        return ""
    low, high = points.loc[points["mean"].idxmin()], points.loc[points["mean"].idxmax()]

    def where(r) -> str:
        return ", ".join(f"{n} = {r[n]:.3g}" for n in names)
    label = f"{output} ({BY_NAME[output].unit})" if output in BY_NAME else output
    rho = {n: df[n].rank().corr(df[output].rank()) for n in names}
    strongest = max(rho, key=lambda n: abs(rho[n]) if np.isfinite(rho[n]) else -1)
    text = (f"Bottom line ({len(df):,} runs, {len(points):,} design points): {label} "
            f"ranges from {low['mean']:.3f} (at {where(low)}) to {high['mean']:.3f} (at "
            f"{where(high)}), each the mean of a point's replicates; it follows "
            f"{strongest} most (rank correlation {rho[strongest]:+.2f} over runs).")
    if points["count"].min() > 1:
        text += (f" Replicates of one point differ by {points['std'].mean():.3f} on "
                 "average (standard deviation): differences between points smaller than "
                 "that are mostly chance.")
    else:
        text += (" One run per point: a point's value is one draw, so read the trend, "
                 "not single points.")
    return text
