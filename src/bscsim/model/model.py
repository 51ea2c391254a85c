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
    engagement, leaving                -> engagement.py     (taking part; issue 26)
    beliefs and evidence               -> beliefs.py        (the learning rule)
    collect                            -> here              (data collection)

The model does no I/O. `Result` (results.py) turns a finished model into tables.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np

from .. import collector
from . import state
from .agents import AGENT_CLASS, DIRECTOR, TEACHER, Director, Parent, Teacher
from .children import children
from .draws import Spec, weekly_draws
from .classrooms import practice, spread
from .collaborative import Board, calendar, calls, learning_session, session_weeks
from .framework import CLASSROOM_DRIVERS, DRIVER_DOMAIN
from .network import tie_matrix
from .observe import observe
from .organization import organization
from .engagement import engagement, init_engagement
from ..outputs import CENTER_NAMES, TIMESERIES_NAMES
from ..params import Params, make_params
from .pdsa import PdsaLog, pdsa
from .practices import changed
from .teams import team_meeting
from .workforce import turnover
from .state import toward_one
from .ensemble import WEEKLY_PER_BLOCK, check_batch

# (a new stream goes last: the streams before it are spawned as they were)
STREAMS = ("init", "workforce", "collab", "teams", "pdsa", "spread", "children",
           "observe", "research", "engage")  # new streams last: the others' draws stay as they were
CENTER_COUNTS = ("meetings", "metrics_reported", "pdsa_started", "pdsa_completed",
                 "pdsa_adopted", "pdsa_adapted", "pdsa_abandoned", "vicarious_updates",
                 "ls_attended", "calls_attended", "harmful_adopted", "deadopted",
                 "staff_ideas", "practice_reports", "failures", "failures_shared")
