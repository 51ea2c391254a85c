"""Model: the practices in use, in classrooms and centers (ODD submodel `practices`,
called from pdsa, spread, coaching and team meetings).

A classroom holds at most `n_practices_max` change ideas of drivers 1-4 in use: a
teacher's time and attention are limited, so adopting a new practice when the
classroom is full displaces the one its teacher believes least in (the choice
costs something). A center holds its driver-5 ideas (organizational routines and
policies) in use at the center. Each practice in use has a fidelity (how well it is
run, 0-1): it starts at the knowledge of the person who puts it in place (knowledge
improves how well a practice is run, not practice itself), coaching raises it, and
it drifts down without organizational routines.

Practice quality follows the ideas in use: the practice a classroom's ideas sustain
on driver d (its target) is baseline + g (1 - baseline) for g = adopt_gain x
attention x sum of effect x fidelity of the ideas in use on d (g in [-1, 1]; a
harmful idea pulls toward 0 by g x baseline). A teacher attends fully to
`n_practices_attention` practices; with n > that in use, attention = that / n
dilutes every one of them (initiative overload), so a practice that does not work
also costs the ones that do. Picking the wrong ideas, or keeping them, costs practice.
De-adoption: at a team meeting, a teacher drops a practice she believes does not
work (belief below `abandon_threshold`); a director does so for the center's
driver-5 ideas. Sources: the seed (teams keep what works and drop what does not;
the know-do gap); design brief (practice rule); slot limit, fidelity and
de-adoption: assumption (Hamel & Schachter 2025 on teachers' time, evidence A2 14).
"""

from __future__ import annotations

import numpy as np

from .agents import DIRECTOR, TEACHER
from .beliefs import between_programs, here
from .framework import CLASSROOM_DRIVERS, DRIVER_DOMAIN, ORG_DRIVER


def fidelity_of(p, knowledge: np.ndarray, drivers: np.ndarray) -> np.ndarray:
    """Starting fidelity of a practice put in place by someone with `knowledge`
    (rows of (sel, family, equity)): 1 - knowledge_weight + knowledge_weight x the
    knowledge of the driver's domain (driver 5: the mean)."""
    dom = np.where(drivers < CLASSROOM_DRIVERS,
                   DRIVER_DOMAIN[np.minimum(drivers, CLASSROOM_DRIVERS - 1)], -1)
    k = np.where(dom >= 0, np.take_along_axis(knowledge, np.maximum(dom, 0)[:, None],
                                              axis=1)[:, 0], knowledge.mean(axis=1))
    return 1.0 - p.knowledge_weight + p.knowledge_weight * k


def put_in_use(model, rooms: np.ndarray, ideas: np.ndarray, fidelity: np.ndarray,
               believer: np.ndarray, displace: bool = True) -> np.ndarray:
    """Put `ideas` in use in `rooms` (driver 5: in the room's center) at `fidelity`.

    A full classroom drops the practice in use that `believer` (a post, or -1 for
    the classroom's own teacher's view being unknown: lowest fidelity-weighted
    prior) believes least in, when `displace`; otherwise a full classroom takes
    nothing. Returns a mask of what was newly put in use (an idea already in use
    is not put in use again)."""
    r, c, drv = model.rooms, model.rooms.center[rooms], model.package.driver
    centers = model.centers
    new = np.zeros(len(rooms), dtype=bool)
    for j in range(len(rooms)):
        room, idea, center = rooms[j], ideas[j], c[j]
        if drv[center, idea] == ORG_DRIVER:
            if not centers.org_in_use[center, idea]:
                centers.org_in_use[center, idea] = True
                centers.org_fidelity[center, idea] = fidelity[j]
                new[j] = True
            continue
        if r.in_use[room, idea]:
            continue
        used = np.flatnonzero(r.in_use[room] & (drv[center] != ORG_DRIVER))
        if len(used) >= model.p.n_practices_max:
            if not displace:
                continue
            mu = (here(model.staff, believer[j:j + 1], between_programs(model.p))[0][0, used]
                  if believer[j] >= 0 else r.fidelity[room, used])
            drop(model, np.array([room]), np.array([used[np.argmin(mu)]]))
        r.in_use[room, idea] = True
        r.fidelity[room, idea] = fidelity[j]
        new[j] = True
    return new


def drop(model, rooms: np.ndarray, ideas: np.ndarray) -> None:
    """Stop using `ideas` in `rooms` (de-adoption)."""
    model.rooms.in_use[rooms, ideas] = False
    model.rooms.fidelity[rooms, ideas] = 0.0


def review(model, centers_met: np.ndarray) -> None:
    """De-adoption at the team meetings held: each teacher present on a team drops
    the practices in her classroom she now believes do not work; the director (if
    present) drops the center's driver-5 ideas she believes do not work."""
    p, staff, r = model.p, model.staff, model.rooms
    met = np.zeros(model.centers.n, dtype=bool)
    met[centers_met] = True
    who = np.flatnonzero(staff.present & met[staff.center])
    teachers = who[staff.role[who] == TEACHER]
    rooms = staff.classroom[teachers]
    v = between_programs(p)
    bad = r.in_use[rooms] & (here(staff, teachers, v)[0] < p.abandon_threshold)
    k, i = np.nonzero(bad)
    if len(k):
        drop(model, rooms[k], i)
        np.add.at(model.counts["deadopted"], r.center[rooms[k]], 1)
    directors = who[staff.role[who] == DIRECTOR]
    c = staff.center[directors]
    bad = model.centers.org_in_use[c] & (here(staff, directors, v)[0] < p.abandon_threshold)
    k, i = np.nonzero(bad)
    if len(k):
        model.centers.org_in_use[c[k], i] = False
        model.centers.org_fidelity[c[k], i] = 0.0
        np.add.at(model.counts["deadopted"], c[k], 1)


def targets(model) -> np.ndarray:
    """Per classroom and classroom driver: the practice its ideas in use sustain."""
    p, r = model.p, model.rooms
    eff = model.room_effect()
    contrib = np.where(r.in_use, eff * r.fidelity, 0.0)
    n_use = (r.in_use & model.classroom_idea[r.center]).sum(axis=1)
    attention = np.minimum(1.0, p.n_practices_attention / np.maximum(n_use, 1))
    onehot = model.room_driver_onehot                     # (rooms, ideas, 4)
    g = np.clip(p.adopt_gain * attention[:, None]
                * np.einsum("ri,rid->rd", contrib, onehot), -1.0, 1.0)
    base = r.practice_base
    return base + np.where(g > 0, g * (1.0 - base), g * base)


def org_gain(model) -> np.ndarray:
    """Per center: what its driver-5 ideas in use add to the capacity target,
    adopt_gain x sum of effect x fidelity, in [-1, 1]."""
    c = model.centers
    return np.clip(model.p.adopt_gain
                   * np.where(c.org_in_use, c.effect * c.org_fidelity, 0.0).sum(axis=1),
                   -1.0, 1.0)
