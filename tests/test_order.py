"""No order artefacts (issue 22): the index order of the ideas in the change package
(and so of its drivers, whose ideas are stored driver by driver) carries no meaning,
so storing the same package in another order must leave the distribution of every
summary output unchanged.

Two samples over seeds, the package as drawn and the package stored in reverse
(driver 5's ideas first; framework.permute_package, each idea keeps its kind,
driver, research evidence and true effects), are compared output by output with a
two-sided Mann-Whitney test, Holm-corrected over the outputs (family-wise 5%).
The mutant of issue 22, inquiry taking the first of equally believed ideas (idea 0,
a driver-1 idea as drawn, a driver-5 idea reversed) in place of one at random,
must fail the same check, and so must the faculty's driver focus before issue 22
(the index block of the session number).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

import bscsim
from bscsim.model import framework, pdsa, state
from bscsim.outputs import SUMMARY_NAMES

N_SEEDS = 100            # per sample: 200 runs of the default collaborative (no follow-up)
ALPHA = 0.05
# the default collaborative without its follow-up (cheaper; the order acts in the
# collaborative). Measured: the check passes with its smallest Holm-adjusted p 0.98
# (27 outputs); the first-of-equals mutant fails it through capacity_end (adjusted p
# 0.002), the driver-focus mutant through 8 outputs (capacity_end 1e-8)
PARAMS = dict(weeks_followup=0)


def reversed_package(p, is_hs, rng, research=None):
    """change_package, the ideas stored in reverse order."""
    package, effect = framework.change_package(p, is_hs, rng, research)
    return framework.permute_package(package, effect, np.arange(package.n_package)[::-1])


def order_differences(monkeypatch, params, n_seeds: int = N_SEEDS) -> dict[str, float]:
    """Holm-adjusted p-values, per summary output, of the difference between runs of
    the package as drawn (seeds 0..n-1) and stored in reverse (seeds n..2n-1)."""
    drawn = bscsim.simulate_many(params, range(n_seeds))
    with monkeypatch.context() as m:
        m.setattr(state, "change_package", reversed_package)
        stored = bscsim.simulate_many(params, range(n_seeds, 2 * n_seeds))
    p_values = {}
    for name in SUMMARY_NAMES:
        a, b = drawn[name].to_numpy(), stored[name].to_numpy()
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        if np.ptp(np.concatenate([a, b])) == 0:
            continue                            # the same constant in both: no difference
        p_values[name] = mannwhitneyu(a, b, alternative="two-sided").pvalue
    names = sorted(p_values, key=p_values.get)
    adjusted, running = {}, 0.0
    for k, name in enumerate(names):                 # Holm step-down
        running = max(running, min(1.0, (len(names) - k) * p_values[name]))
        adjusted[name] = running
    return adjusted


def first_of_equals(score, u):
    """MUTANT: the first of equal scores (index order), not one at random."""
    return score.argmax(axis=1)


def prescribed_by_session_focus(model):
    """MUTANT: the faculty's driver focus before issue 22: the ideas of the driver
    in focus first (index block (session - 1) mod 5, so the package's first driver
    first), then the next blocks, each by the faculty's score."""
    focus = max(model.counts_sessions - 1, 0) % 5
    k, n_pkg = model.p.n_ideas_per_driver, model.package.n_package
    within = np.argsort(np.argsort(-model.faculty_score, axis=2, kind="stable"), axis=2,
                        kind="stable")
    return np.argsort(((np.arange(n_pkg) // k - focus) % 5) * n_pkg + within, axis=2,
                      kind="stable")


def test_permute_package_keeps_every_idea_what_it_is():
    p = bscsim.Params()
    package, effect = framework.change_package(p, np.array([True, False]),
                                               np.random.default_rng(0))
    order = np.random.default_rng(1).permutation(package.n_package)
    moved, moved_effect = framework.permute_package(package, effect, order)
    j = 7
    assert moved.kind[j] == package.kind[order[j]]
    assert (moved.driver[:, j] == package.driver[:, order[j]]).all()
    assert moved.evidence[j] == package.evidence[order[j]]
    assert (moved_effect[:, j] == effect[:, order[j]]).all()
    assert moved.tie[j] == package.tie[order[j]], "each idea keeps its tie rank"


@pytest.mark.slow
def test_the_order_of_ideas_in_the_package_changes_no_output(monkeypatch):
    adjusted = order_differences(monkeypatch, bscsim.Params(**PARAMS))
    assert len(adjusted) >= 20, "most summary outputs vary between runs"
    differ = {k: round(v, 4) for k, v in adjusted.items() if v < ALPHA}
    assert not differ, f"outputs that depend on the index order of the ideas: {differ}"


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 22, open: an equivalent mutant at the "
                   "defaults since members taught the package start at the research "
                   "evidence (distinct beliefs: ties only among untaught members); the "
                   "order check needs a configuration with ties to catch it")
def test_an_index_order_tie_break_fails_the_order_check(monkeypatch):
    monkeypatch.setattr(pdsa, "pick_best", first_of_equals)
    adjusted = order_differences(monkeypatch, bscsim.Params(**PARAMS))
    differ = {k: round(v, 4) for k, v in adjusted.items() if v < ALPHA}
    assert differ, "the mutant (first of equals) must make some output depend on order"


@pytest.mark.slow
def test_a_driver_focus_by_index_block_fails_the_order_check(monkeypatch):
    monkeypatch.setattr(pdsa, "prescribed_order", prescribed_by_session_focus)
    adjusted = order_differences(monkeypatch, bscsim.Params(**PARAMS))
    differ = {k: round(v, 4) for k, v in adjusted.items() if v < ALPHA}
    assert differ, "the mutant (driver focus by index block) must make outputs depend on order"
