"""A non-editable install (a wheel, as `pip install .` builds it) runs the README's
commands from any folder: the shipped configs and the calibration example's records
are package data, found by the same names as in a checkout (issue 25, item 1).

One wheel is built and installed per module (slow); each test runs README commands,
with cheap flags, in a folder outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ("--set", "n_centers=4", "--set", "weeks_collab=12", "--set", "weeks_followup=2")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(run, folder): run(*args) runs the wheel's `bscsim` in `folder`, a folder
    outside the checkout, with no PYTHONPATH pointing into it."""
    tmp = tmp_path_factory.mktemp("install")
    wheels = tmp / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                            "-q", "-w", str(wheels)], capture_output=True, text=True,
                           timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = wheels.glob("bscsim-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    # the dependencies come from this environment; bscsim itself only from the wheel
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # --ignore-installed: the environment seen through deps.pth may hold an editable
    # bscsim; pip would take it for this one and install nothing
    install = subprocess.run([str(py), "-m", "pip", "install", "--no-deps",
                              "--ignore-installed", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-2000:]
    where = tmp / "elsewhere"
    where.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def run(*args: str, program: str = "bscsim") -> subprocess.CompletedProcess:
        return subprocess.run([str(venv / "bin" / program), *args], cwd=where,
                              capture_output=True, text=True, env=env, timeout=300)
    return run, where


def test_wheel_install_runs_the_default_config(installed):
    run, where = installed
    r = run("run", "--no-plot")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "site-packages" in r.stdout and "ccl_phase1.toml" in r.stdout, \
        f"the default config came from the installed package: {r.stdout[:300]}"
    assert (where / "results" / "run" / "ccl_phase1-seed0" / "summary.csv").is_file(), \
        "results written under the current folder"


def test_wheel_install_compares_the_readme_configs_by_their_checkout_names(installed):
    run, _ = installed
    for names in (("configs/ccl_phase1.toml", "configs/arms/coaching.toml"),
                  ("ccl_phase1.toml", "arms/coaching.toml")):
        r = run("compare", *names, "--replicates", "2", *SMALL, "--no-progress",
                "--out", "results/compare/readme")
        assert r.returncode == 0 and "Bottom line" in r.stdout, \
            f"bscsim compare {' '.join(names)} runs from a wheel in any folder: {r.stderr[-800:]}"


def test_wheel_install_runs_a_scenario_file_with_its_report(installed):
    run, where = installed
    r = run("compare", "configs/scenarios/strategies.toml", "--replicates", "2", *SMALL,
            "--no-progress", "--report", "results/strategies.html")
    assert r.returncode == 0 and (where / "results" / "strategies.html").is_file(), \
        f"a shipped scenario file (arms found beside it) and its report: {r.stderr[-800:]}"


def test_wheel_install_finds_the_other_readme_files(installed):
    run, _ = installed
    for args in (("params", "turnover_cc"),
                 ("sweep", "configs/sweeps/turnover_planning_grid.toml", "--dry-run"),
                 ("explore", "configs/explorations/bsc_failure.toml", "--dry-run"),
                 ("study", "configs/studies/ccl_feasibility.toml", "--power", "--dry-run")):
        r = run(*args)
        assert r.returncode == 0, f"bscsim {' '.join(args)} from a wheel: {r.stderr[-800:]}"


def test_wheel_install_ships_the_calibration_example_records(installed):
    run, _ = installed
    code = ("import bscsim.calibrate.spec as s; "
            "c = s.load_calibration('configs/calibration/example_collaborative.toml'); "
            "print(len(c.targets))")
    r = run("-c", code, program="python")
    assert r.returncode == 0 and int(r.stdout.strip()) > 0, \
        f"the example collaborative's CSV records are package data: {r.stderr[-800:]}"


def test_wheel_install_runs_the_readme_python_snippet(installed):
    run, _ = installed
    code = ("import bscsim; p = bscsim.load_config('configs/ccl_phase1.toml')"
            ".replace(turnover_cc=0.2, n_centers=4, weeks_collab=12, weeks_followup=2); "
            "print(bscsim.simulate(p, seed=0).summary['practice_gain_sd'])")
    r = run("-c", code, program="python")
    assert r.returncode == 0, f"the README's Python snippet from a wheel: {r.stderr[-800:]}"
