"""Analyses / calibration: the user's own collaborative, as CSV files, and the same
summary statistics computed from the model's instruments (the study layer).

A data folder holds up to five CSV files (docs/calibration.md, section 6, shows each
with an example; `configs/calibration/example_collaborative/`):

- `pdsa.csv`         team, month, cycles: PDSA cycles completed per team and month
- `attendance.csv`   team, event, held, attendances, team_size: per team and kind of
                     event (learning_session or call), how many were held, how many
                     member-attendances were signed in, and the team's size
- `turnover.csv`     team, staff_start, left: lead teachers on the roster at the start
                     of the collaborative and how many of them had left by its end
- `observations.csv` team, classroom, wave, score: pre (wave 1) and post (wave 2)
                     observation scores of practice (share of key practices, 0-1) in
                     participating classrooms
- `surveys.csv`      team, wave, respondents, mean: the team's mean psychological
                     safety (scale 1-7) at wave 1 and wave 2

`statistics(tables)` turns these tables into summary statistics, each an estimate and
its standard error over teams (or classrooms). The model side does not compute its
own version: `study_tables(...)` writes one simulated collaborative, as the study
layer's instruments record it (observer error, unrecorded cycles, non-response,
teachers who left), into tables of exactly this format, and the very same
`statistics` is applied. Model and data are compared like with like by construction.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..config import ConfigError
from ..params import nearest

# file -> (column -> kind); kinds: "name" (text), "int" (whole number >= 0),
# "share" (number in [0, 1]), "wave" (1 or 2), "event", "number" (finite)
FILES: dict[str, dict[str, str]] = {
    "pdsa.csv": {"team": "name", "month": "int", "cycles": "int"},
    "attendance.csv": {"team": "name", "event": "event", "held": "int",
                       "attendances": "int", "team_size": "int"},
    "turnover.csv": {"team": "name", "staff_start": "int", "left": "int"},
    "observations.csv": {"team": "name", "classroom": "name", "wave": "wave",
                         "score": "share"},
    "surveys.csv": {"team": "name", "wave": "wave", "respondents": "int",
                    "mean": "number"},
}
# (file, column) -> (lowest, highest) value allowed: a collaborative's records, not
# any number (a team of 10,000 members or 1e308 cycles is a typing error)
LIMITS: dict[tuple[str, str], tuple[float, float]] = {
    ("pdsa.csv", "month"): (1, 120), ("pdsa.csv", "cycles"): (0, 1000),
    ("attendance.csv", "held"): (0, 1000), ("attendance.csv", "attendances"): (0, 100_000),
    ("attendance.csv", "team_size"): (0, 1000),
    ("turnover.csv", "staff_start"): (0, 10_000), ("turnover.csv", "left"): (0, 10_000),
    ("surveys.csv", "respondents"): (0, 10_000), ("surveys.csv", "mean"): (1, 7),
}
# file -> the columns that name one row: a second row with the same values is refused
KEYS: dict[str, tuple[str, ...]] = {
    "pdsa.csv": ("team", "month"), "attendance.csv": ("team", "event"),
    "turnover.csv": ("team",), "observations.csv": ("team", "classroom", "wave"),
    "surveys.csv": ("team", "wave"),
}
# file -> (column, column it may not exceed, times column or None)
BOUNDS = {"turnover.csv": ("left", "staff_start", None),
          "attendance.csv": ("attendances", "held", "team_size")}
MAX_BYTES = 100_000_000
EVENTS = ("learning_session", "call")
# statistic -> (file it is computed from, meaning)
STATISTICS: dict[str, tuple[str, str]] = {
    "pdsa_per_team_month": ("pdsa.csv", "PDSA cycles completed per team and month"),
    "ls_attendance": ("attendance.csv",
                      "Share of team members present at a learning session"),
    "call_attendance": ("attendance.csv", "Share of team members present on a call"),
    "turnover_rate": ("turnover.csv",
                      "Share of the lead teachers at the start who left by the end"),
    "practice_change": ("observations.csv",
                        "Mean pre-post change of observed practice (share of key "
                        "practices), classrooms observed at both waves"),
    "psych_safety_change": ("surveys.csv",
                            "Mean pre-post change of a team's mean psychological "
                            "safety (scale 1-7)"),
}
MAX_ROWS = 1_000_000


def load_data(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The CSV files of a data folder, each checked: one-line ConfigError naming the
    file, the row or column and what is allowed."""
    folder = Path(folder)
    tables = {}
    unknown = sorted(p.name for p in folder.glob("*.csv") if p.name not in FILES)
    if unknown:
        near = nearest(unknown[0], FILES)
        hint = f" (did you mean '{near}'?)" if near else ""
        raise ConfigError(f"{folder / unknown[0]}: not a data file{hint}; expected "
                          f"{', '.join(FILES)}")
    for name, columns in FILES.items():
        path = folder / name
        if path.exists():
            tables[name] = read_table(path, columns)
    if not tables:
        raise ConfigError(f"{folder}: no data files; expected one or more of "
                          f"{', '.join(FILES)}")
    return tables


