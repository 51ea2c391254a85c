"""bscsim: an agent-based laboratory for the Breakthrough Series Collaborative on
social and emotional learning (BSC-SEL) in early care and education.

The public API is small:

    load_config(path_or_dict) -> Params      read and validate a config
    Params                                   all parameters, frozen; .replace(**changes)
    BSCModel(params=None, rng=None)          the Mesa model, one step per week
    simulate(params=None, seed=0) -> Result  one run to the end of follow-up
    simulate_many(params, seeds, tables=False, replay=None) -> DataFrame
                                             one summary row per run (and its tables;
                                             replay: PDSA starts to replay)
    Result                                   tidy tables, summary, .save(dir)
    read_scenarios(path) -> ScenarioSet      read and validate a scenario file
    compare(scenario_set) -> Comparison      run its scenarios, common random numbers
    load_sweep(dir) -> DataFrame             the results of `bscsim sweep`, one row per run
    salib_problem(names) -> dict             the SALib problem over declared parameters
"""

from .config import ConfigError, load_config
from .model import BSCModel
from .params import Params, salib_problem
from .results import Result
from .scenarios import Comparison, ScenarioSet, compare, read_scenarios
from .simulate import simulate, simulate_many
from .sweep import load_sweep

__version__ = "0.1.0"

__all__ = ["BSCModel", "Comparison", "ConfigError", "Params", "Result", "ScenarioSet",
           "compare", "load_config", "load_sweep", "read_scenarios", "salib_problem", "simulate",
           "simulate_many"]
