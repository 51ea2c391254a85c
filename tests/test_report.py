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
def comparison():
    spec = read_scenarios(ROOT / "configs" / "scenarios" / "strategies.toml",
                          replicates=4, base_changes=SMALL)
    return compare(spec)


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
    assert len(images) == 3, "three embedded figures"
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
    assert 'data-decoded="3"' in dom, "the browser decodes all three figures"
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
