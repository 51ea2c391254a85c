"""Unit tests of single model rules."""

import numpy as np
import pytest

import bscsim
from bscsim.model.collaborative import session_weeks, update_beliefs
from bscsim.model.state import weekly_hazard
from bscsim.model.teams import p_share


def test_learning_sessions_spread_over_the_collaborative():
    p = bscsim.Params(weeks_collab=52, n_learning_sessions=4)
    assert session_weeks(p) == {0, 13, 26, 39}
    assert session_weeks(p.replace(n_learning_sessions=0)) == set()


def test_weekly_hazard_compounds_to_the_annual_rate():
    h = weekly_hazard(0.4)
    assert 1 - (1 - h) ** 52 == pytest.approx(0.4)


def test_belief_update_is_normal_normal():
    model = bscsim.BSCModel(bscsim.Params(n_centers=1), rng=0)
    s = model.staff
    s.belief_mu[0, 2], s.belief_tau[0, 2] = 0.2, 25.0
    d_tau = np.zeros((1, s.belief_mu.shape[1]))
    d_num = np.zeros_like(d_tau)
    d_tau[0, 2], d_num[0, 2] = 0.5 * 10, 0.5 * 10 * 0.6   # weight 0.5, tau_y 10, y 0.6
    update_beliefs(s, np.array([0]), d_tau, d_num)
    assert s.belief_tau[0, 2] == pytest.approx(25 + 0.5 * 10)
    assert s.belief_mu[0, 2] == pytest.approx((25 * 0.2 + 0.5 * 10 * 0.6) / 30)


@pytest.mark.parametrize("use_ties, same_role", [(False, False), (True, False), (False, True)])
def test_reading_the_board_equals_report_by_report_updating(use_ties, same_role):
    """The aggregated reading (per source center) gives what one would get by
    applying the belief rule report by report, with the documented weights, to the
    reports shared since the last event of the channel."""
    p = bscsim.Params(n_centers=5, similarity_cross_type=0.4, vicarious_weight_call=0.3)
    model = bscsim.BSCModel(p, rng=7)
    rng = np.random.default_rng(0)
    model.centers.ties[0] = rng.random((5, 5))      # (collaboratives, centers, centers)
    n_ideas = model.staff.belief_mu.shape[1]
    model.board.extend(rng.integers(5, size=40), rng.integers(n_ideas, size=40),
                       rng.normal(0.2, 0.3, 40), rng.uniform(5, 20, 40),
                       rng.integers(3, size=40))
    model.board_seen["call"] = 17   # the last call heard the first 17 reports
    staff = model.staff
    readers = np.flatnonzero(staff.present)
    mu, tau = staff.belief_mu.copy(), staff.belief_tau.copy()
    b = model.board.arrays()
    hs = model.centers.is_hs
    for r in readers:
        for j in range(17, len(model.board)):
            c, src = staff.center[r], b["center"][j]
            if c == src or (same_role and b["role"][j] != staff.role[r]):
                continue
            if b["idea"][j] >= model.package.n_package:
                continue            # another program's staff idea is not read
            w = 0.3 * (1.0 if hs[c] == hs[src] else 0.4)
            w *= model.centers.ties[0, c, src] if use_ties else 1.0
            i = b["idea"][j]
            mu[r, i] = (tau[r, i] * mu[r, i] + w * b["tau"][j] * b["y"][j]) / (tau[r, i] + w * b["tau"][j])
            tau[r, i] += w * b["tau"][j]
    from bscsim.model.collaborative import read_board
    read_board(model, readers, "vicarious_weight_call", "call", use_ties=use_ties,
               same_role=same_role)
    np.testing.assert_allclose(staff.belief_mu[readers], mu[readers], rtol=1e-10)
    np.testing.assert_allclose(staff.belief_tau[readers], tau[readers], rtol=1e-10)
    assert model.board_seen["call"] == len(model.board), "the window moves on"


def test_failures_are_shared_less_when_safety_is_low():
    p = bscsim.Params()
    low, high = p_share(p, np.array([0.2, 0.8]), np.array([False, False]))
    assert low < high
    assert p_share(p, np.array([0.2]), np.array([True]))[0] == p.p_share_success


