"""The HTML report of `bscsim compare` and the scenario experiments (issue 4)."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bscsim.scenarios.report import build_html, write_report
from bscsim.scenarios import compare, read_scenarios

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SMALL = {"n_centers": 4, "weeks_collab": 20, "weeks_followup": 6}
HEADINGS = ("What was compared", "Key findings", "Impacts over time",
            "Differences from the reference", "Cost-effectiveness",
            "Assumptions behind these results")


@pytest.fixture(scope="module")
def comparison(strategies_comparison):
    """strategies.toml, small, 4 replicates (conftest.py: shared with the browser's
    layout tests)."""
    return strategies_comparison


@pytest.fixture(scope="module")
def report(tmp_path_factory, comparison) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(comparison, path)


def test_bottom_line_names_the_cheapest_clear_gain_and_how_sure(comparison):
    from bscsim.scenarios.report import bottom_line
    text = bottom_line(comparison)
    inc = comparison.incremental()
    clear = inc[inc["verdict"] == "costs"]
    labels = {s.name: s.label for s in comparison.spec.scenarios}
    if len(clear) and not (inc["verdict"] == "dominant").any():
        best = clear.loc[clear["cost_per_extra_classroom"].idxmin()]
        assert f"<b>{labels[best['scenario']]}</b>" in text, \
            f"the strategy with the lowest cost per extra improved classroom leads: {text}"
        assert f"${best['cost_per_extra_classroom']:,.0f}" in text \
            and "bootstrap interval" in text and "% of the paired simulations" in text, \
            f"at what cost, and how sure: {text}"
    else:
        assert "No strategy improved detectably more classrooms" in text, text


def test_bottom_line_says_when_no_strategy_clearly_helps(comparison):
    from bscsim.scenarios.report import bottom_line
    from bscsim.scenarios import Comparison
    same = comparison.summary.copy()
    ref = comparison.spec.reference
    base = same[same["scenario"] == ref].set_index(["replicate", "output"])["value"]
    same["value"] = [base[(r, o)] for r, o in zip(same["replicate"], same["output"])]
    flat = Comparison(comparison.spec, same, comparison.timeseries, comparison.sizes)
    text = bottom_line(flat)
    assert "No strategy improved detectably more classrooms" in text, \
        "strategies identical to the reference get no winner"
    assert "$" not in text.split("so no cost per classroom improved is given")[0], \
        f"no cost per classroom improved before saying none is given: {text}"


def test_report_gives_no_cost_per_classroom_without_a_detectable_difference(comparison):
    from bscsim.scenarios import Comparison
    same = comparison.summary.copy()
    ref = comparison.spec.reference
    base = same[same["scenario"] == ref].set_index(["replicate", "output"])["value"]
    keep = same["output"].isin(["cost_per_center", "cost_per_classroom_improved"])
    same.loc[~keep, "value"] = [base[(r, o)] for r, o in
                                zip(same.loc[~keep, "replicate"], same.loc[~keep, "output"])]
    flat = Comparison(comparison.spec, same, comparison.timeseries, comparison.sizes)
    from bscsim.scenarios.report import _findings, bottom_line
    labels = {s.name: s.label for s in comparison.spec.scenarios}
    html = _findings(flat, labels) + bottom_line(flat)    # the sections, no figures
    others = len(comparison.spec.scenarios) - 1
    assert html.count("not given: no detectable difference from the reference in "
                      "classrooms improved") == others, \
        "the findings table gives no cost per classroom improved to any strategy whose " \
        "classrooms improved equal the reference's"
    assert "no cost per classroom improved is given" in html, \
        "the bottom line says why no cost per classroom improved is given"


def test_report_explains_units_and_comparisons(report):
    html = report.read_text()
    for text in ("Bottom line", "How to read the numbers", "Standard deviation",
                 "average child at the start", "observer error",
                 "median) of these paired differences"):
        assert text in html, f"the report should explain {text!r}"


def test_report_is_self_contained(report):
    html = report.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), \
        "nothing is fetched from the network"
    assert "<script" not in html, "no scripts"
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 4, ("four embedded figures: impacts over time, engagement and "
                              "departures (issue 26), differences, cost-effectiveness")
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n", "each is a real PNG"


def test_report_names_what_was_compared_and_its_assumptions(report):
    html = report.read_text()
    for text in HEADINGS + ("Full BSC", "Business as usual", "wage_hour", "training_dose"):
        assert text in html, f"the report should show {text!r}"


def _chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp / 'profile'}"]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="needs Chromium at /usr/bin/chromium (CI installs it)")
def test_report_renders_in_a_headless_browser(report, tmp_path):
    # the DOM after load, with a probe that counts the decoded images
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text().replace(
        "</body>", "<script>window.addEventListener('load', () => {"
        "document.body.dataset.decoded = [...document.images]"
        ".filter(i => i.complete && i.naturalWidth > 100).length;});</script></body>"))
    dom = _chromium("--virtual-time-budget=10000", "--dump-dom", probe.as_uri(),
                    tmp=tmp_path).stdout
    n = report.read_text().count("<img")
    assert n >= 3 and f'data-decoded="{n}"' in dom, \
        f"the browser decodes every figure of the report ({n})"
    for heading in HEADINGS:
        assert re.search(rf"<h2>{re.escape(heading)}</h2>", dom), f"heading {heading!r}"
    shot = tmp_path / "shot.png"
    _chromium(f"--screenshot={shot}", "--window-size=1200,2000", report.as_uri(),
              tmp=tmp_path)
    import matplotlib.image
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert (pixels < 0.9).any(axis=2).mean() > 0.02, "the screenshot is not blank"
    assert pixels.std() > 0.05, "the screenshot shows text and figures"


def test_build_html_is_a_document():
    import dataclasses
    spec = read_scenarios(ROOT / "configs" / "scenarios" / "policy_levers.toml",
                          replicates=2, base_changes=SMALL)
    # the reference and the cohort scenario: what this test reads (two of six
    # scenarios, a third of the runs and figure panels)
    keep = tuple(s for s in spec.scenarios
                 if s.name == spec.reference or s.params.n_cohorts > 1)
    html = build_html(compare(dataclasses.replace(spec, scenarios=keep)))
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "cohorts" in html, "the cohort scenario is explained"


# ------------------------------------------------------------- readable figures
# Every figure of a report (and those the commands save) is checked over its
# matplotlib objects: no text under plotting.MIN_FONT_PT, no wider than a report's
# column (so a report shows it at full size on a laptop), axis words plain (no
# declared parameter or output written as code), and the cost scatter's labels
# apart. tests/test_dashboard_browser.py checks the pages in a browser.

def _figure_texts(fig):
    import matplotlib.text
    fig.canvas.draw()
    return [t for t in fig.findobj(matplotlib.text.Text)
            if t.get_visible() and t.get_text().strip()]


def small_texts(fig) -> list[str]:
    """Texts of `fig` smaller than plotting.MIN_FONT_PT, as 'text (size)'."""
    from bscsim.plotting import MIN_FONT_PT
    return [f"{t.get_text()!r} ({t.get_fontsize():g} pt)" for t in _figure_texts(fig)
            if t.get_fontsize() < MIN_FONT_PT]


def code_names(fig) -> list[str]:
    """Declared parameter or output names written as code in `fig`'s texts."""
    from bscsim.outputs import BY_NAME as OUTPUTS
    from bscsim.params import BY_NAME as PARAMS
    names = {n for n in (*OUTPUTS, *PARAMS) if "_" in n}
    return sorted({n for t in _figure_texts(fig) for n in names
                   if re.search(rf"\b{n}\b", t.get_text())})