def read_table(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    import io

    from ..atomic import read_small
    try:
        # a regular file (a FIFO, device or link to /dev/zero is refused, never read)
        raw = read_small(path, MAX_BYTES, follow=True)
        df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False,
                         nrows=MAX_ROWS + 1)
    except ConfigError:
        raise
    except pd.errors.EmptyDataError:
        raise ConfigError(f"{path}: the file is empty; expected a header "
                          f"{','.join(columns)} and one row or more") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, ValueError) as e:
        reason = " ".join(str(e).split())[:120]
        raise ConfigError(f"{path}: not a readable CSV file ({reason})") from None
    df.columns = [c.strip() for c in df.columns]
    for col in df.columns:
        if col not in columns:
            near = nearest(col, columns)
            hint = f" (did you mean '{near}'?)" if near else ""
            raise ConfigError(f"{path}: unknown column '{col}'{hint}; expected "
                              f"{', '.join(columns)}")
    for col in columns:
        if col not in df.columns:
            raise ConfigError(f"{path}: column '{col}' is missing; expected "
                              f"{', '.join(columns)}")
    if len(df) == 0:
        raise ConfigError(f"{path}: no rows (the table is empty); expected one row or "
                          "more under the header")
    if len(df) > MAX_ROWS:
        raise ConfigError(f"{path}: more than {MAX_ROWS:,} rows")
    out = {}
    for col, kind in columns.items():
        out[col] = _column(df[col].str.strip(), kind, path, col)
        lo, hi = LIMITS.get((path.name, col), (-math.inf, math.inf))
        wrong = ~out[col].between(lo, hi).to_numpy() if kind != "name" and kind != "event" \
            else np.zeros(len(df), bool)
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise ConfigError(f"{path}: row {i + 2}, column '{col}' = {df[col].iloc[i]!r}: "
                              f"expected a number from {lo:g} to {hi:g}")
    table = pd.DataFrame(out)
    if path.name in BOUNDS:
        col, limit, times = BOUNDS[path.name]
        most = table[limit] * (table[times] if times else 1)
        over = (table[col] > most).to_numpy()
        if over.any():
            i = int(np.flatnonzero(over)[0])
            most_words = f"{limit}" + (f" x {times}" if times else "")
            raise ConfigError(f"{path}: row {i + 2}, column '{col}' = {df[col].iloc[i]!r}: "
                              f"expected at most {most_words} ({most.iloc[i]:g})")
    keys = [k for k in KEYS.get(path.name, ()) if k in table]
    if keys:
        twice = table.duplicated(keys).to_numpy()
        if twice.any():
            i = int(np.flatnonzero(twice)[0])
            raise ConfigError(f"{path}: row {i + 2} repeats the row of the same "
                              f"{', '.join(keys)} ({', '.join(str(table[k].iloc[i]) for k in keys)}); "
                              "each may appear once")
    return table


def _column(values: pd.Series, kind: str, path: Path, col: str) -> pd.Series:
    def bad(i: int, allowed: str):
        raise ConfigError(f"{path}: row {i + 2}, column '{col}' = {values.iloc[i]!r}: "
                          f"expected {allowed}")
    if kind == "name":
        empty = values == ""
        if empty.any():
            bad(int(np.flatnonzero(empty)[0]), "a name (not empty)")
        return values
    if kind == "event":
        wrong = ~values.isin(EVENTS)
        if wrong.any():
            bad(int(np.flatnonzero(wrong)[0]), f"one of {', '.join(EVENTS)}")
        return values
    x = pd.to_numeric(values, errors="coerce")
    allowed = {"int": "a whole number >= 0", "share": "a number from 0 to 1",
               "wave": "1 (pre) or 2 (post)", "number": "a finite number"}[kind]
    ok = np.isfinite(x.to_numpy(float))
    if kind in ("int", "wave"):
        ok &= (x.fillna(-1) >= 0).to_numpy() & (x.fillna(0.5) % 1 == 0).to_numpy()
    if kind == "share":
        ok &= ((x >= 0) & (x <= 1)).fillna(False).to_numpy()
    if kind == "wave":
        ok &= x.isin([1, 2]).to_numpy()
    if not ok.all():
        bad(int(np.flatnonzero(~ok)[0]), allowed)
    return x.astype(int) if kind in ("int", "wave") else x.astype(float)


