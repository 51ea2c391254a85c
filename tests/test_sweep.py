"""Sweeps: designs and seeds, executors giving identical results, streaming,
resume after a real kill -9, refusing a changed sweep, failures, bad sweep files,
and the model under Mesa's own batch_run."""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bscsim
from bscsim import BSCModel, load_config, load_sweep, simulate
from bscsim.cli import main
from bscsim.outputs import SUMMARY_NAMES, TIMESERIES_NAMES
from bscsim.params import BY_NAME
from bscsim.sweep import estimate, load_spec, resolve, run_seed, run_sweep
from bscsim.sweep.executors import MAX_ATTEMPTS, ProcessExecutor, WorkerDied
from bscsim.sweep.runner import tasks
from bscsim.sweep.tasks import BatchResult, run_batch

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SHORT = 'n_centers = 4\nweeks_collab = 12\nweeks_followup = 0\n'


def sweep_file(folder: Path, body: str, name: str = "s.toml", short: str = SHORT) -> Path:
    """A sweep file on the short config, with `body` (top keys, then [vary])."""
    top, _, vary = body.partition("[vary]")
    top, _, more = top.partition("[set]")
    short += more
    path = folder / name
    path.write_text(f'base = "ccl_phase1.toml"\n{top}\n[set]\n{short}\n[vary]\n{vary}')
    return path


GRID = 'replicates = 2\nroot_seed = 11\n[vary]\nturnover_cc = [0.2, 0.6]\nplanning_hours = [0.0, 3.0]\n'


def outputs(df: pd.DataFrame) -> pd.DataFrame:
    """Everything but the wall-clock time of each run."""
    return df.drop(columns="seconds").reset_index(drop=True)


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "bscsim", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


# ------------------------------------------------------------- design and seeds
def test_run_seeds_come_from_root_seed_and_run_index():
    a = [run_seed(5, i) for i in range(50)]
    assert a == [run_seed(5, i) for i in range(50)], "same root and index, same seed"
    assert len(set(a)) == 50, "every run index has its own seed"
    assert run_seed(6, 0) != a[0], "another root seed gives other seeds"
    ss = np.random.SeedSequence(5).spawn(3)[2]
    assert run_seed(5, 2) == int(
        (int(ss.generate_state(2, np.uint32)[0]) << 32 | int(ss.generate_state(2, np.uint32)[1])) >> 1
    ), "run i's seed is the i-th child of SeedSequence(root_seed)"


def test_grid_runs_every_combination_for_every_replicate(tmp_path):
    spec = load_spec(sweep_file(tmp_path, GRID))
    d = resolve(spec)
    assert len(d) == 2 * 2 * 2, "2 x 2 grid points x 2 replicates"
    assert list(d["run"]) == list(range(8)), "runs are numbered 0..n-1"
    assert d.groupby(["turnover_cc", "planning_hours"]).size().eq(2).all(), \
        "each grid point has one row per replicate"


def test_common_random_numbers_share_seeds_across_points(tmp_path):
    spec = load_spec(sweep_file(tmp_path, "common_random_numbers = true\n" + GRID))
    d = resolve(spec)
    assert d.groupby("replicate")["seed"].nunique().eq(1).all(), \
        "with common random numbers, replicate r has one seed at every point"


def test_lhs_samples_each_range_once_per_stratum(tmp_path):
    body = ('design = "lhs"\nn_samples = 20\n[vary]\nps_gain = "plausible"\n'
            'tie_gain = { low = 0.2, high = 0.4 }\nn_team_teachers = "plausible"\n')
    d = resolve(load_spec(sweep_file(tmp_path, body)))
    lo, hi = BY_NAME["ps_gain"].plausible
    strata = np.floor((d["ps_gain"] - lo) / (hi - lo) * 20).astype(int)
    assert sorted(strata) == list(range(20)), "a Latin hypercube hits every stratum once"
    assert d["tie_gain"].between(0.2, 0.4).all(), "given ranges are used"
    assert d["n_team_teachers"].dtype.kind == "i", "whole-number params are rounded"


