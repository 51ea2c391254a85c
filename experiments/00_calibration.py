"""Experiment 00: which values of the calibrated parameters reproduce the calibration
targets? (docs/calibration.md, section 3)

A joint grid over the parameters set by calibration, scored against the patterns
used as calibration targets, computed exactly as `bscsim check-patterns` computes
them but on the calibration seeds 100-119 (the pattern check uses seeds from 0, so
it is not run on the seeds the values were chosen on). The other patterns and the
mechanism checks are never scored here: they are validation.

Score of a grid point: the sum over the targets with a two-sided range of the
squared distance of the model's mean from the middle of the range, in units of the
range's width; a point qualifies when every target passes (mean in range and, for a
paired comparison, its 95% interval on the expected side of zero). Writes
results/00_calibration/: grid.csv (one row per point, best first) and provenance.json.

    python experiments/00_calibration.py [--quick] [--workers 2] [--out results/00_calibration]
"""

from __future__ import annotations

import argparse
import itertools
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

import bscsim
from bscsim.patterns import PATTERNS, Runs, interval
from bscsim.results import versions

TARGETS = ("1", "2a", "3a", "4a", "4b", "6a")
GRID = {
    "adopt_gain": [1.3, 1.5, 1.7],
    "p_pdsa_max": [0.2, 0.23],
    "vicarious_drive": [0.5, 0.75, 1.0],
    "child_growth": [0.13, 0.15],
    "adopt_threshold": [0.08, 0.12],
}
QUICK_GRID = {"adopt_gain": [1.5], "p_pdsa_max": [0.2], "vicarious_drive": [0.75],
              "child_growth": [0.15], "adopt_threshold": [0.12]}
SEEDS = range(100, 120)


def score(point: dict, seeds: range) -> dict:
    """The calibration targets at one grid point."""
    runs = Runs(bscsim.load_config().replace(**point), len(seeds))
    runs.seeds = seeds
    row, loss, passed = dict(point), 0.0, True
    for pat in (p for p in PATTERNS if p.key in TARGETS):
        mean, lo, hi = interval(pat.value(runs))
        ok = pat.low <= mean <= pat.high
        if pat.paired:
            ok = ok and (lo > 0 if pat.low >= 0 else hi < 0)
        if np.isfinite(pat.low) and np.isfinite(pat.high):
            loss += ((mean - (pat.low + pat.high) / 2) / (pat.high - pat.low)) ** 2
        row[pat.key] = round(mean, 4)
        passed = passed and ok
    return {**row, "loss": round(loss, 4), "all_targets_pass": passed}


def _score(args):
    return score(*args)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one grid point, 4 seeds")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="results/00_calibration")
    args = ap.parse_args()
    grid, seeds = (QUICK_GRID, range(100, 104)) if args.quick else (GRID, SEEDS)
    points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    tasks = [(point, seeds) for point in points]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            rows = list(pool.map(_score, tasks))
    else:
        rows = [_score(t) for t in tasks]
    table = pd.DataFrame(rows).sort_values(["all_targets_pass", "loss"],
                                           ascending=[False, True])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "grid.csv", index=False)
    (out / "provenance.json").write_text(json.dumps(
        {"grid": grid, "seeds": list(seeds), "targets": list(TARGETS),
         "config": bscsim.load_config().to_dict(), "versions": versions()}, indent=2))
    print(table.head(10).to_string(index=False))
    print(f"\n{len(table)} grid points on seeds {seeds.start}-{seeds.stop - 1}; "
          f"wrote {out / 'grid.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
