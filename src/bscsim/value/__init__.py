"""Analyses: value of information. What is worth knowing before a state scales a
strategy, and what study would settle the choice?

A decision file (see `spec`) names the options, how their outcome is valued
(net benefit = willingness to pay x outcome - cost), the population, the
uncertainty and optionally a study. `run_value` runs every option at every
parameter draw with common random numbers through the sweep runner, then
estimates the probability each option is best, the EVPI, the EVPPI of each
mechanism group and of single parameters, and the EVSI of the study, as the R
packages voi and BCEA do (Strong et al. 2014, 2015).

    voi.py      the estimators, pure functions tested on closed forms
    spec.py     reading and validating decision files
    run.py      the draws, the runs, the analysis, writing the folder
    words.py    the bottom line in words, the printed report
    figures.py  CEAC, EVPPI bars, EVSI and ENBS by study size
    report.py   the HTML reading for a state administrator
"""

from .run import ValueResult, analyse, run_value
from .spec import Decision, load_decision

__all__ = ["Decision", "ValueResult", "analyse", "load_decision", "run_value"]
