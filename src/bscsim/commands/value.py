"""`bscsim value DECISION.toml [--out DIR] [--quick] [--executor serial|processes|dask]
[--workers N] [--scheduler ADDRESS]`

Value of information: what resolving each uncertainty would be worth to a decision,
and whether a study is worth running first. Runs every option of the decision at
every parameter draw (common random numbers) through the sweep runner (parallel or
Dask; run it again to resume), then prints and saves to DIR (default
results/value/<file name>/): the probability each option is best and the
acceptability curve over willingness to pay; the EVPI per center and for the
state; the EVPPI of each mechanism group and of the top single parameters (GAM
regression, with standard errors and fit checks); the EVSI and expected net
benefit of sampling of the decision's [study] by its size; the bottom line in
words; CSV and Parquet tables with a data dictionary, figures, report.html and
provenance.json. See configs/decisions/ and docs/value.md. Needs the `value`
extra: pip install 'bscsim[value]'.

Exit status: 0 done, 2 a bad file or command line (nothing written).
"""

from __future__ import annotations

import argparse

from .sweep import add_executor_options, chosen_executor, kept_on_interrupt


def add_parser(sub) -> None:
    p = sub.add_parser("value", help="value of information: EVPI, EVPPI, EVSI of a "
                       "decision", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("decision", metavar="DECISION.toml", help="decision file")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: results/value/<file name>)")
    p.add_argument("--quick", action="store_true",
                   help="a small run (120 draws, two study sizes) to try a file")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..cli import UsageError
    from ..value import load_decision, run_value
    executor = chosen_executor(args)
    if args.dry_run:
        raise UsageError("--dry-run is not available for value; try --quick")
    decision = load_decision(args.decision)
    with kept_on_interrupt("value"):
        result = run_value(decision, args.out, executor=executor, workers=args.workers,
                           scheduler=args.scheduler, progress=not args.no_progress,
                           retry_failed=args.retry_failed, quick_run=args.quick)
    print(result)
    return 0
