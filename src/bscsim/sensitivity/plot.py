"""Faces: figures of a sensitivity analysis, drawn from the tidy indices.

`sobol_bars`: S1 and ST per factor (or mechanism group) with their 95% intervals,
and the noise floor of ST (what replicate noise alone adds). `morris_plot`: mu*
against sigma with intervals; factors near the diagonal sigma = mu* act through
interactions or non-linearly, factors left of the noise line are not told apart
from noise. Each takes data and an optional `ax` and returns the Figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..labels import axis, param_words
from ..plotting import place_labels, readable, wrap
from .spec import DUMMY


def _label(output: str) -> str:
    return axis(output)


@readable
def sobol_bars(indices: pd.DataFrame, output: str, ax=None, title: str | None = None):
    """S1 and ST bars with 95% intervals for one output, factors sorted by ST."""
    import matplotlib.pyplot as plt
    df = indices[(indices["output"] == output) & indices["index"].isin(["S1", "ST"])]
    wide = df.pivot_table(index="factor", columns="index", values=["value", "conf"],
                          sort=False, dropna=False)     # NaN if the output did not vary
    wide = wide.sort_values(("value", "ST"), ascending=True)
    n = len(wide)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 1.6 + 0.45 * n), layout="constrained")
    fig = ax.figure
    y = np.arange(n)
    h = 0.38
    ax.barh(y + h / 2, wide[("value", "ST")], h, xerr=wide[("conf", "ST")],
            color="#c44e52", alpha=0.85, capsize=3, label="total order ST")
    ax.barh(y - h / 2, wide[("value", "S1")], h, xerr=wide[("conf", "S1")],
            color="#4c72b0", alpha=0.85, capsize=3, label="first order S1")
    floor = df.loc[df["index"] == "ST", "noise_floor"].max()
    if floor > 0:
        ax.axvline(floor, color="grey", ls="--", lw=1, label="noise floor of ST")
    labels = [f"{f} (noise)" if f == DUMMY else param_words(f) for f in wide.index]
    ax.set_yticks(y, labels)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("share of output variance (95% bootstrap interval)")
    kind = df["kind"].iloc[0] if len(df) else ""
    ax.set_title(wrap(title or f"Sobol indices of {_label(output)}"
                      + (" by mechanism group" if kind == "group" else ""), 70))
    fig.legend(loc="outside lower center", ncol=3, frameon=False)
    return fig


@readable
def morris_plot(indices: pd.DataFrame, output: str, ax=None, label_top: int = 10,
                title: str | None = None):
    """mu* against sigma with 95% intervals for one output; the top factors labelled."""
    import matplotlib.pyplot as plt
    df = indices[(indices["output"] == output) & indices["index"].isin(["mu_star", "sigma"])]
    wide = df.pivot_table(index="factor", columns="index", values=["value", "conf"],
                          sort=False, dropna=False  # NaN if the output did not vary
                          ).sort_values(("value", "mu_star"), ascending=False)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    fig = ax.figure
    mu, sd = wide[("value", "mu_star")], wide[("value", "sigma")]
    ax.errorbar(mu, sd, xerr=wide[("conf", "mu_star")], yerr=wide[("conf", "sigma")],
                fmt="o", ms=4, color="#4c72b0", ecolor="#9bb0d3", elinewidth=1, capsize=2)
    if DUMMY in wide.index:
        ax.plot(mu[DUMMY], sd[DUMMY], "s", color="grey", ms=7, label="dummy (noise)")
    floor = df.loc[df["index"] == "mu_star", "noise_floor"].max()
    if floor > 0:
        ax.axvline(floor, color="grey", ls="--", lw=1, label="noise floor of mu*")
    top = float(max(mu.max(), sd.max(), 1e-12))
    ax.plot([0, top], [0, top], color="black", lw=0.6, ls=":", label="sigma = mu*")
    ax.set_xlabel("mu* (mean |elementary effect|, output units per range step)")
    ax.set_ylabel("sigma (SD of elementary effects)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_title(wrap(title or f"Morris screening of {_label(output)}", 70))
    ax.legend(loc="upper left")
    ax.margins(0.15)
    if own:
        fig.canvas.draw()                # lay out, then fix: labels are placed on
        fig.set_layout_engine("none")    # screen and must stay put
    named = [n for n in wide.index[:label_top] if np.isfinite(mu[n]) and np.isfinite(sd[n])]
    place_labels(ax, [(mu[n], sd[n]) for n in named],
                 [n if n == DUMMY else param_words(n) for n in named])
    return fig