def saved_width_px(fig, dpi: int = 100) -> int:
    """The width of the PNG a report embeds (bbox_inches='tight', as png_bytes)."""
    import io

    import matplotlib.image
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    buf.seek(0)
    return matplotlib.image.imread(buf).shape[1]


def label_overlaps(ax) -> list[tuple[str, str]]:
    """Pairs of point labels (annotations) of `ax` whose text boxes overlap."""
    import matplotlib.text
    renderer = ax.figure.canvas.get_renderer()
    boxes = [(a.get_text(), matplotlib.text.Text.get_window_extent(a, renderer))
             for a in ax.texts if isinstance(a, matplotlib.text.Annotation)]
    return [(ta, tb) for i, (ta, a) in enumerate(boxes) for tb, b in boxes[:i]
            if a.overlaps(b)]


def _synthetic_figures():
    """Each figure function of the package, drawn from small made-up data."""
    import numpy as np
    import pandas as pd
    from types import SimpleNamespace

    from bscsim.calibrate import plots as calplots
    from bscsim.calibrate.spec import Prior
    from bscsim.explore import robust
    from bscsim.explore.discover import Discovery
    from bscsim.explore.runner import tradeoff_figure
    from bscsim.sensitivity.plot import morris_plot, sobol_bars
    from bscsim.study.plots import power_curves
    from bscsim.sweep.plot import heatmap

    rng = np.random.default_rng(1)
    factors = ["turnover_cc", "p_speak_up", "n_learning_sessions", "psych_safety"]

    def indices(kinds):
        return pd.DataFrame([{"output": "practice_gain_sd", "index": k, "factor": f,
                              "value": rng.uniform(0.05, 0.5), "conf": 0.05,
                              "noise_floor": 0.02, "kind": "factor"}
                             for f in factors for k in kinds])
    grid = pd.DataFrame([{"practice_gain_sd": g, "turnover_cc": t, "status": "ok",
                          "classrooms_improved_share": rng.uniform()}
                         for g in (0.5, 1.0, 1.5) for t in (0.2, 0.4) for _ in range(2)])
    power = pd.DataFrame([{"instrument": "CLASS", "group": grp, "estimator": "ancova",
                           "reliability": r, "design_centers": n,
                           "power": min(1, n / 60 * r), "power_se": 0.02}
                          for grp in ("participating", "comparison") for r in (0.6, 0.9)
                          for n in (10, 20, 40)])
    table = pd.DataFrame({"policy": ["as_run", "more_coaching", "two_parents"],
                          "satisficing_share": [0.2, 0.5, 0.4],
                          "regret_mean_practice_gain_sd": [0.1, 0.0, 0.05],
                          "cost_per_center": [20000.0, 25000.0, 21000.0]})
    priors = [Prior("turnover_cc", 0.1, 0.5), Prior("practice_gain_sd", 0.5, 2.0),
              Prior("p_speak_up", 0.1, 0.9)]
    post = pd.DataFrame({p.name: rng.uniform(p.low, p.high, 50) for p in priors})
    post["weight"] = rng.uniform(0.5, 1, 50)
    ppc = pd.DataFrame({"target": ["turnover_rate", "calls_attended"],
                        "statistic": ["a", "b"], "low": [0.1, 2], "high": [0.3, 6],
                        "median": [0.2, 4], "q05": [0.1, 3], "q95": [0.3, 5],
                        "share_inside": [0.9, 0.35]})
    sims = pd.DataFrame({"a": rng.uniform(0.1, 0.3, 30), "b": rng.uniform(2, 6, 30)})
    gens = pd.DataFrame({"t": [0, 1, 2], "epsilon": [1, 0.5, 0.3],
                         "acceptance": [0.5, 0.2, 0.1], "ess": [100, 90, 80]})
    return {
        "sweep heat map": lambda: heatmap(grid, "turnover_cc", "practice_gain_sd",
                                          "classrooms_improved_share"),
        "study power curves": lambda: power_curves(
            power, [("CLASS", "participating", "ancova"), ("CLASS", "comparison", "ancova")]),
        "explore robustness": lambda: robust.figure(
            table, (SimpleNamespace(output="practice_gain_sd"),)),
        "calibration marginals": lambda: calplots.marginals(post, priors),
        "calibration pairs": lambda: calplots.pairs(post, priors),
        "calibration generations": lambda: calplots.generations(gens),
        "calibration predictive": lambda: calplots.predictive(ppc, sims),
        "Sobol bars": lambda: sobol_bars(indices(("S1", "ST")), "practice_gain_sd"),
        "Morris plot": lambda: morris_plot(indices(("mu_star", "sigma")), "practice_gain_sd"),
        "explore PRIM trade-off": lambda: tradeoff_figure(Discovery(
            output="practice_gain_sd", rule="practice_gain_sd < 0.2", n=12, n_cases=6,
            trajectory=pd.DataFrame({"coverage": [1, 0.8, 0.6], "density": [0.5, 0.7, 0.9],
                                     "res_dim": [0, 1, 2]}), chosen=1)),
    }


