"""State rollouts (issue 12 item 3): the state file, carry-over between cohorts, the
per-collaborative, per-cohort and state tables, and `bscsim run/compare STATE.toml`.

Every state here is small (collaboratives of 3-5 centers, 20 weeks), so the whole
file runs in seconds; the shipped files are only read, never run. (20 weeks, not 12,
since issue 22: a 12-week cohort of ~17 cycles could end with no abandon, the premise
of the carry-over test.)
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bscsim
from bscsim.config import ConfigError, configs_dir
from bscsim.outputs import SUMMARY_NAMES
from bscsim.params import make_params
from bscsim.states import carry, read_state, run_state
from bscsim.states import run as state_run
from bscsim.states.report import compare_states

SMALL = """
title = "Small state"
base = "ccl_phase1.toml"
seed = 7
cohort_interval_weeks = 26

[changes]
weeks_collab = 20
weeks_followup = 0
n_learning_sessions = 2

[carry_over]
on = {on}
refine = 1.0
mentor = 1.0

[[cohort]]
collaboratives = 3
centers = [3, 5]
share_head_start = [0.2, 0.8]
faculty_hours_month = [1.0, 3.0]

[[cohort]]
collaboratives = 3
centers = [3, 5]

[[cohort]]
collaboratives = 2
centers = 4
faculty_qi_gain = 0.03
"""


def small(tmp_path: Path, on: bool = True, name: str = "small.toml", text: str = SMALL):
    path = tmp_path / name
    path.write_text(text.replace("{on}", "true" if on else "false"))
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The small state run with carry-over on and off (same seed and layout)."""
    tmp = tmp_path_factory.mktemp("states")
    on = run_state(read_state(small(tmp, True, "on.toml")))
    off = run_state(read_state(small(tmp, False, "off.toml")))
    return on, off


# ------------------------------------------------------------ simulate_many stand-in

def test_simulate_many_gives_one_row_per_run_in_order_equal_to_simulate(small_params):
    summary, tables = bscsim.simulate_many(small_params, [3, 1], tables=True)
    assert list(summary.columns) == ["run", "seed", *SUMMARY_NAMES], "columns as declared"
    assert summary["run"].tolist() == [0, 1] and summary["seed"].tolist() == [3, 1]
    alone = bscsim.simulate(small_params, seed=1)
    assert np.allclose(summary.loc[1, list(SUMMARY_NAMES)].to_numpy(float),
                       alone.summary.to_numpy(float), equal_nan=True), \
        "run 1 must equal simulate(params, seed=1)"
    assert set(tables) >= {"timeseries", "centers"}
    assert sorted(tables["timeseries"]["run"].unique()) == [0, 1]


def test_simulate_many_refuses_a_params_list_of_another_length(small_params):
    with pytest.raises(ValueError, match="2 params for 3 seeds"):
        bscsim.simulate_many([small_params, small_params], [1, 2, 3])


# ------------------------------------------------------------------- the state file

def test_every_shipped_state_file_is_valid():
    files = sorted((configs_dir() / "states").glob("*.toml"))
    assert files, "configs/states/ must hold state files"
    for f in files:
        read_state(f)
    big = read_state(configs_dir() / "states" / "state_10000.toml")
    layout = pd.DataFrame(big.layout())
    assert len(layout) == 400 and layout["n_centers"].sum() == 10_000, \
        "state_10000: 400 collaboratives, 10,000 centers"
    assert layout["cohort"].nunique() == 3


def test_layout_draws_each_value_in_its_range_and_the_same_for_every_seed_use(tmp_path):
    spec = read_state(small(tmp_path))
    layout = pd.DataFrame(spec.layout())
    first = layout[layout["cohort"] == 0]
    assert first["n_centers"].between(3, 5).all()
    assert first["share_head_start"].between(0.2, 0.8).all()
    assert (layout.loc[layout["cohort"] == 2, "faculty_qi_gain"] == 0.03).all()
    assert (layout.loc[layout["cohort"] == 1, "faculty_hours_month"]
            == spec.base_params.faculty_hours_month).all(), "absent keys: the base's"
    again = pd.DataFrame(read_state(small(tmp_path), replicates=3).layout())
    pd.testing.assert_frame_equal(layout, again, obj="layout does not depend on replicates")


