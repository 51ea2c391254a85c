"""Scenarios, arms, cohorts, cost and `bscsim compare` (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bscsim import load_config, simulate, simulate_many
from bscsim.cli import main
from bscsim.cohorts import cohort_seeds, run_replicate
from bscsim.config import ConfigError
from bscsim.outputs import SUMMARY_NAMES
from bscsim.scenarios import compare, read_scenarios, replicate_seed

ROOT = Path(__file__).resolve().parents[1]
ARMS = ROOT / "configs" / "arms"
SCENARIOS = ROOT / "configs" / "scenarios"
SMALL = {"n_centers": 4, "weeks_collab": 26, "weeks_followup": 6}
SEEDS = range(5)


def arm(name: str, **changes):
    return load_config(ARMS / f"{name}.toml", **changes)


def gains(name: str, output: str = "practice_gain_sd") -> np.ndarray:
    # on the ensemble engine: each run exactly simulate(arm(name), seed=s)'s numbers
    runs = simulate_many(arm(name), seeds=list(SEEDS)).sort_values("run")
    return runs[output].to_numpy()


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


SMALL_FILE = f"""
title = "test"
base = "{ROOT / 'configs' / 'ccl_phase1.toml'}"
reference = "bau"
replicates = 3
seed = 7
outputs = ["practice_gain_sd", "cost_per_center"]
[[scenario]]
name = "bau"
config = "{ARMS / 'business_as_usual.toml'}"
[[scenario]]
name = "bsc"
config = "{ARMS / 'full_bsc.toml'}"
[[scenario]]
name = "bsc_dearer"
config = "{ARMS / 'full_bsc.toml'}"
[scenario.set]
wage_hour = 40.0
"""


def small_spec(tmp_path, **kw):
    return read_scenarios(write(tmp_path, SMALL_FILE), base_changes=SMALL, **kw)


# ------------------------------------------------------------------ arms
def test_every_arm_and_scenario_file_is_valid():
    for path in ARMS.glob("*.toml"):
        load_config(path)
    names = {p.stem for p in ARMS.glob("*.toml")}
    assert names == {"full_bsc", "bsc_no_cross_program", "bsc_no_parents", "training_only",
                     "coaching", "business_as_usual"}, "the six arms of the issue"
    for path in SCENARIOS.glob("*.toml"):
        spec = read_scenarios(path)
        assert spec.reference in spec.names, f"{path.name}: reference is a scenario"
    assert len(read_scenarios(SCENARIOS / "strategies.toml").scenarios) == 6


def test_full_bsc_beats_business_as_usual_in_every_seed():
    bsc, bau = gains("full_bsc"), gains("business_as_usual")
    assert (bsc > bau).all(), f"full BSC should raise practice more than BAU: {bsc} vs {bau}"


def test_training_only_changes_little():
    train, bsc, bau = gains("training_only"), gains("full_bsc"), gains("business_as_usual")
    assert (train >= bau).all(), "a workshop should not lower practice"
    assert np.median(train) < 0.5 * np.median(bsc), \
        f"training alone should change far less than the BSC: {train} vs {bsc}"


def test_coaching_raises_practice_over_business_as_usual():
    coach, bau = gains("coaching"), gains("business_as_usual")
    assert (coach > bau).all(), "coaching should raise coached classrooms' practice"


def test_no_cross_program_arm_has_no_vicarious_learning_but_runs_pdsa():
    s = simulate(arm("bsc_no_cross_program"), seed=1).summary
    assert s["vicarious_updates_per_team"] == 0, "no learning from other programs"
    assert s["pdsa_completed_per_team"] > 0, "in-house QI (PDSA) continues"


def test_non_bsc_arms_run_no_pdsa_and_bau_costs_nothing():
    for name in ("training_only", "coaching", "business_as_usual"):
        s = simulate(arm(name), seed=2).summary
        assert s["pdsa_completed_per_team"] == 0, f"{name}: no tests of change"
    assert simulate(arm("business_as_usual"), seed=2).summary["cost_per_center"] == 0, \
        "business as usual costs nothing"


def test_coaching_stops_after_its_weeks():
    short = simulate(arm("coaching", dur_coaching_weeks=4), seed=3).summary
    long = simulate(arm("coaching", dur_coaching_weeks=40), seed=3).summary
    assert short["practice_gain_sd"] < long["practice_gain_sd"], "more weeks, more gain"
    assert short["cost_per_center"] < long["cost_per_center"], "more weeks, more cost"


# ------------------------------------------------------------------ cost
def test_summary_ends_with_the_cost_outputs():
    assert SUMMARY_NAMES[-2:] == ("cost_per_center", "cost_per_classroom_improved")


def test_cost_parameters_change_cost_but_not_the_model():
    a = simulate(load_config(**SMALL), seed=4).summary
    b = simulate(load_config(**SMALL, wage_hour=50.0, cost_collab_fixed=0.0), seed=4).summary
    model_outputs = [n for n in SUMMARY_NAMES if not n.startswith("cost")]
    pd.testing.assert_series_equal(a[model_outputs], b[model_outputs])
    assert a["cost_per_center"] != b["cost_per_center"], "prices set the cost"


def test_more_paid_planning_costs_more():
    a = simulate(load_config(**SMALL), seed=5).summary["cost_per_center"]
    b = simulate(load_config(**SMALL, planning_hours=4.0), seed=5).summary["cost_per_center"]
    assert b > a, "planning hours above the paid base are a cost"


# ------------------------------------------------------------------ cohorts
def test_first_cohort_shares_the_replicate_seed():
    seed = replicate_seed(3, 1)
    seeds = cohort_seeds(seed, 3)
    assert seeds[0] is seed, "cohort 0 uses the replicate's seed (common random numbers)"
    assert len({tuple(s.spawn_key) for s in seeds}) == 3, "cohorts get distinct seeds"


def test_cohorts_count_every_center():
    p = load_config(**SMALL, n_cohorts=3)
    summary, ts, size = run_replicate(p, replicate_seed(0, 0))
    assert size["centers"] == 3 * p.n_centers, "a state's centers over all cohorts"
    assert len(ts) == p.weeks_collab + p.weeks_followup, "cohort-clock timeseries"
    assert set(summary.index) == set(SUMMARY_NAMES)


# ------------------------------------------------------------------ compare
def test_same_parameters_give_identical_replicates(tmp_path):
    c = compare(small_spec(tmp_path))
    w = c.wide("practice_gain_sd")
    assert (w["bsc"] == w["bsc_dearer"]).all(), \
        "replicate r of every scenario uses the same seed (common random numbers)"
    assert (c.wide("cost_per_center")["bsc_dearer"] > c.wide("cost_per_center")["bsc"]).all()


def test_paired_difference_is_taken_by_replicate(tmp_path):
    c = compare(small_spec(tmp_path))
    st = c.stats().set_index(["output", "scenario"])
    w = c.wide("practice_gain_sd")
    d = (w["bsc"] - w["bau"]).to_numpy()
    assert st.loc[("practice_gain_sd", "bsc"), "diff_median"] == pytest.approx(np.median(d))
    assert st.loc[("practice_gain_sd", "bau"), "diff_median"] == 0


def test_table_lists_every_scenario_and_output(tmp_path):
    table = compare(small_spec(tmp_path)).table()
    for word in ("practice_gain_sd", "cost_per_center", "bau (ref)", "bsc_dearer",
                 "90% interval", "incremental cost-effectiveness"):
        assert word in table, f"table should mention {word}"


def test_cli_compare_saves_tidy_results_with_provenance(tmp_path, capsys):
    path = write(tmp_path, SMALL_FILE)
    out = tmp_path / "out"
    code = main(["compare", str(path), "--replicates", "2", "--out", str(out),
                 "--set", "n_centers=4", "--set", "weeks_collab=26"])
    assert code == 0
    assert "practice_gain_sd" in capsys.readouterr().out
    summary = pd.read_parquet(out / "summary.parquet")
    assert set(summary["scenario"]) == {"bau", "bsc", "bsc_dearer"}
    assert set(summary["replicate"]) == {0, 1}
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["root_seed"] == 7 and prov["replicates"] == 2
    assert "mesa" in prov["versions"] and "bsc" in prov["scenarios"]
    assert prov["scenarios"]["bsc"]["params"]["n_centers"] == 4, "--set applies to the base"


BAD = {
    "unknown parameter": ('[[scenario]]\nname = "a"\n[scenario.set]\nplaning_hours = 3\n',
                          "planning_hours"),
    "bad value": ('[[scenario]]\nname = "a"\n[scenario.set]\nplanning_hours = -1\n',
                  "planning_hours"),
    "no scenarios": ('title = "x"\n', "no scenarios"),
    "unknown reference": ('reference = "b"\n[[scenario]]\nname = "a"\n', "reference"),
    "duplicate name": ('[[scenario]]\nname = "a"\n[[scenario]]\nname = "a"\n', "twice"),
    "missing arm": ('[[scenario]]\nname = "a"\nconfig = "nope.toml"\n', "not found"),
    "unknown key": ('replicate = 3\n[[scenario]]\nname = "a"\n', "unknown key"),
    "key outside set": ('[[scenario]]\nname = "a"\nplanning_hours = 3\n', "scenario.set"),
    "zero replicates": ('replicates = 0\n[[scenario]]\nname = "a"\n', "replicates"),
    "not toml": ("[[scenario\n", "TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_file_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, case):
    text, expect = BAD[case]
    path = write(tmp_path, text)
    out, report = tmp_path / "out", tmp_path / "r.html"
    code = main(["compare", str(path), "--out", str(out), "--report", str(report)])
    err = capsys.readouterr().err.strip()
    assert code == 2, f"{case}: exit code 2"
    assert len(err.splitlines()) == 1 and expect in err, f"{case}: one line naming it: {err}"
    assert not out.exists() and not report.exists(), f"{case}: no partial output"


def test_read_scenarios_reports_the_scenario_name(tmp_path):
    path = write(tmp_path, '[[scenario]]\nname = "fast"\n[scenario.set]\nn_centers = 0\n')
    with pytest.raises(ConfigError, match="scenario 'fast'"):
        read_scenarios(path)


def test_docs_describe_every_arm_and_price():
    from bscsim.params import PARAMS
    doc = (ROOT / "docs" / "scenarios.md").read_text()
    for path in ARMS.glob("*.toml"):
        assert path.name in doc, f"docs/scenarios.md should describe {path.name}"
    for p in PARAMS:
        if p.group == "cost":
            assert f"`{p.name}`" in doc, f"docs/scenarios.md should list the price {p.name}"


@pytest.mark.parametrize("args", [["--workers", "0"], ["--replicates", "0"],
                                  ["--report", "report.txt"], ["--set", "nope=1"]])
def test_bad_command_line_is_one_line_exit_2(tmp_path, capsys, args):
    path = write(tmp_path, SMALL_FILE)
    out = tmp_path / "out"
    code = main(["compare", str(path), "--out", str(out), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, f"{args}: one line, exit 2: {err}"
    assert not out.exists(), f"{args}: nothing written"
