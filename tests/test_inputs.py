"""Inputs with limits (issue 24): every argument checked before any work, data files
and posterior folders and kept calibration batches validated before use, and the
tracebacks the second fault audit found turned into one line with exit code 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from test_outfolders import CONFIGS, SCENARIOS, cli, one_line_error, snapshot

DATA = CONFIGS / "calibration" / "example_collaborative"
PATTERNS = CONFIGS / "calibration" / "ccl_patterns.toml"


def no_work(monkeypatch, module: str, name: str):
    """Make `module.name` fail loudly: a check must come before it."""
    import importlib

    def boom(*a, **k):
        raise AssertionError(f"{name} ran before the arguments were checked")
    monkeypatch.setattr(importlib.import_module(module), name, boom)


# ----------------------------------------------------------------- arguments
def test_calibrate_empty_out_is_refused_and_nothing_runs(tmp_path, monkeypatch):
    no_work(monkeypatch, "bscsim.calibrate.run", "calibrate")
    rc, _, err = cli("calibrate", PATTERNS, "--out", "", cwd=tmp_path)
    assert "--out ''" in one_line_error(rc, err)
    assert not (tmp_path / "results").exists(), "no default folder was made instead"


def test_empty_report_is_refused(tmp_path):
    scen = tmp_path / "scen.toml"
    scen.write_text(SCENARIOS)
    rc, _, err = cli("compare", scen, "--report", "", "--dry-run", cwd=tmp_path)
    assert "--report ''" in one_line_error(rc, err)


def test_check_patterns_replicates_have_an_upper_bound(tmp_path, monkeypatch):
    no_work(monkeypatch, "bscsim.patterns", "check_patterns")
    rc, _, err = cli("check-patterns", "--replicates", "100000000", cwd=tmp_path)
    assert "10,000" in one_line_error(rc, err), "the error gives the allowed range"


def test_check_mechanisms_out_dev_null_is_refused_before_the_analysis(tmp_path,
                                                                       monkeypatch):
    no_work(monkeypatch, "bscsim.mechanisms", "check_mechanisms")
    rc, _, err = cli("check-mechanisms", "--replicates", "20", "--out", "/dev/null",
                     cwd=tmp_path)
    assert "/dev/null" in one_line_error(rc, err)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_explore_threshold_must_be_finite(tmp_path, value):
    rc, _, err = cli("explore", "--sweep", tmp_path, "--output",
                     "classrooms_improved_share", f"--threshold={value}", cwd=tmp_path)
    assert "--threshold" in one_line_error(rc, err)


def test_data_in_a_pattern_target_calibration_is_refused(tmp_path):
    import shutil
    shutil.copytree(DATA, tmp_path / "mine")
    path = tmp_path / "cal.toml"
    path.write_text(_pattern_file_with_data(tmp_path))
    rc, _, err = cli("calibrate", path, "--out", tmp_path / "o", cwd=tmp_path)
    assert "data" in one_line_error(rc, err)
    assert not (tmp_path / "o").exists()


def _pattern_file_with_data(tmp_path: Path) -> str:
    text = PATTERNS.read_text().replace('config = "ccl_phase1.toml"',
                                        f'config = "{(CONFIGS / "ccl_phase1.toml").as_posix()}"'
                                        '\ndata = "mine"')
    assert 'data = "mine"' in text
    return text


def test_undecodable_out_is_one_line(tmp_path):
    """`bscsim run --out $'\\xff'` as a shell passes it: bytes that are not UTF-8."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "bscsim", "run", "--out", b"\xff",
                           "--no-plot", "--set", "n_centers=2", "--set", "weeks_collab=4",
                           "--set", "weeks_followup=0"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    one_line_error(done.returncode, done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing written"


@pytest.mark.parametrize("content", [b"\x00\xff garbage", b"[1, 2]", b'{"address": 5}', b""])
def test_scheduler_file_is_parsed_before_any_work_even_with_dry_run(tmp_path, content):
    sched = tmp_path / "sched.json"
    sched.write_bytes(content)
    sweep = tmp_path / "sw.toml"
    from test_outfolders import SWEEP
    sweep.write_text(SWEEP)
    rc, _, err = cli("sweep", sweep, "--scheduler", sched, "--dry-run", cwd=tmp_path)
    assert "--scheduler" in one_line_error(rc, err)


def test_scheduler_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "sched.json")
    from test_outfolders import SWEEP
    (tmp_path / "sw.toml").write_text(SWEEP)
    rc, _, err = cli("sweep", tmp_path / "sw.toml", "--scheduler", tmp_path / "sched.json",
                     "--dry-run", cwd=tmp_path)
    assert "regular file" in one_line_error(rc, err)


