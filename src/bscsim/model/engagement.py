"""Model: how much each center's team takes part in the collaborative, and teams
that leave it (issue 26; ODD section 7, submodel `engagement`).

Engagement is a state of each center's team, 0 (gone quiet) to 1 (fully in).
It starts near `engage_start` (between-center spread `engage_start_sd`) and, each
week of the collaborative, moves by named cause terms (`TERMS`):

    wins       + engage_win x the team's own tests adopted this week
    failures   - engage_failure x the team's own tests abandoned this week
    director   - engage_director_loss while the center's director post is vacant
    vacancy    - engage_vacancy_loss x the share of lead-teacher posts vacant
    time       - engage_time_loss x (1 - the team's free-time share for the work,
                 pdsa.free_time, which a stipend raises)
    faculty    + engage_contact_gain x the monthly consultation's hours, and
                 + engage_outreach_gain x outreach hours to a quiet team
    peers      + engage_peer_gain x the other teams' tests adopted this week, per team
    settle     rate_engage_settle x (the team's starting level - engagement)
    noise      engage_noise_sd x a standard normal (what else happens in a center)

Engagement sets how a team takes part (`take_part`): the share
min(1, engagement / engage_full) multiplies its members' chance to attend
learning sessions and calls (collaborative.attendees), its chance to report
results to the board (teams.share_results) and metrics (organization), and its
rate of tests (pdsa.start_cycles). A team at engage_full or above takes part as
it did before this submodel existed.

A team whose engagement stays below `engage_leave_threshold` for
`dur_engage_low_weeks` weeks in a row leaves: it takes part no more (share 0), and
its practices follow the sustainment rules (practices.supported is False for it).
The drivers at the time are kept: each term's sum from week 0 to the week it
left (`left_terms`).

Policy levers: faculty `outreach_hours` a month to each team that has sent no
metrics report for `outreach_quiet_weeks` (what the faculty can see; they never
read engagement itself); `stipend_hours` paid hours a week for the work (pdsa.free_time).

Sources: CCL feasibility study (8 centers recruited, 7 in the final reporting;
evidence 1.6); dropout of 2 of 13 teams (FQHC LC) and 5 of 15 sites (Improving
Clinical Flow BSC, evidence 3.8); early wins motivate and faculty support keeps
teams going (Nembhard 2009; Øvretveit et al. 2002); leadership and staff
turnover and lack of time as determinants (Hulscher et al. 2013; Schouten et al.
2008). Sizes of the terms: assumption (docs/evidence.md, issue 26).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .draws import spec

TERMS = ("wins", "failures", "director", "vacancy", "time", "faculty", "peers",
         "settle", "noise")
START = spec(normal={"start": "centers"})      # drawn once, at the start
SHOCK = spec(normal={"shock": "centers"})      # drawn every week of the collaborative


def init_engagement(model) -> None:
    """Each team's starting engagement, engage_start + engage_start_sd x a normal,
    within [0, 1], from the run's own `engage` stream (so every other draw of the
    run is what it was without this submodel)."""
    n = model.centers.n
    z = model.weekly_draws("engage", START).start
    q = model.at_centers()
    start = np.clip(q.engage_start + q.engage_start_sd * z, 0.0, 1.0)
    model.engage = SimpleNamespace(
        level=start.copy(), start=start, low_weeks=np.zeros(n, dtype=np.int64),
        left=np.zeros(n, dtype=bool), week_left=np.full(n, np.nan),
        terms=np.zeros((n, len(TERMS))), left_terms=np.full((n, len(TERMS)), np.nan),
        seen=np.zeros((2, n), dtype=np.int64), outreach=np.zeros(n, dtype=np.int64),
        share=take_part_share(model, start, np.zeros(n, dtype=bool)))


def take_part_share(model, level: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Per center: the share of its usual taking part a team keeps,
    min(1, engagement / engage_full); 0 once it has left."""
    full = model.at_centers().engage_full
    share = np.minimum(level / np.maximum(full, 1e-9), 1.0)
    return np.where(left, 0.0, share)