# --------------------------------------------------------------- statistics
def _mean_se(values: np.ndarray) -> tuple[float, float]:
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return math.nan, math.nan
    se = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else math.nan
    return float(values.mean()), se


def statistics(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[float, float]]:
    """Every statistic the tables allow: name -> (estimate, standard error)."""
    out: dict[str, tuple[float, float]] = {}
    if "pdsa.csv" in tables:
        df = tables["pdsa.csv"]
        months = df["month"].nunique()
        per_team = df.groupby("team")["cycles"].sum() / max(months, 1)
        out["pdsa_per_team_month"] = _mean_se(per_team.to_numpy())
    if "attendance.csv" in tables:
        df = tables["attendance.csv"]
        for event, stat in (("learning_session", "ls_attendance"),
                            ("call", "call_attendance")):
            rows = df[(df["event"] == event) & (df["held"] > 0) & (df["team_size"] > 0)]
            if len(rows):
                rows = rows.assign(places=rows["held"] * rows["team_size"])
                g = rows.groupby("team")[["attendances", "places"]].sum()
                share = g["attendances"] / g["places"]
                out[stat] = _mean_se(share.to_numpy())
    if "turnover.csv" in tables:
        df = tables["turnover.csv"]
        df = df[df["staff_start"] > 0]
        out["turnover_rate"] = _mean_se((df["left"] / df["staff_start"]).to_numpy())
    if "observations.csv" in tables:
        df = tables["observations.csv"]
        wide = df.pivot_table(index=["team", "classroom"], columns="wave",
                              values="score", aggfunc="mean")
        if 1 in wide and 2 in wide:
            out["practice_change"] = _mean_se((wide[2] - wide[1]).dropna().to_numpy())
    if "surveys.csv" in tables:
        df = tables["surveys.csv"]
        df = df[df["respondents"] > 0]
        wide = df.pivot_table(index="team", columns="wave", values="mean", aggfunc="mean")
        if 1 in wide and 2 in wide:
            out["psych_safety_change"] = _mean_se((wide[2] - wide[1]).dropna().to_numpy())
    return out


def data_targets(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[float, float]]:
    """The statistics of the user's data (estimate, standard error)."""
    return statistics(tables)


# --------------------------------------------------- the model's instruments
def study_spec(params) -> dict[str, Any]:
    """The study the data conventions describe (docs/calibration.md, section 6): PDSA
    trackers and sign-in sheets over the collaborative, blind observations of
    participating classrooms at its start and end, a psychological safety survey of
    participants after the first learning session and four weeks before the end.
    Instruments as in configs/studies/ccl_feasibility.toml."""
    end = int(params.weeks_collab)
    return {
        "config": "ccl_phase1.toml",
        "design": {"n_centers": max(2, int(params.n_centers)),
                   "participating_per_center": 2, "comparison_per_center": 0},
        "instruments": {
            "psych_safety": {"kind": "survey", "measures": "psych_safety",
                             "respondents": ["participants"],
                             "waves": [min(4, end - 1), max(end - 4, min(4, end - 1) + 1)],
                             "scale": [1, 7], "items": 7, "reliability": 0.8,
                             "response_rate": 0.9},
            "observation": {"kind": "observation", "measures": "practice",
                            "waves": [0, end], "items": 100},
            "pdsa_tracker": {"kind": "pdsa_tracker", "window": [0, end], "p_record": 0.9},
            "attendance": {"kind": "attendance_log", "window": [0, end], "p_record": 1.0},
        },
    }


