"""`bscsim run [CONFIG] [--seed N] [--out DIR] [--set key=value ...] [--replicates N]
[--workers N]`

Runs the model once, prints the summary grouped by the theory of change, saves the
Result and draws `overview.png` (the causal chain over time).

One run is one draw: another seed gives other numbers. With `--replicates N` it runs
N replicates (replicate r seeded by SeedSequence(seed, spawn_key=(r,)), as in
`bscsim compare`) and prints each summary output's median and 90% interval over
them; the results go to results/run/<config>-x<N>-seed<S>/.
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
    p.add_argument("config", nargs="?", help="TOML config (default: configs/ccl_phase1.toml), "
                   "or a state file (configs/states/, docs/states.md)")
    p.add_argument("--seed", type=int, help="random seed (default 0; a state file: its own)")
    p.add_argument("--out", help="output folder (default: results/run/<config>-seed<N>)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change one parameter (repeatable)")
    p.add_argument("--no-plot", action="store_true", help="skip overview.png")
    p.add_argument("--replicates", type=int, metavar="N",
                   help="run N replicates and print medians with 90%% intervals")
    p.add_argument("--workers", type=int, default=1,
                   help="local processes for --replicates (default 1)")
    from ..formats import add_format_option
    add_format_option(p, "the summary")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..atomic import atomic_folder, check_out
    from ..cli import UsageError, check_seed
    from ..plotting import overview
    from ..results import MARKER
    from ..simulate import simulate
    from ..states import is_state_file

    if args.config and is_state_file(args.config):     # a state rollout
        from . import state
        return state.run(args)
    args.seed = 0 if args.seed is None else args.seed
    check_seed(args.seed)
    config = Path(args.config) if args.config else default_config_path()
    if args.out is not None and not args.out.strip():
        raise UsageError("--out '': expected the name of a folder")
    changes = parse_set(args.set)
    if args.replicates is not None:
        return run_replicates(args, config, changes)
    params = load_config(config, **changes)
    for name in COMPARE_ONLY:
        check_one_cohort({name: getattr(params, name)},
                         "--set" if name in changes else str(config), "run")
    out = Path(args.out) if args.out else Path("results") / "run" / f"{config.stem}-seed{args.seed}"
    check_out(out, MARKER, "run")        # before the run, not after it
    result = simulate(params, seed=args.seed)
    from ..formats import render, say
    fmt = getattr(args, "format", "table")
    note = say(fmt)           # csv, json: stdout holds the data alone
    note(f"bscsim run: {config} (seed {args.seed}, {params.n_centers} centers, "
         f"{params.weeks_collab} + {params.weeks_followup} weeks)")
    print(format_summary(result) if fmt == "table" else render(summary_frame(result), fmt))
    if fmt == "table":
        print(format_engagement(result))
    with atomic_folder(out, MARKER, "run") as tmp:   # replaces `out` whole
        figures = () if args.no_plot else ("overview.png",)
        result.write(tmp, files=figures)
        if not args.no_plot:
            fig = overview(result.timeseries, params)
            fig.savefig(tmp / "overview.png", dpi=110)
            import matplotlib.pyplot as plt
            plt.close(fig)
    note(f"saved to {out}/")
    again = " ".join(["bscsim run", *([args.config] if args.config else []),
                      *(f"--set {s}" for s in args.set), "--replicates 10"])
    note(f"\nOne run is one draw: another --seed gives other numbers. To see how much "
         f"they vary, run replicates:\n  {again}")
    note("\n" + run_bottom_line(result))
    return 0


def run_replicates(args, config: Path, changes: dict) -> int:
    """`--replicates N`: N runs, medians and 90% intervals of the summary outputs."""
    from ..atomic import check_out
    from ..cli import UsageError
    from ..parallel import check_workers
    from ..scenarios import MARKER, compare, configs_as_scenarios
    if args.replicates < 1 or args.workers < 1:
        raise UsageError(f"--replicates {args.replicates} --workers {args.workers}: "
                         "expected at least 1")
    check_workers(args.workers)
    spec = configs_as_scenarios([config], replicates=args.replicates, seed=args.seed,
                                base_changes=changes)
    out = (Path(args.out) if args.out else Path("results") / "run" /
           f"{config.stem}-x{args.replicates}-seed{args.seed}")
    check_out(out, MARKER, "compare")    # before the runs; save() replaces it whole
    comparison = compare(spec, workers=args.workers)
    p = spec.base_params
    from ..formats import render, say
    fmt = getattr(args, "format", "table")
    note = say(fmt)           # csv, json: stdout holds the data alone
    note(f"bscsim run: {config} ({args.replicates} replicates from root seed {args.seed}, "
         f"{p.n_centers} centers, {p.weeks_collab} + {p.weeks_followup} weeks)")
    if fmt == "table":
        print(format_replicates(comparison))
    else:
        print(render(replicates_frame(comparison), fmt))
        note("\n" + replicates_bottom_line(comparison))
    comparison.save(out, command=f"bscsim run {config} --replicates {args.replicates} "
                    f"--seed {args.seed}" + "".join(f" --set {s}" for s in args.set))
    note(f"saved to {out}/ (summary.csv: one row per replicate and output; stats.csv)")
    return 0


# Weekly outputs the summaries show at the last week of the collaborative, by box.
AT_END = {"outputs": ("ls_attendance", "meetings_held", "metrics_reported"),
          "short_term": ("qi_skill", "leadership", "climate")}


def end_week(params) -> int:
    """The week whose weekly outputs the summaries show: the collaborative's last."""
    return min(params.weeks_collab, params.weeks_collab + params.weeks_followup) - 1


