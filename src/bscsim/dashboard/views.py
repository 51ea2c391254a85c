"""Faces: the dashboard's views, each a function of the running model.

- `chain`: the theory of change as boxes (outputs -> mechanisms -> short-term
  outcomes -> long-term outcomes -> impacts) showing this week's values and their
  change since baseline; boxes and labels come from `bscsim.outputs`.
- `timeseries`: the mechanisms and impacts week by week.
- `centers`: the centers side by side (practice quality, psychological safety,
  team PDSAs) from the model's per-center record (`model.by_center`).
- `Comparison` (in app.py's page): current settings beside a reference.

Charts are matplotlib figures rendered on the server (no JavaScript libraries
fetched from the internet), drawn without pyplot so they are thread-safe.
"""

from __future__ import annotations

import html

import numpy as np
import solara
from matplotlib.figure import Figure

from ..collaborative import session_weeks
from ..outputs import BOX_TITLES, TIMESERIES

CHAIN_BOXES = ("outputs", "mechanisms", "short_term", "long_term", "impacts")
COUNT_UNITS = {"person-sessions", "person-calls", "meetings", "reports", "cycles",
               "adoptions", "acts", "updates", "people"}
CENTER_VIEWS = (("practice_participating", "SEL practice quality,\nteam classrooms (share)"),
                ("psych_safety", "Psychological safety\nof the team (0-1)"),
                ("pdsa_completed", "Team PDSA cycles\ncompleted (cumulative)"))
MAX_CENTERS_SHOWN = 40
TYPE_COLORS = {True: "#4c78a8", False: "#f58518"}  # Head Start, child care


def latest_row(model) -> int:
    """Row of the record that holds this week's values (row 0 before any step:
    the dashboard's model records its baseline there)."""
    return max(model.week - 1, 0)


def week_label(model) -> str:
    if model.week == 0:
        return "baseline (week 0, before the first step)"
    phase = "collaborative" if model.week <= model.p.weeks_collab else "follow-up"
    return f"week {model.week} of {model.n_weeks} ({phase})"


def _fmt(value: float, unit: str) -> str:
    if value != value:
        return "–"
    if unit in COUNT_UNITS:
        return f"{value:,.0f}"
    if unit == "z":
        return f"{value:+.2f}"
    return f"{value:.2f}"


def chain(model):
    """The theory-of-change chain as boxes whose rows show current values."""
    row = latest_row(model)
    base = model.baseline_series
    cols = []
    for i, box in enumerate(CHAIN_BOXES):
        items = []
        for o in TIMESERIES:
            if o.box != box:
                continue
            v = float(model.series[o.name][row])
            delta = v - base[o.name]
            change = (f"<span class='d'>{'+' if delta >= 0 else '−'}{abs(delta):.2f}"
                      "</span>" if model.week and o.unit not in COUNT_UNITS
                      and delta == delta else "")
            items.append(
                f"<div class='it' title='{html.escape(o.meaning)} ({html.escape(o.unit)})'>"
                f"<span class='n'>{html.escape(o.name.replace('_', ' '))}</span>"
                f"<span class='v'>{_fmt(v, o.unit)}{change}</span></div>")
        arrow = "<div class='ar'>&#10140;</div>" if i < len(CHAIN_BOXES) - 1 else ""
        cols.append(f"<div class='bx bx-{box}'><div class='t'>"
                    f"{html.escape(BOX_TITLES[box])}</div>{''.join(items)}</div>{arrow}")
    context = " · ".join(
        f"{o.name.replace('_', ' ')}: {_fmt(float(model.series[o.name][row]), o.unit)}"
        for o in TIMESERIES if o.box == "context")
    page = f"""
<style>
.bscsim-chain {{font-family: Roboto, sans-serif; font-size: 12px;}}
.bscsim-chain .row {{display: flex; align-items: stretch; gap: 2px;}}
.bscsim-chain .bx {{flex: 1 1 0; border: 2px solid #8aa; border-radius: 8px;
  padding: 4px 6px; background: #f7fbfb; min-width: 120px;}}
.bscsim-chain .bx-mechanisms {{border-color: #c0392b; background: #fdf3f2;}}
.bscsim-chain .bx-impacts {{border-color: #2e7d32; background: #f2faf2;}}
.bscsim-chain .t {{font-weight: 600; margin-bottom: 3px; font-size: 12px;}}
.bscsim-chain .it {{display: flex; justify-content: space-between; gap: 4px;
  border-bottom: 1px dotted #ccd; line-height: 17px;}}
.bscsim-chain .v {{font-variant-numeric: tabular-nums; white-space: nowrap; font-weight: 600;}}
.bscsim-chain .d {{color: #777; font-weight: 400; margin-left: 4px; font-size: 11px;}}
.bscsim-chain .ar {{align-self: center; font-size: 20px; color: #789;}}
.bscsim-chain .ctx {{margin-top: 4px; color: #555;}}
</style>
<div class='bscsim-chain'>
<div style='font-weight:600;margin-bottom:4px'>Theory of change, {html.escape(week_label(model))}
<span style='font-weight:400;color:#777'> — grey: change since baseline; hover a row for
its meaning</span></div>
<div class='row'>{''.join(cols)}</div>
<div class='ctx'>Context: {html.escape(context)}</div></div>"""
    return solara.HTML(tag="div", unsafe_innerHTML=page, classes=["bscsim-view-chain"])


