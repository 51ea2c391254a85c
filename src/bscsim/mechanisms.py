"""Analyses: mechanism checks, one per arrow of the theory of change the model claims.

Each check compares paired runs (replicate r of every configuration uses seed r)
and passes when the 95% interval of the paired difference lies on the side the
theory expects. The arrows and the check that stands for each are listed in
docs/odd.md (section 8, "Mechanism checks").

Matched PDSA volume: a mechanism switched off also changes how many tests are run
(safety, inquiry and peer ties raise the chance to start one). To ask what the
mechanism does *beyond* more tests, its "off" run replays the full run's PDSA
starts: the same people start a cycle in the same weeks (possible because every
process draws its random numbers per person and week, model/draws.py, so turnover
and cycle lengths stay aligned), and only what is tested, learned and kept can
differ.
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
DOSES = {"psych_safety": "ps_gain", "vicarious": "tie_gain",
         "inquiry": "inquiry_gain_ls"}
DOSE_LEVELS = 3
OUTPUT = "practice_gain_sd"


class Runs:
    """Replicated runs of named variants of one parameter set, built on demand.
    Replicate r of every variant uses seed r; a variant can replay the base run's
    PDSA starts (same people, same weeks) to hold PDSA volume fixed."""

    def __init__(self, params: Params, replicates: int):
        self.params = params
        self.seeds = range(replicates)
        self._cache: dict[tuple, pd.DataFrame] = {}
        self._starts: dict[int, dict] = {}

    def _run(self, p: Params, seed: int, replay: bool) -> pd.Series:
        model = BSCModel(p, rng=seed, replay_starts=self._starts[seed] if replay else None)
        try:
            model.run()
            if not replay and p is self.params:
                self._starts[seed] = model.starts
            return Result(model, seed).summary
        finally:
            model.release()

    def summaries(self, changes: dict, replay: bool = False) -> pd.DataFrame:
        key = (tuple(sorted(changes.items())), replay)
        if key not in self._cache:
            if replay:
                self.summaries({})                 # the base run records its starts
            p = self.params.replace(**changes) if changes else self.params
            self._cache[key] = pd.DataFrame([self._run(p, s, replay) for s in self.seeds])
        return self._cache[key]

    def values(self, changes: dict, output: str = OUTPUT, replay: bool = False) -> np.ndarray:
        return self.summaries(changes, replay)[output].to_numpy()


def off(mechanisms) -> dict:
    return {SWITCHES[m]: False for m in mechanisms}


@dataclass(frozen=True)
class Check:
    key: str
    arrow: str           # the arrow of the theory of change it stands for
    statistic: str
    value: Callable[[Runs], np.ndarray]   # paired difference, one per replicate


def _gain_minus(changes: dict, replay: bool = False) -> Callable[[Runs], np.ndarray]:
    return lambda r: r.values({}) - r.values(changes, replay=replay)


def _dose(mechanism: str) -> Callable[[Runs], np.ndarray]:
    """Top minus bottom of the strength's plausible range (monotonicity across all
    levels is reported by `dose_response`)."""
    name = DOSES[mechanism]
    low, high = BY_NAME[name].plausible
    return lambda r: r.values({name: float(high)}) - r.values({name: float(low)})


CHECKS: tuple[Check, ...] = (
    Check("M1", "psychological safety -> learning (beyond more tests)",
          "practice gain: full - safety off, at matched PDSA volume",
          _gain_minus(off(["psych_safety"]), replay=True)),
    Check("M2", "vicarious learning -> learning (beyond more tests)",
          "practice gain: full - vicarious off, at matched PDSA volume",
          _gain_minus(off(["vicarious"]), replay=True)),
    Check("M3", "inquiry mindset -> learning (beyond more tests)",
          "practice gain: full - inquiry off, at matched PDSA volume",
          _gain_minus(off(["inquiry"]), replay=True)),
    Check("S1", "Study and Act: acting on evidence beats adopting everything",
          "practice gain: full - adopt every tested idea, never drop one",
          _gain_minus({"adopt_threshold": -1.0, "abandon_threshold": -2.0})),
    Check("H1", "hidden failures -> harmful practices kept",
          "harmful share of practices in use: failures hidden - full",
          lambda r: (r.values({"failure_report_power": 10.0}, "harmful_in_use_share")
                     - r.values({}, "harmful_in_use_share"))),
    Check("H2", "hidden failures -> wrong lessons cost practice",
          "practice gain: full - failures hidden (failure_report_power 10)",
          _gain_minus({"failure_report_power": 10.0})),
    Check("V1", "other programs' results (information alone) -> practice",
          "practice gain, peer pressure off: vicarious on - off",
          lambda r: (r.values({"vicarious_drive": 0.0})
                     - r.values({"vicarious_drive": 0.0, "vicarious_on": False}))),
    Check("D1", "dose-response: safety gain", "practice gain: ps_gain high - low",
          _dose("psych_safety")),
    Check("D2", "dose-response: contact between programs (tie growth)",
          "practice gain: tie_gain high - low", _dose("vicarious")),
    Check("D3", "dose-response: inquiry gain", "practice gain: inquiry_gain_ls high - low",
          _dose("inquiry")),
)
BY_KEY = {c.key: c for c in CHECKS}


def check_mechanisms(params: Params, replicates: int = 20,
                     keys: list[str] | None = None) -> tuple[pd.DataFrame, Runs]:
    """The table of mechanism checks (all, or `keys`) on `params`."""
    runs = Runs(params, replicates)
    rows = []
    for check in (CHECKS if keys is None else [BY_KEY[k] for k in keys]):
        values = check.value(runs)
        mean, lo, hi = interval(values)
        rows.append({"check": check.key, "arrow": check.arrow,
                     "statistic": check.statistic, "mean": mean, "ci_low": lo,
                     "ci_high": hi, "passed": bool(lo > 0)})
    return pd.DataFrame(rows), runs


def start_rate_share(runs: Runs) -> dict[str, float]:
    """How much of the three mechanisms' joint effect on practice gain runs through
    the PDSA start rate: (all off at matched volume - all off) / (full - all off)."""
    all_off = off(SWITCHES)
    full = runs.values({}).mean()
    none = runs.values(all_off).mean()
    matched = runs.values(all_off, replay=True).mean()
    joint = full - none
    return {"joint": joint, "through_volume": matched - none,
            "share": (matched - none) / joint if joint else float("nan")}


def format_table(table: pd.DataFrame) -> str:
    lines = [f"{'check':<6}{'arrow of the theory':<58}{'paired difference (95% CI)':>30}  result"]
    for r in table.itertuples():
        value = f"{r.mean:+.3f} ({r.ci_low:+.3f}, {r.ci_high:+.3f})"
        lines.append(f"{r.check:<6}{r.arrow[:57]:<58}{value:>30}  "
                     f"{'pass' if r.passed else 'FAIL'}")
    lines.append(f"\n{int(table['passed'].sum())} of {len(table)} checks passed.")
    return "\n".join(lines)
