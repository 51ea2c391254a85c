"""Model: many collaboratives in one run (the ensemble engine).

`BSCModel([params, ...], [seed, ...])` simulates one independent collaborative per
(params, seed) pair in one model: the rows of every collaborative's centers,
classrooms and posts are stored one collaborative after the other, so the weekly
submodels update all of them with the same array operations, while everything that
crosses centers (ties, the board, the faculty, the calls) stays within a
collaborative. Each collaborative draws from its own random streams, spawned from
its own seed exactly as a run alone does, and every sum over a collaborative's rows
is taken in its row order, so a collaborative's numbers do not depend on the batch
it runs in (tests/test_ensemble.py).

What may differ between the collaboratives of a batch:
- every parameter the weekly schedule does not read (`INIT_ONLY`: sizes, program
  mix, baselines, the change package; read when the collaborative is set up, or
  when its summary is taken);
- the weekly parameters of `WEEKLY_PER_BLOCK`, held one value per collaborative.
Everything else, and the number of centers, must be the same: `batch_key` says
which runs can share a batch, and `simulate_many` groups runs by it.
"""

from __future__ import annotations

from ..params import PARAMS

# weekly parameters held one value per collaborative (collaborative.py)
WEEKLY_PER_BLOCK = ("faculty_hours_month", "faculty_qi_gain")

# parameters read only when a collaborative is set up (state.py, framework.py) or
# when its outputs are summarized (results.py, cost.py): never by the weekly
# schedule (tests/test_ensemble.py traces every read to keep this list true)
INIT_ONLY: tuple[str, ...] = ()

SHARED = tuple(p.name for p in PARAMS
               if p.name not in INIT_ONLY and p.name not in WEEKLY_PER_BLOCK)


def batch_key(p) -> tuple:
    """Runs with equal keys can run in one batch."""
    return (p.n_centers, *(getattr(p, k) for k in SHARED))


def check_batch(params: list) -> None:
    """Raise ValueError unless every collaborative of `params` can share a batch."""
    if not params:
        raise ValueError("BSCModel: an ensemble needs at least one collaborative")
    first = params[0]
    for j, p in enumerate(params[1:], 1):
        if p.n_centers != first.n_centers:
            raise ValueError(f"BSCModel: collaborative {j} has n_centers = "
                             f"{p.n_centers}, the first {first.n_centers}; a batch "
                             "holds collaboratives of one size")
        for k in SHARED:
            if getattr(p, k) != getattr(first, k):
                raise ValueError(f"BSCModel: collaborative {j} has {k} = "
                                 f"{getattr(p, k)!r}, the first {getattr(first, k)!r}; "
                                 f"{k} is read every week and must be the same in a "
                                 "batch (model/ensemble.py)")