BAD = [  # (change to the small file, words the one-line error must hold)
    (("seed = 7", "sed = 7"), "unknown key 'sed'; did you mean 'seed'"),
    (('base = "ccl_phase1.toml"', ""), "missing 'base'"),
    (("centers = [3, 5]", "centers = [3, 6000]"), "centers = 6000 is not allowed"),
    (("centers = [3, 5]", "centers = [5, 3]"), "low is above high"),
    (("centers = [3, 5]", "centers = [3, 4, 5]"), "or a range [low, high]"),
    (("collaboratives = 2", "collaboratives = 2.5"), "collaboratives = 2.5 is not allowed"),
    (("share_head_start = [0.2, 0.8]", "share_head_start = [0.2, 1.8]"),
     "share_head_start = 1.8 is not allowed"),
    (("on = {on}", 'on = "yes"'), "on = 'yes' is not allowed"),
    (("refine = 1.0", "refine = 1.5"), "refine = 1.5 is not allowed"),
    (("mentor = 1.0", "mentr = 1.0"), "did you mean 'mentor'"),
    (("weeks_followup = 0", "weeks_followup = 0\nn_centers = 8"),
     "[changes] n_centers is not allowed: it is set per cohort"),
    (("weeks_followup = 0", "weeks_followup = 0\nn_cohorts = 2"),
     "[changes] n_cohorts is not allowed"),
    (("weeks_followup = 0", "weeks_followup = 0\nplaning_hours = 2"),
     "did you mean 'planning_hours'"),
    (("faculty_qi_gain = 0.03", "faculty_qi_gain = 0.03\nfaculty = 2"),
     "unknown key 'faculty'"),
    (("collaboratives = 2", "collaboratives = 99999"), "a state runs at most"),
    (("[[cohort]]", "[[cohort]"), "not valid TOML"),
]


@pytest.mark.parametrize("edit,words", BAD, ids=[w for _, w in BAD])
def test_bad_state_file_is_refused_in_one_line_naming_the_key(tmp_path, edit, words):
    text = SMALL.replace(*edit)
    with pytest.raises(ConfigError) as e:
        read_state(small(tmp_path, text=text))
    message = str(e.value)
    assert words in message and "\n" not in message, f"got: {message}"
    assert "small.toml" in message, "the error names the file"


def test_too_many_runs_over_replicates_are_refused_before_any_layout_is_drawn(tmp_path):
    text = SMALL.replace("seed = 7", "seed = 7\nreplicates = 1000").replace(
        "collaboratives = 2", "collaboratives = 200")
    with pytest.raises(ConfigError, match="replicates x collaboratives = 206,000 runs"):
        read_state(small(tmp_path, text=text))


# ------------------------------------------------------------------- runs and seeds

def test_same_file_and_seed_give_identical_tables(tmp_path):
    spec = read_state(small(tmp_path))
    a, b = run_state(spec), run_state(spec)
    pd.testing.assert_frame_equal(a.collaboratives, b.collaboratives)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    other = run_state(read_state(small(tmp_path), seed=8))
    assert not np.allclose(other.collaboratives["practice_gain_sd"],
                           a.collaboratives["practice_gain_sd"]), "another seed, other draws"


def test_local_processes_give_the_same_tables(tmp_path, pair):
    on, _ = pair
    spread = run_state(read_state(small(tmp_path, True)), workers=2)
    pd.testing.assert_frame_equal(spread.collaboratives, on.collaboratives)
    pd.testing.assert_frame_equal(spread.timeseries, on.timeseries)