def test_sweep_dry_run_checks_out(tmp_path):
    from test_outfolders import SWEEP
    (tmp_path / "sw.toml").write_text(SWEEP)
    (tmp_path / "f").write_text("a file")
    rc, _, err = cli("sweep", tmp_path / "sw.toml", "--out", tmp_path / "f" / "x",
                     "--dry-run", cwd=tmp_path)
    one_line_error(rc, err)


# ------------------------------------------------------------- posteriors
def posterior(folder: Path, weights, provenance=None, **columns) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame({"adopt_gain": [1.2, 1.5, 1.8][:len(weights)], **columns,
                       "weight": weights})
    df.to_parquet(folder / "posterior.parquet")
    if provenance is not None:
        (folder / "provenance.json").write_text(json.dumps(provenance))
    return folder


def test_posterior_with_weights_of_1e308_draws_without_a_traceback(tmp_path):
    from bscsim.posterior import posterior_draws
    folder = posterior(tmp_path / "p", [1e308, 1e308, 1e308])
    draws = posterior_draws(folder, 300, seed=0)
    counts = pd.Series([d["adopt_gain"] for d in draws]).value_counts()
    assert len(counts) == 3 and counts.min() > 60, "equal huge weights draw evenly"
    scen = tmp_path / "scen.toml"
    scen.write_text(SCENARIOS)
    rc, out, err = cli("compare", scen, "--posterior", folder, "--dry-run", cwd=tmp_path)
    assert rc == 0 and "Traceback" not in err, err


@pytest.mark.parametrize("prov", [[1], {"targets": [1]}, {"priors": "x"},
                                  {"config": [1]}, {"targets": [{"source": 5}]}])
def test_malformed_posterior_provenance_is_one_line(tmp_path, monkeypatch, prov):
    no_work(monkeypatch, "bscsim.patterns", "check_patterns")
    folder = posterior(tmp_path / "p", [1, 1, 1], prov)
    rc, _, err = cli("check-patterns", "--posterior", folder, "--replicates", "2",
                     cwd=tmp_path)
    assert "provenance.json" in one_line_error(rc, err)


def test_posterior_values_outside_the_prior_support_are_refused(tmp_path):
    from bscsim.posterior import PosteriorError, load_posterior
    prov = {"priors": [{"name": "adopt_gain", "low": 1.0, "high": 1.6}]}
    folder = posterior(tmp_path / "p", [1, 1, 1], prov)
    with pytest.raises(PosteriorError, match="support"):
        load_posterior(folder)


def test_incomplete_posterior_folder_is_refused(tmp_path):
    from bscsim.posterior import PosteriorError, load_posterior
    folder = posterior(tmp_path / "p", [1, 1, 1])
    (folder / "INCOMPLETE").write_text("running")
    with pytest.raises(PosteriorError, match="INCOMPLETE"):
        load_posterior(folder)
    assert len(load_posterior(folder, partial=True)) == 3, "the calibration reads its own"


# ---------------------------------------------------------- kept batches
def _row(i: int, **change) -> dict:
    row = {"id": i, "m": 0, "parameter": {"adopt_gain": 1.5, "p_pdsa_max": 0.2},
           "weight": 1.0, "sum_stat": {}, "distance": 0.0, "accepted": True,
           "proposal_id": 0, "preliminary": False}
    row.update(change)
    return row


def test_forged_kept_batch_is_not_used(tmp_path):
    from bscsim.calibrate.smc import KeptBatches
    from bscsim.calibrate.spec import load_calibration
    cal = load_calibration(PATTERNS)
    stats = {t.statistic: 0.5 for t in cal.targets}
    good = {p.name: 0.5 * (p.low + p.high) for p in cal.priors}
    kept = KeptBatches(tmp_path / "batches", "key", cal)
    (tmp_path / "batches").mkdir()
    path = tmp_path / "batches" / "key-t0-0-2.json"
    path.write_text(json.dumps([_row(0, parameter=good, sum_stat=stats),
                                _row(1, parameter=good, sum_stat=stats)]))
    assert kept.load(0, 0, 2) is not None, "a batch as bscsim writes it is used"
    for forged in ({**good, "adopt_gain": 1e9}, {**good, "p_pdsa_max": -5},
                   {**good, "zz": 1.0}, {k: v for k, v in list(good.items())[1:]}):
        path.write_text(json.dumps([_row(0, parameter=forged, sum_stat=stats),
                                    _row(1, parameter=good, sum_stat=stats)]))
        assert kept.load(0, 0, 2) is None, f"a forged batch is run again: {forged}"
    for bad in ({"weight": float("nan")}, {"weight": -1.0}, {"sum_stat": {"zz": 1}}):
        path.write_text(json.dumps([_row(0, parameter=good, **{"sum_stat": stats, **bad}),
                                    _row(1, parameter=good, sum_stat=stats)]))
        assert kept.load(0, 0, 2) is None, f"a damaged batch is run again: {bad}"


