"""Analyses: pattern-oriented validation of the default model (ODD 1, patterns).

Each pattern the field has observed is a named check with its empirical range and
source, computed from replicated runs (common seeds across the configurations a
pattern compares, so differences are paired). `check_patterns` returns a table:
pattern, empirical range, model value with its 95% interval, its margin, pass or
fail. A pattern passes when the model's mean lies in the empirical range and, for a
comparison, when the 95% interval of the paired difference lies on the expected
side of zero. Its margin says how far it passes, in standard errors of the mean:
the distance from the mean to the nearest finite edge of the range (from the end of
the interval to zero, for a comparison's zero edge); it passes with margin at
MARGIN_SE or more. Runs go through the ensemble engine (`simulate_many`).
The reasoning behind each range is in docs/calibration.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .config import configs_dir, load_config
from .params import Params
from .simulate import simulate_many


@dataclass(frozen=True)
class Pattern:
    key: str
    title: str
    statistic: str
    low: float
    high: float
    source: str
    value: Callable[["Runs"], np.ndarray]   # one value per replicate
    paired: bool = False                    # a paired difference: its CI must clear 0


class Runs:
    """Replicated runs of the configurations the patterns need, built on demand
    and shared: replicate r of every configuration uses seed r and, when `draws`
    (parameter sets, e.g. posterior draws) are given, draw r."""

    def __init__(self, params: Params, replicates: int, root: Path | None = None,
                 draws: list[dict] | None = None):
        self.params = params
        self.seeds = range(replicates)
        self.root = root or configs_dir()
        if draws is not None and len(draws) != replicates:
            raise ValueError(f"{len(draws)} draws for {replicates} replicates")
        self.draws = draws
        self._cache: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def variant(self, name: str, p: Params | None = None) -> Params:
        p = self.params if p is None else p
        if name == "base":
            return p
        if name == "high_turnover":
            # the top of the plausible ranges of both program types
            return p.replace(turnover_cc=0.6, turnover_hs=0.35)
        if name == "no_vicarious":
            return p.replace(vicarious_on=False)
        if name in ARMS:
            arm = load_config(self.root / "arms" / f"{name}.toml")
            return p.replace(**{k: getattr(arm, k) for k in ARMS[name]})
        raise KeyError(name)

    def replicate_params(self) -> list[Params]:
        if self.draws is None:
            return [self.params] * len(self.seeds)
        return [self.params.replace(**d) for d in self.draws]

    def results(self, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Configuration `name`'s runs: their summaries and weekly time series
        (one collaborative per replicate, on the ensemble engine)."""
        if name not in self._cache:
            params = [self.variant(name, p) for p in self.replicate_params()]
            summary, tables = simulate_many(params, list(self.seeds), tables=["timeseries"])
            self._cache[name] = (summary, tables["timeseries"])
        return self._cache[name]

    def summary(self, name: str, output: str) -> np.ndarray:
        return self.results(name)[0][output].to_numpy()

    def series_at(self, name: str, output: str, week: int) -> np.ndarray:
        """`output` in `week` of each replicate (its last week if it ends sooner)."""
        ts = self.results(name)[1]
        run = ts["run"].to_numpy()
        n_runs = len(self.results(name)[0])
        size = np.bincount(run, minlength=n_runs)
        first = np.concatenate([[0], np.cumsum(size)[:-1]])   # rows: run by run, in order
        return ts[output].to_numpy()[first + np.minimum(week, size - 1)]


# What makes the training-only arm (the rest comes from the config under check).
TRAINING_ARM_KEYS = ("teams_on", "pdsa_support", "n_learning_sessions",
                     "call_interval_weeks", "affinity_calls", "training_dose",
                     "faculty_hours_month", "coaching_hours_week")
# ... and the coaching arm (held-out pattern H1).
COACHING_ARM_KEYS = ("coaching_hours_week", "dur_coaching_weeks", "teams_on",
                     "pdsa_support", "n_learning_sessions", "call_interval_weeks",
                     "affinity_calls", "faculty_hours_month", "training_dose")
ARMS = {"training_only": TRAINING_ARM_KEYS, "coaching": COACHING_ARM_KEYS}


def _practice_sd_units(runs: Runs, name: str, week: int) -> np.ndarray:
    """Mean practice gain of participating classrooms at `week`, in baseline SDs."""
    p = runs.variant(name)
    start = runs.series_at(name, "practice_participating", 0)
    return (runs.series_at(name, "practice_participating", week) - start) / p.practice_sd


def _team_cv(runs: Runs) -> np.ndarray:
    gain = runs.summary("base", "practice_gain_sd")
    return runs.summary("base", "team_gain_sd_spread") / np.maximum(np.abs(gain), 1e-9)


def _kept_share(runs: Runs) -> np.ndarray:
    """Share of the end-of-collaborative practice gain left at the end of the
    follow-up, per replicate."""
    gain = runs.summary("base", "practice_gain_sd")
    return runs.summary("base", "practice_gain_sd_followup") / np.maximum(np.abs(gain), 1e-9)


