"""One runner for every analysis (issue 15 item 2) and answers with parameter
uncertainty (issue 13 item 4): `compare` and `study --power` run through the sweep
runner (executors, resume after kill -9, progress) with the seeds they always had;
`--posterior DIR` on compare, sweep, sensitivity and study gives each replicate (or
run) one posterior draw, and the outputs say which uncertainty they include."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bscsim import load_config, load_sweep, simulate
from bscsim.cli import main
from bscsim.cohorts import run_replicate
from bscsim.params import BY_NAME
from bscsim.posterior import posterior_draws
from bscsim.scenarios import compare, configs_as_scenarios, read_scenarios, replicate_seed
from bscsim.sensitivity import run_sensitivity
from bscsim.study import load_study
from bscsim.study.power import power, replicate_rows
from bscsim.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
ARMS = ROOT / "configs" / "arms"
POSTERIOR = ROOT / "tests" / "fixtures" / "posterior"   # make_posterior.py writes it
DRAWN = ["p_pdsa_max", "child_growth", "n_practices_max"]
SHORT = {"n_centers": 4, "weeks_collab": 12, "weeks_followup": 2}

SCENARIOS = f"""
title = "two arms"
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
name = "bsc_two_cohorts"
config = "{ARMS / 'full_bsc.toml'}"
[scenario.set]
n_cohorts = 2
"""

STUDY = """
config = "ccl_phase1.toml"
seed = 5
[model]
weeks_collab = 12
[design]
n_centers = 4
[instruments.observation]
kind = "observation"
measures = "practice"
waves = [0, 12]
[power]
n_centers = [3, 4]
reliability = [0.6, 0.9]
replicates = 3
"""


def scenario_file(folder: Path, replicates: int = 3) -> Path:
    path = folder / "two_arms.toml"
    path.write_text(SCENARIOS.replace("replicates = 3", f"replicates = {replicates}"))
    return path


def study_file(folder: Path, replicates: int = 3) -> Path:
    path = folder / "small_study.toml"
    path.write_text(STUDY.replace("replicates = 3", f"replicates = {replicates}"))
    return path


def small_spec(folder: Path, replicates: int = 3):
    return read_scenarios(scenario_file(folder, replicates), base_changes=SHORT)


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "bscsim", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


def kill_when(cmd: list[str], parts: Path, n_parts: int) -> None:
    """Start `bscsim CMD` and kill -9 it (and its workers) once `n_parts` batches
    are saved in `parts`."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "bscsim", *cmd], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if len(list(parts.glob("part-*.parquet"))) >= n_parts:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the command was killed, not finished"


# ------------------------------------------------------------------ compare
def test_compare_keeps_its_seeds_on_the_runner(tmp_path):
    spec = small_spec(tmp_path)
    c = compare(spec)
    for name in ("bsc", "bsc_two_cohorts"):
        params = spec.scenario(name).params
        for r in range(spec.replicates):
            summary, _, size = run_replicate(params, replicate_seed(spec.seed, r))
            got = c.summary[(c.summary["scenario"] == name) & (c.summary["replicate"] == r)]
            assert got.set_index("output")["value"].to_dict() == summary.to_dict(), \
                f"{name} replicate {r}: the runner must run SeedSequence(seed, (r,))"
            assert c.sizes.set_index(["scenario", "replicate"]).loc[(name, r)].to_dict() \
                == size, "sizes count every cohort"


def test_compare_kept_runs_are_resumed_not_rerun(tmp_path):
    spec = small_spec(tmp_path)
    runs = tmp_path / "runs"
    first = compare(spec, out=runs)
    parts = sorted(p.name for p in (runs / "summary").glob("*.parquet"))
    again = compare(spec, out=runs)
    assert sorted(p.name for p in (runs / "summary").glob("*.parquet")) == parts, \
        "a finished comparison run again reads its runs, it does not rerun them"
    pd.testing.assert_frame_equal(first.summary, again.summary)


def test_compare_with_other_settings_in_the_same_folder_starts_afresh(tmp_path, capsys):
    runs = tmp_path / "runs"
    compare(small_spec(tmp_path, replicates=2), out=runs)
    c = compare(small_spec(tmp_path, replicates=3), out=runs)
    assert "starting afresh" in capsys.readouterr().err, "says it does not resume"
    assert sorted(c.summary["replicate"].unique()) == [0, 1, 2]


