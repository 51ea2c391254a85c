"""Faces: the HTML report of a scenario comparison (`bscsim compare --report`).

One self-contained file (figures embedded as base64 PNG, styles inline, no
scripts, nothing fetched from the network) for a reader who never opened a
terminal: what was compared, in plain words; the key findings; impacts over time
with uncertainty bands; a dot-and-interval chart of differences from the
reference; cost-effectiveness; and the assumptions behind them (parameters
changed, cost prices, their sources).
"""

from __future__ import annotations

import base64
import io
import sys
from html import escape
from pathlib import Path

import numpy as np

from ..atomic import atomic_write_text
from ..cohorts import state_weeks
from ..params import BY_NAME as PARAMS, PARAMS as ALL_PARAMS
from . import plots as cp
from .comparison import Comparison

FINDINGS = ("practice_gain_sd", "classrooms_improved_share", "child_se_gain_sd",
            "practice_gain_sd_followup", "cost_per_center", "cost_per_classroom_improved")
# A detectable gain that beats the reference in fewer paired simulations than this
# share is called "small and uncertain" in the bottom line.
UNSURE_SHARE = 0.75
BASE_FACTS = ("n_centers", "share_head_start", "weeks_collab", "weeks_followup",
              "n_learning_sessions", "call_interval_weeks", "n_team_teachers",
              "n_team_parents", "planning_hours", "turnover_cc", "turnover_hs")

