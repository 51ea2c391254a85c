"""Model: the Breakthrough Series Collaborative on SEL, as a Mesa model.

`BSCModel.step()` is one week and reads as the schedule of the design brief (ODD
element 3, process overview). Each submodel lives in the module named after the part
of the theory of change it implements:

    calendar, learning_session, calls  -> collaborative.py  (elements 2, 5; mechanism 2)
    turnover                           -> workforce.py      (context: turnover, shortage)
    team_meeting                       -> teams.py          (element 3; mechanism 1)
    pdsa                               -> pdsa.py           (element 4; mechanism 3)
    spread, practice                   -> classrooms.py     (long-term outcomes)
    children                           -> children.py       (impacts)
    organization                       -> organization.py   (driver 5, climate)
    collect                            -> here              (data collection)

The model does no I/O. `Result` (results.py) turns a finished model into tables.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from . import collector, state
from .agents import AGENT_CLASS, DIRECTOR, TEACHER, Director, Parent, Teacher
from .children import children
from .classrooms import practice, spread
from .collaborative import Board, calendar, calls, learning_session, session_weeks
from .framework import DRIVER_DOMAIN
from .observe import observe
from .organization import organization
from .outputs import CENTER_NAMES, TIMESERIES_NAMES
from .params import Params, make_params
from .pdsa import PdsaLog, pdsa
from .teams import team_meeting
from .workforce import turnover

STREAMS = ("init", "workforce", "collab", "teams", "pdsa", "spread", "children",
           "observe")
CENTER_COUNTS = ("meetings", "metrics_reported", "pdsa_started", "pdsa_completed",
                 "pdsa_adopted", "pdsa_adapted", "pdsa_abandoned", "vicarious_updates",
                 "ls_attended", "calls_attended")
SCALAR_COUNTS = ("ls_attendance", "call_attendance", "voice", "team_updates",
                 "spread_adoptions", "leavers", "coaching_hours")


class BSCModel(mesa.Model):
    """A collaborative of ECE centers running a BSC-SEL, one step per week.

    Args:
        params: a `Params` (default: the defaults of every parameter).
        rng: seed (None: a fresh one) or numpy Generator; all randomness comes from
            `self.rng`; an integer seed is kept in `self.seed`.
        observe_weeks: weeks at whose start the observable state is copied into
            `self.observations[week]` (observe.py; the simulated study). Empty by
            default: nothing is copied.
        **changes: parameter values that override `params` (so that Mesa's
            `batch_run` can pass parameters as keywords).
    """

    def __init__(self, params: Params | None = None, rng: Any = None,
                 observe_weeks: Any = (), **changes: Any):
        if rng is None:   # a fresh seed, recorded so that the run can be repeated
            rng = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
        super().__init__(rng=rng)
        self.seed = int(rng) if isinstance(rng, (int, np.integer)) else None
        p = params if params is not None else make_params()
        if changes:
            p = p.replace(**changes)
        self.p = p
        self.week = 0
        self.n_weeks = p.weeks_collab + p.weeks_followup
        self.ls_weeks = session_weeks(p)
        self.counts_sessions = 0
        # one stream per process, spawned from the one seed: a scenario that
        # changes one process leaves the draws of the others unchanged (common
        # random numbers across scenarios)
        self.streams = dict(zip(STREAMS, self.rng.spawn(len(STREAMS))))
        init = self.streams["init"]
        self.centers = state.init_centers(p, init)
        self.rooms = state.init_classrooms(p, self.centers, init)
        self.staff = state.init_staff(p, self.centers, self.rooms, init)
        self.people: list[mesa.Agent | None] = [None] * self.staff.n
        for post in np.flatnonzero(self.staff.filled):
            self.add_person(post)
        self.participant = (self.staff.on_team
                            | (self.staff.role == DIRECTOR)
                            | ((self.staff.role == TEACHER)
                               & self.rooms.participating[np.maximum(self.staff.classroom, 0)]))
        hs = self.centers.is_hs
        # context similarity of two centers' teams (0 with itself: nobody reads
        # her own center's reports on the board)
        self.similarity = np.where(hs[:, None] == hs[None, :], 1.0, p.similarity_cross_type)
        np.fill_diagonal(self.similarity, 0.0)
        self.board = Board()
        self.board_seen = {"ls": 0, "call": 0, "affinity": 0}
        self.ties_version = 0
        self.channel_cache: dict = {}
        self.log = PdsaLog()
        self.pending: list[int] = []
        n_c = self.centers.n
        self.counts: dict[str, Any] = {k: np.zeros(n_c, dtype=np.int64) for k in CENTER_COUNTS}
        self.counts.update({k: 0 for k in SCALAR_COUNTS})
        self.series = {k: np.full(self.n_weeks, np.nan) for k in TIMESERIES_NAMES}
        self.by_center = {k: np.full((self.n_weeks, n_c), np.nan) for k in CENTER_NAMES}
        self.snapshots: dict[str, dict[str, np.ndarray]] = {}
        self.events = calendar(self)
        self.first_room = np.searchsorted(self.rooms.center, np.arange(self.centers.n))
        self.update_room_filled()
        self._init_collect()
        self.hazard = np.where(
            self.staff.role == DIRECTOR, state.weekly_hazard(p.turnover_director),
            np.where(self.staff.role == TEACHER,
                     state.weekly_hazard(self.centers.turnover[self.staff.center]), 0.0))
        self.snapshot("baseline")
        self.observe_weeks = frozenset(int(w) for w in observe_weeks)
        self.observations: dict[int, dict[str, Any]] = {}
        if 0 in self.observe_weeks:
            self.observations[0] = observe(self)
        self.running = self.n_weeks > 0

    # ------------------------------------------------------------ schedule
    def step(self) -> None:
        """One week: the eleven processes of the schedule, in order."""
        self.events = calendar(self)       # 1 which events fall this week
        turnover(self)                     # 2 exits, vacancies, newcomers
        learning_session(self)             # 3 knowledge, ties, the pooled board
        calls(self)                        # 4 all-team and affinity calls
        team_meeting(self)                 # 5 voice, safety, sharing results
        pdsa(self)                         # 6 small tests of change
        spread(self)                       # 7 to non-team classrooms
        practice(self)                     # 8 decay, coaching
        children(self)                     # 9 competence, challenging behavior
        organization(self)                 # 10 capacity and routines
        self.collect()                     # 11 data collection
        self.week += 1
        if self.week in self.observe_weeks:
            self.observations[self.week] = observe(self)
        if self.week == self.p.weeks_collab:
            self.snapshot("end_collab")
        if self.week == self.n_weeks:
            self.snapshot("end_followup")
            self.running = False

    def run(self) -> "BSCModel":
        """Run the collaborative and its follow-up to the end."""
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------- people, posts
    def add_person(self, post: int) -> None:
        cls = AGENT_CLASS[int(self.staff.role[post])]
        self.people[post] = cls(self, int(post))

    def remove_person(self, post: int) -> None:
        person = self.people[post]
        if person is not None:
            person.remove()
        self.people[post] = None
        self.staff.filled[post] = False
        self.staff.cycle_idea[post] = -1
        self.staff.next_idea[post] = -1

    def update_room_filled(self) -> None:
        """Per classroom: is the lead-teacher post held? (kept current by turnover;
        teachers are the first `rooms.n` posts, in classroom order)"""
        self.room_filled = self.staff.filled[:self.rooms.n].copy()
        self.vacant_by_center = self.center_mean(~self.room_filled)

    def vacant_share(self) -> np.ndarray:
        """Per center: share of lead-teacher posts vacant."""
        return self.vacant_by_center

    # ----------------------------------------------------- center averages
    def center_mean(self, room_values: np.ndarray) -> np.ndarray:
        c = self.rooms.center
        return (np.bincount(c, weights=room_values.astype(float), minlength=self.centers.n)
                / np.maximum(np.bincount(c, minlength=self.centers.n), 1))

    def center_mean_of_team(self, post_values: np.ndarray) -> np.ndarray:
        """Per center: mean over the participants present (0 where none)."""
        who = self.participant & self.staff.filled
        c = self.staff.center[who]
        n = np.bincount(c, minlength=self.centers.n)
        total = np.bincount(c, weights=post_values[who], minlength=self.centers.n)
        return np.where(n > 0, total / np.maximum(n, 1), 0.0)

    def team_climate(self) -> np.ndarray:
        """Per center: mean psychological safety of the participants present."""
        return self.center_mean_of_team(self.staff.psych_safety)

    def team_knowledge(self) -> np.ndarray:
        """Per center and domain: the most a present participant knows (a team
        draws on its most knowledgeable member, e.g. a parent for family)."""
        return self._max_knowledge(self.participant & self.staff.filled)

    def center_knowledge(self) -> np.ndarray:
        return self._max_knowledge(self.staff.filled)

    def _max_knowledge(self, who: np.ndarray) -> np.ndarray:
        out = np.zeros((self.centers.n, self.staff.knowledge.shape[1]))
        np.maximum.at(out, self.staff.center[who], self.staff.knowledge[who])
        return out

    def transfer_knowledge(self, people: np.ndarray, gain: np.ndarray) -> None:
        """Know-do gap: a teacher's knowledge gain moves her classroom's practice on
        the matching drivers by `training_transfer` x gain (share of the gap)."""
        staff, rooms = self.staff, self.rooms
        t = staff.role[people] == TEACHER
        if not t.any() or self.p.training_transfer == 0:
            return
        room = staff.classroom[people[t]]
        step = self.p.training_transfer * gain[t][:, DRIVER_DOMAIN]
        rooms.practice[room] += step * (1.0 - rooms.practice[room])

    # ------------------------------------------------------------- collect
    def _init_collect(self) -> None:
        """Weight vectors for the means `collect` takes every week (who counts as
        a participant, participating classroom or director is fixed for a run),
        so each mean is one dot product."""
        staff, pr = self.staff, self.rooms.participating
        directors = staff.role == DIRECTOR
        self._w_part = _weights(self.participant)
        self._w_dir = _weights(directors)
        self._w_others = _weights(self.participant & ~directors)
        self._w_rooms = np.stack([_weights(pr), _weights(~pr)])
        n_c = self.centers.n
        self._n_pairs = max(n_c * (n_c - 1), 1)

    @property
    def datacollector(self) -> mesa.DataCollector:
        """Mesa's DataCollector: the weekly model-level outputs, the seed and (last
        row) the summary outputs, row k = week k, for `mesa.batch_run` and Mesa tools
        (built and filled by `bscsim.collector` on first access, so a plain run pays
        nothing). A collector you assign is yours: the model never feeds it."""
        dc = self.__dict__.get("_datacollector")
        if dc is None:
            dc = self._datacollector = collector.default_collector()
            self._dc_week, self._dc_own = 0, True
        if self._dc_own:
            collector.catch_up(self, dc)
        return dc

    @datacollector.setter
    def datacollector(self, dc: mesa.DataCollector | None) -> None:
        """Use your own collector (None: the default one on next access)."""
        self._datacollector = dc
        self._dc_week, self._dc_own = 0, False

    def collect(self) -> None:
        """Record this week's model-level and per-center outputs."""
        w, s, staff, rooms, c = self.week, self.series, self.staff, self.rooms, self.counts
        for k in ("pdsa_started", "pdsa_completed", "pdsa_adopted", "pdsa_adapted",
                  "pdsa_abandoned", "vicarious_updates", "metrics_reported"):
            s[k][w] = c[k].sum()
        s["meetings_held"][w] = c["meetings"].sum()
        for k in ("ls_attendance", "call_attendance", "voice", "team_updates",
                  "spread_adoptions", "leavers"):
            s[k][w] = c[k]
        wp = self._w_part
        s["psych_safety"][w] = wp @ staff.psych_safety
        s["efficacy"][w] = wp @ staff.efficacy
        s["inquiry"][w] = wp @ staff.inquiry
        s["qi_skill"][w] = wp @ staff.qi
        s["knowledge_sel"][w], s["knowledge_family"][w], s["knowledge_equity"][w] = (
            wp @ staff.knowledge)
        others = self._w_others @ staff.status
        s["power_gap"][w] = self._w_dir @ staff.status - (others if others == others else 0.0)
        s["leadership"][w] = self._w_dir @ staff.leadership
        s["ties"][w] = self.centers.ties.sum() / self._n_pairs
        filled = staff.filled
        s["climate"][w] = (staff.psych_safety @ filled) / max(filled.sum(), 1)
        q = rooms.quality
        part_q, other_q = self._w_rooms @ q
        (s["practice_relationships"][w], s["practice_social_skills"][w],
         s["practice_family"][w], s["practice_equity"][w]) = self._w_rooms[0] @ rooms.practice
        s["capacity"][w] = self.centers.capacity.mean()
        s["practice_participating"][w] = part_q
        s["practice_spread"][w] = other_q
        s["child_se"][w] = self._w_rooms[0] @ rooms.competence
        s["cb_share"][w] = self._w_rooms[0] @ rooms.cb_share
        room_filled = self.room_filled
        s["vacancy_share"][w] = 1.0 - room_filled.mean()
        bc = self.by_center
        bc["practice_participating"][w] = self._center_mean_where(q, rooms.participating)
        bc["practice_all"][w] = self.center_mean(q)
        bc["psych_safety"][w] = self.team_climate()
        bc["inquiry"][w] = self.center_mean_of_team(staff.inquiry)
        bc["capacity"][w] = self.centers.capacity
        bc["pdsa_completed"][w] = c["pdsa_completed"]
        bc["vicarious_updates"][w] = c["vicarious_updates"]
        bc["vacancy_share"][w] = self.center_mean(~room_filled)

    def _center_mean_where(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        c = self.rooms.center[mask]
        n = np.bincount(c, minlength=self.centers.n)
        tot = np.bincount(c, weights=values[mask], minlength=self.centers.n)
        return np.where(n > 0, tot / np.maximum(n, 1), np.nan)

    def snapshot(self, when: str) -> None:
        """Classroom and participant state at baseline, end of collaborative and
        end of follow-up; observed practice includes observer error."""
        rooms, staff = self.rooms, self.staff
        q = rooms.quality
        part = self.participant
        self.snapshots[when] = {
            "practice": q.copy(),
            "observed": q + self.streams["observe"].normal(0.0, self.p.obs_error_sd, rooms.n),
            "child_se": rooms.competence.copy(),
            "cb_share": rooms.cb_share.copy(),
            "drivers": rooms.practice.copy(),
            "psych_safety": float(staff.psych_safety[part].mean()),
            "inquiry": float(staff.inquiry[part].mean()),
            "efficacy": float(staff.efficacy[part].mean()),
            "knowledge_sel": float(staff.knowledge[part, 0].mean()),
            "capacity": float(self.centers.capacity.mean()),
            "week": self.week,
            "counts": self.counts_now(),
            "pdsa_rows": len(self.log),
        }

    def counts_now(self) -> dict[str, Any]:
        """A copy of the running counts (per-center arrays and totals) as they stand."""
        return {k: (v.copy() if isinstance(v, np.ndarray) else v)
                for k, v in self.counts.items()}

    def release(self) -> None:
        """Drop Mesa's class-level reference to this model (Mesa 3.3.1 keeps every
        model alive in `Agent._ids`, which leaks memory over a sweep)."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)


def _weights(mask: np.ndarray) -> np.ndarray:
    """Weights that turn a dot product into the mean over `mask` (NaN if empty)."""
    n = mask.sum()
    return mask / n if n else np.full(len(mask), np.nan)

__all__ = ["BSCModel", "Teacher", "Director", "Parent"]
