"""Benchmark: sweep throughput, bscsim sweep vs mesa.batch_run, and peak memory.

Measures on this machine, in one run (a script, not a timed test):

1. throughput (runs/s) of a sweep, serial vs processes with 2 workers, and the
   parallel efficiency (speed-up / 2); target >= 85%;
2. the same 1,000 runs (default config, 10 turnover values x 100 seeds) through
   `bscsim sweep` and through `mesa.batch_run`, both on 2 processes: wall time
   (target: sweep >= 3x faster) and peak memory (target: >= 10x lower);
3. peak memory of a 20,000-run sweep (target < 500 MB), and of the same runs
   through `mesa.batch_run` for comparison.

Each case runs in a fresh Python process; its wall time is measured inside it
(from before the runs start to the last row on disk or in the list, including
starting the worker processes), and the peak memory of its whole process tree
(driver + workers, proportional set size, so shared libraries count once) is
sampled from outside every 50 ms; the CPU time of the tree is also shown, as it
depends less on the machine's load than wall time. Cases that are compared run
interleaved (A B A B ...); medians over `--repeats`.

    python benchmarks/bench_sweep.py                 # everything
    python benchmarks/bench_sweep.py --only throughput --repeats 5
    python benchmarks/bench_sweep.py --big-config default   # full 20k runs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
SHORT = {"n_centers": 4, "weeks_collab": 12, "weeks_followup": 0}


# ----------------------------------------------------------------- the cases
def sweep_file(folder: Path, runs: int, config: dict, values: int = 10) -> Path:
    """A grid over turnover_cc (`values` values) with runs / values replicates."""
    lines = ['base = "ccl_phase1.toml"', f"replicates = {runs // values}",
             "root_seed = 1", "[set]"]
    lines += [f"{k} = {v}" for k, v in config.items()]
    grid = ", ".join(f"{0.1 + 0.5 * i / max(values - 1, 1):.4f}" for i in range(values))
    lines += ["[vary]", f"turnover_cc = [{grid}]"]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def case_sweep(runs: int, executor: str, workers: int, config: dict, tmp: Path) -> dict:
    from bscsim.sweep import run_sweep
    path = sweep_file(tmp, runs, config)
    start = time.perf_counter()
    report = run_sweep(path, tmp / "out", executor=executor, workers=workers,
                       progress=False)
    seconds = time.perf_counter() - start
    assert report.complete and report.ran == runs, report
    return {"seconds": seconds, "runs": runs, "failed": report.failed}


def case_batch_run(runs: int, workers: int, config: dict) -> dict:
    from mesa.batchrunner import batch_run

    from bscsim import BSCModel
    values = [round(0.1 + 0.5 * i / 9, 4) for i in range(10)]
    params = {**config, "turnover_cc": values}
    seeds = list(range(runs // len(values)))
    kwargs = dict(number_processes=workers, data_collection_period=-1, max_steps=10_000,
                  display_progress=False)
    start = time.perf_counter()
    import inspect
    if "rng" in inspect.signature(batch_run).parameters:     # Mesa >= 3.4
        rows = batch_run(BSCModel, params, rng=seeds, **kwargs)
    else:
        rows = batch_run(BSCModel, {**params, "rng": seeds}, iterations=1, **kwargs)
    seconds = time.perf_counter() - start
    assert len(rows) == runs, len(rows)
    return {"seconds": seconds, "runs": runs}


def cpu_seconds() -> float:
    """CPU time of this process and its finished (reaped) children."""
    import resource
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                 resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_case(args) -> None:
    """Child process: one case, its result as JSON on the last line of stdout."""
    config = {} if args.config == "default" else SHORT
    cpu = cpu_seconds()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        if args.case == "batch_run":
            out = case_batch_run(args.runs, args.workers, config)
        else:
            out = case_sweep(args.runs, args.case, args.workers, config, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["cpu"] = cpu_seconds() - cpu
    print(json.dumps(out))


# -------------------------------------------------------- measuring a case
def measure(case: str, runs: int, workers: int, config: str) -> dict:
    """Run one case in a fresh process; its timing plus the tree's peak memory."""
    import psutil
    cmd = [sys.executable, str(HERE), "--case", case, "--runs", str(runs),
           "--workers", str(workers), "--config", config]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in procs:
            try:
                total += p.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        peak = max(peak, total)
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"case {case} failed:\n{stderr[-3000:]}")
    out = json.loads(stdout.strip().splitlines()[-1])
    out["peak_mb"] = peak / 2**20
    out["rate"] = out["runs"] / out["seconds"]
    return out


