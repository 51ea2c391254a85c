"""Faces: the dashboard's views, each a function of the running model.

- `chain`: the theory of change as boxes (outputs -> mechanisms -> short-term
  outcomes -> long-term outcomes -> impacts) showing this week's values and their
  change since baseline; boxes and labels come from `bscsim.outputs`.
- `timeseries`: the mechanisms and impacts week by week.
- `centers`: the centers side by side (practice quality, psychological safety,
  team PDSAs) from the model's per-center record (`model.by_center`).
- `Comparison` (in app.py's page): current settings beside a reference.

The live views are drawn as small SVG strings (`svg.py`): a step redraws them in
about a millisecond, and no JavaScript library has to be fetched from the internet.
"""

from __future__ import annotations

import html

import numpy as np
import solara

from ..model.collaborative import session_weeks
from ..outputs import BOX_TITLES, TIMESERIES, words
from . import svg

CHAIN_BOXES = ("outputs", "mechanisms", "short_term", "long_term", "impacts")
COUNT_UNITS = {"person-sessions", "person-calls", "meetings", "reports", "cycles",
               "adoptions", "acts", "updates", "people"}
CENTER_VIEWS = (("practice_participating", "SEL practice quality,\nteam classrooms (share)"),
                ("psych_safety", "Psychological safety\nof the team (0-1)"),
                ("pdsa_completed", "Team PDSA cycles\ncompleted (to date)"))
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
                f"<span class='n'>{html.escape(words(o.name))}</span>"
                f"<span class='v'>{_fmt(v, o.unit)}{change}</span></div>")
        arrow = "<div class='ar'>&#10140;</div>" if i < len(CHAIN_BOXES) - 1 else ""
        cols.append(f"<div class='bx bx-{box}'><div class='t'>"
                    f"{html.escape(BOX_TITLES[box])}</div>{''.join(items)}</div>{arrow}")
    context = " · ".join(
        f"{words(o.name)}: {_fmt(float(model.series[o.name][row]), o.unit)}"
        for o in TIMESERIES if o.box == "context")
    page = f"""
<style>
.bscsim-chain {{font-family: Roboto, sans-serif; font-size: 13px; container-type: inline-size;}}
.bscsim-chain .row {{display: flex; align-items: stretch; gap: 4px;}}
.bscsim-chain .bx {{flex: 1 1 0; border: 2px solid #8aa; border-radius: 8px;
  padding: 4px 6px; background: #f7fbfb; min-width: 0;}}
.bscsim-chain .bx-mechanisms {{border-color: #c0392b; background: #fdf3f2;}}
.bscsim-chain .bx-impacts {{border-color: #2e7d32; background: #f2faf2;}}
.bscsim-chain .t {{font-weight: 600; margin-bottom: 3px;}}
.bscsim-chain .it {{display: flex; justify-content: space-between; gap: 4px;
  border-bottom: 1px dotted #ccd; line-height: 17px; padding: 1px 0;}}
.bscsim-chain .n {{overflow-wrap: break-word; min-width: 0;}}
.bscsim-chain .v {{font-variant-numeric: tabular-nums; white-space: nowrap; font-weight: 600;
  display: flex; flex-direction: column; align-items: flex-end;}}
.bscsim-chain .d {{color: #666; font-weight: 400; font-size: 12px; line-height: 14px;}}
.bscsim-chain .ar {{align-self: center; font-size: 18px; color: #789;}}
.bscsim-chain .ctx {{margin-top: 4px; color: #555;}}
/* narrower than five boxes of readable width: the boxes wrap, two or three a row,
   in the order of the chain, without arrows */
@container (max-width: 820px) {{
  .bscsim-chain .row {{flex-wrap: wrap;}}
  .bscsim-chain .bx {{flex: 1 1 170px;}}
  .bscsim-chain .ar {{display: none;}}
}}
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


def _ylim(unit: str, values: np.ndarray) -> tuple[float, float]:
    """Shares and 0-1 states on 0 to 1; other units around the data, at least
    0.2 wide (so noise is not magnified)."""
    if unit in ("0-1", "share of key practices", "share of children"):
        return 0.0, 1.0
    values = values[~np.isnan(values)]
    if not len(values):
        return -0.1, 0.1
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 0.2:
        mid = (lo + hi) / 2
        lo, hi = mid - 0.1, mid + 0.1
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def timeseries_charts(model) -> str:
    """Mechanisms and impacts week by week, the whole horizon on the x axis,
    learning sessions shaded, the end of the collaborative dotted."""
    n = model.week
    weeks = np.arange(n)
    spans = [(w, w + 1) for w in sorted(session_weeks(model.p))]
    charts = []
    for box, unit, outs in PANELS:
        lines = [(words(o.name), weeks, model.series[o.name][:n]) for o in outs]
        values = np.concatenate([y for _, _, y in lines]) if n else np.array([])
        charts.append(svg.line_chart(
            lines, xlim=(0, model.n_weeks), ylim=_ylim(unit, values),
            title=f"{BOX_TITLES[box].split(' (')[0]} ({unit})", spans=spans,
            vline=model.p.weeks_collab))
    return "".join(charts)


def timeseries(model):
    head = (f"<div style='font-weight:600;font-size:13px;margin-bottom:2px'>Mechanisms and "
            f"impacts over time, {html.escape(week_label(model))} <span style='font-weight:"
            f"400;color:#777'>— shaded: learning sessions; dotted: end of the collaborative"
            f"</span></div>")
    grid = ("<div style='display:grid;grid-template-columns:repeat(auto-fill,"
            "minmax(min(250px,100%),1fr));gap:10px 14px'>")
    return solara.HTML(tag="div", unsafe_innerHTML=head + grid + timeseries_charts(model)
                       + "</div>",
                       classes=["bscsim-view-timeseries"])


def centers_charts(model) -> str:
    """One bar per center for practice quality (baseline ticked), psychological
    safety and team PDSAs; Head Start blue, child care orange."""
    row = latest_row(model)
    n = min(model.centers.n, MAX_CENTERS_SHOWN)
    is_hs = model.centers.is_hs[:n]
    names = [f"{i + 1} {'HS' if hs else 'CC'}" for i, hs in enumerate(is_hs)]
    colors = [TYPE_COLORS[bool(hs)] for hs in is_hs]
    charts = []
    for k, (name, title) in enumerate(CENTER_VIEWS):
        values = model.by_center[name][row][:n]
        counts = name == "pdsa_completed"
        top = max(5.0, float(np.nanmax(values)) * 1.1) if counts and n else 1.0
        charts.append(svg.bar_chart(
            names if k == 0 else None, values, colors, xlim=(0.0, top), title=title,
            marks=None if counts else model.baseline[name][:n],
            mark_label="baseline", width=230 if k == 0 else 180, row=18))
    note = (f"<div style='font-size:13px;color:#666'>first {n} of {model.centers.n} "
            f"centers</div>" if model.centers.n > n else "")
    return ("<div style='display:flex;flex-wrap:wrap;gap:4px 10px;align-items:flex-start'>"
            + "".join(charts) + "</div>" + note)


def centers(model):
    head = (f"<div style='font-weight:600;font-size:13px'>Centers side by side, "
            f"{html.escape(week_label(model))}</div><div style='font-size:13px;color:#555;"
            f"margin-bottom:4px'><span style='color:{TYPE_COLORS[True]}'>&#9632;</span> "
            f"Head Start (HS) <span style='color:{TYPE_COLORS[False]}'>&#9632;</span> "
            f"child care (CC); black tick: baseline</div>")
    return solara.HTML(tag="div", unsafe_innerHTML=head + centers_charts(model),
                       classes=["bscsim-view-centers"])
