"""Output folders (issue 24): nothing is written or removed through a link planted
in an output folder, nothing the tool did not make is removed, and every command's
folder is written whole or marked partial. Each test plants links and foreign files
in an output folder and checks that a sibling `keep` folder (the link targets) is
byte for byte what it was. The CLI runs in-process (bscsim.cli.main)."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pandas as pd
import pytest

from bscsim.cli import main

SWEEP = """base = "ccl_phase1.toml"
design = "grid"
replicates = 1
[set]
n_centers = 2
weeks_collab = 4
weeks_followup = 0
[vary]
turnover_cc = [0.2, 0.3]
"""

SCENARIOS = """base = "ccl_phase1.toml"
replicates = 1
seed = 1
[[scenario]]
name = "a"
[scenario.set]
n_centers = 2
weeks_collab = 4
weeks_followup = 0
[[scenario]]
name = "b"
[scenario.set]
n_centers = 2
weeks_collab = 4
weeks_followup = 0
planning_hours = 3.0
"""


def cli(*args, cwd: Path | None = None) -> tuple[int, str, str]:
    """`bscsim ARGS` in-process: exit code, stdout, stderr."""
    err, out = io.StringIO(), io.StringIO()
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                rc = main([str(a) for a in args])
            except SystemExit as e:
                rc = e.code
    finally:
        os.chdir(old)
    return rc, out.getvalue(), err.getvalue()


def one_line_error(rc, err: str) -> str:
    lines = err.splitlines()
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("bscsim: error: "), \
        f"expected exit 2 and one error line, got {rc}: {err[-600:]!r}"
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every path under `folder` (links not followed) with its bytes or link target."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                found[rel] = "-> " + os.readlink(p)
            elif p.is_file():
                found[rel] = p.read_bytes()
            else:
                found[rel] = "dir"
    return found


@pytest.fixture
def keep(tmp_path) -> Path:
    """A user's folder beside the outputs, which no command may change."""
    k = tmp_path / "keep"
    k.mkdir()
    (k / "thesis.txt").write_text("years of work")
    (k / "data.csv").write_text("a,b\n1,2\n")
    return k


@pytest.fixture
def sweep_file(tmp_path) -> Path:
    p = tmp_path / "sw.toml"
    p.write_text(SWEEP)
    return p


def sweep(path: Path, out: Path):
    return cli("sweep", path, "--out", out, "--executor", "serial", "--no-progress")


def test_tmp_link_in_a_sweep_folder_never_empties_its_target(tmp_path, keep, sweep_file):
    out = tmp_path / "s1"
    assert sweep(sweep_file, out)[0] == 0
    before = snapshot(keep)
    if (out / ".tmp").exists():
        import shutil
        shutil.rmtree(out / ".tmp")
    (out / ".tmp").symlink_to(keep)
    rc, _, err = sweep(sweep_file, out)
    assert "link" in one_line_error(rc, err), "the error names the link"
    assert snapshot(keep) == before, "the folder a .tmp link points to is left alone"


def test_tmp_manifest_link_is_never_written_through(tmp_path, keep, sweep_file):
    out = tmp_path / "s1"
    assert sweep(sweep_file, out)[0] == 0
    before = snapshot(keep)
    (out / ".tmp-manifest.json").symlink_to(keep / "thesis.txt")
    rc, _, err = sweep(sweep_file, out)
    one_line_error(rc, err)
    assert snapshot(keep) == before, "a .tmp-manifest.json link is not written through"


def test_write_parquet_never_writes_through_a_planted_temp_link(tmp_path, keep):
    from bscsim.sweep.store import write_parquet
    before = snapshot(keep)
    folder = tmp_path / "o"
    folder.mkdir()
    (folder / ".tmp-x.parquet").symlink_to(keep / "thesis.txt")
    write_parquet(pd.DataFrame({"a": [1]}), folder / "x.parquet")
    assert snapshot(keep) == before, "the target of a .tmp-<name> link is untouched"
    assert pd.read_parquet(folder / "x.parquet")["a"].tolist() == [1]