def test_database_failure_while_calibrating_is_one_line(tmp_path, monkeypatch):
    import sqlite3

    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr("bscsim.calibrate.smc.run_abc", full)
    rc, _, err = cli("calibrate", PATTERNS, "--out", tmp_path / "o", "--executor",
                     "serial", "--no-progress", cwd=tmp_path)
    assert "database" in one_line_error(rc, err)
    assert (tmp_path / "o" / "INCOMPLETE").exists(), "the folder says it is partial"


# ---------------------------------------------------------------- data
def data_folder(tmp_path: Path) -> Path:
    import shutil
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


@pytest.mark.parametrize("file,edit", [
    ("pdsa.csv", lambda t: t + t.splitlines()[1] + "\n"),                    # duplicate
    ("turnover.csv", lambda t: t + t.splitlines()[1] + "\n"),
    ("surveys.csv", lambda t: t + t.splitlines()[1] + "\n"),
    ("pdsa.csv", lambda t: t.replace("team1,1,0", "team1,1,1e308")),
    ("surveys.csv", lambda t: t.replace("team1,1,3,3.5714", "team1,1,3,-5")),
    ("surveys.csv", lambda t: t.replace("team1,1,3,3.5714", "team1,1,3,1e308")),
    ("turnover.csv", lambda t: t.replace("team1,4,2", "team1,4,1e308")),
    ("turnover.csv", lambda t: t.replace("team1,4,2", "team1,4,5")),        # left > start
    ("attendance.csv", lambda t: t.replace("team1,learning_session,4,12,4",
                                           "team1,learning_session,4,17,4")),
])
def test_data_values_outside_their_limits_are_refused_naming_row_and_column(
        tmp_path, file, edit):
    from bscsim.calibrate.data import load_data
    from bscsim.config import ConfigError
    folder = data_folder(tmp_path)
    path = folder / file
    text = path.read_text()
    new = edit(text)
    assert new != text, "the edit must change the file"
    path.write_text(new)
    with pytest.raises(ConfigError, match=rf"{file}: row \d+") as e:
        load_data(folder)
    assert "\n" not in str(e.value)


def test_data_file_linked_to_dev_zero_is_refused_at_once(tmp_path):
    from bscsim.calibrate.data import load_data
    from bscsim.config import ConfigError
    folder = data_folder(tmp_path)
    (folder / "pdsa.csv").unlink()
    (folder / "pdsa.csv").symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_data(folder)


def test_data_file_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    from bscsim.calibrate.data import load_data
    from bscsim.config import ConfigError
    folder = data_folder(tmp_path)
    (folder / "pdsa.csv").unlink()
    os.mkfifo(folder / "pdsa.csv")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_data(folder)


# ------------------------------------------------------ explore [stress]
def test_explore_stress_range_with_no_future_is_reported_in_words_and_results_are_whole(
        tmp_path, monkeypatch):
    from test_explore import PLANTED, planted

    from bscsim.explore import load_exploration, run_exploration
    text = PLANTED.replace("n_futures = 200", "n_futures = 4") + \
        "[stress]\na = { low = 0.999, high = 1.0 }\n"
    (tmp_path / "p.toml").write_text(text)
    spec = load_exploration(tmp_path / "p.toml", models={"planted": (planted, ("score",))})
    result = run_exploration(spec, tmp_path / "out", executor="serial", progress=False)
    report = (tmp_path / "out" / "report.md").read_text()
    assert "none of the 4 sampled futures" in report, "the empty [stress] is said in words"
    assert result.stress is not None and len(result.stress) == 0
    # a kill while the results are written leaves the earlier results whole
    before = snapshot(tmp_path / "out")

    def killed(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr("bscsim.explore.runner.save_figures", killed)
    with pytest.raises(KeyboardInterrupt):
        run_exploration(spec, tmp_path / "out", executor="serial", progress=False)
    assert snapshot(tmp_path / "out") == before, "the earlier results are left whole"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], \
        "no temporary folder is left"


@pytest.mark.slow
def test_calibrate_under_a_file_size_limit_is_one_line_and_marked_partial(tmp_path):
    """`ulimit -f 16`: the history database cannot grow (sqlite's OperationalError)."""
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    done = subprocess.run([sys.executable, "-m", "bscsim", "calibrate", str(PATTERNS),
                           "--out", str(tmp_path / "o"), "--executor", "serial",
                           "--no-progress"], env=env, capture_output=True, text=True,
                          timeout=300, preexec_fn=limit)
    one_line_error(done.returncode, done.stderr)
    assert (tmp_path / "o" / "INCOMPLETE").is_file(), "the folder says it is partial"