def test_a_collaborative_reruns_alone_from_its_row(pair):
    """Seeds and parameters in collaboratives.parquet are enough to repeat one run."""
    on, _ = pair
    row = on.collaboratives.iloc[-1]            # last cohort: carried values applied
    values = {**on.spec.base_params.to_dict(),
              **{k: row[k].item() for k in ("n_centers", "share_head_start",
                                             "faculty_hours_month", "faculty_qi_gain",
                                             "share_ideas_null")}}
    seed = int(on.collaboratives["seed"].iloc[-1])    # (a row of floats rounds it)
    alone = bscsim.simulate(make_params(values), seed=seed)
    assert np.allclose(row[list(SUMMARY_NAMES)].to_numpy(float),
                       alone.summary.to_numpy(float), equal_nan=True), \
        "simulate(row's params, row's seed) must repeat the row"


def test_collaborative_seeds_are_distinct_and_keyed_to_cohort_and_index():
    seeds = {state_run.run_seed(0, r, c, k) for r in range(2) for c in range(3)
             for k in range(50)}
    assert len(seeds) == 300 and all(0 <= s < 2**63 for s in seeds)


# ---------------------------------------------------------------------- carry-over

def later_cohorts_inherit(on, off) -> bool:
    """The check: cohort 0 is the same with carry-over on and off, and every later
    cohort's package and faculty differ from the file's."""
    a, b = on.collaboratives, off.collaboratives
    first_same = a[a["cohort"] == 0].equals(b[b["cohort"] == 0])
    later = a["cohort"] > 0
    package = (a.loc[later, "share_ideas_null"] < b.loc[later, "share_ideas_null"]).all()
    faculty = (a.loc[later, "faculty_qi_gain"] > b.loc[later, "faculty_qi_gain"]).all()
    outputs = not np.allclose(a.loc[later, "practice_gain_sd"],
                              b.loc[later, "practice_gain_sd"])
    return bool(first_same and package and faculty and outputs)


def test_carry_over_changes_later_cohorts_and_not_the_first(pair):
    on, off = pair
    assert later_cohorts_inherit(on, off), \
        "carry-over must leave cohort 1 alone and change every later cohort"


def test_check_catches_carry_over_ignored(tmp_path, monkeypatch, pair):
    """Mutant: what the cohort inherited is not applied to its collaboratives."""
    _, off = pair
    monkeypatch.setattr(carry, "apply", lambda values, inherited: values)
    mutant = run_state(read_state(small(tmp_path, True)))
    assert not later_cohorts_inherit(mutant, off), "the check must catch ignored carry-over"


def inherited_follows_the_rule(result) -> bool:
    """Recompute from cohort c's weekly results what cohort c + 1 inherits
    (states/carry.py) and compare with what it ran with."""
    spec, c, ts = result.spec, result.collaboratives, result.timeseries
    p = spec.base_params
    share = p.share_ideas_null
    for k in range(len(spec.cohorts) - 1):
        end = ts[(ts["cohort"] == k) & (ts["week"] == p.weeks_collab - 1)]
        abandon = end["pdsa_abandoned"].sum() / end["pdsa_completed"].sum()
        closed = (end["qi_skill"] - p.qi_skill_baseline) / (1 - p.qi_skill_baseline)
        g = np.clip(np.average(closed, weights=end["n_centers"]), 0, 1)
        share = share * (1 - spec.refine * abandon)
        nxt = c[c["cohort"] == k + 1]
        own = pd.DataFrame(spec.layout()).query(f"cohort == {k + 1}")["faculty_qi_gain"]
        if not (np.allclose(nxt["share_ideas_null"], share)
                and np.allclose(nxt["faculty_qi_gain"].to_numpy(),
                                np.minimum(own.to_numpy() * (1 + spec.mentor * g), 0.5))):
            return False
    return True


def test_next_cohort_inherits_what_the_rule_computes_from_the_previous(pair):
    on, _ = pair
    assert on.collaboratives["inherited_abandon_share"].max() > 0, \
        "some previous cohort abandoned some cycles (else the package test is empty)"
    assert inherited_follows_the_rule(on), "inherited values must follow states/carry.py"


