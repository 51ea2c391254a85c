"""Model: the cross-role team meeting (BSC element 3; mechanism 1, relational
dynamics within organizations).

Submodel `team_meeting`. Members speak up with a logistic chance in their
psychological safety, efficacy and status; the director's response (shared
leadership, the power gap between the director and the speaker) moves the speaker's
safety, efficacy and status. Results of finished PDSA cycles are shared: successes
nearly always, failures with a chance that rises steeply with the runner's safety,
and teammates update their beliefs. The same selective reporting decides what goes
to the collaborative's board. Sources: seed (mechanism 1); Edmondson 1999;
Frazier et al. 2017; design brief (voice and safety rule).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .collaborative import evidence, update_beliefs


def team_meeting(model) -> None:
    """Team meetings: voice and response, then sharing of finished tests."""
    ev = model.events
    if not ev.meeting:
        return
    staff, centers = model.staff, model.centers
    members = np.flatnonzero(staff.present)
    if len(members) == 0:
        return
    if not ev.collab:
        # after the collaborative, a team keeps meeting only as a routine the
        # center has built (assumption: chance = organizational capacity)
        keep = model.streams["teams"].random(centers.n) < centers.capacity
        members = members[keep[staff.center[members]]]
    held = np.unique(staff.center[members])
    centers.last_meeting[held] = ev.week
    model.counts["meetings"][held] += 1
    voice(model, members)
    share_results(model, held)


def director_leadership(model) -> tuple[np.ndarray, np.ndarray]:
    """Per center: the director's shared leadership and status; an acting director
    (vacant post) answers like a newcomer, at `leadership_baseline`. Director posts
    follow the teachers' posts, one per center in center order (state.init_staff)."""
    staff, p = model.staff, model.p
    d = slice(model.rooms.n, model.rooms.n + model.centers.n)
    filled = staff.filled[d]
    lead = np.where(filled, staff.leadership[d], p.leadership_baseline)
    status = np.where(filled, staff.status[d], p.status_director)
    return lead, status


def voice(model, members: np.ndarray) -> None:
    """Members speak up; a supportive response raises the speaker's safety,
    efficacy and status, a dismissive one lowers safety (design brief)."""
    p, staff, rng = model.p, model.staff, model.streams["teams"]
    mean_state = (staff.psych_safety[members] + staff.efficacy[members]
                  + staff.status[members]) / 3.0
    speaks = rng.random(len(members)) < expit(p.voice_bias + p.voice_slope * (mean_state - 0.5))
    speakers = members[speaks]
    model.counts["voice"] += len(speakers)
    if not p.psych_safety_on or len(speakers) == 0:
        return
    lead, lead_status = director_leadership(model)
    c = staff.center[speakers]
    gap = np.maximum(lead_status[c] - staff.status[speakers], 0.0)
    p_support = lead[c] * np.clip(1.0 - p.power_gap_penalty * gap, 0.0, 1.0)
    support = rng.random(len(speakers)) < p_support
    up, down = speakers[support], speakers[~support]
    staff.psych_safety[up] += p.ps_gain * (1.0 - staff.psych_safety[up])
    staff.efficacy[up] += p.efficacy_gain * (1.0 - staff.efficacy[up])
    staff.status[up] += p.status_gain * (1.0 - staff.status[up])
    staff.psych_safety[down] -= p.ps_loss * staff.psych_safety[down]


def p_share(p, safety: np.ndarray, success: np.ndarray) -> np.ndarray:
    """Chance to share a result: successes `p_share_success`, failures
    safety**`failure_report_power` (Edmondson 1999; selective reporting)."""
    return np.where(success, p.p_share_success, safety ** p.failure_report_power)


def share_results(model, held: np.ndarray) -> None:
    """Finished cycles of centers that met are shared in the team, and (during
    the collaborative) with the collaborative's board."""
    p, staff, log, rng = model.p, model.staff, model.log, model.streams["teams"]
    if not model.pending:
        return
    pending = np.asarray(model.pending)
    met = np.zeros(model.centers.n, dtype=bool)
    met[held] = True
    take = met[np.asarray([log.center[r] for r in pending])]
    if not take.any():
        return
    rows = pending[take]
    model.pending = pending[~take].tolist()
    runner = np.asarray([log.post[r] for r in rows])
    center = np.asarray([log.center[r] for r in rows])
    idea = np.asarray([log.idea[r] for r in rows])
    y = np.asarray([log.observed[r] for r in rows])
    tau_y = np.asarray([log.tau[r] for r in rows])
    success = np.asarray([log.decision[r] == "adopt" for r in rows])
    # a runner who has left since the cycle ended cannot share it
    here = staff.filled[runner] & staff.on_team[runner]
    shared = here & (rng.random(len(rows)) < p_share(p, staff.psych_safety[runner], success))
    for r in rows[shared]:
        log.shared_team[r] = True
    hear_from_teammates(model, held, runner[shared], center[shared], idea[shared],
                        y[shared], tau_y[shared])
    if not model.events.collab:
        return
    # to the collaborative: selective reporting by the team's climate
    climate = model.team_climate()
    to_board = shared & (rng.random(len(rows)) < p_share(p, climate[center], success))
    for j in np.flatnonzero(to_board):
        log.shared_collab[rows[j]] = True
        model.board.add(int(center[j]), int(idea[j]), float(y[j]), float(tau_y[j]),
                        int(staff.role[runner[j]]))


def hear_from_teammates(model, held, runner, center, idea, y, tau_y) -> None:
    """Present members of the centers that met update on their teammates' shared
    results, each with weight `team_weight` x own safety x the speaker's status.
    Reports are summed per center, then each listener's own reports taken out."""
    p, staff = model.p, model.staff
    listeners = np.flatnonzero(staff.present)
    listeners = listeners[np.isin(staff.center[listeners], held)]
    if len(listeners) == 0 or len(runner) == 0:
        return
    n_c, n_i = model.centers.n, staff.belief_mu.shape[1]
    weight = staff.status[runner] * tau_y
    a_tau, a_num = evidence(n_c, n_i, center, idea, y, weight)
    slot = np.full(staff.n, -1)
    slot[listeners] = np.arange(len(listeners))
    own = slot[runner]
    mine = own >= 0
    o_tau, o_num = evidence(len(listeners), n_i, own[mine], idea[mine], y[mine], weight[mine])
    c = staff.center[listeners]
    scale = p.team_weight * staff.psych_safety[listeners][:, None]
    d_tau = scale * (a_tau[c] - o_tau)
    d_num = scale * (a_num[c] - o_num)
    update_beliefs(staff, listeners, d_tau, d_num)
    heard = np.bincount(center, minlength=n_c)[c] - np.bincount(own[mine], minlength=len(listeners))
    model.counts["team_updates"] += int(heard[scale[:, 0] > 0].sum())
