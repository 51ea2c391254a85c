"""Faces: the power curves of a simulated study. Functions take data (and
optionally axes) and return a matplotlib Figure; none calls `plt.show()`."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["text.parse_math"] = False   # labels are text: "$" is a dollar
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..plotting import REPORT_WIDTH_IN, readable, wrap  # noqa: E402

LABELS = {"participating": "practice change, participating classrooms",
          "comparison": "spread: practice change, other classrooms",
          "participating_minus_comparison": "participating minus other classrooms",
          "participants": "participants", "non_participants": "non-participants"}


def target_label(instrument: str, group: str) -> str:
    if group in ("participating", "comparison", "participating_minus_comparison"):
        return f"{instrument}: {LABELS[group]}"
    return f"{instrument} survey, {LABELS.get(group, group)}"


@readable
def power_curves(table: pd.DataFrame, targets: list[tuple[str, str, str]],
                 target: float = 0.8, alpha: float = 0.05, axes=None,
                 title: str | None = None) -> plt.Figure:
    """Power against the number of centers, one panel per target (instrument,
    group, estimator) in a grid of at most three columns, one line per reliability,
    with Monte Carlo 95% bands; the legend sits below the panels."""
    if axes is None:
        ncol = min(3, len(targets))
        nrow = -(-len(targets) // ncol)
        fig, grid = plt.subplots(nrow, ncol, figsize=(min(3.6 * ncol, REPORT_WIDTH_IN),
                                                  3.4 * nrow + 1.2),
                                 sharey=True, squeeze=False, layout="constrained")
        for ax in grid.ravel()[len(targets):]:
            ax.set_visible(False)
        axes = list(grid.ravel()[:len(targets)])
        first_column = list(grid[:, 0])
    else:
        first_column = [axes[0]]
    fig = axes[0].figure
    rels = sorted(table["reliability"].unique())
    colors = plt.cm.viridis(np.linspace(0.15, 0.85, len(rels)))
    for ax, (inst, group, estimator) in zip(axes, targets):
        t = table[(table["instrument"] == inst) & (table["group"] == group)
                  & (table["estimator"] == estimator)]
        for rel, color in zip(rels, colors):
            r = t[t["reliability"] == rel].sort_values("design_centers")
            x, y, se = r["design_centers"], r["power"], r["power_se"]
            ax.plot(x, y, "o-", color=color, ms=3.5,
                    label=f"reliability of the measure {rel:g}")
            ax.fill_between(x, np.clip(y - 1.96 * se, 0, 1), np.clip(y + 1.96 * se, 0, 1),
                            color=color, alpha=0.12, lw=0)
        ax.axhline(target, color="0.3", ls="--", lw=1, label=f"target power {target:g}")
        ax.axhline(alpha, color="0.6", ls=":", lw=1,
                   label=f"chance of a false alarm ({alpha:g})")
        ax.set_title(wrap(target_label(inst, group), 34))
        ax.set_xlabel("centers in the study")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    for ax in first_column:
        ax.set_ylabel(f"power (two-sided test at {alpha:g})")
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncol=min(len(texts), 3),
               frameon=False)
    if title:
        fig.suptitle(wrap(title, 90))
    return fig
