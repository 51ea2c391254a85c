"""Faces: figures. Each function takes data (and optionally an `ax`) and returns a
matplotlib Figure; none calls `plt.show()`."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["text.parse_math"] = False   # labels are text: "$" is a dollar
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .model.collaborative import session_weeks  # noqa: E402

CHAIN = (
    ("1. Outputs: what the BSC does",
     [("pdsa_completed", "PDSA cycles completed"), ("meetings_held", "team meetings held"),
      ("metrics_reported", "monthly metrics reports")], "count (all centers)"),
    ("2. Mechanisms: how it works",
     [("psych_safety", "psychological safety"), ("inquiry", "inquiry mindset"),
      ("efficacy", "self-efficacy"), ("ties", "ties between programs")], "0 to 1"),
    ("3. Short-term outcomes",
     [("knowledge_sel", "SEL knowledge"), ("knowledge_family", "family-partnership knowledge"),
      ("qi_skill", "skill at making improvements"), ("leadership", "directors' shared leadership")],
     "0 to 1"),
    ("4. Long-term outcomes: the drivers",
     [("practice_relationships", "1 relationships"), ("practice_social_skills", "2 social skills"),
      ("practice_family", "3 family partnership"), ("practice_equity", "4 equity"),
      ("capacity", "5 organizational capacity")], "share of key practices / 0 to 1"),
    ("5. Impacts",
     [("practice_participating", "SEL practice, team classrooms"),
      ("practice_spread", "SEL practice, other classrooms"),
      ("cb_share", "children with challenging behavior")], "share"),
)


def overview(ts: pd.DataFrame, params, title: str | None = None) -> plt.Figure:
    """The theory-of-change chain over time: outputs -> mechanisms -> short-term
    -> long-term outcomes -> impacts, with learning sessions and the end of the
    collaborative marked. Child competence is drawn on a second axis."""
    fig, axes = plt.subplots(1, 5, figsize=(22, 4.8), sharex=True)
    weeks = ts["week"]
    for ax, (heading, series, unit) in zip(axes, CHAIN):
        for col, name in series:
            ax.plot(weeks, ts[col], label=name, lw=2)
        ax.set_title(heading, fontsize=11, loc="left")
        ax.set_ylabel(unit)
        ax.set_xlabel("week")
        _mark_calendar(ax, params)
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    twin = axes[-1].twinx()
    twin.plot(weeks, ts["child_se"], color="black", ls="--", lw=1.5,
              label="children's SE competence (z, right axis)")
    twin.set_ylabel("child competence (z)")
    twin.legend(fontsize=8, loc="lower right", frameon=False)
    fig.suptitle(title or (f"How the BSC-SEL unfolds: {params.n_centers} centers, "
                           f"{params.weeks_collab}-week collaborative (shaded: learning "
                           f"sessions; dotted line: end of collaborative)"), fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.93), w_pad=4.0)
    for left, right in zip(axes[:-1], axes[1:]):
        y = (left.get_position().y0 + left.get_position().y1) / 2
        fig.add_artist(matplotlib.patches.FancyArrowPatch(
            (left.get_position().x1 + 0.003, y), (right.get_position().x0 - 0.035, y),
            transform=fig.transFigure, arrowstyle="-|>", mutation_scale=18, color="0.4"))
    return fig


def _mark_calendar(ax, params) -> None:
    for w in session_weeks(params):
        ax.axvspan(w, w + 1, color="tab:blue", alpha=0.12, lw=0)
    ax.axvline(params.weeks_collab, color="0.3", ls=":", lw=1)
