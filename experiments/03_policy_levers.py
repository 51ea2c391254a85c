"""Experiment 03: which policy levers make the BSC work better, for the money?

Compares the full BSC as it is (the reference) with one lever moved at a time
(configs/scenarios/policy_levers.toml): paid planning time, turnover halved, two
parents per team, a collaborative of 24 programs, and the same 24 programs in
three yearly cohorts, with common random numbers. Writes under
results/03_policy_levers/: the tidy results with provenance (summary, timeseries,
stats, incremental cost-effectiveness, table.txt), the three figures as PNG and
the self-contained report.html.

    python experiments/03_policy_levers.py [--quick] [--workers N] [--out DIR]

`--quick` runs 2 replicates of a small, short collaborative (a smoke test).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bscsim.report import build_html, figure_pngs, write_report  # noqa: E402
from bscsim.scenarios import compare, read_scenarios  # noqa: E402

SCENARIOS = ROOT / "configs" / "scenarios" / "policy_levers.toml"
QUICK = {"n_centers": 4, "weeks_collab": 20, "weeks_followup": 6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 small replicates")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "results" / "03_policy_levers"))
    args = parser.parse_args(argv)
    spec = read_scenarios(SCENARIOS, replicates=2 if args.quick else None,
                          base_changes=QUICK if args.quick else None)
    comparison = compare(spec, workers=args.workers)
    out = Path(args.out)
    command = f"python experiments/03_policy_levers.py{' --quick' if args.quick else ''}"
    comparison.save(out, command=command)
    pngs = figure_pngs(comparison)
    for name, png in pngs.items():
        (out / f"{name}.png").write_bytes(png)
    write_report(comparison, out / "report.html", build_html(comparison, pngs))
    print(comparison.table())
    print(f"\nsaved to {out}/ (report.html, figures, tidy results)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