def summary_rows(result) -> list[tuple[str, str, float, str]]:
    """(box, output, value, unit) of a run, as format_summary prints them."""
    s = result.summary
    end = result.timeseries.iloc[end_week(result.params)]
    ts = {o.name: o for o in TIMESERIES}
    rows = []
    for box in BOXES:
        rows += [(box, o.name, float(s[o.name]), o.unit) for o in SUMMARY if o.box == box]
        rows += [(box, n, float(end[n]), ts[n].unit) for n in AT_END.get(box, ())]
    return rows


def summary_frame(result):
    """The printed summary as a table (box, output, value, unit), for --format."""
    import pandas as pd
    return pd.DataFrame(summary_rows(result), columns=["box", "output", "value", "unit"])


def replicates_frame(comparison):
    """The printed replicates summary as a table (box, output, median, lo, hi,
    unit; 90% interval over replicates), for --format."""
    import numpy as np
    import pandas as pd
    st = comparison.stats().set_index("output")
    ts = comparison.timeseries
    last = ts[ts["week"] == min(end_week(comparison.spec.base_params), ts["week"].max())]
    units = {o.name: o.unit for o in TIMESERIES}
    rows = []
    for box in BOXES:
        rows += [(box, o.name, st.loc[o.name, "median"], st.loc[o.name, "lo"],
                  st.loc[o.name, "hi"], o.unit) for o in SUMMARY if o.box == box]
        for name in AT_END.get(box, ()):
            x = last[name].to_numpy(float)
            rows.append((box, name, float(np.quantile(x, 0.5)), float(np.quantile(x, 0.05)),
                         float(np.quantile(x, 0.95)), units[name]))
    return pd.DataFrame(rows, columns=["box", "output", "median", "lo", "hi", "unit"])


