"""`bscsim explore EXPLORATION.toml [--out DIR] [--executor serial|processes|dask]
[--workers N] [--scheduler ADDRESS] [--dry-run]`
`bscsim explore --sweep DIR --output NAME [--threshold X]`

Exploratory modelling: every candidate policy (levers) in every sampled future
(uncertainties), replicates with common random numbers, through the sweep runner
(parallel or Dask; run it again to resume). Prints and saves to DIR (default
results/explorations/<name>/) the robustness of each policy (satisficing share,
regret, worst decile, cost) and a scenario discovery (PRIM box with quasi-p-values
and stability, feature scores) of where the `discover` output misses its threshold.
See configs/explorations/ and docs/explore.md. Scenario discovery needs EMA
Workbench: pip install 'bscsim[ema]'.

With --sweep, only the scenario discovery runs, on an existing sweep folder: its
varied parameters against NAME missing its declared threshold (or X); nothing is
written.

Exit status: 0 done, 1 some runs failed (reported), 2 a bad file or command line
(nothing written).
"""

from __future__ import annotations

import argparse

from .sweep import add_executor_options, chosen_executor, kept_on_interrupt


def add_parser(sub) -> None:
    p = sub.add_parser("explore", help="exploratory modelling: robust policies, "
                       "scenario discovery (PRIM)", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("exploration", metavar="EXPLORATION.toml", nargs="?",
                   help="exploration file")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: results/explorations/<file name>)")
    p.add_argument("--sweep", metavar="DIR",
                   help="scenario discovery on an existing sweep folder instead")
    p.add_argument("--output", metavar="NAME", help="with --sweep: the output whose "
                   "failure to explain")
    p.add_argument("--threshold", type=float, metavar="X",
                   help="with --sweep: the threshold of success (default: declared)")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..cli import UsageError
    from ..explore import discover_sweep, run_exploration

    from ..cli import check_number
    check_number(args.threshold, "--threshold", -1e12, 1e12, "a finite number")
    executor = chosen_executor(args)
    if args.sweep:
        if args.exploration or not args.output:
            raise UsageError("--sweep DIR takes --output NAME (and no exploration file)")
        print(discover_sweep(args.sweep, args.output, args.threshold).text())
        return 0
    if not args.exploration:
        raise UsageError("name an exploration file (EXPLORATION.toml) or --sweep DIR")
    if args.output or args.threshold is not None:
        raise UsageError("--output and --threshold go with --sweep; an exploration file "
                         "sets discover and [thresholds]")
    if args.dry_run:
        from ..explore.runner import estimate
        print(estimate(args.exploration, args.out, workers=args.workers,
                       executor=executor))
        return 0
    with kept_on_interrupt("explore"):
        result = run_exploration(args.exploration, args.out, executor=executor,
                                 workers=args.workers, scheduler=args.scheduler,
                                 progress=not args.no_progress,
                                 retry_failed=args.retry_failed)
    print(result)
    return 1 if result.failed else 0
