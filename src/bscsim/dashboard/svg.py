"""Faces: small SVG charts for the dashboard's live views.

A week's step redraws every view; matplotlib takes a few hundred milliseconds per
figure, these strings take about a millisecond, so stepping and playing stay
smooth. Two kinds only: lines over weeks, and horizontal bars per center.

Each chart is drawn at its own size in screen pixels (shrunk only when its
container is narrower), with its text at least TEXT_PX: readable at a laptop's
1366 x 768 and on a phone. A line chart's title and legend are HTML beside the
drawing, so they wrap instead of shrinking.
"""

from __future__ import annotations

import html
import math

import numpy as np

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
FONT = "font-family='Roboto, sans-serif'"
TEXT_PX = 12  # tick labels and axis words; titles and legends are 13 px HTML


def ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """About `n` round tick values from lo to hi."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _open(width: int, height: int) -> str:
    """An <svg> of width x height screen pixels, shrunk (never stretched) to fit a
    narrower container."""
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
            f"width='{width}' height='{height}' style='max-width:100%;height:auto' "
            f"preserveAspectRatio='xMinYMin meet' {FONT} font-size='{TEXT_PX}'>")


def _num(v: float) -> str:
    return f"{v:g}" if abs(v) >= 1e-9 else "0"


def line_chart(lines: list[tuple[str, np.ndarray, np.ndarray]], *, xlim: tuple[float, float],
               ylim: tuple[float, float], title: str, spans=(), vline: float | None = None,
               width: int = 250, height: int = 170) -> str:
    """Lines (label, x, y) on fixed axes; `spans` are shaded x intervals (learning
    sessions), `vline` a dotted line (end of the collaborative). NaNs break lines.
    Returns HTML: the title, the drawing, and the legend below it."""
    left, right, top, bottom = 44, 10, 8, 34
    w, h = width - left - right, height - top - bottom
    (x0, x1), (y0, y1) = xlim, ylim

    def sx(x):
        return left + (x - x0) / (x1 - x0) * w

    def sy(y):
        return top + (1 - (y - y0) / (y1 - y0)) * h

    out = [f"<div class='bscsim-chart' style='font-size:13px;min-width:0'>"
           f"<div style='font-weight:600'>{html.escape(title)}</div>",
           _open(width, height)]
    for a, b in spans:
        out.append(f"<rect x='{sx(a):.1f}' y='{top}' width='{max(sx(b) - sx(a), 1):.1f}' "
                   f"height='{h}' fill='#1f77b4' fill-opacity='0.12'/>")
    for t in ticks(y0, y1):
        out.append(f"<line x1='{left}' x2='{left + w}' y1='{sy(t):.1f}' y2='{sy(t):.1f}' "
                   f"stroke='#e4e4e4'/><text x='{left - 4}' y='{sy(t) + 4:.1f}' "
                   f"text-anchor='end'>{_num(t)}</text>")
    for t in ticks(x0, x1):
        out.append(f"<text x='{sx(t):.1f}' y='{top + h + 14}' text-anchor='middle'>"
                   f"{_num(t)}</text>")
    out.append(f"<text x='{left + w / 2:.0f}' y='{height - 3}' text-anchor='middle' "
               f"fill='#555'>week</text>")
    if vline is not None and x0 <= vline <= x1:
        out.append(f"<line x1='{sx(vline):.1f}' x2='{sx(vline):.1f}' y1='{top}' "
                   f"y2='{top + h}' stroke='#444' stroke-dasharray='2,3'/>")
    out.append(f"<rect x='{left}' y='{top}' width='{w}' height='{h}' fill='none' "
               f"stroke='#999'/>")
    legend = []
    for i, (label, x, y) in enumerate(lines):
        color = COLORS[i % len(COLORS)]
        y = np.clip(np.asarray(y, dtype=float), y0, y1)
        for seg in _segments(np.asarray(x, dtype=float), y):
            points = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in seg)
            out.append(f"<polyline points='{points}' fill='none' stroke='{color}' "
                       f"stroke-width='2'/>")
        legend.append(f"<span style='white-space:nowrap;margin-right:10px'><span "
                      f"style='display:inline-block;width:14px;height:3px;background:"
                      f"{color};vertical-align:middle;margin-right:4px'></span>"
                      f"{html.escape(label)}</span> ")
    out.append("</svg>")
    out.append(f"<div class='bscsim-legend' style='line-height:18px'>{''.join(legend)}"
               "</div></div>")
    return "".join(out)


def _segments(x: np.ndarray, y: np.ndarray) -> list[list[tuple[float, float]]]:
    segs, cur = [], []
    for a, b in zip(x, y):
        if math.isnan(b):
            if cur:
                segs.append(cur)
            cur = []
        else:
            cur.append((a, b))
    if cur:
        segs.append(cur)
    # a single point is drawn as a short line so it stays visible
    return [s if len(s) > 1 else [s[0], (s[0][0] + 0.3, s[0][1])] for s in segs]


def bar_chart(labels: list[str] | None, values: np.ndarray, colors: list[str], *,
              xlim: tuple[float, float], title: str, marks: np.ndarray | None = None,
              mark_label: str = "", width: int = 200, row: int = 18) -> str:
    """Horizontal bars, one per row; `marks` are ticks (e.g. baseline) on each bar.
    Without `labels` the left margin is narrow (a chart placed beside another)."""
    left = 52 if labels else 8
    right, top = 14, 36
    n = len(values)
    w = width - left - right
    height = top + n * row + 20
    x0, x1 = xlim

    def sx(v):
        return left + (min(max(v, x0), x1) - x0) / (x1 - x0) * w

    out = [_open(width, height)]
    for k, line in enumerate(title.split("\n")):
        out.append(f"<text x='4' y='{13 + 15 * k}' font-size='13' font-weight='600'>"
                   f"{html.escape(line)}</text>")
    for t in ticks(x0, x1, 3):
        out.append(f"<line x1='{sx(t):.1f}' x2='{sx(t):.1f}' y1='{top}' "
                   f"y2='{top + n * row}' stroke='#e4e4e4'/><text x='{sx(t):.1f}' "
                   f"y='{top + n * row + 14}' text-anchor='middle'>{_num(t)}</text>")
    for i, v in enumerate(values):
        y = top + i * row
        v = 0.0 if math.isnan(v) else float(v)
        out.append(f"<rect x='{left}' y='{y + 2}' width='{sx(v) - left:.1f}' "
                   f"height='{row - 4}' fill='{colors[i]}'/>")
        if labels:
            out.append(f"<text x='{left - 4}' y='{y + row / 2 + 4:.1f}' "
                       f"text-anchor='end'>{html.escape(labels[i])}</text>")
        if marks is not None and not math.isnan(marks[i]):
            out.append(f"<line x1='{sx(marks[i]):.1f}' x2='{sx(marks[i]):.1f}' y1='{y}' "
                       f"y2='{y + row}' stroke='black' stroke-width='2'>"
                       f"<title>{html.escape(mark_label)}</title></line>")
    out.append("</svg>")
    return "".join(out)
