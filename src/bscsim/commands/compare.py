"""`bscsim compare SCENARIOS.toml | CONFIG.toml CONFIG.toml ... [--replicates R]
[--workers N] [--report FILE] [--out DIR] [--seed N] [--set key=value ...]`

Runs every scenario of a scenario file with R replicates and common random numbers
(replicate r of every scenario uses the same seed), prints each impact and key
mechanism per scenario (median and 90% interval) with the paired difference from
the reference scenario, saves tidy results with provenance, and optionally writes
a self-contained HTML report. Given two or more run configs instead (e.g.
`bscsim compare configs/ccl_phase1.toml my_config.toml`), it compares them
directly, the first as the reference (default 10 replicates, root seed 0). See
docs/scenarios.md.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from ..config import parse_set


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="compare scenarios (QI strategies, policy levers)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenarios", nargs="+", metavar="FILE",
                   help="a scenario file (e.g. configs/scenarios/strategies.toml), or two "
                   "or more run configs to compare directly (the first is the reference)")
    p.add_argument("--replicates", type=int, help="replicates per scenario "
                   "(default: the file's)")
    p.add_argument("--workers", type=int, default=1,
                   help="local processes to run replicates on (default 1)")
    p.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    p.add_argument("--out", help="results folder (default: results/compare/<file>)")
    p.add_argument("--seed", type=int, help="root seed (default: the file's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change one parameter of the base, under every scenario "
                        "(repeatable)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..atomic import atomic_folder, check_out
    from ..cli import UsageError, check_seed
    from ..parallel import check_workers
    from ..scenarios import (MARKER, compare, configs_as_scenarios, is_scenario_file,
                             read_scenarios)
    from ..states import is_state_file

    if any(is_state_file(f) for f in args.scenarios):    # state rollouts
        from . import state
        return state.compare(args)
    if args.replicates is not None and args.replicates < 1:
        raise UsageError(f"--replicates {args.replicates}: must be at least 1")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    check_seed(args.seed)
    check_workers(args.workers)
    report = Path(args.report) if args.report else None
    if report is not None and report.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--report {report}: expected a file name ending in .html")
    if args.out is not None and not args.out.strip():
        raise UsageError("--out '': expected the name of a folder")
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
        name = "-vs-".join(s.name for s in spec.scenarios)
    out = Path(args.out) if args.out else Path("results") / "compare" / name
    check_out(out, MARKER, "compare")        # both outputs checked before any run
    if report is not None:
        check_report(report)
    comparison = compare(spec, workers=args.workers)
    html = None
    if report is not None:  # built before anything is written
        from ..scenarios.report import build_html, write_report
        html = build_html(comparison)
    print(comparison.table())
    # the results folder replaces `out` whole; the report is written before that
    # replacement, so a report that cannot be written leaves no results behind
    with atomic_folder(out, MARKER, "compare") as tmp:
        comparison.write(tmp, command=_command(args))
        if report is not None:
            inside = _inside(report, out)     # a report inside `out` goes with it
            write_report(comparison, tmp / inside if inside else report, html)
    print(f"\nsaved to {out}/")
    if report is not None:
        print(f"report: {report}")
    return 0


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
    for flag in ("replicates", "workers", "seed", "report", "out"):
        value = getattr(args, flag)
        if value is not None:
            parts += [f"--{flag}", str(value)]
    for item in args.set:
        parts += ["--set", item]
    return " ".join(shlex.quote(p) for p in parts)
