"""Experiment 07: which parameter sets are consistent with what the field has
observed, do the patterns that were not fitted hold across them, and does the
strategy comparison hold across them? (issue 13; docs/calibration.md, section 6)

1. The default calibration (`configs/calibration/ccl_patterns.toml`: 10 uncertain
   parameters fitted by rejection ABC to patterns 1, 2a, 3a, 4a, 4b), run or
   resumed in OUT/calibration (or an existing calibration folder with --posterior
   DIR).
2. The posterior table (weighted mean, median, 90% interval per parameter).
3. The validation table: every pattern, and the held-out patterns H1-H2, with each
   replicate at a posterior draw (as `bscsim check-patterns --posterior DIR`), each
   marked fitted, validation or held-out.
4. The strategy comparison (configs/scenarios/strategies.toml, `bscsim.compare`)
   once at the defaults and once per posterior draw: per strategy, the gain in
   practice over business as usual at the defaults and across the posterior (median
   and 90% interval of the per-draw means), how often it beats business as usual,
   and how often it ranks first.

5. With --recovery N (alone, unless --posterior DIR is given too), the recovery
   study on the model itself (`bscsim.calibrate.recovery`): one reference table
   of --reference M prior draws of the default calibration, each run once, shared
   by N repetitions; each repetition draws known values from the priors,
   simulates one collaborative at them, centres each target interval (the
   pattern's width) at its statistic plus uniform noise of that width (noisy ABC,
   Wilkinson 2013) and keeps the table's rows inside every interval, as
   `method = "rejection"` does. Coverage of the 90% intervals per parameter and
   overall, and of two mutants that must fall short (recovery.csv,
   recovery_coverage.csv).

Writes OUT/ (default results/07_calibration/): posterior_table.csv,
validation.csv, strategies_posterior.csv, strategies_by_draw.csv,
strategies_posterior.png, provenance.json, and prints the three tables.

    python experiments/07_calibration.py [--quick] [--workers 2] [--posterior DIR]
        [--draws 20] [--replicates 5] [--validation-replicates 100] [--out DIR]
        [--recovery N [--reference M]]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import bscsim  # noqa: E402
from bscsim.calibrate.run import calibrate  # noqa: E402
from bscsim.calibrate.spec import load_calibration  # noqa: E402
from bscsim.config import configs_dir  # noqa: E402
from bscsim.labels import axis  # noqa: E402
from bscsim.patterns import check_patterns, format_table  # noqa: E402
from bscsim.plotting import wrap  # noqa: E402
from bscsim.posterior import posterior_draws  # noqa: E402
from bscsim.results import versions  # noqa: E402

CALIBRATION = configs_dir() / "calibration" / "ccl_patterns.toml"
STRATEGIES = configs_dir() / "scenarios" / "strategies.toml"
OUTCOME = "practice_gain_sd"


def quick_file(tmp: Path) -> Path:
    """The default calibration file made small (a smoke run of the experiment)."""
    text = CALIBRATION.read_text()
    text = re.sub(r"(?m)^population = \d+", "population = 10", text)
    text = re.sub(r"(?m)^generations = \d+", "generations = 2", text)
    text = text.replace("[abc]", "[abc]\npredictive = 10")
    text = text.replace('config = "ccl_phase1.toml"',
                        f'config = "{configs_dir() / "ccl_phase1.toml"}"')
    path = tmp / "ccl_patterns_quick.toml"
    path.write_text(text)
    return path


def strategy_means(changes: dict, replicates: int, workers: int) -> pd.Series:
    """Mean practice gain per strategy over `replicates` paired seeds at `changes`."""
    spec = bscsim.read_scenarios(STRATEGIES, replicates=replicates, base_changes=changes)
    comp = bscsim.compare(spec, workers=workers)
    return comp.wide(OUTCOME).mean()


def strategies_over_posterior(post_dir: Path, draws: int, replicates: int,
                              workers: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    ref = bscsim.read_scenarios(STRATEGIES).reference
    default = strategy_means({}, replicates * draws, workers)
    rows = []
    for k, d in enumerate(posterior_draws(post_dir, draws, seed=0)):
        m = strategy_means(d, replicates, workers)
        rows.append({"draw": k, **d, **{f"{s}": m[s] for s in m.index}})
    by_draw = pd.DataFrame(rows)
    names = list(default.index)
    gain = by_draw[names].sub(by_draw[ref], axis=0)
    best = by_draw[names].idxmax(axis=1)
    table = pd.DataFrame({
        "strategy": names,
        "default_gain_vs_" + ref: [default[s] - default[ref] for s in names],
        "posterior_median": [gain[s].median() for s in names],
        "posterior_q05": [gain[s].quantile(0.05) for s in names],
        "posterior_q95": [gain[s].quantile(0.95) for s in names],
        "share_draws_above_" + ref: [(gain[s] > 0).mean() for s in names],
        "share_draws_ranked_first": [(best == s).mean() for s in names],
    })
    return table, by_draw


def plot_strategies(by_draw: pd.DataFrame, table: pd.DataFrame) -> plt.Figure:
    names = list(table["strategy"])
    ref = table.columns[1].removeprefix("default_gain_vs_")
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for i, s in enumerate(names):
        g = by_draw[s] - by_draw[ref]
        ax.plot(np.full(len(g), i) + np.random.default_rng(i).uniform(-0.15, 0.15, len(g)),
                g, ".", alpha=0.5, color="#4477aa")
        ax.plot([i - 0.3, i + 0.3], [table.iloc[i, 1]] * 2, color="black", lw=2)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(range(len(names)), [n.replace("_", " ") for n in names], rotation=20,
                  fontsize=10)
    ax.set_ylabel(wrap(f"{axis(OUTCOME)} minus {ref.replace('_', ' ')}", 40), fontsize=10)
    ax.tick_params(labelsize=10)
    ax.set_title("Strategies across the posterior (dots: one draw each; "
                 "bar: defaults)", fontsize=11)
    fig.tight_layout()
    return fig


def recovery_study(cal, reps: int, n_table: int, out: Path, workers: int) -> pd.DataFrame:
    """The recovery study (item 5 of the docstring) on the model itself."""
    import time

    from bscsim.calibrate.recovery import coverage, recovery
    from bscsim.sweep.executors import make_executor

    started = time.monotonic()
    with make_executor("processes" if workers > 1 else "serial", workers) as ex:
        rec = recovery(cal, reps, n_table, ex)
    rec.to_csv(out / "recovery.csv", index=False)
    cov = coverage(rec)
    cov.to_csv(out / "recovery_coverage.csv")
    acc = rec.groupby("rep")["accepted"].first()
    print(f"\nRecovery on the model ({reps} repetitions, reference table of {n_table:,} "
          f"prior runs, {time.monotonic() - started:.0f} s): accepted per repetition "
          f"median {acc.median():.0f} (min {acc.min()}, max {acc.max()})")
    print("share of known values inside their 90% interval (inside), the mutants' "
          "shares, and the intervals' width as a share of the prior:")
    print(cov.to_string(float_format=lambda x: f"{x:.2f}"))
    return rec


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--posterior", help="use this calibration folder, run nothing new")
    ap.add_argument("--draws", type=int, default=20, help="posterior draws (strategies)")
    ap.add_argument("--replicates", type=int, default=5,
                    help="paired seeds per strategy and draw")
    ap.add_argument("--validation-replicates", type=int, default=100,
                    help="replicates (one posterior draw each) of the validation table")
    ap.add_argument("--out", default="results/07_calibration")
    ap.add_argument("--recovery", type=int, default=0, metavar="N",
                    help="also run the recovery study with N fits")
    ap.add_argument("--reference", type=int, default=8000, metavar="M",
                    help="prior runs in the recovery study's reference table")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.quick:
        args.draws, args.replicates, args.validation_replicates = 2, 2, 2
        args.recovery, args.reference = min(args.recovery, 2), min(args.reference, 40)

    # 1-2: the calibration and its posterior table
    with tempfile.TemporaryDirectory() as tmp:
        source = quick_file(Path(tmp)) if args.quick else CALIBRATION
        cal = load_calibration(source)
        if args.recovery:
            recovery_study(cal, args.recovery, args.reference, out, args.workers)
            if not args.posterior:        # the recovery study alone
                _provenance(out, args, None, cal)
                return 0
        if args.posterior:
            post_dir = Path(args.posterior)
        else:
            post_dir = out / "calibration"
            info = calibrate(cal, post_dir, "processes" if args.workers > 1 else "serial",
                             args.workers)
            print(f"calibration: {info['stop']}; {info['generations']} generations, "
                  f"{info['runs']:,} runs, ESS {info['ess']:.0f}")
    posterior = pd.read_csv(post_dir / "posterior_summary.csv")
    posterior.to_csv(out / "posterior_table.csv", index=False)
    print("\nPosterior (weighted; 90% interval):")
    print(posterior.to_string(index=False, float_format=lambda x: f"{x:.3g}"))

    # 3: validation over the posterior
    prov = json.loads((post_dir / "provenance.json").read_text())
    fitted = {t["source"].split(" ", 1)[1] for t in prov["targets"]
              if t["source"].startswith("pattern ")}
    n = args.validation_replicates
    table, _ = check_patterns(bscsim.load_config(prov["config"]), n,
                              draws=posterior_draws(post_dir, n, seed=0), held_out=True)
    table.insert(1, "role", ["held-out" if k.startswith("H") else
                             "fitted" if k in fitted else "validation"
                             for k in table["pattern"]])
    table.to_csv(out / "validation.csv", index=False)
    print(f"\nPatterns over the posterior ({n} replicates, one posterior draw each):")
    print(format_table(table))

    # 4: the strategy comparison across the posterior
    strat, by_draw = strategies_over_posterior(post_dir, args.draws, args.replicates,
                                               args.workers)
    strat.to_csv(out / "strategies_posterior.csv", index=False)
    by_draw.to_csv(out / "strategies_by_draw.csv", index=False)
    fig = plot_strategies(by_draw, strat)
    fig.savefig(out / "strategies_posterior.png", dpi=120)
    plt.close(fig)
    print(f"\nStrategies: {OUTCOME} over business as usual, at the defaults "
          f"({args.draws * args.replicates} paired seeds) and across {args.draws} "
          f"posterior draws ({args.replicates} paired seeds each):")
    print(strat.to_string(index=False, float_format=lambda x: f"{x:.3f}"))

    _provenance(out, args, post_dir, cal)
    return 0


def _provenance(out: Path, args, post_dir: Path | None, cal) -> None:
    (out / "provenance.json").write_text(json.dumps(
        {"calibration": str(post_dir) if post_dir else None,
         "calibration_file": str(cal.source), "calibration_text": cal.text,
         "seed": cal.seed, "quick": args.quick, "draws": args.draws,
         "replicates": args.replicates,
         "validation_replicates": args.validation_replicates,
         "recovery": args.recovery, "reference": args.reference if args.recovery else None,
         "strategies": str(STRATEGIES), "versions": versions()}, indent=2))
    print(f"\nwrote {out}/")


if __name__ == "__main__":
    raise SystemExit(main())
