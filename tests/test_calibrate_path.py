"""Calibrating to one's own records from the command line (issue 25, item 6): the
data folder at any path, --quick and --population, target intervals inside the
values a statistic can take, and a verdict sentence per target."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bscsim.calibrate.spec import VALID, load_calibration
from bscsim.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "configs" / "calibration" / "example_collaborative.toml"
RECORDS = ROOT / "configs" / "calibration" / "example_collaborative"


def test_data_folder_can_be_any_path(tmp_path):
    mine = tmp_path / "somewhere" / "my records"
    shutil.copytree(RECORDS, mine)
    cal = load_calibration(EXAMPLE, data_dir=mine)
    assert Path(cal.data) == mine, "--data DIR replaces the folder the file names"
    written = tmp_path / "cal.toml"
    written.write_text(EXAMPLE.read_text().replace('data = "example_collaborative"',
                                                   f'data = "{mine}"'))
    assert Path(load_calibration(written).data) == mine, \
        "a calibration file may name its data folder by an absolute path"


def test_a_missing_data_folder_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="--data .*no such folder"):
        load_calibration(EXAMPLE, data_dir=tmp_path / "nothing")


def test_target_intervals_stay_inside_what_a_statistic_can_take():
    from bscsim.calibrate.data import data_targets, load_data
    raw = data_targets(load_data(RECORDS))
    cal = load_calibration(EXAMPLE)
    crossing = [t for t in cal.targets
                if raw[t.statistic][0] - 1.96 * raw[t.statistic][1] < VALID[t.statistic][0]]
    assert crossing, "the example has a target whose estimate - 1.96 SE is below its bound"
    for t in cal.targets:
        lo, hi = VALID[t.statistic]
        assert lo <= t.low < t.high <= hi, f"{t.name}: [{t.low}, {t.high}] within [{lo}, {hi}]"
    for t in crossing:
        assert t.low == VALID[t.statistic][0] and "clipped" in t.note, \
            f"{t.name}: clipped to its bound, and the note says why: {t.note!r}"


def test_verdict_words_follow_the_share_of_draws_meeting_a_target():
    from bscsim.calibrate.run import verdict
    assert "rarely" in verdict(0.35) and "well" in verdict(0.9) \
        and "almost never" in verdict(0.05), "the words follow the share met"


@pytest.mark.slow
def test_calibrate_quick_with_data_anywhere_ends_with_a_verdict_per_target(tmp_path, run_cli):
    pytest.importorskip("pyabc")
    mine = tmp_path / "records"
    shutil.copytree(RECORDS, mine)
    r = run_cli("calibrate", "configs/calibration/example_collaborative.toml", "--data",
                str(mine), "--quick", "--population", "10", "--executor", "serial",
                "--no-progress", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-1500:]
    tail = r.stdout[r.stdout.index("Bottom line, per target"):]
    cal = load_calibration(EXAMPLE)
    for t in cal.targets:
        assert f"- {t.name}: met in " in tail, f"a verdict sentence for {t.name}: {tail}"
    assert "--quick" in tail, "a quick run says it is a first look"


def test_calibrate_progress_is_not_silent_off_a_terminal(capsys, monkeypatch):
    from bscsim.calibrate import smc
    monkeypatch.setattr(smc, "_LAST", [float("-inf")])
    smc.stderr_progress("generation 0: 10/300 accepted of 64 runs (5 s)", False)
    smc.stderr_progress("generation 0: 20/300 accepted of 128 runs (6 s)", False)
    smc.stderr_progress("generation 0: 300/300 accepted of 900 runs (60 s)", True)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["generation 0: 10/300 accepted of 64 runs (5 s)",
                     "generation 0: 300/300 accepted of 900 runs (60 s)"], \
        f"a batch line at once, then at most one per 10 s, and every generation's end: {lines}"
