"""Model: classroom SEL practice (long-term outcomes: the primary drivers) and its
spread within a center.

Submodels `spread` and `practice`. A change idea in use in some classrooms of a
center spreads to the others with a weekly chance scaled by organizational
capacity, the team's psychological safety and the director's shared leadership, and
by the share of the center's classrooms that already use it (adoption grows with
adopters, Centola 2010). Practice decays toward baseline at a rate that
organizational capacity slows, faster while a post is vacant; individual coaching
moves a coached classroom's practice directly. Sources: seed (spread); design brief;
Ringstaff et al.; Hemmeter et al. 2016, 2018; Kraft et al. 2018.
"""

from __future__ import annotations

import numpy as np

from .framework import CLASSROOM_DRIVERS
from .pdsa import adopt_idea
from .teams import director_leadership


def spread(model) -> None:
    """Ideas in use spread to other classrooms of the same center."""
    p, rooms, rng = model.p, model.rooms, model.streams["spread"]
    if not p.teams_on or p.p_spread == 0 or not rooms.adopted.any():
        return
    c = rooms.center
    n_rooms = np.bincount(c, minlength=model.centers.n)
    # classrooms are stored center by center, each center has at least one
    users = np.add.reduceat(rooms.adopted.astype(np.int64), model.first_room, axis=0)
    others = np.maximum(n_rooms[c] - 1, 1)[:, None]
    share = (users[c] - rooms.adopted) / others
    lead, _ = director_leadership(model)
    climate = model.team_climate()
    scale = model.centers.capacity * climate * lead
    chance = p.p_spread * scale[c][:, None] * share
    new = ~rooms.adopted & (rng.random(rooms.adopted.shape) < chance)
    if not new.any():
        return
    knowledge = model.center_knowledge()
    for k, i in zip(*np.nonzero(new)):
        adopt_idea(model, int(k), int(i), p.spread_fidelity, knowledge[c[k]])
    model.counts["spread_adoptions"] += int(new.sum())


def practice(model) -> None:
    """Decay toward baseline (slowed by capacity, faster when vacant) and direct
    coaching of participating classrooms in the coaching arm, for the first
    `dur_coaching_weeks` weeks of the collaborative."""
    p, rooms = model.p, model.rooms
    rate = p.rate_practice_decay / 52.0 * (1.0 - p.capacity_sustain
                                           * model.centers.capacity[rooms.center])
    vacant = ~model.room_filled
    rate = np.where(vacant, rate * p.vacancy_decay_mult, rate)
    rooms.practice -= np.minimum(rate, 1.0)[:, None] * (rooms.practice - rooms.practice_base)
    if (p.coaching_hours_week > 0 and model.events.collab
            and model.week < p.dur_coaching_weeks):
        coached = rooms.participating & ~vacant
        step = min(p.coaching_gain * p.coaching_hours_week, 1.0)
        rooms.practice[coached] += step * (1.0 - rooms.practice[coached])
        model.counts["coaching_hours"] += p.coaching_hours_week * coached.sum()
    np.clip(rooms.practice, 0.0, 1.0, out=rooms.practice)


__all__ = ["spread", "practice", "CLASSROOM_DRIVERS"]
