"""Model: what a study can observe at a wave (the hook for the simulated
feasibility study, design brief section 6).

`observe(model)` copies the state a study's instruments look at, at the start of a
week (after `model.week` weeks have run): the people holding posts, each center's
climate and capacity, each classroom's practice, and the running counts (PDSA
cycles, attendance). `BSCModel(..., observe_weeks=...)` calls it at the weeks asked
for and keeps the copies in `model.observations[week]`; without `observe_weeks`
nothing is copied. The model stays free of any measurement: instruments, error and
missingness live in `bscsim.study`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .agents import TEACHER


def observe(model) -> dict[str, Any]:
    """The observable state now, as plain arrays (a copy, safe to keep)."""
    staff, rooms, centers = model.staff, model.rooms, model.centers
    posts = np.flatnonzero(staff.filled)
    person = model.agent_id(posts).astype(np.int64)   # the Mesa id of each person
    n_c = centers.n
    c = staff.center[posts]
    n_present = np.bincount(c, minlength=n_c)
    safety = np.bincount(c, weights=staff.psych_safety[posts], minlength=n_c)
    teacher = np.full(rooms.n, -1, dtype=np.int64)
    is_teacher = staff.role[posts] == TEACHER
    teacher[staff.classroom[posts[is_teacher]]] = person[is_teacher]
    return {
        "week": model.week,
        "people": {
            "post": posts,
            "person": person,
            "role": staff.role[posts].copy(),
            "center": c.copy(),
            "classroom": staff.classroom[posts].copy(),
            "on_team": staff.on_team[posts].copy(),
            "participant": model.participant[posts].copy(),
            "psych_safety": staff.psych_safety[posts].copy(),
            "efficacy": staff.efficacy[posts].copy(),
            "inquiry": staff.inquiry[posts].copy(),
        },
        "centers": {
            "is_hs": centers.is_hs.copy(),
            # organizational climate: mean psychological safety of the staff
            # present (the center-level counterpart of the output `climate`)
            "climate": np.where(n_present > 0, safety / np.maximum(n_present, 1), np.nan),
            "capacity": centers.capacity.copy(),
            # the team has left the collaborative (issue 26; model/engagement.py)
            "left": model.engage.left.copy(),
        },
        "classrooms": {
            "center": rooms.center.copy(),
            "participating": rooms.participating.copy(),
            "practice": rooms.quality,
            "drivers": rooms.practice.copy(),
            "teacher": teacher,
        },
        "counts": model.counts_now(),
        "pdsa_rows": len(model.log),
    }
