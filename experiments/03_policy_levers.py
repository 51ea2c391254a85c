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

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bscsim.scenarios.report import experiment  # noqa: E402

SCENARIOS = ROOT / "configs" / "scenarios" / "policy_levers.toml"

if __name__ == "__main__":
    raise SystemExit(experiment(__doc__, SCENARIOS, ROOT / "results" / "03_policy_levers"))
