"""No decision rule reads a true effect (issue 22; style.md habit 14).

The true effects of the change ideas (each center's part, `centers.effect`, and each
classroom's fit, `rooms.fit`) are wrapped in an ndarray subclass that records the
function that reads them (indexing, arithmetic, numpy functions) and passes the
mark on to what is cut or computed from truth alone (a slice, the classrooms'
table of effects), not to what mixes truth with something else (an observed result
with its noise). A small run with the BSC and a coach reads them; the readers must
be the functions where outcomes are made, declared below with what each makes.
Everyone who chooses (the coach, the faculty, a member choosing or deciding on a
test, the spread of practices) reads research evidence and her own data instead.
The coach that reads the true effects (the oracle of issue 22) is kept as a mutant
that this check catches.

A read through `np.asarray` (which drops the subclass) is not seen: the model has
none on these arrays (grep), and a new one would be a rule to look at.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import bscsim
from bscsim.model import classrooms
from bscsim.model.model import BSCModel

# where outcomes are made from the true effects, and what each makes
ALLOWED = {
    # the classrooms' table of true effects (center part + fit), for those below
    "bscsim.model.model.BSCModel.room_effect": "composes the true effect table",
    # the observed PDSA result (truth x fidelity + noise) and the true effect kept
    # in the PDSA log (an output)
    "bscsim.model.pdsa.finish_cycles": "observed PDSA result",
    # the count of adoptions of ideas that harm (output harmful_adoption_share)
    "bscsim.model.pdsa.tally_decisions": "output count of harmful adoptions",
    # the practice that practices in use sustain, and the capacity driver-5 ideas do
    "bscsim.model.practices.sustained": "practice sustained by ideas in use",
    "bscsim.model.practices.org_gain": "capacity sustained by driver-5 ideas",
    # a teacher's experience of a practice in use (observed, with noise)
    "bscsim.model.teams.speak_of_practice": "observed result of a practice in use",
    # output: share of practices in use that harm (harmful_in_use_share)
    "bscsim.model.model.BSCModel._use_counts": "output share of harmful practices",
    # the PDSA log's true_effect column (an output table)
    "bscsim.model.pdsa.PdsaLog.column": "output column true_effect",
}
# readers a run of the BSC with a coach must show (else the tracer sees nothing)
EXPECTED = {"bscsim.model.pdsa.finish_cycles", "bscsim.model.practices.sustained",
            "bscsim.model.model.BSCModel.room_effect"}


class Truth(np.ndarray):
    """An array of true effects that records who reads it."""

    readers: set[str] = set()
    writers: set[str] = set()      # in-place ufunc.at on truth (an adapted variant)

    @staticmethod
    def _record(into: set[str]) -> None:
        f = sys._getframe(2)
        while f is not None and (f.f_globals.get("__name__", "").startswith("numpy")
                                 or f.f_code in TRACER):
            f = f.f_back
        if f is not None:
            code = f.f_code
            name = getattr(code, "co_qualname", code.co_name)
            into.add(f"{f.f_globals.get('__name__')}.{name}")

    def __getitem__(self, key):
        Truth._record(Truth.readers)
        return super().__getitem__(key)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        write = method == "at" and inputs[0] is self
        Truth._record(Truth.writers if write else Truth.readers)
        plain = [x.view(np.ndarray) if isinstance(x, Truth) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(x.view(np.ndarray) if isinstance(x, Truth) else x
                                  for x in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        pure = all(isinstance(x, Truth) or np.isscalar(x) for x in inputs)
        if pure and isinstance(result, np.ndarray) and result.ndim:
            return result.view(Truth)       # computed from truth alone: still truth
        return result

    def __array_function__(self, func, types, args, kwargs):
        Truth._record(Truth.readers)

        def plain(x):
            if isinstance(x, Truth):
                return x.view(np.ndarray)
            if isinstance(x, (list, tuple)):
                return type(x)(plain(y) for y in x)
            return x
        return func(*plain(args), **{k: plain(v) for k, v in kwargs.items()})


TRACER = {Truth.__getitem__.__code__, Truth.__array_ufunc__.__code__,
          Truth.__array_function__.__code__}


def traced(params, seeds) -> set[str]:
    """The functions that read the true effects in a run of `params` (one
    collaborative per seed, in one model)."""
    model = BSCModel([params] * len(seeds), list(seeds)) if len(seeds) > 1 else \
        BSCModel(params, rng=seeds[0])
    model.centers.effect = model.centers.effect.view(Truth)
    model.rooms.fit = model.rooms.fit.view(Truth)
    model._room_effect = None
    Truth.readers, Truth.writers = set(), set()
    model.run()
    for b, seed in enumerate(seeds):                    # the outputs read them too
        bscsim.results.Result(model if len(seeds) == 1 else model.view(b), seed).pdsa_log
    assert Truth.writers <= {"bscsim.model.pdsa.act"}, \
        f"only an adapted variant changes a true effect, got {Truth.writers}"
    return set(Truth.readers)


# the BSC with a coach as well: every rule that could read evidence runs
SMALL = dict(n_centers=4, weeks_collab=30, weeks_followup=6, coaching_hours_week=1.0,
             coach_weeks_per_practice=2)


def coach_reading_truth(model) -> None:
    """MUTANT: the coach of issue 22, who brings the practice with the best true
    effect in the classroom (an oracle), not the best research evidence."""
    real = model.idea_evidence
    model.idea_evidence = model.room_effect()[model.first_room]    # per center
    try:
        classrooms_coach(model)
    finally:
        model.idea_evidence = real


classrooms_coach = classrooms.coach


def test_only_outcome_rules_read_the_true_effects():
    readers = traced(bscsim.Params(**SMALL), [3])
    assert EXPECTED <= readers, f"the tracer sees the outcome rules, got {readers}"
    assert readers <= set(ALLOWED), \
        f"a rule that is not an outcome reads the true effects: {readers - set(ALLOWED)}"


def test_only_outcome_rules_read_the_true_effects_in_a_batch():
    readers = traced(bscsim.Params(**SMALL), [3, 4])
    assert EXPECTED <= readers and readers <= set(ALLOWED), \
        f"readers outside the outcome rules in a batch: {readers - set(ALLOWED)}"


def test_a_coach_who_reads_the_true_effects_is_caught(monkeypatch):
    monkeypatch.setattr(classrooms, "coach", coach_reading_truth)
    readers = traced(bscsim.Params(**SMALL), [3])
    assert not readers <= set(ALLOWED), "the oracle coach must be seen reading truth"
    assert f"{__name__}.coach_reading_truth" in readers, \
        f"the mutant coach is named among the readers, got {readers - set(ALLOWED)}"


@pytest.mark.parametrize("name", ["centers.effect", "rooms.fit"])
def test_the_tracer_sees_a_read_of_each_array(name):
    model = BSCModel(bscsim.Params(n_centers=2), rng=0)
    holder, attr = name.split(".")
    setattr(getattr(model, holder), attr, getattr(getattr(model, holder), attr).view(Truth))
    Truth.readers = set()
    _ = getattr(getattr(model, holder), attr)[0] + 1.0
    assert Truth.readers == {f"{__name__}.test_the_tracer_sees_a_read_of_each_array"}, \
        "a read in this function is recorded with its name"