PATTERNS: tuple[Pattern, ...] = (
    Pattern("1", "Participating classrooms gain 0.3-0.7 SD in SEL practice",
            "practice_gain_sd", 0.3, 0.7,
            "Kraft, Blazar & Hogan 2018 (coaching +0.49 SD on instruction); Egert et al. "
            "2018 (ECE in-service PD +0.68 SD on process quality); design brief pattern 1",
            lambda r: r.summary("base", "practice_gain_sd")),
    Pattern("2a", "Children gain about 0.1-0.3 SD", "child_se_gain_sd", 0.1, 0.3,
            "Egert et al. 2018 (+0.14 SD child level); Reinke, Herman & Dong 2018 (d "
            "0.13-0.14); Hemmeter et al. 2016 (g 0.44 with intensive coaching, upper bound)",
            lambda r: r.summary("base", "child_se_gain_sd")),
    Pattern("2b", "Children gain less than practice",
            "practice_gain_sd - child_se_gain_sd", 0.0, np.inf,
            "Kraft et al. 2018 (0.49 vs 0.18); Egert et al. 2018 (0.68 vs 0.14)",
            lambda r: r.summary("base", "practice_gain_sd") - r.summary("base", "child_se_gain_sd"),
            paired=True),
    Pattern("3a", "Most but not all teams improve", "teams_improved_share", 0.5, 0.95,
            "Wells et al. 2018 (83% of QI collaboratives improve >= 1 measure); Schouten "
            "et al. 2008 (7 of 9)",
            lambda r: r.summary("base", "teams_improved_share")),
    Pattern("3b", "Large differences between teams",
            "between-team SD of gain / mean gain", 0.3, np.inf,
            "Ovretveit et al. 2002; Wells et al. 2018 (large between-team variation); "
            "threshold: assumption, see docs/calibration.md", _team_cv),
    Pattern("4a", "Few PDSA cycles per team over the collaborative",
            "pdsa_completed_per_team", 1.0, 12.0,
            "Taylor et al. 2014 (few, weakly documented cycles); Knudsen et al. 2019 "
            "(60% documented cycles at all); upper bound one a month: assumption",
            lambda r: r.summary("base", "pdsa_completed_per_team")),
    Pattern("4b", "Weakly iterative: few ideas tested in more than one cycle",
            "iterative_share", 0.05, 0.35,
            "Taylor et al. 2014 (under 20% of projects show iterative sequences); "
            "Knudsen et al. 2019 (4% meet all PDSA features)",
            lambda r: r.summary("base", "iterative_share")),
    Pattern("5", "Higher turnover erodes gains",
            "practice_gain_sd(high turnover) - practice_gain_sd(default)", -np.inf, 0.0,
            "Bassok et al. 2021; Markowitz 2024 (turnover lowers quality and outcomes)",
            lambda r: r.summary("high_turnover", "practice_gain_sd")
            - r.summary("base", "practice_gain_sd"), paired=True),
    Pattern("6a", "Cross-program learning speeds improvement",
            "practice gain at mid-collaborative, with - without vicarious learning",
            0.0, np.inf,
            "Nembhard 2009 (inter-organizational learning rated higher by improving "
            "teams); seed (vicarious learning may accelerate improvement)",
            lambda r: _practice_sd_units(r, "base", r.params.weeks_collab // 2)
            - _practice_sd_units(r, "no_vicarious", r.params.weeks_collab // 2),
            paired=True),
    Pattern("6b", "Training alone changes little", "practice_gain_sd (training only)",
            0.0, 0.2,
            "Kraft et al. 2018 and the seed (training rarely changes daily practice); "
            "design brief pattern 6",
            lambda r: r.summary("training_only", "practice_gain_sd")),
    Pattern("6c", "... and fades", "gain at end of follow-up - gain 4 weeks after training",
            -np.inf, 0.0, "Bailey et al. 2017; design brief pattern 6",
            lambda r: _practice_sd_units(r, "training_only", 10**9)
            - _practice_sd_units(r, "training_only", 4), paired=True),
    Pattern("7", "Once support ends, practice gains are partly kept",
            "practice_gain_sd_followup / practice_gain_sd (26 weeks after the end)",
            0.5, 0.95,
            "Wiltsey Stirman et al. 2012 (partial sustainment the common finding); "
            "Scheirer 2005; Wells et al. 2018 (few collaboratives show gains last); "
            "Hemmeter et al. 2018 (retained teachers keep practice); evidence A6 36, 39, 40; "
            "band: assumption, see docs/calibration.md",
            _kept_share),
)


# Held-out patterns (issue 13): evidence no default was set to reach, checked only
# as validation of a calibration (`bscsim check-patterns --posterior DIR`, or
# `--held-out`). Their ranges were fixed from the sources before the model's values
# were looked at.
HELD_OUT: tuple[Pattern, ...] = (
    Pattern("H1", "Coaching alone gains 0.3-0.6 SD over its 16 weeks",
            "practice gain at the end of coaching (coaching arm)", 0.3, 0.6,
            "Kraft, Blazar & Hogan 2018 (coaching effects on instruction mostly "
            "0.3-0.6 SD, mean 0.49); docs/calibration.md section 3: checked, not tuned",
            lambda r: _practice_sd_units(r, "coaching",
                                         r.variant("coaching").dur_coaching_weeks)),
    Pattern("H2", "Most of the practice gain lasts six months after the collaborative",
            "practice_gain_sd_followup - 0.5 x practice_gain_sd", 0.0, np.inf,
            "Hemmeter, Snyder, Fox & Algina 2018 (teachers kept practice up to a year "
            "after training; evidence A6 36); Ringstaff et al. (slow decay, A6 37); "
            "threshold one half: assumption allowing for turnover",
            lambda r: r.summary("base", "practice_gain_sd_followup")
            - 0.5 * r.summary("base", "practice_gain_sd"), paired=True),
)

# Patterns a calibration may fit: a two-sided range on an output one run gives
# (the others compare configurations or are one-sided, and stay validation).
FITTABLE: dict[str, Pattern] = {p.key: p for p in PATTERNS
                                if p.key in ("1", "2a", "3a", "4a", "4b")}


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its normal 95% interval over replicates."""
    mean = float(values.mean())
    half = 1.96 * float(values.std(ddof=1)) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    return mean, mean - half, mean + half


MARGIN_SE = 3.0
# the default replicates: enough that every pattern passes with MARGIN_SE on the
# default config (at 100, pattern 3a's mean, 0.52 against a floor of 0.5, and pattern
# 5 were within 3 SE of their edges by chance of the seeds: 0.54 and -0.12 at 400)
REPLICATES = 400


def margin_se(pat: Pattern, values: np.ndarray) -> float:
    """How far `values` pass pattern `pat`, in standard errors of their mean: the
    distance from the mean to the nearest finite edge of the range, or, for a
    comparison's edge at zero, from the end of the 95% interval to zero (what its
    pass rule reads). Negative when it fails."""
    mean, lo, hi = interval(values)
    se = (mean - lo) / 1.96
    edges = []
    if np.isfinite(pat.low):
        edges.append((lo if pat.paired and pat.low >= 0 else mean) - pat.low)
    if np.isfinite(pat.high):
        edges.append(pat.high - (hi if pat.paired and pat.low < 0 else mean))
    gap = min(edges)
    if se > 0:
        return float(gap / se)
    return float(np.inf if gap > 0 else -np.inf if gap < 0 else 0.0)


def check_patterns(params: Params | None = None, replicates: int = REPLICATES,
                   root: Path | None = None, draws: list[dict] | None = None,
                   held_out: bool = False) -> tuple[pd.DataFrame, Runs]:
    """Run the patterns on `params` (default: the default config); with `draws`
    (one parameter set per replicate, e.g. posterior draws), replicate r runs at
    draw r, so intervals include parameter uncertainty; `held_out` adds the
    held-out patterns."""
    runs = Runs(params if params is not None else load_config(), replicates, root, draws)
    rows = []
    for pat in PATTERNS + (HELD_OUT if held_out else ()):
        values = pat.value(runs)
        mean, lo, hi = interval(values)
        inside = pat.low <= mean <= pat.high
        if pat.paired:
            inside = inside and (lo > 0 if pat.low >= 0 else hi < 0)
        rows.append({"pattern": pat.key, "title": pat.title, "statistic": pat.statistic,
                     "empirical": _range(pat.low, pat.high), "model": mean,
                     "ci_low": lo, "ci_high": hi, "margin_se": margin_se(pat, values),
                     "passed": bool(inside),
                     "source": pat.source})
    return pd.DataFrame(rows), runs


def _range(lo: float, hi: float) -> str:
    if np.isinf(lo):
        return f"< {hi:g}"
    if np.isinf(hi):
        return f"> {lo:g}"
    return f"{lo:g} to {hi:g}"


def format_table(table: pd.DataFrame) -> str:
    role = "role" in table
    lines = [f"{'pattern':<8}" + (f"{'role':<11}" if role else "")
             + f"{'what':<58}{'empirical':>14}{'model (95% CI)':>30}{'margin':>8}  result"]
    for r in table.itertuples():
        model = f"{r.model:.3f} ({r.ci_low:.3f}, {r.ci_high:.3f})"
        result = ("FAIL" if not r.passed else "pass" if r.margin_se >= MARGIN_SE
                  else "pass, thin")
        lines.append(f"{r.pattern:<8}" + (f"{r.role:<11}" if role else "")
                     + f"{r.title[:57]:<58}{r.empirical:>14}{model:>30}"
                     f"{r.margin_se:>8.1f}  {result}")
    n = int(table["passed"].sum())
    thin = int((table["passed"] & (table["margin_se"] < MARGIN_SE)).sum())
    lines.append(f"\n{n} of {len(table)} checks passed"
                 f"{f', {thin} of them with under {MARGIN_SE:g} SE of margin' if thin else ''}. "
                 "margin: SE from the mean (a comparison: its interval) to the nearest "
                 "edge of the range.")
    return "\n".join(lines)
