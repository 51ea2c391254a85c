"""Results: a finished model turned into tidy tables and a summary, saved with
provenance.

Tables are built on first access, so a sweep that needs only the summary does not
pay for them. `Result.save(dir)` writes Parquet files (and the summary as CSV too)
and `provenance.json` (resolved config, seed, package and dependency versions).
"""

from __future__ import annotations

import json
import platform
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .model.agents import ROLES
from .atomic import atomic_folder
from .cost import cost_outputs, model_cost
from .model.framework import DRIVERS, idea_names
from .model.pdsa import DECISIONS, MODES
from .outputs import CENTER_NAMES, DEPARTURE_NAMES, SUMMARY_NAMES, TIMESERIES_NAMES


# The files that mark a folder as an earlier `bscsim run` output (safe to replace).
MARKER = ("provenance.json", "centers.parquet")


def versions() -> dict[str, str]:
    """Versions of bscsim, Python and the main dependencies."""
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": platform.python_version()}
    for pkg in ("bscsim", "mesa", "numpy", "pandas", "scipy", "SALib", "pyarrow"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


class Result:
    """The outputs of one run: `timeseries`, `centers`, `classrooms`, `pdsa_log`,
    `pdsa_starts`, `summary`, plus `params` and `seed`."""

    def __init__(self, model, seed: Any):
        self.params = model.p
        self.seed = seed
        self._series = model.series
        self._by_center = model.by_center
        self._snap = model.snapshots
        self._log = model.log
        self._starts = model.starts
        self._is_hs = model.centers.is_hs.copy()
        self._room_center = model.rooms.center.copy()
        self._participating = model.rooms.participating.copy()
        # when each team left the collaborative, and the drivers then (issue 26)
        self._departures = np.column_stack([model.engage.week_left,
                                            model.engage.left_terms]).copy()
        self.summary = compute_summary(model)

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per week, model level."""
        p = self.params
        weeks = np.arange(len(self._series[TIMESERIES_NAMES[0]]))
        # made in one call (a column at a time costs ~10 ms a run)
        return pd.DataFrame({"week": weeks, "collab": weeks < p.weeks_collab,
                             **{k: self._series[k] for k in TIMESERIES_NAMES}})

    @cached_property
    def centers(self) -> pd.DataFrame:
        """One row per week and center."""
        n_w, n_c = self._by_center[CENTER_NAMES[0]].shape
        return pd.DataFrame({
            "week": np.repeat(np.arange(n_w), n_c),
            "center": np.tile(np.arange(n_c), n_w),
            "center_type": np.tile(np.where(self._is_hs, "head_start", "child_care"), n_w),
            **{k: self._by_center[k].ravel() for k in CENTER_NAMES},
            **{k: np.tile(self._departures[:, j], n_w)
               for j, k in enumerate(DEPARTURE_NAMES)}})

    @cached_property
    def classrooms(self) -> pd.DataFrame:
        """One row per classroom: baseline, end of collaborative, end of follow-up."""
        df = pd.DataFrame({
            "classroom": np.arange(len(self._room_center)),
            "center": self._room_center,
            "center_type": np.where(self._is_hs[self._room_center], "head_start",
                                    "child_care"),
            "participating": self._participating,
        })
        for when in ("baseline", "end_collab", "end_followup"):
            snap = self._snap.get(when)
            for key in ("practice", "observed", "child_se", "cb_share"):
                df[f"{key}_{when}"] = snap[key] if snap else np.nan
        sd = self.params.practice_sd
        df["improved"] = ((df["observed_end_collab"] - df["observed_baseline"])
                          > self.params.improved_margin_sd * sd)
        return df

    @cached_property
    def pdsa_starts(self) -> pd.DataFrame:
        """One row per PDSA cycle started: its week and post (what an analysis
        replays to hold PDSA volume fixed: `simulate_many(..., replay=...)`)."""
        weeks = sorted(self._starts)
        posts = [np.asarray(self._starts[w], dtype=np.int64) for w in weeks]
        return pd.DataFrame({
            "week": np.repeat(np.array(weeks, dtype=np.int64), [len(x) for x in posts]),
            "post": np.concatenate(posts) if posts else np.zeros(0, dtype=np.int64)})

    @cached_property
    def pdsa_log(self) -> pd.DataFrame:
        """One row per completed PDSA cycle."""
        log = self._log
        df = pd.DataFrame({c: log.column(c) for c in log.COLUMNS})
        names = idea_names(self.params.n_ideas_per_driver, self.params.n_staff_ideas)
        if len(df) == 0:
            df = pd.DataFrame(columns=list(log.COLUMNS) + ["change_idea"])
            return df
        df["role"] = [ROLES[r] for r in df["role"]]
        df["mode"] = [MODES[m] for m in df["mode"]]
        df["decision"] = [DECISIONS[d] for d in df["decision"]]
        df["driver"] = [DRIVERS[d] for d in df["driver"]]
        df["change_idea"] = [names[i] for i in df["idea"]]
        return df

    def provenance(self) -> dict[str, Any]:
        return {
            "seed": _jsonable(self.seed),
            "config": self.params.to_dict(),
            "versions": versions(),
        }

    def plot(self, title: str | None = None):
        """The run's overview figure (the theory-of-change chain over time, as
        `bscsim run` draws it in overview.png); returns the matplotlib Figure,
        never shows it: `result.plot().savefig("run.png")`."""
        from .plotting import overview
        return overview(self.timeseries, self.params, title=title)

    def save(self, out: str | Path) -> Path:
        """Write every table (Parquet; summary also CSV) and provenance.json into
        `out`. Written to a fresh temporary folder that then replaces `out` whole
        (bscsim.atomic), so a failure leaves nothing and no older file survives."""
        with atomic_folder(out, MARKER, "run") as tmp:
            self.write(tmp)
        return Path(out)

    def write(self, folder: Path, files: tuple[str, ...] = ()) -> None:
        """Write the tables and provenance.json into `folder` (which `save` makes
        atomic); `files` names other files written there (e.g. overview.png), so
        provenance lists every file of the folder."""
        for name in ("timeseries", "centers", "classrooms", "pdsa_log"):
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        summary = self.summary.rename("value").rename_axis("output").reset_index()
        summary.to_parquet(folder / "summary.parquet", index=False)
        summary.to_csv(folder / "summary.csv", index=False)
        prov = {**self.provenance(), "files": sorted(
            [f"{n}.parquet" for n in ("timeseries", "centers", "classrooms", "pdsa_log",
                                      "summary")] + ["summary.csv", *files])}
        (folder / "provenance.json").write_text(json.dumps(prov, indent=2))


def _jsonable(x: Any) -> Any:
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (int, float, str)) or x is None:
        return x
    return repr(x)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else float("nan")


def _harm_by_inquiry(log, rows: int) -> tuple[float, float]:
    """Of the first `rows` cycles of the log decided by inquiry (mode 0): the share
    whose idea does harm in its classroom, among all and among those adopted."""
    if not rows:
        return 0.0, 0.0
    inquiry = log.column("mode")[:rows] == 0
    harm = log.column("true_effect")[:rows][inquiry] < 0
    adopted = log.column("decision")[:rows][inquiry] == 0        # pdsa.ADOPT
    return (float(harm.mean()) if len(harm) else 0.0,
            float(harm[adopted].mean()) if np.count_nonzero(adopted) else 0.0)


def compute_summary(model) -> pd.Series:
    """Scalar outcomes (declared in outputs.SUMMARY), end of the collaborative
    unless named `_followup`."""
    p, snap = model.p, model.snapshots
    base = snap["baseline"]
    end = snap.get("end_collab", snap["baseline"])
    follow = snap.get("end_followup", end)
    part = model.rooms.participating
    other = ~part
    sd = p.practice_sd
    n_c = model.centers.n
    gain = (end["practice"] - base["practice"]) / sd
    observed_gain = (end["observed"] - base["observed"]) / sd
    counts = end["counts"]
    last = max(min(p.weeks_collab, len(model.series["engagement"])) - 1, 0)
    # centers: mean participating gain
    c = model.rooms.center[part]
    n_part = np.bincount(c, minlength=n_c)
    team_gain = np.bincount(c, weights=gain[part], minlength=n_c) / np.maximum(n_part, 1)
    # teams still in the collaborative at its end (issue 26: the teams a
    # collaborative's report counts)
    stayed = ~(model.engage.week_left < p.weeks_collab)
    stayed_gain = team_gain[(n_part > 0) & stayed]
    team_gain = team_gain[n_part > 0]
    log = model.log
    rows = end["pdsa_rows"]
    # (center, idea) pairs tested, and whether any cycle of the pair built on an
    # earlier one (an iteration after 'adapt': the PDSA ramp of Taylor et al. 2014)
    iterated = np.zeros(0, dtype=bool)
    if rows:
        center, idea = log.column("center")[:rows], log.column("idea")[:rows]
        iteration = log.column("iteration")[:rows]
        _, pair = np.unique(center * model.staff.belief_mu.shape[1] + idea,
                            return_inverse=True)
        iterated = np.bincount(pair.ravel(), weights=iteration != 0) > 0
    harmful_tested, harmful_adopted = _harm_by_inquiry(log, rows)
    values = {
        "classrooms_improved_share": _mean((observed_gain[part] > p.improved_margin_sd)
                                           .astype(float)),
        "practice_gain_sd": _mean(gain[part]),
        "child_se_gain_sd": _mean(end["child_se"][part] - base["child_se"][part]),
        "challenging_behavior_change": _mean(end["cb_share"][part] - base["cb_share"][part]),
        "spread_gain_sd": _mean(gain[other]),
        "teams_improved_share": _mean((team_gain > p.improved_margin_sd).astype(float)),
        "teams_improved_share_stayed": _mean((stayed_gain > p.improved_margin_sd)
                                             .astype(float)),
        "team_gain_sd_spread": float(team_gain.std()) if len(team_gain) > 1 else 0.0,
        "pdsa_completed_per_team": counts["pdsa_completed"].sum() / n_c,
        "pdsa_adopted_per_team": counts["pdsa_adopted"].sum() / n_c,
        "harmful_adoption_share": (counts["harmful_adopted"].sum()
                                   / max(counts["pdsa_adopted"].sum(), 1)),
        "harmful_in_use_share": end["harmful_in_use"],
        "deadoptions_per_team": counts["deadopted"].sum() / n_c,
        "staff_ideas_per_team": counts["staff_ideas"].sum() / n_c,
        "failures_shared_share": (counts["failures_shared"].sum()
                                  / max(counts["failures"].sum(), 1)),
        "ties_sd": end["ties_sd"],
        "iterative_share": float(iterated.mean()) if len(iterated) else 0.0,
        "psych_safety_end": end["psych_safety"],
        "inquiry_end": end["inquiry"],
        "efficacy_end": end["efficacy"],
        "vicarious_updates_per_team": counts["vicarious_updates"].sum() / n_c,
        "capacity_end": end["capacity"],
        "knowledge_sel_end": end["knowledge_sel"],
        "leavers_per_center": counts["leavers"] / n_c,
        "centers_left_share": float(model.series["centers_left"][last]) / n_c,
        "engagement_end": float(model.series["engagement"][last]),
        "practice_gain_sd_followup": _mean((follow["practice"][part]
                                            - base["practice"][part]) / sd),
        "child_se_gain_sd_followup": _mean(follow["child_se"][part] - base["child_se"][part]),
        "practices_in_use_end": end["in_use"],
        "practices_in_use_followup": follow["in_use"],
        "routines_end": end["routine"],
        "routines_followup": follow["routine"],
        "practices_lost_per_classroom": counts["practices_lost"] / max(part.sum(), 1),
        "routines_lost_per_center": counts["routines_lost"] / n_c,
        "harmful_tested_inquiry": harmful_tested,
        "harmful_adopted_inquiry": harmful_adopted,
    }
    values.update(cost_outputs(sum(model_cost(model).values()), n_c,
                               values["classrooms_improved_share"] * part.sum()))
    assert tuple(values) == SUMMARY_NAMES, "summary must follow outputs.SUMMARY"
    return pd.Series(values, dtype=float, name="value")