@pytest.mark.slow
def test_compare_is_identical_serial_and_processes(tmp_path):
    spec = small_spec(tmp_path, replicates=2)
    serial = compare(spec, executor="serial")
    other = compare(spec, executor="processes", workers=2)
    pd.testing.assert_frame_equal(serial.summary, other.summary)
    pd.testing.assert_frame_equal(serial.timeseries, other.timeseries)
    pd.testing.assert_frame_equal(serial.sizes, other.sizes)


@pytest.mark.slow
def test_compare_killed_then_resumed_equals_uninterrupted(tmp_path):
    path = scenario_file(tmp_path, replicates=12)
    out = tmp_path / "out"
    short = [a for k, v in SHORT.items() for a in ("--set", f"{k}={v}")]
    cmd = ["compare", str(path), "--out", str(out), *short]
    kill_when(cmd, out / "runs" / "summary", 3)
    done = len(load_sweep(out / "runs"))
    assert 0 < done < 36, f"killed mid-way ({done} of 36 runs done)"
    assert not (out / "stats.csv").exists(), "no results from a killed comparison"
    resumed = cli(*cmd)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "36/36" in resumed.stderr and "run/s" in resumed.stderr, "progress shown"
    fresh = compare(read_scenarios(path, base_changes=SHORT))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet"), fresh.summary,
                                  obj="killed and resumed vs uninterrupted")
    assert (out / "runs" / "manifest.json").is_file(), "the runs stay for a later resume"


def test_compare_cli_shows_progress_and_records_the_runner(tmp_path, capsys):
    out = tmp_path / "out"
    short = [a for k, v in SHORT.items() for a in ("--set", f"{k}={v}")]
    code = main(["compare", str(scenario_file(tmp_path, 2)), "--out", str(out), *short])
    assert code == 0
    err = capsys.readouterr().err
    assert "6/6" in err, "a progress bar counts the runs"
    m = json.loads((out / "runs" / "manifest.json").read_text())
    assert m["sessions"][0]["executor"] == "serial", "one process unless --workers"
    assert "spawn_key=(r,)" in m["seeding"]


# ------------------------------------------------------------------ posterior
def test_compare_posterior_gives_each_replicate_one_draw_shared_by_scenarios(tmp_path):
    spec = small_spec(tmp_path)
    runs = tmp_path / "runs"
    c = compare(spec, out=runs, posterior=POSTERIOR)
    rows = load_sweep(runs)
    draws = posterior_draws(POSTERIOR, spec.replicates, spec.seed)
    for _, row in rows.iterrows():
        want = draws[int(row["replicate"])]
        assert {k: row[k] for k in DRAWN} == want, \
            "replicate r of every scenario runs at draw r (common random numbers)"
    assert c.posterior["drawn"] == DRAWN


def runs_at_their_draws(spec, c, draws) -> bool:
    """Every replicate of scenario 'bsc' repeats when run at its drawn values."""
    for r in range(spec.replicates):
        p = spec.base_params.replace(**draws[r]).replace(**spec.scenario("bsc").changes)
        summary, _, _ = run_replicate(p, replicate_seed(spec.seed, r))
        if c.wide("practice_gain_sd").loc[r, "bsc"] != summary["practice_gain_sd"]:
            return False
    return True


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """A comparison of 2 replicates without and with the test posterior."""
    spec = small_spec(tmp_path_factory.mktemp("two"), replicates=2)
    return spec, compare(spec), compare(spec, posterior=POSTERIOR)


def test_compare_posterior_draws_change_the_runs(two):
    """The draws are used, not only recorded: each run repeats at its drawn values."""
    spec, plain, c = two
    draws = posterior_draws(POSTERIOR, 2, spec.seed)
    assert runs_at_their_draws(spec, c, draws), "each replicate runs at its draw"
    assert not c.wide("practice_gain_sd").equals(plain.wide("practice_gain_sd")), \
        "the posterior changes the answers"


