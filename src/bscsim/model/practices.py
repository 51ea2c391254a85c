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
`supported` says which centers still get external support (the collaborative's, a
coach's); the practice and organization submodels read it (issue 22, item 7).
"""

from __future__ import annotations

import numpy as np

from .engagement import in_collaborative
from .agents import DIRECTOR, TEACHER
from .beliefs import between_programs, here
from .ensemble import column
from .framework import CLASSROOM_DRIVERS, DOMAINS, DRIVER_DOMAIN, ORG_DRIVER



def fidelity_of(p, knowledge: np.ndarray, drivers: np.ndarray) -> np.ndarray:
    """Starting fidelity of a practice put in place by someone with `knowledge`
    (rows of (sel, family, equity)): 1 - knowledge_weight + knowledge_weight x the
    knowledge of the driver's domain (driver 5: the mean)."""
    classroom = drivers < CLASSROOM_DRIVERS
    if np.count_nonzero(classroom) == len(drivers):     # the usual case: no driver 5
        k = knowledge[np.arange(len(drivers)), DRIVER_DOMAIN[drivers]]
    else:
        dom = DRIVER_DOMAIN[np.minimum(drivers, CLASSROOM_DRIVERS - 1)]
        k = np.where(classroom, knowledge[np.arange(len(drivers)), dom],
                     np.add.reduce(knowledge, axis=1) / len(DOMAINS))
    return 1.0 - p.knowledge_weight + p.knowledge_weight * k


def put_in_use(model, rooms: np.ndarray, ideas: np.ndarray, fidelity: np.ndarray,
               believer: np.ndarray, displace: bool = True) -> np.ndarray:
    """Put `ideas` in use in `rooms` (driver 5: in the room's center) at `fidelity`.

    With `displace`, a full classroom first drops the practice that `believer[j]`
    (the adopter's post) believes in least about her classroom (-1: the one run
    with the least fidelity); without it, a full classroom takes nothing. Returns a
    mask of what was newly put in use (an idea already in use is not put in use
    again). The entries act in order: when a classroom gets more than one, what
    the first did (filled a slot, dropped a practice) is seen by the next, so
    those classrooms go one entry at a time; every other entry at once."""
    r, centers = model.rooms, model.centers
    c = r.center[rooms]
    drv = model.package.driver
    org = drv[c, ideas] == ORG_DRIVER
    new = np.zeros(len(rooms), dtype=bool)
    if np.count_nonzero(org):
        # the first entry of each (center, idea) not yet in use at its center
        j = org.nonzero()[0]
        _, first = np.unique(c[j] * drv.shape[1] + ideas[j], return_index=True)
        j = j[np.sort(first)]
        j = j[~centers.org_in_use[c[j], ideas[j]]]
        centers.org_in_use[c[j], ideas[j]] = True
        centers.org_fidelity[c[j], ideas[j]] = fidelity[j]
        new[j] = True
        if len(j):
            model.org_in_use_any = True
        room_entries = (~org).nonzero()[0]
    else:
        room_entries = np.arange(len(rooms))
    if len(room_entries) and not displace:
        _fill_rooms(model, rooms, ideas, fidelity, room_entries, new)
    elif len(room_entries):
        repeated = _repeated(rooms[room_entries])
        if repeated is None:
            _put_in_rooms(model, rooms, ideas, fidelity, believer, room_entries, new)
        else:
            _put_in_rooms(model, rooms, ideas, fidelity, believer,
                          room_entries[~repeated], new)
            for j in room_entries[repeated]:      # rare: one entry at a time, in order
                _put_in_rooms(model, rooms, ideas, fidelity, believer, np.array([j]), new)
    if np.count_nonzero(new):
        changed(model, rooms[new])
    return new


def _repeated(rooms: np.ndarray) -> np.ndarray | None:
    """Which entries share their classroom with another entry (None: none do)."""
    if len(rooms) < 2:
        return None
    s = np.sort(rooms)
    twice = s[1:][s[1:] == s[:-1]]
    return np.isin(rooms, twice) if len(twice) else None


def _fill_rooms(model, rooms, ideas, fidelity, j, new) -> None:
    """put_in_use without displacing, for the classroom entries `j`: in order, each
    classroom takes the ideas it does not use yet while it has a free slot."""
    r = model.rooms
    j = j[~r.in_use[rooms[j], ideas[j]]]
    if len(j) == 0:
        return
    # the first entry of each (classroom, idea) (spread and coaching give each
    # pair once: the sort finds no repeat)
    key = rooms[j] * r.in_use.shape[1] + ideas[j]
    s = np.sort(key)
    if np.count_nonzero(s[1:] == s[:-1]):
        _, first = np.unique(key, return_index=True)
        j = j[np.sort(first)]
    room = rooms[j]
    # rank of each entry among its classroom's entries, in order
    order = np.argsort(room, kind="stable")
    start = np.searchsorted(room[order], room[order])
    rank = np.empty(len(j), dtype=np.int64)
    rank[order] = np.arange(len(j)) - start
    used = (r.in_use[room] & (model.package.driver[r.center[room]] != ORG_DRIVER)).sum(axis=1)
    j = j[used + rank < model.at_rooms(room).n_practices_max]
    r.in_use[rooms[j], ideas[j]] = True
    r.fidelity[rooms[j], ideas[j]] = fidelity[j]
    new[j] = True


def _put_in_rooms(model, rooms, ideas, fidelity, believer, j, new) -> None:
    """put_in_use with displacing, for the classroom entries `j`, all in different
    classrooms."""
    r = model.rooms
    room, idea = rooms[j], ideas[j]
    j = j[~r.in_use[room, idea]]
    if len(j) == 0:
        return
    room, idea = rooms[j], ideas[j]
    used = r.in_use[room] & (model.package.driver[r.center[room]] != ORG_DRIVER)
    full = used.sum(axis=1) >= model.at_rooms(room).n_practices_max
    if np.count_nonzero(full):
        f = full.nonzero()[0]
        b = believer[j[f]]
        mu = np.where((b >= 0)[:, None],
                      here(model.staff, np.maximum(b, 0),
                           between_programs(model.at_rooms(room[f])))[0],
                      r.fidelity[room[f]])
        least = np.where(used[f], mu, np.inf).argmin(axis=1)
        drop(model, room[f], least)
    r.in_use[room, idea] = True
    r.fidelity[room, idea] = fidelity[j]
    new[j] = True


def drop(model, rooms: np.ndarray, ideas: np.ndarray) -> None:
    """Stop using `ideas` in `rooms` (de-adoption)."""
    model.rooms.in_use[rooms, ideas] = False
    model.rooms.fidelity[rooms, ideas] = 0.0
    changed(model, rooms)


def review(model, members: np.ndarray) -> None:
    """De-adoption at the team meetings held (`members`: the members present): each
    teacher drops the practices in her classroom she now believes do not work;
    the director drops the center's driver-5 ideas she believes do not work. Only
    those with something in use review (nothing else could change)."""
    staff, r, centers = model.staff, model.rooms, model.centers
    role, c = staff.role[members], staff.center[members]
    teacher = role == TEACHER
    room = np.where(teacher, staff.classroom[members], -1)
    holds = teacher & r.in_use[np.maximum(room, 0)].any(axis=1)
    org = model.org_in_use_any       # some center has had a driver-5 idea in use
    if org:
        holds |= (role == DIRECTOR) & centers.org_in_use[c].any(axis=1)
    who, room, c, teacher = members[holds], room[holds], c[holds], teacher[holds]
    if len(who) == 0:
        return
    p = model.at_posts(who)
    doubt = here(staff, who, between_programs(p))[0] < column(p.abandon_threshold)
    # without driver-5 ideas in use, everyone who reviews is a teacher
    t_room, t_doubt, t_c = (room[teacher], doubt[teacher], c[teacher]) if org \
        else (room, doubt, c)
    k, i = (r.in_use[t_room] & t_doubt).nonzero()
    if len(k):
        drop(model, t_room[k], i)
        model.counts["deadopted"] += np.bincount(t_c[k], minlength=centers.n)
    if not org:
        return
    k, i = (centers.org_in_use[c[~teacher]] & doubt[~teacher]).nonzero()
    if len(k):
        centers.org_in_use[c[~teacher][k], i] = False
        centers.org_fidelity[c[~teacher][k], i] = 0.0
        model.counts["deadopted"] += np.bincount(c[~teacher][k], minlength=centers.n)


def targets(model) -> np.ndarray:
    """Per classroom and classroom driver: the practice its ideas in use sustain."""
    g = np.minimum(np.maximum(column(model.at_rooms().adopt_gain) * sustained(model), -1.0),
                   1.0)
    base = model.rooms.practice_base
    return base + g * np.where(g > 0, model.room_headroom, base)


def sustained(model) -> np.ndarray:
    """Per classroom and driver: attention x sum of effect x fidelity of the ideas
    in use. Kept between weeks: the weekly drift of fidelity scales it
    (`drift`), any other change to practices in use recomputes it (`changed`)
    for every classroom of the collaboratives where it happened (so that a
    collaborative's numbers, rounding included, are those of its run alone)."""
    dirty = model.sustained_dirty
    stale = bool(dirty[0]) if model.n_blocks == 1 else np.count_nonzero(dirty)
    if model.sustained is not None and not stale:
        return model.sustained
    r = model.rooms
    if model.sustained is None or stale == len(dirty):
        rows = slice(None)
    else:
        rows = np.flatnonzero(dirty[model.room_block])
    # the practices in use, row by row and in idea order (in_use is sparse:
    # a classroom holds a few of its ideas): their effect x fidelity, summed per
    # classroom and driver in that order, package ideas first, then staff ideas
    # (sums that skip zeros: the same as summing every idea in order)
    n = model.rooms.n if isinstance(rows, slice) else len(rows)
    at, idea = np.nonzero(r.in_use[rows])
    room = at if isinstance(rows, slice) else rows[at]
    value = model.room_effect(room, idea) * r.fidelity[room, idea]
    driver = model.package.driver[r.center[room], idea]
    classroom = driver < CLASSROOM_DRIVERS
    n_use = np.bincount(at[classroom], minlength=n)
    attention = np.minimum(1.0, model.at_rooms(rows).n_practices_attention
                           / np.maximum(n_use, 1))
    bins = at * CLASSROOM_DRIVERS + driver
    staff = idea >= model.package.n_package
    first = classroom & ~staff
    # (float even when no package idea is in use: bincount of nothing gives ints)
    by_driver = np.bincount(bins[first], weights=value[first],
                            minlength=n * CLASSROOM_DRIVERS).astype(float, copy=False
                                                                    ).reshape(n, CLASSROOM_DRIVERS)
    if np.count_nonzero(staff):        # staff ideas: drivers differ by center
        later = classroom & staff
        by_driver += np.bincount(bins[later], weights=value[later],
                                 minlength=n * CLASSROOM_DRIVERS).reshape(n, CLASSROOM_DRIVERS)
    if model.sustained is None:
        model.sustained = attention[:, None] * by_driver
    else:
        model.sustained[rows] = attention[:, None] * by_driver
    dirty[:] = False
    return model.sustained


def drift(model, factor: np.ndarray) -> None:
    """Every practice in use of classroom r loses 1 - factor[r] of its fidelity."""
    model.rooms.fidelity *= factor[:, None]
    if model.sustained is not None:
        model.sustained *= factor[:, None]


def changed(model, rooms: np.ndarray | None = None) -> None:
    """Practices in use, their fidelity or their effects changed (in `rooms`;
    None: anywhere)."""
    if rooms is None:
        model.sustained = None
        model.spread_share = None
    else:
        blocks = model.room_block[rooms]
        model.sustained_dirty[blocks] = True
        model.spread_dirty[blocks] = True
    model._use_stats = None


def supported(model) -> np.ndarray:
    """Per center: whether it gets external support this week. A BSC team has the
    collaborative's (learning sessions, calls, faculty) while it runs; a
    classroom of the coaching arm has its coach for `dur_coaching_weeks`; after
    that, and in a center with neither, what stays in place stays without help.
    Sources: Wiltsey Stirman et al. 2012; Han & Weiss 2005 (evidence A6 40)."""
    ev = model.events
    on = np.full(model.centers.n, bool(ev.collab and model.p.teams_on))
    on &= in_collaborative(model)            # issue 26: a team that left has no support
    if ev.collab and ("coaching_hours_week" in model.varying
                      or model.p.coaching_hours_week > 0):
        coach = ((model.of_block("coaching_hours_week") > 0)
                 & (model.week < model.of_block("dur_coaching_weeks")))
        on |= coach[model.center_block]
    return on


def org_gain(model) -> np.ndarray:
    """Per center: what its driver-5 ideas in use add to the capacity target,
    adopt_gain x sum of effect x fidelity, in [-1, 1]."""
    c = model.centers
    g = model.at_centers().adopt_gain * np.where(c.org_in_use, c.effect * c.org_fidelity,
                                                  0.0).sum(axis=1)
    return np.minimum(np.maximum(g, -1.0), 1.0)