# Laid out for a laptop (a 1,100 px column, figures at full size) and a phone (390 px):
# a wide table scrolls sideways inside its own box instead of widening the page,
# figures shrink to the column, long words break.
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; overflow-wrap: break-word; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
.question { font-size: 1.15em; font-style: italic; color: #333; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; display: block;
        max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; white-space: nowrap; font-family: monospace; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
img, svg, pre { max-width: 100%; }
pre { overflow-x: auto; }
@media (max-width: 600px) {
  body { margin: 1em auto; padding: 0 0.6em; }
  /* a figure stays large enough to read and scrolls sideways in its own box */
  figure { overflow-x: auto; }
  figure img { max-width: none; width: 800px; }
  h1 { font-size: 1.45em; }
  th, td { padding: 0.3em 0.4em; }
}
figcaption { font-size: 0.92em; color: #444; margin-top: 0.4em; }
.note { background: #f7f7f0; border-left: 4px solid #bb9; padding: 0.6em 1em; }
.small { font-size: 0.85em; color: #555; }
"""


def png_bytes(fig, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed)."""
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def build_html(c: Comparison, pngs: dict[str, bytes] | None = None) -> str:
    """The report as one HTML string; `pngs` are the figures already drawn by
    `figure_pngs` (drawn now if not given)."""
    spec = c.spec
    labels = {s.name: s.label for s in spec.scenarios}
    ref = spec.reference
    figs = {k: data_uri(v) for k, v in (pngs or figure_pngs(c)).items()}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">', VIEWPORT,
        f"<title>{escape(spec.title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(spec.title)}</h1>",
        f'<p class="question">{escape(spec.question)}</p>' if spec.question else "",
        f'<div class="note">{bottom_line(c)}</div>',
        _compared(c, labels),
        _reading(c),
        _findings(c, labels),
        "<h2>Impacts over time</h2>",
        _figure(figs["over_time"], "Impacts over time, per scenario",
                "Top row: how each outcome changed since the start, week by week. "
                "Bottom row: the same, minus what happened with the reference in the "
                "same simulated programs. Each line is the middle (median) of the "
                "simulations; the shaded band holds 90% of them (5th to 95th "
                "percentile), so it shows how uncertain the result is. The dotted line "
                "marks the end of the collaborative; after it, centers are followed to "
                "see what lasts. Children's values jump when a new group of children "
                "arrives at the start of each program year (week 52)."),
        *(["<h2>Engagement and programs that leave</h2>",
            _figure(figs["engagement"], "Engagement and departures over time, per scenario",
                    "Left: the teams' mean engagement (0 to 1: how far they take part "
                    "in sessions, calls, reports and tests). Right: how many programs "
                    "have left the collaborative. Top row: change since the start; "
                    "bottom row: minus the reference in the same simulated programs. "
                    "Lines: median; bands: 90% of the simulations (issue 26).")]
          if "engagement" in figs else []),
        "<h2>Differences from the reference</h2>",
        _figure(figs["differences"], "Difference from the reference, per scenario",
                f"Each dot is the middle (median) difference between a scenario and "
                f"<b>{escape(labels[ref])}</b>, simulated on the same programs with the "
                f"same chance events; the bar holds 90% of the differences. A bar that "
                f"does not cross the vertical line at zero means the scenario differs "
                f"from the reference in nearly every simulation."),
        "<h2>Cost-effectiveness</h2>",
        _cost(c, labels, figs["cost_effectiveness"]),
        "<h2>Assumptions behind these results</h2>",
        _assumptions(c, labels),
        _provenance(c),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def save_all(c: Comparison, out: str | Path, command: str | None = None) -> Path:
    """Save a comparison's tidy results, its figures as PNG and `report.html`
    into `out` (what the scenario experiments write)."""
    from ..atomic import atomic_folder
    from .comparison import MARKER
    pngs = figure_pngs(c)
    html = build_html(c, pngs)
    with atomic_folder(out, MARKER, "compare") as tmp:    # written whole, then swapped
        c.write(tmp, command=command)
        for name, png in pngs.items():
            (tmp / f"{name}.png").write_bytes(png)
        (tmp / "report.html").write_text(html, encoding="utf-8")
    return Path(out)


QUICK = {"n_centers": 4, "weeks_collab": 20, "weeks_followup": 6}


def experiment(doc: str, scenarios: Path, out: Path, argv: list[str] | None = None) -> int:
    """The command line of a scenario experiment (experiments/02, 03): run the
    scenario file, print its table, save everything under `out`. `--quick` runs 2
    replicates of a small, short collaborative (a smoke test)."""
    import argparse
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 small replicates")
    parser.add_argument("--workers", type=int, default=1, help="local processes")
    parser.add_argument("--out", default=str(out), help=f"results folder (default {out})")
    args = parser.parse_args(argv)
    from .comparison import compare, read_scenarios
    spec = read_scenarios(scenarios, replicates=2 if args.quick else None,
                          base_changes=QUICK if args.quick else None)
    comparison = compare(spec, workers=args.workers)
    command = " ".join(["python", *sys.argv]) if argv is None else None
    saved = save_all(comparison, args.out, command=command)
    print(comparison.table())
    print(f"\nsaved to {saved}/ (report.html, figures, tidy results)")
    return 0


def figure_pngs(c: Comparison) -> dict[str, bytes]:
    """The report's figures as PNG bytes, by file stem."""
    return {k: png_bytes(fig) for k, fig in figures(c).items()}


def figures(c: Comparison) -> dict[str, "matplotlib.figure.Figure"]:
    """The report's figures, by file stem: over_time, engagement, differences,
    cost_effectiveness."""
    spec, stats = c.spec, c.stats()
    labels = {s.name: s.label for s in spec.scenarios}
    return {
        "over_time": cp.over_time(c.timeseries, spec.names, labels,
                                  spec.base_params.weeks_collab, spec.reference),
        "engagement": cp.over_time(c.timeseries, spec.names, labels,
                                   spec.base_params.weeks_collab, spec.reference,
                                   outputs=("engagement", "centers_left")),
        "differences": cp.differences(stats, spec.names, labels, spec.reference),
        "cost_effectiveness": cp.cost_effectiveness(stats, spec.names, labels,
                                                    spec.reference,
                                                    c.similar_to_reference()),
    }


def write_report(c: Comparison, path: str | Path, html: str | None = None) -> Path:
    """Write the report (built now unless `html` is given) atomically to `path`."""
    path = Path(path)
    html = html if html is not None else build_html(c)
    return atomic_write_text(path, html)


# ------------------------------------------------------------------ sections
def bottom_line(c: Comparison) -> str:
    """The report's answer in words (HTML): which strategy bought extra improved
    classrooms most cheaply among those whose gain is detectable (the 95% interval
    of the mean paired difference excludes zero), at what cost per extra improved
    classroom, how sure (the bootstrap interval, and in how many paired simulations
    it improved more classrooms than the reference); which improved practice most;
    which cannot be told from the reference (for those no cost per classroom
    improved is given)."""
    spec = c.spec
    labels = {s.name: escape(s.label) for s in spec.scenarios}
    ref, n = spec.reference, spec.replicates
    inc = c.incremental().set_index("scenario")
    st = c.stats().set_index(["output", "scenario"])
    others = [s.name for s in spec.scenarios if s.name != ref]
    if not others:
        return "<b>Bottom line.</b> One scenario only: nothing to compare."
    clear = [x for x in others if inc.loc[x, "verdict"] in ("costs", "dominant")]
    unclear = [x for x in others if inc.loc[x, "verdict"] in ("similar", "similar_cheaper")]
    out = [f"<b>Bottom line</b> ({n} paired simulations of each strategy). "]
    if clear:
        best = min(clear, key=lambda x: (inc.loc[x, "verdict"] != "dominant",
                                         inc.loc[x, "cost_per_extra_classroom"]))
        r = inc.loc[best]
        more = st.loc[("classrooms_improved_share", best), "p_higher"]
        how = ("improved more classrooms than "
               f"{labels[ref]} at no extra cost" if r["verdict"] == "dominant" else
               f"bought extra improved classrooms most cheaply among the strategies whose "
               f"gain is detectable: about {_usd(r['cost_per_extra_classroom'])} for each "
               f"participating classroom that improved beyond {labels[ref]} (95% bootstrap "
               f"interval {_usd(r['lo'])} to {_usd(r['hi'])})")
        sure = ("a small and uncertain gain: " if more < UNSURE_SHARE else "")
        out.append(f"<b>{labels[best]}</b> {how}. It improved more classrooms than "
                   f"{labels[ref]} in {more * 100:.0f}% of the paired simulations "
                   f"({sure}{r['extra_improved_per_center']:+.2f} classrooms per program on "
                   f"average, 95% interval {r['extra_improved_lo']:+.2f} to "
                   f"{r['extra_improved_hi']:+.2f}). ")
        top = max(others, key=lambda x: st.loc[("practice_gain_sd", x), "diff_median"])
        g = st.loc[("practice_gain_sd", top)]
        if top != best and g["diff_median"] > 0:
            out.append(f"<b>{labels[top]}</b> raised classroom practice the most: "
                       f"{g['diff_median']:+.2f} standard deviations over {labels[ref]} "
                       f"(90% of simulations: {g['diff_lo']:+.2f} to {g['diff_hi']:+.2f}). ")
    else:
        out.append(f"No strategy improved detectably more classrooms than {labels[ref]}: "
                   "for each, the 95% interval of the mean extra improved classrooms "
                   "includes zero or lies below it, so no cost per classroom improved is "
                   "given. ")
    for x in unclear:
        money = inc.loc[x, "extra_cost_per_center"]
        out.append(f"<b>{labels[x]}</b>: no detectable difference from {labels[ref]} in "
                   f"classrooms improved, so no cost per classroom improved is given (it "
                   f"costs {_usd(abs(money))} {'less' if money < 0 else 'more'} per "
                   "program). ")
    out.append("More simulations (<code>--replicates</code>) narrow the bootstrap "
               "interval of the cost; the assumptions below bound what any number of "
               "simulations can say.")
    return "".join(out)


def _reading(c: Comparison) -> str:
    """How to read the numbers: the units and the comparisons, in plain words."""
    p = c.spec.base_params
    return (
        "<h2>How to read the numbers</h2><ul>"
        "<li><b>Standard deviation (SD).</b> Changes in classroom practice and in "
        "children's skills are measured in standard deviations: the usual spread "
        "between classrooms (or children) at the start. A change of 0.5 SD would move "
        "a classroom from the middle of where classrooms started to about the 69th "
        "percentile of them.</li>"
        "<li><b>z.</b> Children's social-emotional competence is on a z scale: 0 is "
        "the average child at the start, 1 is one standard deviation above it.</li>"
        "<li><b>Classrooms improved.</b> A participating classroom counts as improved "
        "when its <i>observed</i> practice rose by more than "
        f"{p.improved_margin_sd:g} SD between the observations before and after the "
        "collaborative. Observers make errors, so some classrooms count as improved "
        "even when nothing changed: in a strategy that changes no practice (business "
        "as usual) the whole share is observer error. Read each share against the "
        "reference's, not against zero.</li>"
        "<li><b>Differences from the reference.</b> Each simulation runs every "
        "strategy on the same programs with the same chance events, so a strategy's "
        "difference from the reference is taken simulation by simulation (paired). "
        "The difference shown is the middle (median) of these paired differences; it "
        "need not equal the difference between the two middles shown for the "
        "strategies, and it is the better guide, because pairing removes most of the "
        "chance.</li>"
        "<li><b>90% interval.</b> The range that holds 90% of the simulations (5th to "
        "95th percentile): " + _interval_includes(c) + "</li></ul>")


def _interval_includes(c: Comparison) -> str:
    """Which uncertainty every interval of the report includes, in plain words."""
    info = c.posterior
    if info is None:
        return ("how much the result varies from one group of programs to another by "
                "chance. <b>These intervals include chance only</b>: every simulation "
                "uses the same values of the model's parameters (the config's), so they "
                "leave out the uncertainty about those values (a calibrated posterior, "
                "<code>--posterior DIR</code>, adds it).")
    drawn = ", ".join(f"<code>{escape(n)}</code>" for n in info["drawn"])
    text = ("how much the result varies from one simulation to another. <b>These "
            "intervals include chance and parameter uncertainty</b>: each simulation "
            "uses one set of values drawn from the calibrated posterior "
            f"<code>{escape(str(info['folder']))}</code> ({drawn}), the same set for "
            "every strategy in that simulation, so the intervals are wider than with "
            "chance alone and the paired differences still compare like with like.")
    if info.get("held"):
        held = ", ".join(f"<code>{escape(n)}</code>" for n in info["held"])
        text += (f" Not drawn, because a scenario sets them: {held} (held at the "
                 "scenarios' values).")
    return text


def _figure(src: str, alt: str, caption: str) -> str:
    return (f'<figure><img src="{src}" alt="{escape(alt)}">'
            f"<figcaption>{caption}</figcaption></figure>")


def _compared(c: Comparison, labels: dict) -> str:
    spec, base = c.spec, c.spec.base_params
    rows = "".join(
        f"<tr><td><b>{escape(s.label)}</b>{' (reference)' if s.name == spec.reference else ''}"
        f"</td><td>{escape(s.description) or _changes_words(s.changes)}</td></tr>"
        for s in spec.scenarios)
    cohorts = [s for s in spec.scenarios if s.params.n_cohorts > 1]
    cohort_note = "".join(
        f"<p class=\"note\"><b>{escape(s.label)}</b> enrolls programs in "
        f"{s.params.n_cohorts} successive collaboratives of {s.params.n_centers} programs, "
        f"one every {s.params.cohort_interval_weeks} weeks; the last one ends in week "
        f"{state_weeks(s.params)} of the state's calendar. Its results are averaged over "
        f"the cohorts, each on its own clock. In this model cohorts do not learn from "
        f"each other.</p>" for s in cohorts)
    return (
        "<h2>What was compared</h2>"
        f"<p>The model simulates a group of {base.n_centers} early care and education "
        f"programs (about {round(base.share_head_start * 100)}% Head Start, the rest child "
        f"care) over a {base.weeks_collab}-week improvement effort and "
        f"{base.weeks_followup} more weeks of follow-up, week by week, with the staff, "
        "teams and children of each program. Each scenario below was simulated "
        f"<b>{spec.replicates} times</b>. In each of these runs, every scenario faced the "
        "same programs and the same chance events (who leaves, which ideas work where) "
        "wherever the scenario itself did not change them, so that differences between "
        "scenarios come from the scenarios, not from luck.</p>"
        f"<table><tr><th>Scenario</th><th>What it means</th></tr>{rows}</table>"
        + cohort_note)


def _changes_words(changes: dict) -> str:
    if not changes:
        return "The base setting, unchanged."
    return "; ".join(f"{escape(PARAMS[k].meaning.rstrip('.'))}: {v}" for k, v in changes.items())


def _findings(c: Comparison, labels: dict) -> str:
    spec, st = c.spec, c.stats().set_index(["output", "scenario"])
    ref = spec.reference
    gain = st.loc["practice_gain_sd"]
    share = st.loc["classrooms_improved_share"]
    cost = st.loc["cost_per_center"]
    items = []
    for s in spec.scenarios:
        if s.name == ref:
            continue
        g, sh, co = gain.loc[s.name], share.loc[s.name], cost.loc[s.name]
        word = "more" if g["diff_median"] >= 0 else "less"
        items.append(
            f"<li><b>{escape(s.label)}</b>: classroom social-emotional practice changed by "
            f"{abs(g['diff_median']):.2f} standard deviations {word} than with "
            f"{escape(labels[ref])} (median of the paired differences; 90% of simulations: "
            f"{g['diff_lo']:+.2f} to {g['diff_hi']:+.2f}); {_pct(sh['diff_median'])} "
            "percentage points "
            f"{'more' if sh['diff_median'] >= 0 else 'fewer'} classrooms improved; it cost "
            f"about {_usd(co['median'])} per program.</li>")
    header = "".join(f"<th>{escape(cp.label(o))}</th>" for o in FINDINGS)
    rows = []
    similar = c.similar_to_reference()
    for s in spec.scenarios:
        cells = []
        for o in FINDINGS:
            r = st.loc[(o, s.name)]
            if o == "cost_per_classroom_improved" and s.name in similar:
                cells.append('<td class="small">not given: no detectable difference '
                             'from the reference in classrooms improved</td>')
                continue
            cells.append(f'<td class="num">{_fmt(o, r["median"])}<br>'
                         f'<span class="small">[{_fmt(o, r["lo"])}, {_fmt(o, r["hi"])}]</span></td>')
        rows.append(f"<tr><td>{escape(s.label)}</td>{''.join(cells)}</tr>")
    return ("<h2>Key findings</h2>"
            f"<p>Compared with <b>{escape(labels[ref])}</b>, at the end of the "
            "collaborative:</p>"
            f"<ul>{''.join(items)}</ul>"
            "<p>The table gives each scenario's middle value and, below it in brackets, "
            "the range that holds 90% of the simulations.</p>"
            f"<table><tr><th>Scenario</th>{header}</tr>{''.join(rows)}</table>")


def _cost(c: Comparison, labels: dict, fig: str) -> str:
    spec = c.spec
    inc = c.incremental().set_index("scenario")
    rows = []
    for s in spec.scenarios:
        if s.name == spec.reference:
            continue
        r = inc.loc[s.name]
        ratio = r["cost_per_extra_classroom"]
        if r["verdict"] == "costs":
            text = (f"{_usd(ratio)} <span class=\"small\">[{_usd(r['lo'])} to "
                    f"{_usd(r['hi'])}]</span>")
        elif r["verdict"] == "dominant":
            text = "more classrooms improved, at no extra cost"
        elif r["verdict"] == "fewer":
            text = "fewer classrooms improved than in the reference"
        else:
            text = (f"not given: no detectable difference from the reference (the extra "
                    f"improvement, {r['extra_improved_lo']:+.2f} to "
                    f"{r['extra_improved_hi']:+.2f} classrooms per program, may be zero)")
        rows.append(f"<tr><td>{escape(s.label)}</td>"
                    f"<td class=\"num\">{_usd(r['extra_cost_per_center'])}</td>"
                    f"<td class=\"num\">{r['extra_improved_per_center']:.2f}</td>"
                    f"<td>{text}</td></tr>")
    ref = escape(labels[spec.reference])
    return (
        _figure(fig, "Cost-effectiveness of each scenario",
                "Left: what each scenario costs per program, against how much more "
                f"classroom practice improved than with {ref} (dots: medians; bars: 90% "
                "of simulations). Up and to the left is better value. Right: the "
                "scenario's whole cost divided by the number of participating classrooms "
                "that improved by at least half a standard deviation, shown only for "
                "scenarios whose classrooms improved differ detectably from "
                f"{ref}'s.")
        + f"<p>The extra cost of each scenario over {ref}, per program, and what each "
          "extra improved classroom costs (the ratio of the average extra cost to the "
          "average extra number of improved classrooms; in brackets, its 95% bootstrap "
          "over the simulations):</p>"
        + "<table><tr><th>Scenario</th><th>Extra cost per program</th>"
          "<th>Extra classrooms improved per program</th>"
          "<th>Cost per extra classroom improved</th></tr>"
        + "".join(rows) + "</table>"
        + "<p class=\"small\">Costs count what the strategy itself spends over the "
          "collaborative: learning sessions, calls, team meetings, faculty, coaching, "
          "workshops, extra paid planning time and a fixed cost of running a "
          "collaborative; staff time is priced at a wage. They do not count what a "
          "policy costs to change the context (for example, what halving turnover "
          "would cost). The prices are listed below.</p>")


def _assumptions(c: Comparison, labels: dict) -> str:
    spec, base = c.spec, c.spec.base_params
    facts = "".join(
        f"<tr><td>{escape(PARAMS[k].meaning)}</td><td class=\"num\">{getattr(base, k)}"
        f"</td><td>{escape(PARAMS[k].unit)}</td><td class=\"small\">"
        f"{escape(PARAMS[k].source)}</td></tr>" for k in BASE_FACTS)
    changes = []
    for s in spec.scenarios:
        if not s.changes:
            changes.append(f"<tr><td>{escape(s.label)}</td><td colspan=\"4\">no change "
                           "from the base</td></tr>")
            continue
        for j, (k, v) in enumerate(sorted(s.changes.items())):
            p = PARAMS[k]
            first = (f"<td rowspan=\"{len(s.changes)}\">{escape(s.label)}</td>"
                     if j == 0 else "")
            changes.append(
                f"<tr>{first}<td><code>{k}</code>: {escape(p.meaning)}</td>"
                f"<td class=\"num\">{getattr(base, k)} &rarr; {v}</td>"
                f"<td>{escape(p.unit)}</td><td class=\"small\">{escape(p.source)}</td></tr>")
    costs = "".join(
        f"<tr><td><code>{p.name}</code>: {escape(p.meaning)}</td>"
        f"<td class=\"num\">{getattr(base, p.name):,g}</td><td>{escape(p.unit)}</td>"
        f"<td class=\"small\">{escape(p.source)}</td></tr>"
        for p in ALL_PARAMS if p.group == "cost")
    return (
        f"<p>The base setting is <code>{escape(spec.base.name)}</code>:</p>"
        "<table><tr><th>Setting</th><th>Value</th><th>Unit</th><th>Source</th></tr>"
        f"{facts}</table>"
        "<h3>What each scenario changes</h3>"
        "<table><tr><th>Scenario</th><th>Parameter</th><th>Base &rarr; scenario</th>"
        f"<th>Unit</th><th>Source</th></tr>{''.join(changes)}</table>"
        "<h3>Cost assumptions</h3>"
        "<table><tr><th>Price</th><th>Value</th><th>Unit</th><th>Source</th></tr>"
        f"{costs}</table>"
        "<p class=\"note\">This is a simulation model, not a measurement: many of its "
        "numbers are informed assumptions (marked \"assumption\" in the source column), "
        "and the model is still being calibrated against published studies. Read the "
        "results as what follows from these assumptions: which strategies tend to do "
        "better, and why, rather than as exact predictions. All parameters, with "
        "meanings and sources, are listed by <code>bscsim params</code>.</p>")


def _provenance(c: Comparison) -> str:
    prov = c.provenance()
    versions = ", ".join(f"{k} {v}" for k, v in prov["versions"].items())
    return (
        "<h2>How this report was made</h2>"
        f"<p class=\"small\">Scenario file <code>{escape(prov['scenario_file'])}</code>; "
        f"{prov['replicates']} replicates per scenario; root seed {prov['root_seed']} "
        f"({escape(prov['seeds'])}); {escape(prov['uncertainty'])}. "
        f"Software: {escape(versions)}. The tidy results "
        "(every run's summary and weekly values) and the full provenance are saved "
        "beside them by <code>bscsim compare --out</code>.</p>")


def _usd(x: float) -> str:
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.0f}"


def _fmt(output: str, x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    if output.startswith("cost"):
        return _usd(x)
    if output == "classrooms_improved_share":
        return f"{x * 100:.0f}%"
    return f"{x:.2f}"
