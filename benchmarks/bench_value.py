"""Benchmark: `bscsim value configs/decisions/scale_bsc.toml` (2,000 parameter draws x
4 options, and the study's 5 collaboratives per draw) on 2 worker processes.
Goals (issue 23): the whole command in <= 5 minutes on 2 cores; the EVPPI
standard errors <= 10% of the EVPI for the groups reported (at the headline
willingness to pay).

Measures, in a fresh Python process (the command's own code path, `run_value`):
the wall time of the runs (every option's and the study's sweep) and of the
analysis (regressions, tables, figures, report), and the CPU time of the process
tree (driver + workers: RUSAGE_CHILDREN, which depends less on the machine's load
than wall time). The load average at start and end is printed: on a shared
machine read the CPU time, not only the wall time. `--draws N` runs a smaller
decision (the goals are stated for 2,000).

    python benchmarks/bench_value.py
    python benchmarks/bench_value.py --draws 500
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DECISION = ROOT / "configs" / "decisions" / "scale_bsc.toml"
LIMIT_S = 300
SE_SHARE = 0.10

CHILD = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from bscsim.value import load_decision
from bscsim.value import run as R
d = load_decision(sys.argv[1])
n = int(sys.argv[3])
if n:
    d = d.replace(draws=n)
t0 = time.perf_counter()
draws, sources = R.draw_parameters(d)
specs = R.sweeps(d, draws)
runs = {}
for name, spec in specs.items():
    R.run_sweep(spec, f"{sys.argv[2]}/{name}", executor="processes",
                workers=int(sys.argv[4]), progress=False)
    runs[name] = R.load_sweep(f"{sys.argv[2]}/{name}").sort_values("run", ignore_index=True)
t1 = time.perf_counter()
result = R.analyse(d, draws, runs, sources)
import pathlib
folder = pathlib.Path(sys.argv[2]) / "tables"
folder.mkdir()
R.write(result, folder, runs)
t2 = time.perf_counter()
w = d.headline_wtp
evpi = float(result.evpi.loc[result.evpi["wtp"] == w, "evpi_per_center"].iloc[0])
g = result.groups[result.groups["wtp"] == w]
print(json.dumps({"runs": int(sum(len(r) for r in runs.values())), "run_s": t1 - t0,
                  "analysis_s": t2 - t1, "total_s": t2 - t0, "evpi": evpi,
                  "groups": g[["group", "evppi_per_center", "se_per_center"]]
                  .to_dict("records")}))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=0, help="draws (default: the file's)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        p = subprocess.run([sys.executable, "-c", CHILD, str(DECISION),
                            str(Path(tmp) / "out"), str(args.draws), str(args.workers)],
                           capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        print(p.stderr[-3000:])
        return 1
    out = json.loads(p.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"load average at end: {os.getloadavg()}")
    print(f"runs: {out['runs']:,} in {out['run_s']:.0f} s wall; analysis "
          f"{out['analysis_s']:.0f} s wall; total {out['total_s']:.0f} s wall, "
          f"{cpu:.0f} s CPU (driver + workers)")
    print(f"goal: total <= {LIMIT_S} s on 2 cores: "
          f"{'met' if out['total_s'] <= LIMIT_S else 'NOT met'} (wall, on this load)")
    evpi = out["evpi"]
    print(f"EVPI per center at the headline wtp: {evpi:,.0f}")
    worst = 0.0
    for g in out["groups"]:
        share = g["se_per_center"] / evpi if evpi > 0 else float("inf")
        worst = max(worst, share)
        print(f"  {g['group']:<14} EVPPI {g['evppi_per_center']:>10,.0f}  SE "
              f"{g['se_per_center']:>8,.0f}  SE/EVPI {share:.1%}")
    print(f"goal: every group's SE <= {SE_SHARE:.0%} of EVPI: "
          f"{'met' if worst <= SE_SHARE else 'NOT met'} (largest {worst:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
