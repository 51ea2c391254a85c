"""Benchmark: wall time of `simulate()` on the default config and on 100 and 1,000
centers, on one core.

    python benchmarks/bench_simulate.py [--repeats 15] [--out results/benchmarks]

Targets (issue 2): default run at most 50 ms median; 1,000 centers at most 5 s;
1,000-center time at most 12x the 100-center time (linear growth). The machine is
shared and noisy: the script reports medians, measured side by side in one run, and
the CPU time beside the wall time.
"""

from __future__ import annotations

import os

# one core: keep numpy's BLAS to one thread (set before numpy is imported)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import statistics
import time
from pathlib import Path

import bscsim
from bscsim.results import versions


def timed(params, seeds):
    wall, cpu = [], []
    for s in seeds:
        t0, c0 = time.perf_counter(), time.process_time()
        bscsim.simulate(params, seed=s)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--out", default="results/benchmarks")
    args = ap.parse_args()
    base = bscsim.load_config()
    bscsim.simulate(base, seed=999)  # warm-up (imports, caches)
    cases = [("default (8 centers)", base, args.repeats),
             ("100 centers", base.replace(n_centers=100), max(args.repeats // 3, 3)),
             ("1,000 centers", base.replace(n_centers=1000), 3)]
    rows = {}
    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']} (one core)")
    print(f"{'case':<22}{'median wall s':>15}{'median cpu s':>15}{'runs':>6}")
    for name, params, n in cases:
        wall, cpu = timed(params, range(n))
        rows[name] = {"wall_s": wall, "cpu_s": cpu, "runs": n}
        print(f"{name:<22}{wall:>15.4f}{cpu:>15.4f}{n:>6}")
    ratio = rows["1,000 centers"]["wall_s"] / rows["100 centers"]["wall_s"]
    print(f"\n1,000 / 100 centers wall-time ratio: {ratio:.1f} (target <= 12)")
    print(f"default: {rows['default (8 centers)']['wall_s'] * 1000:.1f} ms (target <= 50 ms); "
          f"1,000 centers: {rows['1,000 centers']['wall_s']:.2f} s (target <= 5 s)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "simulate.json").write_text(json.dumps(
        {"cases": rows, "ratio_1000_100": ratio, "versions": versions()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
