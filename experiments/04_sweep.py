"""Experiment 04: does paid planning time protect a collaborative against turnover?

Question: how does the practice gain of participating classrooms
(`practice_gain_sd`, in baseline SDs) change over a grid of child care teacher
turnover (`turnover_cc`, per year) and paid planning time (`planning_hours`, per
week)? The sweep file configs/sweeps/turnover_planning_grid.toml defines the grid
(7 x 5 cells, 10 replicates each, every other parameter as in the default config).

Writes under results/04_sweep/ (or --out):
    sweep/                         the sweep folder (resumable; bscsim.load_sweep)
    cells.csv                      mean, SD and number of runs per cell
    heatmap_practice_gain_sd.png   the heat map
    provenance.json                sweep fingerprint, seeds rule, versions, command

    python experiments/04_sweep.py            # 350 runs, ~15 s on 2 cores
    python experiments/04_sweep.py --quick    # 35 short runs, for tests
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bscsim import load_sweep
from bscsim.sweep import load_spec, run_sweep
from bscsim.sweep.plot import grid_means, heatmap

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "configs" / "sweeps" / "turnover_planning_grid.toml"
OUTPUT = "practice_gain_sd"
QUICK = {"n_centers": 4, "weeks_collab": 12, "weeks_followup": 0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="1 replicate of a short collaborative (4 centers, 12 weeks)")
    ap.add_argument("--out", help="output folder (default results/04_sweep[_quick])")
    ap.add_argument("--executor", default=None, help="serial, processes or dask")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args(argv)

    out = Path(args.out or ("results/04_sweep_quick" if args.quick else "results/04_sweep"))
    spec = load_spec(SWEEP)
    if args.quick:
        spec = spec.replace(replicates=1, changes=QUICK)
    executor = args.executor or ("serial" if args.quick else "processes")
    report = run_sweep(spec, out / "sweep", executor=executor, workers=args.workers,
                       progress=not args.quick)
    print(report)

    df = load_sweep(out / "sweep")
    cells = grid_means(df, "planning_hours", "turnover_cc", OUTPUT)
    cells.to_csv(out / "cells.csv", index=False)
    title = (f"{OUTPUT} by child care turnover and planning time\n"
             f"(mean of {spec.replicates} run(s) per cell"
             f"{', quick: short collaborative' if args.quick else ''})")
    fig = heatmap(df, "planning_hours", "turnover_cc", OUTPUT, title=title)
    fig.savefig(out / f"heatmap_{OUTPUT}.png", dpi=120)
    manifest = json.loads((out / "sweep" / "manifest.json").read_text())
    (out / "provenance.json").write_text(json.dumps({
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "sweep_file": str(SWEEP.relative_to(ROOT)),
        "overrides": manifest["overrides"],
        "fingerprint": manifest["fingerprint"],
        "root_seed": manifest["root_seed"],
        "seeding": manifest["seeding"],
        "versions": manifest["versions"],
        "runs": len(df), "failed": int((df["status"] != "ok").sum()),
    }, indent=2))
    print(f"heat map: {out / f'heatmap_{OUTPUT}.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