def test_explicit_design_rounds_whole_numbers_drawn_as_floats_like_ema_samples(tmp_path):
    # EMA Workbench and SALib hand over numpy floats, also for whole-number parameters
    points = pd.DataFrame({"n_team_teachers": np.array([1.18, 2.5, 3.51, 2.0]),
                           "ps_gain": np.array([0.05, 0.1, 0.02, 0.07])})
    spec = bscsim.sweep.design_spec(points, path=str(tmp_path / "ema"),
                                    changes={"n_centers": 4, "weeks_collab": 12,
                                             "weeks_followup": 0})
    d = resolve(spec)
    assert d["n_team_teachers"].tolist() == [1, 2, 4, 2], \
        "whole-number parameters rounded to the nearest (halves to even)"
    assert d["n_team_teachers"].dtype.kind == "i", "stored as integers"
    assert d["ps_gain"].tolist() == [0.05, 0.1, 0.02, 0.07], "other columns as given"
    run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    df = load_sweep(tmp_path / "out")
    assert (df["status"] == "ok").all(), f"every rounded point runs: {df['error'].unique()}"
    again = simulate(spec.base_params().replace(n_team_teachers=4, ps_gain=0.02),
                     seed=int(df["seed"][2]))
    assert df["practice_gain_sd"][2] == pytest.approx(again.summary["practice_gain_sd"]), \
        "the stored (rounded) value is the one the run used"


def test_sobol_and_random_designs_stay_in_range(tmp_path):
    for design in ("sobol", "random"):
        body = f'design = "{design}"\nn_samples = 16\n[vary]\nvoice_slope = "plausible"\n'
        d = resolve(load_spec(sweep_file(tmp_path, body)))
        lo, hi = BY_NAME["voice_slope"].plausible
        assert len(d) == 16 and d["voice_slope"].between(lo, hi).all(), \
            f"{design} samples n_samples points inside the range"


# ------------------------------------------------------------- bad sweep files
BAD = [
    ("replicatse = 2\n[vary]\nturnover_cc = [0.2]\n", "replicates"),
    ("[vary]\nturnover = [0.2]\n", "turnover"),
    ("[vary]\nturnover_cc = [0.2, 1.5]\n", "turnover_cc"),
    ('design = "halton"\n[vary]\nturnover_cc = [0.2]\n', "design"),
    ('design = "lhs"\nn_samples = 8\n[vary]\nteams_on = "plausible"\n', "teams_on"),
    ('design = "lhs"\n[vary]\nps_gain = "plausible"\n', "n_samples"),
    ('design = "sobol"\nn_samples = 10\n[vary]\nps_gain = "plausible"\n', "n_samples"),
    ("replicates = 0\n[vary]\nturnover_cc = [0.2]\n", "replicates"),
    ("[vary]\nturnover_cc = 0.2\n", "turnover_cc"),
    ("[set]\nplanning_hours = -1\n[vary]\nturnover_cc = [0.2]\n", "planning_hours"),
]


@pytest.mark.parametrize("body,key", BAD)
def test_bad_sweep_file_is_one_line_error_and_writes_nothing(tmp_path, capsys, body, key):
    path = sweep_file(tmp_path, body)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--executor", "serial"])
    err = capsys.readouterr().err.strip()
    assert code == 2, "a bad sweep file exits with status 2"
    assert len(err.splitlines()) == 1 and key in err, f"one line naming '{key}': {err}"
    assert "allowed" in err or "expected" in err or "did you mean" in err, \
        f"the message says what is allowed: {err}"
    assert not out.exists() and os.listdir(tmp_path) == ["s.toml"], "nothing is written"


# ------------------------------------------------------------ running sweeps
@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_results(tmp_path):
    pytest.importorskip("distributed")
    path = sweep_file(tmp_path, "timeseries = true\n" + GRID)
    got = {}
    for executor in ("serial", "processes", "dask"):
        out = tmp_path / executor
        report = run_sweep(path, out, executor=executor, workers=2, batch_size=3,
                           progress=False)
        assert report.complete and report.failed == 0, f"{executor}: {report}"
        got[executor] = (outputs(load_sweep(out)), load_sweep(out, "timeseries"))
    for executor in ("processes", "dask"):
        pd.testing.assert_frame_equal(got["serial"][0], got[executor][0],
                                      obj=f"summary, serial vs {executor}")
        pd.testing.assert_frame_equal(got["serial"][1], got[executor][1],
                                      obj=f"timeseries, serial vs {executor}")


