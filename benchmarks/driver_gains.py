"""Practice gain and PDSA cycles by driver of the Change Framework (issue 22).

Question: does the full BSC reach all five drivers, or does the order of the ideas
in the package decide which drivers improve? For the default collaborative (or a
config), over `--seeds` replicates (ensemble engine): per driver, the mean
participating classroom's practice gain from baseline to the end of the
collaborative in SD of practice (drivers 1-4), the change in the centers'
organizational capacity (driver 5, in capacity units), and the completed PDSA
cycles per team on the driver's ideas. Prints a table; writes nothing.

    python benchmarks/driver_gains.py                  # defaults, 40 seeds
    python benchmarks/driver_gains.py --seeds 100 --config configs/arms/full_bsc.toml
"""

from __future__ import annotations

import argparse

import numpy as np

from bscsim.config import load_config
from bscsim.model.framework import DRIVERS
from bscsim.model.model import BSCModel
from bscsim.params import make_params


def driver_table(params, seeds) -> dict[str, np.ndarray]:
    """Per driver (rows of DRIVERS): mean gain and mean cycles per team over the
    seeds, and their standard errors."""
    model = BSCModel([params] * len(seeds), list(seeds)).run()
    drivers = model.log.column("driver").astype(np.int64)
    center = model.log.column("center").astype(np.int64)
    gains, cycles = [], []
    for b in range(model.n_blocks):
        cs, rs, _ = model.rows_of(b)
        snap = model.block_snapshots[b]
        base, end = snap["baseline"], snap.get("end_collab", snap["baseline"])
        part = model.rooms.participating[rs]
        sd = params.practice_sd
        gain = ((end["drivers"] - base["drivers"])[part] / sd).mean(axis=0)
        gains.append(np.append(gain, end["capacity"] - base["capacity"]))
        mine = (center >= cs.start) & (center < cs.stop)
        cycles.append(np.bincount(drivers[mine], minlength=len(DRIVERS))
                      / (cs.stop - cs.start))
    gains, cycles = np.array(gains), np.array(cycles)
    n = len(seeds)
    return {"gain": gains.mean(0), "gain_se": gains.std(0, ddof=1) / np.sqrt(n),
            "cycles": cycles.mean(0), "cycles_se": cycles.std(0, ddof=1) / np.sqrt(n)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--config", help="a run config (default: the defaults)")
    args = ap.parse_args(argv)
    params = load_config(args.config) if args.config else make_params()
    t = driver_table(params, range(args.seeds))
    print(f"{'driver':<16}{'gain':>9}{'(se)':>8}{'cycles/team':>13}{'(se)':>8}")
    for d, name in enumerate(DRIVERS):
        unit = "" if d < 4 else "  (capacity units)"
        print(f"{d + 1} {name:<14}{t['gain'][d]:>+9.3f}{t['gain_se'][d]:>8.3f}"
              f"{t['cycles'][d]:>13.2f}{t['cycles_se'][d]:>8.2f}{unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
