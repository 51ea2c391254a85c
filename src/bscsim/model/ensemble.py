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

What may differ between the collaboratives of a batch: every parameter but the
number of centers and the `SHARED` ones (the model's switches, the shapes of its
arrays, its calendar). Parameters read when a collaborative is set up (sizes,
program mix, baselines, the change package) or when its summary is taken are its
own; the weekly parameters of `WEEKLY_PER_BLOCK` are held one value per
collaborative where they differ (`BSCModel.at_posts` and the like). `batch_key`
says which runs can share a batch, and `simulate_many` groups runs by it.
"""

from __future__ import annotations

import numpy as np

# weekly parameters every collaborative of a batch shares: switches of the model's
# structure, the shapes of its arrays, and its calendar (read once for the run)
SHARED = ("psych_safety_on", "vicarious_on", "inquiry_on", "teams_on", "pdsa_support",
          "n_ideas_per_driver", "n_staff_ideas", "weeks_collab", "weeks_followup",
          "n_learning_sessions", "call_interval_weeks", "affinity_calls",
          "meeting_interval_weeks")

# weekly parameters that may differ within a batch, held one value per
# collaborative: every other parameter the weekly schedule reads (the list is
# checked against the model's reads in tests/test_ensemble.py)
WEEKLY_PER_BLOCK = (
    "planning_hours", "dur_vacancy_weeks", "hours_pdsa", "p_parent_ageout",
    "pressure_behavior", "pressure_vacancy", "coach_weeks_per_practice",
    "coaching_hours_week", "dur_coaching_weeks", "training_dose", "abandon_threshold",
    "adapt_sd", "adapt_shift", "adopt_threshold", "call_knowledge_gain", "coaching_gain",
    "dur_pdsa_weeks", "effect_classroom_sd", "effect_context_sd", "ls_knowledge_gain",
    "p_attend", "p_pdsa_max", "pdsa_after_factor", "pdsa_noise_sd", "prior_mean",
    "prior_sd", "qi_noise_reduction", "compliance_drive", "inquiry_gain_ls",
    "inquiry_gain_pdsa", "adopt_gain", "capacity_erosion", "capacity_growth",
    "capacity_sustain", "support_decay_factor", "cb_link", "child_growth", "knowledge_weight",
    "n_practices_attention", "n_practices_max", "newcomer_practice_loss", "p_spread",
    "rate_child_fade", "rate_implementation", "unsupported_uptake", "rate_practice_decay", "rate_routine_decay",
    "routine_gain", "routine_gain_metrics", "spread_fidelity", "training_transfer",
    "director_exit_safety_loss", "efficacy_gain", "failure_report_power",
    "leadership_baseline", "leadership_gain", "p_share_success", "p_staff_idea",
    "power_gap_penalty", "ps_gain", "ps_loss", "status_director", "status_gain",
    "team_weight", "voice_bias", "voice_slope", "call_tie_share", "rate_tie_decay",
    "similarity_cross_type", "table_size", "tie_gain", "vicarious_drive",
    "vicarious_weight_call", "vicarious_weight_ls", "faculty_hours_month",
    "faculty_qi_gain",
    # engagement (issue 26; model/engagement.py)
    "engage_start", "engage_start_sd", "rate_engage_settle", "engage_win",
    "engage_failure", "engage_director_loss", "engage_vacancy_loss", "engage_time_loss",
    "engage_contact_gain", "engage_peer_gain", "engage_noise_sd", "engage_full",
    "engage_leave_threshold", "dur_engage_low_weeks", "outreach_hours",
    "outreach_quiet_weeks", "stipend_hours", "engage_outreach_gain")


def batch_key(p) -> tuple:
    """Runs with equal keys can run in one batch: the same number of centers and
    the same `SHARED` parameters."""
    return (p.n_centers, *(getattr(p, k) for k in SHARED))


def check_batch(params: list) -> None:
    """Raise ValueError unless every collaborative of `params` can share a batch."""
    if not params:
        raise ValueError("BSCModel: an ensemble needs at least one collaborative")
    first = params[0]
    for j, p in enumerate(params[1:], 1):
        for k in ("n_centers", *SHARED):
            if getattr(p, k) != getattr(first, k):
                raise ValueError(f"BSCModel: collaborative {j} has {k} = "
                                 f"{getattr(p, k)!r}, the first {getattr(first, k)!r}; "
                                 f"the collaboratives of a batch share {k} "
                                 "(model/ensemble.py: SHARED)")


def column(value):
    """A per-row parameter as a column, to scale the rows of a (rows, k) table;
    a shared one as it is."""
    return value[:, None] if isinstance(value, np.ndarray) else value


def pick(value, rows):
    """`value[rows]` for a per-row parameter (`BSCModel.at_posts`), the value
    itself for a shared one."""
    return value[rows] if isinstance(value, np.ndarray) else value