def test_rule_check_catches_a_package_refined_the_wrong_way(tmp_path, monkeypatch):
    """Mutant: the package gets more ideas that work nowhere, not fewer."""
    real = carry.inherit

    def flipped(before, series, centers, weeks, qi_baseline, refine, mentor):
        got = real(before, series, centers, weeks, qi_baseline, refine, mentor)
        share = before.share_ideas_null * (1 + refine * got.abandon_share)
        return carry.Inherited(share, got.faculty_qi_factor, got.abandon_share,
                               got.qi_gap_closed)
    monkeypatch.setattr(carry, "inherit", flipped)
    mutant = run_state(read_state(small(tmp_path, True)))
    assert not inherited_follows_the_rule(mutant), "the rule check must catch the flip"


def test_an_interrupted_state_resumes_from_its_finished_cohorts(tmp_path, monkeypatch,
                                                                pair):
    from bscsim.states.resume import Checkpoints, state_key
    on, _ = pair
    spec = read_state(small(tmp_path, True))
    real, calls = state_run.simulate_many, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2 and interrupt:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(state_run, "simulate_many", interrupted)
    folder = tmp_path / ".out.resume"
    interrupt = True
    with pytest.raises(KeyboardInterrupt):
        run_state(spec, checkpoints=Checkpoints(folder, state_key(spec, True)))
    assert Checkpoints(folder, state_key(spec, True)).done() == 1, "cohort 1 was kept"
    calls.clear()
    interrupt = False
    resumed = run_state(spec, checkpoints=Checkpoints(folder, state_key(spec, True)))
    assert len(calls) == 2, "only the two unfinished cohorts run again"
    pd.testing.assert_frame_equal(resumed.collaboratives, on.collaboratives)
    pd.testing.assert_frame_equal(resumed.timeseries, on.timeseries)
    other = read_state(small(tmp_path, True), seed=8)
    assert Checkpoints(folder, state_key(other, True)).done() == 0, \
        "another seed does not reuse the cohorts"


# -------------------------------------------------------------------- aggregation

def state_equals_weighted_collaboratives(result) -> bool:
    """State and cohort figures = centers-weighted means of the collaboratives'
    (cost per classroom improved: total cost / total improved classrooms)."""
    c = result.collaboratives

    def combine(g):
        out = {}
        for o in SUMMARY_NAMES:     # an output a collaborative lacks (NaN) is left out
            ok = g[o].notna()
            out[o] = np.average(g.loc[ok, o], weights=g.loc[ok, "n_centers"])
        cost = g["cost_per_center"] * g["n_centers"]
        improved = (cost / g["cost_per_classroom_improved"]).fillna(0)   # NaN: none
        out["cost_per_classroom_improved"] = cost.sum() / improved.sum()
        return pd.Series(out)
    state = result.state().set_index("replicate")
    cohorts = result.cohorts().set_index(["replicate", "cohort"])
    ok = all(np.allclose(state.loc[r, list(SUMMARY_NAMES)].astype(float),
                         combine(g)[list(SUMMARY_NAMES)]) for r, g in c.groupby("replicate"))
    return ok and all(np.allclose(cohorts.loc[k, list(SUMMARY_NAMES)].astype(float),
                                  combine(g)[list(SUMMARY_NAMES)])
                      for k, g in c.groupby(["replicate", "cohort"]))


def test_state_and_cohort_figures_are_weighted_combinations_of_collaboratives(pair):
    on, _ = pair
    c = on.collaboratives
    assert c["n_centers"].nunique() > 1, "sizes must differ for the test"
    assert state_equals_weighted_collaboratives(on)
    assert on.state()["n_centers"].iloc[0] == on.collaboratives["n_centers"].sum()


def test_aggregation_check_catches_an_unweighted_mean(pair, monkeypatch):
    """Mutant: every collaborative counts once, whatever its size."""
    from bscsim.states import outputs
    on, _ = pair
    real = outputs.weighted
    monkeypatch.setattr(outputs, "weighted",
                        lambda df, by: real(df.assign(n_centers=1), by))
    assert not state_equals_weighted_collaboratives(on), "the check must catch it"


