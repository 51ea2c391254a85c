"""Analyses / simulated study: the instruments, applied to what the model shows at
its waves (`BSCModel(..., observe_weeks=...)`, observe.py).

Each instrument turns true model state into what a study team would hold: one tidy
table (a `Frame`, a dict of equal-length arrays) per instrument. Measurement model
(docs/study.md):

- survey: a person's true state x in [0, 1] is a scale score lo + (hi - lo) x; the
  recorded score adds normal error, is kept in [lo, hi] and, with `items` items,
  rounded to the mean of whole item answers (steps of 1/items). Climate is a
  rating of the center's climate (mean psychological safety of its staff).
- observation: the classroom's share of key practices (TPOT-like checklist score),
  plus observer error, kept in [0, 1], rounded to 1/items. Observers are blind:
  the error does not depend on participation.
- reliability rho sets the error SD relative to the model's declared baseline
  between-person (between-classroom) SD: sd_e = sd_ref * sqrt((1 - rho) / rho).
- pdsa_tracker, attendance_log: counts of what happened in a window of weeks; each
  event is written down with chance `p_record`.

Frames carry `true_score` beside `score`, so the truth of the very same units can
be computed; it is dropped from the files the study writes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..model.agents import DIRECTOR, PARENT, ROLES, TEACHER
from ..model.framework import DRIVERS
from .spec import Design, Instrument

Frame = dict[str, np.ndarray]
Observations = dict[int, dict[str, Any]]


def group_mask(people: dict[str, np.ndarray], group: str) -> np.ndarray:
    """Who belongs to a respondent group (by the post the person holds)."""
    role, part = people["role"], people["participant"]
    if group == "participants":
        return part.copy()
    if group == "non_participants":
        return ~part & (role == TEACHER)
    if group == "teachers":
        return role == TEACHER
    if group == "directors":
        return role == DIRECTOR
    if group == "parents":
        return role == PARENT
    if group == "staff":
        return role != PARENT
    raise ValueError(f"unknown group {group!r}")


def error_sd(inst: Instrument, params) -> float:
    """Error SD in the instrument's units, from its reliability or error_sd."""
    if inst.reliability is None:
        return float(inst.error_sd or 0.0)
    if inst.kind == "observation":
        ref = params.practice_sd
    else:
        width = inst.scale[1] - inst.scale[0]
        ref = width * (params.inquiry_sd if inst.measures == "inquiry" else params.person_sd)
    return float(ref * np.sqrt((1.0 - inst.reliability) / inst.reliability))


def record(true: np.ndarray, sd: float, z: np.ndarray, lo: float, hi: float,
           items: int) -> np.ndarray:
    """A recorded score: true + sd * z, kept in [lo, hi], in steps of 1/items."""
    x = np.clip(true + sd * z, lo, hi)
    if items:
        x = lo + np.round((x - lo) * items) / items
    return x


# ----------------------------------------------------------------- surveys
def _survey_truth(inst: Instrument, obs: dict[str, Any]) -> np.ndarray:
    people = obs["people"]
    if inst.measures == "climate":
        x = obs["centers"]["climate"][people["center"]]
    else:
        x = people[inst.measures]
    lo, hi = inst.scale
    return lo + (hi - lo) * x


def _asked(inst: Instrument, people: dict[str, np.ndarray]) -> np.ndarray:
    mask = np.zeros(len(people["person"]), dtype=bool)
    for g in inst.respondents:
        mask |= group_mask(people, g)
    return mask


def survey(inst: Instrument, observations: Observations, params,
           rng: np.random.Generator) -> Frame:
    """Two waves of a survey. Wave 1 asks everyone in the respondent groups then
    present; wave 2 asks those still in their post (leavers are recorded as
    'left', no score) and, if `newcomers`, people new in a post since wave 1.
    Each asked person answers with chance `response_rate`."""
    sd = error_sd(inst, params)
    lo, hi = inst.scale
    parts = []
    roster1 = None
    for wave, week in enumerate(inst.waves, start=1):
        obs = observations[week]
        people = obs["people"]
        asked = np.flatnonzero(_asked(inst, people))
        n = len(asked)
        answers = rng.random(n) < inst.response_rate
        z = rng.standard_normal(n)
        true = _survey_truth(inst, obs)[asked]
        person = people["person"][asked]
        new = (np.zeros(n, dtype=bool) if roster1 is None
               else ~np.isin(person, roster1["person"]))
        keep = ~new | inst.newcomers
        score = np.where(answers, record(true, sd, z, lo, hi, inst.items), np.nan)
        frame = {
            "wave": np.full(n, wave), "week": np.full(n, week),
            "center": people["center"][asked], "person": person,
            "role": people["role"][asked], "participant": people["participant"][asked],
            "new": new, "status": np.where(answers, "responded", "nonresponse"),
            "score": score, "true_score": true,
        }
        frame = {k: v[keep] for k, v in frame.items()}
        if roster1 is None:
            roster1 = frame
        else:
            gone = ~np.isin(roster1["person"], person)
            m = int(gone.sum())
            frame = _concat(frame, {
                "wave": np.full(m, wave), "week": np.full(m, week),
                "center": roster1["center"][gone], "person": roster1["person"][gone],
                "role": roster1["role"][gone], "participant": roster1["participant"][gone],
                "new": np.zeros(m, dtype=bool), "status": np.full(m, "left"),
                "score": np.full(m, np.nan), "true_score": np.full(m, np.nan),
            })
        parts.append(frame)
    return _concat(*parts)


