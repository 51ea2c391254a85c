"""Model: classroom SEL practice (long-term outcomes: the primary drivers), its
spread within a center, and individual coaching.

Submodels `spread` and `practice`.
- spread: a practice in use in some classrooms of a center is taken up by another
  classroom of the center with room for it (fewer than `n_practices_max` in use)
  with a weekly chance p_spread x capacity x team climate x the director's shared
  leadership x the share of the center's other classrooms that use it (adoption
  grows with adopters, Centola 2010), at `spread_fidelity` of the center's best
  knowledge.
- practice: the fidelity of every practice in use drifts down at
  `rate_practice_decay` a year, slowed by organizational capacity
  (`capacity_sustain`), and `support_decay_factor` times faster in a center that
  no longer gets external support (`fidelity_kept`; practices.supported: the
  collaborative has ended, the coach has gone; Han & Weiss 2005, Wiltsey Stirman
  et al. 2012; value: assumption). Practice moves toward what the ideas in use
  sustain (practices.targets) by `rate_implementation` of the gap a week, up
  (putting a practice in place takes time) and down (a practice dropped, or a
  teacher gone with her practices, stops being done); without external support a
  rise goes at `unsupported_uptake` of that rate (`implementation_rate`; Joyce &
  Showers 2002: new practices reach regular use mainly with follow-up support).
  What training moved directly fades the same way.
- coaching (the coaching arm): for `dur_coaching_weeks`, a coach works one hour
  (`coaching_hours_week`) a week with each participating teacher who was there at
  the start (a newcomer is not coached): every `coach_weeks_per_practice` weeks she
  brings the package practice with the best research evidence the classroom does
  not use (if it has room; the evidence the BSC faculty read too, each idea's true
  mean effect plus its error, framework.py: never the true effect, issue 22), and
  each week she raises the fidelity of the classroom's practices in use by
  coaching_gain x hours of the gap to 1. Coaching works through the same practice
  model as the BSC.
Sources: seed (spread); design brief; Ringstaff et al.; Hemmeter et al. 2016, 2018
(practice-based coaching, 16 weeks); Kraft et al. 2018.
"""

from __future__ import annotations

import numpy as np

from .draws import spec
from .ensemble import column
from .framework import CLASSROOM_DRIVERS
from .practices import changed, fidelity_of, put_in_use, supported, targets
from .state import toward_one
from .practices import drift as drift_fidelity
from .teams import director_leadership


# per classroom and idea, whether the idea spreads to it this week
DRAWS = spec({"u": ("rooms", "ideas")})


def spread(model) -> None:
    """Practices in use spread to other classrooms of the same center."""
    rooms = model.rooms
    if not model.p.teams_on or not np.count_nonzero(model.of_block("p_spread")):
        return
    u = model.weekly_draws("spread", DRAWS).u           # drawn every week
    share = open_share(model)
    if share is None:
        return
    c = rooms.center
    lead, _ = director_leadership(model)
    scale = model.centers.capacity * model.team_climate() * lead
    # a practice a classroom uses has share 0: chance 0, never drawn (u >= 0)
    chance = model.at_rooms().p_spread
    new = u < column(chance) * scale[c][:, None] * share
    if np.count_nonzero(new) == 0:
        return
    k, i = new.nonzero()
    knowledge = model.center_knowledge()[c[k]]
    p = model.at_rooms(k)
    fid = p.spread_fidelity * fidelity_of(p, knowledge, model.package.driver[c[k], i])
    taken = put_in_use(model, k, i, fid, np.full(len(k), -1), displace=False)
    model.tally("spread_adoptions", k[taken], model.room_block)


def open_share(model) -> np.ndarray | None:
    """Per classroom and idea: the share of the center's other classrooms that use
    the idea, 0 where the classroom uses it itself; None when no practice is in
    use. Kept until the practices in use change (`practices.changed`), then made
    again for the collaboratives where they changed."""
    dirty = model.spread_dirty
    kept = model.spread_share
    stale = bool(dirty[0]) if model.n_blocks == 1 else np.count_nonzero(dirty)
    if kept is not None and kept[0] is not None and stale and stale < len(dirty):
        rooms = model.rooms
        rows = np.flatnonzero(dirty[model.room_block])
        centers = np.flatnonzero(dirty[model.center_block])
        model.spread_share[0][rows] = _share(rooms.in_use[rows], rooms.center[rows], centers,
                                             np.searchsorted(rows, model.first_room[centers]),
                                             model.other_rooms[rows])
    elif kept is None or stale:
        in_use = model.rooms.in_use
        if np.count_nonzero(in_use) == 0:
            model.spread_share = (None,)
        else:
            model.spread_share = (_share(in_use, model.rooms.center, None,
                                         model.first_room, model.other_rooms),)
    dirty[:] = False
    return model.spread_share[0]