def test_compare_a_state_with_itself_gives_zero_with_a_zero_interval(pair):
    on, off = pair
    d = compare_states(on, on).set_index("output")
    assert d["paired"].all() and np.allclose(d["diff"], 0, equal_nan=True)
    assert np.allclose(d[["lo", "hi"]].dropna(), 0)
    d = compare_states(off, on).set_index("output")
    row = d.loc["practice_gain_sd"]
    assert row["lo"] <= row["diff"] <= row["hi"], "the interval holds the estimate"


# ---------------------------------------------------------------------------- CLI
# In process (bscsim.cli.main, as the console script calls it), to keep the tests
# fast; the subprocess path of `bscsim run` is tested in test_cli.py.

def cli(capsys, *argv):
    from bscsim.cli import main
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_run_state_writes_every_table_with_provenance(tmp_path, capsys):
    path = small(tmp_path)
    out = tmp_path / "out"
    code, stdout, stderr = cli(capsys, "run", path, "--out", out)
    assert code == 0, stderr
    assert "cohort 3" in stdout and "state" in stdout
    for name in ("collaboratives", "cohorts", "state", "timeseries"):
        df = pd.read_parquet(out / f"{name}.parquet")
        assert len(df) > 0
    import pyarrow.parquet as pq
    meta = pq.read_schema(out / "state.parquet").metadata[b"bscsim_provenance"]
    assert json.loads(meta)["root_seed"] == 7, "each table carries its provenance"
    assert not (tmp_path / ".out.resume").exists(), "checkpoints removed once written"
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["carry_over"]["on"] is True and "state.png" in prov["files"]
    assert prov["versions"]["bscsim"]


def test_cli_compare_two_states_prints_differences_and_saves_both(tmp_path, capsys):
    a, b = small(tmp_path, False, "off.toml"), small(tmp_path, True, "on.toml")
    out = tmp_path / "cmp"
    code, stdout, stderr = cli(capsys, "compare", a, b, "--out", out)
    assert code == 0, stderr
    assert "95% interval" in stdout and "cohort 1: +0.000, +0.000" in stdout, \
        "cohort 1 is the same with and without carry-over"
    d = pd.read_csv(out / "differences.csv")
    assert set(d["output"]) == set(SUMMARY_NAMES) and d["paired"].all()
    assert (out / "a" / "state.parquet").exists() and (out / "b" / "state.png").exists()


@pytest.mark.parametrize("args,words", [
    (("run", "{bad}"), "centers = 6000 is not allowed"),
    (("run", "{good}", "--set", "n_cohorts=2"), "--set n_cohorts is not allowed"),
    (("run", "{good}", "--set", "n_centers=9"), "--set n_centers is not allowed"),
    (("run", "{good}", "--workers", "0"), "--workers 0: expected at least 1"),
    (("compare", "{good}", "{bad}"), "centers = 6000 is not allowed"),
    (("compare", "{good}", "{good}", "--report", "r.html"), "--report r.html"),
    (("compare", "{good}", "ccl_phase1.toml"), "compare two state files"),
])
def test_cli_refuses_bad_state_input_with_exit_2_and_writes_nothing(tmp_path, capsys,
                                                                     monkeypatch, args,
                                                                     words):
    monkeypatch.chdir(tmp_path)
    good = small(tmp_path)
    bad = small(tmp_path, name="bad.toml", text=SMALL.replace("centers = 4",
                                                             "centers = 6000"))
    out = tmp_path / "out"
    argv = [a.format(good=good, bad=bad) for a in args] + ["--out", str(out)]
    code, _, stderr = cli(capsys, *argv)
    assert code == 2, stderr
    assert words in stderr and stderr.count("\n") == 1, stderr
    assert not out.exists(), "nothing written"


def test_state_figure_has_readable_text_and_fits_a_report(pair):
    import matplotlib.pyplot as plt
    from test_report import saved_width_px, small_texts
    from bscsim.states.report import state_figure
    fig = state_figure(pair[0])
    assert not small_texts(fig), f"text below 10 pt: {small_texts(fig)}"
    assert saved_width_px(fig) <= 1100, "no wider than a report's column"
    plt.close(fig)
