"""Faces: the HTML reading of an exploration, for a state administrator.

One self-contained file (figures embedded as base64 PNG, styles inline, no scripts,
nothing fetched), like the compare report: the question; the bottom line in plain
words; what was explored (the conditions nobody chooses and the policies a state
can choose); where the BSC fails (the PRIM box in words, with how much to trust it);
which levers hold up (the robustness table with cost beside); how to read the
numbers; and where the results come from.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write_text
from ..outputs import words
from ..params import BY_NAME
from ..scenarios.report import CSS, VIEWPORT, data_uri, png_bytes
from .discover import Discovery
from .runner import Exploration, tradeoff_figure
from . import robust

HEADINGS = ("What was explored", "Where the BSC fails", "Which levers hold up",
            "How to read the numbers", "Where these results come from")


def _name(name: str) -> str:
    p = BY_NAME.get(name)
    meaning = p.meaning.rstrip(".") if p else name.replace("_", " ")
    return f"{escape(meaning)} (<code>{escape(name)}</code>)"


def _num(x: float) -> str:
    return f"{x:.3g}"


def box_words(d: Discovery) -> list[str]:
    """Each restricted input of the chosen box as a plain phrase."""
    out = []
    for _, r in d.restricted().iterrows():
        lo_cut, hi_cut = r["low"] > r["min"] + 1e-12, r["high"] < r["max"] - 1e-12
        unit = escape(BY_NAME[r["name"]].unit) if r["name"] in BY_NAME else ""
        if lo_cut and hi_cut:
            where = f"between {_num(r['low'])} and {_num(r['high'])} {unit}"
        elif lo_cut:
            where = f"at least {_num(r['low'])} {unit}"
        else:
            where = f"at most {_num(r['high'])} {unit}"
        out.append(f"{_name(r['name'])}: {where} (explored {_num(r['min'])} to "
                   f"{_num(r['max'])})")
    return out


def _box_sentence(d: Discovery, lead: str) -> str:
    if d.chosen is None or d.n_cases in (0, d.n) or not d.meets:
        return (f"<p>{escape(lead)}, {100 * d.base_rate:.0f}% of the cases fail, and no "
                f"set of conditions singles the failures out reliably ("
                f"{escape(d.verdict())}).</p>")
    return (f"<p>{escape(lead)}, failure concentrates where " + "; ".join(box_words(d))
            + f". These conditions hold {100 * d.coverage:.0f}% of the failures "
            f"(coverage), and {100 * d.density:.0f}% of the cases inside them fail "
            f"(density), against {100 * d.base_rate:.0f}% overall.</p>")


def bottom_line(result: Exploration) -> str:
    spec, table = result.spec, result.robustness
    t = spec.threshold(spec.discover)
    out = result.outcomes
    first = list(dict.fromkeys(out["policy"]))[0]
    fail_first = out.loc[out["policy"] == first, f"fails_{t.output}"].mean()
    parts = [f"<p><b>Bottom line.</b> With the first policy, <b>{escape(first)}</b>, "
             f"{words(t.output)} missed its goal ({escape(t.words())}) in "
             f"<b>{100 * fail_first:.0f}%</b> of the {spec.n_futures} simulated futures.</p>"]
    if first in result.by_policy:
        parts.append(_box_sentence(result.by_policy[first], f"For {first}, over the "
                                   "conditions nobody chooses"))
    parts.append(_box_sentence(result.discovery, "Over every policy, levers included"))
    best = table.iloc[0]
    cost = ""
    if "cost_per_center" in table:
        ref_cost = table.set_index("policy").loc[first, "cost_per_center"]
        cost = (f", at about ${best['cost_per_center']:,.0f} per center against "
                f"${ref_cost:,.0f} for {escape(first)}")
    parts.append(f"<p>The policy that met every goal in the most futures is "
                 f"<b>{escape(best['policy'])}</b>: in {100 * best['satisficing_share']:.0f}% "
                 f"of them{cost}.</p>")
    best_name = best["policy"]
    if best_name != first and best_name in result.by_policy:
        parts.append(_box_sentence(result.by_policy[best_name],
                                   f"Where even {best_name} fails"))
    parts.append(_stress_sentence(result))
    return "\n".join(parts)


def _stress_sentence(result: Exploration) -> str:
    """Which policies still work in the hard futures a reader worries about."""
    from .runner import stress_words
    st, spec = result.stress, result.spec
    if st is None:
        return ""
    if not len(st):
        return (f"<p>None of the {spec.n_futures} sampled futures falls inside the "
                f"hard futures ({escape(stress_words(spec))}): widen [stress] or sample "
                "more futures.</p>")
    t = spec.threshold(spec.discover)
    col = f"meets_{t.output}"
    ranked = st.sort_values(col, ascending=False, kind="stable")
    return (f"<p>In the hard futures ({escape(stress_words(spec))}: "
            f"{int(st['n_futures'].iloc[0])} of {spec.n_futures}), "
            f"{escape(words(t.output))} met its goal with "
            + ", ".join(f"<b>{escape(r['policy'])}</b> in {100 * r[col]:.0f}%"
                        for _, r in ranked.iterrows()) + " of them.</p>")


def _explored(result: Exploration) -> str:
    spec = result.spec
    rows = "".join(f"<tr><td>{_name(n)}</td><td class='num'>{_num(lo)} – {_num(hi)}</td>"
                   f"<td>{escape(BY_NAME[n].unit) if n in BY_NAME else ''}</td></tr>"
                   for n, (lo, hi) in spec.uncertainties.items())
    pol = pd.read_csv(result.out / "policies.csv")
    levers = [c for c in pol.columns if c != "policy"]
    head = "".join(f"<th>{_name(c)}</th>" for c in levers)
    prow = "".join("<tr><td><b>" + escape(str(r["policy"])) + "</b></td>"
                   + "".join(f"<td class='num'>{_num(r[c])}</td>" for c in levers)
                   + "</tr>" for _, r in pol.iterrows())
    return (f"<h2>What was explored</h2><p>{spec.n_futures} futures: combinations of "
            f"conditions nobody in the state chooses, drawn to cover these ranges evenly "
            f"(a Latin hypercube). Every policy was simulated in every future, "
            f"{spec.replicates} times with the same chance events for every policy, so "
            f"that differences between policies come from the policies.</p>"
            f"<table><tr><th>condition</th><th>range explored</th><th>unit</th></tr>"
            f"{rows}</table><p>The policies (what a state or funder chooses):</p>"
            f"<table><tr><th>policy</th>{head}</tr>{prow}</table>"
            f"<p>Goals: " + "; ".join(escape(t.words()) for t in spec.thresholds)
            + ".</p>")


def _fails(d: Discovery, fig: str, lead: str) -> str:
    parts = [f"<h3>{escape(lead)}</h3><p>Failure here means {escape(d.rule)}: "
             f"{d.n_cases} of {d.n} simulated cases. {escape(d.verdict())}.</p>"]
    if d.chosen is not None and len(d.limits):
        rows = "".join(
            f"<tr><td>{_name(r['name'])}</td><td class='num'>{_num(r['low'])} – "
            f"{_num(r['high'])}</td><td class='num'>{_num(r['min'])} – {_num(r['max'])}"
            f"</td><td class='num'>{_qp(r)}</td><td class='num'>"
            f"{_pct(r.get('reproduce_coverage', float('nan')))}</td></tr>"
            for _, r in d.restricted().iterrows())
        parts.append("<table><tr><th>condition</th><th>inside the box</th><th>explored"
                     "</th><th>quasi-p</th><th>found again</th></tr>" + rows + "</table>")
        parts.append(f'<figure><img src="{fig}" alt="PRIM trade-off between coverage and '
                     'density"><figcaption>Each dot is a candidate description (box); '
                     'to the right it holds more of the failures, higher up more of its '
                     'cases fail. The red ring is the one described above.</figcaption>'
                     '</figure>')
    if len(d.scores):
        top = ", ".join(f"{_name(r['name'])} ({r['score']:.2f})"
                        for _, r in d.scores.head(5).iterrows())
        parts.append(f"<p>What matters most for failing, by a forest of decision trees "
                     f"(scores sum to 1): {top}.</p>")
    return "\n".join(parts)


def _pct(v: float) -> str:
    return "–" if pd.isna(v) else f"{v:.0f}%"


def _qp(r) -> str:
    vals = [v for v in (r["qp_low"], r["qp_high"]) if pd.notna(v)]
    return f"{max(vals):.2g}" if vals else "–"


def _levers(result: Exploration, fig: str) -> str:
    spec, table = result.spec, result.robustness
    head = ("<tr><th>policy</th><th>futures meeting every goal</th>"
            + "".join(f"<th>regret: {escape(words(t.output))}</th>"
                      f"<th>worst 10%: {escape(words(t.output))}</th>"
                      for t in spec.thresholds)
            + ("<th>cost per center</th>" if "cost_per_center" in table else "") + "</tr>")
    rows = ""
    for _, r in table.iterrows():
        rows += (f"<tr><td><b>{escape(r['policy'])}</b></td><td class='num'>"
                 f"{100 * r['satisficing_share']:.0f}%</td>"
                 + "".join(f"<td class='num'>{r['regret_mean_' + t.output]:.3f}</td>"
                           f"<td class='num'>{r['worst10_' + t.output]:.3f}</td>"
                           for t in spec.thresholds)
                 + (f"<td class='num'>${r['cost_per_center']:,.0f}</td>"
                    if "cost_per_center" in table else "") + "</tr>")
    return (f"<h2>Which levers hold up</h2><table>{head}{rows}</table>"
            + _stress_sentence(result)
            + f'<figure><img src="{fig}" alt="Policies ranked under each robustness metric">'
            "<figcaption>Policies ranked under each measure, best at the top; the "
            "grey bars give the cost per center beside them.</figcaption></figure>")


READING = """<h2>How to read the numbers</h2><ul>
<li><b>Future</b>: one combination of the conditions nobody chooses (turnover, where
programs start, how good the change ideas are). Results are averaged over the repeated
simulations of each policy in each future.</li>
<li><b>Futures meeting every goal</b> (satisficing share): how often a policy reached
all the goals at once. Higher is better.</li>
<li><b>Regret</b>: how far a policy falls short of the best policy in the same future,
averaged over futures. 0 means it was always the best; lower is better.</li>
<li><b>Worst 10%</b>: the result a policy reaches or beats in 9 of 10 futures (for
challenging behavior, where less is better: the result it stays under in 9 of 10).</li>
<li><b>Coverage</b>: the share of all failures that fall inside the described
conditions. <b>Density</b>: the share of cases inside them that fail. A useful
description has both high.</li>
<li><b>Quasi-p</b>: how likely a limit this tight would arise by chance (small is
good); <b>found again</b>: in how many of 10 re-analyses on random halves of the
simulations the same condition was picked again.</li>
<li>These are simulations of a model with stated assumptions (docs/parameters.md),
not observations of programs.</li></ul>"""


def build_html(result: Exploration) -> str:
    spec = result.spec
    figs = {}
    finds = [(d, f"tradeoff_{name}") for name, d in result.by_policy.items()]
    finds.append((result.discovery, "tradeoff"))
    for d, key in finds:
        if len(d.trajectory):
            figs[key] = data_uri(png_bytes(tradeoff_figure(d)))
    figs["robustness"] = data_uri(png_bytes(robust.figure(result.robustness,
                                                          spec.thresholds)))
    prov = (f"<h2>Where these results come from</h2><p class='small'>Exploration file "
            f"<code>{escape(spec.path)}</code>, root seed {spec.root_seed}, "
            f"{spec.n_runs} runs ({result.failed} failed); scenario discovery with EMA "
            f"Workbench {escape(result.discovery.ema_version)}. Every table is in "
            f"<code>{escape(str(result.out))}</code> with <code>provenance.json</code> "
            f"(configuration, seeds, package versions).</p>")
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', VIEWPORT,
             f"<title>{escape(spec.title)}</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>{escape(spec.title)}</h1>",
             '<p class="question">Under which conditions does the Breakthrough Series '
             'Collaborative fail to improve most classrooms, and which choices of the '
             'state keep it working anyway?</p>',
             f'<div class="note">{bottom_line(result)}</div>',
             _explored(result), "<h2>Where the BSC fails</h2>",
             *(_fails(d, figs.get(f"tradeoff_{name}", ""),
                      f"Policy {name}, over the conditions nobody chooses")
               for name, d in result.by_policy.items()),
             _fails(result.discovery, figs.get("tradeoff", ""),
                    "Every policy, with the levers among the conditions"),
             _levers(result, figs["robustness"]), READING, prov, "</body></html>"]
    return "\n".join(parts)


def write_report(result: Exploration, path: str | Path) -> Path:
    path = Path(path)
    atomic_write_text(path, build_html(result))
    return path