def test_dangling_lock_link_creates_no_file(tmp_path, keep, sweep_file):
    out = tmp_path / "s1"
    assert sweep(sweep_file, out)[0] == 0
    (out / ".lock").unlink(missing_ok=True)       # an earlier version left one
    (out / ".lock").symlink_to(keep / "created-by-bscsim")
    rc, _, err = sweep(sweep_file, out)
    one_line_error(rc, err)
    assert not (keep / "created-by-bscsim").exists(), "a dangling .lock link made no file"


def test_finished_sweep_leaves_no_lock_or_empty_tmp(tmp_path, sweep_file):
    out = tmp_path / "s1"
    assert sweep(sweep_file, out)[0] == 0
    assert sweep(sweep_file, out)[0] == 0          # a no-op resume too
    assert not (out / ".lock").exists(), "no .lock file is left"
    assert not (out / ".tmp").exists(), "no empty .tmp/ is left"


def test_foreign_file_in_sweep_staging_is_refused_not_removed(tmp_path, sweep_file):
    out = tmp_path / "s1"
    assert sweep(sweep_file, out)[0] == 0
    (out / ".tmp").mkdir(exist_ok=True)
    (out / ".tmp" / "notes.txt").write_text("mine")
    rc, _, err = sweep(sweep_file, out)
    assert "notes.txt" in one_line_error(rc, err), "the error names the foreign file"
    assert (out / ".tmp" / "notes.txt").read_text() == "mine", "a foreign file is kept"


def test_compare_never_deletes_a_sweep_folder_made_by_bscsim_sweep(tmp_path, sweep_file):
    out = tmp_path / "X"
    assert sweep(sweep_file, out / "runs")[0] == 0
    before = snapshot(out)
    scen = tmp_path / "scen.toml"
    scen.write_text(SCENARIOS)
    rc, _, err = cli("compare", scen, "--out", out, "--no-progress")
    one_line_error(rc, err)
    assert snapshot(out) == before, "the sweep folder X/runs is left whole"
    rc, _, err = cli("compare", scen, "--out", out, "--dry-run")
    one_line_error(rc, err)


def test_out_that_is_a_link_is_refused(tmp_path, keep):
    before = snapshot(keep)
    (tmp_path / "o").symlink_to(keep)
    rc, _, err = cli("run", "--out", tmp_path / "o", "--no-plot", "--set", "n_centers=2",
                     "--set", "weeks_collab=4", "--set", "weeks_followup=0")
    one_line_error(rc, err)
    assert snapshot(keep) == before, "the folder an --out link points to is untouched"


def test_rerun_refuses_a_foreign_file_in_an_earlier_output(tmp_path):
    out = tmp_path / "o"
    args = ("run", "--out", out, "--no-plot", "--set", "n_centers=2", "--set",
            "weeks_collab=4", "--set", "weeks_followup=0")
    assert cli(*args)[0] == 0
    (out / "notes.txt").write_text("mine")
    rc, _, err = cli(*args)
    assert "notes.txt" in one_line_error(rc, err), "the error names the foreign file"
    assert (out / "notes.txt").read_text() == "mine", "a foreign file is never removed"


# ------------------------------------------------- every command, planted folder
CONFIGS = Path(__file__).resolve().parents[1] / "src" / "bscsim" / "configs"
SMALL = ("--set", "n_centers=2", "--set", "weeks_collab=4", "--set", "weeks_followup=0")