def test_sweep_rows_reproduce_with_simulate(tmp_path):
    path = sweep_file(tmp_path, GRID)
    run_sweep(path, tmp_path / "out", executor="serial", progress=False)
    df = load_sweep(tmp_path / "out")
    row = df.iloc[5]
    params = load_config(None, n_centers=4, weeks_collab=12, weeks_followup=0,
                         turnover_cc=row["turnover_cc"], planning_hours=row["planning_hours"])
    again = simulate(params, seed=int(row["seed"])).summary
    assert np.allclose(row[list(SUMMARY_NAMES)].astype(float), again.to_numpy(),
                       equal_nan=True), "a row is reproduced by simulate(params, seed)"
    assert set(SUMMARY_NAMES) <= set(df.columns), "every summary output is kept"


def test_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    # abandon_threshold above adopt_threshold is refused by Params: those runs raise
    body = "[vary]\nadopt_threshold = [0.0, 0.2]\nabandon_threshold = [0.1]\n"
    path = sweep_file(tmp_path, body)
    code = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor",
                 "serial", "--no-progress"])
    printed = capsys.readouterr().out
    df = load_sweep(tmp_path / "out")
    assert len(df) == 2, "both runs have a row"
    bad = df[df["adopt_threshold"] == 0.0].iloc[0]
    assert bad["status"] == "failed" and "abandon_threshold" in bad["error"], \
        "the failing run is recorded with its error"
    assert df[df["adopt_threshold"] == 0.2]["status"].eq("ok").all(), "the other run ran"
    assert code == 1 and "1 failed" in printed, f"the report counts failures: {printed}"


def test_resume_runs_only_missing_runs(tmp_path):
    path = sweep_file(tmp_path, GRID)
    out = tmp_path / "out"
    run_sweep(path, out, executor="serial", batch_size=2, progress=False)
    first = outputs(load_sweep(out))
    parts = sorted((out / "summary").glob("part-*.parquet"))
    parts[1].unlink()
    (out / ".tmp").mkdir(exist_ok=True)     # as a killed session leaves it
    (out / ".tmp" / "part-leftover.parquet").write_bytes(b"half a file")
    report = run_sweep(path, out, executor="serial", batch_size=2, progress=False)
    assert report.ran == 2 and report.done_before == 6, f"only the lost runs ran: {report}"
    again = outputs(load_sweep(out))
    pd.testing.assert_frame_equal(first, again, obj="resumed sweep")
    assert not list((out / ".tmp").glob("*")), "leftover temporary files are removed"
    report = run_sweep(path, out, executor="serial", progress=False)
    assert report.ran == 0 and report.complete, "a finished sweep runs nothing"


