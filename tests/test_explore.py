"""Exploratory modelling (issue 14): roles and goals in the declarations, exploration
files, robustness, scenario discovery with EMA Workbench, and the EMA model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bscsim.outputs import SUMMARY, SUMMARY_BY_NAME, success
from bscsim.params import PARAMS, ROLES

ROOT = Path(__file__).resolve().parents[1]
EXPLORATION = ROOT / "configs" / "explorations" / "bsc_failure.toml"
TINY = {"n_centers": 2, "weeks_collab": 8, "n_classrooms": 2}
REGION = {"a": (0.0, 0.3), "b": (0.6, 1.0)}         # the planted failure region

pytest.importorskip("ema_workbench", reason="needs the 'ema' extra")


def bscsim(capsys, *args) -> tuple[int, str, str]:
    """The command line, in this process (exit code, stdout, stderr)."""
    from bscsim.cli import main
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# ------------------------------------------------------------ declarations
def test_every_parameter_has_a_known_role():
    assert all(p.role in ROLES for p in PARAMS), "every parameter declares a known role"


def test_the_issue_levers_are_levers_and_turnover_is_an_uncertainty():
    by = {p.name: p.role for p in PARAMS}
    for name in ("planning_hours", "n_team_parents", "n_learning_sessions",
                 "coaching_hours_week"):
        assert by[name] == "lever", f"{name} is chosen by a state or funder"
    for name in ("turnover_cc", "turnover_hs", "practice_baseline_cc", "ps_gain"):
        assert by[name] == "uncertainty", f"{name} is chosen by nobody"
    assert by["vicarious_on"] == "structure" and by["n_centers"] == "constant"


def test_outputs_with_a_threshold_have_a_direction():
    goals = [o for o in SUMMARY if o.threshold is not None]
    assert {o.name for o in goals} >= {"classrooms_improved_share", "child_se_gain_sd"}
    assert all(o.direction in ("up", "down") for o in goals), \
        "a threshold of success needs a direction"
    assert success("classrooms_improved_share", 0.5) and \
        not success("classrooms_improved_share", 0.49), "up: at least the threshold"
    assert success("challenging_behavior_change", -0.01) and \
        not success("challenging_behavior_change", 0.01), "down: at most the threshold"


def test_params_lists_levers_only_with_role_lever(capsys):
    code, out, err = bscsim(capsys, "params", "--role", "lever", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert {x["name"] for x in rows} == {p.name for p in PARAMS if p.role == "lever"}, \
        "--role lever lists exactly the levers"
    assert set(rows[0]) >= {"name", "role", "group", "default", "plausible_low",
                            "plausible_high", "unit", "meaning", "source"}


def test_params_csv_has_one_row_per_parameter_with_its_role(capsys):
    import io
    code, out, err = bscsim(capsys, "params", "--format", "csv")
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert list(df["name"]) == [p.name for p in PARAMS]
    assert list(df["role"]) == [p.role for p in PARAMS], "the CSV carries each role"


def test_params_refuses_an_unknown_role_in_one_line(capsys):
    code, _, err = bscsim(capsys, "params", "--role", "leverr")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "lever, uncertainty, constant, structure" in err


# ------------------------------------------------------------ bad files
GOOD = """
title = "t"
base = "{base}"
n_futures = 4
replicates = 1
[uncertainties]
turnover_cc = {{ low = 0.2, high = 0.8 }}
[policies.a]
[policies.b]
planning_hours = 4.0
[thresholds]
classrooms_improved_share = 0.5
"""
BAD = {
    "unknown parameter": (("turnover_cc = {", "turnover_ccc = {"), "unknown parameter "
                          "'turnover_ccc'; did you mean 'turnover_cc'?"),
    "lever as uncertainty": (("turnover_cc = {", "planning_hours = {"),
                             "[uncertainties] planning_hours: is a lever"),
    "empty range": (("high = 0.8", "high = 0.2"), "low = 0.2 must be below high = 0.2"),
    "threshold on undeclared output": (("classrooms_improved_share = 0.5",
                                        "classrooms_improved = 0.5"),
                                       "unknown output 'classrooms_improved'"),
    "uncertainty in a policy": (("planning_hours = 4.0", "turnover_hs = 0.3"),
                                "turnover_hs: is an uncertainty, not a lever"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_exploration_file_is_refused_in_one_line_writing_nothing(case, tmp_path,
                                                                      capsys, monkeypatch):
    (old, new), message = BAD[case]
    text = GOOD.format(base=(ROOT / "configs" / "ccl_phase1.toml").as_posix())
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new))
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    code, _, err = bscsim(capsys, "explore", str(path), "--out", str(out))
    assert code == 2, f"exit 2 for {case}: {code} {err}"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, f"one line: {err}"
    assert message in lines[0] and str(path) in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"], "nothing written"


def test_the_good_file_of_the_refusal_tests_is_accepted(tmp_path):
    from bscsim.explore import load_exploration
    path = tmp_path / "good.toml"
    path.write_text(GOOD.format(base=(ROOT / "configs" / "ccl_phase1.toml").as_posix()))
    spec = load_exploration(path)
    assert spec.n_runs == 4 * 2 * 1, "so each refusal is due to its one change"


@pytest.mark.parametrize("path", sorted((ROOT / "configs" / "explorations").glob("*.toml")),
                         ids=lambda p: p.name)
def test_every_shipped_exploration_file_is_valid(path):
    from bscsim.explore import load_exploration
    from bscsim.explore.runner import sweep_of
    sweep_of(load_exploration(path))      # its design too (values in valid ranges)


def test_the_shipped_exploration_meets_the_issue_size():
    from bscsim.explore import load_exploration
    spec = load_exploration(EXPLORATION)
    assert spec.n_futures >= 500 and spec.policy_count >= 6 and spec.replicates >= 2
    assert spec.discover == "classrooms_improved_share"


# ------------------------------------------------------------ planted region
def planted(values: dict, seed: int) -> dict:
    """1 outside the planted region, 0 inside it (fails), whatever the lever."""
    inside = all(lo <= values[k] <= hi for k, (lo, hi) in REGION.items())
    noise = 0.01 * float(np.random.default_rng(seed).standard_normal())
    return {"score": (0.0 if inside else 1.0) + noise}


PLANTED = """
model = "planted"
n_futures = 200
replicates = 1
root_seed = 3
resamples = 3
[uncertainties]
a = { low = 0.0, high = 1.0 }
b = { low = 0.0, high = 1.0 }
c = { low = 0.0, high = 1.0 }
[policies.low]
effort = 0.0
[policies.high]
effort = 1.0
[thresholds]
score = { at_least = 0.5 }
"""


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    from bscsim.explore import load_exploration, run_exploration
    tmp = tmp_path_factory.mktemp("planted")
    (tmp / "planted.toml").write_text(PLANTED)
    spec = load_exploration(tmp / "planted.toml", models={"planted": (planted, ("score",))})
    return run_exploration(spec, tmp / "out", executor="serial", progress=False)


def recovers_region(d) -> bool:
    lims = d.limits.set_index("name")
    restricted = set(lims.index[lims["restricted"]])
    ok = restricted == set(REGION)
    for k, (lo, hi) in REGION.items():
        ok &= abs(lims.loc[k, "low"] - lo) <= 0.1 and abs(lims.loc[k, "high"] - hi) <= 0.1
    return bool(ok)


def test_prim_recovers_the_planted_failure_region_within_10_percent(planted_run):
    d = planted_run.discovery
    assert d.meets, d.verdict()
    assert recovers_region(d), f"box should be a in [0, 0.3], b in [0.6, 1]:\n{d.limits}"
    assert (d.restricted()[["qp_low", "qp_high"]].max(axis=1) < 0.05).all(), \
        "the planted restrictions are significant"


def test_planted_region_check_fails_on_inverted_failures(planted_run):
    """Mutant: discovery run on the successes instead of the failures."""
    from bscsim.explore import discover
    o = planted_run.outcomes
    x = o[["a", "b", "c", "effort"]]
    d = discover(x, ~o["fails_score"].to_numpy(), "score", "score >= 0.5", resamples=0)
    assert not recovers_region(d), "the check must notice failures read the wrong way"


def test_feature_scores_rank_the_planted_inputs_first(planted_run):
    top = list(planted_run.discovery.scores["name"][:2])
    assert set(top) == {"a", "b"}, f"a and b decide failure: {top}"


def test_policies_share_chance_in_a_future_and_futures_do_not(planted_run):
    o = planted_run.outcomes           # score = 0 or 1 (the same for both policies) + noise
    noise = o["score"] - o["score"].round()
    per_future = noise.groupby(o["future"])
    assert per_future.nunique().eq(1).all(), \
        "common random numbers: the policies of a future meet the same chance events"
    assert per_future.first().nunique() == o["future"].nunique(), \
        "each future draws its own chance events"


def test_exploration_writes_tables_with_provenance(planted_run):
    out = planted_run.out
    for name in ("outcomes.parquet", "robustness.csv", "prim_box.csv",
                 "prim_trajectory.csv", "feature_scores.csv", "report.md",
                 "figures/robustness.png", "figures/prim_tradeoff.png"):
        assert (out / name).is_file(), f"writes {name}"
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["spec"]["root_seed"] == 3 and "ema_workbench" in prov["versions"]
    df = pd.read_parquet(out / "outcomes.parquet")
    assert "provenance" in df.attrs, "the outcomes table carries its provenance"
    assert len(df) == 200 * 2, "one row per (future, policy)"


# ------------------------------------------------------------ robustness
def test_robustness_by_hand():
    from bscsim.explore import Threshold, robustness
    # two futures, two policies; more is better for y, less for z
    o = pd.DataFrame({"future": [0, 0, 1, 1], "policy": ["p", "q", "p", "q"],
                      "y": [0.6, 0.4, 0.2, 0.5], "z": [1.0, 0.0, 1.0, 3.0]})
    t = (Threshold("y", 0.5, "up"), Threshold("z", 1.0, "down"))
    r = robustness(o, t, ["p", "q"]).set_index("policy")
    assert r.loc["p", "regret_mean_y"] == pytest.approx((0 + 0.3) / 2)
    assert r.loc["q", "regret_mean_y"] == pytest.approx((0.2 + 0) / 2)
    assert r.loc["p", "regret_mean_z"] == pytest.approx((1 + 0) / 2), "less is better"
    assert r.loc["q", "regret_mean_z"] == pytest.approx((0 + 2) / 2)
    assert r.loc["p", "satisficing_share"] == 0.5 and r.loc["q", "satisficing_share"] == 0
    assert r.loc["q", "worst10_z"] == pytest.approx(np.quantile([0.0, 3.0], 0.9)), \
        "the bad tail of a less-is-better output is its 90th percentile"
    assert r.loc["p", "rank_worst10_z"] == 1 and r.loc["q", "rank_worst10_y"] == 1, \
        "rank 1 is the best: the lower bad tail when less is better, the higher else"


def test_robustness_check_fails_when_direction_is_ignored(monkeypatch):
    """Mutant: every threshold read as 'at least'."""
    from bscsim.explore import Threshold, robustness
    o = pd.DataFrame({"future": [0, 0], "policy": ["p", "q"], "z": [0.0, 3.0]})
    monkeypatch.setattr(Threshold, "met", lambda self, x: x >= self.value)
    r = robustness(o, (Threshold("z", 1.0, "down"),), ["p", "q"]).set_index("policy")
    assert r.loc["p", "satisficing_share"] != 1.0, "the mutant gets p wrong"


# ------------------------------------------------------------ existing sweep folder
def test_discovery_runs_on_an_existing_sweep_folder(tmp_path, capsys):
    from bscsim.sweep import design_spec, run_sweep
    pts = pd.DataFrame({"turnover_cc": np.linspace(0.05, 0.9, 12),
                        "planning_hours": np.tile([0.0, 4.0], 6)})
    spec = design_spec(pts, path="t", changes={**TINY, "weeks_followup": 0})
    run_sweep(spec, tmp_path / "sweep", executor="serial", progress=False)
    code, out, err = bscsim(capsys, "explore", "--sweep", str(tmp_path / "sweep"),
                            "--output", "practice_gain_sd", "--threshold", "0.2")
    assert code == 0, err
    assert "Scenario discovery: where practice_gain_sd < 0.2" in out and \
        "of 12 cases" in out, out


def test_missing_ema_is_one_line(monkeypatch):
    from bscsim.explore.discover import MissingExtra, ema
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    with pytest.raises(MissingExtra, match=r"pip install 'bscsim\[ema\]'"):
        ema()


# ------------------------------------------------------------ EMA model
def test_ema_model_runs_in_the_installed_ema_with_common_random_numbers():
    import warnings
    warnings.simplefilter("ignore")
    from ema_workbench import SequentialEvaluator, ScalarOutcome, perform_experiments
    from bscsim import load_config, simulate
    from bscsim.ema import model
    from bscsim.sweep import run_seed
    changes = {**TINY, "weeks_followup": 0}
    m = model(changes=changes, uncertainties=["turnover_cc"], levers=["planning_hours"],
              outcomes=["practice_gain_sd", "cost_per_center"], replications=2,
              root_seed=5)
    kinds = {o.name: o.kind for o in m.outcomes}
    assert kinds == {"practice_gain_sd": ScalarOutcome.MAXIMIZE,
                     "cost_per_center": ScalarOutcome.MINIMIZE}
    with SequentialEvaluator(m) as ev:
        ex, out = perform_experiments(m, scenarios=2, policies=1, evaluator=ev)
    row = ex.iloc[0]
    p = load_config(None, **changes).replace(turnover_cc=float(row["turnover_cc"]),
                                             planning_hours=float(row["planning_hours"]))
    expect = np.mean([simulate(p, seed=run_seed(5, r)).summary["practice_gain_sd"]
                      for r in range(2)])
    assert out["practice_gain_sd"][0] == pytest.approx(expect), \
        "an outcome is the mean over replications at the shared seeds"


def test_ema_model_refuses_a_lever_as_uncertainty():
    from bscsim.config import ConfigError
    from bscsim.ema import model
    with pytest.raises(ConfigError, match="planning_hours is a lever"):
        model(uncertainties=["planning_hours"])


# ------------------------------------------------------------ bscsim end to end
TINY_FILE = """
title = "tiny"
base = "{base}"
n_futures = 6
replicates = 1
resamples = 2
[set]
n_centers = 2
weeks_collab = 8
n_classrooms = 2
weeks_followup = 0
[uncertainties]
turnover_cc = {{ low = 0.2, high = 0.8 }}
idea_effect_mean = "plausible"
[stress]
turnover_cc = {{ low = 0.5, high = 0.8 }}
[policies.as_run]
[policies.coaching]
coaching_hours_week = 1.0
[thresholds]
practice_gain_sd = 0.2
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from bscsim.cli import main
    tmp = tmp_path_factory.mktemp("tiny")
    path = tmp / "tiny.toml"
    path.write_text(TINY_FILE.format(base=(ROOT / "configs" / "ccl_phase1.toml").as_posix()))
    code = main(["explore", str(path), "--out", str(tmp / "out"), "--executor", "serial",
                 "--no-progress"])
    assert code == 0
    return path, tmp / "out"


