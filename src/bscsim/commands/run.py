"""`bscsim run [CONFIG] [--seed N] [--out DIR] [--set key=value ...]`

Runs the model once, prints the summary grouped by the theory of change, saves the
Result and draws `overview.png` (the causal chain over time).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import (COMPARE_ONLY, check_one_cohort, default_config_path, load_config,
                      parse_set)
from ..outputs import BOX_TITLES, BOXES, SUMMARY, TIMESERIES


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run the model once and save its results",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", help="TOML config (default: configs/ccl_phase1.toml)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", help="output folder (default: results/run/<config>-seed<N>)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change one parameter (repeatable)")
    p.add_argument("--no-plot", action="store_true", help="skip overview.png")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..atomic import atomic_folder, check_out
    from ..cli import UsageError, check_seed
    from ..plotting import overview
    from ..results import MARKER
    from ..simulate import simulate

    check_seed(args.seed)
    config = Path(args.config) if args.config else default_config_path()
    changes = parse_set(args.set)
    params = load_config(config, **changes)
    for name in COMPARE_ONLY:
        check_one_cohort({name: getattr(params, name)},
                         "--set" if name in changes else str(config), "run")
    if args.out is not None and not args.out.strip():
        raise UsageError("--out '': expected the name of a folder")
    out = Path(args.out) if args.out else Path("results") / "run" / f"{config.stem}-seed{args.seed}"
    check_out(out, MARKER, "run")        # before the run, not after it
    result = simulate(params, seed=args.seed)
    print(f"bscsim run: {config} (seed {args.seed}, {params.n_centers} centers, "
          f"{params.weeks_collab} + {params.weeks_followup} weeks)")
    print(format_summary(result))
    with atomic_folder(out, MARKER, "run") as tmp:   # replaces `out` whole
        figures = () if args.no_plot else ("overview.png",)
        result.write(tmp, files=figures)
        if not args.no_plot:
            fig = overview(result.timeseries, params)
            fig.savefig(tmp / "overview.png", dpi=110)
    print(f"saved to {out}/")
    return 0


def format_summary(result) -> str:
    """The summary as a text table grouped by the theory-of-change box."""
    s = result.summary
    end = result.timeseries.iloc[min(result.params.weeks_collab, len(result.timeseries)) - 1]
    lines = []
    ts = {o.name: o for o in TIMESERIES}
    for box in BOXES:
        rows = [(o.name, s[o.name], o.unit) for o in SUMMARY if o.box == box]
        if box == "outputs":
            rows += [(n, end[n], ts[n].unit) for n in
                     ("ls_attendance", "meetings_held", "metrics_reported")]
        if box == "short_term":
            rows += [(n, end[n], ts[n].unit) for n in ("qi_skill", "leadership", "climate")]
        if not rows:
            continue
        lines.append(f"\n{BOX_TITLES[box]}")
        for name, value, unit in rows:
            lines.append(f"  {name:<30} {value:>9.3f}  {unit}")
    return "\n".join(lines)
