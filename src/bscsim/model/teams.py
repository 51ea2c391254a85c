"""Model: the cross-role team meeting (BSC element 3; mechanism 1, relational
dynamics within organizations).

Submodel `team_meeting`. Members speak up with a logistic chance in their
psychological safety, efficacy and status; the director's response (shared
leadership, the power gap between the director and the speaker) moves the speaker's
safety, efficacy and status. What a speaker says is content the team can use:
- how a practice in use works in her classroom (her experience of one practice,
  read like a small test: true effect x fidelity + noise): her own data (weight
  her inquiry mindset), and told to her teammates (weight `team_weight` x listener
  safety x speaker status) when it is good news, or, a problem, with the chance
  she admits a failure: the evidence that drives de-adoption;
- an idea of her own, with chance `p_staff_idea` x her efficacy: the center learns
  one of its staff-idea slots (framework.py), which members can then test.
Results of finished PDSA cycles are shared: successes nearly always
(`p_share_success`), failures with chance safety**`failure_report_power` (admitting
a failure takes safety); only the person who ran the test can share it. Teammates
update their beliefs on what is shared; the same selective reporting by the team's
climate decides what goes to the collaborative's board. Then each teacher present
drops the practices she no longer believes in (practices.review).
After the collaborative, a team keeps meeting only where its people hold the
routine: chance = mean routine of the members present (organization.py).
Sources: seed (mechanism 1: speaking up, admitting failures, empowerment);
Edmondson 1999; Frazier et al. 2017; design brief (voice and safety rule); content
of voice and its weights: assumption.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .engagement import take_part
from .agents import TEACHER
from .beliefs import add_own_data, evidence, update_beliefs
from .framework import STAFF
from .practices import review
from .draws import spec
from .ensemble import column, pick
from .state import toward_one


# a meeting's draws: per center whether the team meets (after the collaborative);
# per post whether she speaks, is supported, which practice she speaks of, whether
# she brings an idea, admits a problem; the noise of what she reports
DRAWS = spec({"keep": "centers", **dict.fromkeys(("speak", "support", "pick", "idea", "admit"),
                                                 "posts")}, {"noise": "posts"})


def team_meeting(model) -> None:
    """Team meetings: voice and response, what is said, sharing of finished tests,
    de-adoption."""
    ev = model.events
    if not ev.meeting:
        return
    staff, centers = model.staff, model.centers
    n = staff.n
    u = model.weekly_draws("teams", DRAWS)
    members = model.present_now()
    if len(members) == 0:
        return
    if not ev.collab:
        # after the collaborative, the team meets where its people hold the routine
        routine = model.center_mean_of_team(staff.routine)
        members = members[(u.keep < routine)[staff.center[members]]]
    met = np.zeros(centers.n, dtype=bool)           # centers whose team met
    met[staff.center[members]] = True
    held = met.nonzero()[0]
    centers.last_meeting[held] = ev.week
    model.counts["meetings"][held] += 1
    speakers = voice(model, members, u)
    said = speak_of_practice(model, speakers, u)
    bring_ideas(model, speakers, u)
    shared = share_results(model, held)
    # teammates hear what was said and shared in one update (normal-normal
    # updates on several reports add up: the order does not matter)
    hear_in_team(model, members, *(np.concatenate(pair) for pair in zip(said, shared)))
    review(model, members)


def director_leadership(model) -> tuple[np.ndarray, np.ndarray]:
    """Per center: the director's shared leadership and status; an acting director
    (vacant post) answers like a newcomer, at `leadership_baseline`. Director posts
    follow the teachers' posts, one per center in center order (state.init_staff)."""
    staff = model.staff
    d = model.director_posts
    if model.directors_in_post:            # the usual case: every director in post
        return staff.leadership[d], staff.status[d]
    p = model.at_posts(d)
    filled = staff.filled[d]
    lead = np.where(filled, staff.leadership[d], p.leadership_baseline)
    status = np.where(filled, staff.status[d], p.status_director)
    return lead, status