def test_mutant_that_records_draws_but_ignores_them_is_caught(two, monkeypatch):
    import bscsim.sweep.tasks as tasks
    spec = two[0]
    real = tasks.run_replicates

    def ignore_draws(task):
        runs = tuple((run, r, {k: v for k, v in ch.items() if k not in DRAWN})
                     for run, r, ch in task.runs)
        return real(tasks.ReplicateTask(task.base, task.root_seed, runs, task.outputs))
    monkeypatch.setattr(tasks, "run_replicates", ignore_draws)
    c = compare(spec, posterior=POSTERIOR)          # serial: runs in this process
    assert not runs_at_their_draws(spec, c, posterior_draws(POSTERIOR, 2, spec.seed)), \
        "the check must fail on a runner that ignores the posterior draws"


def test_scenario_settings_win_over_the_posterior(tmp_path):
    text = SCENARIOS.replace('config = "' + str(ARMS / 'full_bsc.toml') + '"\n[[scenario]]',
                             'config = "' + str(ARMS / 'full_bsc.toml') + '"\n'
                             '[scenario.set]\np_pdsa_max = 0.29\n[[scenario]]', 1)
    path = tmp_path / "s.toml"
    path.write_text(text)
    spec = read_scenarios(path, replicates=2, base_changes=SHORT)
    c = compare(spec, out=tmp_path / "runs", posterior=POSTERIOR)
    rows = load_sweep(tmp_path / "runs")
    assert set(rows.loc[rows["point"] == 1, "p_pdsa_max"]) == {0.29}, "the scenario's value"
    assert c.posterior["held"] == ["p_pdsa_max"] and "p_pdsa_max" not in c.posterior["drawn"]
    assert "held at the stated values, not drawn: p_pdsa_max" in c.table()


def test_outputs_say_which_uncertainty_the_intervals_include(two):
    from bscsim.scenarios.report import build_html
    _, plain, post = two
    assert "include chance only" in plain.table()
    assert "include chance and parameter uncertainty" in post.table()
    assert str(POSTERIOR) in post.table()
    assert "include chance only" in build_html(plain, pngs=_no_figures())
    html = build_html(post, pngs=_no_figures())
    assert "include chance and parameter uncertainty" in html and "p_pdsa_max" in html
    assert "parameter uncertainty" in post.provenance()["uncertainty"]


def _no_figures() -> dict[str, bytes]:
    return {k: b"" for k in ("over_time", "differences", "cost_effectiveness")}


def test_sweep_posterior_runs_repeat_with_simulate(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('base = "ccl_phase1.toml"\nreplicates = 3\nroot_seed = 4\n[set]\n'
                    + "".join(f"{k} = {v}\n" for k, v in SHORT.items())
                    + "[vary]\nplanning_hours = [0.0, 4.0]\n")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--executor", "serial",
                 "--no-progress", "--posterior", str(POSTERIOR)]) == 0
    rows = load_sweep(out)
    assert rows[DRAWN].drop_duplicates().shape[0] > 1, "runs draw different particles"
    base = load_config(None, **SHORT)
    for _, row in rows.iloc[[0, 5]].iterrows():
        p = base.replace(planning_hours=row["planning_hours"],
                         **{k: BY_NAME[k].kind(row[k]) for k in DRAWN})
        assert simulate(p, seed=int(row["seed"])).summary["practice_gain_sd"] == \
            row["practice_gain_sd"], "each run ran at the parameters on its row"


def test_sensitivity_posterior_draws_only_what_the_sample_does_not_vary(tmp_path):
    path = tmp_path / "sa.toml"
    path.write_text('base = "ccl_phase1.toml"\nmethod = "morris"\nn_samples = 2\n'
                    'replicates = 2\nroot_seed = 3\noutputs = ["practice_gain_sd"]\n'
                    "[set]\n" + "".join(f"{k} = {v}\n" for k, v in SHORT.items())
                    + '[vary]\nplanning_hours = "plausible"\np_pdsa_max = "plausible"\n')
    result = run_sensitivity(path, tmp_path / "out", executor="serial", progress=False,
                             posterior=POSTERIOR)
    rows = load_sweep(tmp_path / "out" / "runs")
    sample = pd.read_parquet(tmp_path / "out" / "sample.parquet")
    assert np.allclose(rows.groupby("point")["p_pdsa_max"].first(), sample["p_pdsa_max"]), \
        "a sampled parameter keeps the sample's values, not the posterior's"
    draws = posterior_draws(POSTERIOR, 2, 3)
    for _, row in rows.iterrows():
        want = {k: draws[int(row["replicate"])][k] for k in ("child_growth", "n_practices_max")}
        assert {k: row[k] for k in want} == want, "the others: one draw per replicate"
    assert result.posterior["drawn"] == ["child_growth", "n_practices_max"]
    assert "drawn from the posterior" in str(result)
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert prov["posterior"]["folder"] == str(POSTERIOR)


