"""The simulated feasibility study: estimators, missingness, power, study files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bscsim import BSCModel, load_config, simulate
from bscsim.cli import main
from bscsim.study import analyse, load_study, simulate_study
from bscsim.study.analyse import observe_run, replicate_seeds
from bscsim.study.power import power

ROOT = Path(__file__).resolve().parents[1]
CCL = ROOT / "configs" / "studies" / "ccl_feasibility.toml"
NO_TURNOVER = {"turnover_cc": 0.0, "turnover_hs": 0.0, "turnover_director": 0.0,
               "p_parent_ageout": 0.0}
# no attrition of people nor of centers (issue 26: no team leaves the collaborative)
NO_ATTRITION = {**NO_TURNOVER, "engage_leave_threshold": 0.0}


def perfect_study(model: dict | None = None, seed: int = 1) -> dict:
    """Every instrument perfect: reliability 1, continuous scores, everyone answers,
    every classroom observed, every log entry written."""
    survey = {"kind": "survey", "waves": [4, 48], "reliability": 1.0, "items": 0,
              "response_rate": 1.0}
    return {
        "config": "ccl_phase1.toml", "seed": seed, "model": model or {},
        "design": {"n_centers": 6, "participating_per_center": 20,
                   "comparison_per_center": 20},
        "instruments": {
            "psych_safety": {**survey, "measures": "psych_safety",
                             "respondents": ["participants"]},
            "climate": {**survey, "measures": "climate",
                        "respondents": ["participants", "non_participants"]},
            "observation": {"kind": "observation", "measures": "practice",
                            "waves": [0, 52], "reliability": 1.0},
            "pdsa": {"kind": "pdsa_tracker", "window": [0, 52]},
            "attendance": {"kind": "attendance_log", "window": [0, 52]},
        },
    }


def test_perfect_measurement_without_turnover_recovers_the_true_change():
    for seed in (1, 2):
        a = analyse(simulate_study(load_study(perfect_study(NO_ATTRITION, seed))))
        assert np.allclose(a["estimate"], a["truth"], atol=1e-12, equal_nan=True), (
            "with perfect measurement and no attrition every estimate must equal the "
            f"model's true change:\n{a[['instrument', 'group', 'estimate', 'truth']]}")
        assert a["estimate"].notna().all(), "every estimate is defined"


def test_perfect_measurement_recovers_the_true_change_of_the_units_measured():
    a = analyse(simulate_study(load_study(perfect_study())))
    assert np.allclose(a["estimate"], a["truth_sample"], atol=1e-12), (
        "with perfect measurement the estimate must equal the true change of the "
        "units measured, whatever the turnover")


def test_leavers_are_missing_at_wave_2():
    spec = perfect_study({"turnover_cc": 0.9, "turnover_hs": 0.9})
    spec["instruments"]["psych_safety"]["newcomers"] = False
    study = load_study(spec)
    data = simulate_study(study)
    obs, _, _ = observe_run(study.model_params(), study.weeks,
                            replicate_seeds(study.seed, 6, 0)[0], log=False)
    people1, people2 = obs[4]["people"], obs[48]["people"]
    part1 = set(people1["person"][people1["participant"]])
    gone = part1 - set(people2["person"])
    survey = data.tables()["psych_safety"]
    wave2 = survey[survey["wave"] == 2]
    left = wave2[wave2["status"] == "left"]
    assert gone and set(left["person"]) == gone, "wave-1 participants who left are 'left'"
    assert left["score"].isna().all(), "a leaver has no wave-2 score"
    assert not wave2["new"].any(), "with newcomers = false no newcomer is surveyed"
    rooms = data.tables()["observation"]
    w1 = rooms[rooms["wave"] == 1].set_index("classroom")
    w2 = rooms[rooms["wave"] == 2].set_index("classroom")
    changed = w2["teacher"] != w1.loc[w2.index, "teacher"]
    assert changed.any(), "high turnover replaces some observed teachers"
    assert (w2.loc[changed, "status"] == "teacher_left").all() and \
        w2.loc[changed, "score"].isna().all(), "a classroom whose teacher left is missing"
    assert w2.loc[~changed, "score"].notna().all(), "a staying teacher is observed again"


def test_newcomers_are_surveyed_when_asked():
    spec = perfect_study({"turnover_cc": 0.9, "turnover_hs": 0.9})
    # about newcomers, not attrition: centers that left the collaborative (issue 26)
    # are measured too, so every newcomer in a team seat is asked
    spec["design"]["missing"] = "everyone"
    survey = simulate_study(load_study(spec)).tables()["psych_safety"]
    new = survey[(survey["wave"] == 2) & survey["new"]]
    assert len(new) and new["score"].notna().all(), "newcomers in team seats answer at wave 2"


def test_power_rises_with_the_number_of_centers():
    spec = perfect_study()
    spec["instruments"] = {"observation": {"kind": "observation", "measures": "practice",
                                           "waves": [0, 52], "reliability": 0.7}}
    spec["design"] = {"participating_per_center": 2, "comparison_per_center": 0}
    res = power(load_study(spec), n_centers=(3, 20), reliability=(0.7,), replicates=16)
    t = res.table[res.table["group"] == "participating"].set_index("design_centers")
    assert t.loc[20, "power"] > t.loc[3, "power"] + 0.3, (
        f"power must rise with centers: {t['power'].to_dict()}")


@pytest.mark.slow
def test_power_is_the_same_across_workers():
    study = load_study(perfect_study())
    kw = dict(n_centers=(4,), reliability=(0.6, 1.0), replicates=4)
    serial = power(study, workers=1, **kw).replicates
    parallel = power(study, workers=2, **kw).replicates
    pd.testing.assert_frame_equal(serial, parallel, obj="same seeds, any number of workers")


def test_observing_does_not_change_the_run():
    p = load_config(None, weeks_followup=0)
    model = BSCModel(p, rng=np.random.default_rng(7), observe_weeks=(0, 10, 52)).run()
    plain = simulate(p, seed=np.random.SeedSequence(7))
    assert sorted(model.observations) == [0, 10, 52], "observed at the weeks asked for"
    for k, v in plain.timeseries.items():
        if k not in ("week", "collab"):
            assert np.allclose(model.series[k], v, equal_nan=True), f"{k} changed by observing"
    model.release()
    assert BSCModel(p, rng=1).observations == {}, "nothing is observed by default"


def test_study_command_writes_data_and_analysis(tmp_path, capsys):
    study = tmp_path / "s.toml"
    text = CCL.read_text().replace("n_centers = [4, 8, 12, 16, 24, 32, 40]", "n_centers = [4, 6]")
    text = text.replace("reliability = [0.6, 0.7, 0.8, 0.9]", "reliability = [0.7, 0.9]")
    study.write_text(text.replace("replicates = 200", "replicates = 2"))
    out = tmp_path / "out"
    assert main(["study", str(study), "--out", str(out), "--power"]) == 0
    assert "truth" in capsys.readouterr().out, "the printed analysis shows the truth"
    for name in ("psych_safety", "efficacy", "climate", "observation", "pdsa_tracker",
                 "attendance"):
        df = pd.read_parquet(out / "data" / f"{name}.parquet")
        assert len(df) and "true_score" not in df, f"{name}: the study's data, no truth"
    a = pd.read_csv(out / "analysis.csv")
    assert {"estimate", "ci_low", "ci_high", "truth", "bias"} <= set(a.columns)
    for f in ("provenance.json", "power.csv", "power_needed.csv", "power.png"):
        assert (out / f).is_file(), f"{f} written"


BAD = {
    "unknown key": ("seed = 2024", "seeed = 2024", "did you mean 'seed'"),
    "missing config": ('config = "ccl_phase1.toml"', 'config = "nope.toml"', "not found"),
    "wave after the run": ("waves = [0, 52]", "waves = [0, 200]", "after the end"),
    "bad reliability": ("reliability = 0.8 ", "reliability = 1.5 ", "reliability"),
    "unknown measure": ('measures = "practice"', 'measures = "pratice"', "did you mean"),
    "bad model parameter": ("[design]", "[model]\nturnover_cc = 2\n[design]", "turnover_cc"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_study_file_is_one_line_exit_2_no_output(case, tmp_path, capsys):
    old, new, expect = BAD[case]
    text = CCL.read_text()
    assert old in text, f"test setup: {old!r} in the study file"
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new, 1))  # ccl_phase1.toml is found in configs/
    out = tmp_path / "out"
    assert main(["study", str(bad), "--out", str(out)]) == 2, "a bad study file exits 2"
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and expect in err, f"one line naming the problem: {err}"
    assert not out.exists() and list(tmp_path.iterdir()) == [bad], "no partial output"