def take_part(model) -> np.ndarray:
    """Per center: this week's share of taking part (see `take_part_share`); the
    hooks in collaborative, teams, organization and pdsa multiply by it."""
    return model.engage.share


def in_collaborative(model) -> np.ndarray:
    """Per center: the team has not left the collaborative."""
    return ~model.engage.left


def engagement(model) -> None:
    """Submodel `engagement`: this week's cause terms move each team's engagement
    (module docstring), then teams low for too long leave. Runs in the weeks of
    the collaborative with teams; afterwards engagement stays where it is."""
    ev, p = model.events, model.p
    if not (ev.collab and p.teams_on):
        return
    e = model.engage
    terms = cause_terms(model)
    stay = ~e.left
    model.tally("center_weeks_in", stay.nonzero()[0], model.center_block)
    terms[~stay] = 0.0
    e.terms += terms
    e.level = np.where(stay, np.clip(e.level + terms.sum(axis=1), 0.0, 1.0), e.level)
    q = model.at_centers()
    low = stay & (e.level < q.engage_leave_threshold)
    e.low_weeks = np.where(low, e.low_weeks + 1, 0)
    leaving = low & (e.low_weeks >= q.dur_engage_low_weeks)
    if np.count_nonzero(leaving):
        leave(model, leaving.nonzero()[0])
    e.share = take_part_share(model, e.level, e.left)


def leave(model, centers: np.ndarray) -> None:
    """`centers` leave the collaborative this week: they keep their drivers (each
    term's sum to now) and stop taking part (share 0)."""
    e = model.engage
    e.left[centers] = True
    e.week_left[centers] = model.week
    e.left_terms[centers] = e.terms[centers]


def cause_terms(model) -> np.ndarray:
    """(centers, TERMS): this week's change of engagement from each cause."""
    from .pdsa import free_time      # pdsa imports this module's hook

    staff, centers, e = model.staff, model.centers, model.engage
    n = centers.n
    q = model.at_centers()
    counts = model.counts
    now = np.stack([counts["pdsa_adopted"], counts["pdsa_abandoned"]])
    wins, fails = (now - e.seen).astype(float)
    e.seen = now.copy()
    # the director post of each center (one per center, state.init_staff)
    director_vacant = np.zeros(n)
    dp = model.director_posts
    director_vacant[staff.center[dp]] = ~staff.filled[dp]
    who, c, _ = model.team_now()
    time = (np.bincount(c, weights=free_time(model, who, c), minlength=n)
            / np.maximum(np.bincount(c, minlength=n), 1))
    contact = np.zeros(n)
    if model.events.metrics_due:
        contact = (q.engage_contact_gain * q.faculty_hours_month
                   + q.engage_outreach_gain * outreach(model))
    # the other teams' wins this week, per team, within each collaborative
    m = model.block_size
    block_wins = wins.reshape(model.n_blocks, m).sum(axis=1)[model.center_block]
    peers = (block_wins - wins) / max(m - 1, 1)
    shock = model.weekly_draws("engage", SHOCK).shock
    return np.column_stack([
        q.engage_win * wins,
        -q.engage_failure * fails,
        -q.engage_director_loss * director_vacant,
        -q.engage_vacancy_loss * model.vacant_share(),
        -q.engage_time_loss * (1.0 - time),
        contact,
        q.engage_peer_gain * peers,
        q.rate_engage_settle * (e.start - e.level),
        q.engage_noise_sd * shock,
    ])


def outreach(model) -> np.ndarray:
    """Per center: the faculty's outreach hours this month. A team that has sent
    no metrics report for `outreach_quiet_weeks` (what the faculty see) and has
    not left gets `outreach_hours` of contact; counted for the cost."""
    q = model.at_centers()
    last = np.maximum(model.centers.last_metrics, 0.0)     # week 0 counts as heard from
    quiet = ((model.week - last >= q.outreach_quiet_weeks)
             & ~model.engage.left & (q.outreach_hours > 0))
    model.engage.outreach += quiet
    model.tally("outreach_contacts", quiet.nonzero()[0], model.center_block)
    return np.where(quiet, q.outreach_hours, 0.0)


__all__ = ["engagement", "init_engagement", "take_part", "in_collaborative", "TERMS"]
