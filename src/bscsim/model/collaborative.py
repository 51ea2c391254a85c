"""Model: the collaborative across programs (BSC elements 2 and 5, mechanism 2).

Submodels `calendar`, `learning_session` and `calls`, and the pooled board of PDSA
reports that teams share with the collaborative. Reading the board is vicarious
learning: another center's report moves a reader's belief with a weight set by the
event (learning session or call), the context similarity of the two centers and, on
calls, the tie between their teams (design brief, belief rule; Nembhard 2009).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .agents import TEACHER
from .beliefs import evidence, update_beliefs
from .network import decay_ties, meet_in_groups
from .ensemble import column
from .engagement import in_collaborative, take_part
from .state import toward_one

WEEKS_PER_MONTH = 52 / 12


class Events(NamedTuple):
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


def calendar(model, week: int | None = None) -> Events:
    """Which events fall in this week (or in `week`) (schedule of the BSC; seed:
    learning sessions, monthly calls, affinity group calls, cross-role team
    meetings). Fixed by the parameters: the model reads it once for every week."""
    p, w = model.p, (model.week if week is None else week)
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

    def extend(self, center, idea, y, tau, role) -> None:
        """Add reports, given as equal-length arrays."""
        if len(center) == 0:
            return
        for key, value in zip(self._cols, (center, idea, y, tau, role)):
            self._cols[key].extend(np.asarray(value).tolist())
        self._arrays = None

    def arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            self._arrays = {k: np.asarray(v) for k, v in self._cols.items()}
        return self._arrays


def read_board(model, readers: np.ndarray, weight: str, channel: str,
               use_ties: bool = False, same_role: bool = False) -> None:
    """`readers` hear the reports shared with their collaborative since the last
    event of this `channel` ("ls", "call", "affinity"): the storyboards presented
    at a learning session, the round of news on a call.

    Weight of another center's report: the parameter `weight` x context
    similarity (1 within a program type, `similarity_cross_type` across) x (tie
    strength between the two teams, on all-team calls); affinity calls pass on
    reports from the same role only. A weight depends only on the reader's and the
    source's centers, so reports are summed per source center first. Reports move
    the reader's belief about what works in general; how much that tells her
    about her own classroom is bounded (beliefs.here). A report on a staff idea is
    read only in its own center (another program has no such idea). Counts each
    report that moved a belief as one vicarious update of the reader's center.
    With mechanism 2 off nothing is read. Each collaborative reads its own reports
    (the board holds every collaborative's; the weights are zero across them), and
    only where its board has news (elsewhere nothing moves, not even by rounding).
    """
    p, staff, board = model.p, model.staff, model.board
    start, n = model.board_seen[channel], len(board)
    model.board_seen[channel] = n
    if not p.vicarious_on or len(readers) == 0 or start == n:
        return
    new = {k: v[start:n] for k, v in board.arrays().items()}   # the reports not heard yet
    B, m = model.n_blocks, model.block_size
    if B > 1:
        news = np.zeros(B, dtype=bool)
        news[model.center_block[new["center"]]] = True
        readers = readers[news[model.post_block[readers]]]
    n_c, n_i = model.centers.n, staff.belief_mu.shape[1]
    w_cc, heard_from = channel_weights(model, channel, weight, use_ties)
    # the roles among the readers, in order (as np.unique)
    for r in (np.bincount(staff.role[readers]).nonzero()[0] if same_role else [None]):
        who = readers if r is None else readers[staff.role[readers] == r]
        sel = slice(None) if r is None else new["role"] == r
        src = new["center"][sel]
        a_tau, a_num = evidence(n_c, n_i, src, new["idea"][sel], new["y"][sel],
                                new["tau"][sel])
        n_src = np.bincount(src, minlength=n_c).astype(float)
        a_tau[:, model.package.n_package:] = 0.0
        a_num[:, model.package.n_package:] = 0.0
        # per collaborative, (centers, centers) @ (centers, 2 x ideas): one
        # product per collaborative, the same alone or in any batch
        heard = (w_cc @ np.concatenate([a_tau, a_num], axis=1).reshape(B, m, 2 * n_i)
                 ).reshape(n_c, 2 * n_i)
        c_who = staff.center[who]
        update_beliefs(staff, who, heard[c_who, :n_i], heard[c_who, n_i:])
        moved = (heard_from @ n_src.reshape(B, m, 1)).reshape(n_c)
        # whole numbers of reports: a float sum of them is exact
        model.counts["vicarious_updates"] += np.bincount(
            c_who, weights=moved[c_who], minlength=n_c).astype(np.int64)


def channel_weights(model, channel: str, weight: str, use_ties: bool):
    """Center-by-center weights of a channel, (collaboratives, centers, centers),
    and whether a report is heard at all (weight > 0); cached until the ties
    change."""
    key = (weight, use_ties, model.ties_version, use_ties and model.tie_scale.tobytes())
    cached = model.channel_cache.get(channel)
    if cached is None or cached[0] != key:
        w_cc = model.of_block(weight)[:, None, None] * model.similarity
        if use_ties:
            w_cc = w_cc * (model.centers.ties * model.tie_scale[:, None, None])
        cached = (key, w_cc, (w_cc > 0).astype(float))
        model.channel_cache[channel] = cached
    return cached[1], cached[2]


def attendees(model) -> np.ndarray:
    """Team members present this week who attend the event (chance `p_attend`)."""
    members = model.present_now()
    n = model.by_block(model.post_block[members])       # members per collaborative
    u = model.draw("collab", "random", lambda b: int(n[b]))
    share = take_part(model)[model.staff.center[members]]    # issue 26: engagement
    return members[u < model.at_posts(members).p_attend * share]


def learn(model, people: np.ndarray, name: str) -> None:
    """Close the parameter `name` (the event's gain) of each person's gap in
    content knowledge and QI skill.

    Knowledge improves the tests (the fidelity a practice is run with, practices.py);
    only a small share, `training_transfer` x the gain, moves a teacher's classroom
    practice directly, and it fades back to what her practices in use sustain (the
    know-do gap; seed problem statement).
    """
    people, gain = nonzero(model, people, name)
    if len(people) == 0:
        return
    staff = model.staff
    before = staff.knowledge[people].copy()
    staff.knowledge[people] = toward_one(staff.knowledge[people], column(gain))
    staff.qi[people] = toward_one(staff.qi[people], gain)
    model.transfer_knowledge(people, staff.knowledge[people] - before)


def workshop(model) -> None:
    """Training-only arm: at week 0 every lead teacher attends a workshop that
    closes `training_dose` of her SEL-knowledge gap (design brief, arms)."""
    if model.week != 0 or not np.count_nonzero(model.of_block("training_dose")):
        return
    staff = model.staff
    teachers, dose = nonzero(model, ((staff.role == TEACHER) & staff.filled).nonzero()[0],
                             "training_dose")
    before = staff.knowledge[teachers].copy()
    staff.knowledge[teachers, 0] = toward_one(staff.knowledge[teachers, 0], dose)
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
    model.tally("ls_attendance", people, model.post_block)
    by_center = np.bincount(staff.center[people], minlength=model.centers.n)
    model.counts["ls_attended"] += by_center
    learn(model, people, "ls_knowledge_gain")
    teach_package(model, people)
    if p.inquiry_on:
        staff.inquiry[people] = toward_one(staff.inquiry[people],
                                           model.at_posts(people).inquiry_gain_ls)
    if p.psych_safety_on:
        lead = people[staff.leadership[people] > 0]
        staff.leadership[lead] = toward_one(staff.leadership[lead],
                                            model.at_posts(lead).leadership_gain)
    if p.vicarious_on:          # centers present
        meet_in_groups(model, by_center.nonzero()[0], model.of_block("tie_gain"))
    read_board(model, people, "vicarious_weight_ls", "ls")
    faculty_review(model)


def teach_package(model, people: np.ndarray) -> None:
    """The faculty teach the change package: each attendee not yet taught it (at
    the first learning session, or the first she attends) learns what research shows
    about each package idea (its research evidence, framework.py, the evidence the
    faculty and the coach read). In her general belief about each package idea the
    package's promise (`prior_mean`) is replaced by the research evidence, with the
    same precision 1/prior_sd^2 (what others reported stays); her beliefs about
    staff ideas keep the staff prior. So inquiry reads the research and her own and
    others' data; compliance the research (the faculty's prescription) alone.
    Sources: the seed and IHI 2003 (the change package is presented at the first
    learning session); the precision: assumption (the one the faculty give the
    research, faculty_review)."""
    staff = model.staff
    new = people[~staff.taught[people]]
    if len(new) == 0:
        return
    n_pkg = model.package.n_package
    p = model.at_posts(new)
    tau0 = column(1.0 / (p.prior_sd * p.prior_sd))
    shift = model.research_evidence()[model.post_block[new]] - column(p.prior_mean)
    staff.belief_mu[new, :n_pkg] += tau0 * shift / staff.belief_tau[new, :n_pkg]
    staff.taught[new] = True


def faculty_review(model) -> None:
    """At each learning session and monthly, when the teams' reports come in, the
    faculty read the board and refine the prescription: for each program type,
    every package idea gets the board's mean result, shrunk to what research on
    the idea shows (its research evidence, framework.py, with precision
    1/prior_sd^2), with the reports weighted by `vicarious_weight_ls` x tau_y x
    context similarity to that type (IHI 2003: faculty harvest changes that work;
    the seed's storyboards). With cross-program learning off the order by research
    evidence stands. Each collaborative's faculty read its own teams' reports."""
    board = model.board
    if not model.p.vicarious_on or len(board) == 0:
        return
    arrays = board.arrays()
    B, n_pkg = model.n_blocks, model.package.n_package
    pkg = arrays["idea"] < n_pkg
    center = arrays["center"][pkg]
    block = model.center_block[center]
    src_hs = model.centers.is_hs[center]
    bins = block * n_pkg + arrays["idea"][pkg]        # per collaborative and idea
    p = model.at_centers(center)
    read = np.bincount(model.center_block[arrays["center"]], minlength=B) > 0   # has reports
    prior_sd = model.of_block("prior_sd")
    tau0 = (1.0 / (prior_sd * prior_sd))[:, None]
    research = model.research_evidence()           # (collaboratives, package ideas)
    for t in (0, 1):
        sim = np.where(src_hs == bool(t), 1.0, p.similarity_cross_type)
        w = p.vicarious_weight_ls * sim * arrays["tau"][pkg]
        total = np.bincount(bins, weights=w, minlength=B * n_pkg).reshape(B, n_pkg)
        num = np.bincount(bins, weights=w * arrays["y"][pkg],
                          minlength=B * n_pkg).reshape(B, n_pkg)
        score = (tau0 * research + num) / (tau0 + total)
        model.faculty_score[read, t] = score[read]
    model.faculty_version[read] += 1


def calls(model) -> None:
    """Monthly calls in the action periods: a smaller dose of knowledge and of
    vicarious learning, weighted by the ties teams formed at learning sessions.
    Affinity calls bring role peers together and share reports by role; and the
    monthly faculty consultation with each team.
    Monthly, when metrics are due, the faculty consult with each team and review
    the board (faculty_review).
    Sources: seed (collaborative monthly calls, affinity group calls); IHI 2003."""
    ev, p = model.events, model.p
    decay_ties(model)
    if ev.metrics_due:
        faculty_consultation(model)
        faculty_review(model)
    if ev.call:
        people = attendees(model)
        model.tally("call_attendance", people, model.post_block)
        model.counts["calls_attended"] += np.bincount(model.staff.center[people],
                                                      minlength=model.centers.n)
        learn(model, people, "call_knowledge_gain")
        read_board(model, people, "vicarious_weight_call", "call", use_ties=True)
    if ev.affinity_call:
        people = attendees(model)
        model.tally("call_attendance", people, model.post_block)
        by_center = np.bincount(model.staff.center[people], minlength=model.centers.n)
        model.counts["calls_attended"] += by_center
        learn(model, people, "call_knowledge_gain")
        if p.vicarious_on:
            meet_in_groups(model, by_center.nonzero()[0],
                           model.of_block("tie_gain") * model.of_block("call_tie_share"))
        read_board(model, people, "vicarious_weight_call", "affinity", same_role=True)


def nonzero(model, people: np.ndarray, name: str):
    """`people` whose value of the gain parameter `name` is not 0 (a gain of 0 is
    no event: nothing may move, not even by rounding), and their gains."""
    gain = getattr(model.at_posts(people), name)
    if not isinstance(gain, np.ndarray):
        return (people, gain) if gain != 0 else (people[:0], gain)
    keep = gain != 0
    return people[keep], gain[keep]


def faculty_consultation(model) -> None:
    """Monthly, when metrics are due, BSC faculty consult with each team for
    `faculty_hours_month` hours: every member present closes `faculty_qi_gain`
    of her QI-skill gap per hour (IHI 2003: faculty review the teams' monthly
    reports; hours and gain: assumption). Each collaborative has its own faculty
    (both parameters may differ between the collaboratives of a batch)."""
    staff = model.staff
    hours, per_hour = model.of_block("faculty_hours_month"), model.of_block("faculty_qi_gain")
    gain = np.minimum(per_hour * hours, 1.0)
    if not np.count_nonzero(gain):
        return
    people = model.present_now()
    people = people[in_collaborative(model)[staff.center[people]]]   # issue 26: left
    if np.count_nonzero(gain) < len(gain):     # no consultation where the gain is 0
        people = people[gain[model.post_block[people]] != 0]
    staff.qi[people] = toward_one(staff.qi[people], gain[model.post_block[people]])
