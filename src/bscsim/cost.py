"""Results: what a strategy costs, from a finished model (for cost-effectiveness).

Costs are counted over the collaborative period (baseline to its end), in US
dollars, from what actually happened in the run (attendances, meetings held,
coaching hours given) priced by the `cost` parameters. Each part:

    learning sessions  attendances x (cost_ls_attendee + hours_learning_session x wage)
    calls              attendances x (cost_call_attendee + hours_call x wage)
    team meetings      meetings held x team seats x hours_meeting x wage
    faculty            months x centers x faculty_hours_month x
                       (cost_faculty_hour + team seats x wage)        (teams only)
    coaching           coaching hours x (cost_coach_hour + wage)
    workshop           lead-teacher posts x (cost_workshop_teacher + hours_workshop x wage)
    planning time      (planning_hours - planning_hours_paid_base)+ x wage x
                       team seats x centers x weeks of the collaborative (teams only)
    fixed              cost_collab_fixed, when teams meet at learning sessions or calls
    outreach           outreach contacts x outreach_hours x (cost_faculty_hour + team
                       seats x wage)                                 (issue 26)
    stipend            stipend_hours x wage x team seats x weeks each center stayed
                       in the collaborative                         (issue 26)

Costs are the strategy's, not the centers' running costs: business as usual costs
nothing. Sources and assumptions of every price: `bscsim params` (group cost) and
docs/scenarios.md.
"""

from __future__ import annotations

import numpy as np

from .model.collaborative import WEEKS_PER_MONTH

PARTS = ("learning_sessions", "calls", "meetings", "faculty", "coaching", "workshop",
         "planning", "fixed", "outreach", "stipend")


def team_seats(p) -> int:
    """Seats on one center's team: the director, lead teachers and parents."""
    return (1 + p.n_team_teachers + p.n_team_parents) if p.teams_on else 0


def cost_parts(p, counts: dict, n_centers: int, n_teachers: int) -> dict[str, float]:
    """Cost of each part of a strategy (USD), from the counts at the end of the
    collaborative (`model.snapshots["end_collab"]["counts"]`)."""
    wage = p.wage_hour
    seats = team_seats(p)
    months = p.weeks_collab / WEEKS_PER_MONTH
    convenes = p.teams_on and (p.n_learning_sessions > 0 or p.call_interval_weeks > 0
                               or p.affinity_calls)
    extra_planning = max(p.planning_hours - p.planning_hours_paid_base, 0.0)
    return {
        "learning_sessions": counts["ls_attendance"] * (p.cost_ls_attendee
                                                        + p.hours_learning_session * wage),
        "calls": counts["call_attendance"] * (p.cost_call_attendee + p.hours_call * wage),
        "meetings": float(np.sum(counts["meetings"])) * seats * p.hours_meeting * wage,
        "faculty": (months * n_centers * p.faculty_hours_month
                    * (p.cost_faculty_hour + seats * wage)) if p.teams_on else 0.0,
        "coaching": counts["coaching_hours"] * (p.cost_coach_hour + wage),
        "workshop": (n_teachers * (p.cost_workshop_teacher + p.hours_workshop * wage)
                     if p.training_dose > 0 else 0.0),
        "planning": extra_planning * wage * seats * n_centers * p.weeks_collab,
        "fixed": p.cost_collab_fixed if convenes else 0.0,
        # issue 26: faculty outreach to quiet teams, stipends for the teams that stay
        "outreach": counts.get("outreach_contacts", 0) * p.outreach_hours
        * (p.cost_faculty_hour + seats * wage),
        "stipend": (p.stipend_hours * wage * seats * counts.get("center_weeks_in", 0)
                    if p.teams_on else 0.0),
    }


def model_cost(model) -> dict[str, float]:
    """Cost parts of a finished model's collaborative."""
    snap = model.snapshots
    counts = snap.get("end_collab", snap["baseline"])["counts"]
    return cost_parts(model.p, counts, model.centers.n, model.rooms.n)


def cost_outputs(total: float, n_centers: int, n_improved: float) -> dict[str, float]:
    """`cost_per_center` and `cost_per_classroom_improved` (NaN when no
    classroom improved: the ratio is undefined)."""
    return {
        "cost_per_center": total / max(n_centers, 1),
        "cost_per_classroom_improved": (total / n_improved if n_improved > 0
                                        else float("nan")),
    }