def test_explore_command_writes_the_tables_and_resumes(tiny, capsys):
    path, out = tiny
    for name in ("outcomes.parquet", "robustness.csv", "stress.csv", "prim_box.csv",
                 "prim_as_run_box.csv", "provenance.json", "report.md"):
        assert (out / name).is_file(), f"writes {name}"
    code, text, err = bscsim(capsys, "explore", str(path), "--out", str(out),
                             "--executor", "serial", "--no-progress")
    assert code == 0, err
    manifest = json.loads((out / "runs" / "manifest.json").read_text())
    assert [x["runs_run"] for x in manifest["sessions"]] == [12], \
        "run again, a finished exploration runs nothing (one session of 12 runs)"
    assert "Robustness" in text and "Scenario discovery" in text


def test_report_renders_in_a_headless_browser(tiny, tmp_path):
    import re
    from bscsim.explore import analyse, load_exploration
    from bscsim.explore.report import HEADINGS, write_report
    path, out = tiny
    result = analyse(load_exploration(path), out)
    report = write_report(result, tmp_path / "report.html")
    html = report.read_text()
    assert "<script" not in html and not re.search(r"""(src|href)=["']?https?:""", html), \
        "self-contained: no scripts, nothing fetched"
    assert "Bottom line" in html and "coaching" in html
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
    assert f'data-decoded="{n_images}"' in r.stdout and n_images >= 2, \
        "the browser decodes every figure"
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in r.stdout, f"heading {heading!r}"


def test_discovery_survives_resamples_without_a_failure():
    """EMA stops with a bare AssertionError when a random half holds no failure."""
    from bscsim.explore import discover
    x = pd.DataFrame({"a": np.linspace(0, 1, 8), "b": np.linspace(1, 0, 8) ** 2})
    fails = np.array([1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    d = discover(x, fails, "y", "y < 0", resamples=10)
    assert d.n_cases == 1 and d.verdict(), "an answer, not an AssertionError"


def test_explore_exports_exactly_its_public_api():
    import bscsim.ema
    import bscsim.explore
    assert set(bscsim.explore.__all__) == {
        "Discovery", "Exploration", "ExploreSpec", "Threshold", "analyse", "discover",
        "discover_sweep", "feature_scores", "load_exploration", "robustness",
        "run_exploration"}, "bscsim.explore.__all__ changed: update docs/explore.md"
    assert bscsim.ema.__all__ == ["model"]