# command -> (argv before --out, the files that mark an earlier output of its kind,
# an output name to plant a link at)
COMMANDS = {
    "run": (["run", "--no-plot", *SMALL], ("provenance.json", "centers.parquet"),
            "summary.csv"),
    "run-state": (["run", CONFIGS / "states" / "example_state.toml", "--no-plot"],
                  ("provenance.json", "state.parquet"), "report.md"),
    "sweep": (["sweep", "{sweep}", "--executor", "serial", "--no-progress"],
              ("manifest.json", "design.parquet"), "summary.csv"),
    "compare": (["compare", "{scen}", "--no-progress"], ("provenance.json", "stats.csv"),
                "summary.csv"),
    "study": (["study", CONFIGS / "studies" / "ccl_feasibility.toml"],
              ("provenance.json", "analysis.csv"), "report.md"),
    "study-power": (["study", CONFIGS / "studies" / "ccl_feasibility.toml", "--power",
                     "--replicates", "1", "--no-progress"],
                    ("provenance.json", "analysis.csv"), "power.csv"),
    "explore": (["explore", CONFIGS / "explorations" / "bsc_failure.toml",
                 "--no-progress"], ("provenance.json", "robustness.csv"), "futures.csv"),
    "sensitivity": (["sensitivity", CONFIGS / "sensitivity" / "mechanisms_morris.toml",
                     "--no-progress"], ("provenance.json", "indices.parquet"),
                    "report.md"),
    "calibrate": (["calibrate", CONFIGS / "calibration" / "ccl_patterns.toml",
                   "--no-progress"], ("run.json",), "generations.csv"),
    "check-patterns": (["check-patterns", "--replicates", "2"],
                       ("patterns.csv", "provenance.json"), "patterns.csv"),
    "check-mechanisms": (["check-mechanisms", "--replicates", "20"],
                         ("mechanisms.csv", "provenance.json"), "mechanisms.csv"),
}


def _earlier_output(out: Path, marker: tuple[str, ...]) -> None:
    """An earlier output of a command as bscsim writes it: its marker files and the
    list of what it made."""
    import json
    out.mkdir()
    for name in marker:
        (out / name).write_text("{}" if name.endswith(".json") else "x")
    (out / ".bscsim-contents").write_text(json.dumps(sorted(marker)))


@pytest.mark.parametrize("plant", ["link", "dangling", "foreign", "fifo"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_refuses_links_and_foreign_files_in_its_out(tmp_path, keep,
                                                                  sweep_file, command,
                                                                  plant):
    argv, marker, name = COMMANDS[command]
    scen = tmp_path / "scen.toml"
    scen.write_text(SCENARIOS)
    argv = [str(a).format(sweep=sweep_file, scen=scen) for a in argv]
    out = tmp_path / "out"
    _earlier_output(out, marker)
    if plant != "foreign":
        (out / name).unlink(missing_ok=True)    # a marker file replaced by the plant
    if plant == "link":
        (out / name).symlink_to(keep / "thesis.txt")
    elif plant == "dangling":
        (out / name).symlink_to(keep / "made-by-bscsim")
    elif plant == "foreign":
        (out / "notes.txt").write_text("mine")
    else:
        os.mkfifo(out / name)
    before, inside = snapshot(keep), snapshot(out)
    rc, _, err = cli(*argv, "--out", out, cwd=tmp_path)
    line = one_line_error(rc, err)
    assert (name if plant != "foreign" else "notes.txt") in line, \
        f"the error names what was planted: {line}"
    assert snapshot(keep) == before, "nothing outside --out changed"
    assert snapshot(out) == inside, "the output folder was left as it was"


def test_explore_refuses_a_folder_that_only_holds_a_runs_entry(tmp_path):
    out = tmp_path / "d"
    (out / "runs").mkdir(parents=True)
    (out / "report.md").write_text("mine")
    rc, _, err = cli("explore", CONFIGS / "explorations" / "bsc_failure.toml", "--out",
                     out, "--no-progress", cwd=tmp_path)
    one_line_error(rc, err)
    assert (out / "report.md").read_text() == "mine", "the user's report.md is kept"
    rc, _, err = cli("explore", CONFIGS / "explorations" / "bsc_failure.toml", "--out",
                     out, "--dry-run", cwd=tmp_path)
    one_line_error(rc, err)


def test_mutant_without_the_link_check_empties_the_target(tmp_path, keep, sweep_file,
                                                           monkeypatch):
    """Mutant: the folder check switched off; the planted .tmp link then reaches the
    user's files, so the check is what keeps them (and the test above would fail)."""
    out = tmp_path / "s1"
    assert sweep(sweep_file, out)[0] == 0
    (out / ".tmp").symlink_to(keep)
    monkeypatch.setattr("bscsim.sweep.store.check_inside", lambda *a, **k: None)
    monkeypatch.setattr("bscsim.sweep.runner.Store.check", lambda self: None)
    sweep(sweep_file, out)
    assert not (keep / "thesis.txt").exists(), "without the check the target is emptied"
