"""Experiment 01: does the default model reproduce what the field has observed?

Runs the pattern checks (docs/calibration.md) on the default config and draws one
figure per pattern: the model's replicate values beside the empirical range. Writes
results/01_patterns/: patterns.csv, one PNG per pattern, all_patterns.png and
provenance.json.

    python experiments/01_patterns.py [--replicates 400] [--out results/01_patterns] [--quick]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import bscsim  # noqa: E402
from bscsim.patterns import PATTERNS, check_patterns, format_table  # noqa: E402
from bscsim.results import versions  # noqa: E402


def draw(ax, pattern, values, row) -> None:
    """Replicate values (dots), their mean and 95% interval, and the empirical range."""
    lo = pattern.low if np.isfinite(pattern.low) else min(values.min(), 0) - 0.1 * abs(values).max()
    hi = pattern.high if np.isfinite(pattern.high) else max(values.max(), 0) + 0.1 * abs(values).max()
    ax.axhspan(lo, hi, color="tab:green", alpha=0.15, label="empirical range")
    x = np.random.default_rng(0).uniform(-0.15, 0.15, len(values))
    ax.scatter(x, values, s=12, color="tab:blue", alpha=0.6, label="replicates")
    ax.errorbar([0.4], [row["model"]], yerr=[[row["model"] - row["ci_low"]],
                                             [row["ci_high"] - row["model"]]],
                fmt="o", color="black", capsize=4, label="mean, 95% CI")
    ax.set_xlim(-0.5, 0.8)
    ax.set_xticks([])
    ax.set_title(f"{pattern.key}. {pattern.title}\n"
                 f"[{'pass' if row['passed'] else 'FAIL'}]", fontsize=9)
    ax.set_ylabel(pattern.statistic, fontsize=8)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=400,
                    help="paired seeds per configuration (as bscsim check-patterns)")
    ap.add_argument("--out", default="results/01_patterns")
    ap.add_argument("--quick", action="store_true", help="5 replicates, for a smoke test")
    args = ap.parse_args(argv)
    reps = 5 if args.quick else args.replicates
    params = bscsim.load_config()
    table, runs = check_patterns(params, reps)
    print(format_table(table))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "patterns.csv", index=False)
    rows = table.set_index("pattern")
    ncols = -(-len(PATTERNS) // 2)
    fig_all, axes = plt.subplots(2, ncols, figsize=(3.7 * ncols, 8))
    for pattern, ax in zip(PATTERNS, axes.ravel()):
        values = pattern.value(runs)
        fig, one = plt.subplots(figsize=(4, 4))
        draw(one, pattern, values, rows.loc[pattern.key])
        one.legend(fontsize=7, loc="best")
        fig.tight_layout()
        fig.savefig(out / f"pattern_{pattern.key}.png", dpi=100)
        plt.close(fig)
        draw(ax, pattern, values, rows.loc[pattern.key])
    for ax in axes.ravel()[len(PATTERNS):]:
        ax.axis("off")
    fig_all.suptitle(f"Default model vs observed patterns ({reps} replicates; green: "
                     "empirical range; dots: replicates; black: mean and 95% CI)")
    fig_all.tight_layout()
    fig_all.savefig(out / "all_patterns.png", dpi=90)
    (out / "provenance.json").write_text(json.dumps(
        {"config": params.to_dict(), "seeds": list(range(reps)), "versions": versions()},
        indent=2))
    print(f"wrote {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