def _share(in_use: np.ndarray, center: np.ndarray, centers: np.ndarray,
           first: np.ndarray, others: np.ndarray) -> np.ndarray:
    """open_share of classrooms (rows of `in_use`, with their `center`), which are
    every classroom of `centers` (None: of every center), stored center by center
    from rows `first`."""
    # each center has at least one classroom
    users = np.add.reduceat(in_use, first, axis=0, dtype=np.int64)
    share = (users[center if centers is None else np.searchsorted(centers, center)]
             - in_use) / others
    share[in_use] = 0.0
    return share


def practice(model) -> None:
    """Fidelity drift, coaching, then practice toward what its ideas in use sustain."""
    rooms, centers = model.rooms, model.centers
    helped = supported(model)
    keep = fidelity_kept(model, helped)
    if np.count_nonzero(rooms.in_use):
        drift_fidelity(model, keep[rooms.center])
    if model.org_in_use_any:
        centers.org_fidelity *= keep[:, None]
    coach(model)
    rooms.target = targets(model)
    # a step of at most 1 of the gap toward a target in [0, 1]: practice stays in [0, 1]
    gap = rooms.target - rooms.practice
    rooms.practice += implementation_rate(model, helped, gap) * gap


def fidelity_kept(model, helped: np.ndarray) -> np.ndarray:
    """Per center: the share of a practice's fidelity kept this week. Fidelity
    drifts at `rate_practice_decay` a year, less with organizational capacity
    (`capacity_sustain` x capacity), and `support_decay_factor` times faster in
    a center without external support (`helped` False). Sources: Ringstaff et
    al., Hemmeter et al. 2018 (evidence A6 36-37); support: Han & Weiss 2005,
    Wiltsey Stirman et al. 2012 (A6 40); factor: assumption."""
    p = model.at_centers()
    # rate_practice_decay <= 5 a year and the factor <= 5: the keep lies in (0.5, 1]
    rate = p.rate_practice_decay * np.where(helped, 1.0, p.support_decay_factor)
    return 1.0 - rate / 52.0 * (1.0 - p.capacity_sustain * model.centers.capacity)


def implementation_rate(model, helped: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """Per classroom and driver: the share of the `gap` to its target practice
    closes this week: `rate_implementation`, and for a rise in a classroom whose
    center has no external support (`helped` False) `unsupported_uptake` of it
    (a practice not yet in place when support ends is put in place slowly; a
    fall, a practice dropped or gone with its teacher, is not slowed). Sources:
    design brief (practice follows its ideas in use); Joyce & Showers 2002, Han &
    Weiss 2005 (evidence A6 40); values: assumption."""
    q = model.at_rooms()
    rate = column(q.rate_implementation)
    if helped.all():
        return rate
    slow = ~helped[model.rooms.center]
    return np.where((gap > 0) & slow[:, None], rate * column(q.unsupported_uptake), rate)


def coach(model) -> None:
    """Practice-based coaching of participating teachers in the coaching arm. The
    coach chooses by `model.idea_evidence`, the research evidence with its error
    (framework.py; tests/test_truth.py keeps the coach who reads the true effects
    as a mutant)."""
    rooms, staff = model.rooms, model.staff
    if not model.events.collab or ("coaching_hours_week" not in model.varying
                                   and not model.p.coaching_hours_week > 0):
        return                                # the usual case: no coaching arm
    hours = model.of_block("coaching_hours_week")
    on = (hours > 0) & (model.week < model.of_block("dur_coaching_weeks"))
    if not np.count_nonzero(on):
        return
    teacher = model.teacher_post            # the lead teacher of each classroom
    coached = (rooms.participating & model.room_filled & on[model.room_block]
               & (staff.person[teacher] == rooms.coached_person)).nonzero()[0]
    if len(coached) == 0:
        return
    blocks = model.room_block[coached]
    model.counts["coaching_hours"] += hours * model.by_block(blocks)
    new_practice = (model.week % model.of_block("coach_weeks_per_practice") == 0)[blocks]
    if np.count_nonzero(new_practice):
        bring = coached[new_practice]
        c = rooms.center[bring]
        classroom = model.package.driver[c] < CLASSROOM_DRIVERS
        score = np.where(classroom & ~rooms.in_use[bring] & model.centers.known[c],
                         model.idea_evidence[c], -np.inf)
        best = score.argmax(axis=1)
        ok = np.isfinite(score[np.arange(len(bring)), best])
        teachers = teacher[bring[ok]]        # their posts
        fid = fidelity_of(model.at_rooms(bring[ok]), staff.knowledge[teachers],
                          model.package.driver[c[ok], best[ok]])
        put_in_use(model, bring[ok], best[ok], fid, teachers, displace=False)
    p = model.at_rooms(coached)
    step = np.minimum(p.coaching_gain * p.coaching_hours_week, 1.0)
    f = rooms.fidelity[coached]
    rooms.fidelity[coached] = np.where(rooms.in_use[coached], toward_one(f, column(step)), f)
    changed(model, coached)
