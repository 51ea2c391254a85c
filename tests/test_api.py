"""The public API: exactly these names, and what each promises."""

import json

import mesa
import pandas as pd

import bscsim
from bscsim.outputs import CENTER_NAMES, SUMMARY_NAMES, TIMESERIES_NAMES

EXPECTED_EXPORTS = {
    "BSCModel", "ConfigError", "Params", "Result", "load_config", "simulate",   # issue 2
    "Comparison", "ScenarioSet", "compare", "read_scenarios",                   # issue 4
    "load_sweep",                                                               # issue 5
    "salib_problem",                                                            # issue 15
    "simulate_many",                                                            # issue 12
}


def test_exports_are_exactly_the_public_api():
    assert set(bscsim.__all__) == EXPECTED_EXPORTS, "bscsim.__all__ changed: update the API docs"
    for name in bscsim.__all__:
        assert hasattr(bscsim, name), f"bscsim.{name} is exported but missing"


def test_model_is_a_mesa_model_with_people_as_agents(small_params):
    model = bscsim.BSCModel(small_params, rng=1)
    assert isinstance(model, mesa.Model)
    kinds = {type(a).__name__ for a in model.agents}
    assert kinds == {"Teacher", "Director", "Parent"}, f"agent kinds were {kinds}"
    assert len(model.agents) == int(model.staff.filled.sum()), \
        "one agent per held post"


def test_agents_read_their_own_state(small_params):
    model = bscsim.BSCModel(small_params, rng=1)
    teacher = next(a for a in model.agents if type(a).__name__ == "Teacher")
    assert teacher.psych_safety == model.staff.psych_safety[teacher.post]
    assert teacher.classroom == model.staff.classroom[teacher.post]


def test_agents_stay_in_step_with_held_posts_through_turnover(small_params):
    model = bscsim.BSCModel(small_params.replace(turnover_cc=0.9, turnover_hs=0.9,
                                                 turnover_zero_share=0.0), rng=2)
    model.run()
    assert model.counts["leavers"] > 0, "high turnover should produce leavers"
    assert len(model.agents) == int(model.staff.filled.sum()), \
        "agents must match held posts after turnover"


def test_agents_made_on_demand_carry_the_ids_of_the_people_the_study_observes(small_params):
    from bscsim.model.observe import observe
    model = bscsim.BSCModel(small_params.replace(turnover_cc=0.9, turnover_hs=0.9,
                                                 turnover_zero_share=0.0), rng=2)
    model.run()
    seen = observe(model)["people"]
    agents = {a.post: a.unique_id for a in model.agents}
    assert agents == dict(zip(seen["post"].tolist(), seen["person"].tolist())), \
        "each agent's Mesa id is the person id the observations carry"
    assert len(set(agents.values())) == len(agents), "one id per person"


def test_simulate_returns_tidy_tables(small_params):
    r = bscsim.simulate(small_params, seed=3)
    n_weeks = small_params.weeks_collab + small_params.weeks_followup
    assert list(r.timeseries.columns) == ["week", "collab", *TIMESERIES_NAMES]
    assert len(r.timeseries) == n_weeks, "one row per week"
    assert len(r.centers) == n_weeks * small_params.n_centers, "one row per week and center"
    assert set(CENTER_NAMES) <= set(r.centers.columns)
    assert r.classrooms["classroom"].is_unique, "one row per classroom"
    assert {"practice_baseline", "practice_end_collab", "practice_end_followup",
            "participating"} <= set(r.classrooms.columns)
    assert list(r.summary.index) == list(SUMMARY_NAMES)


def test_pdsa_log_has_one_row_per_completed_cycle(default_result):
    log = default_result.pdsa_log
    total = default_result.timeseries["pdsa_completed"].iloc[-1]
    assert len(log) == total, "every completed cycle is logged"
    assert set(log["decision"]) <= {"adopt", "adapt", "abandon"}
    for col in ("week_start", "center", "role", "driver", "change_idea", "observed",
                "true_effect", "shared_team", "shared_collab"):
        assert col in log.columns, f"pdsa_log lacks {col}"
    assert (log["week_end"] > log["week_start"]).all()
    assert not (log["shared_collab"] & ~log["shared_team"]).any(), \
        "a result reaches the collaborative only after the team heard it"


def test_save_writes_tables_and_provenance(tmp_path, small_params):
    r = bscsim.simulate(small_params, seed=5)
    out = r.save(tmp_path / "run")
    for name in ("timeseries", "centers", "classrooms", "pdsa_log", "summary"):
        assert (out / f"{name}.parquet").is_file(), f"{name}.parquet missing"
    assert (out / "summary.csv").is_file()
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 5
    assert prov["config"]["n_centers"] == 4
    assert {"bscsim", "mesa", "numpy", "python"} <= set(prov["versions"])
    back = pd.read_parquet(out / "timeseries.parquet")
    pd.testing.assert_frame_equal(back, r.timeseries)


def test_params_replace_returns_a_validated_copy():
    p = bscsim.Params()
    q = p.replace(n_centers=12)
    assert q.n_centers == 12 and p.n_centers == 8, "replace must not change the original"
