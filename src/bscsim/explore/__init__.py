"""Analyses: exploratory modelling. Under which conditions does the BSC fail, and
which levers hold up anyway?

An exploration file (see `spec`) names the uncertainties to sample (LHS or Sobol),
the candidate policies (named lever combinations, or sampled levers), replicates
with common random numbers and the thresholds of success. `run_exploration` runs
every policy in every future through the sweep runner (processes, Dask; resumable,
with provenance), then writes the robustness of each policy and a scenario discovery
(PRIM and feature scores, from EMA Workbench: the optional `ema` extra) of where the
chosen output misses its threshold. `discover_sweep` does the discovery on an existing
sweep folder.

    spec.py      reading and validating exploration files (roles decide what goes where)
    design.py    futures, policies and their cross product
    robust.py    regret, satisficing share, worst decile; table and figure
    discover.py  PRIM and feature scoring through EMA Workbench
    runner.py    run_exploration, analyse, discover_sweep, the report
    report.py    the HTML reading for a state administrator
"""

from .discover import Discovery, discover, feature_scores
from .robust import robustness
from .runner import Exploration, analyse, discover_sweep, run_exploration
from .spec import ExploreSpec, Threshold, load_exploration

__all__ = ["Discovery", "Exploration", "ExploreSpec", "Threshold", "analyse", "discover",
           "discover_sweep", "feature_scores", "load_exploration", "robustness",
           "run_exploration"]
