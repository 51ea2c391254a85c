"""`bscsim sensitivity SA.toml [--out DIR] [--executor serial|processes|dask]
[--workers N] [--scheduler ADDRESS] [--dry-run]`

Global sensitivity analysis (Morris screening or Sobol, optionally grouped by
mechanism) of the outputs named in an SA file (see configs/sensitivity/ and
docs/sensitivity.md). The SALib sample runs through the sweep runner, so it runs
in parallel or on Dask and resumes when run again; the indices with their 95%
intervals, the replicate noise and the convergence verdict are printed and saved
to DIR (default results/sensitivity/<name>/) with figures and provenance.

Exit status: 0 done, 1 some runs failed (reported; if a sample point has no
successful run at all there are no indices), 2 a bad SA file or command line
(nothing written).
"""

from __future__ import annotations

import argparse
import sys

from ..cli import UsageError


def add_parser(sub) -> None:
    p = sub.add_parser("sensitivity", help="sensitivity analysis: Morris or Sobol (SALib)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sa", metavar="SA.toml", help="sensitivity analysis file")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: results/sensitivity/<file name>)")
    p.add_argument("--executor", choices=("serial", "processes", "dask"),
                   default=None, help="where runs execute (default: processes, "
                   "or dask with --scheduler)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="an existing Dask scheduler: tcp://host:8786, or the JSON file "
                   "of `dask scheduler --scheduler-file` (see docs/cluster.md)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the number of runs and a time estimate, run nothing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..sensitivity import AnalysisError, run_sensitivity

    executor = args.executor or ("dask" if args.scheduler else "processes")
    if args.scheduler and executor != "dask":
        raise UsageError(f"--scheduler needs --executor dask, not {executor}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")
    if args.dry_run:
        from ..sensitivity.runner import estimate
        print(estimate(args.sa, args.out, workers=args.workers, executor=executor))
        return 0
    try:
        result = run_sensitivity(args.sa, args.out, executor=executor,
                                 workers=args.workers, scheduler=args.scheduler,
                                 progress=not args.no_progress)
    except KeyboardInterrupt:
        print("bscsim sensitivity: finished runs are saved; run the same command again "
              "to resume", file=sys.stderr)
        raise
    except AnalysisError as e:
        print(f"bscsim sensitivity: {e}", file=sys.stderr)
        return 1
    print(result)
    return 1 if result.failed else 0
