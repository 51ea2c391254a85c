"""Faces: the simulated study's answer in words, and its HTML report
(`bscsim study --report FILE`).

`bottom_line(analysis, alpha)` says, in two plain sentences, whether the study would
detect the change in classroom practice (each observation instrument: participating
classrooms, and their difference from comparison classrooms) and which survey
changes it detects, with the 95% interval, the p value and the model's true change
beside. `build_html(...)` is one self-contained page in the style of the comparison
report (scenarios/report.py: styles inline, figures as base64 PNG, no scripts).
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

GROUP_WORDS = {"participating": "participating classrooms",
               "comparison": "comparison classrooms",
               "participating_minus_comparison": "participating minus comparison classrooms",
               "participants": "participants", "non_participants": "non-participants"}


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2f}"


def _found(r, alpha: float) -> bool:
    return bool(np.isfinite(r.p_value) and r.p_value < alpha)


def practice_sentence(analysis: pd.DataFrame, alpha: float) -> str:
    """Would the study detect the change in classroom practice? One sentence per
    observation instrument."""
    level = f"{100 * (1 - alpha):g}%"
    obs = analysis[analysis["estimator"].isin(("paired", "difference"))
                   & analysis["group"].isin(("participating",
                                             "participating_minus_comparison"))]
    out = []
    for inst, rows in obs.groupby("instrument", sort=False):
        parts, found = [], []
        for r in rows.itertuples():
            found.append(_found(r, alpha))
            parts.append(f"{GROUP_WORDS.get(r.group, r.group)} {r.estimate:+.3f} ({level} "
                         f"interval {r.ci_low:+.3f} to {r.ci_high:+.3f}, {_p(r.p_value)}; "
                         f"true change {r.truth:+.3f})")
        if not any(found):
            head = (f"The change in classroom practice ({inst}) would go undetected: "
                    "neither estimate can be told from zero")
        elif all(found):
            head = f"The study detects the change in classroom practice ({inst})"
        else:
            head = (f"The study detects the change in classroom practice ({inst}) only "
                    "in part")
        out.append(f"{head}: {'; '.join(parts)}.")
    return " ".join(out)


def survey_sentence(analysis: pd.DataFrame, alpha: float) -> str:
    """Which survey changes the study detects (paired estimates)."""
    rows = analysis[(analysis["estimator"] == "paired")
                    & ~analysis["group"].isin(("participating", "comparison"))]
    seen = [f"{r.measure} of {GROUP_WORDS.get(r.group, r.group)} ({r.estimate:+.2f}, "
            f"{_p(r.p_value)})" for r in rows.itertuples() if _found(r, alpha)]
    missed = [f"{r.measure} of {GROUP_WORDS.get(r.group, r.group)} ({_p(r.p_value)})"
              for r in rows.itertuples() if np.isfinite(r.p_value) and not _found(r, alpha)]
    text = []
    if seen:
        text.append("The surveys detect the change in " + ", ".join(seen))
    if missed:
        text.append("they miss " + ", ".join(missed) if seen else
                    "The surveys detect no change: " + ", ".join(missed))
    return ("; ".join(text) + ".") if text else ""


def bottom_line(analysis: pd.DataFrame, alpha: float, n_centers: int) -> str:
    """The study's answer in plain sentences, with what it rests on."""
    lines = [f"Bottom line (one simulated study of {n_centers} centers; detected means "
             f"p < {alpha:g}, two-sided; intervals {100 * (1 - alpha):g}%):",
             practice_sentence(analysis, alpha), survey_sentence(analysis, alpha),
             "Another simulated study would give other numbers: --power says how often "
             "a study of this design detects each change."]
    return "\n".join(x for x in lines if x)


CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; display: block;
        overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; white-space: nowrap; font-family: monospace; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.92em; color: #444; margin-top: 0.4em; }
.note { background: #f7f7f0; border-left: 4px solid #bb9; padding: 0.6em 1em; }
.small { font-size: 0.85em; color: #555; }
"""


def build_html(title: str, analysis: pd.DataFrame, alpha: float, n_centers: int,
               uncertainty: str, tables: dict[str, pd.DataFrame],
               power_table: str | None = None, power_png: bytes | None = None,
               command: str = "") -> str:
    """The study report as one HTML string: the bottom line, the estimates beside
    the model's truth, the data collected, the power curves (with --power) and what
    the intervals include."""
    from ..scenarios.report import data_uri
    level = f"{100 * (1 - alpha):g}%"
    head = ("<tr><th>Instrument</th><th>Measure</th><th>Group</th><th>Estimator</th>"
            f"<th>Centers</th><th>Estimate</th><th>{level} interval</th><th>p</th>"
            "<th>True change</th></tr>")
    rows = []
    for r in analysis.itertuples():
        ci = (f"{r.ci_low:+.3f} to {r.ci_high:+.3f}" if np.isfinite(r.ci_low) else "")
        p = _p(r.p_value) if np.isfinite(r.p_value) else ""
        rows.append(f"<tr><td>{escape(r.instrument)}</td><td>{escape(r.measure)}</td>"
                    f"<td>{escape(GROUP_WORDS.get(r.group, r.group))}</td>"
                    f"<td>{escape(r.estimator)}</td><td class=\"num\">{r.n_centers}</td>"
                    f"<td class=\"num\">{r.estimate:+.3f}</td><td class=\"num\">{ci}</td>"
                    f"<td class=\"num\">{p}</td><td class=\"num\">{r.truth:+.3f}</td></tr>")
    data_rows = "".join(f"<tr><td>{escape(k)}</td><td class=\"num\">{len(v):,}</td></tr>"
                        for k, v in tables.items())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        '<div class="note">' + "<br>".join(
            escape(x) for x in bottom_line(analysis, alpha, n_centers).split("\n")) + "</div>",
        "<h2>What the study would find</h2>",
        "<p>Each row is the change from the first to the second wave that the study "
        f"estimates from its data (t over centers, {level} interval), beside the "
        "model's true change in everyone the instrument describes. A change is "
        f"detected when p &lt; {alpha:g}.</p>",
        f"<table>{head}{''.join(rows)}</table>",
        f"<p class=\"small\">{escape(uncertainty.strip())}</p>",
        "<h2>Data collected</h2>",
        f"<table><tr><th>Table</th><th>Rows</th></tr>{data_rows}</table>",
    ]
    if power_png is not None:
        parts += ["<h2>Power: how often a study of each design detects the change</h2>",
                  f'<figure><img src="{data_uri(power_png)}" alt="Power curves">'
                  "<figcaption>Share of simulated studies with p below the threshold, "
                  "by number of centers and reliability of the instruments."
                  "</figcaption></figure>",
                  f"<pre class=\"small\">{escape(power_table or '')}</pre>"]
    parts += ["<h2>Provenance</h2>",
              f"<p class=\"small\">Command: <code>{escape(command)}</code>. The data, "
              "the analysis and provenance.json are in the output folder.</p>",
              "</body></html>"]
    return "\n".join(parts)
