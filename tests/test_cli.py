"""The command line: `bscsim run` and `bscsim params`."""


import pandas as pd



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
