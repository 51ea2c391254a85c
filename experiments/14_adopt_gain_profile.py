"""Experiment 10: a one-parameter profile of `adopt_gain` (issue 22, integration).

The default calibration (`bscsim calibrate configs/calibration/ccl_patterns.toml`,
docs/calibration.md section 6) fits ten parameters by rejection ABC: a particle (one
run, `replicates = 1`) is accepted when each of its five target statistics (patterns
1, 2a, 3a, 4a, 4b) lies inside its pattern's range; the default of a fitted
parameter is its posterior median. This experiment applies that same rule to
`adopt_gain` alone, the other nine at their defaults (their posterior medians): on a
grid of `adopt_gain` over its prior (uniform on 1.0-2.0, the default grid), the share of runs inside
every target interval is the likelihood of the uniform kernel, so the conditional
posterior on the grid is proportional to it; the script prints, per grid value, the
means of patterns 1 and 2a and the acceptance rate, and the conditional posterior
median. It is a profile, not the full posterior: rerun the calibration for that.
Writes results/14_adopt_gain_profile/profile.csv and provenance.json.

    python experiments/14_adopt_gain_profile.py [--replicates 400] [--low 1.0] [--high 2.0] [--step 0.05] [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

import bscsim
from bscsim.calibrate.spec import load_calibration
from bscsim.results import versions

CALIBRATION = Path(__file__).resolve().parents[1] / "configs/calibration/ccl_patterns.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=400)
    ap.add_argument("--low", type=float, default=1.0)
    ap.add_argument("--high", type=float, default=2.0)
    ap.add_argument("--step", type=float, default=0.05)
    ap.add_argument("--out", default="results/14_adopt_gain_profile")
    ap.add_argument("--quick", action="store_true", help="4 seeds, grid step 0.5 (a smoke test)")
    a = ap.parse_args()
    if a.quick:
        a.replicates, a.step = 4, 0.5
    cal = load_calibration(CALIBRATION)
    grid = np.round(np.arange(a.low, a.high + a.step / 2, a.step), 4)
    seeds = list(range(a.replicates))
    params = [cal.params.replace(adopt_gain=float(g)) for g in grid for _ in seeds]
    table = bscsim.simulate_many(params, seeds * len(grid))
    table["adopt_gain"] = np.repeat(grid, len(seeds))
    inside = np.ones(len(table), dtype=bool)
    for t in cal.targets:
        v = table[t.statistic].to_numpy(float)
        inside &= (v >= t.low) & (v <= t.high)
    table["accepted"] = inside
    rows = []
    for g, part in table.groupby("adopt_gain"):
        n = len(part)
        rows.append({"adopt_gain": g,
                     "pattern_1": part["practice_gain_sd"].mean(),
                     "pattern_1_se": part["practice_gain_sd"].std(ddof=1) / np.sqrt(n),
                     "pattern_2a": part["child_se_gain_sd"].mean(),
                     "pattern_2a_se": part["child_se_gain_sd"].std(ddof=1) / np.sqrt(n),
                     "accepted": part["accepted"].mean()})
    prof = pd.DataFrame(rows)
    cdf = np.cumsum(prof["accepted"]) / prof["accepted"].sum()
    median = float(prof["adopt_gain"][int(np.searchsorted(cdf, 0.5))])
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    prof.to_csv(out / "profile.csv", index=False)
    (out / "provenance.json").write_text(json.dumps(
        {"calibration": str(CALIBRATION), "seeds": f"0-{a.replicates - 1}",
         "grid": grid.tolist(), "conditional_posterior_median": median,
         **versions()}, indent=2))
    print(prof.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"conditional posterior median of adopt_gain (the other nine at their "
          f"defaults): {median:.2f}")


if __name__ == "__main__":
    main()