def survey_population(inst: Instrument, observations: Observations) -> Frame:
    """Everyone in the respondent groups present at each wave, with true scores
    (what a perfect census would record): the population the study describes."""
    parts = []
    for wave, week in enumerate(inst.waves, start=1):
        obs = observations[week]
        people = obs["people"]
        asked = _asked(inst, people)
        n = int(asked.sum())
        parts.append({"wave": np.full(n, wave), "center": people["center"][asked],
                      "person": people["person"][asked],
                      "role": people["role"][asked],
                      "participant": people["participant"][asked],
                      "true_score": _survey_truth(inst, obs)[asked]})
    return _concat(*parts)


# ------------------------------------------------------------ observations
def _practice(inst: Instrument, obs: dict[str, Any]) -> np.ndarray:
    rooms = obs["classrooms"]
    if inst.measures == "practice":
        return rooms["practice"]
    return rooms["drivers"][:, DRIVERS.index(inst.measures.removeprefix("practice_"))]


def rank_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Rank (0, 1, ...) of each element by `key` within its `group`."""
    order = np.lexsort((key, group))
    g = group[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    first = np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(g)) - first
    return rank


def observation_sample(design: Design, rooms: dict[str, np.ndarray],
                       rng: np.random.Generator) -> np.ndarray:
    """Classrooms observed: in each center, up to `participating_per_center`
    participating and `comparison_per_center` other classrooms, drawn at random
    among those with a lead teacher at wave 1 (the study recruits teachers)."""
    key = rng.random(len(rooms["center"]))
    eligible = rooms["teacher"] >= 0
    part = rooms["participating"]
    group = rooms["center"] * 2 + part.astype(np.int64)
    rank = rank_within(np.where(eligible, group, -1), key)
    take = np.where(part, design.participating_per_center, design.comparison_per_center)
    return np.flatnonzero(eligible & (rank < take))


def observation(inst: Instrument, observations: Observations, params, design: Design,
                rng: np.random.Generator) -> Frame:
    """Blind pre/post classroom observations of the same classrooms. Following
    teachers (default), a classroom whose wave-1 lead teacher has left is missing
    at wave 2 ('teacher_left'); following classrooms, it is observed with whoever
    teaches there."""
    sd = error_sd(inst, params)
    w1, w2 = inst.waves
    rooms1 = observations[w1]["classrooms"]
    sample = observation_sample(design, rooms1, rng)
    n = len(sample)
    teacher1 = rooms1["teacher"][sample]
    parts = []
    for wave, week in enumerate(inst.waves, start=1):
        rooms = observations[week]["classrooms"]
        z = rng.standard_normal(n)
        true = _practice(inst, observations[week])[sample]
        teacher = rooms["teacher"][sample]
        seen = (np.ones(n, dtype=bool) if wave == 1 or design.follow == "classrooms"
                else teacher == teacher1)
        score = np.where(seen, record(true, sd, z, 0.0, 1.0, inst.items), np.nan)
        parts.append({
            "wave": np.full(n, wave), "week": np.full(n, week),
            "center": rooms["center"][sample], "classroom": sample, "teacher": teacher,
            "participating": rooms["participating"][sample],
            "status": np.where(seen, "observed", "teacher_left"),
            "score": score, "true_score": true,
        })
    return _concat(*parts)


def observation_population(inst: Instrument, observations: Observations) -> Frame:
    """Every classroom at both waves, with its true practice."""
    parts = []
    for wave, week in enumerate(inst.waves, start=1):
        rooms = observations[week]["classrooms"]
        n = len(rooms["center"])
        parts.append({"wave": np.full(n, wave), "center": rooms["center"],
                      "classroom": np.arange(n), "participating": rooms["participating"],
                      "true_score": _practice(inst, observations[week])})
    return _concat(*parts)


# -------------------------------------------------------------------- logs
def pdsa_tracker(inst: Instrument, log: pd.DataFrame, rng: np.random.Generator) -> Frame:
    """The teams' PDSA trackers: one row per cycle completed in the window
    [from, to) that was written down (chance `p_record`)."""
    start, stop = inst.waves
    rows = log[(log["week_end"] >= start) & (log["week_end"] < stop)]
    kept = rng.random(len(rows)) < inst.p_record
    rows = rows[kept]
    return {
        "center": rows["center"].to_numpy(np.int64),
        "week_start": rows["week_start"].to_numpy(np.int64),
        "week_end": rows["week_end"].to_numpy(np.int64),
        "role": rows["role"].to_numpy(str),
        "driver": rows["driver"].to_numpy(str),
        "change_idea": rows["change_idea"].to_numpy(str),
        "iteration": rows["iteration"].to_numpy(np.int64),
        "decision": rows["decision"].to_numpy(str),
    }


def pdsa_population(inst: Instrument, log: pd.DataFrame) -> Frame:
    start, stop = inst.waves
    rows = log[(log["week_end"] >= start) & (log["week_end"] < stop)]
    return {"center": rows["center"].to_numpy(np.int64),
            "decision": rows["decision"].to_numpy(str)}


ATTENDANCE = (("learning_session", "ls_attended"), ("calls", "calls_attended"))


def attendance_log(inst: Instrument, observations: Observations,
                   rng: np.random.Generator) -> Frame:
    """Sign-in sheets: per center and kind of event, the attendances of team
    members in the window [from, to); each is written down with chance `p_record`."""
    true = attendance_population(inst, observations)
    kept = rng.binomial(true["attendances"], inst.p_record)
    return {**true, "attendances": kept}


def attendance_population(inst: Instrument, observations: Observations) -> Frame:
    start, stop = inst.waves
    c0, c1 = observations[start]["counts"], observations[stop]["counts"]
    n_c = len(c0["ls_attended"])
    parts = [{"center": np.arange(n_c), "event": np.full(n_c, event),
              "week_from": np.full(n_c, start), "week_to": np.full(n_c, stop),
              "attendances": (c1[key] - c0[key]).astype(np.int64)}
             for event, key in ATTENDANCE]
    return _concat(*parts)


def attrition(frame: Frame, observations: Observations, design: Design) -> Frame:
    """The study's missing-data rule for centers that left the collaborative
    (issue 26; `design.missing`). Column `center_left`: the unit would have been
    scored but its center had left by that wave. With "completers" (the default)
    those scores are missing (status 'center_left'), so every estimate is
    completers-only; with "everyone" they are kept. Logs (PDSA tracker,
    attendance) are the collaborative's own records and stay as they are."""
    left = np.zeros(len(frame["center"]), dtype=bool)
    for week in np.unique(frame["week"]):
        rows = frame["week"] == week
        left[rows] = observations[int(week)]["centers"]["left"][frame["center"][rows]]
    scored = ~np.isnan(frame["score"])
    frame["center_left"] = left & scored
    if design.missing == "completers":
        frame["score"] = np.where(left, np.nan, frame["score"])
        frame["status"] = np.where(left & scored, "center_left", frame["status"])
    return frame


