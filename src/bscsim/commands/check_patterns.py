"""`bscsim check-patterns [CONFIG] [--replicates N] [--out DIR] [--posterior DIR]
[--held-out]`

Runs the patterns the field has observed (docs/calibration.md) on a config (default:
the default config) over N paired replicates (default 400) and prints, for each: the empirical range, the
model value with its 95% interval, its margin (standard errors from the mean, or a
comparison's interval, to the nearest edge of the range: 3 or more passes with
margin), and pass or fail. Exit code 1 when any fails.

With --posterior DIR (a folder written by `bscsim calibrate`), replicate r runs at
posterior draw r (weighted resampling, seed 0), so each interval includes parameter
uncertainty as well as chance; the base config is the calibration's own unless
CONFIG is given. The table then says which patterns were fitting targets of that
calibration and which are validation, and adds the held-out patterns (H1, H2),
which --held-out also adds without a posterior.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..config import default_config_path, load_config


def add_parser(sub) -> None:
    p = sub.add_parser("check-patterns", help="check the model against observed patterns",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", help="TOML config (default: configs/ccl_phase1.toml)")
    p.add_argument("--replicates", type=int, default=400,
                   help="paired seeds per configuration (>= 2; default 400: each pattern then "
                        "passes with 3 SE of margin; pattern 3a sits 0.04 above its floor)")
    p.add_argument("--out", help="also write the table (CSV) and provenance here")
    from ..formats import add_format_option
    add_format_option(p, "the checks")
    p.add_argument("--posterior", metavar="DIR",
                   help="run each replicate at a posterior draw of this calibration "
                   "folder (bscsim calibrate)")
    p.add_argument("--held-out", action="store_true",
                   help="add the held-out patterns H1, H2 (always with --posterior)")
    p.set_defaults(func=run)


MARKER = ("patterns.csv", "provenance.json")
MAX_REPLICATES = 10_000


def run(args) -> int:
    from ..atomic import atomic_folder, check_out
    from ..cli import UsageError
    from ..patterns import check_patterns, format_table

    if not 2 <= args.replicates <= MAX_REPLICATES:
        raise UsageError(f"--replicates {args.replicates}: expected a whole number from 2 "
                         f"(for an interval) to {MAX_REPLICATES:,}")
    if args.out is not None:
        check_out(args.out, MARKER, "check-patterns")     # before the runs
    draws, fitted, origin = None, (), ""
    if args.posterior:
        from ..posterior import PosteriorError, posterior_draws
        try:
            draws = posterior_draws(args.posterior, args.replicates, seed=0)
        except PosteriorError as e:
            raise UsageError(f"--posterior {e}") from None
        fitted, base = _calibration_of(Path(args.posterior))
        origin = (f", parameters {', '.join(draws[0])} "
                  f"drawn from the posterior {args.posterior}")
    if args.config:
        config, params = Path(args.config), load_config(args.config)
    elif args.posterior and base is not None:
        config, params = Path(args.posterior) / "provenance.json", load_config(base)
    else:
        config = default_config_path()
        params = load_config(config)
    table, _ = check_patterns(params, args.replicates, draws=draws,
                              held_out=args.held_out or draws is not None)
    if draws is not None:
        table.insert(1, "role", ["held-out" if k.startswith("H") else
                                 "fitted" if k in fitted else "validation"
                                 for k in table["pattern"]])
    from ..formats import render, say
    fmt = getattr(args, "format", "table")
    note = say(fmt)           # csv, json: stdout holds the data alone
    note(f"bscsim check-patterns: {config}, {args.replicates} replicates per "
          f"configuration{origin}\n")
    print(format_table(table) if fmt == "table" else render(table, fmt))
    note("\n" + bottom_line(table, args.replicates))
    if args.out is not None:
        with atomic_folder(args.out, MARKER, "check-patterns") as tmp:   # whole or none
            _write(tmp, table, params, config, args, draws)
    return 0 if table["passed"].all() else 1


def _write(out: Path, table, params, config, args, draws) -> None:
    from ..results import versions
    table.to_csv(out / "patterns.csv", index=False)
    (out / "provenance.json").write_text(json.dumps(
            {"config": params.to_dict(), "config_file": str(config),
             "seeds": list(range(args.replicates)), "posterior": args.posterior,
             "draws": draws, "versions": versions()}, indent=2))


def _calibration_of(folder: Path) -> tuple[tuple[str, ...], dict | None]:
    """The patterns a calibration folder was fitted to, and its resolved config
    (None when the folder has no readable provenance)."""
    from ..cli import UsageError
    from ..posterior import PosteriorError, provenance_of
    try:
        prov = provenance_of(folder)
    except PosteriorError as e:
        raise UsageError(f"--posterior {e}") from None
    fitted = tuple(t["source"].split(" ", 1)[1] for t in prov.get("targets", [])
                   if str(t.get("source", "")).startswith("pattern ") and " " in t["source"])
    config = prov.get("config")
    return fitted, config if isinstance(config, dict) else None


def bottom_line(table, replicates: int) -> str:
    """check-patterns in plain words: how many observed patterns the model
    reproduces, on what evidence, and which it misses."""
    n, total = int(table["passed"].sum()), len(table)
    missed = [f"{r.pattern} ({r.title})" for r in table.itertuples() if not r.passed]
    text = (f"Bottom line: the model reproduces {n} of the {total} patterns observed in "
            f"the field (a pattern passes when the model's value over {replicates} runs, "
            "with its 95% interval, sits where the field's range says).")
    if missed:
        text += f" It misses {len(missed)}: " + "; ".join(missed) + "."
    return text