# ------------------------------------------------------------------ study
def test_power_keeps_its_seeds_and_runs_each_draw(tmp_path):
    study = load_study(study_file(tmp_path))
    res = power(study, out=tmp_path / "runs", posterior=POSTERIOR)
    draws = posterior_draws(POSTERIOR, 3, study.seed)
    for n in (3, 4):
        for r in range(3):
            want = replicate_rows(study, n, [r], (0.6, 0.9), draws[r])
            got = res.replicates[(res.replicates["design_centers"] == n)
                                 & (res.replicates["replicate"] == r)]
            pd.testing.assert_frame_equal(got.reset_index(drop=True), want,
                                          obj=f"{n} centers, replicate {r}")
    plain = power(study)
    assert not plain.replicates["estimate"].equals(res.replicates["estimate"]), \
        "the posterior draws change the simulated studies"


@pytest.mark.slow
def test_study_power_killed_then_resumed_equals_uninterrupted(tmp_path):
    path = study_file(tmp_path, replicates=16)
    out = tmp_path / "out"
    cmd = ["study", str(path), "--power", "--out", str(out)]
    kill_when(cmd, out / "runs" / "summary", 3)
    done = len(load_sweep(out / "runs"))
    assert 0 < done < 32, f"killed mid-way ({done} of 32 runs done)"
    resumed = cli(*cmd)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "32/32" in resumed.stderr and "run/s" in resumed.stderr, "progress shown"
    fresh = power(load_study(path))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "power_replicates.parquet"),
                                  fresh.replicates, obj="killed and resumed vs uninterrupted")


def test_study_cli_posterior_says_what_the_intervals_include(tmp_path, capsys):
    out = tmp_path / "out"
    path = study_file(tmp_path, replicates=2)
    assert main(["study", str(path), "--out", str(out), "--power", "--no-progress",
                 "--posterior", str(POSTERIOR)]) == 0
    text = capsys.readouterr().out
    assert "at one posterior draw" in text, "the single study names its draw"
    assert "Power: the replicates vary by chance and parameter uncertainty" in text
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["posterior"] == str(POSTERIOR) and "power" in prov["uncertainty"]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("command", ["compare", "study", "sweep", "sensitivity"])
def test_bad_posterior_is_one_line_and_writes_nothing(tmp_path, capsys, command):
    files = {"compare": scenario_file, "study": study_file}
    path = files[command](tmp_path) if command in files else \
        ROOT / "configs" / ("sweeps/turnover_planning_grid.toml" if command == "sweep"
                            else "sensitivity/mechanisms_morris.toml")
    bad = tmp_path / "post"
    bad.mkdir()
    pd.DataFrame({"p_pdsa_mx": [0.2], "weight": [1.0]}).to_parquet(bad / "posterior.parquet")
    code = main([command, str(path), "--out", str(tmp_path / "out"), "--posterior", str(bad)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert "did you mean 'p_pdsa_max'" in lines[0] and "posterior.parquet" in lines[0]
    assert not (tmp_path / "out").exists(), "nothing written"


# ------------------------------------------------------------------ small fixes
def test_configs_compared_directly_get_names_of_at_most_64_characters(tmp_path):
    long = tmp_path / ("a_config_with_a_very_long_descriptive_name_" * 3 + ".toml")
    long.write_text("planning_hours = 3.0\n")
    spec = configs_as_scenarios([ROOT / "configs" / "ccl_phase1.toml", long, long],
                                replicates=1)
    names = [s.name for s in spec.scenarios]
    assert all(len(n) <= 64 for n in names) and len(set(names)) == 3, names


def test_hours_learning_session_cites_the_evidence_on_session_length():
    source = BY_NAME["hours_learning_session"].source
    assert "evidence 3.7" in source and "3.3" not in source, source
