"""Model: children's social-emotional competence and challenging behavior (the
seed's impacts 2 and 3).

Submodel `children`. Each week a classroom's mean competence (z units, 0 = the norm
for children in a classroom of average practice) moves by `child_growth` x (practice
quality - the baseline mean of its program type) and relaxes toward the norm at
`rate_child_fade` per year (fade-out, Bailey et al. 2017). The share of children
with challenging behavior follows through a probit link: share = Phi(threshold -
cb_link x z) (Hemmeter et al. 2016 ratio of effects). A new cohort arrives at each
program-year boundary, so child gains need sustained practice (design brief).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from .state import new_cohort


def children(model) -> None:
    rooms = model.rooms
    if model.events.new_year:
        for b, bp in enumerate(model.block_params):
            which = np.zeros(rooms.n, dtype=bool)
            which[model.room_off[b]:model.room_off[b + 1]] = True
            new_cohort(bp, rooms, which, model.block_streams[b]["children"])
    p = model.at_rooms()
    q = rooms.quality
    model.quality_of_week = (model.week, q)     # collect reads it this week
    growth = p.child_growth * (q - rooms.practice_ref)
    rooms.competence += growth - p.rate_child_fade / 52.0 * rooms.competence
    rooms.cb_share[:] = ndtr(rooms.cb_threshold - p.cb_link * rooms.competence)
    model.cb_by_center = model.center_mean(rooms.cb_share)
