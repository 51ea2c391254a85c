"""Model: the Breakthrough Series Collaborative on SEL, as a Mesa model.

`BSCModel.step()` is one week and reads as the schedule of the design brief (ODD
element 3, process overview). Each submodel lives in the module named after the part
of the theory of change it implements:

    calendar, learning_session, calls  -> collaborative.py  (elements 2, 5; mechanism 2)
    ties between teams                 -> network.py        (mechanism 2)
    turnover                           -> workforce.py      (context: turnover, shortage)
    team_meeting                       -> teams.py          (element 3; mechanism 1)
    pdsa                               -> pdsa.py           (element 4; mechanism 3)
    practices in use, de-adoption      -> practices.py      (what practice follows)
    spread, practice, coaching         -> classrooms.py     (long-term outcomes)
    children                           -> children.py       (impacts)
    organization                       -> organization.py   (driver 5, climate)
    beliefs and evidence               -> beliefs.py        (the learning rule)
    collect                            -> here              (data collection)

The model does no I/O. `Result` (results.py) turns a finished model into tables.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from .. import collector
from . import state
from .agents import AGENT_CLASS, DIRECTOR, TEACHER, Director, Parent, Teacher
from .children import children
from .classrooms import practice, spread
from .collaborative import Board, calendar, calls, learning_session, session_weeks
from .framework import CLASSROOM_DRIVERS, DRIVER_DOMAIN
from .network import tie_matrix
from .observe import observe
from .organization import organization
from ..outputs import CENTER_NAMES, TIMESERIES_NAMES
from ..params import Params, make_params
from .pdsa import PdsaLog, pdsa
from .teams import team_meeting
from .workforce import turnover
from .state import toward_one

STREAMS = ("init", "workforce", "collab", "teams", "pdsa", "spread", "children",
           "observe")
CENTER_COUNTS = ("meetings", "metrics_reported", "pdsa_started", "pdsa_completed",
                 "pdsa_adopted", "pdsa_adapted", "pdsa_abandoned", "vicarious_updates",
                 "ls_attended", "calls_attended", "harmful_adopted", "deadopted",
                 "staff_ideas", "practice_reports", "failures", "failures_shared")
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
        replay_starts: {week: posts} of another run's PDSA starts (`model.starts`
            of a finished run with the same seed): this run starts exactly those
            cycles instead of drawing its own, so that it runs the same PDSA volume
            (bscsim.mechanisms). None by default.
        **changes: parameter values that override `params` (so that Mesa's
            `batch_run` can pass parameters as keywords).
    """

    def __init__(self, params: Params | None = None, rng: Any = None,
                 observe_weeks: Any = (), replay_starts: dict | None = None,
                 **changes: Any):
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
        self.centers, self.package = state.init_centers(p, init)
        self.rooms = state.init_classrooms(p, self.centers, self.package, init)
        self.staff = state.init_staff(p, self.centers, self.rooms, init)
        # people are rows of the staff arrays; Mesa agents are made from them only
        # when Mesa asks (`agents`, `agents_by_type`, `people_as_agents`)
        self.people: list[mesa.Agent | None] = [None] * self.staff.n
        # person ids of posts vacant at the start (they never held one): the
        # agent id of a person skips them (`agent_id`)
        self._never_held = np.sort(self.staff.person[~self.staff.filled])
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
        # the faculty's reading of the board per program type (child care, Head
        # Start): ranks the prescription within a driver (collaborative.faculty_review)
        self.faculty_score = np.full((2, self.package.n_package), p.prior_mean)
        self.faculty_version = 0
        self.all_ideas_known = bool(self.centers.known.all())   # teams.bring_ideas
        self.org_in_use_any = False          # some driver-5 idea was ever put in use
        self.prescription: tuple = (None, None)      # (key, order), pdsa.prescribed_order
        self.board_seen = {"ls": 0, "call": 0, "affinity": 0}
        self.ties_version = 0
        self.tie_scale = 1.0           # stored ties x tie_scale = ties (network.py)
        self.channel_cache: dict = {}
        self.log = PdsaLog()
        self.starts: dict[int, np.ndarray] = {}      # week -> posts that started a cycle
        self.replay_starts = replay_starts
        # finished cycles not yet shared: log row -> (center, post, person, idea,
        # result, precision, draw for the team, draw for the collaborative)
        self.pending: dict[int, list[float]] = {}
        n_c = self.centers.n
        # per-center running counts: rows of one matrix (summed in one call by
        # collect), reached by name as views
        self.center_counts = np.zeros((len(CENTER_COUNTS), n_c), dtype=np.int64)
        self.counts: dict[str, Any] = dict(zip(CENTER_COUNTS, self.center_counts))
        self.counts.update({k: 0 for k in SCALAR_COUNTS})
        # weekly model-level outputs: a (weeks, outputs) table; series[name] is its column
        self._series_table = np.full((self.n_weeks, len(TIMESERIES_NAMES)), np.nan)
        self.series = {k: self._series_table[:, j] for j, k in enumerate(TIMESERIES_NAMES)}
        # per-center weekly outputs: a (weeks, outputs x centers) table, filled a
        # row a week; by_center[name] is its (weeks, centers) block
        self._center_table = np.full((self.n_weeks, len(CENTER_NAMES) * n_c), np.nan)
        self.by_center = {k: self._center_table[:, j * n_c:(j + 1) * n_c]
                          for j, k in enumerate(CENTER_NAMES)}
        self.snapshots: dict[str, dict[str, np.ndarray]] = {}
        # the calendar of every week (and one past the end, for a model stepped on)
        self._calendar = [calendar(self, w) for w in range(self.n_weeks + 1)]
        self.events = self._calendar[0]
        self.first_room = np.searchsorted(self.rooms.center, np.arange(self.centers.n))
        self._init_lookups()
        self.cb_by_center = self.center_mean(self.rooms.cb_share)   # kept by children()
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

    def _init_lookups(self) -> None:
        """Tables fixed for a run: participating classrooms by center (rooms are
        stored center by center), each classroom's ideas by driver, and who the
        coaching arm coaches (the teachers there at the start)."""
        rooms, staff = self.rooms, self.staff
        self.part_rooms = np.flatnonzero(rooms.participating)
        self.part_count = np.bincount(rooms.center[self.part_rooms], minlength=self.centers.n)
        self.part_first = np.concatenate([[0], np.cumsum(self.part_count)[:-1]])
        # each classroom's staff-idea slots by driver (package ideas: model.pkg_driver)
        drv = self.package.driver[rooms.center, self.package.n_package:]
        self.staff_driver_onehot = (drv[..., None]
                                    == np.arange(CLASSROOM_DRIVERS)).astype(float)
        # per classroom and idea: an idea of a classroom driver (not driver 5)
        self.classroom_idea = (self.package.driver < CLASSROOM_DRIVERS)[rooms.center]
        order = np.argsort(staff.center, kind="stable")       # every center has posts
        self._by_center = (order, np.searchsorted(staff.center[order],
                                                  np.arange(self.centers.n)))
        n_pkg = self.package.n_package
        self.sustained = None     # practices.sustained, kept between weeks
        self.pkg_driver = (np.arange(n_pkg)[:, None] // self.p.n_ideas_per_driver
                            == np.arange(CLASSROOM_DRIVERS)).astype(float)
        teacher = np.arange(rooms.n)
        rooms.coached_person = np.where(staff.filled[teacher], staff.person[teacher], -1)
        self._peer = (None, None)
        self._use_stats = None
        self.spread_share = None      # classrooms.open_share, kept between weeks
        self.quality_of_week = (-1, None)
        # participating classrooms' centers, the divisor of a mean over them, and
        # the centers with none (their mean is NaN)
        self._part_rooms_center = (rooms.center[self.part_rooms],
                                   np.maximum(self.part_count, 1), self.part_count == 0)
        # director posts follow the teachers' posts, one per center (state.init_staff)
        self.director_posts = slice(rooms.n, rooms.n + self.centers.n)
        self._rooms_per_center = np.maximum(np.bincount(rooms.center,
                                                        minlength=self.centers.n), 1)
        # per classroom: how many other classrooms its center has (at least 1)
        self.other_rooms = np.maximum(self._rooms_per_center[rooms.center] - 1, 1)[:, None]
        self._room_effect = None
        self._team = None
        self._present = None
        self.room_headroom = 1.0 - rooms.practice_base     # practices.targets
        self.capacity_headroom = 1.0 - self.centers.capacity_base   # organization
        # each post's classroom (0 for a director) and whether she has one (free_time)
        self.post_room = np.maximum(staff.classroom, 0)
        self.post_in_room = staff.classroom >= 0
        # rows of center_counts that pdsa.act adds to, in its order
        self.decision_rows = np.array([CENTER_COUNTS.index(k) for k in (
            "pdsa_adopted", "pdsa_adapted", "pdsa_abandoned", "harmful_adopted")])
        # participating classrooms, then all classrooms: the rows, bins and
        # divisors of collect's per-center quality means (NaN where a center has
        # no participating classroom); team_now adds the team's
        n_c = self.centers.n
        part_center, part_div, no_part = self._part_rooms_center
        self._room_rows = np.concatenate([self.part_rooms, np.arange(rooms.n)])
        self._room_bins = np.concatenate([part_center, rooms.center + n_c])
        self._room_div = np.concatenate([np.where(no_part, np.nan, part_div),
                                         self._rooms_per_center])

    def room_effect(self, rooms: np.ndarray | None = None,
                    ideas: np.ndarray | None = None) -> np.ndarray:
        """True effect of ideas in classrooms: the center's effect plus the
        classroom's fit (framework.py). Every classroom's (rooms, ideas) table, or
        one idea per room when `rooms` and `ideas` are given. The table is kept
        until an adapted variant changes a center's effect (`effect_changed`)."""
        if self._room_effect is None:
            r = self.rooms
            self._room_effect = self.centers.effect[r.center] + r.fit
        if rooms is None:
            return self._room_effect
        return self._room_effect[rooms, ideas]

    def effect_changed(self) -> None:
        self._room_effect = None
        self.sustained = None
        self._use_stats = None

    def peer_ties(self) -> np.ndarray:
        """Per center: mean tie strength to the other centers."""
        return self._tie_sums()[0] * self.tie_scale

    def _tie_sums(self) -> tuple[np.ndarray, float]:
        """Per center, and in all, the stored ties over the other centers, scaled
        to means (network.py stores ties divided by `tie_scale`); kept until the
        stored ties change."""
        if self._peer[0] != self.ties_version:
            ties, n_c = self.centers.ties, self.centers.n
            self._peer = (self.ties_version, (ties.sum(axis=1) / max(n_c - 1, 1),
                                              ties.sum() / self._n_pairs))
        return self._peer[1]

    def present_now(self) -> np.ndarray:
        """Team members who hold their post (`staff.present`), as posts; kept until
        turnover changes who is present."""
        if self._present is None:
            self._present = self.staff.present.nonzero()[0]
        return self._present

    # ------------------------------------------------------------ schedule
    def step(self) -> None:
        """One week: the eleven processes of the schedule, in order."""
        self.events = self._events(self.week)  # 1 which events fall this week
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

    def _events(self, week: int):
        """This week's events (collaborative.calendar), read from the table kept
        for the run."""
        return self._calendar[week] if week < len(self._calendar) else calendar(self)

    def run(self) -> "BSCModel":
        """Run the collaborative and its follow-up to the end."""
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------- people, posts
    def agent_id(self, posts: np.ndarray) -> np.ndarray:
        """Mesa id of the people holding `posts`: 1 for the first holder, counted
        in the order people took their posts (the order of `staff.person`, less
        the ids of posts vacant at the start, which no one held)."""
        person = self.staff.person[posts]
        return person + 1 - np.searchsorted(self._never_held, person)

    def people_as_agents(self) -> list[mesa.Agent | None]:
        """One Mesa agent (Teacher, Director, Parent) per held post, made or
        dropped so that they match who holds the posts now; agents are made in
        the order their holders took their posts, with the ids they would have
        had if each had been made on arrival. The weekly step never needs them."""
        staff = self.staff
        agent_person = np.array([-1 if a is None else a.person for a in self.people])
        stale = np.flatnonzero((agent_person >= 0)
                               & (~staff.filled | (agent_person != staff.person)))
        for post in stale:
            self.people[post].remove()
            self.people[post] = None
        missing = np.flatnonzero(staff.filled & ((agent_person != staff.person) | (agent_person < 0)))
        ids = self.agent_id(missing)
        for post, uid in zip(missing[np.argsort(ids, kind="stable")], np.sort(ids)):
            cls = AGENT_CLASS[int(staff.role[post])]
            agent = cls(self, int(post))
            agent.unique_id = int(uid)
            agent.person = int(staff.person[post])
            self.people[post] = agent
        return self.people

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Mesa's set of all agents: one per person holding a post now."""
        self.people_as_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict:
        self.people_as_agents()
        return super().agents_by_type

    def update_room_filled(self) -> None:
        """Per classroom: is the lead-teacher post held? (kept current by turnover;
        teachers are the first `rooms.n` posts, in classroom order). Also drops the
        cached list of participants present."""
        filled = self.staff.filled
        self.room_filled = filled[:self.rooms.n].copy()
        self.directors_in_post = np.count_nonzero(filled[self.director_posts]) == self.centers.n
        self.vacant_by_center = self.center_mean(~self.room_filled)
        self.vacancy_share = 1.0 - np.count_nonzero(self.room_filled) / self.rooms.n
        self._n_filled = max(np.count_nonzero(filled), 1)
        self._team = None
        self._present = None

    def team_now(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Participants present (posts), their centers, and how many per center;
        kept until turnover changes who is present."""
        if self._team is None:
            who = (self.participant & self.staff.filled).nonzero()[0]
            c = self.staff.center[who]
            n = np.bincount(c, minlength=self.centers.n)
            self._team = (who, c, n)
            self._team_div = np.maximum(n, 1)        # divisor of a mean over them
            # collect's per-center means, in one bincount: quality over the
            # participating classrooms and over all, the team's safety and inquiry
            n_c = self.centers.n
            self._center_bins = np.concatenate([self._room_bins, c + 2 * n_c, c + 3 * n_c])
            self._center_div = np.concatenate([self._room_div, self._team_div,
                                               self._team_div])
        return self._team

    def vacant_share(self) -> np.ndarray:
        """Per center: share of lead-teacher posts vacant."""
        return self.vacant_by_center

    # ----------------------------------------------------- center averages
    def center_mean(self, room_values: np.ndarray) -> np.ndarray:
        """Per center: the mean over its classrooms."""
        return (np.bincount(self.rooms.center, weights=room_values, minlength=self.centers.n)
                / self._rooms_per_center)

    def center_mean_of_team(self, post_values: np.ndarray) -> np.ndarray:
        """Per center: mean over the participants present (0 where none)."""
        who, c, _ = self.team_now()
        total = np.bincount(c, weights=post_values[who], minlength=self.centers.n)
        return total / self._team_div

    def team_climate(self) -> np.ndarray:
        """Per center: mean psychological safety of the participants present."""
        return self.center_mean_of_team(self.staff.psych_safety)

    def team_knowledge(self) -> np.ndarray:
        """Per center and domain: the most a present participant knows (a team
        draws on its most knowledgeable member, e.g. a parent for family)."""
        return self._max_knowledge(self.team_now()[0])

    def center_knowledge(self) -> np.ndarray:
        return self._max_knowledge(self.staff.filled.nonzero()[0])

    def _max_knowledge(self, who: np.ndarray) -> np.ndarray:
        """Per center and domain: the largest knowledge among posts `who` (0 where
        none). Posts are grouped by center once (`_by_center`), so this is one
        reduction."""
        mask = np.zeros(self.staff.n)
        mask[who] = 1.0
        order, starts = self._by_center
        return np.maximum.reduceat((self.staff.knowledge * mask[:, None])[order], starts,
                                   axis=0)

    def transfer_knowledge(self, people: np.ndarray, gain: np.ndarray) -> None:
        """Know-do gap: a teacher's knowledge gain moves her classroom's practice on
        the matching drivers by `training_transfer` x gain (share of the gap)."""
        staff, rooms = self.staff, self.rooms
        t = staff.role[people] == TEACHER
        if np.count_nonzero(t) == 0 or self.p.training_transfer == 0:
            return
        room = staff.classroom[people[t]]
        step = self.p.training_transfer * gain[t][:, DRIVER_DOMAIN]
        rooms.practice[room] = toward_one(rooms.practice[room], step)

    # ------------------------------------------------------------- collect
    def _init_collect(self) -> None:
        """Weight vectors for the means `collect` takes every week (who counts as
        a participant, participating classroom or director is fixed for a run),
        so each mean is one dot product."""
        staff, pr = self.staff, self.rooms.participating
        directors = staff.role == DIRECTOR
        self._w_part = _Mean(self.participant)
        self._w_dir = _Mean(directors)
        self._w_others = _Mean(self.participant & ~directors)
        self._w_rooms = _Mean(np.stack([pr, ~pr]))
        col = {k: j for j, k in enumerate(TIMESERIES_NAMES)}
        counted = {"pdsa_started": "pdsa_started", "pdsa_completed": "pdsa_completed",
                   "pdsa_adopted": "pdsa_adopted", "pdsa_adapted": "pdsa_adapted",
                   "pdsa_abandoned": "pdsa_abandoned",
                   "vicarious_updates": "vicarious_updates",
                   "metrics_reported": "metrics_reported", "meetings_held": "meetings",
                   "deadoptions": "deadopted", "staff_ideas": "staff_ideas"}
        scalars = ("ls_attendance", "call_attendance", "voice", "team_updates",
                   "spread_adoptions", "leavers")
        # rows of the classroom product (state.init_classrooms' table): 4 drivers,
        # competence, challenging behavior; quality is the mean of the drivers
        by_room = {"practice_relationships": 0, "practice_social_skills": 1,
                   "practice_family": 2, "practice_equity": 3, "child_se": 4,
                   "cb_share": 5}
        misc = ("power_gap", "leadership", "ties", "climate", "capacity",
                "vacancy_share", "practices_in_use", "harmful_in_use")
        staff_means = ("psych_safety", "efficacy", "inquiry", "qi_skill", "knowledge_sel",
                       "knowledge_family", "knowledge_equity")
        self._groups = {
            "count_cols": [col[k] for k in counted],
            "count_rows": [CENTER_COUNTS.index(v) for v in counted.values()],
            "scalar_cols": [col[k] for k in scalars], "scalar_keys": scalars,
            "staff_cols": [col[k] for k in staff_means],
            "room_cols": [col[k] for k in by_room], "room_rows": list(by_room.values()),
            "misc_cols": [col[k] for k in misc],
            "quality_cols": [col["practice_participating"], col["practice_spread"]],
        }
        grouped = sum((v for k, v in self._groups.items() if k.endswith("_cols")), [])
        assert sorted(grouped) == list(range(len(TIMESERIES_NAMES))), \
            "collect must fill every declared weekly output once"
        assert list(by_room.values()) == list(range(len(by_room))), \
            "collect takes the classroom table's columns in order"
        g = self._groups
        # index arrays made once (a list index is converted at every use); the
        # scalar outputs are filled together, in this order
        g["one_cols"] = g["scalar_cols"] + g["quality_cols"] + g["misc_cols"]
        for k in ("count_cols", "count_rows", "staff_cols", "room_cols", "one_cols"):
            g[k] = np.array(g[k], dtype=np.intp)
        n_c = self.centers.n
        self._n_pairs = max(n_c * (n_c - 1), 1)
        assert CENTER_NAMES == ("practice_participating", "practice_all", "psych_safety",
                                "inquiry", "capacity", "pdsa_completed",
                                "vicarious_updates", "vacancy_share"), \
            "collect fills the per-center outputs in this order"

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
        """Record this week's model-level and per-center outputs: one row of the
        (weeks, outputs) table, filled by groups (`_init_collect`). What changes
        only with turnover or with the practices in use is kept between weeks
        (`update_room_filled`, `_in_use_stats`)."""
        w, staff, rooms, centers = self.week, self.staff, self.rooms, self.centers
        row, g, counts = self._series_table[w], self._groups, self.counts
        row[g["count_cols"]] = np.add.reduce(self.center_counts, axis=1)[g["count_rows"]]
        row[g["staff_cols"]] = self._w_part @ staff.psych_safety.base
        week_q, q = self.quality_of_week      # practice quality, from children()
        if week_q != w:
            q = rooms.quality
        rooms_part, rooms_other = self._w_rooms @ rooms.practice.base
        row[g["room_cols"]] = rooms_part
        others = self._w_others @ staff.status
        row[g["one_cols"]] = [
            *[counts[k] for k in g["scalar_keys"]],
            # quality: the mean of the drivers, a sum, then one division (as np.mean)
            np.add.reduce(rooms_part[:CLASSROOM_DRIVERS]) / CLASSROOM_DRIVERS,
            np.add.reduce(rooms_other[:CLASSROOM_DRIVERS]) / CLASSROOM_DRIVERS,
            self._w_dir @ staff.status - (others if others == others else 0.0),
            self._w_dir @ staff.leadership,
            self._tie_sums()[1] * self.tie_scale,
            (staff.psych_safety @ staff.filled) / self._n_filled,
            np.add.reduce(centers.capacity) / centers.n,
            self.vacancy_share,
            *self._in_use_stats()]
        # per center (CENTER_NAMES, in order): the means of team_now's bincount,
        # then the rest
        who = self.team_now()[0]
        values = np.concatenate([q[self._room_rows], staff.psych_safety[who],
                                 staff.inquiry[who]])
        means = np.bincount(self._center_bins, weights=values,
                            minlength=len(self._center_div)) / self._center_div
        np.concatenate([means, centers.capacity, counts["pdsa_completed"],
                        counts["vicarious_updates"], self.vacant_by_center],
                       out=self._center_table[w])

    def _in_use_stats(self) -> tuple[float, float]:
        """Per practice slot of the participating classrooms: the share in use, and
        the share of those in use that harm (`harmful_in_use`); kept until the
        practices in use or their effects change (`practices.changed`)."""
        if self._use_stats is None:
            part_use = self.rooms.in_use[self.part_rooms]
            self._use_stats = (np.count_nonzero(part_use) / max(len(self.part_rooms), 1),
                               self.harmful_in_use(part_use))
        return self._use_stats

    def harmful_in_use(self, use: np.ndarray | None = None) -> float:
        """Share of the practices in use in participating classrooms whose true
        effect there is below zero (0 when none is in use)."""
        use = self.rooms.in_use[self.part_rooms] if use is None else use
        n = np.count_nonzero(use)
        if n == 0:
            return 0.0
        return np.count_nonzero(use & (self.room_effect()[self.part_rooms] < 0)) / n

    def snapshot(self, when: str) -> None:
        """Classroom and participant state at baseline, end of collaborative and
        end of follow-up; observed practice includes observer error."""
        rooms, staff = self.rooms, self.staff
        q = rooms.quality
        part = self.participant
        self.snapshots[when] = {
            "practice": q.copy(),
            # an observer scores a share of key practices: within [0, 1]
            "observed": np.clip(q + self.streams["observe"].normal(0.0, self.p.obs_error_sd,
                                                                   rooms.n), 0.0, 1.0),
            "child_se": rooms.competence.copy(),
            "cb_share": rooms.cb_share.copy(),
            "drivers": rooms.practice.copy(),
            "psych_safety": float(staff.psych_safety[part].mean()),
            "inquiry": float(staff.inquiry[part].mean()),
            "efficacy": float(staff.efficacy[part].mean()),
            "knowledge_sel": float(staff.knowledge[part, 0].mean()),
            "capacity": float(self.centers.capacity.mean()),
            "harmful_in_use": self.harmful_in_use(),
            "ties_sd": float(tie_matrix(self)[~np.eye(self.centers.n, dtype=bool)].std())
            if self.centers.n > 1 else 0.0,
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


class _Mean:
    """The mean over the rows `mask` selects (NaN if none), as `mean @ x`: a sum
    first, then one division, so that a mean of values in [0, 1] stays in [0, 1]
    (a dot product with weights 1/n can round to 1 + 2e-16). `mask` may hold
    several masks as rows."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask.astype(float)
        n = self.mask.sum(axis=-1)
        self.n = np.where(n > 0, n, np.nan)
        # divisors for a vector of values (one per mask) and for a table (one
        # row per mask)
        self._n_vec = self.n
        self._n_table = self.n[..., None]

    def __matmul__(self, x: np.ndarray):
        return (self.mask @ x) / (self._n_vec if x.ndim == 1 else self._n_table)


__all__ = ["BSCModel", "Teacher", "Director", "Parent"]
