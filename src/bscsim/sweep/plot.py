"""Faces: the heat map of one output over a two-parameter grid sweep."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["text.parse_math"] = False   # labels are text: "$" is a dollar
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..outputs import label  # noqa: E402


def grid_means(df: pd.DataFrame, x: str, y: str, output: str) -> pd.DataFrame:
    """Mean and SD of `output` over replicates, one row per (y, x) cell (ok runs)."""
    ok = df[df["status"] == "ok"]
    return (ok.groupby([y, x])[output].agg(["mean", "std", "count"])
            .reset_index())


def heatmap(df: pd.DataFrame, x: str, y: str, output: str, ax=None,
            title: str | None = None):
    """Cells coloured by the replicate mean of `output`, annotated with it; `df` is
    a `load_sweep` table of a grid over `x` and `y`. Returns the Figure."""
    cells = grid_means(df, x, y, output)
    table = cells.pivot(index=y, columns=x, values="mean").sort_index(ascending=False)
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.1 * table.shape[1] + 2.5,
                                        0.8 * table.shape[0] + 1.8))
    else:
        fig = ax.figure
    im = ax.imshow(table.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(y.replace("_", " "))
    values = table.to_numpy()
    mid = np.nanmean(values)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="black" if v > mid else "white")
    fig.colorbar(im, ax=ax, label=label(output))
    n = int(cells["count"].max()) if len(cells) else 0
    ax.set_title(title or f"{output}: mean of {n} replicate(s) per cell", fontsize=10)
    fig.tight_layout()
    return fig
