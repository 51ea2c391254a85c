"""Experiment 10: does every mechanism's strength move practice, and what sets the ceiling?

Question (issue 22): over its declared plausible range, does each numeric parameter
of the three mechanisms (groups psych_safety, vicarious, inquiry in
bscsim.params) move the BSC's practice gain monotonically and distinguishably (the
top of the range minus the bottom, paired by seed, with its 95% interval above 0 or
below 0; no step between neighbouring levels against the overall direction)? And
how far is the BSC from what the model allows: each classroom handed its three best
ideas at week 0 (true effects: an oracle, for scale only), three at random, and the
BSC, with the attention and slot limits (`n_practices_attention`,
`n_practices_max`) at their defaults and at the top of their plausible range.

Writes under results/12_doses/ (or --out):
    doses.csv        per parameter: main (the mechanism's strength or level),
                     bottom, top, mean gain at each level, top - bottom with its
                     95% interval, monotone, distinguishable
    ceiling.csv      handed ideas vs BSC, at the default and the lifted limits
    provenance.json  config, seeds, versions, command

    python experiments/12_doses.py            # 60 seeds, ~5 min on 2 cores
    python experiments/12_doses.py --quick    # 3 seeds, short run (tests)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from bscsim.config import default_config_path, load_config
from bscsim.model import BSCModel
from bscsim.model.framework import CLASSROOM_DRIVERS
from bscsim.model.practices import fidelity_of, put_in_use
from bscsim.params import PARAMS
from bscsim.patterns import interval
from bscsim.results import Result, versions
from bscsim.simulate import simulate_many

QUICK = {"n_centers": 4, "weeks_collab": 12, "weeks_followup": 0}
GROUPS = ("psych_safety", "vicarious", "inquiry")
# each mechanism's main strengths and levels (issue 22, item 5)
MAIN = ("psych_safety_baseline", "ps_gain", "failure_report_power", "team_weight",
        "vicarious_weight_ls", "vicarious_weight_call", "tie_gain", "vicarious_drive",
        "inquiry_baseline", "inquiry_gain_ls", "inquiry_gain_pdsa")
LEVELS = 3
OUTPUT = "practice_gain_sd"
# business as usual (configs/arms/business_as_usual.toml): no team, no PDSA, no
# sessions, calls, faculty, training or coaching
BAU = {"teams_on": False, "pdsa_support": False, "n_learning_sessions": 0,
       "call_interval_weeks": 0, "affinity_calls": False, "faculty_hours_month": 0.0,
       "training_dose": 0.0, "coaching_hours_week": 0.0}
LIFTED = {"n_practices_max": 5, "n_practices_attention": 4}   # top of plausible


def levels(param) -> list:
    low, high = param.plausible
    values = np.linspace(low, high, LEVELS)
    return [int(round(v)) for v in values] if param.kind is int else [float(v) for v in values]


def doses(params, seeds: list[int]) -> pd.DataFrame:
    names = [p for p in PARAMS if p.group in GROUPS and p.kind is not bool]
    runs, keys = [], []
    for param in names:
        for value in levels(param):
            runs.append(params.replace(**{param.name: value}))
            keys.append((param.name, value))
    # one row per (parameter, level, seed), all in one ensemble call
    summary = simulate_many([p for p in runs for _ in seeds], seeds * len(runs))
    gain = summary[OUTPUT].to_numpy().reshape(len(runs), len(seeds))
    rows, k = [], 0
    for param in names:
        values = levels(param)
        g = gain[k:k + len(values)]
        k += len(values)
        mean, lo, hi = interval(g[-1] - g[0])
        direction = np.sign(mean)
        steps = [interval(b - a) for a, b in zip(g, g[1:])]
        # monotone: no step significantly against the overall direction
        monotone = all((s[2] >= 0) if direction >= 0 else (s[1] <= 0) for s in steps)
        rows.append({"parameter": param.name, "group": param.group,
                     "main": param.name in MAIN, "bottom": values[0], "top": values[-1],
                     **{f"gain_{j}": float(g[j].mean()) for j in range(len(values))},
                     "top_minus_bottom": mean, "ci_low": lo, "ci_high": hi,
                     "distinguishable": bool(lo > 0 or hi < 0), "monotone": monotone})
    return pd.DataFrame(rows)


def handed(params, seed: int, how: str, k: int = 3) -> float:
    """Practice gain when every classroom gets `k` classroom-driver package ideas
    in use at week 0 ("best": its k largest true effects; "random"), with no BSC."""
    model = BSCModel(params.replace(**BAU), rng=seed)
    try:
        r = model.rooms
        n_pkg = model.package.n_package
        effect = model.room_effect()[:, :n_pkg].copy()
        driver = model.package.driver[r.center][:, :n_pkg]
        effect[driver >= CLASSROOM_DRIVERS] = -np.inf
        if how == "best":
            pick = np.argsort(-effect, axis=1, kind="stable")[:, :k]
        else:
            g = np.random.default_rng([seed, 22])
            pick = np.array([g.choice(np.flatnonzero(np.isfinite(e)), k, replace=False)
                             for e in effect])
        rooms, ideas = np.repeat(np.arange(r.n), k), pick.ravel()
        fid = fidelity_of(model.at_rooms(rooms), model.center_knowledge()[r.center[rooms]],
                          model.package.driver[r.center[rooms], ideas])
        put_in_use(model, rooms, ideas, fid, np.full(len(rooms), -1), displace=False)
        model.run()
        return float(Result(model, seed).summary[OUTPUT])
    finally:
        model.release()


def ceiling(params, seeds: list[int]) -> pd.DataFrame:
    rows = []
    for limits, p in (("default", params), ("lifted", params.replace(**LIFTED))):
        arms = {"three best ideas at week 0": [handed(p, s, "best") for s in seeds],
                "three random ideas at week 0": [handed(p, s, "random") for s in seeds],
                "BSC": simulate_many(p, seeds)[OUTPUT].tolist()}
        for arm, values in arms.items():
            mean, lo, hi = interval(np.array(values))
            rows.append({"limits": limits, "n_practices_max": p.n_practices_max,
                         "n_practices_attention": p.n_practices_attention, "arm": arm,
                         "practice_gain_sd": mean, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 seeds on a short collaborative")
    ap.add_argument("--seeds", type=int, default=60, help="paired seeds (default 60)")
    ap.add_argument("--out", help="output folder (default results/12_doses)")
    args = ap.parse_args(argv)
    out = Path(args.out or ("results/12_doses_quick" if args.quick else "results/12_doses"))
    out.mkdir(parents=True, exist_ok=True)
    params = load_config(default_config_path())
    seeds = list(range(3 if args.quick else args.seeds))
    if args.quick:
        params = params.replace(**QUICK)
    table = doses(params, seeds)
    table.to_csv(out / "doses.csv", index=False)
    limits = ceiling(params, seeds)
    limits.to_csv(out / "ceiling.csv", index=False)
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.float_format", "{:+.3f}".format):
        print(table.drop(columns=["group"]).to_string(index=False))
        print()
        print(limits.to_string(index=False))
    command = " ".join(["python", "experiments/12_doses.py",
                        *(argv if argv is not None else sys.argv[1:])])
    (out / "provenance.json").write_text(json.dumps({
        "command": command, "config": str(default_config_path()),
        "changes": QUICK if args.quick else {}, "seeds": seeds, "levels": LEVELS,
        "output": OUTPUT, "versions": versions()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
