"""Value of learning (issue 22): each mechanism is worth more where more of the
change package's ideas do not work (mechanisms.VALUE_OF_LEARNING, VL1-VL4), and a
deliberately wrong rule (a mutant) for each makes its check fail.

A check passes when the 95% interval of its paired difference lies above 0 (the
project's bar for margin, (CI low)/SE >= 3, is met at the seeds of `bscsim
check-mechanisms`; docs/odd.md, section 8, issue 22, gives the margins). The tests
run fewer seeds: enough for a pass to be far from luck and for a mutant to fail.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

import bscsim.model.collaborative as collaborative
import bscsim.model.pdsa as pdsa
import bscsim.model.teams as teams
from bscsim.config import default_config_path, load_config
from bscsim.mechanisms import BY_KEY, GENERAL, HERE, NULL, VALUE_OF_LEARNING, Runs
from bscsim.patterns import interval

SEEDS = 40          # a pass: the interval clear of 0
MUTANT_SEEDS = 30   # a mutant: the check fails


def verdict(key: str, seeds: int) -> tuple[float, float, float]:
    """(mean, CI low, CI high) of check `key` on the default config."""
    runs = Runs(load_config(default_config_path()), seeds)
    return interval(BY_KEY[key].value(runs))


# ---- mutants: each breaks the rule through which one mechanism pays -------------

@contextlib.contextmanager
def failures_never_admitted():
    """Safety's rule broken: a failed test is never admitted, whatever the safety
    (teams.p_share gives failures chance 0)."""
    original = teams.p_share
    teams.p_share = lambda p, safety, success: np.where(success, p.p_share_success, 0.0)
    try:
        yield
    finally:
        teams.p_share = original


@contextlib.contextmanager
def board_failures_dropped():
    """Vicarious learning's rule broken: reports of failed tests never reach the
    collaborative's board (only successes are pooled)."""
    original = collaborative.Board.extend

    def extend(self, center, idea, y, tau, role):
        keep = np.asarray(y) > 0
        original(self, np.asarray(center)[keep], np.asarray(idea)[keep],
                 np.asarray(y)[keep], np.asarray(tau)[keep], np.asarray(role)[keep])
    collaborative.Board.extend = extend
    try:
        yield
    finally:
        collaborative.Board.extend = original


@contextlib.contextmanager
def inquiry_ignores_own_data():
    """Inquiry's rule broken: one's own data (tests and practices in use) move no
    belief, whatever the inquiry mindset."""
    originals = pdsa.add_own_data, teams.add_own_data
    pdsa.add_own_data = teams.add_own_data = lambda staff, posts, ideas, y, tau_y: None
    try:
        yield
    finally:
        pdsa.add_own_data, teams.add_own_data = originals


@contextlib.contextmanager
def board_reports_without_results():
    """Vicarious learning's input ignored: a report on the collaborative's board
    carries the package's promise (`prior_mean`), not the result of the test."""
    original = collaborative.Board.extend

    def extend(self, center, idea, y, tau, role):
        original(self, center, idea, np.full(len(y), 0.1), tau, role)
    collaborative.Board.extend = extend
    try:
        yield
    finally:
        collaborative.Board.extend = original


@contextlib.contextmanager
def evidence_not_acted_on():
    """Study and Act's input ignored: every tested idea is adopted and no practice
    is ever dropped, whatever the evidence says."""
    decide, review = pdsa.decide, teams.review
    pdsa.decide = lambda p, belief, comply: np.full(len(belief), pdsa.ADOPT)
    teams.review = lambda model, members: None
    try:
        yield
    finally:
        pdsa.decide, teams.review = decide, review


MUTANTS = {"VL1": failures_never_admitted, "VL2": board_reports_without_results,
           "VL3": inquiry_ignores_own_data, "VL4": evidence_not_acted_on,
           "VL5": failures_never_admitted}
KEYS = list(MUTANTS)


# ---- tests ----------------------------------------------------------------------

def test_value_of_learning_checks_are_in_the_table():
    keys = [c.key for c in VALUE_OF_LEARNING]
    assert keys == KEYS, "the value-of-learning checks should be in mechanisms.CHECKS, in order"
    assert all(k in BY_KEY for k in keys), "check-mechanisms should run every VL check"


def test_contrast_raises_only_the_share_of_ideas_that_do_not_work():
    low, high = NULL
    assert 0 <= low < high <= 1, "the high arm should have more ideas that do not work"
    assert "share_ideas_null" not in GENERAL and "share_ideas_null" not in HERE, \
        "the package of both arms should differ only in the share of ideas that do not work"


@pytest.mark.slow
@pytest.mark.parametrize("key", KEYS)
def test_value_of_learning_check_passes(key):
    mean, low, high = verdict(key, SEEDS)
    assert low > 0, (f"{key}: the mechanism should be worth more with 70% than with 10% "
                     f"of ideas not working; got {mean:+.3f} ({low:+.3f}, {high:+.3f})")


@pytest.mark.slow
@pytest.mark.parametrize("key", KEYS)
def test_value_of_learning_check_fails_on_its_mutant(key):
    with MUTANTS[key]():
        mean, low, high = verdict(key, MUTANT_SEEDS)
    assert low <= 0, (f"{key} should fail when {MUTANTS[key].__name__}; it passed with "
                      f"{mean:+.3f} ({low:+.3f}, {high:+.3f})")
