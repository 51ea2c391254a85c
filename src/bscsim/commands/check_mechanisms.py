"""`bscsim check-mechanisms [CONFIG] [--replicates N] [--workers W] [--out DIR]`

Runs the mechanism checks (docs/odd.md, section 8): one per arrow of the theory of
change the model claims, each a paired difference over N seeds with its 95%
interval, the mechanisms' effects measured at matched PDSA volume (the run with a
mechanism off replays the full run's PDSA starts). Prints the table and how much of
the three mechanisms' joint effect runs through the PDSA start rate alone. Exit
code 1 when any check fails.
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
    p.add_argument("--replicates", type=int, default=60,
                   help="paired seeds per configuration (>= 20; default 60)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="worker processes (default: 2, or 1 on one core)")
    p.add_argument("--out", help="also write the table (CSV) and provenance here")
    from ..formats import add_format_option
    add_format_option(p, "the checks")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (it shows on a terminal only)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..atomic import atomic_folder
    from ..cli import UsageError
    from ..mechanisms import check_mechanisms, format_table, start_rate_share
    from ..parallel import spawn_pool, stop
    from ..results import versions

    if not 20 <= args.replicates <= 10_000:
        raise UsageError(f"--replicates {args.replicates}: expected a whole number from 20 "
                         "to 10000 (the checks need at least 20 paired seeds)")
    if not 1 <= args.workers <= 256:
        raise UsageError(f"--workers {args.workers}: expected a whole number from 1 to 256")
    config = Path(args.config) if args.config else default_config_path()
    params = load_config(config)
    pool = spawn_pool(args.workers) if args.workers > 1 else None
    try:
        table, runs = check_mechanisms(params, args.replicates, pool=pool,
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
    from ..formats import render, say
    fmt = getattr(args, "format", "table")
    note = say(fmt)           # csv, json: stdout holds the data alone
    note(f"bscsim check-mechanisms: {config}, {args.replicates} paired seeds per "
          "configuration\n")
    print(format_table(table, share) if fmt == "table" else render(table, fmt))
    note("\n" + bottom_line(table, args.replicates))
    if args.out:
        with atomic_folder(args.out) as tmp:
            table.to_csv(tmp / "mechanisms.csv", index=False)
            (tmp / "provenance.json").write_text(json.dumps(
                {"config": params.to_dict(), "config_file": str(config),
                 "seeds": list(range(args.replicates)), "start_rate": share,
                 "versions": versions()}, indent=2))
    return 0 if table["passed"].all() else 1


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
