"""Consistency: generated docs are current, the theory map names real columns."""

import re
from pathlib import Path

import pytest

import bscsim
from bscsim import docs
from bscsim.params import BY_NAME

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path, text", list(docs.targets(ROOT).items()),
                         ids=lambda x: getattr(x, "name", ""))
def test_generated_file_is_current(path, text):
    assert path.is_file(), f"{path} missing: run python -m bscsim.docs"
    assert path.read_text() == text, f"{path} is stale: run python -m bscsim.docs"


def test_reference_config_lists_every_parameter_at_its_default():
    p = bscsim.load_config(ROOT / "configs" / "reference.toml")
    assert p == bscsim.Params(), "reference.toml must equal the declared defaults"
    text = (ROOT / "configs" / "reference.toml").read_text()
    for name in BY_NAME:
        assert f"\n{name} = " in text, f"{name} missing from reference.toml"


def test_theory_map_names_only_real_columns(default_result):
    text = (ROOT / "docs" / "theory_map.md").read_text()
    refs = re.findall(r"`(timeseries|centers|classrooms|pdsa_log|summary|params)\.(\w+)`", text)
    assert len(refs) > 60, "the theory map should name many columns"
    r = default_result
    tables = {"timeseries": r.timeseries.columns, "centers": r.centers.columns,
              "classrooms": r.classrooms.columns, "pdsa_log": r.pdsa_log.columns,
              "summary": r.summary.index, "params": list(BY_NAME)}
    missing = [f"{t}.{c}" for t, c in refs if c not in tables[t]]
    assert not missing, f"theory_map.md names columns that do not exist: {missing}"


def test_odd_names_every_submodel():
    text = (ROOT / "docs" / "odd.md").read_text()
    for sub in ("calendar", "turnover", "learning_session", "calls", "team_meeting", "pdsa",
                "spread", "practice", "children", "organization", "collect"):
        assert f"`{sub}`" in text, f"docs/odd.md has no section for submodel {sub}"
