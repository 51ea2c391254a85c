"""The command line: `bscsim run` and `bscsim params`."""


from pathlib import Path

import pandas as pd
import pytest



def test_run_prints_the_theory_of_change_and_saves_everything(tmp_path, run_cli):
    out = tmp_path / "r"
    r = run_cli("run", "--seed", "2", "--out", str(out), "--set", "n_centers=4",
                "--set", "weeks_followup=4", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for heading in ("Outputs", "Mechanisms", "Short-term outcomes", "Long-term outcomes",
                    "Impacts"):
        assert heading in r.stdout, f"summary table lacks the {heading} box"
    for f in ("overview.png", "summary.csv", "timeseries.parquet", "provenance.json"):
        assert (out / f).is_file(), f"{f} missing"
    summary = pd.read_csv(out / "summary.csv")
    assert "practice_gain_sd" in set(summary["output"])


def test_params_lists_groups_and_explains_one(tmp_path, run_cli):
    r = run_cli("params", cwd=tmp_path)
    assert r.returncode == 0 and "[psych_safety]" in r.stdout and "[vicarious]" in r.stdout
    r = run_cli("params", "vicarious_weight_ls", cwd=tmp_path)
    assert r.returncode == 0 and "Nembhard" in r.stdout
    r = run_cli("params", "vicarious_weight", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean" in r.stderr


SHORT = ("--set", "n_centers=4", "--set", "weeks_collab=20", "--set", "weeks_followup=4")


def test_single_run_warns_that_one_run_is_one_draw(tmp_path, run_cli):
    r = run_cli("run", "--no-plot", *SHORT, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "One run is one draw" in r.stdout and "--replicates 10" in r.stdout, \
        "a single run says how to see the variation between runs"


def test_run_replicates_prints_medians_with_intervals(tmp_path, run_cli):
    out = tmp_path / "reps"
    r = run_cli("run", "--replicates", "5", "--out", str(out), *SHORT, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = pd.read_csv(out / "summary.csv")
    gain = summary[summary["output"] == "practice_gain_sd"]["value"]
    assert len(gain) == 5 and gain.nunique() > 1, "five replicates with their own seeds"
    line = next(x for x in r.stdout.splitlines() if x.strip().startswith("practice_gain_sd "))
    median, interval = line.split()[1], line.split("[")[1].split("]")[0]
    assert float(median) == pytest.approx(gain.median(), abs=5e-4), \
        f"the printed median is the median over replicates: {line}"
    lo, hi = (float(x) for x in interval.split(","))
    assert lo == pytest.approx(gain.quantile(0.05), abs=5e-4) and \
        hi == pytest.approx(gain.quantile(0.95), abs=5e-4), f"90% interval: {line}"


def test_compare_two_configs_directly(tmp_path, run_cli):
    mine = tmp_path / "mine.toml"
    mine.write_text('base = "ccl_phase1.toml"\n[context]\nplanning_hours = 4.0\n')
    same = tmp_path / "same.toml"
    same.write_text('base = "ccl_phase1.toml"\n')
    out = tmp_path / "cmp"
    r = run_cli("compare", str(same), str(mine), "--replicates", "3", "--out", str(out),
                *SHORT, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "same (ref)" in r.stdout and "mine" in r.stdout, "first config is the reference"
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["scenario"]) == {"same", "mine"} and summary["replicate"].nunique() == 3
    r = run_cli("compare", str(same), str(same), "--replicates", "2", "--out",
                str(tmp_path / "twice"), *SHORT, cwd=tmp_path)
    stats = pd.read_csv(tmp_path / "twice" / "stats.csv")
    assert r.returncode == 0 and (stats.dropna(subset=["diff_median"])["diff_median"] == 0).all(), \
        "a config compared with itself differs by exactly 0 (common random numbers)"


def test_compare_with_one_run_config_says_how_to_compare_configs(tmp_path, run_cli):
    r = run_cli("compare", "configs/ccl_phase1.toml", cwd=Path(__file__).parents[1])
    assert r.returncode == 2 and "give two or more configs" in r.stderr, r.stderr
