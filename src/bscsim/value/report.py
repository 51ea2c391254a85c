"""Faces: the HTML reading of a value-of-information analysis, for a state
administrator. One self-contained file (figures embedded as base64 PNG, styles
inline, no scripts, nothing fetched), like the compare and explore reports: the
question; the bottom line in plain words; the options and which is best how
often; what research could be worth (EVPI, EVPPI by group and parameter); a
study before deciding (EVSI, ENBS); how to read the numbers; where the results
come from.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..atomic import atomic_write_text
from ..scenarios.report import CSS, data_uri, png_bytes
from .figures import figures
from .words import GROUP_WORDS, at, bottom_line, usd

READING = """<h2>How to read the numbers</h2>
<p>Each option runs at every draw of the uncertain parameters, with the same chance
events (common random numbers). <b>Net benefit</b> per center = what the state is
willing to pay per unit of outcome x the outcome gained - the cost. The
<b>acceptability curve</b> gives, at each willingness to pay, the share of draws in
which an option has the highest net benefit. The <b>EVPI</b> is what knowing every
uncertain parameter would be worth, the most any research could be worth to this
decision. The <b>EVPPI</b> of a group is what knowing only that group would be
worth: it is estimated by regression (a GAM) of the net benefits on the group's
parameters, with a standard error (SE) and a fit check (R<sup>2</sup>; a residual z
above 3 says the fit missed a trend). The <b>EVSI</b> of a study is what its data
would be worth before deciding; minus the study's cost it is the <b>expected net
benefit of sampling</b> (ENBS), largest at the best study size. All are expected
values over the uncertainty the decision file declares, and depend on the model's
assumptions (docs/value.md).</p>"""


def _table(df, cols, heads, fmt) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{escape(f(r[c]))}</td>" for c, f in
                                     zip(cols, fmt)) + "</tr>" for _, r in df.iterrows())
    return f"<table><tr>{head}</tr>{body}</table>"


def build_html(result) -> str:
    d = result.decision
    w = d.headline_wtp
    figs = {k: data_uri(png_bytes(f)) for k, f in figures(result).items()}
    labels = {o.name: o.label for o in d.options}
    pct = lambda v: f"{v:.0%}"      # noqa: E731
    money = usd
    ceac = result.ceac.pivot(index="wtp", columns="option", values="p_best").reset_index()
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{escape(d.title)}</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>{escape(d.title)}</h1>",
             f'<p class="question">{escape(d.question)}</p>' if d.question else "",
             '<div class="note"><p><b>Bottom line.</b></p><ul>'
             + "".join(f"<li>{escape(s)}</li>" for s in bottom_line(result))
             + "</ul></div>",
             "<h2>The options, and which is best how often</h2>",
             _table(ceac, ["wtp", *labels], [f"USD per {d.units}",
                                             *labels.values()],
                    [money] + [pct] * len(labels)),
             f'<img src="{figs["ceac"]}" alt="acceptability curve">',
             "<h2>What research could be worth</h2>",
             _table(result.evpi, ["wtp", "evpi_per_center", "evpi_state"],
                    [f"USD per {d.units}", "EVPI per center", "EVPI for the state"],
                    [money, money, money]),
             "<p>The EVPI over the draws also counts the chance events of single runs "
             "(which centers lose teachers, which ideas are tried), which no research "
             "can learn; the row <i>every uncertain parameter together</i> below is "
             "the value of knowing the parameters.</p>"]
    if len(result.groups):
        g = at(result.groups, w).sort_values("evppi_per_center", ascending=False)
        g = g.assign(words=[GROUP_WORDS.get(x, x) for x in g["group"]])
        parts += [f"<p>At {money(w)} per {escape(d.units)}, by group of parameters:</p>",
                  _table(g, ["words", "n_params", "evppi_per_center", "se_per_center",
                             "null_per_center", "evppi_state", "r2_min", "resid_z_max"],
                         ["group", "parameters", "EVPPI per center", "SE",
                          "in shuffled data", "EVPPI for the state", "fit R²",
                          "residual z"],
                         [str, str, money, money, money, money, lambda v: f"{v:.2f}",
                          lambda v: f"{v:.1f}"])]
        if "evppi" in figs:
            parts.append(f'<img src="{figs["evppi"]}" alt="EVPPI by group">')
    if len(result.single):
        s = at(result.single, w).sort_values("evppi_per_center", ascending=False)
        parts += ["<p>Single parameters (the top of a screen):</p>",
                  _table(s, ["param", "group", "evppi_per_center", "se_per_center",
                             "r2_min"], ["parameter", "group", "EVPPI per center", "SE",
                                         "fit R²"],
                         [str, str, money, money, lambda v: f"{v:.2f}"])]
    if result.evsi is not None and len(result.evsi):
        e = at(result.evsi, w)
        parts += ["<h2>A study before deciding</h2>",
                  f"<p>The study of <code>{escape(d.study.file)}</code> measuring "
                  f"{escape(labels[d.study.option])}: observed change in classroom "
                  f"practice, reliability {d.study.reliability:g}, "
                  f"{money(d.study.cost_per_center)} per center studied plus "
                  f"{money(d.study.cost_fixed)}.</p>",
                  _table(e, ["centers", "evsi_per_center", "evsi_state", "study_cost",
                             "enbs"], ["centers studied", "EVSI per center",
                                       "EVSI for the state", "study cost", "ENBS"],
                         [lambda v: f"{v:.0f}", money, money, money, money]),
                  f'<img src="{figs["evsi"]}" alt="EVSI and ENBS">']
    sources = ", ".join(sorted(set(result.sources.values())))
    parts += [READING,
              f"<h2>Where these results come from</h2><p class='small'>Decision file "
              f"<code>{escape(d.path)}</code>, seed {d.seed}, {len(result.draws):,} draws "
              f"({result.dropped} dropped), parameters from: {escape(sources)}. Every "
              f"table is in <code>{escape(str(result.out))}</code> with "
              "<code>provenance.json</code> (decision, seeds, package versions) and "
              "<code>data_dictionary.csv</code>.</p>", "</body></html>"]
    return "\n".join(parts)


def write_report(result, path: str | Path) -> Path:
    path = Path(path)
    atomic_write_text(path, build_html(result))
    return path