def test_changed_sweep_file_in_same_folder_is_refused(tmp_path, capsys):
    path = sweep_file(tmp_path, GRID)
    out = tmp_path / "out"
    run_sweep(path, out, executor="serial", progress=False)
    path.write_text(path.read_text().replace("[0.2, 0.6]", "[0.2, 0.5]"))
    code = main(["sweep", str(path), "--out", str(out), "--executor", "serial"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, f"refused in one line: {err}"
    assert "different sweep" in err and "vary" in err, f"says what changed: {err}"


def test_manifest_records_sweep_design_seeds_versions_and_times(tmp_path):
    import json
    path = sweep_file(tmp_path, GRID)
    out = tmp_path / "out"
    run_sweep(path, out, executor="serial", progress=False)
    m = json.loads((out / "manifest.json").read_text())
    assert m["sweep_text"] == path.read_text(), "the sweep file is kept as written"
    assert m["root_seed"] == 11 and "SeedSequence" in m["seeding"], "seeding rule recorded"
    assert {"bscsim", "mesa", "numpy", "pandas", "pyarrow"} <= set(m["versions"]), \
        "package and dependency versions recorded"
    s = m["sessions"][-1]
    assert s["started"] <= s["ended"] and s["status"] == "complete", "start and end times"
    design = pd.read_parquet(out / "design.parquet")
    assert list(design["seed"]) == [run_seed(11, i) for i in range(8)], "seeds stored"


def test_dry_run_prints_count_and_estimate_and_writes_nothing(tmp_path):
    path = sweep_file(tmp_path, GRID)
    text = estimate(path, tmp_path / "out", workers=2)
    assert "8 runs" in text and "about" in text, f"run count and time estimate: {text}"
    assert not (tmp_path / "out").exists(), "a dry run writes nothing"


def test_load_sweep_timeseries_joins_design(tmp_path):
    path = sweep_file(tmp_path, "timeseries = true\n" + GRID)
    run_sweep(path, tmp_path / "out", executor="serial", progress=False)
    ts = load_sweep(tmp_path / "out", "timeseries")
    assert len(ts) == 8 * 12, "one row per run and week"
    assert {"turnover_cc", "seed", "week", *TIMESERIES_NAMES} <= set(ts.columns), \
        "design columns joined to the weekly outputs"


# ------------------------------------------------ the folder, read without bscsim
@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """A finished 8-run grid sweep with timeseries, written by `bscsim sweep --csv`."""
    folder = tmp_path_factory.mktemp("third_party")
    path = sweep_file(folder, "timeseries = true\n" + GRID)
    out = folder / "out"
    assert main(["sweep", str(path), "--out", str(out), "--executor", "serial",
                 "--no-progress", "--csv"]) == 0
    return out


def test_pandas_reads_each_table_folder_as_one_dataset(sweep_folder):
    summary = pd.read_parquet(sweep_folder / "summary")
    assert len(summary) == 8, f"one row per run, not {len(summary)}"
    assert set(summary.columns) == set(load_sweep(sweep_folder).columns), \
        "the summary dataset holds exactly the summary columns"
    ts = pd.read_parquet(sweep_folder / "timeseries")
    assert len(ts) == 8 * 12 and "practice_gain_sd" not in ts.columns, \
        "one row per run and week, not padded with summary columns"


def test_pyarrow_dataset_reads_the_folders(sweep_folder):
    import pyarrow.dataset as ds
    assert ds.dataset(sweep_folder / "summary", format="parquet").count_rows() == 8
    ts = ds.dataset(sweep_folder / "timeseries", format="parquet")
    assert ts.count_rows() == 96 and "practice_gain_sd" not in ts.schema.names, \
        "timeseries rows are not padded with summary columns"


def test_duckdb_joins_summary_and_timeseries(sweep_folder):
    duckdb = pytest.importorskip("duckdb", reason="duckdb comes with the dev extra")
    s, t = sweep_folder / "summary" / "*.parquet", sweep_folder / "timeseries" / "*.parquet"
    con = duckdb.connect()
    [(n,)] = con.execute(f"select count(*) from '{s}'").fetchall()
    assert n == 8, "duckdb sees one row per run"
    rows = con.execute(f"select s.turnover_cc, max(t.week) as last from '{s}' s join '{t}' t "
                      f"using (run) group by s.turnover_cc order by 1").fetchall()
    assert rows == [(0.2, 11), (0.6, 11)], f"the tables join on run: {rows}"


def test_parquet_fields_carry_unit_and_meaning(sweep_folder):
    import pyarrow.parquet as pq
    from bscsim.outputs import BY_NAME as OUTPUTS
    part = next((sweep_folder / "summary").glob("part-*.parquet"))
    schema = pq.read_schema(part)
    meta = schema.field("practice_gain_sd").metadata
    assert meta[b"unit"].decode() == OUTPUTS["practice_gain_sd"].unit and \
        meta[b"meaning"].decode() == OUTPUTS["practice_gain_sd"].meaning, \
        "an output field carries its declared unit and meaning"
    assert schema.field("turnover_cc").metadata[b"source"].decode() == \
        BY_NAME["turnover_cc"].source, "a parameter field carries its source"
    assert b"meaning" in schema.field("seed").metadata, "bookkeeping columns explained"


def test_data_dictionary_describes_every_column(sweep_folder):
    d = pd.read_csv(sweep_folder / "data_dictionary.csv")
    for table in ("summary", "timeseries"):
        cols = pd.read_parquet(sweep_folder / table).columns
        have = set(d.loc[d["table"] == table, "column"])
        assert set(cols) <= have, f"{table}: undescribed columns {set(cols) - have}"
    assert d["meaning"].notna().all(), "every column has a meaning"
    collab = d[d["column"] == "collab"].iloc[0]
    assert "follow-up" in collab["meaning"], "collab is explained"


def test_csv_holds_the_same_rows(sweep_folder):
    csv = pd.read_csv(sweep_folder / "summary.csv")
    pd.testing.assert_frame_equal(csv[["run", "seed", "practice_gain_sd"]],
                                  load_sweep(sweep_folder)[["run", "seed", "practice_gain_sd"]],
                                  check_dtype=False, obj="summary.csv vs load_sweep")
    assert len(pd.read_csv(sweep_folder / "timeseries.csv")) == 96, "weekly CSV too"


def test_folder_of_the_earlier_layout_is_read_and_moved_on_resume(tmp_path, sweep_folder):
    import json
    import shutil
    old = tmp_path / "old"
    shutil.copytree(sweep_folder, old)
    (old / "parts").mkdir()
    for table in ("summary", "timeseries"):
        for f in (old / table).glob("part-*.parquet"):
            f.rename(old / "parts" / f"{table}-{f.name[5:]}")
        (old / table).rmdir()
    (old / "data_dictionary.csv").unlink()
    m = json.loads((old / "manifest.json").read_text())
    (old / "manifest.json").write_text(json.dumps({**m, "format": 1}))
    pd.testing.assert_frame_equal(load_sweep(old), load_sweep(sweep_folder),
                                  obj="load_sweep on a format-1 folder")
    spec = load_spec(Path(m["sweep_file"]))
    report = run_sweep(spec, old, executor="serial", progress=False)
    assert report.ran == 0, "resuming a finished old folder runs nothing"
    assert not (old / "parts").exists() and len(pd.read_parquet(old / "summary")) == 8, \
        "resuming moves the parts to one folder per table"
    assert (old / "data_dictionary.csv").is_file(), "and writes the data dictionary"


def test_interrupted_folder_of_the_earlier_layout_resumes(tmp_path):
    import json
    path = sweep_file(tmp_path, GRID)
    out = tmp_path / "old"
    run_sweep(path, out, executor="serial", batch_size=2, progress=False)
    (out / "parts").mkdir()
    parts = sorted((out / "summary").glob("part-*.parquet"))
    parts[0].rename(out / "parts" / f"summary-{parts[0].name[5:]}")
    for f in parts[1:]:
        f.unlink()                        # killed after its first batch
    (out / "summary").rmdir()
    m = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**m, "format": 1}))
    report = run_sweep(path, out, executor="serial", batch_size=2, progress=False)
    assert report.done_before == 2 and report.ran == 6, f"resumed where it stopped: {report}"
    assert len(pd.read_parquet(out / "summary")) == 8, "one row per run, in summary/"


