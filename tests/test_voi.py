"""The value-of-information estimators (bscsim.value.voi) against decision models
with closed-form answers, and mutants of the estimator that the checks catch.

The analytic model: two options, the reference's net benefit 0 and the other's
NB = a + b with a ~ Normal(MU, SA), b ~ Normal(0, SB) independent (effects and
costs: effect = NB, cost 0, wtp 1). Then EVPI = E[max(0, a + b)] - max(0, MU)
and EVPPI(a) = E[max(0, a)] - max(0, MU) (E(NB | a) = a), both in closed form
(`evpi_normal`); EVPPI of an input the net benefit ignores is 0.

Tolerances: with N draws the Monte Carlo SD of each estimate is below
0.6 / sqrt(N) here (SD of max(0, X) <= SD of X <= 1); the tolerance is 0.02 at
N = 4,000 (over 2 Monte Carlo SDs: 0.0095), while the mutants miss by over 0.08.
"""

from __future__ import annotations

import numpy as np
import pytest

from bscsim.value import voi

MU, SA, SB = 0.1, 0.6, 0.8
N = 4000
TOL = 0.02


def _model(seed=1, n=N):
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(MU, SA, n), rng.normal(0, SB, n), rng.normal(0, 1, n)
    effects = np.column_stack([np.zeros(n), a + b])
    return effects, np.zeros((n, 2)), a, b, c


def test_evpi_matches_the_closed_form():
    effects, costs, *_ = _model(n=200_000)
    exact = voi.evpi_normal(MU, np.hypot(SA, SB))
    got = voi.evpi(voi.net_benefit(effects, costs, 1.0))
    assert abs(got - exact) < 0.005, f"EVPI {got:.4f} should be {exact:.4f} +- 0.005"


def test_evppi_of_one_input_matches_the_closed_form():
    effects, costs, a, _, _ = _model()
    exact = voi.evpi_normal(MU, SA)
    got = voi.evppi(effects, costs, a, [1.0], n_se=20)
    assert abs(got.value[0] - exact) < TOL, (
        f"EVPPI(a) {got.value[0]:.4f} should be {exact:.4f} +- {TOL}")


def test_evppi_of_an_ignored_input_is_about_zero():
    effects, costs, _, _, c = _model()
    got = voi.evppi(effects, costs, c, [1.0], n_se=20)
    assert got.value[0] < TOL, f"EVPPI of an ignored input {got.value[0]:.4f} should be ~0"


def test_evppi_of_a_group_matches_the_closed_form():
    effects, costs, a, b, c = _model()
    exact = voi.evpi_normal(MU, np.hypot(SA, SB))     # (a, b) decides everything
    got = voi.evppi(effects, costs, np.column_stack([a, b, c]), [1.0], n_se=20)
    assert got.fits[0]["method"] == "pls", "a group of three goes through the reduction"
    assert abs(got.value[0] - exact) < TOL, (
        f"EVPPI(a, b, c) {got.value[0]:.4f} should be EVPI {exact:.4f} +- {TOL}")
    assert got.min_r2 > 0.95, "the group decides NB: the fit should explain it all"


def test_evppi_of_a_group_sees_a_u_shaped_effect():
    """NB = 1 - 4 a^2 + small noise, a symmetric in a group of three: a linear
    projection alone would see nothing; the squares in the reduction see it."""
    rng = np.random.default_rng(5)
    a, c1, c2 = rng.normal(0, 0.5, (3, N))
    inb = 0.5 - 2 * a**2 + rng.normal(0, 0.3, N)
    effects = np.column_stack([np.zeros(N), inb])
    exact = voi.evppi(effects, np.zeros((N, 2)), a, [1.0], n_se=2).value[0]
    got = voi.evppi(effects, np.zeros((N, 2)), np.column_stack([c1, a, c2]), [1.0],
                    n_se=2).value[0]
    assert exact > 0.1 and abs(got - exact) < TOL, (
        f"group EVPPI {got:.4f} should match the one-input EVPPI {exact:.4f}")