# ----------------------------------------------------------------- helpers
def measure(inst: Instrument, observations: Observations, log: pd.DataFrame | None,
            params, design: Design, rng: np.random.Generator) -> Frame:
    """The instrument's table for one simulated study."""
    if inst.kind == "survey":
        return attrition(survey(inst, observations, params, rng), observations, design)
    if inst.kind == "observation":
        return attrition(observation(inst, observations, params, design, rng),
                         observations, design)
    if inst.kind == "pdsa_tracker":
        return pdsa_tracker(inst, log, rng)
    return attendance_log(inst, observations, rng)


def population(inst: Instrument, observations: Observations,
               log: pd.DataFrame | None) -> Frame:
    """The true state of everyone (every classroom, every event) the instrument
    is meant to describe."""
    if inst.kind == "survey":
        return survey_population(inst, observations)
    if inst.kind == "observation":
        return observation_population(inst, observations)
    if inst.kind == "pdsa_tracker":
        return pdsa_population(inst, log)
    return attendance_population(inst, observations)


def to_table(inst: Instrument, frame: Frame, is_hs: np.ndarray) -> pd.DataFrame:
    """The tidy table a study team would hold (no true scores)."""
    df = pd.DataFrame({k: v for k, v in frame.items()
                       if k not in ("true_score", "center_left")})   # truth stays out
    df.insert(0, "instrument", inst.name)
    if inst.measures and inst.repeated:
        df.insert(1, "measure", inst.measures)
    pos = df.columns.get_loc("center") + 1
    df.insert(pos, "center_type", np.where(is_hs[df["center"].to_numpy(np.int64)],
                                           "head_start", "child_care"))
    if "role" in df and pd.api.types.is_integer_dtype(df["role"]):
        df["role"] = np.asarray(ROLES)[df["role"].to_numpy(np.int64)]
    return df


def _concat(*frames: Frame) -> Frame:
    return {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}
