"""Faces: figures of a calibration (marginals, pairs, generations, predictive checks).
Each takes data and returns a Figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..posterior import WEIGHT  # noqa: E402


def marginals(post: pd.DataFrame, priors) -> plt.Figure:
    """Weighted histogram of each fitted parameter over its prior range."""
    n = len(priors)
    cols = min(4, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, p in zip(axes.flat, priors):
        ax.hist(post[p.name], bins=25, range=(p.low, p.high), weights=post[WEIGHT],
                density=True, color="#4477aa", alpha=0.8)
        ax.axhline(1 / (p.high - p.low), color="grey", lw=1, ls="--", label="prior")
        ax.set_xlabel(p.name)
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals (dashed: uniform prior density)")
    fig.tight_layout()
    return fig


def pairs(post: pd.DataFrame, priors) -> plt.Figure:
    """Pairwise scatter of the particles (size by weight), histograms on the diagonal."""
    n = len(priors)
    fig, axes = plt.subplots(n, n, figsize=(1.6 * n + 1, 1.6 * n + 1), squeeze=False)
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
            ax.tick_params(labelsize=5)
            if i == n - 1:
                ax.set_xlabel(pj.name, fontsize=6)
            if j == 0 and i > 0:
                ax.set_ylabel(pi.name, fontsize=6)
    fig.tight_layout()
    return fig


def generations(gen: pd.DataFrame) -> plt.Figure:
    """Tolerance, acceptance and ESS per generation."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
    axes[0].plot(gen["t"], gen["epsilon"], "o-")
    axes[0].set_title("tolerance (distance)")
    axes[1].plot(gen["t"], gen["acceptance"], "o-")
    axes[1].set_yscale("log")
    axes[1].set_title("acceptance")
    axes[2].plot(gen["t"], gen["ess"], "o-")
    axes[2].set_title("effective sample size")
    for ax in axes:
        ax.set_xlabel("generation")
    fig.tight_layout()
    return fig


def predictive(ppc: pd.DataFrame, sims: pd.DataFrame) -> plt.Figure:
    """Posterior predictive draws of each target against its interval."""
    n = len(ppc)
    fig, axes = plt.subplots(1, n, figsize=(2.4 * n, 3), squeeze=False)
    for ax, r in zip(axes.flat, ppc.itertuples()):
        v = sims[r.statistic].to_numpy(float)
        ax.axhspan(r.low, r.high, color="#66aa55", alpha=0.3, label="target")
        ax.plot(np.random.default_rng(0).uniform(-0.2, 0.2, len(v)), v, ".", ms=3,
                color="#4477aa", alpha=0.5)
        ax.errorbar([0], [r.median], yerr=[[r.median - r.q05], [r.q95 - r.median]],
                    fmt="o", color="black", capsize=4)
        ax.set_xticks([])
        ax.set_title(f"{r.target}\n{r.share_inside:.0%} inside", fontsize=8)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior predictive checks (black: median and 90% of draws)")
    fig.tight_layout()
    return fig
