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
    from ..cli import UsageError
    from ..scenarios import compare, configs_as_scenarios, is_scenario_file, read_scenarios

    if args.replicates is not None and args.replicates < 1:
        raise UsageError(f"--replicates {args.replicates}: must be at least 1")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be 0 or more")
    report = Path(args.report) if args.report else None
    if report is not None and report.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--report {report}: expected a file name ending in .html")
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
    comparison = compare(spec, workers=args.workers)
    html = None
    if report is not None:  # built before anything is written
        from ..scenarios.report import build_html, write_report
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
    parts = ["bscsim", "compare", *args.scenarios]
    for flag in ("replicates", "workers", "seed", "report", "out"):
        value = getattr(args, flag)
        if value is not None:
            parts += [f"--{flag}", str(value)]
    for item in args.set:
        parts += ["--set", item]
    return " ".join(shlex.quote(p) for p in parts)
