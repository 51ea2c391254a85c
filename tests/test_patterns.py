"""Calibration: the default config reproduces the six patterns (docs/calibration.md),
over 100 paired replicates per configuration."""

import pytest

from bscsim.patterns import PATTERNS, check_patterns, format_table


@pytest.fixture(scope="module")
def table():
    return check_patterns(replicates=100)[0]


@pytest.mark.slow
@pytest.mark.parametrize("key", [p.key for p in PATTERNS])
def test_default_config_reproduces_pattern(table, key):
    row = table.set_index("pattern").loc[key]
    assert row["passed"], (f"pattern {key} ({row['title']}): model {row['model']:.3f} "
                           f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}] vs empirical "
                           f"{row['empirical']}\n{format_table(table)}")


def test_every_pattern_names_a_source_and_a_range():
    for p in PATTERNS:
        assert p.source and p.low < p.high, f"pattern {p.key} needs a source and a range"
