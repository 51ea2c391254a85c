"""Faces: the figures of a value-of-information analysis. Each function takes the
result (or its tables) and an optional `ax`, and returns a Figure.

    ceac_figure     probability each option is best, over willingness to pay
    evppi_figure    EVPPI per center by group (bars with 2 SE), EVPI as a line
    evsi_figure     EVSI and ENBS for the state by the number of centers studied
"""

from __future__ import annotations

from pathlib import Path

from .words import GROUP_WORDS, at


def _axes(ax, size=(6, 4)):
    import matplotlib.pyplot as plt
    return (ax.figure, ax) if ax is not None else plt.subplots(figsize=size)


def ceac_figure(result, ax=None):
    fig, ax = _axes(ax)
    labels = {o.name: o.label for o in result.decision.options}
    for name, g in result.ceac.groupby("option", sort=False):
        ax.plot(g["wtp"], g["p_best"], marker="o", label=labels[name])
    ax.axvline(result.decision.headline_wtp, color="grey", ls=":", lw=0.8)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"willingness to pay (USD per {result.decision.units})")
    ax.set_ylabel("probability of the highest net benefit")
    ax.set_title("Cost-effectiveness acceptability curve", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def evppi_figure(result, ax=None):
    fig, ax = _axes(ax, (7, 4))
    w = result.decision.headline_wtp
    g = at(result.groups, w).sort_values("evppi_per_center")
    names = [GROUP_WORDS.get(x, x).split(" (")[0] for x in g["group"]]
    ax.barh(names, g["evppi_per_center"], xerr=2 * g["se_per_center"], color="#4a7ab5",
            capsize=3)
    evpi = float(at(result.evpi, w)["evpi_per_center"].iloc[0])
    ax.axvline(evpi, color="#b5544a", ls="--", label=f"EVPI {evpi:,.0f}")
    ax.set_xlabel(f"USD per center (willingness to pay {w:,.0f})")
    ax.set_title("What resolving each group of uncertainties is worth (EVPPI, 2 SE)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def evsi_figure(result, ax=None):
    fig, ax = _axes(ax)
    w = result.decision.headline_wtp
    e = at(result.evsi, w)
    ax.errorbar(e["centers"], e["evsi_state"], yerr=2 * e["se_per_center"]
                * result.decision.population, marker="o", label="EVSI (state)")
    ax.plot(e["centers"], e["study_cost"], ls="--", color="grey", label="study cost")
    ax.plot(e["centers"], e["enbs"], marker="s", label="ENBS = EVSI - cost")
    best = e.loc[e["enbs"].idxmax()]
    if best["enbs"] > 0:
        ax.scatter([best["centers"]], [best["enbs"]], s=140, facecolors="none",
                   edgecolors="red", label=f"best: {int(best['centers'])} centers")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("centers studied")
    ax.set_ylabel("USD")
    ax.set_title("Value of a study before deciding (EVSI, ENBS)", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def figures(result) -> dict:
    out = {"ceac": ceac_figure(result)}
    if len(result.groups):
        out["evppi"] = evppi_figure(result)
    if result.evsi is not None and len(result.evsi):
        out["evsi"] = evsi_figure(result)
    return out


def save_figures(result, folder: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures(result).items():
        fig.savefig(folder / f"{name}.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(folder / f"{name}.png")
    return paths