def _panels() -> list[tuple[str, str, list]]:
    """Time-series panels: one per (box, unit) of the mechanisms and impacts,
    leaving out cumulative counts."""
    panels: dict[tuple[str, str], list] = {}
    for o in TIMESERIES:
        if o.box in ("mechanisms", "impacts") and o.unit not in COUNT_UNITS:
            panels.setdefault((o.box, o.unit), []).append(o)
    return [(box, unit, outs) for (box, unit), outs in panels.items()]


PANELS = _panels()


def timeseries_figure(model) -> Figure:
    """Mechanisms and impacts week by week, the whole horizon on the x axis,
    learning sessions shaded, the end of the collaborative dotted."""
    fig = Figure(figsize=(13, 2.9), dpi=80, layout="constrained")
    axes = fig.subplots(1, len(PANELS))
    n = model.week
    weeks = np.arange(n)
    for ax, (box, unit, outs) in zip(axes, PANELS):
        for o in outs:
            ax.plot(weeks, model.series[o.name][:n], lw=2, label=o.name.replace("_", " "))
        for w in session_weeks(model.p):
            ax.axvspan(w, w + 1, color="tab:blue", alpha=0.12, lw=0)
        ax.axvline(model.p.weeks_collab, color="0.3", ls=":", lw=1)
        ax.set_xlim(0, model.n_weeks)
        if unit in ("0-1", "share of key practices", "share of children"):
            ax.set_ylim(0, 1)
        elif n:
            _min_span(ax, np.concatenate([model.series[o.name][:n] for o in outs]), 0.2)
        ax.set_title(f"{BOX_TITLES[box].split(' (')[0]} ({unit})", fontsize=10, loc="left")
        ax.set_xlabel("week", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=7.5, loc="upper left", frameon=False)
    return fig


def _min_span(ax, values: np.ndarray, span: float) -> None:
    """Y limits around the data, at least `span` wide (no magnified noise)."""
    lo, hi = np.nanmin(values), np.nanmax(values)
    if hi - lo < span:
        mid = (lo + hi) / 2
        lo, hi = mid - span / 2, mid + span / 2
    ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))


def timeseries(model):
    fig = timeseries_figure(model)
    return solara.Column(children=[solara.FigureMatplotlib(fig, format="png")],
                         classes=["bscsim-view-timeseries"])


def centers_figure(model) -> Figure:
    """One bar per center for practice quality (baseline ticked), psychological
    safety and team PDSAs; Head Start blue, child care orange."""
    row = latest_row(model)
    n = min(model.centers.n, MAX_CENTERS_SHOWN)
    is_hs = model.centers.is_hs[:n]
    names = [f"{i + 1} {'HS' if hs else 'CC'}" for i, hs in enumerate(is_hs)]
    colors = [TYPE_COLORS[bool(hs)] for hs in is_hs]
    fig = Figure(figsize=(6, 1.3 + 0.3 * n), dpi=80, layout="constrained")
    axes = fig.subplots(1, len(CENTER_VIEWS), sharey=True)
    y = np.arange(n)
    for ax, (name, title) in zip(axes, CENTER_VIEWS):
        values = np.nan_to_num(model.by_center[name][row][:n])
        ax.barh(y, values, color=colors)
        if name != "pdsa_completed":
            ax.set_xlim(0, 1)
            ax.plot(np.nan_to_num(model.baseline[name][:n]), y, "k|", ms=10,
                    label="baseline")
            ax.legend(fontsize=7, loc="lower right", frameon=False)
        else:
            ax.set_xlim(0, max(5, values.max() * 1.1))
        ax.set_title(title, fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    if model.centers.n > n:
        fig.suptitle(f"first {n} of {model.centers.n} centers", fontsize=8)
    return fig


def centers(model):
    fig = centers_figure(model)
    return solara.Column(children=[
        solara.Text(f"Centers side by side, {week_label(model)} (HS Head Start, CC child care)",
                    style={"font-weight": "600", "font-size": "13px"}),
        solara.FigureMatplotlib(fig, format="png")], classes=["bscsim-view-centers"])
