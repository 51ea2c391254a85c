"""Analyses: state rollouts, many collaboratives in cohorts (issue 12 item 3).

A state file (`configs/states/*.toml`, docs/states.md) describes cohorts of
collaboratives, each with its own size, program mix and faculty; learning carried
between cohorts is a declared, switchable assumption (carry.py). `read_state`
validates the file (spec.py), `run_state` runs it cohort by cohort through
`bscsim.simulate_many` (run.py), `StateResult` holds and saves the tables per
collaborative, cohort and state (outputs.py), and report.py prints, draws and
compares them. `bscsim run STATE.toml` and `bscsim compare A.toml B.toml` call
commands.state.
"""

from .outputs import MARKER, StateResult
from .report import compare_states
from .run import run_state
from .spec import StateSpec, is_state_file, read_state

__all__ = ["MARKER", "StateResult", "StateSpec", "compare_states", "is_state_file",
           "read_state", "run_state"]
