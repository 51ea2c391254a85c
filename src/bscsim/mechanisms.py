"""Analyses: mechanism checks, one per arrow of the theory of change the model claims.

Each check compares paired runs (replicate r of every configuration uses seed r)
and passes when the 95% interval of the paired difference lies on the side the
theory expects. The arrows and the check that stands for each are listed in
docs/odd.md (section 8, "The arrows the model claims, and their checks"); `bscsim
check-mechanisms` prints the table, and tests/test_mechanisms.py keeps it honest
with deliberately wrong rules (mutants) that it must catch.

Matched PDSA volume: a mechanism switched off also changes how many tests are run
(safety, inquiry and peer ties raise the chance to start one). To ask what the
mechanism does *beyond* more tests, its "off" run replays the full run's PDSA
starts: the same people start a cycle in the same weeks (possible because every
process draws its random numbers per person and week, model/draws.py, so turnover
and cycle lengths stay aligned), and only what is tested, learned and kept can
differ. `start_rate_share` says how much of the three mechanisms' joint effect
runs through the start rate alone.

Dose-responses: a mechanism's strength at `DOSE_LEVELS` points of its plausible
range; the check passes when the top beats the bottom (95% interval above 0) and
no step between neighbouring levels goes down significantly (monotone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .model import BSCModel
from .params import BY_NAME, Params
from .patterns import interval
from .results import Result

SWITCHES = {"psych_safety": "psych_safety_on", "vicarious": "vicarious_on",
            "inquiry": "inquiry_on"}
# The strength each dose-response varies over its plausible range.
DOSES = {"psych_safety": "ps_gain", "vicarious": "tie_gain", "inquiry": "inquiry_gain_ls"}
DOSE_LEVELS = 3
OUTPUT = "practice_gain_sd"
HIDDEN = {"failure_report_power": 10.0}            # failures are (almost) never shared
ADOPT_ALL = {"adopt_threshold": -1.0, "abandon_threshold": -2.0}


def run_one(params: Params, seed: int, replay: dict | None = None) -> tuple[pd.Series, dict]:
    """One run: its summary, and its PDSA starts (week -> posts) for replaying."""
    model = BSCModel(params, rng=seed, replay_starts=replay)
    try:
        model.run()
        return Result(model, seed).summary, model.starts
    finally:
        model.release()


def _run_task(args) -> tuple[pd.Series, dict]:
    return run_one(*args)


class Runs:
    """Replicated runs of variants of one parameter set, built on demand and kept.
    Replicate r of every variant uses seed r; a variant can replay the base run's
    PDSA starts (same people, same weeks) to hold PDSA volume fixed. With a
    process pool (`pool`), the replicates of a variant run in parallel."""

    def __init__(self, params: Params, replicates: int, pool=None):
        self.params = params
        self.seeds = list(range(replicates))
        self.pool = pool
        self._cache: dict[tuple, pd.DataFrame] = {}
        self._starts: list[dict] = []

    def summaries(self, changes: dict, replay: bool = False) -> pd.DataFrame:
        key = (tuple(sorted(changes.items())), replay)
        if key not in self._cache:
            if replay:
                self.summaries({})                 # the base run records its starts
            p = self.params.replace(**changes) if changes else self.params
            tasks = [(p, s, self._starts[i] if replay else None)
                     for i, s in enumerate(self.seeds)]
            done = list(self.pool.map(_run_task, tasks) if self.pool else map(_run_task, tasks))
            if not changes and not replay:
                self._starts = [starts for _, starts in done]
            self._cache[key] = pd.DataFrame([summary for summary, _ in done])
        return self._cache[key]

    def values(self, changes: dict, output: str = OUTPUT, replay: bool = False) -> np.ndarray:
        return self.summaries(changes, replay)[output].to_numpy()


def off(mechanisms) -> dict:
    return {SWITCHES[m]: False for m in mechanisms}


@dataclass(frozen=True)
class Check:
    key: str
    arrow: str                                 # the arrow of the theory it stands for
    statistic: str
    value: Callable[[Runs], np.ndarray]        # paired difference, one per replicate
    dose: str | None = None                    # a dose-response: the strength varied


def _gain_minus(changes: dict, replay: bool = False) -> Callable[[Runs], np.ndarray]:
    return lambda r: r.values({}) - r.values(changes, replay=replay)


def dose_levels(name: str) -> np.ndarray:
    low, high = BY_NAME[name].plausible
    return np.linspace(low, high, DOSE_LEVELS)


def _dose(mechanism: str) -> Callable[[Runs], np.ndarray]:
    name = DOSES[mechanism]
    levels = dose_levels(name)
    return lambda r: (r.values({name: float(levels[-1])})
                      - r.values({name: float(levels[0])}))


CHECKS: tuple[Check, ...] = (
    Check("M1", "psychological safety -> learning (beyond more tests)",
          "practice gain: full - safety off, same PDSA starts",
          _gain_minus(off(["psych_safety"]), replay=True)),
    Check("M2", "vicarious learning -> learning (beyond more tests)",
          "practice gain: full - vicarious off, same PDSA starts",
          _gain_minus(off(["vicarious"]), replay=True)),
    Check("T1", "voice has content: teammates learn from what is said",
          "practice gain: full - teammates do not listen (team_weight 0), same PDSA starts",
          _gain_minus({"team_weight": 0.0}, replay=True)),
    Check("M3", "inquiry mindset -> learning (beyond more tests)",
          "practice gain: full - inquiry off, same PDSA starts",
          _gain_minus(off(["inquiry"]), replay=True)),
    Check("S1", "Study and Act: acting on evidence beats adopting everything",
          "practice gain: full - adopt every tested idea, drop none",
          _gain_minus(ADOPT_ALL)),
    Check("H1", "hidden failures -> harmful practices kept",
          "harmful share of practices in use: failures hidden - full",
          lambda r: (r.values(HIDDEN, "harmful_in_use_share")
                     - r.values({}, "harmful_in_use_share"))),
    Check("H2", "hidden failures -> wrong lessons cost practice",
          "practice gain: full - failures hidden (failure_report_power 10)",
          _gain_minus(HIDDEN)),
    Check("V1", "other programs' results (information alone) -> practice",
          "practice gain, peer pressure off: vicarious on - off",
          lambda r: (r.values({"vicarious_drive": 0.0})
                     - r.values({"vicarious_drive": 0.0, "vicarious_on": False}))),
    Check("D1", "dose-response: safety gain", "practice gain: ps_gain top - bottom",
          _dose("psych_safety"), dose="ps_gain"),
    Check("D2", "dose-response: contact between programs (tie growth)",
          "practice gain: tie_gain top - bottom", _dose("vicarious"), dose="tie_gain"),
    Check("D3", "dose-response: inquiry gain",
          "practice gain: inquiry_gain_ls top - bottom", _dose("inquiry"),
          dose="inquiry_gain_ls"),
)
BY_KEY = {c.key: c for c in CHECKS}


def monotone(runs: Runs, name: str) -> bool:
    """No step between neighbouring dose levels lowers practice gain significantly
    (the 95% interval of a step's paired difference lies wholly below 0)."""
    means = [runs.values({name: float(x)}) for x in dose_levels(name)]
    return all(interval(b - a)[2] >= 0 for a, b in zip(means, means[1:]))


def check_mechanisms(params: Params, replicates: int = 60, keys: list[str] | None = None,
                     pool=None, progress: bool = False) -> tuple[pd.DataFrame, Runs]:
    """The table of mechanism checks (all, or `keys`) on `params`; `progress`: a
    bar on stderr, one step per check (shown on a terminal only)."""
    from tqdm import tqdm
    runs = Runs(params, replicates, pool)
    rows = []
    checks = CHECKS if keys is None else [BY_KEY[k] for k in keys]
    for check in tqdm(checks, desc="mechanism checks", unit="check",
                      disable=None if progress else True):
        values = check.value(runs)
        mean, lo, hi = interval(values)
        mono = monotone(runs, check.dose) if check.dose else True
        rows.append({"check": check.key, "arrow": check.arrow,
                     "statistic": check.statistic, "mean": mean, "ci_low": lo,
                     "ci_high": hi, "monotone": mono, "passed": bool(lo > 0 and mono)})
    return pd.DataFrame(rows), runs


def start_rate_share(runs: Runs) -> dict[str, float]:
    """How much of the three mechanisms' joint effect on practice gain runs through
    the PDSA start rate: (all off with the full run's starts - all off) / (full -
    all off)."""
    all_off = off(SWITCHES)
    full = runs.values({}).mean()
    none = runs.values(all_off).mean()
    replayed = runs.values(all_off, replay=True).mean()
    joint = full - none
    return {"joint": float(joint), "through_start_rate": float(replayed - none),
            "share": float((replayed - none) / joint) if joint else float("nan")}


def format_table(table: pd.DataFrame, share: dict | None = None) -> str:
    lines = [f"{'check':<6}{'arrow of the theory':<58}{'paired difference (95% CI)':>30}  result"]
    for r in table.itertuples():
        value = f"{r.mean:+.3f} ({r.ci_low:+.3f}, {r.ci_high:+.3f})"
        result = "pass" if r.passed else ("FAIL (not monotone)" if not r.monotone else "FAIL")
        lines.append(f"{r.check:<6}{r.arrow[:57]:<58}{value:>30}  {result}")
    lines.append(f"\n{int(table['passed'].sum())} of {len(table)} checks passed.")
    if share is not None:
        lines.append(
            f"Joint effect of the three mechanisms on practice gain: {share['joint']:+.3f} SD, "
            f"of which {share['through_start_rate']:+.3f} SD ({100 * share['share']:.0f}%) "
            "runs through the PDSA start rate alone.")
    return "\n".join(lines)
