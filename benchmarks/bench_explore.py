"""Benchmark: the shipped exploration (configs/explorations/bsc_failure.toml: 512
futures x 6 policies x 2 replicates = 6,144 runs) on 2 worker processes; target
<= 10 minutes including the analysis (robustness, two PRIM discoveries with 10
resamples each, feature scores, figures).

Measures, in a fresh Python process per repeat: the wall time of the runs (from
before the workers start to the last batch on disk: `SweepReport.seconds`), their
throughput (runs/s), the wall time of the analysis, and the CPU time of the process
tree (driver + workers: RUSAGE_CHILDREN of the benchmark, which depends less on the
machine's load than wall time). With `--futures N` it runs the first N futures'
design (same policies, replicates and seeds rule) and extrapolates the full
exploration's run time from the measured runs/s (the analysis is measured, not
extrapolated). The load average at start and end is printed: on a shared machine
read the CPU time and runs/s per core, not only the wall time.

    python benchmarks/bench_explore.py                     # the full 6,144 runs
    python benchmarks/bench_explore.py --futures 64 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPLORATION = ROOT / "configs" / "explorations" / "bsc_failure.toml"
LIMIT_S = 600

CHILD = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from bscsim.explore import load_exploration, run_exploration
spec = load_exploration(sys.argv[1])
n = int(sys.argv[3])
if n and n != spec.n_futures:
    spec = spec.replace(n_futures=n)
t0 = time.perf_counter()
r = run_exploration(spec, sys.argv[2], executor="processes", workers=int(sys.argv[4]),
                    progress=False)
total = time.perf_counter() - t0
print(json.dumps({"runs": r.sweep.ran, "run_s": r.sweep.seconds,
                  "analysis_s": total - r.sweep.seconds, "total_s": total,
                  "failed": r.failed}))
"""


def one(futures: int, workers: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        p = subprocess.run([sys.executable, "-c", CHILD, str(EXPLORATION),
                            str(Path(tmp) / "out"), str(futures), str(workers)],
                           capture_output=True, text=True, env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--futures", type=int, default=0,
                    help="run the first N futures only (default: all) and extrapolate")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from bscsim.explore import load_exploration
    spec = load_exploration(EXPLORATION)
    futures = args.futures or spec.n_futures
    full_runs = spec.n_runs
    print(f"exploration: {spec.n_futures} futures x {spec.policy_count} policies x "
          f"{spec.replicates} replicates = {full_runs} runs; measuring {futures} futures "
          f"on {args.workers} worker(s), {args.repeats} repeat(s); load average at start "
          f"{os.getloadavg()[0]:.2f}")
    results = [one(futures, args.workers) for _ in range(args.repeats)]
    med = {k: statistics.median(r[k] for r in results)
           for k in ("runs", "run_s", "analysis_s", "total_s", "cpu_s")}
    rate = med["runs"] / med["run_s"]
    each = ", ".join(f"{r['run_s']:.1f}" for r in results)
    print(f"runs: {med['runs']:.0f} in {med['run_s']:.1f} s (median; {each}) = "
          f"{rate:.2f} runs/s "
          f"({rate / args.workers:.2f} per worker)")
    print(f"analysis: {med['analysis_s']:.1f} s; CPU time of the process tree "
          f"{med['cpu_s']:.0f} s ({med['cpu_s'] / med['runs']:.3f} s per run, analysis "
          "included)")
    full = full_runs / rate + med["analysis_s"]
    verdict = "met" if full <= LIMIT_S else "NOT met"
    how = "measured" if futures == spec.n_futures else "extrapolated from runs/s"
    print(f"full exploration: {full / 60:.1f} min ({how}); target <= "
          f"{LIMIT_S / 60:.0f} min: {verdict}; load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
