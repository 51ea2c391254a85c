"""`bscsim check-patterns [CONFIG] [--replicates N] [--out DIR] [--posterior DIR]
[--held-out]`

Runs the patterns the field has observed (docs/calibration.md) on a config (default:
the default config) over N paired replicates (default 100) and prints, for each: the empirical range, the
model value with its 95% interval, and pass or fail. Exit code 1 when any fails.

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
    p.add_argument("--replicates", type=int, default=100,
                   help="paired seeds per configuration (>= 2; default 100: pattern 6a's "
                        "effect is small, about 0.03 SD, and needs them)")
    p.add_argument("--out", help="also write the table (CSV) and provenance here")
    from ..formats import add_format_option
    add_format_option(p, "the checks")
    p.add_argument("--posterior", metavar="DIR",
                   help="run each replicate at a posterior draw of this calibration "
                   "folder (bscsim calibrate)")
    p.add_argument("--held-out", action="store_true",
                   help="add the held-out patterns H1, H2 (always with --posterior)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..cli import UsageError
    from ..patterns import check_patterns, format_table
    from ..results import versions

    if args.replicates < 2:
        raise UsageError(f"--replicates {args.replicates}: need at least 2 for an interval")
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
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "patterns.csv", index=False)
        (out / "provenance.json").write_text(json.dumps(
            {"config": params.to_dict(), "config_file": str(config),
             "seeds": list(range(args.replicates)), "posterior": args.posterior,
             "draws": draws, "versions": versions()}, indent=2))
    return 0 if table["passed"].all() else 1


def _calibration_of(folder: Path) -> tuple[tuple[str, ...], dict | None]:
    """The patterns a calibration folder was fitted to, and its resolved config
    (None when the folder has no readable provenance)."""
    try:
        prov = json.loads((folder / "provenance.json").read_text())
    except (OSError, ValueError):
        return (), None
    fitted = tuple(t["source"].split(" ", 1)[1] for t in prov.get("targets", [])
                   if str(t.get("source", "")).startswith("pattern "))
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