def summarize(results: list[dict]) -> dict:
    med = {k: statistics.median(r[k] for r in results)
           for k in ("seconds", "rate", "peak_mb", "cpu")}
    med["all_seconds"] = [round(r["seconds"], 1) for r in results]
    return med


def repeat(n: int, *cases: tuple) -> list[dict]:
    """Each case `n` times, interleaved (A B A B ...) so that a change in the
    machine's load hits every case alike; the medians per case."""
    results: list[list[dict]] = [[] for _ in cases]
    for _ in range(n):
        for i, case in enumerate(cases):
            results[i].append(measure(*case))
    return [summarize(r) for r in results]


def fmt(name: str, r: dict) -> str:
    return (f"  {name:<36} {r['seconds']:7.1f} s {r['rate']:7.1f} runs/s  "
            f"cpu {r['cpu']:7.1f} s  peak {r['peak_mb']:6.0f} MB  (each: {r['all_seconds']})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--config", default="default", help=argparse.SUPPRESS)
    ap.add_argument("--only", choices=("throughput", "batch_run", "big"),
                    action="append", help="run only these parts")
    ap.add_argument("--repeats", type=int, default=3, help="repeats per case (median)")
    ap.add_argument("--throughput-runs", type=int, default=400)
    ap.add_argument("--compare-runs", type=int, default=1000)
    ap.add_argument("--big-runs", type=int, default=20_000)
    ap.add_argument("--big-config", choices=("default", "short"), default="short",
                    help="config of the 20,000-run sweep (short: 4 centers, 12 weeks)")
    ap.add_argument("--no-big-batch-run", action="store_true",
                    help="skip mesa.batch_run on the 20,000 runs (it holds every model "
                    "in memory in Mesa 3.3: several GB)")
    args = ap.parse_args()
    if args.case:
        run_case(args)
        return 0

    from bscsim.sweep.store import all_versions
    v = all_versions()
    parts = args.only or ["throughput", "batch_run", "big"]
    print(f"bench_sweep: {platform.node()}, {os.cpu_count()} cores, Python {v['python']}, "
          f"bscsim {v['bscsim']} {v['git'][:12]}, mesa {v['mesa']}; load average "
          f"{os.getloadavg()[0]:.2f} at start")
    if "throughput" in parts:
        n = args.throughput_runs
        print(f"\n1. throughput: {n} runs, default config, median of {args.repeats}")
        serial, procs = repeat(args.repeats, ("serial", n, 1, "default"),
                               ("processes", n, 2, "default"))
        print(fmt("bscsim sweep, serial", serial))
        print(fmt("bscsim sweep, processes x2", procs))
        speedup = procs["rate"] / serial["rate"]
        print(f"  speed-up {speedup:.2f}x, parallel efficiency {speedup / 2:.0%} "
              f"(target >= 85%)")
    if "batch_run" in parts:
        n = args.compare_runs
        reps = max(1, args.repeats // 3)
        print(f"\n2. the same {n} runs (default config), 2 processes each, "
              f"median of {reps}")
        sweep, mesa = repeat(reps, ("processes", n, 2, "default"),
                             ("batch_run", n, 2, "default"))
        print(fmt("bscsim sweep, processes x2", sweep))
        print(fmt("mesa.batch_run, number_processes=2", mesa))
        print(f"  bscsim sweep is {mesa['seconds'] / sweep['seconds']:.2f}x faster "
              f"(target >= 3x) and uses {mesa['peak_mb'] / sweep['peak_mb']:.1f}x less "
              f"peak memory (target >= 10x)")
    if "big" in parts:
        n = args.big_runs
        print(f"\n3. a {n}-run sweep, processes x2, {args.big_config} config"
              + (" (4 centers, 12 weeks, no follow-up)" if args.big_config == "short" else ""))
        [big] = repeat(1, ("processes", n, 2, args.big_config))
        print(fmt(f"bscsim sweep, {n} runs", big))
        print(f"  peak memory {big['peak_mb']:.0f} MB (target < 500 MB)")
        if not args.no_big_batch_run:
            [mesa] = repeat(1, ("batch_run", n, 2, args.big_config))
            print(fmt(f"mesa.batch_run, {n} runs", mesa))
            print(f"  the same {n} runs: bscsim sweep is "
                  f"{mesa['seconds'] / big['seconds']:.2f}x faster and uses "
                  f"{mesa['peak_mb'] / big['peak_mb']:.1f}x less peak memory")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
