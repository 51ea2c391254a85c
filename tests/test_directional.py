"""Directional tests: raise X and Y moves the way the theory says, on average over
10 seeds. Runs are paired by seed (common random numbers)."""

import numpy as np
import pytest

import bscsim

SEEDS = range(10)
BASE = bscsim.load_config()


def mean_of(params, output, seeds=SEEDS):
    """The mean of `output` over `seeds`, on the ensemble engine (each run exactly
    `simulate(params, seed)`'s numbers; tests/test_ensemble.py keeps that so)."""
    return float(np.mean(bscsim.simulate_many(params, seeds=list(seeds))[output]))


@pytest.fixture(scope="module")
def base_gain():
    return mean_of(BASE, "practice_gain_sd")


@pytest.mark.parametrize("switch", ["psych_safety_on", "vicarious_on", "inquiry_on"])
def test_switching_off_a_mechanism_lowers_practice_gain(switch, base_gain):
    off = mean_of(BASE.replace(**{switch: False}), "practice_gain_sd")
    assert off < base_gain, f"{switch}=false should lower practice_gain_sd ({off:.3f} vs {base_gain:.3f})"


def test_higher_turnover_lowers_practice_gain(base_gain):
    high = mean_of(BASE.replace(turnover_cc=0.6, turnover_hs=0.35), "practice_gain_sd")
    assert high < base_gain, f"higher turnover should lower the gain ({high:.3f} vs {base_gain:.3f})"


def test_more_planning_time_raises_pdsas():
    low = mean_of(BASE, "pdsa_completed_per_team")
    high = mean_of(BASE.replace(planning_hours=3.5), "pdsa_completed_per_team")
    assert high > low, f"more planning time should mean more PDSAs ({high:.2f} vs {low:.2f})"


def test_no_collaborative_means_no_gain():
    bau = BASE.replace(teams_on=False, pdsa_support=False, n_learning_sessions=0,
                       call_interval_weeks=0, affinity_calls=False)
    gain = mean_of(bau, "practice_gain_sd")
    assert abs(gain) < 0.1, f"business as usual should change practice little, got {gain:.3f}"
    assert mean_of(bau, "pdsa_completed_per_team") == 0