SCALAR_COUNTS = ("ls_attendance", "call_attendance", "voice", "team_updates",
                 "spread_adoptions", "leavers", "coaching_hours", "outreach_contacts",
                 "center_weeks_in", "practices_lost", "routines_lost")


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
            (bscsim.mechanisms). For an ensemble, a list of them, one per
            collaborative, posts numbered within it (`view(b).starts`). None by
            default.
        **changes: parameter values that override `params` (so that Mesa's
            `batch_run` can pass parameters as keywords).
    """

    def __init__(self, params: Params | None | list = None, rng: Any = None,
                 observe_weeks: Any = (), replay_starts: dict | None = None,
                 **changes: Any):
        many = isinstance(params, (list, tuple))
        if many:      # an ensemble: one collaborative per (params, seed) pair
            block_params, seeds = list(params), list(rng)
            if changes or observe_weeks:
                raise ValueError("BSCModel: an ensemble takes no parameter changes "
                                 "or observe_weeks")
            if replay_starts is not None and len(replay_starts) != len(block_params):
                raise ValueError(f"BSCModel: {len(replay_starts)} replay_starts for "
                                 f"{len(block_params)} collaboratives; give one each")
            check_batch(block_params)
            super().__init__(rng=None)
        else:
            if rng is None:   # a fresh seed, recorded so that the run can be repeated
                rng = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
            super().__init__(rng=rng)
            p = params if params is not None else make_params()
            if changes:
                p = p.replace(**changes)
            block_params, seeds = [p], [rng]
        self.seed = int(rng) if isinstance(rng, (int, np.integer)) else None
        p = block_params[0]
        self.p = p                      # what every collaborative of the run shares
        self.block_params = block_params
        B = self.n_blocks = len(block_params)
        self.week = 0
        self.n_weeks = p.weeks_collab + p.weeks_followup
        self.ls_weeks = session_weeks(p)
        self.counts_sessions = 0
        # one stream per process, spawned from each collaborative's seed: a
        # scenario that changes one process leaves the draws of the others
        # unchanged (common random numbers across scenarios), and a collaborative
        # draws the same numbers alone or in any batch
        gens = [self.rng] if not many else [
            s if isinstance(s, np.random.Generator) else np.random.default_rng(s)
            for s in seeds]
        self.block_streams = [dict(zip(STREAMS, g.spawn(len(STREAMS)))) for g in gens]
        self.streams = self.block_streams[0]
        self._draw_plans: dict = {}     # weekly_draws: how a week's draws are laid out
        self._draw_calls: dict = {}     # ... and each collaborative's generator method
        self._shared_values: dict = {}
        self._log_columns: tuple = (-1, None, None)
        parts = []
        for bp, streams in zip(block_params, self.block_streams):
            init = streams["init"]
            centers, package = state.init_centers(bp, init, streams["research"])
            rooms = state.init_classrooms(bp, centers, package, init)
            parts.append((centers, package, rooms, state.init_staff(bp, centers, rooms, init)))
        # each collaborative's order for ties between equal scores (framework.py)
        self.package_tie = np.stack([package.tie for _, package, _, _ in parts])
        self.centers, self.package, self.rooms, self.staff, self.idea_evidence = \
            state.stack(parts)
        # which collaborative each center, classroom and post belongs to, and
        # where each collaborative's rows start (rows are stored collaborative by
        # collaborative)
        self.center_off = np.cumsum([0] + [c.n for c, *_ in parts])
        self.room_off = np.cumsum([0] + [r.n for *_, r, _ in parts])
        self.post_off = np.cumsum([0] + [s.n for *_, s in parts])
        self.center_block = np.repeat(np.arange(B), np.diff(self.center_off))
        self.room_block = np.repeat(np.arange(B), np.diff(self.room_off))
        self.post_block = np.repeat(np.arange(B), np.diff(self.post_off))
        self.block_size = int(self.center_off[1])       # centers per collaborative
        # weekly parameters that differ between the collaboratives of the batch:
        # one value per collaborative (read through `at_posts` and the like);
        # a parameter every collaborative shares is read from `p`
        self.varying = {} if B == 1 else {
            k: v for k in WEEKLY_PER_BLOCK
            if len(set((v := np.array([getattr(bp, k) for bp in block_params])).tolist())) > 1}
        # weeks after its start that a PDSA cycle can first end (pdsa.finish_cycles)
        self.pdsa_lags = sorted({math.ceil(bp.dur_pdsa_weeks) for bp in block_params})
        self.newcomer_values = {     # each collaborative's own (workforce.turnover)
            k: np.array([getattr(bp, k) for bp in block_params]) for k in state.NEWCOMER_PARAMS}
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
        # context similarity of two centers' teams of a collaborative (0 with
        # itself: nobody reads her own center's reports on the board)
        m = self.block_size
        hs = self.centers.is_hs.reshape(B, m)
        self.similarity = np.where(hs[:, :, None] == hs[:, None, :], 1.0,
                                   self.of_block("similarity_cross_type")[:, None, None])
        self.similarity[:, np.arange(m), np.arange(m)] = 0.0
        # the pooled board (every collaborative's reports, read within each), and
        # what each channel has read (events fall in the same weeks everywhere)
        self.board = Board()
        self.board_seen = {"ls": 0, "call": 0, "affinity": 0}
        self.channel_cache: dict = {}
        # the faculty's reading of the research evidence and the board per program
        # type (child care, Head Start): ranks the prescription
        # (collaborative.faculty_review, pdsa.prescribed_order); before any report,
        # the research evidence on each idea
        self.faculty_score = np.repeat(self.research_evidence()[:, None, :], 2, axis=1)
        self.faculty_version = np.zeros(B, dtype=np.int64)
        self.all_ideas_known = bool(self.centers.known.all())   # teams.bring_ideas
        self.org_in_use_any = False          # some driver-5 idea was ever put in use
        self.prescription: tuple = (None, None)      # (key, order), pdsa.prescribed_order
        self.ties_version = 0
        self.tie_scale = np.ones(B)    # stored ties x tie_scale = ties (network.py)
        self.log = PdsaLog()
        self.starts: dict[int, np.ndarray] = {}      # week -> posts that started a cycle
        self.replay_starts = (replay_starts if not many or replay_starts is None
                              else self._joined_starts(replay_starts))
        # finished cycles not yet shared: log row -> (center, post, person, idea,
        # result, precision, draw for the team, draw for the collaborative)
        self.pending: dict[int, list[float]] = {}
        n_c = self.centers.n
        # per-center running counts: rows of one matrix (summed in one call by
        # collect), reached by name as views; the others, one per collaborative
        self.center_counts = np.zeros((len(CENTER_COUNTS), n_c), dtype=np.int64)
        self.counts: dict[str, Any] = dict(zip(CENTER_COUNTS, self.center_counts))
        self.counts.update({k: np.zeros(B, dtype=float if k in ("coaching_hours", "routines_lost")
                                        else np.int64) for k in SCALAR_COUNTS})
        # weekly model-level outputs: a (collaboratives, weeks, outputs) table;
        # series[name] is the first collaborative's column
        self._series_table = np.full((B, self.n_weeks, len(TIMESERIES_NAMES)), np.nan)
        self.series = {k: self._series_table[0, :, j] for j, k in enumerate(TIMESERIES_NAMES)}
        # per-center weekly outputs: a (weeks, outputs x centers) table, filled a
        # row a week; by_center[name] is its (weeks, centers) block
        self._center_table = np.full((self.n_weeks, len(CENTER_NAMES) * n_c), np.nan)
        self.by_center = {k: self._center_table[:, j * n_c:(j + 1) * n_c]
                          for j, k in enumerate(CENTER_NAMES)}
        self.block_snapshots: list[dict[str, dict]] = [{} for _ in range(B)]
        self.snapshots = self.block_snapshots[0]
        # the calendar of every week (and one past the end, for a model stepped on)
        self._calendar = [calendar(self, w) for w in range(self.n_weeks + 1)]
        self.events = self._calendar[0]
        self.first_room = np.searchsorted(self.rooms.center, np.arange(self.centers.n))
        self._init_lookups()
        self.cb_by_center = self.center_mean(self.rooms.cb_share)   # kept by children()
        self.update_room_filled()
        init_engagement(self)           # issue 26: each team's starting engagement
        self._init_collect()
        director = self.staff.role == DIRECTOR
        hazard_director = np.array([state.weekly_hazard(bp.turnover_director)
                                    for bp in block_params])
        self.hazard = np.where(
            director, hazard_director[self.post_block],
            np.where(self.staff.role == TEACHER,
                     state.weekly_hazard(self.centers.turnover[self.staff.center]), 0.0))
        self.snapshot("baseline")
        self.observe_weeks = frozenset(int(w) for w in observe_weeks)
        self.observations: dict[int, dict[str, Any]] = {}
        if 0 in self.observe_weeks:
            self.observations[0] = observe(self)
        self.running = self.n_weeks > 0

    # ---------------------------------------------------- collaboratives
    def draw(self, stream: str, kind: str, per_block, axis: int = 0) -> np.ndarray:
        """Random numbers of one process for every collaborative, each from its
        own stream, joined in collaborative order along `axis` (the axis that runs
        over the collaborative's rows): `kind` "random" or "standard_normal",
        `per_block(b)` the shape of collaborative b's draw."""
        if self.n_blocks == 1:
            return getattr(self.streams[stream], kind)(per_block(0))
        return np.concatenate([getattr(s[stream], kind)(per_block(b))
                               for b, s in enumerate(self.block_streams)], axis=axis)

    def at_posts(self, posts=slice(None)):
        """The parameters as they apply to `posts` (rows of the staff arrays):
        `p` itself when every collaborative shares every weekly parameter, else
        an object whose attributes are one value per post where they differ."""
        return self.p if not self.varying else RowParams(self, self.post_block, posts)

    def at_rooms(self, rooms=slice(None)):
        """The parameters as they apply to classrooms `rooms` (see at_posts)."""
        return self.p if not self.varying else RowParams(self, self.room_block, rooms)

    def at_centers(self, centers=slice(None)):
        """The parameters as they apply to `centers` (see at_posts)."""
        return self.p if not self.varying else RowParams(self, self.center_block, centers)

    def of_block(self, name: str) -> np.ndarray:
        """Parameter `name`, one value per collaborative (do not write to it)."""
        v = self.varying.get(name)
        if v is None:
            v = self._shared_values.get(name)
            if v is None:
                v = self._shared_values[name] = np.full(self.n_blocks, getattr(self.p, name))
        return v

    def weekly_draws(self, stream: str, what: Spec) -> SimpleNamespace:
        """draws.weekly_draws for every collaborative, each from its own stream,
        each named array joined in collaborative order (`what`: a draws.Spec)."""
        kept = self._draw_plans.get((stream, id(what)))
        if kept is None or kept[0] is not what:      # the specs are module constants
            kept = self._draw_plans[(stream, id(what))] = (what, self._draw_plan(
                dict(what.uniform), dict(what.normal)))
        plan = kept[1]
        if self.n_blocks == 1:
            return plan(self.streams[stream])
        out = SimpleNamespace()
        for kind, layout in zip(("random", "standard_normal"), plan):
            if layout is None:
                continue
            bounds, names, gather = layout
            buffer = np.empty(bounds[-1])     # new each week: what is returned is kept
            for draw, a, b in zip(self._draw_methods(stream, kind), bounds[:-1], bounds[1:]):
                draw(out=buffer[a:b])
            if gather is None:                # one name: the draws in collaborative order
                setattr(out, names[0][0], buffer.reshape(names[0][1]))
            elif isinstance(gather, tuple):   # names of one size: one gather for all
                idx, rows = gather
                for (name, _), row in zip(names, buffer[idx].reshape(rows, -1)):
                    setattr(out, name, row)
            else:
                for name, (idx, shape) in gather.items():
                    setattr(out, name, buffer[idx].reshape(shape))
        return out

    def _draw_methods(self, stream: str, kind: str) -> list:
        """Each collaborative's `kind` method of its `stream` (kept)."""
        methods = self._draw_calls.get((stream, kind))
        if methods is None:
            methods = self._draw_calls[(stream, kind)] = [
                getattr(s[stream], kind) for s in self.block_streams]
        return methods

    def _draw_plan(self, uniform: dict, normal: dict):
        """How `weekly_draws` lays out a week's draws: for one collaborative, the
        shapes of draws.weekly_draws; for many, per kind, a buffer, each
        collaborative's part of it, and where each named array sits in it."""
        rows = {"posts": np.diff(self.post_off), "centers": np.diff(self.center_off),
                "rooms": np.diff(self.room_off)}
        per_row = {"ideas": self.rooms.in_use.shape[1]}
        uniform = {k: v if isinstance(v, str) else (v[0], per_row.get(v[1], v[1]))
                   for k, v in uniform.items()}

        def shape(spec, b):
            return int(rows[spec][b]) if isinstance(spec, str) else (
                int(rows[spec[0]][b]), spec[1])
        if self.n_blocks == 1:        # draws.weekly_draws, or one call for one array
            uniform = {k: shape(v, 0) for k, v in uniform.items()}
            normal = {k: shape(v, 0) for k, v in normal.items()}
            if len(uniform) + len(normal) == 1:
                (name, size), = (uniform or normal).items()
                kind = "random" if uniform else "standard_normal"
                return lambda rng: SimpleNamespace(**{name: getattr(rng, kind)(size)})
            if not normal and len(set(uniform.values())) == 1:    # k names of one size
                names, size = list(uniform), next(iter(uniform.values()))
                return lambda rng: SimpleNamespace(**dict(zip(names, rng.random(
                    (len(names), size)))))
            return lambda rng: weekly_draws(rng, uniform, normal)
        plan = []
        for shapes in (uniform, normal):
            if not shapes:
                plan.append(None)
                continue
            sizes = np.array([[math.prod(np.atleast_1d(shape(v, b))) for v in shapes.values()]
                              for b in range(self.n_blocks)])        # (blocks, names)
            starts = np.cumsum(np.concatenate([[0], sizes.sum(axis=1)]))
            within = np.cumsum(np.column_stack([np.zeros(self.n_blocks, dtype=np.int64),
                                                sizes[:, :-1]]), axis=1)
            totals = sizes.sum(axis=0)
            names = [(name, int(totals[j]) if isinstance(spec, str)
                      else (int(totals[j]) // spec[1], spec[1]))
                     for j, (name, spec) in enumerate(shapes.items())]

            def where(j):      # positions in the buffer of name j, in collaborative order
                return np.concatenate([starts[b] + within[b, j] + np.arange(sizes[b, j])
                                       for b in range(self.n_blocks)])
            if len(shapes) == 1:
                gather = None
            elif all(isinstance(v, str) for v in shapes.values()) \
                    and (sizes == sizes[:, :1]).all():
                gather = (np.concatenate([where(j) for j in range(len(names))]), len(names))
            else:
                gather = {name: (where(j), shape) for j, (name, shape) in enumerate(names)}
            plan.append((starts, names, gather))
        return plan

    def tally(self, key: str, rows: np.ndarray, block_of: np.ndarray,
              weights: np.ndarray | None = None) -> None:
        """Add to the running count `key`, per collaborative: how many `rows`
        (rows of the arrays `block_of` indexes), or the sum of whole-number
        `weights` over them."""
        if self.n_blocks == 1:
            self.counts[key][0] += len(rows) if weights is None else np.add.reduce(weights)
        else:
            self.counts[key] += self.by_block(block_of[rows], weights).astype(np.int64)

    def held(self) -> tuple[np.ndarray, np.ndarray]:
        """What turnover can take away: the practices in use in participating
        classrooms, and everyone's BSC routines (copies, for `count_lost`)."""
        return self.rooms.in_use[self.part_rooms], self.staff.routine.copy()

    def count_lost(self, held: tuple[np.ndarray, np.ndarray]) -> None:
        """Count what the workforce step took away, per collaborative: practices
        in use in participating classrooms it ended, and the routines it erased
        (measured on the state, outside the rule: the mechanism checks' 'turnover
        -> practices and routines lost', bscsim.mechanisms)."""
        in_use, routine = held
        ended = np.count_nonzero(in_use & ~self.rooms.in_use[self.part_rooms], axis=1)
        if np.count_nonzero(ended):
            self.counts["practices_lost"] += self.by_block(
                self.room_block[self.part_rooms], ended).astype(np.int64)
        erased = np.maximum(routine - self.staff.routine, 0.0)
        if np.count_nonzero(erased):
            self.counts["routines_lost"] += self.by_block(self.post_block, erased)

    def by_block(self, blocks: np.ndarray, weights=None) -> np.ndarray:
        """Per collaborative: how many of `blocks` (the collaboratives of some
        rows) fall in each, or the sum of `weights` over them."""
        if weights is None and self.n_blocks == 1:
            return np.array([len(blocks)])
        return np.bincount(blocks, weights=weights, minlength=self.n_blocks)

    def split(self, rows: np.ndarray, blocks: np.ndarray):
        """(b, rows of b) for each collaborative that has some of `rows`, whose
        collaboratives are `blocks`; the rows of b keep their order."""
        if self.n_blocks == 1:
            if len(rows):
                yield 0, rows
            return
        if len(blocks) > 1 and np.count_nonzero(blocks[1:] < blocks[:-1]):
            order = np.argsort(blocks, kind="stable")     # keeps the order within each
            rows, blocks = rows[order], blocks[order]
        ends = np.searchsorted(blocks, np.arange(self.n_blocks + 1))
        for b in np.flatnonzero(np.diff(ends)):
            yield int(b), rows[ends[b]:ends[b + 1]]

    def _init_lookups(self) -> None:
        """Tables fixed for a run: participating classrooms by center (rooms are
        stored center by center), each classroom's ideas by driver, and who the
        coaching arm coaches (the teachers there at the start)."""
        rooms, staff = self.rooms, self.staff
        self.part_rooms = np.flatnonzero(rooms.participating)
        self.part_count = np.bincount(rooms.center[self.part_rooms], minlength=self.centers.n)
        self.part_first = np.concatenate([[0], np.cumsum(self.part_count)[:-1]])
        order = np.argsort(staff.center, kind="stable")       # every center has posts
        self._by_center = (order, np.searchsorted(staff.center[order],
                                                  np.arange(self.centers.n)))
        self.sustained = None     # practices.sustained, kept between weeks
        self.sustained_dirty = np.zeros(self.n_blocks, dtype=bool)   # ... and where stale
        # teachers' posts come first in each collaborative, in classroom order
        self.teacher_post = teacher = np.flatnonzero(staff.role == TEACHER)
        rooms.coached_person = np.where(staff.filled[teacher], staff.person[teacher], -1)
        self._peer = (None, None)
        self._use_stats = None
        self.spread_share = None      # classrooms.open_share, kept between weeks
        self.spread_dirty = np.zeros(self.n_blocks, dtype=bool)    # ... and where stale
        self.quality_of_week = (-1, None)
        # participating classrooms' centers, the divisor of a mean over them, and
        # the centers with none (their mean is NaN)
        self._part_rooms_center = (rooms.center[self.part_rooms],
                                   np.maximum(self.part_count, 1), self.part_count == 0)
        # director posts follow the teachers' posts, one per center (state.init_staff)
        self.director_posts = np.flatnonzero(staff.role == DIRECTOR)
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

    def research_evidence(self) -> np.ndarray:
        """What research shows about each package idea, (collaboratives, ideas):
        each collaborative's own draw (framework.py)."""
        return self.idea_evidence[self.center_off[:-1], :self.package.n_package]

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

    def effect_changed(self, rooms: np.ndarray | None = None) -> None:
        """The effects of ideas in `rooms` (None: anywhere) changed (an adapted
        variant)."""
        self._room_effect = None
        changed(self, rooms)

    def peer_ties(self) -> np.ndarray:
        """Per center: mean tie strength to the other centers of its
        collaborative."""
        return self._tie_sums()[0] * self.tie_scale[self.center_block]

    def _tie_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """Per center, and per collaborative, the stored ties over the other
        centers, scaled to means (network.py stores ties divided by `tie_scale`);
        kept until the stored ties change."""
        if self._peer[0] != self.ties_version:
            ties, m = self.centers.ties, self.block_size
            self._peer = (self.ties_version,
                          (ties.sum(axis=2).reshape(-1) / max(m - 1, 1),
                           ties.reshape(self.n_blocks, -1).sum(axis=1) / self._n_pairs))
        return self._peer[1]

    def present_now(self) -> np.ndarray:
        """Team members who hold their post (`staff.present`), as posts; kept until
        turnover changes who is present."""
        if self._present is None:
            self._present = self.staff.present.nonzero()[0]
        return self._present

    # ------------------------------------------------------------ schedule
    def step(self) -> None:
        """One week: the processes of the schedule, in order."""
        self.events = self._events(self.week)  # 1 which events fall this week
        held = self.held()
        turnover(self)                     # 2 exits, vacancies, newcomers
        self.count_lost(held)              #   ... and what they took away
        learning_session(self)             # 3 knowledge, ties, the pooled board
        calls(self)                        # 4 all-team and affinity calls
        team_meeting(self)                 # 5 voice, safety, sharing results
        pdsa(self)                         # 6 small tests of change
        spread(self)                       # 7 to non-team classrooms
        practice(self)                     # 8 decay, coaching
        children(self)                     # 9 competence, challenging behavior
        organization(self)                 # 10 capacity and routines
        engagement(self)                   # 10b taking part, leaving (issue 26)
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
        if self.n_blocks > 1:
            raise ValueError("BSCModel: Mesa agents are made for a run of one "
                             "collaborative, not for an ensemble")
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
        `teacher_post` is each classroom's lead-teacher post). Also drops the
        cached lists of participants present and of posts held."""
        filled = self.staff.filled
        self.room_filled = filled[self.teacher_post]
        self.directors_in_post = np.count_nonzero(filled[self.director_posts]) == self.centers.n
        self.vacant_by_center = self.center_mean(~self.room_filled)
        if self.n_blocks == 1:      # whole numbers: the same counted either way
            self.vacancy_share = np.array([1.0 - np.count_nonzero(self.room_filled)
                                           / self.rooms.n])
            self._n_filled = np.array([max(np.count_nonzero(filled), 1)])
        else:
            self.vacancy_share = 1.0 - (self.by_block(self.room_block, self.room_filled)
                                        / np.diff(self.room_off))
            self._n_filled = np.maximum(self.by_block(self.post_block, filled), 1)
        self._post_sums_of = None
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
        if np.count_nonzero(t) == 0:
            return
        share = getattr(self.at_posts(people[t]), "training_transfer")
        if not isinstance(share, np.ndarray) and share == 0:
            return                 # no transfer, not even a rounding
        if isinstance(share, np.ndarray):
            keep = share != 0
            if not np.count_nonzero(keep):
                return
            t = t.nonzero()[0][keep]
            share = share[keep][:, None]
        room = staff.classroom[people[t]]
        step = share * gain[t][:, DRIVER_DOMAIN]
        rooms.practice[room] = toward_one(rooms.practice[room], step)

    # ------------------------------------------------------------- collect
    def _init_collect(self) -> None:
        """Bins and divisors for the means `collect` takes every week, per
        collaborative (who counts as a participant, participating classroom or
        director is fixed for a run), so that each group of means is one
        `bincount`: a sum in row order within each collaborative, the same
        whatever else is in the batch."""
        staff, pr = self.staff, self.rooms.participating
        directors = staff.role == DIRECTOR
        B, pb = self.n_blocks, self.post_block
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
                "vacancy_share", "practices_in_use", "harmful_in_use", "engagement",
                "centers_left")
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
        k_staff = staff.psych_safety.base.shape[1]
        k_room = self.rooms.practice.base.shape[1]
        assert k_staff == len(staff_means) and k_room == len(by_room)
        # participants: the staff table's columns, per collaborative
        self._part_posts = np.flatnonzero(self.participant)
        self._staff_bins = (pb[self._part_posts, None] * k_staff
                            + np.arange(k_staff)).ravel()
        # classrooms: participating (0) or not (1), then the classroom table's columns
        group = self.room_block * 2 + (~pr)
        self._room_groups = ((group[:, None] * k_room + np.arange(k_room)).ravel(),
                             2 * B * k_room)
        # posts: directors and other participants (fixed for a run)
        others = self.participant & ~directors
        self._directors, self._others = directors.nonzero()[0], others.nonzero()[0]
        self._post_sums_of = None

        def divisor(counts):
            return np.where(counts > 0, counts, np.nan)
        self._div_part = divisor(self.by_block(pb, self.participant))
        self._div_rooms = divisor(np.bincount(group, minlength=2 * B).reshape(B, 2))
        self._div_dir = divisor(self.by_block(pb, directors))
        self._div_others = divisor(self.by_block(pb, others))
        m = self.block_size
        self._n_pairs = max(m * (m - 1), 1)
        assert CENTER_NAMES == ("practice_participating", "practice_all", "psych_safety",
                                "inquiry", "capacity", "pdsa_completed",
                                "vicarious_updates", "vacancy_share", "engagement",
                                "left"), \
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
        """Record this week's model-level outputs (one row per collaborative of
        the (collaboratives, weeks, outputs) table, filled by groups,
        `_init_collect`) and per-center outputs. What changes only with turnover or
        with the practices in use is kept between weeks (`update_room_filled`,
        `_in_use_stats`)."""
        w, staff, rooms, centers = self.week, self.staff, self.rooms, self.centers
        B, g, counts = self.n_blocks, self._groups, self.counts
        rows = self._series_table[:, w]
        by_center = self.center_counts[g["count_rows"]]
        rows[:, g["count_cols"]] = (np.add.reduce(by_center, axis=1)[None] if B == 1
                                    else np.add.reduceat(by_center, self.center_off[:-1],
                                                         axis=1).T)
        table = staff.psych_safety.base
        part = np.bincount(self._staff_bins, weights=table[self._part_posts].ravel(),
                           minlength=B * table.shape[1]).reshape(B, -1)
        rows[:, g["staff_cols"]] = part / self._div_part[:, None]
        week_q, q = self.quality_of_week      # practice quality, from children()
        if week_q != w:
            q = rooms.quality
        bins, size = self._room_groups
        room_means = (np.bincount(bins, weights=rooms.practice.base.ravel(), minlength=size)
                      .reshape(B, 2, -1) / self._div_rooms[:, :, None])
        rows[:, g["room_cols"]] = room_means[:, 0]
        # per collaborative, in row order: directors' status, other participants'
        # status, directors' leadership, safety of the posts held
        directors, others, filled, bins = self._post_sums()
        post = np.bincount(bins, weights=np.concatenate([
            staff.status[directors], staff.status[others], staff.leadership[directors],
            staff.psych_safety[filled]]), minlength=4 * B).reshape(4, B)
        others = post[1] / self._div_others
        quality = np.add.reduce(room_means[:, :, :CLASSROOM_DRIVERS], axis=2) / CLASSROOM_DRIVERS
        rows[:, g["one_cols"]] = np.array([
            *[counts[k] for k in g["scalar_keys"]],
            quality[:, 0], quality[:, 1],
            post[0] / self._div_dir - np.where(others == others, others, 0.0),
            post[2] / self._div_dir,
            self._tie_sums()[1] * self.tie_scale,
            post[3] / self._n_filled,
            self.by_block(self.center_block, centers.capacity) / self.block_size,
            self.vacancy_share,
            *self._in_use_stats(),
            self.by_block(self.center_block, self.engage.level) / self.block_size,
            self.by_block(self.center_block, self.engage.left.astype(float))]).T
        # per center (CENTER_NAMES, in order): the means of team_now's bincount,
        # then the rest
        who = self.team_now()[0]
        values = np.concatenate([q[self._room_rows], staff.psych_safety[who],
                                 staff.inquiry[who]])
        means = np.bincount(self._center_bins, weights=values,
                            minlength=len(self._center_div)) / self._center_div
        np.concatenate([means, centers.capacity, counts["pdsa_completed"],
                        counts["vicarious_updates"], self.vacant_by_center,
                        self.engage.level, self.engage.left],
                       out=self._center_table[w])

    def _post_sums(self) -> tuple:
        """collect's posts (directors, other participants, posts held) and the bins
        of their sums (kept until turnover changes who holds a post)."""
        if self._post_sums_of is None:
            pb, B = self.post_block, self.n_blocks
            filled = self.staff.filled.nonzero()[0]
            bins = np.concatenate([pb[self._directors], B + pb[self._others],
                                   2 * B + pb[self._directors], 3 * B + pb[filled]])
            self._post_sums_of = (self._directors, self._others, filled, bins)
        return self._post_sums_of

    def _in_use_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Per collaborative, over the practice slots of the participating
        classrooms: the share in use, and the share of those in use whose true
        effect there is below zero (0 when none is in use); kept until the
        practices in use or their effects change (`practices.changed`)."""
        if self._use_stats is None:
            self._use_stats = self._use_counts(self.rooms.in_use[self.part_rooms])
        return self._use_stats

    def _use_counts(self, part_use: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.n_blocks == 1:      # whole numbers: the same counted either way
            n_use = np.count_nonzero(part_use)
            harm = np.count_nonzero(part_use & (self.room_effect()[self.part_rooms] < 0))
            return (np.array([n_use / max(len(self.part_rooms), 1)]),
                    np.array([harm / n_use if n_use else 0.0]))
        blocks = self.room_block[self.part_rooms]
        n_use = self.by_block(blocks, np.count_nonzero(part_use, axis=1))
        harm = self.by_block(blocks, np.count_nonzero(
            part_use & (self.room_effect()[self.part_rooms] < 0), axis=1))
        n_part = self.by_block(blocks)
        return (n_use / np.maximum(n_part, 1),
                np.where(n_use > 0, harm / np.maximum(n_use, 1), 0.0))

    def rows_of(self, b: int) -> tuple[slice, slice, slice]:
        """Collaborative b's rows: (centers, classrooms, posts)."""
        return (slice(int(self.center_off[b]), int(self.center_off[b + 1])),
                slice(int(self.room_off[b]), int(self.room_off[b + 1])),
                slice(int(self.post_off[b]), int(self.post_off[b + 1])))

    def _joined_starts(self, per_block: list[dict]) -> dict[int, np.ndarray]:
        """Each collaborative's PDSA starts to replay ({week: posts within it}) as
        one {week: rows} of the batch, rows sorted (as a run alone starts them)."""
        weeks: dict[int, list] = {}
        for b, starts in enumerate(per_block):
            for week, posts in starts.items():
                weeks.setdefault(int(week), []).append(
                    np.asarray(posts, dtype=np.int64) + self.post_off[b])
        return {w: np.sort(np.concatenate(parts)) for w, parts in weeks.items()}

    def block_starts(self, b: int) -> dict[int, np.ndarray]:
        """Collaborative b's PDSA starts, {week: posts numbered within it}: what a
        run alone of it records in `starts`."""
        if self.n_blocks == 1:
            return self.starts
        lo, hi = self.post_off[b], self.post_off[b + 1]
        out = {}
        for week, rows in self.starts.items():
            mine = rows[(rows >= lo) & (rows < hi)]
            if len(mine):
                out[week] = mine - lo
        return out

    def snapshot(self, when: str) -> None:
        """Classroom and participant state at baseline, end of collaborative and
        end of follow-up, per collaborative; observed practice includes observer
        error."""
        rooms, staff = self.rooms, self.staff
        q_all = rooms.quality
        in_use, harmful = self._in_use_stats()
        ties = tie_matrix(self)
        log_rows = (np.array([len(self.log)]) if self.n_blocks == 1 else
                    self.by_block(self.center_block[self.log.column("center").astype(np.int64)]))
        for b, bp in enumerate(self.block_params):
            cs, rs, ps = self.rows_of(b)
            q, n_rooms, n_c = q_all[rs], rs.stop - rs.start, cs.stop - cs.start
            part = self.participant[ps]
            self.block_snapshots[b][when] = {
                "practice": q.copy(),
                # an observer scores a share of key practices: within [0, 1]
                "observed": np.clip(q + self.block_streams[b]["observe"].normal(
                    0.0, bp.obs_error_sd, n_rooms), 0.0, 1.0),
                "child_se": rooms.competence[rs].copy(),
                "cb_share": rooms.cb_share[rs].copy(),
                "drivers": rooms.practice[rs].copy(),
                "psych_safety": float(staff.psych_safety[ps][part].mean()),
                "inquiry": float(staff.inquiry[ps][part].mean()),
                "efficacy": float(staff.efficacy[ps][part].mean()),
                "knowledge_sel": float(staff.knowledge[ps][part, 0].mean()),
                "capacity": float(self.centers.capacity[cs].mean()),
                "harmful_in_use": float(harmful[b]),
                "in_use": float(in_use[b]),
                "routine": float(staff.routine[ps][part].mean()),
                "ties_sd": float(ties[b][~np.eye(n_c, dtype=bool)].std())
                if n_c > 1 else 0.0,
                "week": self.week,
                "counts": self.counts_now(b),
                "pdsa_rows": int(log_rows[b]),
            }

    def counts_now(self, b: int = 0) -> dict[str, Any]:
        """A copy of collaborative b's running counts (per-center arrays and
        totals) as they stand."""
        cs = self.rows_of(b)[0]
        return {k: (v[cs].copy() if k in CENTER_COUNTS else v[b].item())
                for k, v in self.counts.items()}

    def view(self, b: int):
        """Collaborative b as a finished run of its own: what `Result` reads (its
        parameters, weekly and per-center outputs, snapshots, PDSA log, centers
        and classrooms), with centers, classrooms and posts numbered within it."""
        if self.n_blocks == 1:
            return self
        cs, rs, ps = self.rows_of(b)
        log = PdsaLog()
        if len(self.log):
            if self._log_columns[0] != len(self.log):    # read once for every view
                cols = {k: self.log.column(k) for k in PdsaLog.COLUMNS}
                self._log_columns = (len(self.log), cols,
                                     self.center_block[cols["center"].astype(np.int64)])
            _, cols, blocks = self._log_columns
            mine = blocks == b
            shift = {"center": cs.start, "post": ps.start, "classroom": rs.start}
            if np.count_nonzero(mine):
                log.extend(**{k: cols[k][mine] - shift.get(k, 0)
                              for k in PdsaLog.COLUMNS if k not in PdsaLog.FLAGS})
                log.shared_team = cols["shared_team"][mine].tolist()
                log.shared_collab = cols["shared_collab"][mine].tolist()
        return SimpleNamespace(
            p=self.block_params[b], n_blocks=1, log=log, starts=self.block_starts(b),
            series={k: self._series_table[b, :, j] for j, k in enumerate(TIMESERIES_NAMES)},
            by_center={k: v[:, cs] for k, v in self.by_center.items()},
            snapshots=self.block_snapshots[b],
            centers=SimpleNamespace(n=cs.stop - cs.start, is_hs=self.centers.is_hs[cs]),
            rooms=SimpleNamespace(n=rs.stop - rs.start, center=self.rooms.center[rs] - cs.start,
                                  participating=self.rooms.participating[rs]),
            staff=SimpleNamespace(belief_mu=self.staff.belief_mu[:0]),
            engage=SimpleNamespace(week_left=self.engage.week_left[cs],
                                   left_terms=self.engage.left_terms[cs]))

    def release(self) -> None:
        """Drop Mesa's class-level reference to this model (Mesa 3.3.1 keeps every
        model alive in `Agent._ids`, which leaks memory over a sweep)."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)


class RowParams:
    """Parameters by row: attribute `name` is the shared value, or, for a weekly
    parameter that differs between the collaboratives of a batch, one value per
    row (`blocks[rows]`: the collaborative of each row). Made by
    `BSCModel.at_posts`, `at_rooms`, `at_centers`."""

    __slots__ = ("_model", "_block_of", "_rows", "_blocks")

    def __init__(self, model: BSCModel, block_of: np.ndarray, rows) -> None:
        self._model, self._block_of, self._rows, self._blocks = model, block_of, rows, None

    def __getattr__(self, name: str):
        values = self._model.varying.get(name)
        if values is None:
            return getattr(self._model.p, name)
        if self._blocks is None:
            self._blocks = self._block_of[self._rows]
        return values[self._blocks]


__all__ = ["BSCModel", "Teacher", "Director", "Parent"]
