"""Model: the collaborative across programs (BSC elements 2 and 5, mechanism 2).

Submodels `calendar`, `learning_session` and `calls`, and the pooled board of PDSA
reports that teams share with the collaborative. Reading the board is vicarious
learning: another center's report moves a reader's belief with a weight set by the
event (learning session or call), the context similarity of the two centers and, on
calls, the tie between their teams (design brief, belief rule; Nembhard 2009).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .agents import TEACHER

WEEKS_PER_MONTH = 52 / 12


@dataclass(frozen=True)
class Events:
    """What happens this week (submodel `calendar`)."""

    week: int
    collab: bool            # the collaborative is running (not follow-up)
    learning_session: bool
    call: bool              # all-team collaborative call
    affinity_call: bool     # calls of role peers (directors, teachers, parents)
    meeting: bool           # cross-role team meetings are due
    metrics_due: bool       # monthly metrics report is due
    new_year: bool          # program-year boundary: new cohort, parents age out


def session_weeks(p) -> set[int]:
    """Learning sessions spread evenly over the collaborative, the first at week 0."""
    n = p.n_learning_sessions
    return {int(round(j * p.weeks_collab / n)) for j in range(n)} if n else set()


def calendar(model) -> Events:
    """Which events fall in this week (schedule of the BSC; seed: learning
    sessions, monthly calls, affinity group calls, cross-role team meetings)."""
    p, w = model.p, model.week
    collab = w < p.weeks_collab
    ls = collab and w in model.ls_weeks
    month = int(w // WEEKS_PER_MONTH) != int((w - 1) // WEEKS_PER_MONTH) or w == 0
    mid_month = (int((w + 2) // WEEKS_PER_MONTH) != int((w + 1) // WEEKS_PER_MONTH))
    call = (collab and p.call_interval_weeks > 0 and not ls
            and w > 0 and w % p.call_interval_weeks == 0)
    return Events(
        week=w,
        collab=collab,
        learning_session=ls,
        call=call,
        affinity_call=collab and p.affinity_calls and mid_month and not ls,
        meeting=p.teams_on and w % p.meeting_interval_weeks == 0,
        metrics_due=collab and p.teams_on and month,
        new_year=w > 0 and w % 52 == 0,
    )


class Board:
    """The pooled board of PDSA reports shared with the collaborative."""

    def __init__(self) -> None:
        self._cols = {"center": [], "idea": [], "y": [], "tau": [], "role": []}
        self._arrays = None

    def __len__(self) -> int:
        return len(self._cols["y"])

    def add(self, center: int, idea: int, y: float, tau: float, role: int) -> None:
        for key, value in zip(self._cols, (center, idea, y, tau, role)):
            self._cols[key].append(value)
        self._arrays = None

    def arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            self._arrays = {k: np.asarray(v) for k, v in self._cols.items()}
        return self._arrays


def update_beliefs(staff, readers: np.ndarray, weights: np.ndarray,
                   ideas: np.ndarray, y: np.ndarray, tau_y: np.ndarray) -> None:
    """Normal-normal updating of many readers by many reports at once.

    `weights` is (readers, reports). A report y with weight w moves a belief to
    (tau*mu + w*tau_y*y) / (tau + w*tau_y) (design brief, belief rule).
    """
    if len(readers) == 0 or weights.size == 0:
        return
    n_ideas = staff.belief_mu.shape[1]
    onehot = np.zeros((len(ideas), n_ideas))
    onehot[np.arange(len(ideas)), ideas] = 1.0
    wt = weights * tau_y[None, :]
    d_tau = wt @ onehot
    d_num = (wt * y[None, :]) @ onehot
    tau = staff.belief_tau[readers]
    staff.belief_mu[readers] = (tau * staff.belief_mu[readers] + d_num) / (tau + d_tau)
    staff.belief_tau[readers] = tau + d_tau


def read_board(model, readers: np.ndarray, weight: float, use_ties: bool,
               same_role: bool = False) -> None:
    """`readers` read the board reports they have not read yet, from other centers.

    Weight of a report: `weight` x context similarity (1 within a program type,
    `similarity_cross_type` across) x (tie strength between the two teams, on calls).
    Counts each report that moved a belief as one vicarious update of the reader's
    center. With mechanism 2 off nothing is read.
    """
    p, staff, board = model.p, model.staff, model.board
    if not p.vicarious_on or len(readers) == 0 or len(board) == 0:
        return
    b = board.arrays()
    n = len(board)
    start = int(staff.board_read[readers].min())
    src = b["center"][start:]
    r_center = staff.center[readers]
    unread = np.arange(start, n)[None, :] >= staff.board_read[readers][:, None]
    other = src[None, :] != r_center[:, None]
    hs = model.centers.is_hs
    similar = np.where(hs[r_center][:, None] == hs[src][None, :], 1.0,
                       p.similarity_cross_type)
    w = weight * similar * unread * other
    if use_ties:
        w = w * model.centers.ties[r_center][:, src]
    if same_role:
        w = w * (b["role"][start:][None, :] == staff.role[readers][:, None])
    update_beliefs(staff, readers, w, b["idea"][start:], b["y"][start:], b["tau"][start:])
    np.add.at(model.counts["vicarious_updates"], r_center, (w > 0).sum(axis=1))
    staff.board_read[readers] = n


def attendees(model) -> np.ndarray:
    """Team members present this week who attend the event (chance `p_attend`)."""
    members = np.flatnonzero(model.staff.present)
    return members[model.streams["collab"].random(len(members)) < model.p.p_attend]


def learn(model, people: np.ndarray, gain: float) -> None:
    """Close `gain` of each person's gap in content knowledge and QI skill.

    A teacher's gain in a content domain moves her classroom's practice on that
    domain's drivers by `training_transfer` x the gain (the know-do gap: knowing
    is not yet doing; seed problem statement).
    """
    if len(people) == 0 or gain == 0:
        return
    staff = model.staff
    before = staff.knowledge[people].copy()
    staff.knowledge[people] += gain * (1.0 - staff.knowledge[people])
    staff.qi[people] += gain * (1.0 - staff.qi[people])
    model.transfer_knowledge(people, staff.knowledge[people] - before)


def workshop(model) -> None:
    """Training-only arm: at week 0 every lead teacher attends a workshop that
    closes `training_dose` of her SEL-knowledge gap (design brief, arms)."""
    if model.week != 0 or model.p.training_dose == 0:
        return
    staff = model.staff
    teachers = np.flatnonzero((staff.role == TEACHER) & staff.filled)
    before = staff.knowledge[teachers].copy()
    staff.knowledge[teachers, 0] += model.p.training_dose * (1 - staff.knowledge[teachers, 0])
    model.transfer_knowledge(teachers, staff.knowledge[teachers] - before)


def learning_session(model) -> None:
    """Learning session: attendees gain content and QI knowledge, an inquiry
    mindset and (directors) shared leadership; attending teams form ties; and
    everyone reads the pooled board (the large dose of vicarious learning).
    In the training-only arm, the week-0 workshop instead. Sources: seed
    (outputs, mechanisms 2-3); IHI 2003; Nembhard 2009."""
    workshop(model)
    if not model.events.learning_session:
        return
    model.counts_sessions += 1
    p, staff = model.p, model.staff
    people = attendees(model)
    model.counts["ls_attendance"] += len(people)
    np.add.at(model.counts["ls_attended"], staff.center[people], 1)
    learn(model, people, p.ls_knowledge_gain)
    if p.inquiry_on:
        staff.inquiry[people] += p.inquiry_gain_ls * (1.0 - staff.inquiry[people])
    if p.psych_safety_on:
        lead = people[staff.leadership[people] > 0]
        staff.leadership[lead] += p.leadership_gain * (1.0 - staff.leadership[lead])
    if p.vicarious_on:
        here = np.unique(staff.center[people])
        ties = model.centers.ties
        block = np.ix_(here, here)
        ties[block] += p.tie_gain * (1.0 - ties[block])
        np.fill_diagonal(ties, 0.0)
    read_board(model, people, p.vicarious_weight_ls, use_ties=False)


def calls(model) -> None:
    """Monthly calls in the action periods: a smaller dose of knowledge and of
    vicarious learning, weighted by the ties teams formed at learning sessions.
    Affinity calls bring role peers together and share reports by role.
    Sources: seed (collaborative monthly calls, affinity group calls); IHI 2003."""
    ev, p = model.events, model.p
    if ev.call:
        people = attendees(model)
        model.counts["call_attendance"] += len(people)
        np.add.at(model.counts["calls_attended"], model.staff.center[people], 1)
        learn(model, people, p.call_knowledge_gain)
        read_board(model, people, p.vicarious_weight_call, use_ties=True)
    if ev.affinity_call:
        people = attendees(model)
        model.counts["call_attendance"] += len(people)
        np.add.at(model.counts["calls_attended"], model.staff.center[people], 1)
        learn(model, people, p.call_knowledge_gain)
        read_board(model, people, p.vicarious_weight_call, use_ties=False, same_role=True)


