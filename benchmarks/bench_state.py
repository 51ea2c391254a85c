"""Benchmark: one state rollout, wall time, CPU and peak memory (issue 12 goal: a
state of 10,000 centers, e.g. 400 collaboratives of 25 in 3 cohorts, in <= 5 s and
<= 1 GB).

Each repeat runs in a fresh Python process (`bscsim.states.run_state` on the file,
no output written), which reports its wall time from before the first cohort to the
last, its CPU time, and the peak resident memory of itself and of its worker
processes (getrusage, ru_maxrss). Medians over `--repeats`. A script, not a timed
test: results depend on the machine and its load (printed at the start).

    python benchmarks/bench_state.py                                  # state_10000
    python benchmarks/bench_state.py --state configs/states/example_state.toml --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
from bscsim.states import read_state, run_state
spec = read_state(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
result = run_state(spec, workers=int(sys.argv[2]))
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": cpu + kids.ru_utime + kids.ru_stime,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "workers_rss_mb": kids.ru_maxrss / 1024,
                  "runs": len(result.collaboratives),
                  "centers": int(result.collaboratives["n_centers"].sum())}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", default=str(ROOT / "configs/states/state_10000.toml"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    runs = []
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, args.state, str(args.workers)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"state: {args.state} ({med['runs']:.0f} collaborative runs, "
          f"{med['centers']:,.0f} centers), workers {args.workers}, "
          f"{args.repeats} repeat(s)")
    walls = ", ".join(f"{r['wall']:.1f}" for r in runs)
    print("| wall (median) | CPU | peak memory (driver) | peak memory (one worker) |")
    print(f"| {med['wall']:.1f} s ({walls}) | "
          f"{med['cpu']:.1f} s | {med['rss_mb']:.0f} MB | {med['workers_rss_mb']:.0f} MB |")
    print("goal (issue 12): <= 5 s and <= 1 GB for 10,000 centers")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
