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
