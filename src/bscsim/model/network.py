"""Model: the network of ties between teams of different programs (mechanism 2,
vicarious learning across programs).

Ties form through actual contact and differ between pairs. At a learning session
the teams that attend sit at tables of `table_size` centers, drawn at random each
session; at an affinity-group call, role peers meet in breakout groups of the same
size. Two centers whose people share a table or a breakout group strengthen their
tie by `tie_gain` (a call: `tie_gain` x `call_tie_share`) of the gap to 1; ties
weaken by `rate_tie_decay` a year without contact. All-team calls have no small
groups and form no ties. A team's mean tie strength to the others is the normative
pressure of `pdsa.start_cycles`; the tie between two teams weights what one hears of
the other's results on calls (collaborative.read_board). Sources: seed (peer
learning environment, affinity groups); Nembhard 2009 (learning-session contact
most helpful); Zamboni et al. 2020; tables, sizes and decay: assumption.
"""

from __future__ import annotations

import numpy as np


def meet_in_groups(model, centers: np.ndarray, gain) -> None:
    """The `centers` present are split at random into groups of `table_size`,
    within each collaborative; every pair in a group strengthens its tie by its
    collaborative's `gain` (one value, or one per collaborative) of the gap to 1."""
    gain = np.broadcast_to(np.asarray(gain, dtype=float), (model.n_blocks,))
    m = model.block_size
    table = model.of_block("table_size")
    changed = False
    for b, here_b in model.split(centers, model.center_block[centers]):
        if gain[b] == 0 or len(here_b) < 2:
            continue
        local = here_b - model.center_off[b]
        order = model.block_streams[b]["collab"].permutation(local)
        group = np.empty(m, dtype=np.int64)
        group[order] = np.arange(len(order)) // table[b]
        here = np.zeros(m, dtype=bool)
        here[local] = True
        same = here[:, None] & here[None, :] & (group[:, None] == group[None, :])
        np.fill_diagonal(same, False)
        ties, scale = model.centers.ties[b], model.tie_scale[b]
        true = ties[same] * scale
        ties[same] = (true + gain[b] * (1.0 - true)) / scale
        changed = True
    if changed:
        model.ties_version += 1


def tie_matrix(model) -> np.ndarray:
    """Tie strength between every pair of teams of each collaborative,
    (collaboratives, centers, centers), 0-1."""
    return model.centers.ties * model.tie_scale[:, None, None]


def decay_ties(model) -> None:
    """Weekly decay of every tie, `rate_tie_decay` a year. Ties are stored
    divided by a running decay factor per collaborative, `model.tie_scale`, so a
    week's decay is one multiplication (and a collaborative's stored ties are
    rescaled before its factor gets tiny)."""
    if not model.p.vicarious_on:
        return
    if "rate_tie_decay" not in model.varying:     # one rate for every collaborative
        rate = model.p.rate_tie_decay / 52.0
        if not rate > 0:
            return
        model.tie_scale *= 1.0 - min(rate, 1.0)
    else:
        rate = model.of_block("rate_tie_decay") / 52.0
        on = rate > 0
        model.tie_scale[on] *= 1.0 - np.minimum(rate[on], 1.0)
    if (model.tie_scale[0] if model.n_blocks == 1 else model.tie_scale.min()) < 1e-6:
        tiny = model.tie_scale < 1e-6
        model.centers.ties[tiny] *= model.tie_scale[tiny][:, None, None]
        model.tie_scale[tiny] = 1.0
        model.ties_version += 1
