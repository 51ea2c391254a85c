"""Experiment 08: where does the full BSC fail to improve most classrooms, and which
levers keep it working under high turnover?

Question: across futures nobody chooses (teacher and director turnover, vacancies,
starting practice and capacity, time pressure, quality of the change ideas), when do
fewer than half of the participating classrooms improve (`classrooms_improved_share`
< 0.5), and which policy of a state (more paid planning time, more parents on teams,
more learning sessions, coaching, or all four) meets every goal in the most futures,
at what cost? The exploration file configs/explorations/bsc_failure.toml defines
the futures (512, Latin hypercube), the 6 policies and the goals.

Writes under results/08_where_bsc_fails/ (or --out): everything `bscsim explore`
writes (runs/ resumable, outcomes, robustness.csv, prim_box.csv, feature_scores.csv,
figures/, report.md, provenance.json) and report.html, the reading for a state
administrator.

    python experiments/08_where_bsc_fails.py            # 6144 runs, ~10-20 min on 2 cores
    python experiments/08_where_bsc_fails.py --quick    # 8 futures, short collaborative
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bscsim.explore import load_exploration, run_exploration
from bscsim.explore.report import write_report

ROOT = Path(__file__).resolve().parents[1]
EXPLORATION = ROOT / "configs" / "explorations" / "bsc_failure.toml"
QUICK = {"n_centers": 4, "weeks_collab": 20}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="8 futures x 1 replicate of a short collaborative (4 centers, "
                    "20 weeks)")
    ap.add_argument("--out", help="output folder (default results/08_where_bsc_fails"
                    "[_quick])")
    ap.add_argument("--executor", default=None, help="serial, processes or dask")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args(argv)

    out = Path(args.out or ("results/08_where_bsc_fails_quick" if args.quick
                            else "results/08_where_bsc_fails"))
    spec = load_exploration(EXPLORATION)
    if args.quick:
        spec = spec.replace(n_futures=8, replicates=1, resamples=3, changes=QUICK)
    executor = args.executor or ("serial" if args.quick else "processes")
    result = run_exploration(spec, out, executor=executor, workers=args.workers,
                             progress=not args.quick)
    print(result)
    print(f"reading for a state administrator: {write_report(result, out / 'report.html')}")
    return 1 if result.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
