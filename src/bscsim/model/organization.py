"""Model: organizational capacity (the seed's fifth driver and a short-term outcome,
organizational climate and culture) and the monthly metrics routine.

Submodel `organization`. Capacity is kept by people and practices, not by the
calendar. Each person holds BSC routines (0-1: running tests, reading data): a
completed PDSA cycle builds the runner's routine by `routine_gain` of the gap, a
monthly metrics report (sent with chance = the mean of the team's QI skill and the
center's capacity; assumption) builds that of the team members present by
`routine_gain_metrics`; a newcomer has none (workforce.py), so turnover erodes
them; once the collaborative's support has ended, routines weaken by
`rate_routine_decay` a year (`routines_fade`). Capacity moves toward a target:
    target = baseline + (1 - baseline) x routines, routines = mean of (the team's
    mean routine, the director's shared leadership),
raised (or lowered) by the driver-5 ideas the center has in use (practices.org_gain),
at `capacity_growth` toward a higher target and `capacity_erosion` toward a lower
one. Without teams the capacity stays where it is. Sources: seed (new structures
and routines; driver 5); Dückers et al. 2009 (organizational support); design brief;
routines held by people: assumption (evidence A6 36: loss comes through turnover).
"""

from __future__ import annotations

import numpy as np

from .draws import spec
from .engagement import take_part
from .practices import org_gain, supported

REPORT = spec({"report": "centers"})     # whether a team reports its metrics
from .teams import director_leadership
from .state import toward_one


def organization(model) -> None:
    p, ev, centers = model.p, model.events, model.centers
    if not p.teams_on:
        return
    staff = model.staff
    if ev.metrics_due:
        qi = model.center_mean_of_team(staff.qi)
        u = model.weekly_draws("teams", REPORT).report
        report = u < (qi + centers.capacity) / 2.0 * take_part(model)   # issue 26
        centers.last_metrics[report] = ev.week
        model.counts["metrics_reported"][report] += 1
        present = model.present_now()
        who = present[report[staff.center[present]]]
        staff.routine[who] = toward_one(staff.routine[who],
                                        model.at_posts(who).routine_gain_metrics)
    unsupported = ~supported(model)
    if np.count_nonzero(unsupported):
        routines_fade(model, unsupported)
    lead, _ = director_leadership(model)
    routines = (model.center_mean_of_team(staff.routine) + lead) / 2.0
    target = centers.capacity_base + model.capacity_headroom * routines
    if model.org_in_use_any:
        g = org_gain(model)
        target = target + g * np.where(g > 0, 1.0 - target, target)
    gap = target - centers.capacity
    q = model.at_centers()
    rate = np.where(gap > 0, q.capacity_growth, q.capacity_erosion)
    centers.capacity += rate * gap


def routines_fade(model, unsupported: np.ndarray) -> None:
    """The routines of the people of the centers that no longer get external
    support (`unsupported`, per center) weaken by `rate_routine_decay` a year:
    without the calls, reports and faculty that kept them up, running tests and
    reading data fall out of use. Source: Wiltsey Stirman et al. 2012, Scheirer
    2005 (evidence A6 40); value: assumption."""
    staff = model.staff
    who = unsupported[staff.center].nonzero()[0]
    rate = model.at_posts(who).rate_routine_decay
    staff.routine[who] *= 1.0 - rate / 52.0
