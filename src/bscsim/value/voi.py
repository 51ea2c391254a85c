"""Analyses: value of information, from simulation output alone (pure functions).

A decision chooses one of k options; each of n draws of the uncertain parameters
gives every option an effect e (outcome units) and a cost c (USD). At a
willingness to pay `wtp` per unit of outcome, an option's net benefit is
`wtp x e - c` (monetary net benefit; Stinnett & Mullahy 1998). From the n x k
tables of effects and costs this module computes, as the R packages `voi`
(Jackson, Heath et al.) and `BCEA` do:

- `prob_best` and `ceac`: the share of draws in which each option has the highest
  net benefit, over willingness to pay (the cost-effectiveness acceptability curve).
- `evpi`: the expected value of perfect information,
  E[max_j NB_j] - max_j E[NB_j].
- `evppi`: the expected value of partial perfect information about some inputs
  phi, E_phi[max_j E(NB_j | phi)] - max_j E[NB_j], by nonparametric regression of
  the incremental net benefits on phi (Strong, Oakley & Brennan 2014, Med Decis
  Making 34:311): the fitted values estimate E(NB_j - NB_1 | phi) for every draw.
- `evsi`: the expected value of sample information of a study whose data
  summary T is simulated for every draw, by the same regression on T
  (Strong, Oakley, Brennan & Breeze 2015, Med Decis Making 35:570).

Regression methods (`regress`), after `voi::evppi`:
- "gam" (one or two inputs): a penalised regression spline, pygam's LinearGAM,
  `s(x)` for one input and the tensor product `te(x1, x2)` for two (voi's default
  formula), the smoothing parameter chosen by generalised cross-validation.
- "pls" (groups of three or more inputs): the inputs are first reduced to two
  indices, the first two partial-least-squares components of y on the
  standardized inputs and their squares (so that a symmetric, U-shaped effect is
  not missed), then smoothed by the same `te` GAM. This follows voi's INLA
  method, which also reduces a group to two projections before a 2-D smoother
  (Heath, Manolopoulou & Baio 2016, Stat Med 35:4264, there by projection
  pursuit). Why not a Gaussian process on the whole group (voi's "gp"): with 20
  inputs and 2,000 draws one fit took 40 s of CPU here, and a decision needs about
  40 fits; the reduction takes about a second. Its cost: E(y | two indices) is a
  coarsening of E(y | group), so the estimate leans low when the net benefit
  depends on the group through more than two directions; the fit check's R^2
  beside the group's and its parameters' single EVPPIs show when that matters.

Willingness to pay enters linearly: both regressions are linear smoothers of y
once their smoothing parameters are chosen, so E(wtp e - c | phi) is estimated by
wtp x fitted(e) - fitted(c), effects and costs each fitted once for every wtp.

Standard errors (as voi's `se = TRUE`): the fitted values are drawn `n_se` times
from the regression's approximate posterior (the GAM's coefficients from their
Bayesian covariance, as mgcv's and so voi's; the PLS reduction held fixed), the
EVPPI is computed for each, and their SD is the standard error of the regression
part. The fit check of each regression: R^2 and the largest standardized mean
residual over deciles of the fitted values (|z| > 3 says the fit misses a trend).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

N_SE = 200          # draws of the fitted values for a standard error


# ------------------------------------------------------------ net benefit and CEAC
def net_benefit(effects, costs, wtp: float) -> np.ndarray:
    """n x k net benefits wtp x effect - cost."""
    return float(wtp) * np.asarray(effects, float) - np.asarray(costs, float)


def prob_best(nb) -> np.ndarray:
    """Share of draws in which each option has the highest net benefit (ties go to
    the first option)."""
    nb = np.asarray(nb, float)
    return np.bincount(np.argmax(nb, axis=1), minlength=nb.shape[1]) / len(nb)


def ceac(effects, costs, wtps, options=None) -> pd.DataFrame:
    """The cost-effectiveness acceptability curve: one row per (wtp, option) with
    `p_best`, and `best_expected` marking the option of highest expected net
    benefit at that wtp (the frontier)."""
    effects, costs = np.asarray(effects, float), np.asarray(costs, float)
    options = list(options) if options is not None else list(range(effects.shape[1]))
    rows = []
    for w in wtps:
        nb = net_benefit(effects, costs, w)
        p = prob_best(nb)
        best = int(np.argmax(nb.mean(axis=0)))
        rows += [{"wtp": float(w), "option": o, "p_best": float(p[j]),
                  "expected_nb": float(nb[:, j].mean()), "best_expected": j == best}
                 for j, o in enumerate(options)]
    return pd.DataFrame(rows)


def evpi(nb) -> float:
    """E[max_j NB_j] - max_j E[NB_j] over the draws (>= 0)."""
    nb = np.asarray(nb, float)
    return float(nb.max(axis=1).mean() - nb.mean(axis=0).max())


def evpi_normal(mean: float, sd: float) -> float:
    """EVPI of two options whose incremental net benefit is Normal(mean, sd):
    E[max(0, X)] - max(0, mean), in closed form (for tests and checks)."""
    if sd <= 0:
        return 0.0
    z = mean / sd
    return float(sd * norm.pdf(z) + mean * norm.cdf(z) - max(0.0, mean))


def value_of_fitted(fitted) -> float:
    """EVPPI from the fitted incremental net benefits (n x k, the first column
    the reference, 0): E[max_j fitted_j] - max_j E[fitted_j]."""
    fitted = np.asarray(fitted, float)
    return float(fitted.max(axis=1).mean() - fitted.mean(axis=0).max())


# ----------------------------------------------------------------- regressions
@dataclass
class Fit:
    """One regression of y on the inputs: fitted values at every draw, `n_se`
    draws of them from the fit's approximate posterior, and its fit check."""

    fitted: np.ndarray
    draws: np.ndarray          # n_se x n
    method: str
    r2: float
    resid_z: float             # largest |standardized mean residual| over deciles


