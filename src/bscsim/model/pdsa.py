"""Model: small tests of change, the Model for Improvement (BSC element 4;
mechanism 3, the inquiry mindset).

Submodel `pdsa`. Team members with free time start a Plan-Do-Study-Act cycle with a
weekly chance (time, safety, drive). Each cycle runs in one of two modes, drawn
with chance = the member's inquiry mindset:
- inquiry: she picks the idea most likely to work in her classroom among those her
  center knows and her classroom does not use yet, reads her own data (weight =
  her inquiry mindset) and acts on it: adopt
  when the belief clears `adopt_threshold`, abandon below `abandon_threshold`,
  adapt between (a variant, tested again);
- compliance: she tests the idea the faculty prescribes and applies it whatever
  the data say (the seed: one practice applied the same way to every child).
The observed result is the idea's true effect in her center times the fidelity she
runs it with (her knowledge: knowing improves the test, not the practice) plus
noise that shrinks with QI skill. An adopted idea goes into use (practices.py) and
displaces the one believed least in when the classroom is full. A completed cycle
builds the runner's routines and inquiry mindset; a success her efficacy. Every
cycle goes to the PDSA log and waits to be shared at the next team meeting.
Sources: seed (PDSA, inquiry mindset); design brief (choosing, running and acting
on a test); Repenning & Sterman 2002 (time); Sanner & Bunderson 2015 (motivation
times safety); Zamboni et al. 2020 (normative pressure from other teams); Taylor
et al. 2014 (few, weakly iterative cycles).
"""

from __future__ import annotations

import math

import numpy as np

from .agents import TEACHER
from .beliefs import add_own_data, between_programs, here
from .practices import fidelity_of, put_in_use
from .draws import spec
from .engagement import take_part
from .ensemble import column, pick
from .state import toward_one


DECISIONS = ("adopt", "adapt", "abandon")
# a week's draws, one per post: whether she starts, in which mode, in which room,
# whether she iterates, whether she shares with the team and the board, which of
# the ideas she believes in equally she tests; the noise of her result and the
# shift of an adapted variant
DRAWS = spec(dict.fromkeys(("start", "comply", "room", "iterate", "team", "board", "tie"),
                           "posts"),
             dict.fromkeys(("noise", "shift"), "posts"))
ADOPT, ADAPT, ABANDON = range(3)
MODES = ("inquiry", "comply")


class PdsaLog:
    """One row per PDSA cycle (turned into a DataFrame by Result). Rows arrive in
    weekly chunks of arrays; `column(name)` joins them. Decisions and modes are
    stored as codes (DECISIONS, MODES); the two sharing flags can be set later."""

    COLUMNS = ("week_start", "week_end", "center", "post", "person", "role",
               "classroom", "driver", "idea", "mode", "iteration", "observed",
               "true_effect", "tau", "decision", "shared_team", "shared_collab")
    FLAGS = ("shared_team", "shared_collab")

    def __init__(self) -> None:
        self._chunks: list[dict[str, np.ndarray]] = []
        self._n = 0
        self.shared_team: list[bool] = []
        self.shared_collab: list[bool] = []

    def __len__(self) -> int:
        return self._n

    def extend(self, **columns) -> np.ndarray:
        """Append rows given as equal-length arrays; return their row numbers."""
        m = len(columns["center"])
        self._chunks.append(columns)
        self.shared_team.extend([False] * m)
        self.shared_collab.extend([False] * m)
        self._n += m
        return np.arange(self._n - m, self._n)

    def column(self, name: str) -> np.ndarray:
        if name in self.FLAGS:
            return np.array(getattr(self, name), dtype=bool)
        if not self._chunks:
            return np.array([])
        return np.concatenate([c[name] for c in self._chunks])


