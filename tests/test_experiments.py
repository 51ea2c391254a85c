"""Every numbered experiment runs in its quick mode and writes its outputs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("[0-9][0-9]_*.py"))
# files an experiment must write, beyond "something, with provenance"
WRITES = {
    "02_strategies": ("report.html", "summary.parquet", "provenance.json", "over_time.png",
                      "differences.png", "cost_effectiveness.png"),
    "03_policy_levers": ("report.html", "summary.parquet", "provenance.json",
                         "over_time.png", "differences.png", "cost_effectiveness.png"),
    "08_where_bsc_fails": ("report.html", "robustness.csv", "prim_box.csv",
                           "outcomes.parquet", "provenance.json"),
    "09_value_of_information": ("report.html", "evpi.csv", "evppi_groups.parquet",
                                "evsi.csv", "provenance.json", "figures/evppi_by_wtp.png"),
}


@pytest.mark.slow
@pytest.mark.parametrize("script", EXPERIMENTS, ids=lambda p: p.stem)
def test_experiment_runs_in_quick_mode(script, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MPLBACKEND": "Agg"}
    out = tmp_path / script.stem
    r = subprocess.run([sys.executable, str(script), "--quick", "--out", str(out)],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"{script.name} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    assert out.is_dir() and any(out.iterdir()), f"{script.name} wrote nothing to {out}"
    assert any(out.rglob("provenance.json")) or any(out.rglob("*.json")), \
        f"{script.name} must write provenance beside its results"
    for name in WRITES.get(script.stem, ()):
        assert (out / name).is_file(), f"{script.name} should write {name}"
