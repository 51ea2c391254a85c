"""The notebooks under notebooks/ (jupytext percent-format sources) run as scripts
from a fresh folder, so they cannot rot (issue 25, item 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


def test_there_are_a_getting_started_and_a_policy_notebook():
    names = [p.stem for p in NOTEBOOKS]
    assert any("getting_started" in n for n in names) \
        and any("policy" in n for n in names), f"notebooks/: {names}"
    for p in NOTEBOOKS:
        text = p.read_text()
        assert "format_name: percent" in text and "# %% [markdown]" in text, \
            f"{p.name} is a jupytext percent-format notebook"


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_as_a_script(notebook, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    r = subprocess.run([sys.executable, str(notebook)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{notebook.name}: {r.stderr[-2000:]}"
    assert list((tmp_path / "results" / "notebooks").glob("*.png")), \
        f"{notebook.name} writes its figure under results/notebooks/"