def free_time(model, posts: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Share of the hours a test needs that a member has this week (posts, and
    their centers `c`): planning hours minus pressure from vacancies and
    challenging behavior (capability trap, Repenning & Sterman 2002; Hamel &
    Schachter 2025)."""
    p = model.at_posts(posts)
    cb = np.where(model.post_in_room[posts], model.rooms.cb_share[model.post_room[posts]],
                  model.cb_by_center[c])
    hours = (p.planning_hours + p.stipend_hours * model.events.collab   # issue 26: stipend
             - p.pressure_vacancy * model.vacant_share()[c]
             - p.pressure_behavior * cb)
    return np.minimum(np.maximum(hours / p.hours_pdsa, 0.0), 1.0)


def in_use_here(model, rooms: np.ndarray) -> np.ndarray:
    """(rooms, ideas): ideas in use in each classroom, or in its center (driver 5)."""
    if not model.org_in_use_any:           # no center has had a driver-5 idea in use
        return model.rooms.in_use[rooms]
    return model.rooms.in_use[rooms] | model.centers.org_in_use[model.rooms.center[rooms]]


def prescribed_order(model) -> np.ndarray:
    """The faculty's order of the package for each collaborative and program type,
    (collaboratives, 2, ideas): the whole package, all five drivers, best
    `faculty_score` first (the research evidence on each idea, refined by what the
    board shows, collaborative.faculty_review); equal scores in the package's
    random tie order (framework.py), never in index order. The Change Framework is
    taught whole from the first learning session and the faculty steer teams to the
    changes with the best evidence, whichever driver they serve (IHI 2003: the
    change package is presented at the first learning session; the seed: teams
    choose among the five drivers; the order by evidence: assumption)."""
    key = model.faculty_version.tobytes()
    if model.prescription[0] == key:
        return model.prescription[1]
    tie = np.broadcast_to(model.package_tie[:, None, :], model.faculty_score.shape)
    order = np.lexsort((tie, -model.faculty_score), axis=-1)
    model.prescription = (key, order)
    return order


def pick_best(score: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Per row of `score`, the column of the largest score; among equal largest
    scores one at random, the k-th with k = floor(u x their number) (`u`: one
    uniform per row, the chooser's own draw; draws.py), so no index order decides
    (issue 22)."""
    tied = score == score.max(axis=1, keepdims=True)
    k = (u * np.count_nonzero(tied, axis=1)).astype(np.int64)
    return (tied.cumsum(axis=1) > k[:, None]).argmax(axis=1)


def choose_ideas(model, posts: np.ndarray, rooms: np.ndarray,
                 u) -> tuple[np.ndarray, np.ndarray]:
    """Which idea each starting member tests, and whether she tests in compliance
    mode (chance 1 - inquiry). Both choose among the ideas her center knows and the
    classroom does not use. Inquiry picks the idea most likely to work in her own
    classroom: the largest chance that its effect there clears `adopt_threshold`
    under her belief about her classroom (beliefs.here), i.e. the largest
    (mu - adopt_threshold) x sqrt(tau): all the evidence she has, others' and her
    own, and an untested idea only when the evidence says little; among ideas she
    believes in equally, one at random (pick_best). Compliance takes the faculty's
    prescription: the first idea in the faculty's order (prescribed_order) not in
    use.
    An idea to iterate on after 'adapt' comes first."""
    staff = model.staff
    p = model.at_posts(posts)
    c = staff.center[posts]
    closed = in_use_here(model, rooms) | ~model.centers.known[c]
    comply = u.comply[posts] >= staff.inquiry[posts]
    n_comply = np.count_nonzero(comply)
    # each mode's choice is worked out only when someone tests in that mode
    if n_comply < len(posts):
        mu, tau = here(staff, posts, between_programs(p))
        chance = np.where(closed, -np.inf, (mu - column(p.adopt_threshold)) * np.sqrt(tau))
        pick = pick_best(chance, u.tie[posts])
    if n_comply:
        order = prescribed_order(model)[model.center_block[c], model.centers.is_hs[c].astype(int)]
        row = np.arange(len(posts))
        free = ~closed[row[:, None], order]
        prescribed = order[row, free.argmax(axis=1)]
        pick = prescribed if n_comply == len(posts) else np.where(comply, prescribed, pick)
    again = staff.next_idea[posts]
    return np.where(again >= 0, again, pick), comply & (again < 0)


def start_cycles(model, u) -> None:
    p, staff, ev = model.p, model.staff, model.events
    present = model.present_now()
    idle = present[staff.cycle_idea[present] < 0]
    if len(idle) == 0:
        return
    if model.replay_starts is not None:
        # an analysis that holds PDSA volume fixed replays another run's starts
        go = np.intersect1d(model.replay_starts.get(ev.week, ()), idle)
    else:
        p = model.at_posts(idle)
        drive = (staff.inquiry[idle] + p.compliance_drive) / (1.0 + p.compliance_drive)
        rate = p.p_pdsa_max * (1.0 if ev.collab else p.pdsa_after_factor)
        # normative pressure from the other teams one knows (mechanism 2, Zamboni 2020)
        c = staff.center[idle]
        pressure = 1.0 + p.vicarious_drive * model.peer_ties()[c]
        p_start = rate * free_time(model, idle, c) * staff.psych_safety[idle] * drive * pressure
        p_start = p_start * take_part(model)[c]                  # issue 26: engagement
        go = idle[u.start[idle] < p_start]
    if len(go) == 0:
        return
    model.starts[ev.week] = go
    rooms = test_rooms(model, go, u.room[go])
    ideas, comply = choose_ideas(model, go, rooms, u)
    staff.cycle_idea[go] = ideas
    staff.cycle_comply[go] = comply
    staff.cycle_start[go] = ev.week
    staff.cycle_room[go] = rooms
    model.counts["pdsa_started"] += np.bincount(staff.center[go], minlength=model.centers.n)


def test_rooms(model, posts: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A teacher tests in her classroom; a director or parent in a random
    participating classroom of the center (assumption), else a parent in her
    child's classroom, else any classroom of the center."""
    staff, rooms = model.staff, model.rooms
    own = staff.classroom[posts]
    teacher = staff.role[posts] == TEACHER
    if np.count_nonzero(teacher) == len(posts):     # only teachers start this week
        return own
    c = staff.center[posts]
    n_part, first_part = model.part_count[c], model.part_first[c]
    if len(model.part_rooms):
        part = model.part_rooms[np.minimum(first_part + (u * n_part).astype(np.int64),
                                           len(model.part_rooms) - 1)]
    else:                                  # no classroom participates (no teachers on teams)
        part = np.zeros(len(posts), dtype=np.int64)
    n_rooms = model._rooms_per_center[c]     # every center has a classroom
    anyroom = model.first_room[c] + (u * n_rooms).astype(np.int64)
    other = np.where(n_part > 0, part, np.where(own >= 0, own, anyroom))
    return np.where(teacher, own, other)


def finish_cycles(model, u) -> None:
    """Study and act on the cycles that end this week."""
    staff, ev = model.staff, model.events
    # a cycle ends the first week at least dur_pdsa_weeks (>= 1) after its start
    # (unless turnover cut it short): none can end unless some started then
    if all(ev.week - lag not in model.starts for lag in model.pdsa_lags):
        return
    dur = model.at_posts().dur_pdsa_weeks
    done = ((staff.cycle_idea >= 0)
            & (ev.week - staff.cycle_start >= dur)).nonzero()[0]
    if len(done) == 0:
        return
    p = model.at_posts(done)
    ideas, rooms, comply = staff.cycle_idea[done], staff.cycle_room[done], staff.cycle_comply[done]
    c = staff.center[done]
    drivers = model.package.driver[c, ideas]
    truth = model.room_effect(rooms, ideas)
    fid = fidelity_of(p, staff.knowledge[done], drivers)
    sd = p.pdsa_noise_sd * (1.0 - p.qi_noise_reduction * staff.qi[done])
    tau_y = 1.0 / np.maximum(sd, 1e-3) ** 2
    y = truth * fid + u.noise[done] * sd
    # study: own data, weighted by the inquiry mindset (design brief; beliefs.py)
    add_own_data(staff, done, ideas, y, tau_y)
    mu, _ = here(staff, done, between_programs(p), ideas)
    decision = decide(p, mu, comply)
    iteration = (staff.next_idea[done] == ideas).astype(int)
    person = staff.person[done]
    rows = model.log.extend(
        week_start=staff.cycle_start[done], week_end=np.full(len(done), ev.week),
        center=c, post=done, person=person, role=staff.role[done],
        classroom=rooms, driver=drivers, idea=ideas, mode=comply.astype(np.int8),
        iteration=iteration, observed=y, true_effect=truth, tau=tau_y, decision=decision)
    # what the team meeting needs to share them, and this week's draws for it
    model.pending.update(zip(rows.tolist(), zip(
        c.tolist(), done.tolist(), person.tolist(), ideas.tolist(),
        y.tolist(), tau_y.tolist(), u.team[done].tolist(), u.board[done].tolist())))
    tally_decisions(model, c, decision, truth)
    act(model, done, ideas, rooms, decision, fid, y, u)
    model.counts["pdsa_completed"] += np.bincount(c, minlength=model.centers.n)
    staff.routine[done] = toward_one(staff.routine[done], p.routine_gain)
    if p.inquiry_on:
        staff.inquiry[done] = toward_one(staff.inquiry[done], p.inquiry_gain_pdsa)
    staff.cycle_idea[done] = -1


def decide(p, belief: np.ndarray, comply: np.ndarray) -> np.ndarray:
    """Act: compliance adopts the prescribed idea whatever the data; inquiry adopts
    above `adopt_threshold`, abandons below `abandon_threshold`, adapts between."""
    by_evidence = np.where(belief > p.adopt_threshold, ADOPT,
                           np.where(belief < p.abandon_threshold, ABANDON, ADAPT))
    return np.where(comply, ADOPT, by_evidence)


def tally_decisions(model, centers, decision, truth) -> None:
    """Count the decisions by center (pdsa_adopted, pdsa_adapted, pdsa_abandoned)
    and the adoptions of ideas whose true effect in the classroom is below zero
    (harmful_adopted): outputs, read by no rule."""
    n_c = model.centers.n
    kind = np.where((decision == ADOPT) & (truth < 0), 3, decision)
    by = np.bincount(kind * n_c + centers, minlength=4 * n_c).reshape(4, n_c)
    by[ADOPT] += by[3]
    model.center_counts[model.decision_rows] += by


def act(model, posts, ideas, rooms, decision, fid, y, u) -> None:
    """Adopt: the idea goes into use (practices.py); adapt: the classroom gets a
    variant made for its children (its fit moves by N(adapt_shift, adapt_sd)),
    which the member tests again with chance = her inquiry mindset (Taylor et al.
    2014: iteration is rare); abandon: nothing goes into use. A positive result is
    a success that raises the runner's efficacy (mastery experience; mechanism 1
    on)."""
    p, staff = model.at_posts(posts), model.staff
    adopt, adapt = decision == ADOPT, decision == ADAPT
    iterate = adapt & (u.iterate[posts] < staff.inquiry[posts])
    staff.next_idea[posts] = np.where(iterate, ideas, -1)
    if np.count_nonzero(adapt):
        shift = p.adapt_shift + p.adapt_sd * u.shift[posts]
        # the variant is made for this classroom's children: it moves the
        # classroom's own part of the effect (its fit)
        np.add.at(model.rooms.fit, (rooms[adapt], ideas[adapt]), shift[adapt])
        model.effect_changed(rooms[adapt])
    if p.psych_safety_on:
        up = posts[y > 0]
        staff.efficacy[up] = toward_one(staff.efficacy[up], pick(p.efficacy_gain, y > 0))
    if np.count_nonzero(adopt):
        put_in_use(model, rooms[adopt], ideas[adopt], fid[adopt], posts[adopt])


def pdsa(model) -> None:
    """PDSA cycles: finish (study, act, log) those that end, then start new ones.
    This week's random numbers are drawn first, one set per post (draws.py), in
    every week of a run whose teams can run tests."""
    if not (model.p.pdsa_support and model.p.teams_on):
        return
    u = model.weekly_draws("pdsa", DRAWS)
    finish_cycles(model, u)
    start_cycles(model, u)


__all__ = ["pdsa", "PdsaLog"]