def test_evppi_scales_with_wtp_as_net_benefit_does():
    effects, costs, a, _, _ = _model()
    got = voi.evppi(effects, costs, a, [1.0, 2.0], n_se=20)
    assert abs(got.value[1] - 2 * got.value[0]) < 1e-6, (
        "with costs 0, EVPPI at wtp 2 is twice that at wtp 1")


@pytest.mark.parametrize("mutant", ["raw", "unconditional"])
def test_a_mutant_that_ignores_the_conditioning_is_caught(monkeypatch, mutant):
    """The estimator with the regression replaced by the raw incremental net
    benefit (EVPPI becomes EVPI) or by its unconditional mean (EVPPI becomes 0)
    fails the closed-form check."""
    effects, costs, a, _, _ = _model()
    exact = voi.evpi_normal(MU, SA)
    real = voi.regress

    def wrong(y, x, *args, **kwargs):
        fit = real(y, x, *args, **kwargs)
        fit.fitted = np.asarray(y, float).copy() if mutant == "raw" else \
            np.full(len(y), np.mean(y))
        return fit

    monkeypatch.setattr(voi, "regress", wrong)
    got = voi.evppi(effects, costs, a, [1.0], n_se=2).value[0]
    assert abs(got - exact) > 4 * TOL, (
        f"the {mutant} mutant ({got:.4f}) should miss the closed form {exact:.4f}")


def test_evppi_standard_error_is_positive_and_small():
    effects, costs, a, _, _ = _model()
    got = voi.evppi(effects, costs, a, [1.0], n_se=100)
    assert 0 < got.se[0] < 0.02, f"SE {got.se[0]:.4f} should be positive and small"


# --------------------------------------------------------------------- EVSI
# Normal-normal conjugate: INB = theta ~ Normal(M0, S0); a study of m observations
# x_i ~ Normal(theta, SIGMA) reports its mean. The preposterior mean of theta is
# Normal(M0, s_m) with s_m^2 = S0^2 * m S0^2 / (SIGMA^2 + m S0^2), so
# EVSI(m) = evpi_normal(M0, s_m), and EVPPI(theta) = evpi_normal(M0, S0).
M0, S0, SIGMA = 0.1, 0.5, 2.0


def _evsi_exact(m):
    return voi.evpi_normal(M0, S0 * np.sqrt(m * S0**2 / (SIGMA**2 + m * S0**2)))


def _evsi(m, n=N, seed=3):
    rng = np.random.default_rng(seed)
    theta = rng.normal(M0, S0, n)
    xbar = theta + rng.normal(0, SIGMA / np.sqrt(m), n)
    effects = np.column_stack([np.zeros(n), theta])
    return voi.evsi(effects, np.zeros((n, 2)), xbar, [1.0], n_se=20).value[0], theta


@pytest.mark.parametrize("m", [2, 20, 200])
def test_evsi_matches_the_normal_normal_closed_form(m):
    got, _ = _evsi(m)
    assert abs(got - _evsi_exact(m)) < TOL, (
        f"EVSI({m}) {got:.4f} should be {_evsi_exact(m):.4f} +- {TOL}")


def test_evsi_grows_with_sample_size_and_stays_below_evppi():
    values = [_evsi(m)[0] for m in (2, 20, 200)]
    _, theta = _evsi(2)
    effects = np.column_stack([np.zeros(N), theta])
    ppi = voi.evppi(effects, np.zeros((N, 2)), theta, [1.0], n_se=2).value[0]
    assert 0 <= values[0] < values[1] < values[2] <= ppi + TOL, (
        f"EVSI {values} should rise with m and stay within [0, EVPPI {ppi:.4f}]")


def test_ceac_sums_to_one_and_marks_one_best_option():
    effects, costs, *_ = _model(n=500)
    table = voi.ceac(effects, costs + np.array([0.0, 0.05]), [0.5, 1.0, 2.0], ["a", "b"])
    sums = table.groupby("wtp")["p_best"].sum().to_numpy()
    assert np.allclose(sums, 1.0), "probabilities of being best sum to 1 at every wtp"
    assert (table.groupby("wtp")["best_expected"].sum() == 1).all(), (
        "exactly one option has the highest expected net benefit at each wtp")
