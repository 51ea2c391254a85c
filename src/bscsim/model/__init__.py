"""The model: the Breakthrough Series Collaborative on SEL, as a Mesa model.

The model class (`model.py`) holds the weekly schedule; each submodel of the ODD
process overview has its own module here, named after its ODD heading
(docs/odd.md, section 7), so that the code of any heading is one step away:

    calendar, learning_session, calls -> collaborative.py   (ties: network.py)
    turnover                          -> workforce.py
    team_meeting (voice, sharing)     -> teams.py
    pdsa (choose, study, act)         -> pdsa.py
    practices in use, de-adoption     -> practices.py
    spread, practice, coaching        -> classrooms.py
    children                          -> children.py
    organization                      -> organization.py
    collect, snapshots                -> model.py (with the schedule)
    beliefs (the learning rule)       -> beliefs.py
    the change package                -> framework.py
    state and initialization          -> state.py
    people as Mesa agents             -> agents.py
    what a study observes             -> observe.py

Layer 2 of the package: it uses the declarations (params, outputs) and nothing
above them, and does no I/O.
"""

from .agents import Director, Parent, Teacher
from .model import BSCModel

__all__ = ["BSCModel", "Teacher", "Director", "Parent"]