def test_sweep_set_and_replicates_change_the_file_as_written(tmp_path):
    path = sweep_file(tmp_path, GRID)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--executor", "serial",
                 "--no-progress", "--set", "ps_gain=0.2", "--replicates", "1"]) == 0
    df = load_sweep(out)
    assert len(df) == 4, "--replicates 1: one run per grid point"
    import json
    m = json.loads((out / "manifest.json").read_text())
    assert m["base_params"]["ps_gain"] == 0.2 and m["overrides"]["replicates"] == 1, \
        "--set and --replicates are recorded in the manifest"
    again = simulate(load_config(None, **{**m["spec"]["set"], "turnover_cc": df["turnover_cc"][0],
                                          "planning_hours": df["planning_hours"][0]}),
                     seed=int(df["seed"][0]))
    assert again.summary["practice_gain_sd"] == pytest.approx(df["practice_gain_sd"][0]), \
        "the runs used the --set value"


# ------------------------------------------------------------ worker death
def die_once(task):
    """A task function whose worker dies the first time it sees run 0."""
    marker = Path(os.environ["BSCSIM_TEST_MARKER"])
    if 0 in task.run_ids and not marker.exists():
        marker.touch()
        os._exit(1)
    return run_batch(task)


def always_die(task):
    """A task function whose worker always dies on run 0."""
    if 0 in task.run_ids:
        os._exit(1)
    return run_batch(task)


