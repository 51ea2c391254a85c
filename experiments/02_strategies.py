"""Experiment 02: which quality-improvement strategy should a state fund?

Compares the six QI strategies (arms) of configs/scenarios/strategies.toml: the
full BSC, the BSC without cross-program learning, the BSC without parents on the
teams, training only, individual coaching and business as usual (the reference),
with common random numbers. Writes under results/02_strategies/: the tidy results
with provenance (summary, timeseries, stats, incremental cost-effectiveness,
table.txt), the three figures as PNG and the self-contained report.html.

    python experiments/02_strategies.py [--quick] [--workers N] [--out DIR]

`--quick` runs 2 replicates of a small, short collaborative (a smoke test).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bscsim.scenarios.report import experiment  # noqa: E402

SCENARIOS = ROOT / "configs" / "scenarios" / "strategies.toml"

if __name__ == "__main__":
    raise SystemExit(experiment(__doc__, SCENARIOS, ROOT / "results" / "02_strategies"))
