"""Check that a change to how the model computes leaves what it computes unchanged:
every output table of a set of runs, stored once and compared with exact equality.

    python benchmarks/same_outputs.py save results/same_outputs/before.pkl
    ... change the code ...
    python benchmarks/same_outputs.py compare results/same_outputs/before.pkl

Runs: 20 seeds of the default config; 8 each of configs/ccl_phase1.toml and the
coaching, training-only, business-as-usual and no-cross-program arms; 2 runs of
100 centers (issue 11's speed goal:
outputs must stay bit-identical). Compares the summary, the weekly timeseries, the
by-center and by-classroom tables and the PDSA log, NaN equal to NaN.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import bscsim

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("timeseries", "centers", "classrooms", "pdsa_log")


def cases():
    default = bscsim.load_config()
    yield from (("default", default, s) for s in range(20))
    for name in ("ccl_phase1.toml", "arms/coaching.toml", "arms/training_only.toml",
                 "arms/business_as_usual.toml", "arms/bsc_no_cross_program.toml"):
        p = bscsim.load_config(ROOT / "configs" / name)
        yield from ((name, p, s) for s in range(100, 108))
    big = default.replace(n_centers=100)
    yield from (("100 centers", big, s) for s in range(200, 202))


def outputs() -> dict:
    out = {}
    for name, p, seed in cases():
        r = bscsim.simulate(p, seed=seed)
        out[(name, seed)] = {"summary": r.summary,
                             **{t: getattr(r, t) for t in TABLES}}
    return out


def same(a, b) -> bool:
    if isinstance(a, pd.Series):
        return a.index.equals(b.index) and _same_array(a.to_numpy(), b.to_numpy())
    return (list(a.columns) == list(b.columns) and len(a) == len(b)
            and all(_same_array(a[c].to_numpy(), b[c].to_numpy()) for c in a.columns))


def _same_array(x, y) -> bool:
    if x.dtype.kind == "f" or y.dtype.kind == "f":
        return x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)
    return x.dtype == y.dtype and bool((x == y).all())


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("save", "compare"):
        print(__doc__)
        return 2
    what, path = argv[0], Path(argv[1])
    now = outputs()
    if what == "save":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(now))
        print(f"saved {len(now)} runs to {path}")
        return 0
    before = pickle.loads(path.read_bytes())
    bad = [(key, t) for key in before for t in before[key]
           if not same(before[key][t], now[key][t])]
    for key, t in bad:
        print(f"DIFFERENT: {key} {t}")
    print(f"{len(before)} runs, {len(bad)} tables differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
