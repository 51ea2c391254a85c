"""Model: the workforce, turnover and vacancies (the seed's contextual barriers:
staff turnover and staffing shortages).

Submodel `turnover`. Lead teachers leave with their center's weekly hazard
1 - (1 - a_c)**(1/52); the post stays vacant for a geometric number of weeks (mean
`dur_vacancy_weeks`); a newcomer then arrives with baseline knowledge and mindset,
no BSC routines and no beliefs beyond the prior, and takes the post's team seat.
A leaving teacher's practices leave with her (her classroom holds no practice in
use until tested, spread or coached again), and a newcomer's classroom loses most
of what practice is left above baseline. Directors leave with their own
hazard; a director's exit costs the team part of its safety gain. Parents on the
team leave when their child ages out at the program-year boundary. Sources:
Doromal et al. 2022; Bassok et al. 2021, 2024; Hemmeter et al. 2018; design brief.
"""

from __future__ import annotations

import numpy as np

from .agents import AGENT_CLASS, DIRECTOR, PARENT, TEACHER
from .practices import changed
from .draws import spec
from .ensemble import column, pick
from .state import newcomers_in_blocks


# draws per post: exits, parents ageing out (at a new program year), vacancies filled
WEEK = spec(dict.fromkeys(("leave", "fill"), "posts"))
NEW_YEAR = spec(dict.fromkeys(("leave", "ageout", "fill"), "posts"))


def turnover(model) -> None:
    """Exits, vacancies filled, newcomers (weekly)."""
    staff = model.staff
    p = model.at_posts()
    # each collaborative's draws from its own stream, in this order: exits,
    # parents ageing out (at a new program year), vacancies filled
    u = model.weekly_draws("workforce", NEW_YEAR if model.events.new_year else WEEK)
    leave = staff.filled & (u.leave < model.hazard)
    if model.events.new_year:
        leave |= staff.filled & (staff.role == PARENT) & (u.ageout < p.p_parent_ageout)
    wait = p.dur_vacancy_weeks
    fill = ~staff.filled & (u.fill < 1.0 / (np.maximum(wait, 1.0)
                                            if isinstance(wait, np.ndarray) else max(wait, 1.0)))
    if np.count_nonzero(leave) == 0 and np.count_nonzero(fill) == 0:
        return                                  # the usual week: nobody comes or goes
    leavers = leave.nonzero()[0]
    staff.filled[leavers] = False               # the post is vacant, her test ends
    staff.cycle_idea[leavers] = -1
    staff.next_idea[leavers] = -1
    gone = staff.classroom[leavers[staff.role[leavers] == TEACHER]]
    if len(gone):
        model.rooms.in_use[gone] = False
        model.rooms.fidelity[gone] = 0.0
        changed(model, gone)
    model.tally("leavers", leavers, model.post_block)
    directors_out = leavers[staff.role[leavers] == DIRECTOR]
    if len(directors_out) and p.psych_safety_on:
        hit = staff.present & np.isin(staff.center, staff.center[directors_out])
        gain = np.maximum(staff.psych_safety[hit] - staff.ps_base[hit], 0.0)
        staff.psych_safety[hit] -= pick(p.director_exit_safety_loss, hit) * gain
    # parents are replaced at once (a new parent joins the team); teachers and
    # directors after their vacancy
    arrive = (fill | (leave & (staff.role == PARENT))).nonzero()[0]
    no_wait = model.of_block("dur_vacancy_weeks") == 0
    if np.count_nonzero(no_wait):
        arrive = np.union1d(arrive, leavers[no_wait[model.post_block[leavers]]])
    # arrive is sorted: so are the collaboratives of its posts
    newcomers_in_blocks(staff, arrive, model.post_block[arrive], model.newcomer_values,
                        [s["workforce"] for s in model.block_streams])
    staff.filled[arrive] = True
    rooms = staff.classroom[arrive[staff.role[arrive] == TEACHER]]
    newcomer_classrooms(model, rooms)
    if len(leavers) or len(arrive):
        model.update_room_filled()


def newcomer_classrooms(model, rooms: np.ndarray) -> None:
    """A newcomer's classroom drops back: it keeps only 1 - newcomer_practice_loss
    of its gain above baseline; no change idea is in use until tested or spread
    again."""
    if len(rooms) == 0:
        return
    r = model.rooms
    loss = column(model.at_rooms(rooms).newcomer_practice_loss)
    r.practice[rooms] = r.practice_base[rooms] + (1 - loss) * (r.practice[rooms]
                                                               - r.practice_base[rooms])
    r.in_use[rooms] = False
    r.fidelity[rooms] = 0.0
    changed(model, rooms)


__all__ = ["turnover", "AGENT_CLASS"]
