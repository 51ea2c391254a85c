"""Benchmark: what running `compare` through the sweep runner costs, side by side
with another revision (e.g. the last one with compare's own loop, 2f930bd).

    python benchmarks/bench_compare.py --ref 2f930bd [--blocks 6] [--replicates 10]

Each block times `compare()` of configs/scenarios/strategies.toml (6 scenarios x
`--replicates`, serial, one process) once at this checkout and once at `--ref`, in
fresh processes, alternating which goes first. It reports the median CPU seconds
(process time, less sensitive than wall time to the other users of a shared
machine) and wall seconds of each, and their ratio. The runner's extra cost is the
price of streaming every batch to Parquet (fsync'd) so that an interrupted
comparison resumes, and of reading the runs back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMER = """
import sys, time
from bscsim.scenarios import compare, read_scenarios
spec = read_scenarios(sys.argv[1], replicates=int(sys.argv[2]))
w, c = time.perf_counter(), time.process_time()
compare(spec)
print(time.process_time() - c, time.perf_counter() - w)
"""


def time_once(src: Path, replicates: int) -> tuple[float, float]:
    """(CPU s, wall s) of one compare() by the bscsim in `src`, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(src), "OPENBLAS_NUM_THREADS": "1"}
    scenarios = ROOT / "configs" / "scenarios" / "strategies.toml"
    out = subprocess.run([sys.executable, "-c", TIMER, str(scenarios), str(replicates)],
                         env=env, capture_output=True, text=True, check=True).stdout
    cpu, wall = out.split()
    return float(cpu), float(wall)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", required=True, help="git revision to time beside this one")
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--replicates", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # the revision's src/ and configs/ (git archive: no worktree to register)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.ref, "src",
                                  "configs"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        this, ref = [], []
        for b in range(args.blocks):
            order = [(this, ROOT / "src"), (ref, Path(tmp) / "src")]
            for times, src in (order if b % 2 == 0 else order[::-1]):
                times.append(time_once(src, args.replicates))
    print(f"os.getloadavg() at the end: {os.getloadavg()}")
    for name, times in (("this", this), (args.ref, ref)):
        cpu = [c for c, _ in times]
        wall = [w for _, w in times]
        print(f"{name:>10}: CPU median {statistics.median(cpu):.2f} s "
              f"({', '.join(f'{c:.2f}' for c in cpu)}); wall median "
              f"{statistics.median(wall):.2f} s")
    ratio = statistics.median(c for c, _ in this) / statistics.median(c for c, _ in ref)
    print(f"CPU ratio this / {args.ref}: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
