"""Analyses (small): the dashboard's comparison of two settings on common seeds.

Each replicate runs the current settings and the reference with the same seed, so
the two runs share their random streams (common random numbers, `model.streams`)
and the paired difference shows the effect of the settings rather than noise. The
band is the 95% t-interval of the mean difference over the replicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import Params
from ..simulate import simulate

# Reference choices built from the current settings: the same run with one of the
# seed's three mechanisms switched off (which mechanism carries the effect?).
MECHANISM_SWITCHES = {
    "psych_safety": "psych_safety_on",
    "vicarious": "vicarious_on",
    "inquiry": "inquiry_on",
}

OUTPUTS = ("practice_participating", "child_se", "cb_share", "psych_safety", "inquiry",
           "efficacy")
SUMMARY_SHOWN = ("practice_gain_sd", "child_se_gain_sd", "challenging_behavior_change",
                 "classrooms_improved_share", "psych_safety_end", "inquiry_end",
                 "pdsa_completed_per_team", "practice_gain_sd_followup")


@dataclass
class Comparison:
    """Paired differences (current minus reference) over `n` replicates."""

    weekly: pd.DataFrame    # week, output, mean, lo, hi, current, reference
    summary: pd.DataFrame   # output, current, reference, difference, lo, hi
    n: int


def replicate_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """`n` fresh child seeds of `seed`; call again for the other arm, so that each
    run gets its own, unspent SeedSequence with the same state."""
    return [np.random.SeedSequence(seed, spawn_key=(i,)) for i in range(n)]


def compare(current: Params, reference: Params, n: int = 5, seed: int = 0,
            outputs: tuple[str, ...] = OUTPUTS,
            progress=None) -> Comparison:
    """Run both settings on the same `n` seeds and summarise the differences.

    `progress(done, total)` is called after each run, if given.
    """
    from scipy import stats  # imported here: keeps the dashboard's start-up short

    if n < 2:
        raise ValueError("a comparison needs at least 2 replicates for its band")
    runs = {"current": [], "reference": []}
    total, done = 2 * n, 0
    for arm, params in (("current", current), ("reference", reference)):
        for s in replicate_seeds(seed, n):
            runs[arm].append(simulate(params, seed=s))
            done += 1
            if progress is not None:
                progress(done, total)
    weeks = min(len(runs["current"][0].timeseries), len(runs["reference"][0].timeseries))
    t = stats.t.ppf(0.975, n - 1)
    rows = []
    for name in outputs:
        cur = np.array([r.timeseries[name].to_numpy()[:weeks] for r in runs["current"]])
        ref = np.array([r.timeseries[name].to_numpy()[:weeks] for r in runs["reference"]])
        d = cur - ref
        mean, half = d.mean(axis=0), t * d.std(axis=0, ddof=1) / np.sqrt(n)
        rows.append(pd.DataFrame({"week": np.arange(weeks), "output": name,
                                  "mean": mean, "lo": mean - half, "hi": mean + half,
                                  "current": cur.mean(axis=0),
                                  "reference": ref.mean(axis=0)}))
    summ = []
    for name in SUMMARY_SHOWN:
        cur = np.array([r.summary[name] for r in runs["current"]])
        ref = np.array([r.summary[name] for r in runs["reference"]])
        d = cur - ref
        half = t * d.std(ddof=1) / np.sqrt(n)
        summ.append({"output": name, "current": cur.mean(), "reference": ref.mean(),
                     "difference": d.mean(), "lo": d.mean() - half,
                     "hi": d.mean() + half})
    return Comparison(pd.concat(rows, ignore_index=True), pd.DataFrame(summ), n)
