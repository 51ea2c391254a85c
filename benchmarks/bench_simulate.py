"""Benchmark: wall time of `simulate()` on the default config and on 100 and 1,000
centers, on one core; the default run against the limit probe and, optionally,
against another revision of bscsim, measured side by side.

    python benchmarks/bench_simulate.py [--repeats 15] [--compare-ref REV] [--compare-blocks 4]
                                        [--out results/benchmarks]

Targets (issue 2): default run at most 50 ms median; 1,000 centers at most 5 s;
1,000-center time at most 12x the 100-center time (linear growth). Issue 11: a default
run no slower than before the redesign (`--compare-ref e74c813`, the last commit
before it). The limit probe (`shared/bench/limit_probe.py` beside the checkout, a
fully vectorized BSC-like week) is the lower bound the default run is held against:
the script prints the ratio when the probe is there. The machine is shared and noisy:
the script reports medians, the revisions timed in alternating blocks in one run, and
the CPU time beside the wall time. Instruction counts, which the load does not
change, come from `benchmarks/count_instructions.sh`.
"""

from __future__ import annotations

import os

# one core: keep numpy's BLAS to one thread (set before numpy is imported)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
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


ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT.parent / "shared" / "bench" / "limit_probe.py"
# times default runs of the bscsim on PYTHONPATH: one line per run, wall and CPU ms
TIMER = """
import os, sys, time
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import bscsim
p = bscsim.load_config(); bscsim.simulate(p, seed=999)
for s in range(int(sys.argv[1]), int(sys.argv[2])):
    t, c = time.perf_counter(), time.process_time(); bscsim.simulate(p, seed=s)
    print(1000 * (time.perf_counter() - t), 1000 * (time.process_time() - c))
"""


def time_revision(src: Path, start: int, stop: int) -> list[tuple[float, float]]:
    """Default-run (wall, CPU) times (ms) of the bscsim in `src`, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", TIMER, str(start), str(stop)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return [(float(w), float(c)) for w, c in (line.split() for line in out.splitlines())]


def compare_revision(ref: str, blocks: int = 4, per_block: int = 5) -> dict:
    """This checkout against git revision `ref`, in alternating blocks of runs."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", tmp, ref],
                       check=True)
        try:
            now, then = [], []
            for b in range(blocks):
                seeds = (b * per_block, (b + 1) * per_block)
                now += time_revision(ROOT / "src", *seeds)
                then += time_revision(Path(tmp) / "src", *seeds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", tmp],
                           check=False)
    wall = [statistics.median(t[0] for t in x) for x in (now, then)]
    cpu = [statistics.median(t[1] for t in x) for x in (now, then)]
    return {"ref": ref, "runs": len(now), "this_ms": wall[0], "ref_ms": wall[1],
            "ratio": wall[0] / wall[1], "this_cpu_ms": cpu[0], "ref_cpu_ms": cpu[1],
            "cpu_ratio": cpu[0] / cpu[1]}


def limit_probe(n_centers: int = 8, repeats: int = 7) -> float | None:
    """Median seconds of the limit probe for `n_centers`, or None without it."""
    if not PROBE.is_file():
        return None
    sys.path.insert(0, str(PROBE.parent))
    from limit_probe import run
    return statistics.median(run(n_centers) for _ in range(repeats))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--compare-ref", help="also time this git revision side by side "
                                          "(e.g. e74c813, before the issue-11 redesign)")
    ap.add_argument("--compare-blocks", type=int, default=4,
                    help="alternating blocks of 5 runs per revision (default 4)")
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
    probe = limit_probe()
    probe_ratio = rows["default (8 centers)"]["wall_s"] / probe if probe else None
    if probe:
        print(f"limit probe (8 centers): {probe * 1000:.1f} ms; default run / probe: "
              f"{probe_ratio:.1f}x")
    else:
        print(f"limit probe not found at {PROBE}: no ratio")
    compared = (compare_revision(args.compare_ref, blocks=args.compare_blocks)
                if args.compare_ref else None)
    if compared:
        print(f"default run, side by side ({compared['runs']} runs each), medians: "
              f"this checkout {compared['this_ms']:.1f} ms wall, "
              f"{compared['this_cpu_ms']:.1f} ms CPU; {compared['ref']} "
              f"{compared['ref_ms']:.1f} ms wall, {compared['ref_cpu_ms']:.1f} ms CPU "
              f"(ratio {compared['ratio']:.2f} wall, {compared['cpu_ratio']:.2f} CPU)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "simulate.json").write_text(json.dumps(
        {"cases": rows, "ratio_1000_100": ratio, "limit_probe_s": probe,
         "default_over_probe": probe_ratio, "compared": compared, "versions": versions()},
        indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