@pytest.mark.slow
def test_worker_that_dies_is_retried(tmp_path, monkeypatch):
    monkeypatch.setenv("BSCSIM_TEST_MARKER", str(tmp_path / "died"))
    spec = load_spec(sweep_file(tmp_path, GRID))
    todo = resolve(spec)
    with ProcessExecutor(2) as ex:
        results = list(ex.imap(die_once, tasks(spec, todo, 2)))
    assert (tmp_path / "died").exists(), "a worker did die"
    assert all(isinstance(r, BatchResult) for _, r in results), "every task was retried"
    runs = sorted(run for t, _ in results for run in t.run_ids)
    assert runs == list(range(8)), "each run exactly once"
    with ProcessExecutor(2) as ex:
        results = list(ex.imap(always_die, tasks(spec, todo, 2)))
    dead = [r for _, r in results if isinstance(r, WorkerDied)]
    assert len(dead) >= 1 and f"{MAX_ATTEMPTS} times" in dead[0].error, \
        "a task that always kills its worker is given up after MAX_ATTEMPTS"
    assert any(isinstance(r, BatchResult) for _, r in results), "the other tasks still run"


# ------------------------------------------------------------ kill -9, resume
@pytest.mark.slow
def test_kill_9_then_resume_gives_exactly_one_row_per_run(tmp_path):
    body = "replicates = 40\nroot_seed = 3\n[vary]\nturnover_cc = [0.2, 0.6]\n"
    path = sweep_file(tmp_path, body, short="n_centers = 4\nweeks_collab = 30\n"
                                            "weeks_followup = 0\n")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bscsim", "sweep", str(path), "--out", str(out),
         "--executor", "processes", "--workers", "2", "--batch-size", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if len(list((out / "summary").glob("part-*.parquet"))) >= 3:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)     # the driver and its workers, kill -9
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep was killed, not finished"
    done = len(load_sweep(out))
    assert 0 < done < 80, f"killed mid-way ({done} of 80 runs done)"
    result = cli("sweep", str(path), "--out", str(out), "--executor", "processes",
                 "--workers", "2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "run/s" in result.stderr and "80/80" in result.stderr, "progress bar shown"
    df = load_sweep(out)
    assert sorted(df["run"]) == list(range(80)), "exactly one row per run after resume"
    fresh = tmp_path / "fresh"
    run_sweep(path, fresh, executor="serial", progress=False)
    pd.testing.assert_frame_equal(outputs(df), outputs(load_sweep(fresh)),
                                  obj="killed and resumed vs uninterrupted")


# ------------------------------------------------------------ Mesa batch_run
def mesa_batch_run(period: int) -> list[dict]:
    """BSCModel through Mesa's batch_run: 2 turnover values x 2 seeds, short config."""
    from mesa.batchrunner import batch_run
    params = {"n_centers": 4, "weeks_collab": 12, "weeks_followup": 0,
              "turnover_cc": [0.2, 0.6]}
    seeds = [3, 4]
    kwargs = dict(number_processes=1, data_collection_period=period, max_steps=100,
                  display_progress=False)
    if "rng" in inspect.signature(batch_run).parameters:     # Mesa >= 3.4
        return batch_run(BSCModel, params, rng=seeds, **kwargs)
    return batch_run(BSCModel, {**params, "rng": seeds}, iterations=1, **kwargs)


def simulated_weeks(row: dict) -> pd.DataFrame:
    p = load_config(None, n_centers=4, weeks_collab=12, weeks_followup=0,
                    turnover_cc=row["turnover_cc"])
    return simulate(p, seed=int(row.get("rng", row.get("seed")))).timeseries


def test_model_works_with_mesa_batch_run():
    rows = mesa_batch_run(-1)
    assert len(rows) == 4, "one row per parameter combination and seed"
    for row in rows:
        last = simulated_weeks(row).iloc[-1]
        for name in TIMESERIES_NAMES:
            assert row[name] == pytest.approx(last[name], nan_ok=True), \
                f"batch_run's {name} equals simulate's last week"


def test_mesa_batch_run_collects_every_week():
    rows = pd.DataFrame(mesa_batch_run(1))
    assert len(rows) == 4 * 12, "one row per run and week"
    for _, run in rows.groupby("RunId"):
        run = run.sort_values("Step")
        weeks = simulated_weeks(run.iloc[0].to_dict())
        assert np.allclose(run["practice_participating"], weeks["practice_participating"]), \
            "row k of a run is week k of simulate's timeseries"


def test_datacollector_has_one_row_per_week():
    model = BSCModel(load_config(None, n_centers=4, weeks_collab=6, weeks_followup=2),
                     rng=1)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    model.release()
    assert len(df) == 8 and list(df.columns) == [*TIMESERIES_NAMES, "seed", *SUMMARY_NAMES], \
        "one row per week: each weekly output, the seed, the summary outputs"
    assert df[list(SUMMARY_NAMES)].iloc[:-1].isna().all().all(), \
        "summary outputs only in the last week's row"


def test_batch_run_rows_carry_summary_outputs_and_seed():
    rows = mesa_batch_run(-1)
    for row in rows:
        seed = int(row.get("rng", row.get("seed")))
        assert row["seed"] == seed, "the row carries the run's seed"
        p = load_config(None, n_centers=4, weeks_collab=12, weeks_followup=0,
                        turnover_cc=row["turnover_cc"])
        summary = simulate(p, seed=seed).summary
        for name in ("practice_gain_sd", "cost_per_center", "cost_per_classroom_improved"):
            assert row[name] == pytest.approx(summary[name], nan_ok=True), \
                f"batch_run's {name} equals simulate's summary"


def test_model_without_a_seed_records_the_one_it_drew():
    p = load_config(None, n_centers=4, weeks_collab=6, weeks_followup=0)
    model = BSCModel(p)
    model.run()
    again = BSCModel(p, rng=model.seed)
    again.run()
    assert isinstance(model.seed, int) and np.array_equal(
        model.series["practice_participating"], again.series["practice_participating"]), \
        "model.seed repeats the run"


class UserModel(BSCModel):
    """A subclass with its own DataCollector, attached the usual Mesa way."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        import mesa
        self.datacollector = mesa.DataCollector(
            model_reporters={"practice": lambda m: m.series["practice_participating"][m.week - 1]})

    def step(self):
        super().step()
        self.datacollector.collect(self)


def test_own_datacollector_is_fed_once_per_week():
    model = UserModel(load_config(None, n_centers=4, weeks_collab=6, weeks_followup=2), rng=1)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    model.release()
    assert len(df) == 8, f"one row per week collected by step(), not {len(df)}"
    assert np.allclose(df["practice"], model.series["practice_participating"]), \
        "row k is week k"


# ------------------------------------------------------------ experiment, API
def test_experiment_04_quick_writes_heat_map(tmp_path):
    import runpy   # in this process: no new interpreter (its import is most of the cost)
    script = runpy.run_path(str(ROOT / "experiments" / "04_sweep.py"), run_name="exp04")
    assert script["main"](["--quick", "--out", str(tmp_path)]) in (0, None), \
        "experiment 04 in its quick mode"
    assert (tmp_path / "heatmap_practice_gain_sd.png").stat().st_size > 0, "heat map"
    cells = pd.read_csv(tmp_path / "cells.csv")
    assert len(cells) == 7 * 5, "one cell per grid point"
    assert (tmp_path / "provenance.json").is_file(), "provenance beside the figure"


def test_shipped_sweep_files_are_valid():
    for name, n in (("turnover_planning_grid.toml", 350), ("lhs_mechanisms.toml", 1024)):
        spec = load_spec(ROOT / "configs" / "sweeps" / name)
        assert len(resolve(spec)) == n, f"{name} has {n} runs"


def test_load_sweep_is_exported():
    assert "load_sweep" in bscsim.__all__ and bscsim.load_sweep is load_sweep, \
        "bscsim.load_sweep is public"