def study_tables(params, seed: Any) -> dict[str, pd.DataFrame]:
    """One simulated collaborative, recorded by the study layer's instruments, as
    the tables of a data folder. `params` is the full model (its `n_centers` is the
    number of teams); `seed` a SeedSequence or int."""
    from ..model.agents import TEACHER
    from ..model.collaborative import WEEKS_PER_MONTH, calendar, session_weeks
    from ..study.analyse import measure_all, observe_run

    study = replace(_study(int(params.weeks_collab), int(params.n_centers)), params=params)
    params = study.model_params(params.n_centers)   # cut at the study's last week
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    model_ss, measure_ss = ss.spawn(2)
    observations, log, _ = observe_run(params, study.weeks, model_ss)
    frames = measure_all(study, observations, log, params, measure_ss)
    n, end = params.n_centers, int(params.weeks_collab)
    teams = np.array([f"team{c + 1}" for c in range(n)])

    # pdsa: cycles per team and month, zeros included
    n_months = max(1, int(round(end / WEEKS_PER_MONTH)))
    f = frames["pdsa_tracker"]
    month = np.minimum((f["week_end"] / WEEKS_PER_MONTH).astype(int), n_months - 1)
    counts = np.zeros((n, n_months), dtype=int)
    np.add.at(counts, (f["center"], month), 1)
    pdsa = pd.DataFrame({"team": np.repeat(teams, n_months),
                         "month": np.tile(np.arange(1, n_months + 1), n),
                         "cycles": counts.ravel()})

    # attendance: events held in the window, attendances signed, team size at start
    cal = SimpleNamespace(p=params, ls_weeks=session_weeks(params), week=0)
    held = {"learning_session": 0, "call": 0}
    for w in range(end):
        cal.week = w
        ev = calendar(cal)
        held["learning_session"] += int(ev.learning_session)
        held["call"] += int(ev.call) + int(ev.affinity_call)
    people0 = observations[0]["people"]
    size = np.bincount(people0["center"][people0["on_team"]], minlength=n)
    a = frames["attendance"]
    event = np.where(a["event"] == "learning_session", "learning_session", "call")
    attendance = pd.DataFrame({"team": teams[a["center"]], "event": event,
                               "held": [held[e] for e in event],
                               "attendances": a["attendances"],
                               "team_size": size[a["center"]]})

    # turnover: lead teachers at the start still in post (same center) at the end
    people1 = observations[end]["people"]
    lead0 = people0["role"] == TEACHER
    stay = np.isin(people0["person"][lead0], people1["person"])
    c0 = people0["center"][lead0]
    turnover = pd.DataFrame({"team": teams,
                             "staff_start": np.bincount(c0, minlength=n),
                             "left": np.bincount(c0[~stay], minlength=n)})

    # observations: scored classrooms only (a teacher who left is not observed)
    o = frames["observation"]
    seen = np.isfinite(o["score"])
    obs = pd.DataFrame({"team": teams[o["center"][seen]],
                        "classroom": [f"room{r + 1}" for r in o["classroom"][seen]],
                        "wave": o["wave"][seen], "score": o["score"][seen]})

    # surveys: the team's mean of the answers given, per wave
    s = frames["psych_safety"]
    ok = np.isfinite(s["score"])
    sv = pd.DataFrame({"team": teams[s["center"][ok]], "wave": s["wave"][ok],
                       "score": s["score"][ok]})
    surveys = (sv.groupby(["team", "wave"])["score"].agg(["size", "mean"])
               .reset_index().rename(columns={"size": "respondents"}))
    surveys = surveys[["team", "wave", "respondents", "mean"]]
    return {"pdsa.csv": pdsa, "attendance.csv": attendance, "turnover.csv": turnover,
            "observations.csv": obs, "surveys.csv": surveys}


@lru_cache(maxsize=16)
def _study(weeks_collab: int, n_centers: int):
    """The study of `study_spec` (which reads only these two parameters), read once
    per process rather than once per simulated collaborative; `study_tables` gives
    it the collaborative's own parameters."""
    from ..study.spec import load_study
    return load_study(study_spec(SimpleNamespace(weeks_collab=weeks_collab,
                                                 n_centers=n_centers)))


def n_teams(tables: dict[str, pd.DataFrame]) -> int:
    """The number of teams the data describe (the model runs that many centers)."""
    return max(t["team"].nunique() for t in tables.values())


def write_tables(tables: dict[str, pd.DataFrame], folder: str | Path) -> None:
    """Write tables as a data folder (used for the example and the recovery test)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / name, index=False, float_format="%.4f")
