"""`bscsim check-mechanisms [CONFIG] [--replicates N] [--workers W] [--out DIR]`

Runs the mechanism checks (docs/odd.md, section 9): one per arrow of the theory of
change the model claims, from the learning mechanisms to children, turnover, time
for tests, spread and sustainment, each a paired difference over N seeds (default
200) with its 95% interval and its margin, (lower end of the interval - the bound)
/ SE: a check passes with margin at 3 SE or more. The mechanisms' effects are
measured at matched PDSA volume (the run with a mechanism off replays the full
run's PDSA starts). Runs go through the ensemble engine, in W processes. Prints
the table, how much of the three mechanisms' joint effect runs through the PDSA
start rate alone, and the time taken. Exit code 1 when any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ..config import default_config_path, load_config


def add_parser(sub) -> None:
    p = sub.add_parser("check-mechanisms", help="check each mechanism of the theory of change",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", help="TOML config (default: configs/ccl_phase1.toml)")
    p.add_argument("--replicates", type=int, default=200,
                   help="paired seeds per configuration (>= 20; default 200)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="worker processes (default: 2, or 1 on one core)")
    p.add_argument("--out", help="also write the table (CSV) and provenance here")
    from ..formats import add_format_option
    add_format_option(p, "the checks")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (it shows on a terminal only)")
    p.set_defaults(func=run)


MARKER = ("mechanisms.csv", "provenance.json")


def run(args) -> int:
    import time

    from ..atomic import atomic_folder, check_out
    from ..cli import UsageError
    from ..mechanisms import check_mechanisms, format_table, start_rate_share
    from ..parallel import spawn_pool, stop
    from ..results import versions

    if not 20 <= args.replicates <= 10_000:
        raise UsageError(f"--replicates {args.replicates}: expected a whole number from 20 "
                         "to 10000 (the checks need at least 20 paired seeds)")
    if not 1 <= args.workers <= 256:
        raise UsageError(f"--workers {args.workers}: expected a whole number from 1 to 256")
    if args.out is not None:
        check_out(args.out, MARKER, "check-mechanisms")   # before the analysis
    config = Path(args.config) if args.config else default_config_path()
    params = load_config(config)
    started = time.perf_counter()
    pool = spawn_pool(args.workers) if args.workers > 1 else None
    try:
        table, runs = check_mechanisms(params, args.replicates, pool=pool,
                                       workers=args.workers,
                                       progress=not args.no_progress)
        share = start_rate_share(runs)
    except KeyboardInterrupt:          # stop the runs now; cli prints one line
        if pool is not None:
            stop(pool)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.shutdown()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds()
    from ..formats import render, say
    fmt = getattr(args, "format", "table")
    note = say(fmt)           # csv, json: stdout holds the data alone
    note(f"bscsim check-mechanisms: {config}, {args.replicates} paired seeds per "
         "configuration\n")
    print(format_table(table, share) if fmt == "table" else render(table, fmt))
    note(f"{runs.n_configurations} configurations x {args.replicates} seeds in {seconds:.0f} s "
         f"({args.workers} process{'es' if args.workers > 1 else ''}"
         + (f", {cpu:.0f} s of CPU)." if cpu is not None else ")."))
    note("\n" + bottom_line(table, args.replicates))
    if args.out:
        with atomic_folder(args.out, MARKER, "check-mechanisms") as tmp:
            table.to_csv(tmp / "mechanisms.csv", index=False)
            (tmp / "provenance.json").write_text(json.dumps(
                {"config": params.to_dict(), "config_file": str(config),
                 "seeds": list(range(args.replicates)), "start_rate": share,
                 "versions": versions()}, indent=2))
    return 0 if table["passed"].all() else 1


def _cpu_seconds() -> float | None:
    """CPU time of this process and its finished worker processes (None where the
    platform does not say: no `resource` module)."""
    try:
        import resource
    except ImportError:
        return None
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                               resource.getrusage(resource.RUSAGE_CHILDREN)))


def bottom_line(table, replicates: int) -> str:
    """check-mechanisms in plain words: how many arrows of the theory hold in the
    model, on what evidence, and which do not."""
    n, total = int(table["passed"].sum()), len(table)
    failed = [f"{r.check} ({r.arrow})" for r in table.itertuples() if not r.passed]
    text = (f"Bottom line: {n} of the {total} arrows of the theory of change hold in the "
            f"model (each a difference paired over {replicates} seeds whose 95% interval "
            "lies on the side of zero the theory claims, and a dose-response rises step by step).")
    if failed:
        text += " Not shown: " + "; ".join(failed) + "."
    return text
