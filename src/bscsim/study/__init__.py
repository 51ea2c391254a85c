"""Analyses: the feasibility study, simulated (design brief section 6).

    load_study(path) -> Study              read and check a study file
    simulate_study(study) -> StudyData     one simulated study: model run + instruments
    analyse(data) -> DataFrame             change wave 1 -> 2, truth beside estimate
    power(study, ...) -> PowerResult       the study repeated over designs

docs/study.md describes the instruments, the estimators and the assumptions.
"""

from .analyse import StudyData, analyse, simulate_study
from .spec import Design, Instrument, PowerGrid, Study, load_study

__all__ = ["Design", "Instrument", "PowerGrid", "Study", "StudyData", "analyse",
           "load_study", "simulate_study"]
