"""Analyses: learning carried from one cohort of a state to the next, a declared and
switchable assumption (`[carry_over] on`).

The model holds one collaborative; what a later cohort inherits from the earlier
ones is computed here from the previous cohort's results and passed to the next
cohort's collaboratives as model parameters. Two rules, each an assumption (the
BSC practice they stand for: faculty harvest the changes that work and refine the
change package, IHI 2003, evidence 3.3; teams of an earlier wave serve as faculty):

1. A refined change package (`refine`): the ideas the previous cohort's teams
   tested and abandoned are evidence that they do not work, so the state's faculty
   cut a share of the package's ideas that work nowhere. The next cohort's
   `share_ideas_null` = the previous cohort's x (1 - refine x abandon share), where
   abandon share = cycles ending in abandon / cycles completed, pooled over the
   previous cohort's collaboratives at the end of their collaborative period.
   Source: assumption.
2. Experienced teams as faculty (`mentor`): members of the previous cohort's teams
   join the next cohort's faculty, who then coach QI better by what those teams
   learned. Each next collaborative's own `faculty_qi_gain` is multiplied by
   1 + mentor x g, where g = (QI skill at the end of the previous cohort's
   collaboratives - qi_skill_baseline) / (1 - qi_skill_baseline), the share of the
   QI-skill gap its participants closed (center-weighted mean over its
   collaboratives); capped at the parameter's valid maximum. Source: assumption.

With carry-over off, every cohort runs the package and faculty its file declares:
cohorts are then independent collaboratives on the state's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import BY_NAME


@dataclass(frozen=True)
class Inherited:
    """What a cohort inherits from the ones before it (identity for cohort 0 or with
    carry-over off)."""

    share_ideas_null: float        # the refined package's share of ideas that work nowhere
    faculty_qi_factor: float = 1.0  # multiplies each collaborative's faculty_qi_gain
    abandon_share: float = float("nan")   # the previous cohort's, that set the package
    qi_gap_closed: float = float("nan")   # the previous cohort's, that set the faculty


def start(share_ideas_null: float) -> Inherited:
    """What the first cohort starts from: the package the base config declares."""
    return Inherited(share_ideas_null=share_ideas_null)


def inherit(before: Inherited, series: pd.DataFrame, centers: np.ndarray,
            weeks_collab: int, qi_baseline: float, refine: float,
            mentor: float) -> Inherited:
    """What the next cohort inherits, from the previous cohort's weekly timeseries
    (`series`: columns run, week, pdsa_completed, pdsa_abandoned, qi_skill; one run
    per collaborative) and its collaboratives' sizes (`centers`, by run)."""
    end = series[series["week"] == min(weeks_collab, int(series["week"].max()) + 1) - 1]
    end = end.set_index("run").sort_index()
    completed = float(end["pdsa_completed"].sum())
    abandon = float(end["pdsa_abandoned"].sum()) / completed if completed > 0 else 0.0
    gap = 1.0 - qi_baseline
    closed = ((end["qi_skill"].to_numpy() - qi_baseline) / gap if gap > 0
              else np.zeros(len(end)))
    g = float(np.clip(np.average(closed, weights=centers), 0.0, 1.0))
    return Inherited(share_ideas_null=before.share_ideas_null * (1.0 - refine * abandon),
                     faculty_qi_factor=1.0 + mentor * g,
                     abandon_share=abandon, qi_gap_closed=g)


def apply(values: dict, inherited: Inherited) -> dict:
    """A collaborative's parameter values with what its cohort inherited."""
    cap = BY_NAME["faculty_qi_gain"].valid[1]
    return {**values, "share_ideas_null": inherited.share_ideas_null,
            "faculty_qi_gain": min(values["faculty_qi_gain"] * inherited.faculty_qi_factor,
                                   cap)}
