"""Strategy ranking with the shared evidence base (issue 22).

Question: which of the full BSC, individual coaching, a training workshop only and
business as usual gains most SEL practice (practice_gain_sd, participating
classrooms, end of the collaborative), at the defaults and across a calibrated
posterior? Every strategy reads the same research evidence with its error
(`research_evidence_sd`); `--set research_evidence_sd=0` gives the oracle of
issue 22 (evidence = the true mean effects) to compare. Runs go through the
ensemble engine with common random numbers (seed r for every arm). Prints tables;
writes nothing.

    python benchmarks/strategy_ranking.py                          # defaults, 100 seeds
    python benchmarks/strategy_ranking.py --set research_evidence_sd=0
    python benchmarks/strategy_ranking.py --posterior DIR --draws 20 --seeds 40
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import bscsim
from bscsim.config import configs_dir, load_config, parse_set
from bscsim.posterior import posterior_draws

ARMS = ("full_bsc", "coaching", "training_only", "business_as_usual")
OUTCOME = "practice_gain_sd"


def arm_params(changes: dict) -> dict[str, bscsim.Params]:
    """Each arm's parameters with `changes` applied to all."""
    out = {}
    for arm in ARMS:
        p = load_config(configs_dir() / "arms" / f"{arm}.toml")
        out[arm] = p.replace(**changes) if changes else p
    return out


def arm_gains(changes: dict, seeds) -> pd.DataFrame:
    """practice_gain_sd per seed (rows) and arm (columns), common random numbers."""
    seeds = list(seeds)
    params = arm_params(changes)
    runs = [params[a] for a in ARMS for _ in seeds]
    summary = bscsim.simulate_many(runs, seeds * len(ARMS))
    return pd.DataFrame(summary[OUTCOME].to_numpy().reshape(len(ARMS), len(seeds)).T,
                        columns=list(ARMS))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=100, help="seeds (per posterior draw)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--posterior", help="a folder written by `bscsim calibrate`")
    ap.add_argument("--draws", type=int, default=20)
    args = ap.parse_args(argv)
    changes = parse_set(args.set)
    gains = arm_gains(changes, range(args.seeds))
    n = len(gains)
    ref = gains["business_as_usual"]
    print(f"defaults{' with ' + str(changes) if changes else ''}: {OUTCOME}, {n} seeds")
    print(f"{'arm':<20}{'mean':>8}{'(se)':>8}{'vs BAU':>9}{'(se)':>8}")
    for arm in ARMS:
        d = gains[arm] - ref
        print(f"{arm:<20}{gains[arm].mean():>8.3f}{gains[arm].std(ddof=1) / np.sqrt(n):>8.3f}"
              f"{d.mean():>+9.3f}{d.std(ddof=1) / np.sqrt(n):>8.3f}")
    d = gains["full_bsc"] - gains["coaching"]
    print(f"full_bsc - coaching: {d.mean():+.3f} (se {d.std(ddof=1) / np.sqrt(n):.3f}); "
          f"ranking: {' > '.join(gains.mean().sort_values(ascending=False).index)}")
    if args.posterior:
        rows = []
        for draw in posterior_draws(args.posterior, args.draws, seed=0):
            m = arm_gains({**changes, **draw}, range(args.seeds)).mean()
            rows.append(m)
        by_draw = pd.DataFrame(rows)
        first = by_draw.idxmax(axis=1).value_counts()
        print(f"\nacross the posterior: {args.draws} draws x {args.seeds} seeds")
        print(f"{'arm':<20}{'median':>8}{'q05':>8}{'q95':>8}{'first':>7}")
        for arm in ARMS:
            g = by_draw[arm]
            print(f"{arm:<20}{g.median():>8.3f}{g.quantile(0.05):>8.3f}"
                  f"{g.quantile(0.95):>8.3f}{int(first.get(arm, 0)):>7}")
        d = by_draw["full_bsc"] - by_draw["coaching"]
        print(f"full_bsc - coaching per draw: median {d.median():+.3f}, "
              f"BSC ahead in {int((d > 0).sum())} of {len(d)} draws")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
