"""`bscsim compare SCENARIOS.toml | CONFIG.toml CONFIG.toml ... [--replicates R]
[--report FILE] [--out DIR] [--seed N] [--set key=value ...] [--posterior DIR]
[--executor serial|processes|dask] [--workers N] [--scheduler ADDRESS] [--dry-run]`

Runs every scenario of a scenario file with R replicates and common random numbers
(replicate r of every scenario uses the same seed), prints each impact and key
mechanism per scenario (median and 90% interval) with the paired difference from
the reference scenario, saves tidy results with provenance, and optionally writes
a self-contained HTML report. Given two or more run configs instead (e.g.
`bscsim compare configs/ccl_phase1.toml my_config.toml`), it compares them
directly, the first as the reference (default 10 replicates, root seed 0).

The runs go through the sweep runner into DIR/runs/: serially (default), on N
local processes (--workers N) or on Dask; an interrupted comparison resumes when
the same command runs again. With --posterior DIR (a folder written by `bscsim
calibrate`), replicate r of every scenario runs at one posterior draw, so the
intervals include parameter uncertainty as well as chance. See docs/scenarios.md.

Exit status: 0 done, 1 some runs failed (kept in DIR/runs/; --retry-failed runs
them again), 2 a bad file or command line (nothing written).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..config import parse_set

RUNS = ("runs",)     # the sweep folder of the runs, kept when the results are replaced


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="compare scenarios (QI strategies, policy levers)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenarios", nargs="+", metavar="FILE",
                   help="a scenario file (e.g. configs/scenarios/strategies.toml), or two "
                   "or more run configs to compare directly (the first is the reference)")
    p.add_argument("--replicates", type=int, help="replicates per scenario "
                   "(default: the file's)")
    p.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    p.add_argument("--out", help="results folder (default: results/compare/<file>)")
    p.add_argument("--seed", type=int, help="root seed (default: the file's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change one parameter of the base, under every scenario "
                        "(repeatable)")
    add_analysis_options(p)
    from ..formats import add_format_option
    add_format_option(p, "each output's medians, intervals and paired differences")
    p.add_argument("--plot", metavar="FILE.png",
                   help="write the figure of paired differences from the reference "
                   "(.png, .pdf or .svg), without an HTML report")
    p.set_defaults(func=run)


def add_analysis_options(p) -> None:
    """--posterior and the sweep runner's options, as compare and study take them
    (one worker unless --workers says more)."""
    from .sweep import add_executor_options, add_posterior_option
    add_posterior_option(p)
    add_executor_options(p, default="serial, or processes with --workers N > 1",
                         workers="1")


def analysis_executor(args) -> str:
    """The executor of compare and study: as for sweeps, but one process (serial)
    unless --workers or --executor says otherwise."""
    from .sweep import chosen_executor
    if args.executor is None and args.scheduler is None:
        args.executor = "processes" if (args.workers or 1) > 1 else "serial"
    return chosen_executor(args)


def run(args) -> int:
    from ..atomic import atomic_folder, check_out
    from ..cli import UsageError, check_seed
    from ..parallel import check_workers
    from ..scenarios import (MARKER, RunsFailed, compare, configs_as_scenarios,
                             is_scenario_file, read_scenarios, sweep_of)
    from ..scenarios.comparison import default_name
    from .sweep import checked_posterior, kept_on_interrupt
    from ..states import is_state_file

    if any(is_state_file(f) for f in args.scenarios):    # state rollouts
        from . import state
        return state.compare(args)
    if args.replicates is not None and args.replicates < 1:
        raise UsageError(f"--replicates {args.replicates}: must be at least 1")
    executor = analysis_executor(args)
    check_seed(args.seed)
    check_workers(args.workers)
    posterior = checked_posterior(args.posterior)
    from ..cli import check_path_option
    check_path_option(args.report, "--report")
    report = Path(args.report) if args.report is not None else None
    if report is not None and report.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--report {report}: expected a file name ending in .html")
    if args.out is not None and not args.out.strip():
        raise UsageError("--out '': expected the name of a folder")
    plot = _checked_plot(args)
    changes = parse_set(args.set)
    if len(args.scenarios) == 1:
        if not is_scenario_file(args.scenarios[0]):
            raise UsageError(f"{args.scenarios[0]} is a run config, not a scenario file: "
                             "give two or more configs to compare them, e.g. bscsim compare "
                             f"configs/ccl_phase1.toml {args.scenarios[0]}")
        spec = read_scenarios(args.scenarios[0], replicates=args.replicates, seed=args.seed,
                              base_changes=changes)
        name = spec.path.stem
    else:
        spec = configs_as_scenarios(args.scenarios, replicates=args.replicates,
                                    seed=args.seed, base_changes=changes)
        name = default_name(spec)
    out = Path(args.out) if args.out else Path("results") / "compare" / name
    check_out(out, MARKER, "compare", keep=RUNS)   # both outputs checked before any run
    if report is not None:
        check_report(report)
    if args.dry_run:
        from ..sweep import estimate
        print(estimate(sweep_of(spec, posterior), out / "runs", workers=args.workers,
                       executor=executor, afresh_if_changed=True))
        return 0
    try:
        with kept_on_interrupt("compare", out / "runs"):
            comparison = compare(spec, workers=args.workers or 1, executor=executor,
                                 out=out / "runs", scheduler=args.scheduler,
                                 progress=not args.no_progress,
                                 retry_failed=args.retry_failed, posterior=posterior)
    except RunsFailed as e:
        print(f"bscsim compare: {e}; to run them again: the same command with "
              "--retry-failed", file=sys.stderr)
        return 1
    html = None
    if report is not None:  # built before anything is written
        from ..scenarios.report import build_html, write_report
        html = build_html(comparison)
    from ..formats import render, say
    fmt = getattr(args, "format", "table")
    note = say(fmt)           # csv, json: stdout holds the data alone
    if fmt == "table":
        print(comparison.table())
    else:
        st = comparison.stats()
        print(render(st[st["output"].isin(spec.outputs)], fmt))
        note("\n" + comparison.bottom_line())
    # the results folder replaces `out` whole; the report is written before that
    # replacement, so a report that cannot be written leaves no results behind
    with atomic_folder(out, MARKER, "compare", keep=RUNS) as tmp:
        comparison.write(tmp, command=_command(args))
        if report is not None:
            inside = _inside(report, out)     # a report inside `out` goes with it
            write_report(comparison, tmp / inside if inside else report, html)
    note(f"\nsaved to {out}/")
    if report is not None:
        note(f"report: {report}")
    if plot is not None:
        _write_plot(comparison, plot)
        note(f"figure: {plot}")
    return 0


PLOT_SUFFIXES = (".png", ".pdf", ".svg")


def _checked_plot(args) -> Path | None:
    """`--plot FILE`, checked before anything runs."""
    if not getattr(args, "plot", None):
        return None
    from ..cli import UsageError
    plot = Path(args.plot)
    if plot.suffix.lower() not in PLOT_SUFFIXES:
        raise UsageError(f"--plot {plot}: expected a file name ending in "
                         f"{', '.join(PLOT_SUFFIXES)}")
    check_report(plot)
    return plot


def _write_plot(comparison, plot: Path) -> None:
    """The differences figure of the report (scenarios/plots.py), alone."""
    import os
    import tempfile

    import matplotlib.pyplot as plt

    from ..scenarios import plots as cp
    spec = comparison.spec
    labels = {s.name: s.label for s in spec.scenarios}
    fig = cp.differences(comparison.stats(), spec.names, labels, spec.reference)
    plot.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{plot.name}.", suffix=plot.suffix, dir=plot.parent)
    os.close(fd)
    try:                        # whole or absent: a temporary file, then a rename
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
        os.replace(tmp, plot)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)


def _inside(path: Path, folder: Path) -> Path | None:
    """`path` relative to `folder` if it lies inside it, else None."""
    try:
        return path.resolve().relative_to(folder.resolve())
    except ValueError:
        return None


def check_report(report: Path) -> None:
    """A one-line error unless the report file can be written (checked before runs)."""
    import os

    from ..atomic import existing_parent
    from ..cli import UsageError
    if report.is_dir():
        raise UsageError(f"--report {report}: is a folder; expected a file name ending "
                         "in .html")
    parent = existing_parent(report)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--report {report}: cannot write in {parent} (permission "
                         "denied, read-only or not a folder)")
    if report.exists() and not os.access(report, os.W_OK):
        raise UsageError(f"--report {report}: the file is not writable")


def _command(args) -> str:
    """The command line that reproduces this comparison."""
    parts = ["bscsim", "compare", *args.scenarios]
    for flag in ("replicates", "executor", "workers", "seed", "report", "out", "posterior"):
        value = getattr(args, flag)
        if value is not None:
            parts += [f"--{flag}", str(value)]
    for item in args.set:
        parts += ["--set", item]
    return " ".join(shlex.quote(p) for p in parts)
