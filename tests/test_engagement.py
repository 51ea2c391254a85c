"""Engagement and leaving the collaborative (issue 26; model/engagement.py).

Mechanism checks run paired seeds (the same seeds in both arms: common random
numbers) on the ensemble engine and ask for a difference of at least 3 standard
errors of the paired differences. Each check keeps a mutant of the rule it checks
(sign flipped, input ignored, choice inverted) and asserts that the check fails
on it.
"""

from __future__ import annotations

import numpy as np
import pytest

from bscsim import BSCModel
from bscsim.params import make_params
from bscsim.model import collaborative, engagement as eng
from bscsim.model.engagement import TERMS
from bscsim.study import analyse, load_study, simulate_study

MARGIN_SE = 3.0


def run(n: int, **changes) -> BSCModel:
    """n collaboratives (seeds 0..n-1) over the collaborative's year, no follow-up."""
    p = make_params().replace(weeks_followup=0, **changes)
    return BSCModel([p] * n, list(range(n))).run()


def per_collab(model: BSCModel, values: np.ndarray) -> np.ndarray:
    return values.reshape(model.n_blocks, -1).sum(axis=1)


def paired_gap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of the paired differences a - b, and its standard error."""
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


# ------------------------------------------------------------ mutants
def term_mutant(monkeypatch, term: str, factor: float) -> None:
    """cause_terms with one term multiplied by `factor` (-1: sign flipped, 0:
    input ignored)."""
    original = eng.cause_terms
    j = TERMS.index(term)

    def mutant(model):
        t = original(model)
        t[:, j] *= factor
        return t
    monkeypatch.setattr(eng, "cause_terms", mutant)


def outreach_sign_flipped(monkeypatch) -> None:
    original = eng.outreach
    monkeypatch.setattr(eng, "outreach", lambda model: -original(model))


def departures_ignore_duration(monkeypatch) -> None:
    """A team leaves the first week it is below the threshold."""
    original = eng.engagement

    def mutant(model):
        model.engage.low_weeks = np.maximum(model.engage.low_weeks,
                                            model.at_centers().dur_engage_low_weeks - 1)
        original(model)
    monkeypatch.setattr(eng, "engagement", mutant)
    import bscsim.model.model as mm
    monkeypatch.setattr(mm, "engagement", mutant)


def attendance_ignores_engagement(monkeypatch) -> None:
    monkeypatch.setattr(collaborative, "take_part",
                        lambda model: np.ones(model.centers.n))


# ------------------------------------------------------------- checks
def check_failures_lower_engagement(n: int = 30) -> tuple[float, float]:
    """Engagement at the end of the collaborative, with failures counting
    (default) minus without (engage_failure = 0): (gap, SE); should be < 0."""
    a, b = run(n), run(n, engage_failure=0.0)
    return paired_gap(per_collab(a, a.engage.level), per_collab(b, b.engage.level))


def check_director_turnover_more_departures(n: int = 60) -> tuple[float, float]:
    """Teams that left at director turnover 0.6 a year minus at 0.15: (gap, SE)."""
    a, b = run(n, turnover_director=0.6), run(n, turnover_director=0.15)
    return paired_gap(per_collab(a, a.engage.left), per_collab(b, b.engage.left))


def check_outreach_fewer_departures(n: int = 100) -> tuple[float, float]:
    """Teams that left without outreach minus with 2 hours: (gap, SE)."""
    a, b = run(n), run(n, outreach_hours=2.0)
    return paired_gap(per_collab(a, a.engage.left), per_collab(b, b.engage.left))


def passes(gap_se: tuple[float, float], sign: float) -> bool:
    gap, se = gap_se
    return sign * gap > MARGIN_SE * se


@pytest.mark.slow
def test_failures_of_the_teams_own_tests_lower_engagement():
    gap, se = check_failures_lower_engagement()
    assert -gap > MARGIN_SE * se, (f"failures should lower engagement by over {MARGIN_SE} "
                                   f"SE: gap {gap:+.4f}, SE {se:.4f}")


@pytest.mark.slow
def test_the_failure_check_catches_a_flipped_sign(monkeypatch):
    term_mutant(monkeypatch, "failures", -1.0)
    assert not passes(check_failures_lower_engagement(), -1.0), \
        "with failures raising engagement the check must fail"


@pytest.mark.slow
def test_director_turnover_makes_more_teams_leave():
    gap, se = check_director_turnover_more_departures()
    assert gap > MARGIN_SE * se, (f"more director turnover should make more teams leave: "
                                  f"gap {gap:+.3f} teams, SE {se:.3f}")


@pytest.mark.slow
def test_the_director_check_catches_a_rule_that_ignores_the_vacancy(monkeypatch):
    term_mutant(monkeypatch, "director", 0.0)
    assert not passes(check_director_turnover_more_departures(), 1.0), \
        "with the director's vacancy ignored the check must fail"


@pytest.mark.slow
def test_outreach_to_quiet_teams_keeps_more_of_them():
    gap, se = check_outreach_fewer_departures()
    assert gap > MARGIN_SE * se, (f"outreach should make fewer teams leave: gap "
                                  f"{gap:+.3f} teams, SE {se:.3f}")


@pytest.mark.slow
def test_the_outreach_check_catches_a_flipped_sign(monkeypatch):
    outreach_sign_flipped(monkeypatch)
    assert not passes(check_outreach_fewer_departures(), 1.0), \
        "with outreach lowering engagement the check must fail"


# ------------------------------------------------------ rules, directly
def left_too_soon(model: BSCModel) -> list[int]:
    """Centers that left before `dur_engage_low_weeks` weeks in a row below the
    threshold (read from the weekly per-center engagement)."""
    p, e = model.p, model.engage
    level = model.by_center["engagement"]
    bad = []
    for c in np.flatnonzero(e.left):
        w = int(e.week_left[c])
        run_weeks = level[w - p.dur_engage_low_weeks + 1:w + 1, c]
        if w + 1 < p.dur_engage_low_weeks or not (run_weeks < p.engage_leave_threshold).all():
            bad.append(int(c))
    return bad


def test_a_team_leaves_only_after_its_weeks_below_the_threshold():
    m = BSCModel(make_params().replace(weeks_followup=0, engage_start=0.45), rng=3).run()
    assert m.engage.left.any(), "the check needs some team to leave"
    assert left_too_soon(m) == [], "a team left before its weeks below the threshold"


def test_the_leaving_check_catches_a_rule_that_ignores_the_weeks(monkeypatch):
    departures_ignore_duration(monkeypatch)
    m = BSCModel(make_params().replace(weeks_followup=0, engage_start=0.45), rng=3).run()
    assert left_too_soon(m) != [], "leaving at the first low week must be caught"


def test_a_team_that_left_attends_tests_and_reports_no_more():
    m = BSCModel(make_params().replace(weeks_followup=0, engage_start=0.45), rng=3)
    counts_at_leaving = {}
    while m.running:
        m.step()
        for c in np.flatnonzero(m.engage.left):
            counts_at_leaving.setdefault(int(c), {k: int(m.counts[k][c]) for k in (
                "ls_attended", "calls_attended", "pdsa_started", "metrics_reported")})
    assert counts_at_leaving, "the check needs some team to leave"
    for c, before in counts_at_leaving.items():
        after = {k: int(m.counts[k][c]) for k in before}
        assert after == before, (f"center {c} kept taking part after it left: "
                                 f"{before} -> {after}")


@pytest.mark.slow
def test_low_engagement_lowers_attendance():
    low = dict(engage_start=0.2, engage_start_sd=0.0, engage_leave_threshold=0.0)
    a, b = run(10), run(10, **low)
    gap, se = paired_gap(a.counts["ls_attendance"], b.counts["ls_attendance"])
    assert gap > MARGIN_SE * se, (f"teams at engagement 0.2 should attend less: gap "
                                  f"{gap:+.1f}, SE {se:.2f}")


@pytest.mark.slow
def test_the_attendance_check_catches_attendance_that_ignores_engagement(monkeypatch):
    attendance_ignores_engagement(monkeypatch)
    low = dict(engage_start=0.2, engage_start_sd=0.0, engage_leave_threshold=0.0)
    a, b = run(10), run(10, **low)
    gap, se = paired_gap(a.counts["ls_attendance"], b.counts["ls_attendance"])
    assert not gap > MARGIN_SE * se, "attendance blind to engagement must be caught"


def test_the_departure_drivers_add_up_to_the_change_of_engagement():
    m = BSCModel(make_params().replace(weeks_followup=0, engage_start=0.45,
                                       engage_noise_sd=0.0), rng=3).run()
    e = m.engage
    gone = np.flatnonzero(e.left)
    assert len(gone), "the check needs some team to leave"
    level = m.by_center["engagement"]
    for c in gone:
        w = int(e.week_left[c])
        # no clipping at 0 or 1 on the way: the terms sum to the change
        if (level[:w + 1, c] > 0).all() and (level[:w + 1, c] < 1).all():
            assert np.isclose(e.start[c] + e.left_terms[c].sum(), level[w, c]), (
                f"center {c}: the drivers at leaving must sum to its change of engagement")


def test_engagement_stays_within_0_and_1():
    m = run(5, engage_noise_sd=0.3)
    level = m.by_center["engagement"]
    assert np.nanmin(level) >= 0.0 and np.nanmax(level) <= 1.0, \
        "engagement is a share: it must stay within [0, 1]"


# -------------------------------------------------------------- study
def study_with(missing: str) -> dict:
    return {"config": "ccl_phase1.toml", "seed": 5,
            "model": {"engage_start": 0.45},
            "design": {"n_centers": 8, "missing": missing},
            "instruments": {"safety": {"kind": "survey", "measures": "psych_safety",
                                       "respondents": ["participants"],
                                       "waves": [4, 48], "response_rate": 1.0,
                                       "reliability": 0.8}}}


def left_centers_unmeasured(data) -> bool:
    """At the later wave, no unit of a center that had left is scored (and some
    such unit was asked)."""
    frame = data.frames["safety"]
    gone = (frame["wave"] == 2) & data.left[frame["center"]]
    return bool(gone.any()) and bool(np.isnan(frame["score"][gone]).all())


def test_completers_only_leaves_out_centers_that_left():
    data = simulate_study(load_study(study_with("completers")))
    assert data.centers_left > 0, "the check needs some center to leave"
    assert left_centers_unmeasured(data), \
        "a center that left must not be measured at the later wave"
    frame = data.frames["safety"]
    assert (frame["status"][frame["center_left"]] == "center_left").all()
    a = analyse(data)
    assert (a["bias_attrition"].abs() > 0).any(), \
        "with centers gone the completers-only estimate should differ from all"


def test_measuring_everyone_has_no_attrition_bias():
    a = analyse(simulate_study(load_study(study_with("everyone"))))
    assert np.allclose(a["bias_attrition"].fillna(0.0), 0.0), \
        "measuring every center the attrition part of the bias must be 0"


def test_the_attrition_check_catches_a_rule_that_ignores_leaving(monkeypatch):
    import bscsim.study.measure as measure
    monkeypatch.setattr(measure, "attrition", lambda frame, obs, design: {
        **frame, "center_left": np.zeros(len(frame["center"]), dtype=bool)})
    data = simulate_study(load_study(study_with("completers")))
    assert data.centers_left > 0, "the check needs some center to leave"
    assert not left_centers_unmeasured(data), \
        "a study that measures centers that left must be caught"
