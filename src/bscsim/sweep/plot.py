"""Faces: the heat map of one output over a two-parameter grid sweep."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["text.parse_math"] = False   # labels are text: "$" is a dollar
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..labels import axis  # noqa: E402
from ..outputs import words  # noqa: E402
from ..plotting import readable, wrap  # noqa: E402


def grid_means(df: pd.DataFrame, x: str, y: str, output: str) -> pd.DataFrame:
    """Mean and SD of `output` over replicates, one row per (y, x) cell (ok runs)."""
    ok = df[df["status"] == "ok"]
    return (ok.groupby([y, x])[output].agg(["mean", "std", "count"])
            .reset_index())


@readable
def heatmap(df: pd.DataFrame, x: str, y: str, output: str, ax=None,
            title: str | None = None):
    """Cells coloured by the replicate mean of `output`, annotated with it; `df` is
    a `load_sweep` table of a grid over `x` and `y`. Returns the Figure."""
    cells = grid_means(df, x, y, output)
    table = cells.pivot(index=y, columns=x, values="mean").sort_index(ascending=False)
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(1.1 * table.shape[1] + 3.5, 10.5),
                                        0.8 * table.shape[0] + 2.2), layout="constrained")
    else:
        fig = ax.figure
    im = ax.imshow(table.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
    ax.set_xlabel(wrap(axis(x), 50))
    ax.set_ylabel(wrap(axis(y), 40))
    values = table.to_numpy()
    mid = np.nanmean(values)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=10,
                    color="black" if v > mid else "white")
    fig.colorbar(im, ax=ax, label=wrap(axis(output), 40))
    n = int(cells["count"].max()) if len(cells) else 0
    ax.set_title(wrap(title or f"{words(output)}: mean of {n} replicate(s) per cell", 60))
    return fig
