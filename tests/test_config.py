"""Configs: commented TOML, `base` chains, group tables, and one-line errors."""

from pathlib import Path

import pytest

import bscsim
from bscsim.config import ConfigError, configs_dir, parse_set

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_default_config_is_the_ccl_phase1_collaborative():
    p = bscsim.load_config()
    assert (p.n_centers, p.share_head_start, p.weeks_collab, p.n_learning_sessions) == \
        (8, 0.5, 52, 4)


def test_base_config_applies_first(tmp_path):
    cfg = write(tmp_path / "c.toml", 'base = "ccl_phase1.toml"\n[context]\nplanning_hours = 3.0\n')
    p = bscsim.load_config(cfg)
    assert p.planning_hours == 3.0 and p.n_centers == 8


def test_base_relative_to_the_file(tmp_path):
    write(tmp_path / "a.toml", "[design]\nn_centers = 5\n")
    b = write(tmp_path / "b.toml", 'base = "a.toml"\n[design]\nweeks_followup = 0\n')
    p = bscsim.load_config(b)
    assert (p.n_centers, p.weeks_followup) == (5, 0)


def test_base_loop_is_an_error(tmp_path):
    write(tmp_path / "a.toml", 'base = "b.toml"\n')
    write(tmp_path / "b.toml", 'base = "a.toml"\n')
    with pytest.raises(ConfigError, match="loop"):
        bscsim.load_config(tmp_path / "a.toml")


def test_dict_config():
    assert bscsim.load_config({"design": {"n_centers": 3}}).n_centers == 3
    assert bscsim.load_config({"n_centers": 3}).n_centers == 3


@pytest.mark.parametrize("text, expected", [
    ("[design]\nn_centres = 3\n", "did you mean 'n_centers'"),
    ("[context]\nn_centers = 3\n", "belongs in [design]"),
    ("[designs]\nn_centers = 3\n", "unknown table [designs]"),
    ("[context]\nturnover_cc = 1.4\n", "turnover_cc = 1.4 is not allowed: expected a number from 0 to 0.95"),
    ("[design]\nn_centers = \"eight\"\n", "expected a whole number"),
    ("[design]\nn_centers = 8\nteams_on = 1\n", "teams_on = 1 is not allowed: expected true or false"),
    ("[design\nn_centers = 8\n", "not valid TOML"),
])
def test_bad_config_gives_one_clear_line(tmp_path, text, expected):
    cfg = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as e:
        bscsim.load_config(cfg)
    msg = str(e.value)
    assert expected in msg, f"message was: {msg}"
    assert "\n" not in msg and str(cfg) in msg, "one line naming the file"


def test_missing_file():
    with pytest.raises(ConfigError, match="no such config file"):
        bscsim.load_config("nowhere.toml")


def test_set_values_are_parsed_as_toml():
    assert parse_set(["planning_hours=3", "vicarious_on=false"]) == \
        {"planning_hours": 3, "vicarious_on": False}
    with pytest.raises(ConfigError, match="did you mean"):
        parse_set(["planing_hours=3"])
    with pytest.raises(ConfigError, match="key=value"):
        parse_set(["planning_hours"])


@pytest.mark.parametrize("path", sorted(p for p in configs_dir().rglob("*.toml")
                                        if p.parent.name not in ("sweeps", "scenarios",
                                                                 "sensitivity", "studies",
                                                                 "states",
                                                                 "explorations",
                                                                 "calibration", "decisions")),
                         ids=lambda p: p.name)
def test_every_shipped_model_config_is_valid(path):
    bscsim.load_config(path)



def test_cli_bad_input_exits_2_with_one_line_and_no_output(tmp_path, run_cli):
    cfg = write(tmp_path / "bad.toml", "[design]\nn_centers = 0\n")
    out = tmp_path / "out"
    r = run_cli("run", str(cfg), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "n_centers = 0 is not allowed" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists(), "no output folder may be left behind"


def test_cli_set_typo_exits_2(tmp_path, run_cli):
    r = run_cli("run", "--set", "turnover=0.3", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert r.returncode == 2 and "did you mean" in r.stderr and "Traceback" not in r.stderr