def voice(model, members: np.ndarray, u) -> np.ndarray:
    """Members speak up; a supportive response raises the speaker's safety,
    efficacy and status, a dismissive one lowers safety (design brief). Returns
    the speakers."""
    p, staff = model.at_posts(members), model.staff
    mean_state = (staff.psych_safety[members] + staff.efficacy[members]
                  + staff.status[members]) / 3.0
    speaks = u.speak[members] < expit(p.voice_bias + p.voice_slope * (mean_state - 0.5))
    speakers = members[speaks]
    model.tally("voice", speakers, model.post_block)
    if not p.psych_safety_on or len(speakers) == 0:
        return speakers
    p = model.at_posts(speakers)
    lead, lead_status = director_leadership(model)
    c = staff.center[speakers]
    gap = np.maximum(lead_status[c] - staff.status[speakers], 0.0)
    p_support = lead[c] * np.minimum(np.maximum(1.0 - p.power_gap_penalty * gap, 0.0), 1.0)
    support = u.support[speakers] < p_support
    up, down = speakers[support], speakers[~support]
    staff.psych_safety[up] = toward_one(staff.psych_safety[up], pick(p.ps_gain, support))
    staff.efficacy[up] = toward_one(staff.efficacy[up], pick(p.efficacy_gain, support))
    staff.status[up] = toward_one(staff.status[up], pick(p.status_gain, support))
    staff.psych_safety[down] -= pick(p.ps_loss, ~support) * staff.psych_safety[down]
    return speakers


NOTHING_SAID = (np.zeros(0, dtype=np.int64),) * 3 + (np.zeros(0),) * 2


def speak_of_practice(model, speakers: np.ndarray, u) -> tuple:
    """Teachers who speak report how one practice in use in their classroom works
    (chosen at random among those in use): a signal effect x fidelity + noise with
    the precision of a test at their QI skill. It is the speaker's own data (weight
    her inquiry mindset); she tells her teammates if it is good news, and admits a
    problem (y <= 0) with the chance she would admit a failed test (p_share).
    Returns what is told: (speakers, centers, ideas, results, precisions)."""
    staff, rooms = model.staff, model.rooms
    t = speakers[staff.role[speakers] == TEACHER]
    room = staff.classroom[t]
    use = rooms.in_use[room]
    n_use = use.sum(axis=1)
    keep = n_use > 0
    if np.count_nonzero(keep) < len(t):          # some have no practice in use
        t, room, use, n_use = t[keep], room[keep], use[keep], n_use[keep]
    if len(t) == 0:
        return NOTHING_SAID
    k = (u.pick[t] * n_use).astype(np.int64)           # the k-th practice in use
    idea = (use.cumsum(axis=1) > k[:, None]).argmax(axis=1)
    c = staff.center[t]
    p = model.at_posts(t)
    sd = p.pdsa_noise_sd * (1.0 - p.qi_noise_reduction * staff.qi[t])
    tau_y = 1.0 / np.maximum(sd, 1e-3) ** 2
    y = (model.room_effect(room, idea) * rooms.fidelity[room, idea]
         + u.noise[t] * sd)
    add_own_data(staff, t, idea, y, tau_y)
    told = u.admit[t] < p_share(p, staff.psych_safety[t], y > 0)
    model.counts["practice_reports"] += np.bincount(c[told], minlength=model.centers.n)
    return t[told], c[told], idea[told], y[told], tau_y[told]


def bring_ideas(model, speakers: np.ndarray, u) -> None:
    """A speaker brings an idea of her own with chance p_staff_idea x efficacy:
    her center learns its next unknown staff-idea slot (the seed's empowerment)."""
    staff, centers = model.staff, model.centers
    if model.p.n_staff_ideas == 0 or not np.count_nonzero(model.of_block("p_staff_idea")) \
            or len(speakers) == 0 or model.all_ideas_known:
        return
    chance = model.at_posts(speakers).p_staff_idea * staff.efficacy[speakers]
    brings = speakers[u.idea[speakers] < chance]
    if len(brings) == 0:
        return
    n_new = np.bincount(staff.center[brings], minlength=centers.n)
    slots = model.package.kind == STAFF
    unknown = ~centers.known & slots
    # the first n_new[c] unknown staff slots of each center become known
    rank = unknown.cumsum(axis=1)
    learn = unknown & (rank <= n_new[:, None])
    centers.known |= learn
    model.counts["staff_ideas"] += learn.sum(axis=1)
    model.all_ideas_known = bool(centers.known.all())


def p_share(p, safety: np.ndarray, success: np.ndarray) -> np.ndarray:
    """Chance to share a result: successes `p_share_success`, failures
    safety**`failure_report_power` (Edmondson 1999; selective reporting)."""
    return np.where(success, p.p_share_success, power(safety, p.failure_report_power))


