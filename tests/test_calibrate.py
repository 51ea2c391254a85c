"""bscsim calibrate: bad input refused in one line with nothing written; the user's
data and the model's instruments give the same statistics the same way; a killed
calibration resumes without losing finished generations (and ends where an
uninterrupted one ends); known parameters are recovered (issue 13)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bscsim
from bscsim.calibrate.data import load_data, statistics, study_tables, write_tables
from bscsim.calibrate.evaluate import interval_distance
from bscsim.calibrate.spec import (ABCSettings, Calibration, Prior, Target,
                                   load_calibration)
from bscsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CAL = ROOT / "configs" / "calibration"
BIN = Path(sys.executable).parent

pytest.importorskip("pyabc")

SMALL = """
config = "{config}"
seed = 3
[model]
n_centers = 2
n_classrooms = 4
weeks_collab = 13
weeks_followup = 0
[priors]
p_pdsa_max = {{}}
adopt_gain = {{}}
[targets.pdsa]
pattern = "4a"
low = 1.0
high = 3.0
[targets.gain]
pattern = "1"
[abc]
population = 20
generations = 3
predictive = 4
"""


def small_file(tmp_path: Path, change: tuple[str, str] = ("", "")) -> Path:
    path = tmp_path / "small.toml"
    text = SMALL.format(config=ROOT / "configs" / "ccl_phase1.toml")
    assert change[0] in text, f"the edit {change[0]!r} must match the file"
    path.write_text(text.replace(*change))
    return path


def refuse(capsys, argv, *words):
    """The command exits 2 with one line on stderr holding `words`."""
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, f"expected exit 2, got {rc}: {err}"
    assert len(err.splitlines()) == 1, f"expected one line, got: {err}"
    for w in words:
        assert w in err, f"expected {w!r} in: {err}"
    return err


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize("change, words", [
    (("p_pdsa_max = {}", "p_pdsa_mx = {}"), ("p_pdsa_mx", "did you mean 'p_pdsa_max'")),
    (('pattern = "4a"', 'pattern = "6a"'), ("pattern = '6a'", "validation")),
    (('pattern = "1"', 'statistic = "pdsa_per_team_month"'), ("data = ",)),
    (('pattern = "1"', 'statistic = "pdsa_per_team"'), ("pdsa_per_team", "did you mean")),
    (("low = 1.0", 'low = "one"'), ("low = 'one'", "finite number")),
    (("adopt_gain = {}", "adopt_gain = { low = 1.0, high = 9.0 }"),
     ("adopt_gain", "valid range")),
    (("population = 20", "populaton = 20"), ("populaton", "did you mean 'population'")),
    (("population = 20", "population = 2.5"), ("population = 2.5", "whole number")),
])
def test_bad_calibration_file_is_refused_in_one_line_and_nothing_written(
        tmp_path, capsys, change, words):
    path = small_file(tmp_path, change)
    out = tmp_path / "out"
    refuse(capsys, ["calibrate", str(path), "--out", str(out)], str(path), *words)
    assert not out.exists(), "nothing may be written for a bad file"


def test_empty_calibration_file_is_refused(tmp_path, capsys):
    path = tmp_path / "empty.toml"
    path.write_text("# nothing\n")
    refuse(capsys, ["calibrate", str(path), "--out", str(tmp_path / "o")], "empty")
    assert not (tmp_path / "o").exists()


def data_calibration(tmp_path: Path) -> Path:
    shutil.copytree(CAL / "example_collaborative", tmp_path / "example_collaborative")
    path = tmp_path / "mine.toml"
    path.write_text((CAL / "example_collaborative.toml").read_text())
    return path


@pytest.mark.parametrize("file, edit, words", [
    ("pdsa.csv", lambda t: t.replace("team,month,cycles", "team,month,cycle"),
     ("unknown column 'cycle'", "did you mean 'cycles'")),
    ("turnover.csv", lambda t: t.replace("team,staff_start,left", "team,staff_start"),
     ("column 'left' is missing",)),   # the rows keep 3 fields: read as missing, too
    ("observations.csv", lambda t: t.replace("0.2000", "high", 1),
     ("row 2", "column 'score'", "from 0 to 1")),
    ("surveys.csv", lambda t: t.splitlines()[0] + "\n", ("no rows", "empty")),
    ("attendance.csv", lambda t: "", ("empty",)),
    ("observations.csv", lambda t: t.replace("room1,1,", "room1,3,", 1),
     ("row 2", "column 'wave'", "1 (pre) or 2 (post)")),
])
def test_bad_data_file_is_refused_in_one_line_and_nothing_written(
        tmp_path, capsys, file, edit, words):
    path = data_calibration(tmp_path)
    csv = tmp_path / "example_collaborative" / file
    csv.write_text(edit(csv.read_text()))
    out = tmp_path / "out"
    refuse(capsys, ["calibrate", str(path), "--out", str(out)], file, *words)
    assert not out.exists(), "nothing may be written for a bad data file"


def test_unknown_data_file_is_refused(tmp_path, capsys):
    path = data_calibration(tmp_path)
    (tmp_path / "example_collaborative" / "pdsas.csv").write_text("team\nx\n")
    refuse(capsys, ["calibrate", str(path), "--out", str(tmp_path / "o")],
           "pdsas.csv", "did you mean 'pdsa.csv'")


def test_out_holding_another_calibration_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text('{"fingerprint": "other", "source": "x.toml"}')
    refuse(capsys, ["calibrate", str(small_file(tmp_path)), "--out", str(out)],
           "other settings", "--restart")


# ------------------------------------------------------ data statistics
def test_model_tables_read_back_as_data_give_the_same_statistics(tmp_path):
    """The model's instruments write the CSV format; read back through the user's
    path, the statistics are identical (like with like by construction)."""
    tables = study_tables(bscsim.load_config().replace(n_centers=4), 11)
    write_tables(tables, tmp_path)
    back = statistics(load_data(tmp_path))
    direct = statistics(tables)
    assert back.keys() == direct.keys() and len(back) == 6
    for k in back:
        assert back[k][0] == pytest.approx(direct[k][0], abs=1e-3), k


def test_data_statistics_follow_the_model_parameter_they_measure():
    """More weekly PDSA chance gives more cycles per team and month in the records
    (directional; a mutant tracker that ignores the log would fail)."""
    def cycles(p):
        vals = [statistics(study_tables(bscsim.load_config().replace(
            n_centers=4, p_pdsa_max=p), s))["pdsa_per_team_month"][0] for s in range(3)]
        return np.mean(vals)
    assert cycles(0.3) > cycles(0.12), "records should show more cycles at a higher rate"


def test_shipped_calibrations_load_and_the_default_fits_at_least_eight():
    cal = load_calibration(CAL / "ccl_patterns.toml")
    assert len(cal.priors) >= 8, "the default calibration fits >= 8 parameters"
    assert {t.source for t in cal.targets} == {"pattern 1", "pattern 2a", "pattern 3a",
                                               "pattern 4a", "pattern 4b"}
    user = load_calibration(CAL / "example_collaborative.toml")
    assert user.params.n_centers == 6, "the model runs as many centers as teams"
    assert all(t.source.startswith("data") for t in user.targets)


def test_interval_distance_is_zero_inside_and_grows_outside():
    t = (Target("a", "x", 0.0, 1.0, "test"), Target("b", "y", 10.0, 12.0, "test"))
    assert interval_distance({"x": 0.5, "y": 11.0}, t) == 0.0
    assert interval_distance({"x": 1.5, "y": 11.0}, t) == pytest.approx(0.5)
    assert interval_distance({"x": 1.5, "y": 14.0}, t) == pytest.approx(np.hypot(0.5, 1.0))
    assert interval_distance({"x": float("nan"), "y": 11.0}, t) == float("inf")


# ----------------------------------------------------------- resume after kill
def _generations(db: Path) -> list[tuple[int, float]]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            return con.execute("select t, epsilon from populations where t >= 0 "
                               "order by t").fetchall()
    except sqlite3.Error:
        return []


@pytest.mark.slow
def test_killed_calibration_resumes_without_losing_generations(tmp_path):
    """kill -9 after generation 0 is stored; the same command continues from
    generation 1 (generation 0 is not rerun) and ends with the posterior an
    uninterrupted run gives, there on 2 worker processes (the sampler is
    deterministic, whatever the executor)."""
    path = small_file(tmp_path)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    cmd = [str(BIN / "bscsim"), "calibrate", str(path), "--executor", "serial"]
    whole = subprocess.run([*cmd[:3], "--executor", "processes", "--workers", "2",
                            "--out", str(tmp_path / "whole")], env=env,
                           capture_output=True, text=True, timeout=300)
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "killed"
    proc = subprocess.Popen(cmd + ["--out", str(out)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(_generations(out / "history.db")) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = _generations(out / "history.db")
    assert stored, "generation 0 should be stored before the kill"
    assert not (out / "posterior.parquet").exists(), "killed before the end"

    again = subprocess.run(cmd + ["--out", str(out)], env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "(resumed)" in again.stdout
    assert "generation 0:" not in again.stderr, "generation 0 must not be rerun"
    assert _generations(out / "history.db")[:len(stored)] == stored
    a = pd.read_parquet(tmp_path / "whole" / "posterior.parquet")
    b = pd.read_parquet(out / "posterior.parquet")
    pd.testing.assert_frame_equal(a, b, obj="resumed posterior vs uninterrupted")


# ------------------------------------------------------------------ recovery
def recovery(reps: int, seed: int = 13):
    """Coverage of the 90% posterior intervals and their width (share of the prior
    range) over `reps` fits of data simulated at parameters drawn from the prior.
    The model is the toy collaborative of calibrate_toy (a known answer); the data
    are its statistics plus uniform noise of half-width H, so the interval target
    [y - H, y + H] makes the ABC posterior exact. Also the coverage of a mutant
    truth: each known value reflected about the middle of its prior (a fit that
    recovered the wrong values would look like this)."""
    from calibrate_toy import toy_statistics

    from bscsim.calibrate.run import calibrate, weighted_quantile
    from bscsim.posterior import load_posterior
    import tempfile

    base = bscsim.load_config()
    priors = (Prior("p_pdsa_max", 0.12, 0.3), Prior("adopt_gain", 1.0, 2.0))
    half = {"pdsa_completed_per_team": 1.0, "practice_gain_sd": 0.1}
    rng = np.random.default_rng(seed)
    hits, widths, mutant = [], [], []
    for rep in range(reps):
        truth = {p.name: rng.uniform(p.low, p.high) for p in priors}
        y = toy_statistics(base, truth, (), 10_000 + rep, 1)
        targets = []
        for k, h in half.items():
            mid = y[k] + rng.uniform(-h, h)
            targets.append(Target(k, k, mid - h, mid + h, "test"))
        cal = Calibration("recovery", "test", "", base, rep, priors, tuple(targets),
                          ABCSettings(population=40, generations=6, min_acceptance=0.02))
        with tempfile.TemporaryDirectory() as d:
            calibrate(cal, Path(d) / "out", "serial", model_fn=toy_statistics,
                      figures=False, ppc_draws=4)
            post = load_posterior(Path(d) / "out")
        w = post["weight"].to_numpy()
        for p in priors:
            x = post[p.name].to_numpy()
            lo, hi = weighted_quantile(x, w, 0.05), weighted_quantile(x, w, 0.95)
            hits.append(lo <= truth[p.name] <= hi)
            widths.append((hi - lo) / (p.high - p.low))
            mutant.append(lo <= p.low + p.high - truth[p.name] <= hi)
    return float(np.mean(hits)), float(np.mean(widths)), float(np.mean(mutant))


@pytest.mark.slow
def test_known_parameters_are_recovered_in_most_of_20_fits():
    """Known values inside the 90% posterior interval in >= 80% of 20 fits (both
    parameters pooled), with intervals well inside the prior (so coverage is not
    bought by ignoring the data), and the check fails for wrong values (the
    mutant truth, reflected about the prior's middle)."""
    coverage, width, mutant = recovery(20)
    assert coverage >= 0.8, f"coverage {coverage:.2f} of the 90% intervals, want >= 0.8"
    assert width < 0.75, f"intervals cover {width:.2f} of the prior: data barely used"
    assert mutant < 0.8, f"the mutant truth was covered {mutant:.2f}: the check cannot fail"
