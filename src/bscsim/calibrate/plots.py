"""Faces: figures of a calibration (marginals, pairs, generations, predictive checks).
Each takes data and returns a Figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..labels import axis, param_words  # noqa: E402
from ..plotting import REPORT_WIDTH_IN, readable, wrap  # noqa: E402
from ..posterior import WEIGHT  # noqa: E402


@readable
def marginals(post: pd.DataFrame, priors) -> plt.Figure:
    """Weighted histogram of each fitted parameter over its prior range."""
    n = len(priors)
    cols = min(4, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(min(3.2 * cols, REPORT_WIDTH_IN),
                                                  2.8 * rows + 0.5),
                             squeeze=False, layout="constrained")
    for ax, p in zip(axes.flat, priors):
        ax.hist(post[p.name], bins=25, range=(p.low, p.high), weights=post[WEIGHT],
                density=True, color="#4477aa", alpha=0.8)
        ax.axhline(1 / (p.high - p.low), color="grey", lw=1, ls="--", label="prior")
        ax.set_xlabel(wrap(axis(p.name), 30))
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend()
    fig.suptitle("Posterior marginals (dashed: uniform prior density)")
    return fig


@readable
def pairs(post: pd.DataFrame, priors) -> plt.Figure:
    """Pairwise scatter of the particles (size by weight), histograms on the diagonal."""
    n = len(priors)
    side = min(2.0 * n + 1, REPORT_WIDTH_IN)
    fig, axes = plt.subplots(n, n, figsize=(side, side), squeeze=False,
                             layout="constrained")
    w = post[WEIGHT].to_numpy()
    size = 40 * w / w.max()
    for i, pi in enumerate(priors):
        for j, pj in enumerate(priors):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                ax.hist(post[pi.name], bins=20, range=(pi.low, pi.high), weights=w,
                        color="#4477aa")
                ax.set_yticks([])
            else:
                ax.scatter(post[pj.name], post[pi.name], s=size, alpha=0.3, lw=0,
                           color="#4477aa")
                ax.set_xlim(pj.low, pj.high)
                ax.set_ylim(pi.low, pi.high)
            ax.xaxis.set_major_locator(plt.MaxNLocator(3))
            ax.yaxis.set_major_locator(plt.MaxNLocator(3))
            if i == n - 1:
                ax.set_xlabel(wrap(param_words(pj.name), 16))
            if j == 0 and i > 0:
                ax.set_ylabel(wrap(param_words(pi.name), 16))
    return fig


@readable
def generations(gen: pd.DataFrame) -> plt.Figure:
    """Tolerance, acceptance and ESS per generation."""
    fig, axes = plt.subplots(1, 3, figsize=(REPORT_WIDTH_IN, 3.2), layout="constrained")
    axes[0].plot(gen["t"], gen["epsilon"], "o-")
    axes[0].set_title("tolerance (distance)")
    axes[1].plot(gen["t"], gen["acceptance"], "o-")
    axes[1].set_yscale("log")
    axes[1].set_title("acceptance")
    axes[2].plot(gen["t"], gen["ess"], "o-")
    axes[2].set_title("effective sample size")
    for ax in axes:
        ax.set_xlabel("generation")
    return fig


@readable
def predictive(ppc: pd.DataFrame, sims: pd.DataFrame) -> plt.Figure:
    """Posterior predictive draws of each target against its interval."""
    n = len(ppc)
    ncol = min(n, 4)
    nrow = -(-n // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(min(2.6 * ncol, REPORT_WIDTH_IN),
                                                  3.4 * nrow + 0.5),
                             squeeze=False, layout="constrained")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    for ax, r in zip(axes.flat, ppc.itertuples()):
        v = sims[r.statistic].to_numpy(float)
        ax.axhspan(r.low, r.high, color="#66aa55", alpha=0.3, label="target")
        ax.plot(np.random.default_rng(0).uniform(-0.2, 0.2, len(v)), v, ".", ms=3,
                color="#4477aa", alpha=0.5)
        ax.errorbar([0], [r.median], yerr=[[r.median - r.q05], [r.q95 - r.median]],
                    fmt="o", color="black", capsize=4)
        ax.set_xticks([])
        ax.set_title(f"{wrap(str(r.target).replace('_', ' '), 20)}\n"
                     f"{r.share_inside:.0%} inside")
    axes.flat[0].legend()
    fig.suptitle(wrap("Posterior predictive checks (black: median and 90% of draws)", 60))
    return fig