def test_every_report_figure_has_text_of_at_least_body_size(comparison):
    from bscsim.scenarios.report import figures
    for name, fig in figures(comparison).items():
        assert not small_texts(fig), f"{name}: text below 10 pt: {small_texts(fig)}"


def test_every_report_figure_fits_a_report_column(comparison):
    from bscsim.scenarios.report import figures
    for name, fig in figures(comparison).items():
        width = saved_width_px(fig)
        assert width <= 1100, f"{name}: {width} px wide, more than a report's column"


def test_other_figures_have_readable_text_and_plain_axis_words():
    import matplotlib.pyplot as plt
    for name, draw in _synthetic_figures().items():
        fig = draw()
        assert not small_texts(fig), f"{name}: text below 10 pt: {small_texts(fig)}"
        assert not code_names(fig), f"{name}: code names on the figure: {code_names(fig)}"
        assert saved_width_px(fig) <= 1100, f"{name}: wider than a report's column"
        plt.close(fig)


def test_report_figures_name_outputs_in_plain_words(comparison):
    from bscsim.scenarios.report import figures
    for name, fig in figures(comparison).items():
        assert not code_names(fig), f"{name}: code names on the figure: {code_names(fig)}"


def test_cost_scatter_labels_do_not_overlap(comparison):
    from bscsim.scenarios.report import figures
    fig = figures(comparison)["cost_effectiveness"]
    saved_width_px(fig)                      # laid out as the report saves it
    scatter = fig.axes[0]
    assert len(scatter.texts) == len(comparison.spec.names), "one label per strategy"
    assert not label_overlaps(scatter), f"labels overlap: {label_overlaps(scatter)}"


