"""`bscsim sensitivity SA.toml [--out DIR] [--posterior DIR]
[--executor serial|processes|dask] [--workers N] [--scheduler ADDRESS] [--dry-run]`

Global sensitivity analysis (Morris screening or Sobol, optionally grouped by
mechanism) of the outputs named in an SA file (see configs/sensitivity/ and
docs/sensitivity.md). The SALib sample runs through the sweep runner, so it runs
in parallel or on Dask and resumes when run again; the indices with their 95%
intervals, the replicate noise and the convergence verdict are printed and saved
to DIR (default results/sensitivity/<name>/) with figures and provenance. With
--posterior DIR (a folder written by `bscsim calibrate`), the parameters the sample
does not vary are drawn from the posterior, one draw per run (replicate r of every
sample point the same draw with common random numbers).

Exit status: 0 done, 1 some runs failed (reported; if a sample point has no
successful run at all there are no indices), 2 a bad SA file or command line
(nothing written).
"""

from __future__ import annotations

import argparse
import sys

from .sweep import (add_executor_options, add_posterior_option, checked_posterior,
                    chosen_executor, kept_on_interrupt)


def add_parser(sub) -> None:
    p = sub.add_parser("sensitivity", help="sensitivity analysis: Morris or Sobol (SALib)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sa", metavar="SA.toml", help="sensitivity analysis file")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: results/sensitivity/<file name>)")
    add_posterior_option(p)
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..sensitivity import AnalysisError, run_sensitivity

    executor = chosen_executor(args)
    posterior = checked_posterior(args.posterior)
    if args.dry_run:
        from ..sensitivity.runner import estimate
        print(estimate(args.sa, args.out, workers=args.workers, executor=executor,
                       posterior=posterior))
        return 0
    try:
        with kept_on_interrupt("sensitivity"):
            result = run_sensitivity(args.sa, args.out, executor=executor,
                                     workers=args.workers, scheduler=args.scheduler,
                                     progress=not args.no_progress,
                                     retry_failed=args.retry_failed, posterior=posterior)
    except AnalysisError as e:
        print(f"bscsim sensitivity: {e}", file=sys.stderr)
        return 1
    print(result)
    return 1 if result.failed else 0
