"""Experiment 09: what happens to the practice gain once the collaborative's support
ends, and which rule makes it (issue 22, item 7; pattern 7)?

Runs the default config over paired seeds (the ensemble engine) with the three
sustainment rules on, each switched off in turn (its parameter set to "support
makes no difference"), and all three off (the model before issue 22). For each:
the practice gain of participating classrooms at the end of the collaborative
(week 52) and of the follow-up (week 78), their paired difference with its 95%
interval, and the kept share (pattern 7: 0.5-0.95) with its standard error.
Writes results/10_sustainment/: sustainment.csv, over_time.png, provenance.json.

    python experiments/10_sustainment.py [--replicates 100] [--out results/10_sustainment] [--quick]
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
from bscsim.results import versions  # noqa: E402

# each variant: the parameters that switch a rule off (support makes no difference)
VARIANTS = {
    "defaults (three rules)": {},
    "no faster drift": {"support_decay_factor": 1.0},
    "no slower uptake": {"unsupported_uptake": 1.0},
    "no fading routines": {"rate_routine_decay": 0.0},
    "none (before issue 22)": {"support_decay_factor": 1.0, "unsupported_uptake": 1.0,
                               "rate_routine_decay": 0.0},
}


def row(name: str, s: pd.DataFrame) -> dict:
    n = len(s)
    d = s["practice_gain_sd_followup"] - s["practice_gain_sd"]
    kept = s["practice_gain_sd_followup"] / s["practice_gain_sd"]
    half = 1.96 * d.std(ddof=1) / np.sqrt(n)
    return {"variant": name, "gain_week_52": s["practice_gain_sd"].mean(),
            "gain_week_78": s["practice_gain_sd_followup"].mean(),
            "change": d.mean(), "change_ci_low": d.mean() - half,
            "change_ci_high": d.mean() + half, "kept_share": kept.mean(),
            "kept_share_se": kept.std(ddof=1) / np.sqrt(n)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=100,
                    help="paired seeds (as bscsim check-patterns)")
    ap.add_argument("--out", default="results/10_sustainment")
    ap.add_argument("--quick", action="store_true", help="5 replicates, for a smoke test")
    args = ap.parse_args(argv)
    seeds = range(5 if args.quick else args.replicates)
    params = bscsim.load_config()
    rows, curves = [], {}
    for name, changes in VARIANTS.items():
        s, t = bscsim.simulate_many(params.replace(**changes), seeds, tables=["timeseries"])
        rows.append(row(name, s))
        ts = t["timeseries"]
        start = ts[ts["week"] == 0].set_index("run")["practice_participating"]
        gain = (ts["practice_participating"] - ts["run"].map(start)) / params.practice_sd
        curves[name] = gain.groupby(ts["week"]).mean()
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.precision", 3):
        print(table.to_string(index=False))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sustainment.csv", index=False)
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, curve in curves.items():
        ax.plot(curve.index, curve.values, label=name)
    ax.axvline(params.weeks_collab, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("week (dashed: the collaborative ends)")
    ax.set_ylabel("practice gain, participating classrooms (baseline SD)")
    ax.set_title(f"Practice after support ends ({len(seeds)} paired seeds)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "over_time.png", dpi=100)
    plt.close(fig)
    (out / "provenance.json").write_text(json.dumps(
        {"config": params.to_dict(), "variants": VARIANTS, "seeds": list(seeds),
         "versions": versions()}, indent=2))
    print(f"wrote {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
