"""`bscsim value`: decision files refused in one line with nothing written, a tiny
decision end to end (tables, report, provenance, resume), and its report in a
real browser. The estimators themselves: tests/test_voi.py."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from bscsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
ARMS = ROOT / "configs" / "arms"
STUDY = ROOT / "configs" / "studies" / "ccl_feasibility.toml"

TINY = f"""
title = "tiny decision"
draws = 24
seed = 5
n_single = 1
set = {{ n_centers = 4, weeks_followup = 0 }}

[[option]]
name = "bau"
config = "{ARMS / 'business_as_usual.toml'}"

[[option]]
name = "coaching"
config = "{ARMS / 'coaching.toml'}"

[valuation]
outcome = "child_se_gain_sd"
units_per_center = 32
wtp = [0, 250, 5000]
headline_wtp = 250

[population]
centers_per_year = 10

[uncertainty]
sample = ["outcomes", "coaching_gain"]

[study]
file = "{STUDY}"
option = "coaching"
collaboratives = [1, 2]
cost_per_center = 1000
"""


def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def _file(tmp_path, text=TINY, name="decision.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


BAD = [
    ("tilte = 'x'\n" + TINY, "unknown key 'tilte'; did you mean 'title'?"),
    (TINY.replace("wtp = [0, 250, 5000]", "wtp = [-1]"), "wtp = [-1] is not allowed"),
    (TINY.replace('sample = ["outcomes", "coaching_gain"]', 'sample = ["inquirry"]'),
     "did you mean 'inquiry'?"),
    (TINY.replace('option = "coaching"\ncollab', 'option = "bsc"\ncollab'),
     "option = 'bsc' is not allowed: expected one of bau, coaching"),
    (TINY.replace("draws = 24", "draws = 3"), "draws = 3 is not allowed"),
    (TINY.replace("coaching.toml", "nothere.toml"), "not found"),
    (TINY.replace('outcome = "child_se_gain_sd"', 'outcome = "cost_per_center"'),
     "where more is better"),
    (TINY.replace("[population]", "[population]\nyears = 0"), "years = 0 is not allowed"),
    (TINY.replace('name = "coaching"', 'name = "bau"'), "name 'bau' is used twice"),
    (TINY.replace("headline_wtp = 250", "headline_wtp = 7"), "one of the wtp values"),
]


@pytest.mark.parametrize("text, message", BAD, ids=[m[:30] for _, m in BAD])
def test_a_bad_decision_file_is_refused_in_one_line_and_nothing_is_written(
        tmp_path, capsys, text, message):
    out = tmp_path / "out"
    code, _, err = _run(capsys, "value", _file(tmp_path, text), "--out", out)
    assert code == 2, f"exit 2 for a bad file, got {code}: {err}"
    assert err.count("\n") == 1 and message in err, f"one line naming {message!r}: {err}"
    assert not out.exists(), "nothing is written for a bad file"


def test_a_sampled_parameter_an_option_sets_is_refused(tmp_path, capsys):
    text = TINY.replace('config = "' + str(ARMS / "coaching.toml") + '"',
                        'config = "' + str(ARMS / "coaching.toml") + '"\n'
                        'set = { child_growth = 0.2 }')
    code, _, err = _run(capsys, "value", _file(tmp_path, text), "--out", tmp_path / "o")
    assert code == 2 and "child_growth is drawn" in err, err


def test_the_shipped_decision_is_valid():
    from bscsim.value import load_decision
    d = load_decision(ROOT / "configs" / "decisions" / "scale_bsc.toml")
    assert len(d.options) == 4 and d.draws >= 2000 and d.study is not None, (
        "scale_bsc: four options, the benchmark's 2,000 draws, and a study")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("value")
    path = _file(tmp)
    out = tmp / "out"
    code = main(["value", str(path), "--out", str(out), "--executor", "serial",
                 "--no-progress"])
    assert code == 0, "the tiny decision runs"
    return path, out


@pytest.mark.slow
def test_a_tiny_decision_writes_every_table_and_its_provenance(tiny):
    _, out = tiny
    for name in ("ceac", "evpi", "evppi_groups", "evppi_single", "evsi", "fit_checks",
                 "draws"):
        assert (out / f"{name}.parquet").is_file(), f"{name}.parquet is written"
    for name in ("report.html", "report.md", "provenance.json", "data_dictionary.csv",
                 "figures/ceac.png", "figures/evppi.png", "figures/evsi.png"):
        assert (out / name).is_file(), f"{name} is written"
    ceac = pd.read_csv(out / "ceac.csv")
    assert (ceac.groupby("wtp")["p_best"].sum() - 1).abs().max() < 1e-9, \
        "probabilities of being best sum to 1"
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["decision"]["seed"] == 5 and "pygam" in prov["versions"], \
        "provenance names the seed and the estimator's version"
    evsi = pd.read_csv(out / "evsi.csv")
    assert set(evsi["centers"]) == {8, 16}, "EVSI at each study size (collaboratives of 8)"
    dictionary = pd.read_csv(out / "data_dictionary.csv")
    assert dictionary["meaning"].fillna("").str.len().gt(0).all(), \
        "every column of every table has a meaning"


@pytest.mark.slow
def test_running_again_resumes_and_gives_the_same_numbers(tiny, capsys):
    path, out = tiny
    before = pd.read_csv(out / "evpi.csv")
    code, text, err = _run(capsys, "value", path, "--out", out, "--executor", "serial",
                           "--no-progress")
    assert code == 0, err
    manifest = json.loads((out / "runs_bau" / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 1, "run again, a finished analysis runs nothing"
    pd.testing.assert_frame_equal(before, pd.read_csv(out / "evpi.csv"))
    assert "In words:" in text


@pytest.mark.slow
def test_the_report_renders_in_a_headless_browser(tiny, tmp_path):
    _, out = tiny
    html = (out / "report.html").read_text()
    assert "<script" not in html and not re.search(r"""(src|href)=["']?https?:""", html), \
        "self-contained: no scripts, nothing fetched"
    assert "Bottom line" in html and "What research could be worth" in html
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("needs Chromium at /usr/bin/chromium (CI installs it)")
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace(
        "</body>", "<script>window.addEventListener('load', () => {"
        "document.body.dataset.decoded = [...document.images]"
        ".filter(i => i.complete && i.naturalWidth > 100).length;});</script></body>"))
    n_images = len(re.findall(r'<img src="data:image/png;base64,', html))
    r = subprocess.run([str(chromium), "--headless", "--no-sandbox", "--disable-gpu",
                        f"--user-data-dir={tmp_path / 'profile'}",
                        "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert n_images == 3 and f'data-decoded="{n_images}"' in r.stdout, \
        "the browser decodes every figure (CEAC, EVPPI, EVSI)"
    assert "<h2>A study before deciding</h2>" in r.stdout


def test_posterior_parameters_come_from_the_posterior_and_the_rest_from_ranges(tmp_path):
    from bscsim.value import load_decision
    from bscsim.value.run import draw_parameters
    posterior = ROOT / "tests" / "fixtures" / "posterior"
    text = TINY.replace("[uncertainty]", f'[uncertainty]\nposterior = "{posterior}"')
    draws, sources = draw_parameters(load_decision(_file(tmp_path, text)))
    particles = pd.read_parquet(posterior / "posterior.parquet")
    assert sources["child_growth"] == "posterior" and sources["adopt_gain"] == "plausible", \
        "a parameter in both comes from the posterior; the others from their ranges"
    assert set(draws["child_growth"]) <= set(particles["child_growth"]), \
        "posterior draws are the posterior's particles"
    lo, hi = 1.0, 2.0                       # adopt_gain's plausible range
    assert draws["adopt_gain"].between(lo, hi).all() and draws["adopt_gain"].nunique() == 24, \
        "a sampled parameter is spread over its plausible range (Latin hypercube)"


def test_the_same_decision_draws_the_same_parameters(tmp_path):
    from bscsim.value import load_decision
    from bscsim.value.run import draw_parameters
    a, _ = draw_parameters(load_decision(_file(tmp_path)))
    b, _ = draw_parameters(load_decision(_file(tmp_path)))
    pd.testing.assert_frame_equal(a, b)


def test_options_share_each_draws_seed_and_draws_differ(tmp_path):
    """Common random numbers: run d of every option has the same seed and
    parameters; different draws have different seeds; the study's seeds differ."""
    from bscsim.sweep import resolve
    from bscsim.value import load_decision
    from bscsim.value.run import draw_parameters, sweeps
    d = load_decision(_file(tmp_path))
    draws, _ = draw_parameters(d)
    specs = sweeps(d, draws)
    bau, coach = resolve(specs["runs_bau"]), resolve(specs["runs_coaching"])
    assert (bau["seed"] == coach["seed"]).all(), "same seed at a draw across options"
    assert bau["seed"].nunique() == d.draws, "each draw has its own seed"
    pd.testing.assert_frame_equal(bau[draws.columns], coach[draws.columns])
    study = resolve(specs["runs_study"])
    assert not set(study["seed"]) & set(bau["seed"]), "the study's runs have their own seeds"