def test_no_turnover_means_no_leavers_except_parents():
    p = bscsim.Params(turnover_cc=0.0, turnover_hs=0.0, turnover_director=0.0,
                      weeks_collab=40, weeks_followup=0)
    model = bscsim.BSCModel(p, rng=0).run()
    assert model.counts["leavers"] == 0


def test_zero_inflated_turnover_gives_some_centers_none():
    p = bscsim.Params(n_centers=400, turnover_zero_share=0.3)
    t = bscsim.BSCModel(p, rng=0).centers.turnover
    assert 0.25 < (t == 0).mean() < 0.35, "about the zero share has no turnover"
    cc = ~bscsim.BSCModel(p, rng=0).centers.is_hs
    assert t[cc].mean() == pytest.approx(p.turnover_cc, abs=0.05), "type mean is kept"


def test_newcomer_classroom_loses_its_gain():
    model = bscsim.BSCModel(bscsim.Params(n_centers=2), rng=0)
    rooms = model.rooms
    rooms.practice[0] = rooms.practice_base[0] + 0.2
    rooms.in_use[0, 1] = True
    from bscsim.model.workforce import newcomer_classrooms
    newcomer_classrooms(model, np.array([0]))
    kept = 1 - model.p.newcomer_practice_loss
    assert rooms.practice[0] == pytest.approx(rooms.practice_base[0] + kept * 0.2)
    assert not rooms.in_use[0].any()


def test_without_teams_nobody_runs_pdsas_or_meets():
    p = bscsim.Params(teams_on=False, weeks_collab=30, weeks_followup=0)
    model = bscsim.BSCModel(p, rng=1).run()
    assert model.counts["pdsa_started"].sum() == 0 and model.counts["meetings"].sum() == 0


def test_full_compliance_tests_in_the_faculty_order():
    p = bscsim.Params(inquiry_baseline=0.0, inquiry_sd=0.0, inquiry_on=False,
                      vicarious_on=False, n_learning_sessions=1, weeks_collab=12,
                      weeks_followup=0)
    r = bscsim.simulate(p, seed=4)
    log = r.pdsa_log
    assert len(log) > 0 and (log["mode"] == "comply").all()
    model = bscsim.BSCModel(p, rng=4)
    order = np.argsort(-model.research_evidence()[0], kind="stable")
    first = log.sort_values("week_start").groupby("classroom").head(1)
    assert (first["idea"] == order[0]).all(), \
        "without the faculty's reading of the board, a classroom's first test is the " \
        "idea with the best research evidence"
    rank = np.argsort(order)[log["idea"].to_numpy()]
    assert rank.max() < 4, \
        "then the next free ideas in the order of research evidence, whatever the driver"
    assert (log["decision"] == "adopt").all(), "compliance applies whatever the data say"


def test_challenging_behavior_follows_competence():
    model = bscsim.BSCModel(bscsim.Params(n_centers=3), rng=2)
    rooms = model.rooms
    before = rooms.cb_share.copy()
    rooms.practice[:] = 0.95  # far above baseline: competence grows
    for _ in range(10):
        model.step()
    assert rooms.competence.mean() > 0 and (rooms.cb_share.mean() < before.mean())


def test_spread_stays_within_a_center():
    p = bscsim.Params(n_centers=2, n_classrooms=6, p_spread=1.0)
    model = bscsim.BSCModel(p, rng=3)
    c0 = np.flatnonzero(model.rooms.center == 0)
    model.rooms.in_use[c0[:-1], 0] = True
    model.centers.capacity[:] = 1.0
    model.staff.psych_safety[:] = 1.0
    model.staff.leadership[:] = 1.0
    from bscsim.model.classrooms import spread
    for _ in range(30):
        spread(model)
    assert not model.rooms.in_use[model.rooms.center == 1, 0].any(), "no spread across centers"
    assert model.rooms.in_use[c0, 0].all(), "the last classroom of center 0 took it up"


def test_release_drops_mesa_reference():
    import mesa
    model = bscsim.BSCModel(bscsim.Params(n_centers=1), rng=0)
    model.release()
    ids = getattr(mesa.Agent, "_ids", {})
    assert model not in ids
