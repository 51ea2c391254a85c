"""Faces: figures of a scenario comparison (`bscsim compare`, the HTML report).

Each function takes tidy data (a `Comparison`'s timeseries or stats) and returns a
matplotlib Figure; none calls `plt.show()`. Labels are plain words, for a reader
who never opened a terminal.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["text.parse_math"] = False   # labels are text: "$" is a dollar
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..outputs import words  # noqa: E402
from ..plotting import REPORT_WIDTH_IN, place_labels, readable, wrap  # noqa: E402

# Plain-word names of the outputs a report shows.
LABELS = {
    "classrooms_improved_share": "Share of classrooms that improved",
    "practice_gain_sd": "Change in classroom SEL practice (SD)",
    "child_se_gain_sd": "Change in children's social-emotional skills (SD)",
    "challenging_behavior_change": "Change in share of children with challenging behavior",
    "spread_gain_sd": "Change in SEL practice of the centers' other classrooms (SD)",
    "practice_gain_sd_followup": "Change in classroom SEL practice, end of follow-up (SD)",
    "child_se_gain_sd_followup": "Change in children's skills, end of follow-up (SD)",
    "pdsa_completed_per_team": "Tests of change (PDSA cycles) per program",
    "psych_safety_end": "Psychological safety (0-1)",
    "inquiry_end": "Inquiry mindset (0-1)",
    "vicarious_updates_per_team": "Lessons taken from other programs, per program",
    "capacity_end": "Organizational capacity (0-1)",
    "knowledge_sel_end": "SEL knowledge (0-1)",
    "cost_per_center": "Cost per program (USD)",
    "cost_per_classroom_improved": "Cost per classroom improved (USD)",
    "practice_participating": "SEL practice, participating classrooms (share of key practices)",
    "child_se": "Children's social-emotional competence (z)",
    "cb_share": "Share of children with challenging behavior",
    "engagement": "Teams' engagement (0-1)",
    "centers_left": "Programs that left the collaborative",
    "centers_left_share": "Share of programs that left the collaborative",
    "engagement_end": "Teams' engagement at the end (0-1)",
}
OVER_TIME = ("practice_participating", "child_se", "cb_share")
DIFFERENCES = ("practice_gain_sd", "classrooms_improved_share", "child_se_gain_sd",
               "practice_gain_sd_followup")


def label(name: str) -> str:
    return LABELS.get(name) or words(name)


def colors(names: list[str]) -> dict[str, tuple]:
    """One color per scenario, the same in every figure."""
    cmap = plt.get_cmap("tab10")
    return {n: cmap(i % 10) for i, n in enumerate(names)}


@readable
def over_time(ts: pd.DataFrame, names: list[str], labels: dict[str, str],
              weeks_collab: int, reference: str,
              outputs: tuple[str, ...] = OVER_TIME) -> plt.Figure:
    """Impacts week by week. Top row: change since week 0 per scenario; bottom
    row: difference from the reference, replicate by replicate (paired). Lines:
    median over replicates; bands: 90% of replicates (5th to 95th percentile);
    dotted line: end of the collaborative."""
    fig, axes = plt.subplots(2, len(outputs), squeeze=False, layout="constrained",
                             figsize=(min(3.5 * len(outputs), REPORT_WIDTH_IN), 8.2))
    col = colors(names)
    ts = ts.sort_values(["scenario", "replicate", "week"])
    start = ts.groupby(["scenario", "replicate"])[list(outputs)].transform("first")
    change = ts[["scenario", "replicate", "week"]].join(ts[list(outputs)] - start)
    ref = change[change["scenario"] == reference].set_index(["replicate", "week"])
    for j, out in enumerate(outputs):
        for row, ax in enumerate(axes[:, j]):
            for name in names:
                if row == 1 and name == reference:
                    continue
                d = change[change["scenario"] == name].set_index(["replicate", "week"])[out]
                if row == 1:
                    d = d - ref[out]
                g = d.groupby(level="week")
                med, lo, hi = g.median(), g.quantile(0.05), g.quantile(0.95)
                ax.fill_between(med.index, lo, hi, color=col[name], alpha=0.15, lw=0)
                ax.plot(med.index, med, color=col[name], lw=2, label=labels[name])
            ax.axvline(weeks_collab, color="0.3", ls=":", lw=1)
            ax.axhline(0, color="0.5", lw=0.8)
            what = ("change since the start" if row == 0
                    else f"difference from {labels[reference]}")
            ax.set_title(wrap(f"{label(out)}: {what}", 34), loc="left")
            ax.set_xlabel("week")
            ax.grid(alpha=0.3)
    handles, texts = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncol=min(len(names), 3),
               frameon=False)
    return fig


@readable
def differences(stats: pd.DataFrame, names: list[str], labels: dict[str, str],
                reference: str, outputs: tuple[str, ...] = DIFFERENCES) -> plt.Figure:
    """Dot-and-interval chart: each scenario's difference from the reference
    (median of the paired differences, and their 90% interval), one panel per
    output."""
    others = [n for n in names if n != reference]
    ncol = 2
    nrow = -(-len(outputs) // ncol)
    fig, axes = plt.subplots(nrow, ncol, squeeze=False, layout="constrained",
                             figsize=(REPORT_WIDTH_IN,
                                      1.0 + nrow * (0.5 * len(others) + 1.6)))
    col = colors(names)
    y = np.arange(len(others))[::-1]
    for ax, out in zip(axes.ravel(), outputs):
        s = stats[stats["output"] == out].set_index("scenario").loc[others]
        for yi, name in zip(y, others):
            ax.plot([s.loc[name, "diff_lo"], s.loc[name, "diff_hi"]], [yi, yi],
                    color=col[name], lw=3, alpha=0.6, solid_capstyle="round")
            ax.plot(s.loc[name, "diff_median"], yi, "o", color=col[name], ms=8)
        ax.axvline(0, color="0.2", lw=1)
        ax.set_yticks(y, [labels[n] for n in others])
        ax.set_title(wrap(label(out), 45), loc="left")
        ax.set_xlabel(wrap(f"difference from {labels[reference]}", 45))
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.ravel()[len(outputs):]:
        ax.set_visible(False)
    return fig


@readable
def cost_effectiveness(stats: pd.DataFrame, names: list[str], labels: dict[str, str],
                       reference: str, similar: set[str] = frozenset()) -> plt.Figure:
    """Left: cost per program (x) against the gain in classroom practice over the
    reference (y), medians with 90% intervals. Right: cost per classroom improved,
    per scenario (scenarios that cost nothing or improved no classroom are left
    out, and so are those in `similar`, whose classrooms improved cannot be told
    from the reference's)."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(REPORT_WIDTH_IN, 5.0),
                                 layout="constrained")
    col = colors(names)
    cost = stats[stats["output"] == "cost_per_center"].set_index("scenario")
    gain = stats[stats["output"] == "practice_gain_sd"].set_index("scenario")
    points = []
    for name in names:
        x, y = cost.loc[name], gain.loc[name]
        a1.errorbar(x["median"], y["diff_median"],
                    xerr=[[x["median"] - x["lo"]], [x["hi"] - x["median"]]],
                    yerr=[[y["diff_median"] - y["diff_lo"]], [y["diff_hi"] - y["diff_median"]]],
                    fmt="o", color=col[name], ms=8, capsize=3, label=labels[name])
        points.append((x["median"], y["diff_median"]))
    a1.set_xlabel("cost per program (USD)")
    a1.set_ylabel(wrap(f"gain in classroom SEL practice (SD) over {labels[reference]}", 34))
    a1.set_title("What each strategy buys", loc="left")
    a1.grid(alpha=0.3)
    a1.axhline(0, color="0.2", lw=1)
    a1.margins(x=0.25, y=0.15)   # room for the labels beside the points
    per = stats[stats["output"] == "cost_per_classroom_improved"].set_index("scenario")
    shown = [n for n in names if np.isfinite(per.loc[n, "median"])
             and cost.loc[n, "median"] > 0 and n not in similar]
    y = np.arange(len(shown))[::-1]
    for yi, name in zip(y, shown):
        r = per.loc[name]
        a2.plot([r["lo"], r["hi"]], [yi, yi], color=col[name], lw=3, alpha=0.6)
        a2.plot(r["median"], yi, "o", color=col[name], ms=8)
    a2.set_yticks(y, [wrap(labels[n], 26) for n in shown])
    a2.set_xlabel(wrap("USD per participating classroom that improved", 34))
    a2.set_title(wrap("Cost per classroom improved (lower is better)", 34), loc="left")
    a2.grid(axis="x", alpha=0.3)
    a2.set_xlim(left=0)
    fig.canvas.draw()                # lay the figure out, then fix it: the labels are
    fig.set_layout_engine("none")    # placed in screen space and must stay put
    place_labels(a1, points, [wrap(labels[n], 22) for n in names])
    return fig
