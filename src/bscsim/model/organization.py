"""Model: organizational capacity (the seed's fifth driver and a short-term outcome,
organizational climate and culture) and the monthly metrics routine.

Submodel `organization`. Teams report monthly metrics during the collaborative with
a chance that is the mean of the team's QI skill and the center's capacity
(assumption). Capacity moves toward a target set by the routines actually kept:
target = baseline + (1 - baseline) x routines, where routines is the mean of (a team
meeting held within the meeting interval, metrics reported within the month, the
director's shared leadership); it grows at `capacity_growth` toward a higher target
and erodes at `capacity_erosion` toward a lower one. Without routines (no team) the
target is the baseline. Sources: seed (new structures and routines); Dückers et al.
2009 (organizational support); design brief.
"""

from __future__ import annotations

import numpy as np

from .collaborative import WEEKS_PER_MONTH
from .teams import director_leadership


def organization(model) -> None:
    p, ev, centers, rng = model.p, model.events, model.centers, model.streams["teams"]
    if not p.teams_on:
        return
    if ev.metrics_due:
        qi = model.center_mean_of_team(model.staff.qi)
        report = rng.random(centers.n) < (qi + centers.capacity) / 2.0
        centers.last_metrics[report] = ev.week
        model.counts["metrics_reported"][report] += 1
    week = ev.week
    meeting_kept = week - centers.last_meeting < p.meeting_interval_weeks + 0.5
    metrics_kept = week - centers.last_metrics < WEEKS_PER_MONTH + 0.5
    lead, _ = director_leadership(model)
    routines = (meeting_kept.astype(float) + metrics_kept + lead) / 3.0
    target = centers.capacity_base + (1.0 - centers.capacity_base) * routines
    gap = target - centers.capacity
    rate = np.where(gap > 0, p.capacity_growth, p.capacity_erosion)
    centers.capacity += rate * gap
