"""Experiment 10: at the defaults, how many programs leave the collaborative and when,
how attendance runs month by month, and how much a completers-only evaluation is
biased by the programs that leave (issue 26)?

Part 1 runs the default config over paired seeds (the ensemble engine) and gives,
for each month of the collaborative: the share of centers gone (cumulative, against
the sources: CCL 1 of 8 by the final report; 2 of 13 in 8 months; 5 of 15 by 18
months; evidence 1.6, 3.8), the teams' mean engagement, and call and learning-session
attendances per center. Part 2 repeats the CCL feasibility study
(configs/studies/ccl_feasibility.toml, completers-only by default) over replicates and
gives each estimate's mean bias from attrition (`bias_attrition`) with its standard
error, and the centers analysed.
Writes results/13_engagement/: by_month.csv, study_attrition.csv, by_month.png,
provenance.json.

    python experiments/13_engagement.py [--replicates 200] [--out results/13_engagement] [--quick]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import bscsim  # noqa: E402
from bscsim.model.collaborative import WEEKS_PER_MONTH  # noqa: E402
from bscsim.results import versions  # noqa: E402
from bscsim.study import analyse, load_study, simulate_study  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "configs" / "studies" / "ccl_feasibility.toml"


def by_month(ts: pd.DataFrame, params) -> pd.DataFrame:
    """Per month of the collaborative, means over runs: share of centers gone at
    the month's end, mean engagement, call and learning-session attendances per
    center in the month."""
    ts = ts[ts["week"] < params.weeks_collab].copy()
    ts["month"] = (ts["week"] // WEEKS_PER_MONTH).astype(int) + 1
    g = ts.groupby(["run", "month"])
    per = pd.DataFrame({
        "centers_left_share": g["centers_left"].last() / params.n_centers,
        "engagement": g["engagement"].mean(),
        # cumulative counts: the month's attendances are last - the month before
        "calls_end": g["call_attendance"].last(), "ls_end": g["ls_attendance"].last(),
    }).reset_index()
    for col, out in (("calls_end", "call_attendances_per_center"),
                     ("ls_end", "ls_attendances_per_center")):
        before = per.groupby("run")[col].shift(1).fillna(0.0)
        per[out] = (per[col] - before) / params.n_centers
    per = per.drop(columns=["calls_end", "ls_end"])
    m = per.drop(columns="run").groupby("month").agg(["mean", "sem"])
    m.columns = [f"{a}_{b}" if b == "sem" else a for a, b in m.columns]
    return m.reset_index()


def study_attrition(replicates: int) -> pd.DataFrame:
    """Mean over replicates of each estimate's bias, attrition part and centers
    analysed, for the CCL study (completers-only)."""
    study = load_study(STUDY)
    rows = [analyse(simulate_study(study, replicate=r)).assign(replicate=r)
            for r in range(replicates)]
    a = pd.concat(rows)
    a = a[a["kind"].isin(["survey", "observation"])]
    g = a.groupby(["instrument", "group", "estimator"], sort=False)
    return g.agg(truth=("truth", "mean"), estimate=("estimate", "mean"),
                 bias=("bias", "mean"), bias_attrition=("bias_attrition", "mean"),
                 bias_attrition_se=("bias_attrition", "sem"),
                 centers_analysed=("n_centers", "mean")).reset_index()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=200, help="paired seeds")
    ap.add_argument("--out", default="results/13_engagement")
    ap.add_argument("--quick", action="store_true", help="5 replicates, for a smoke test")
    args = ap.parse_args(argv)
    n = 5 if args.quick else args.replicates
    params = bscsim.load_config()
    _, t = bscsim.simulate_many(params, range(n), tables=["timeseries"])
    months = by_month(t["timeseries"], params)
    bias = study_attrition(n)
    with pd.option_context("display.width", 180, "display.precision", 3):
        print(months.to_string(index=False))
        print()
        print(bias.to_string(index=False))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    months.to_csv(out / "by_month.csv", index=False)
    bias.to_csv(out / "study_attrition.csv", index=False)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    axes[0].plot(months["month"], months["centers_left_share"], marker="o")
    for x, y, text in ((12, 1 / 8, "CCL 1 of 8"), (8, 2 / 13, "FQHC 2 of 13")):
        axes[0].scatter([x], [y], color="tab:red")
        axes[0].annotate(text, (x, y), textcoords="offset points", xytext=(-60, 6),
                         fontsize=8, color="tab:red")
    axes[0].set_title("Share of centers gone (end of month)", fontsize=10)
    axes[1].plot(months["month"], months["engagement"], marker="o")
    axes[1].set_title("Teams' mean engagement (0-1)", fontsize=10)
    axes[2].plot(months["month"], months["call_attendances_per_center"], marker="o",
                 label="calls")
    axes[2].plot(months["month"], months["ls_attendances_per_center"], marker="o",
                 label="learning sessions")
    axes[2].set_title("Attendances per center in the month", fontsize=10)
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("month of the collaborative")
    fig.suptitle(f"Engagement and departures at the defaults ({n} collaboratives)")
    fig.tight_layout()
    fig.savefig(out / "by_month.png", dpi=100)
    plt.close(fig)
    (out / "provenance.json").write_text(json.dumps(
        {"config": params.to_dict(), "study": str(STUDY.relative_to(ROOT)),
         "seeds": list(range(n)), "versions": versions()}, indent=2))
    print(f"wrote {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
