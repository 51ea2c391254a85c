"""Faces: figures. Each function takes data (and optionally an `ax`) and returns a
matplotlib Figure; none calls `plt.show()`.

Also what every figure of bscsim shares so that it reads on a laptop and a phone:
`readable` (text of at least MIN_FONT_PT points), REPORT_WIDTH_IN (the widest a
report's figure is drawn, so that a report shows it at full size), `wrap` for long
titles, and `place_labels` (point labels that do not overlap).
"""

from __future__ import annotations

import functools
import textwrap

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["text.parse_math"] = False   # labels are text: "$" is a dollar
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .model.collaborative import session_weeks  # noqa: E402

MIN_FONT_PT = 10       # no text of a figure smaller (14 px at a report's 100 dpi)
REPORT_WIDTH_IN = 10.5  # a report's text column (1,100 px less its margins) at 100 dpi
READABLE = {"font.size": 11, "axes.titlesize": 11, "axes.labelsize": 11,
            "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
            "legend.title_fontsize": 10, "figure.titlesize": 12}


def readable(draw):
    """Decorator: the figure function draws with READABLE text sizes (a function
    may ask for larger text, never smaller than MIN_FONT_PT)."""
    @functools.wraps(draw)
    def with_readable_text(*args, **kwargs):
        with plt.rc_context(READABLE):
            return draw(*args, **kwargs)
    return with_readable_text


def wrap(text: str, width: int = 38) -> str:
    """`text` broken into lines of at most `width` characters (kept lines kept)."""
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def place_labels(ax, points, texts, *, fontsize: float = MIN_FONT_PT, **kwargs) -> list:
    """Annotate each point (x, y) in data units with its text beside the marker:
    a simple greedy pass, without adjustText. For each label in turn, positions in
    eight directions at three distances are tried; the first that overlaps no label
    already placed and no marker and stays inside the axes is taken, else the one
    overlapping least. A label set further off gets a thin leader line to its point.
    Call it once the axes' limits are final. Returns the annotations."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    marks = [ax.transData.transform(p) for p in points]
    pad = 6.0  # pixels around a marker
    directions = ((1, 0.5), (1, -1), (-1, 0.5), (-1, -1), (0, 1), (0, -1.6))
    candidates = [(d * dx, d * dy) for d in (8, 24, 42) for dx, dy in directions]

    def overlap(a, b) -> float:
        w = min(a.x1, b.x1) - max(a.x0, b.x0)
        h = min(a.y1, b.y1) - max(a.y0, b.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def cost(box) -> float:
        out = (max(inside.x0 - box.x0, 0) + max(box.x1 - inside.x1, 0)
               + max(inside.y0 - box.y0, 0) + max(box.y1 - inside.y1, 0)) * box.height
        crowd = sum(overlap(box, b) for b in boxes)
        hits = sum(overlap(box, Bbox([[mx - pad, my - pad], [mx + pad, my + pad]]))
                   for mx, my in marks)
        return out + crowd + hits

    from matplotlib.transforms import Bbox
    placed, boxes = [], []
    for (x, y), text in zip(points, texts):
        best = None
        for dx, dy in candidates:
            a = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                            ha="left" if dx > 0 else "right" if dx < 0 else "center",
                            va="center", fontsize=fontsize, **kwargs)
            box = a.get_window_extent(renderer)
            c = cost(box)
            a.remove()
            if best is None or c < best[0]:
                best = (c, dx, dy, box)
            if c == 0:
                break
        _, dx, dy, box = best
        far = max(abs(dx), abs(dy)) > 12
        a = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                        ha="left" if dx > 0 else "right" if dx < 0 else "center",
                        va="center", fontsize=fontsize,
                        arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.8,
                                    "shrinkA": 2, "shrinkB": 5} if far else None, **kwargs)
        placed.append(a)
        boxes.append(box)
    return placed


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


@readable
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
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2, frameon=False)
    _mark_departures(axes[0, 1], ts)
    for w in range(PROGRAM_YEAR, len(ts), PROGRAM_YEAR):
        for ax in (axes[1, 1], axes[1, 2]):
            ax.axvline(w, color="tab:red", ls="--", lw=1)
        axes[1, 2].annotate("new cohort of children: the\naverage drops because the\n"
                            "children change, not the\nclassrooms", xy=(w, 0.97),
                            xycoords=("data", "axes fraction"), xytext=(5, 0),
                            textcoords="offset points", ha="left", va="top", fontsize=10,
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
                    textcoords="offset points", fontsize=10, color="tab:purple")


def _mark_calendar(ax, params) -> None:
    for w in session_weeks(params):
        ax.axvspan(w, w + 1, color="tab:blue", alpha=0.12, lw=0)
    ax.axvline(params.weeks_collab, color="0.3", ls=":", lw=1)
