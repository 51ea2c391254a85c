"""The speed-ups of issue 12 (item 5) change how the weekly step computes, not
what: each vectorized rule is checked against the rule written one event at a
time, on random states, and a wrong vectorization (a mutant) fails the check.
The regression baseline (test_regression.py) checks the whole run."""

import numpy as np
import pytest

import bscsim
from bscsim.model import practices
from bscsim.model.beliefs import between_programs, here
from bscsim.model.framework import ORG_DRIVER


def put_in_use_one_by_one(model, rooms, ideas, fidelity, believer, displace=True):
    """The rule of practices.put_in_use, one entry at a time (as first written)."""
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
            drop = used[np.argmin(mu)]
            r.in_use[room, drop] = False
            r.fidelity[room, drop] = 0.0
        r.in_use[room, idea] = True
        r.fidelity[room, idea] = fidelity[j]
        new[j] = True
    return new


def random_case(seed, displace):
    """A model part-way through a run, and a batch of entries with repeats."""
    rng = np.random.default_rng(seed)
    model = bscsim.BSCModel(bscsim.Params(n_centers=3, n_practices_max=3), rng=seed)
    for _ in range(rng.integers(0, 8)):
        model.step()
    r = model.rooms
    n_ideas = r.in_use.shape[1]
    r.in_use[:] = rng.random(r.in_use.shape) < 0.08
    r.fidelity[:] = np.where(r.in_use, rng.random(r.in_use.shape), 0.0)
    m = int(rng.integers(1, 12))
    rooms = rng.integers(0, min(r.n, 4), m)         # few classrooms: many repeats
    ideas = rng.integers(0, n_ideas, m)
    believer = np.where(rng.random(m) < 0.5, rng.integers(0, model.staff.n, m), -1)
    return model, (rooms, ideas, rng.random(m), believer, displace)


def state(model):
    return (model.rooms.in_use.copy(), model.rooms.fidelity.copy(),
            model.centers.org_in_use.copy(), model.centers.org_fidelity.copy())


def agrees(put, seeds=range(40)):
    for seed in seeds:
        for displace in (True, False):
            a, args = random_case(seed, displace)
            b, _ = random_case(seed, displace)
            new_a = put(a, *args)
            new_b = put_in_use_one_by_one(b, *args)
            same = all(np.array_equal(x, y) for x, y in zip(state(a), state(b)))
            if not (same and np.array_equal(new_a, new_b)):
                return False
    return True


def test_put_in_use_does_what_the_one_by_one_rule_does():
    assert agrees(practices.put_in_use), \
        "vectorized put_in_use must leave the state the one-entry-at-a-time rule leaves"


@pytest.mark.parametrize("mutant", ["ignore_order", "displace_first_used"])
def test_a_wrong_vectorization_of_put_in_use_is_caught(monkeypatch, mutant):
    if mutant == "ignore_order":
        # every entry of a classroom sees the slots as they were before the batch
        def fill(model, rooms, ideas, fidelity, j, new):
            r = model.rooms
            j = j[~r.in_use[rooms[j], ideas[j]]]
            used = (r.in_use[rooms[j]] & (model.package.driver[r.center[rooms[j]]]
                                          != ORG_DRIVER)).sum(axis=1)
            j = j[used < model.p.n_practices_max]
            r.in_use[rooms[j], ideas[j]] = True
            r.fidelity[rooms[j], ideas[j]] = fidelity[j]
            new[j] = True
        monkeypatch.setattr(practices, "_fill_rooms", fill)
    else:
        # a full classroom drops its first practice, not the one believed least
        real_drop = practices.drop

        def drop(model, rooms, ideas):
            first = (model.rooms.in_use[rooms]
                     & (model.package.driver[model.rooms.center[rooms]] != ORG_DRIVER)).argmax(axis=1)
            real_drop(model, rooms, first)
        monkeypatch.setattr(practices, "drop", drop)
    assert not agrees(practices.put_in_use), f"mutant {mutant} was not caught"