def test_the_figure_checks_catch_small_text_code_names_and_overlaps():
    """Mutants of a figure: 8 pt text, a code name as axis label, two labels at the
    same spot (as the cost scatter drew them before place_labels)."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(15, 3))
    ax.set_xlabel("practice_gain_sd", fontsize=8)
    ax.annotate("Full BSC", (1, 1), xytext=(6, 4), textcoords="offset points")
    ax.annotate("BSC, no parents", (1.001, 1), xytext=(6, 4), textcoords="offset points")
    ax.set_xlim(0, 2)
    assert small_texts(fig), "8 pt text must be caught"
    assert code_names(fig) == ["practice_gain_sd"], "a code name must be caught"
    assert label_overlaps(ax), "overlapping labels must be caught"
    assert saved_width_px(fig) > 1100, "a 15-inch figure is wider than a report's column"
    plt.close(fig)


def test_run_overview_figure_has_readable_text_and_plain_words():
    import bscsim
    from bscsim.plotting import overview
    params = bscsim.Params(n_centers=3, weeks_collab=12, weeks_followup=0)
    fig = overview(bscsim.simulate(params, seed=1).timeseries, params)
    assert not small_texts(fig), f"text below 10 pt: {small_texts(fig)}"
    assert not code_names(fig), f"code names on the figure: {code_names(fig)}"
