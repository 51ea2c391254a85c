"""`bscsim compare SCENARIOS.toml [--replicates R] [--workers N] [--report FILE]
[--out DIR] [--seed N] [--set key=value ...]`

Runs every scenario of a scenario file with R replicates and common random numbers
(replicate r of every scenario uses the same seed), prints each impact and key
mechanism per scenario (median and 90% interval) with the paired difference from
the reference scenario, saves tidy results with provenance, and optionally writes
a self-contained HTML report. See docs/scenarios.md.
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
    p.add_argument("scenarios", help="scenario file (TOML), e.g. "
                   "configs/scenarios/strategies.toml")
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
    from ..cli import UsageError
    from ..scenarios import compare, read_scenarios

    if args.replicates is not None and args.replicates < 1:
        raise UsageError(f"--replicates {args.replicates}: must be at least 1")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be 0 or more")
    report = Path(args.report) if args.report else None
    if report is not None and report.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--report {report}: expected a file name ending in .html")
    spec = read_scenarios(args.scenarios, replicates=args.replicates, seed=args.seed,
                          base_changes=parse_set(args.set))
    out = Path(args.out) if args.out else Path("results") / "compare" / spec.path.stem
    comparison = compare(spec, workers=args.workers)
    html = None
    if report is not None:  # built before anything is written
        from ..report import build_html, write_report
        html = build_html(comparison)
    print(comparison.table())
    comparison.save(out, command=_command(args))
    print(f"\nsaved to {out}/")
    if report is not None:
        write_report(comparison, report, html)
        print(f"report: {report}")
    return 0


def _command(args) -> str:
    """The command line that reproduces this comparison."""
    parts = ["bscsim", "compare", args.scenarios]
    for flag in ("replicates", "workers", "seed", "report", "out"):
        value = getattr(args, flag)
        if value is not None:
            parts += [f"--{flag}", str(value)]
    for item in args.set:
        parts += ["--set", item]
    return " ".join(shlex.quote(p) for p in parts)