def format_replicates(comparison) -> str:
    """The summary outputs grouped by theory-of-change box, with the weekly outputs
    of AT_END at the collaborative's last week: median and 90% interval over the
    replicates."""
    import numpy as np
    st = comparison.stats().set_index("output")
    n = comparison.spec.replicates
    ts = comparison.timeseries
    last = ts[ts["week"] == min(end_week(comparison.spec.base_params), ts["week"].max())]
    ts_units = {o.name: o.unit for o in TIMESERIES}
    lines = [f"median and 90% interval over {n} replicates (how much a run can differ "
             "from another by chance alone)"]
    for box in BOXES:
        rows = [(o.name, st.loc[o.name, "median"], st.loc[o.name, "lo"],
                 st.loc[o.name, "hi"], o.unit) for o in SUMMARY if o.box == box]
        for name in AT_END.get(box, ()):
            x = last[name].to_numpy(float)
            rows.append((name, np.quantile(x, 0.5), np.quantile(x, 0.05),
                         np.quantile(x, 0.95), ts_units[name]))
        if not rows:
            continue
        lines.append(f"\n{BOX_TITLES[box]}")
        for name, median, lo, hi, unit in rows:
            lines.append(f"  {name:<30} {median:>9.3f}  [{lo:.3f}, {hi:.3f}]  {unit}")
    lines.append("\n" + replicates_bottom_line(comparison))
    return "\n".join(lines)


def replicates_bottom_line(comparison) -> str:
    """`run --replicates` in two plain sentences: the impacts' medians and the range
    of 90% of the runs, and what the range includes."""
    st = comparison.stats().set_index("output")
    g, sh = st.loc["practice_gain_sd"], st.loc["classrooms_improved_share"]
    n = comparison.spec.replicates
    return (f"Bottom line: over {n} runs of this config, classroom practice rose by a "
            f"median of {g['median']:+.2f} SD (90% of runs between {g['lo']:+.2f} and "
            f"{g['hi']:+.2f}) and {sh['median']:.0%} of participating classrooms "
            f"improved (90% of runs: {sh['lo']:.0%} to {sh['hi']:.0%}). The range is "
            "chance alone, with the config's parameters held fixed; to ask whether a "
            "change helps, compare it with this config on the same seeds (bscsim compare).")


def run_bottom_line(result) -> str:
    """`run` in two plain sentences: what this one run did, and that it is one draw."""
    s = result.summary
    return (f"Bottom line: in this one run, classroom practice rose by "
            f"{s['practice_gain_sd']:+.2f} SD and {s['classrooms_improved_share']:.0%} of "
            f"participating classrooms improved, against no comparison: one run is one "
            f"draw with no interval; replicates give the range and compare gives a "
            f"difference from an alternative.")


def format_summary(result) -> str:
    """The summary as a text table grouped by the theory-of-change box."""
    lines = []
    rows = summary_rows(result)
    for box in BOXES:
        mine = [r for r in rows if r[0] == box]
        if not mine:
            continue
        lines.append(f"\n{BOX_TITLES[box]}")
        for _, name, value, unit in mine:
            lines.append(f"  {name:<30} {value:>9.3f}  {unit}")
    return "\n".join(lines)


def format_engagement(result) -> str:
    """Engagement by month of the collaborative and each team that left, with
    the drivers then (issue 26; model/engagement.py)."""
    from ..model.collaborative import WEEKS_PER_MONTH
    from ..outputs import DEPARTURE_NAMES

    ts = result.timeseries
    ts = ts[ts["collab"]]
    month = (ts["week"] // WEEKS_PER_MONTH).astype(int) + 1
    by_month = ts.groupby(month)["engagement"].mean()
    lines = ["", "Engagement (mean of the teams, 0-1) by month of the collaborative",
             "  " + " ".join(f"{m}:{v:.2f}" for m, v in by_month.items())]
    centers = result.centers
    gone = centers[(centers["week"] == 0) & centers["week_left"].notna()]
    lines.append(f"Departures: {len(gone)} of {centers['center'].nunique()} centers "
                 "left the collaborative")
    for _, row in gone.iterrows():
        drivers = ", ".join(f"{k[5:]} {row[k]:+.2f}" for k in DEPARTURE_NAMES[1:])
        lines.append(f"  center {int(row['center'])} ({row['center_type']}) left in week "
                     f"{int(row['week_left'])}; engagement moved by: {drivers}")
    return "\n".join(lines)
