"""Shared fixtures: small, fast configs for tests that only need the machinery."""

import pytest

import bscsim


@pytest.fixture(scope="session")
def small_params():
    """A short, small collaborative: every process runs, in a few milliseconds."""
    return bscsim.Params(n_centers=4, weeks_collab=20, weeks_followup=6,
                         n_learning_sessions=2)


@pytest.fixture(scope="session")
def default_result():
    return bscsim.simulate(seed=0)


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _run_cli(*args, cwd, timeout=600):
    """`bscsim ARGS` run in this process, in folder `cwd`, as a CompletedProcess
    (exit code, stdout, stderr). No new interpreter per call (a second or two of CPU
    each): what a command prints and returns is the same; tests of what only a
    separate process shows (signals, kills, concurrent writers) use
    `_run_cli_process`."""
    import contextlib
    import io
    import os
    import subprocess

    from bscsim.cli import main
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as e:          # argparse: --help, a bad option
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["bscsim", *args], code, out.getvalue(),
                                       err.getvalue())


def _run_cli_process(*args, cwd, timeout=600):
    """Run `python -m bscsim ARGS` in a subprocess that imports this checkout."""
    import os
    import subprocess
    import sys
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep
           + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "bscsim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def run_cli():
    return _run_cli


@pytest.fixture(scope="session")
def strategies_comparison():
    """configs/scenarios/strategies.toml, small (4 centers, 20 + 6 weeks) with 4
    replicates: the report's tests and the browser's layout tests share it."""
    from bscsim.scenarios import compare, read_scenarios
    spec = read_scenarios(ROOT / "configs" / "scenarios" / "strategies.toml", replicates=4,
                          base_changes={"n_centers": 4, "weeks_collab": 20,
                                        "weeks_followup": 6})
    return compare(spec)


@pytest.fixture
def run_cli_process():
    return _run_cli_process