def power(x: np.ndarray, exponent) -> np.ndarray:
    """x ** exponent, with an exponent per row (a batch) taken one value at a time,
    as a run alone takes it: numpy computes x ** 0.5 or x ** 2 for one exponent
    (sqrt, square) differently, in the last bit, from an array of exponents."""
    if not isinstance(exponent, np.ndarray):
        return x ** exponent
    out = np.empty(len(x))
    for e in np.unique(exponent):
        rows = exponent == e
        out[rows] = x[rows] ** float(e)
    return out


def share_results(model, held: np.ndarray) -> tuple:
    """Finished cycles of centers that met are shared in the team, and (during
    the collaborative) with the collaborative's board. Returns what the teams
    hear: (runners, centers, ideas, results, precisions)."""
    staff, log = model.staff, model.log
    if not model.pending:
        return NOTHING_SAID
    pending = np.fromiter(model.pending, dtype=np.int64, count=len(model.pending))
    data = np.array(list(model.pending.values()))
    met = np.zeros(model.centers.n, dtype=bool)
    met[held] = True
    take = met[data[:, 0].astype(np.int64)]
    n_take = np.count_nonzero(take)
    if n_take == 0:
        return NOTHING_SAID
    if n_take == len(take):                 # the usual case: every team met
        rows = pending
        model.pending.clear()
    else:
        rows, data = pending[take], data[take]
        for r in rows.tolist():
            del model.pending[r]
    center, runner, person, idea = data[:, :4].astype(np.int64).T
    y, tau_y, u_team, u_board = data[:, 4:].T
    success = y > 0
    p = model.at_posts(runner)
    # only the person who ran the test can share it (not her successor in the post)
    here = staff.filled[runner] & staff.on_team[runner] & (staff.person[runner] == person)
    shared = here & (u_team < p_share(p, staff.psych_safety[runner], success))
    for r in rows[shared].tolist():
        log.shared_team[r] = True
    model.counts["failures"] += np.bincount(center[here & ~success], minlength=model.centers.n)
    model.counts["failures_shared"] += np.bincount(center[shared & ~success],
                                                   minlength=model.centers.n)
    heard = runner[shared], center[shared], idea[shared], y[shared], tau_y[shared]
    if not model.events.collab:
        return heard
    # to the collaborative: selective reporting by the team's climate
    climate = model.team_climate()
    to_board = shared & (u_board < p_share(p, climate[center], success)
                         * take_part(model)[center])          # issue 26: engagement
    for r in rows[to_board].tolist():
        log.shared_collab[r] = True
    model.board.extend(center[to_board], idea[to_board], y[to_board], tau_y[to_board],
                       staff.role[runner[to_board]])
    return heard


def hear_in_team(model, members, speaker, center, idea, y, tau_y) -> None:
    """Members present of the speakers' centers update their beliefs about what
    works in general on what was said, each with weight `team_weight` x own safety
    x the speaker's status. Reports are summed per center, then each listener's
    own reports taken out (her own data are her own, beliefs.py)."""
    staff = model.staff
    if len(members) == 0 or len(speaker) == 0:
        return
    n_c, n_i = model.centers.n, staff.belief_mu.shape[1]
    weight = staff.status[speaker] * tau_y
    a_tau, a_num = evidence(n_c, n_i, center, idea, y, weight)
    slot = np.full(staff.n, -1)
    slot[members] = np.arange(len(members))
    own = slot[speaker]
    mine = own >= 0
    if np.count_nonzero(mine) < len(own):     # a speaker who is not a member (rare)
        own, idea, y, weight = own[mine], idea[mine], y[mine], weight[mine]
    o_tau, o_num = evidence(len(members), n_i, own, idea, y, weight)
    c = staff.center[members]
    scale = column(model.at_posts(members).team_weight) * staff.psych_safety[members][:, None]
    d_tau = scale * (a_tau[c] - o_tau)
    d_num = scale * (a_num[c] - o_num)
    update_beliefs(staff, members, d_tau, d_num)
    heard = np.bincount(center, minlength=n_c)[c] - np.bincount(own, minlength=len(members))
    counted = scale[:, 0] > 0
    model.tally("team_updates", members[counted], model.post_block, heard[counted])