def regress(y, x, method: str = "auto", n_se: int = N_SE, seed: int = 0) -> Fit:
    """E(y | x) at every draw. `x`: n x d inputs. `method`: "gam" (d <= 2), "pls",
    or "auto" (gam for d <= 2, else pls). A constant y (e.g. costs no input moves)
    gives its mean exactly."""
    y = np.asarray(y, float)
    x = np.asarray(x, float).reshape(len(y), -1)
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):          # small matrices: threads only contend
        return _regress(y, x, method, n_se, np.random.default_rng(seed))


def _regress(y, x, method, n_se, rng) -> Fit:
    if method == "auto":
        method = "gam" if x.shape[1] <= 2 else "pls"
    if np.ptp(y) <= 1e-12 * max(1.0, abs(y.mean())) or np.all(np.ptp(x, axis=0) == 0):
        fitted = np.full_like(y, y.mean())
        return Fit(fitted, np.tile(fitted, (n_se, 1)), "constant", 0.0, 0.0)
    if method == "gam" and x.shape[1] <= 2:
        fitted, draws = _gam(y, x, n_se, rng)
    elif method == "pls":
        fitted, draws = _gam(y, reduce_inputs(y, x), n_se, rng)
    else:
        raise ValueError(f"method {method!r} with {x.shape[1]} inputs: expected gam "
                         "(one or two inputs), pls or auto")
    return Fit(fitted, draws, method, *fit_check(y, fitted))


def fit_check(y, fitted) -> tuple[float, float]:
    """(R^2, largest |z| of the mean residual over deciles of the fitted values)."""
    resid = y - fitted
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((resid ** 2).sum()) / sst if sst > 0 else 0.0
    order = np.argsort(fitted, kind="stable")
    sd = resid.std()
    z = 0.0
    if sd > 0:
        for part in np.array_split(order, 10):
            if len(part) > 1:
                z = max(z, abs(resid[part].mean()) / (sd / np.sqrt(len(part))))
    return r2, float(z)


