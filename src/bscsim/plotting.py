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
      ("efficacy", "self-efficacy"), ("ties", "ties between programs"),
      ("engagement", "teams' engagement (issue 26)")], "0 to 1"),
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


PROGRAM_YEAR = 52   # weeks; a new cohort of children arrives at each multiple
                    # (collaborative.calendar, `new_year`)


def overview(ts: pd.DataFrame, params, title: str | None = None) -> plt.Figure:
    """The theory-of-change chain over time, as a grid of six panels read left to
    right, top to bottom: outputs -> mechanisms -> short-term -> long-term outcomes
    -> impacts on practice -> children, with learning sessions, the end of the
    collaborative and the arrival of new cohorts of children marked. Legends sit
    below their panels, never over the lines."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 10), sharex=True, layout="constrained")
    weeks = ts["week"]
    panels = list(CHAIN) + [("6. Children",
                             [("child_se", "children's social-emotional competence")],
                             "competence (z: 0 = average child at the start)")]
    for ax, (heading, series, unit) in zip(axes.ravel(), panels):
        for col, name in series:
            ax.plot(weeks, ts[col], label=name, lw=2)
        ax.set_title(heading, fontsize=11, loc="left")
        ax.set_ylabel(unit)
        ax.set_xlabel("week")
        ax.xaxis.set_tick_params(labelbottom=True)
        _mark_calendar(ax, params)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2,
                  frameon=False)
    _mark_departures(axes[0, 1], ts)
    for w in range(PROGRAM_YEAR, len(ts), PROGRAM_YEAR):
        for ax in (axes[1, 1], axes[1, 2]):
            ax.axvline(w, color="tab:red", ls="--", lw=1)
        axes[1, 2].annotate("new cohort of children: the\naverage drops because the\n"
                            "children change, not the\nclassrooms", xy=(w, 0.97),
                            xycoords=("data", "axes fraction"), xytext=(5, 0),
                            textcoords="offset points", ha="left", va="top", fontsize=8,
                            color="tab:red")
    fig.suptitle(title or (f"How the BSC-SEL unfolds: {params.n_centers} centers, "
                           f"{params.weeks_collab}-week collaborative (shaded: learning "
                           f"sessions; dotted line: end of collaborative)"), fontsize=12)
    return fig


def _mark_departures(ax, ts: pd.DataFrame) -> None:
    """Mark each week a center's team left the collaborative (issue 26)."""
    if "centers_left" not in ts:
        return
    left = ts["centers_left"].to_numpy()
    weeks = ts["week"].to_numpy()[1:][left[1:] > left[:-1]]
    for j, w in enumerate(weeks):
        ax.axvline(w, color="tab:purple", ls="--", lw=1)
        ax.annotate("a team left" if j == 0 else "", xy=(w, 0.03),
                    xycoords=("data", "axes fraction"), xytext=(3, 0),
                    textcoords="offset points", fontsize=8, color="tab:purple")


def _mark_calendar(ax, params) -> None:
    for w in session_weeks(params):
        ax.axvspan(w, w + 1, color="tab:blue", alpha=0.12, lw=0)
    ax.axvline(params.weeks_collab, color="0.3", ls=":", lw=1)
