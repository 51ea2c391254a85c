"""`bscsim calibrate CALIBRATION.toml [--out DIR] [--executor serial|processes|dask]
[--workers N] [--restart] [--no-progress] [--data DIR] [--quick] [--population N]`

Fits the uncertain parameters a calibration file declares (priors) to its targets
(pattern ranges, or summary statistics of your own collaborative's data) with
ABC (pyabc; [abc] method = "smc" or "rejection"), and writes the posterior sample
with its diagnostics and posterior predictive checks to DIR (default
results/calibrate/<file name>). The same command again resumes a killed run from
its last finished generation and the finished batches of the running one;
--restart starts over. See docs/calibration.md. Needs the extra: pip install 'bscsim[calibrate]'.

Exit status: 0 done, 2 a bad calibration file, data file or command line (nothing
written).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("calibrate", help="fit uncertain parameters to patterns or data "
                       "(ABC, resumable)", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("calibration", metavar="CALIBRATION.toml", help="calibration file")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: results/calibrate/<file name>)")
    p.add_argument("--executor", choices=("serial", "processes", "dask"),
                   default="processes", help="where runs execute (default: processes)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: all cores)")
    p.add_argument("--restart", action="store_true",
                   help="start again in an --out that holds a calibration of other "
                   "settings, or from scratch")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.add_argument("--data", metavar="DIR",
                   help="folder of your collaborative's CSV records (any path); replaces "
                   "the file's data = ...")
    p.add_argument("--population", type=int, metavar="N",
                   help="particles per generation (replaces [abc] population)")
    p.add_argument("--quick", action="store_true",
                   help=f"try it small: {QUICK['population']} particles, "
                   f"{QUICK['generations']} generations, {QUICK['predictive']} predictive "
                   "draws (a first look, not a fit to trust)")
    p.set_defaults(func=run)


# `--quick`: an ABC small enough to try a calibration file in a minute or two.
QUICK = {"population": 40, "generations": 2, "predictive": 20}


def small(cal, quick: bool, population: int | None):
    """The calibration with --quick and --population applied to its [abc]."""
    from dataclasses import replace

    from ..cli import UsageError
    abc = cal.abc
    if quick:
        abc = replace(abc, population=min(abc.population, QUICK["population"]),
                      generations=min(abc.generations, QUICK["generations"]),
                      predictive=min(abc.predictive, QUICK["predictive"]))
    if population is not None:
        if not 10 <= population <= 100_000:
            raise UsageError(f"--population {population}: expected a whole number from "
                             "10 to 100,000")
        abc = replace(abc, population=population)
    return replace(cal, abc=abc)


def run(args) -> int:
    from ..cli import UsageError
    from ..config import ConfigError
    from ..parallel import check_workers
    from ..calibrate.spec import load_calibration

    from ..cli import check_path_option
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")
    check_workers(args.workers)
    check_path_option(args.out, "--out")
    cal = small(load_calibration(args.calibration, args.data), args.quick,
                args.population)
    for t in cal.targets:
        if t.note:
            print(f"target {t.name}: {t.note}")
    try:
        from ..calibrate import smc  # noqa: F401 - needs pyabc
    except ImportError:
        raise ConfigError("bscsim calibrate needs the optional extra: pip install "
                          "'bscsim[calibrate]'") from None
    from ..calibrate.run import calibrate, format_report, prepare, verdicts
    from ..calibrate.smc import stderr_progress

    out = Path(args.out) if args.out is not None else Path("results/calibrate") / Path(
        args.calibration).stem
    prepare(cal, out, args.restart)
    how = ("rejection from the prior at tolerance 0" if cal.abc.method == "rejection"
           else f"ABC-SMC, up to {cal.abc.generations} generations")
    print(f"bscsim calibrate: {cal.source}: {len(cal.priors)} parameters, "
          f"{len(cal.targets)} targets, {cal.abc.population} particles, {how} "
          f"-> {out}", flush=True)
    info = calibrate(cal, out, args.executor, args.workers, args.restart,
                     None if args.no_progress else stderr_progress)
    print(format_report(out))
    print(f"\nstopped: {info['stop']}; {info['generations']} generations, "
          f"{info['runs']:,} runs, final ESS {info['ess']:.0f}"
          + (" (resumed)" if info["resumed"] else ""))
    print("\n" + verdicts(out, cal))
    if args.quick:
        print(f"(--quick: {cal.abc.population} particles, {cal.abc.generations} "
              "generations: a first look at the file and the data, not a fit to trust)")
    print(f"wrote {out}/ (posterior.parquet, diagnostics, figures, provenance.json); "
          f"validate: bscsim check-patterns --posterior {out}")
    return 0