def _scale(x: np.ndarray) -> np.ndarray:
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _gam(y, x, n_se, rng):
    from pygam import LinearGAM, s, te
    terms = s(0, n_splines=12) if x.shape[1] == 1 else te(0, 1, n_splines=[6, 6])
    lams = np.logspace(-3, 5, 7)
    grid = lams if x.shape[1] == 1 else np.column_stack([lams, lams])
    gam = LinearGAM(terms).gridsearch(x, y, lam=grid, progress=False)
    basis = gam._modelmat(x)
    fitted = np.asarray(basis @ gam.coef_).ravel()
    cov = gam.statistics_["cov"]
    coefs = rng.multivariate_normal(gam.coef_, (cov + cov.T) / 2, size=n_se,
                                    method="eigh", check_valid="ignore")
    draws = np.asarray((basis @ coefs.T).T)
    return fitted, draws


def reduce_inputs(y, x) -> np.ndarray:
    """n x 2: the first two PLS components of y on the standardized inputs and
    their squares (voi's INLA method reduces a group to two projections too)."""
    from sklearn.cross_decomposition import PLSRegression
    xs = _scale(x)
    z = np.column_stack([xs, _scale(xs ** 2)])
    return PLSRegression(2, scale=False).fit(z, y).transform(z)


# ------------------------------------------------------------------ EVPPI, EVSI
@dataclass
class Value:
    """An EVPPI (or EVSI) over willingness to pay: the estimate and its standard
    error per wtp, and the fit check of every regression behind it."""

    wtp: np.ndarray
    value: np.ndarray
    se: np.ndarray
    fits: list[dict] = field(default_factory=list)   # option, quantity, method, r2, resid_z

    @property
    def min_r2(self) -> float:
        r2 = [f["r2"] for f in self.fits if f["method"] != "constant"]
        return min(r2) if r2 else float("nan")

    @property
    def max_resid_z(self) -> float:
        return max((f["resid_z"] for f in self.fits), default=0.0)


def evppi(effects, costs, x, wtps, method: str = "auto", n_se: int = N_SE,
          seed: int = 0) -> Value:
    """EVPPI of inputs `x` (n x d) at each wtp, by regression of the incremental
    effects and costs (option j minus option 0) on `x`; its SE from the fits'
    posterior draws."""
    effects, costs = np.asarray(effects, float), np.asarray(costs, float)
    n, k = effects.shape
    fe, fc, fits = [], [], []
    for j in range(1, k):
        for what, y, store in (("effect", effects[:, j] - effects[:, 0], fe),
                               ("cost", costs[:, j] - costs[:, 0], fc)):
            f = regress(y, x, method, n_se, seed + 7919 * j + (what == "cost"))
            store.append(f)
            fits.append({"option": j, "quantity": what, "method": f.method,
                         "r2": f.r2, "resid_z": f.resid_z})
    wtps = np.atleast_1d(np.asarray(wtps, float))
    values, ses = [], []
    for w in wtps:
        fitted = np.zeros((n, k))
        drawn = np.zeros((n_se, n, k))
        for j in range(1, k):
            fitted[:, j] = w * fe[j - 1].fitted - fc[j - 1].fitted
            drawn[:, :, j] = w * fe[j - 1].draws - fc[j - 1].draws
        values.append(value_of_fitted(fitted))
        ses.append(float(np.std([value_of_fitted(d) for d in drawn], ddof=1))
                   if n_se > 1 else float("nan"))
    return Value(wtps, np.array(values), np.array(ses), fits)


def evsi(effects, costs, summary, wtps, method: str = "gam", n_se: int = N_SE,
         seed: int = 0) -> Value:
    """EVSI of a study whose data summary (n x d, d <= 2 for a GAM) was simulated
    at every draw: the same regression as `evppi`, on the summary instead of the
    parameters (Strong et al. 2015)."""
    return evppi(effects, costs, summary, wtps, method, n_se, seed)
