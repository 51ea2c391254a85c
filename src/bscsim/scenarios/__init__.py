"""Analyses: scenarios compared with common random numbers (`bscsim compare`), and
the faces of a comparison (the HTML report and its figures).

A scenario file names a base config and named scenarios (QI strategies, policy
levers, cohorts); `read_scenarios` validates it, `configs_as_scenarios` turns two
or more run configs into the same thing, `compare` runs every scenario's replicates
with common random numbers and returns a `Comparison` (tidy results, medians with
90% intervals, paired differences, cost-effectiveness). See docs/scenarios.md.

    comparison.py  reading scenario files, running them, the Comparison and its table
    report.py      the self-contained HTML report (bottom line, figures, assumptions)
    plots.py       the report's figures: over time, differences, cost-effectiveness
"""

from .comparison import (KEY_OUTPUTS, MARKER, Comparison, RunsFailed, Scenario,
                         ScenarioSet, compare, configs_as_scenarios, is_scenario_file,
                         read_scenarios, replicate_seed, sweep_of)

__all__ = ["Comparison", "KEY_OUTPUTS", "MARKER", "RunsFailed", "Scenario", "ScenarioSet",
           "compare", "configs_as_scenarios", "is_scenario_file", "read_scenarios",
           "replicate_seed", "sweep_of"]
