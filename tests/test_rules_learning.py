"""Unit tests of the decision and learning rules (issue 11): choice, study and act,
practices in use and de-adoption, sharing, voice and its content, staff ideas,
ties, two-level beliefs, the faculty's prescription, coaching, routines.

Each test sets up the state a rule reads, calls the rule, and checks what the
rule's docstring (and docs/odd.md) says it does; a wrong version of the rule
(sign flipped, choice inverted, input ignored) fails it."""

import numpy as np
import pytest

import bscsim
from bscsim.model.agents import DIRECTOR, TEACHER
from bscsim.model.beliefs import between_programs, here
from bscsim.model.draws import weekly_draws
from bscsim.model.framework import CONTEXT, NULL, STAFF, WORKS, change_package
from bscsim.model.network import decay_ties, meet_in_groups, tie_matrix
from bscsim.model.pdsa import ABANDON, ADAPT, ADOPT, choose_ideas, decide
from bscsim.model.practices import put_in_use, review, targets


def model_of(**changes):
    """A model at week 0 with every post filled (no turnover), so rules see a
    whole team."""
    changes = {"turnover_cc": 0.0, "turnover_hs": 0.0, **changes}
    return bscsim.BSCModel(bscsim.Params(**changes), rng=0)


def uniform_draws(model, **fixed):
    """Draws as choose_ideas reads them, with chosen values."""
    u = weekly_draws(np.random.default_rng(0), uniform={"comply": model.staff.n,
                                                        "tie": model.staff.n})
    for k, v in fixed.items():
        getattr(u, k)[:] = v
    return u


# ------------------------------------------------------------- the change package
def test_package_holds_ideas_of_each_kind_in_the_declared_proportions():
    p = bscsim.Params(n_ideas_per_driver=4, share_ideas_context=0.4, share_ideas_null=0.3)
    is_hs = np.array([True, False] * 10)
    package, effect = change_package(p, is_hs, np.random.default_rng(1))
    kinds = package.kind[:package.n_package]
    assert (kinds == CONTEXT).sum() == 8 and (kinds == NULL).sum() == 6
    assert (kinds == WORKS).sum() == 6 and (package.kind == STAFF).sum() == p.n_staff_ideas
    null = np.flatnonzero(kinds == NULL)
    assert abs(effect[:, null].mean() - p.idea_null_effect) < 0.05, "null ideas do not work"


def test_a_context_idea_works_in_one_program_type_only():
    p = bscsim.Params(share_ideas_context=1.0, share_ideas_null=0.0, effect_context_sd=0.0,
                      idea_effect_sd=0.0)
    is_hs = np.array([True, False])
    _, effect = change_package(p, is_hs, np.random.default_rng(2))
    n_pkg = bscsim.model.framework.n_package_ideas(p)
    works_hs = np.isclose(effect[0, :n_pkg], p.idea_effect_mean)
    works_cc = np.isclose(effect[1, :n_pkg], p.idea_effect_mean)
    assert (works_hs ^ works_cc).all(), "each context idea works in exactly one type"


# ------------------------------------------------------------------------ choice
def test_inquiry_tests_the_idea_it_believes_in_and_skips_ideas_in_use():
    model = model_of(n_centers=1)
    staff = model.staff
    post, room = 0, int(staff.classroom[0])
    staff.inquiry[post] = 1.0
    staff.belief_mu[post] = -0.5
    staff.belief_mu[post, [3, 7]] = 0.9
    staff.belief_tau[post] = 1e6
    model.rooms.in_use[room, 3] = True
    ideas, comply = choose_ideas(model, np.array([post]), np.array([room]),
                                 uniform_draws(model, comply=0.99))
    assert not comply[0] and ideas[0] == 7, "best believed idea not in use"


def test_inquiry_never_tests_an_idea_its_center_does_not_know():
    model = model_of(n_centers=1)
    staff = model.staff
    staff.inquiry[0] = 1.0
    staff.belief_mu[0] = -0.5
    staff.belief_mu[0, model.package.n_package] = 5.0     # an unknown staff idea
    staff.belief_tau[0] = 1e6
    ideas, _ = choose_ideas(model, np.array([0]), np.array([staff.classroom[0]]),
                            uniform_draws(model, comply=0.99))
    assert ideas[0] < model.package.n_package


def test_compliance_takes_the_first_free_idea_in_the_faculty_order():
    model = model_of(n_centers=1)
    staff = model.staff
    staff.inquiry[0] = 0.0
    room = int(staff.classroom[0])
    best, second = np.argsort(-model.research_evidence()[0])[:2]
    model.rooms.in_use[room, best] = True
    staff.belief_mu[0, 5] = 9.0                      # beliefs do not matter here
    ideas, comply = choose_ideas(model, np.array([0]), np.array([room]),
                                 uniform_draws(model, comply=0.5))
    assert comply[0] and ideas[0] == second, \
        "the free idea with the best research evidence, whatever its driver"


def test_the_faculty_order_starts_from_the_research_evidence_not_the_truth():
    model = model_of(n_centers=1, research_evidence_sd=0.5)
    order = bscsim.model.pdsa.prescribed_order(model)[0, 0]
    n_pkg = model.package.n_package
    truth = model.centers.effect[:, :n_pkg].mean(axis=0)
    evidence = model.research_evidence()[0]
    assert np.all(np.diff(evidence[order]) <= 0), "best research evidence first"
    assert not np.all(np.diff(truth[order]) <= 0), "not in the order of the true effects"


def test_research_evidence_is_the_true_mean_effect_with_its_declared_error():
    p = bscsim.Params(n_ideas_per_driver=10, share_ideas_context=0.0, share_ideas_null=0.0,
                      effect_context_sd=0.0, research_evidence_sd=0.2)
    is_hs = np.array([True, False])
    miss = []
    for seed in range(8):
        package, effect = change_package(p, is_hs, np.random.default_rng(seed))
        n_pkg = package.n_package
        miss.append(package.evidence[:n_pkg] - effect[0, :n_pkg])
    sd = np.std(np.concatenate(miss))
    assert 0.17 < sd < 0.23, f"error SD near the declared 0.2 (400 ideas), got {sd:.3f}"
    package, effect = change_package(p.replace(research_evidence_sd=0.0), is_hs,
                                     np.random.default_rng(0))
    assert np.allclose(package.evidence[:package.n_package],
                       effect[0, :package.n_package]), "no error: the true mean"


def test_inquiry_breaks_a_tie_at_random_from_her_own_draw():
    model = model_of(n_centers=1)
    staff = model.staff
    staff.inquiry[0] = 1.0
    room = int(staff.classroom[0])
    staff.belief_mu[0] = -0.5
    staff.belief_mu[0, [4, 9, 17]] = 0.9               # three ideas believed in equally
    staff.belief_tau[0] = 1e6
    picks = {int(choose_ideas(model, np.array([0]), np.array([room]),
                              uniform_draws(model, comply=0.99, tie=t))[0][0])
             for t in (0.0, 0.34, 0.67, 0.999)}
    assert picks == {4, 9, 17}, f"each of the tied ideas by her draw, got {picks}"


def test_the_faculty_prescribe_ideas_the_board_shows_work_first():
    model = model_of(n_centers=1)
    t = int(model.centers.is_hs[0])
    worst = int(np.argmin(model.research_evidence()[0]))
    model.faculty_score[0, t, worst] = model.faculty_score[0, t].max() + 0.2   # proven
    model.faculty_version += 1
    staff = model.staff
    staff.inquiry[0] = 0.0
    ideas, _ = choose_ideas(model, np.array([0]), np.array([staff.classroom[0]]),
                            uniform_draws(model, comply=0.5))
    assert ideas[0] == worst, "an idea the board shows works goes first"


# ------------------------------------------------------------------ study and act
def test_inquiry_acts_on_the_evidence_and_compliance_adopts_regardless():
    p = bscsim.Params(adopt_threshold=0.1, abandon_threshold=0.0)
    belief = np.array([0.3, 0.05, -0.2, -0.2])
    comply = np.array([False, False, False, True])
    assert decide(p, belief, comply).tolist() == [ADOPT, ADAPT, ABANDON, ADOPT]


def test_own_data_count_by_the_inquiry_mindset():
    model = model_of(n_centers=1)
    staff = model.staff
    before = here(staff, np.array([0, 1]), between_programs(model.p))[0][:, 4].copy()
    staff.inquiry[[0, 1]] = [1.0, 0.0]
    from bscsim.model.beliefs import add_own_data
    add_own_data(staff, np.array([0, 1]), np.array([4, 4]), np.array([-0.8, -0.8]),
                 np.array([50.0, 50.0]))
    after = here(staff, np.array([0, 1]), between_programs(model.p))[0][:, 4]
    assert after[0] < before[0] - 0.3, "an inquiry mindset reads its own data"
    assert after[1] == pytest.approx(before[1]), "compliance does not"


def test_what_others_report_cannot_tell_more_than_the_spread_between_classrooms():
    model = model_of(n_centers=1)
    staff, v = model.staff, between_programs(model.p)
    staff.belief_tau[0] = 1e9                         # others have said everything
    _, tau = here(staff, np.array([0]), v)
    assert tau[0].max() == pytest.approx(1.0 / v, rel=1e-6)


# --------------------------------------------------------- practices in use, cost
def test_a_full_classroom_drops_the_practice_believed_least():
    model = model_of(n_centers=1, n_practices_max=2)
    staff, rooms = model.staff, model.rooms
    room = int(staff.classroom[0])
    put_in_use(model, np.array([room, room]), np.array([0, 4]), np.ones(2), np.array([0, 0]))
    staff.belief_mu[0, 0], staff.belief_mu[0, 4] = 0.3, -0.3
    staff.belief_tau[0] = 1e6
    put_in_use(model, np.array([room]), np.array([8]), np.ones(1), np.array([0]))
    assert rooms.in_use[room, [0, 8]].all() and not rooms.in_use[room, 4]


def test_an_idea_already_in_use_is_not_put_in_use_again():
    model = model_of(n_centers=1)
    room = int(model.staff.classroom[0])
    first = put_in_use(model, np.array([room]), np.array([1]), np.ones(1), np.array([0]))
    again = put_in_use(model, np.array([room]), np.array([1]), np.ones(1), np.array([0]))
    assert first[0] and not again[0]


def test_practice_follows_the_ideas_in_use_and_a_harmful_one_pulls_it_down():
    model = model_of(n_centers=1, n_practices_attention=5)
    room = int(model.staff.classroom[0])
    model.centers.effect[0, 0] = 0.3
    model.rooms.fit[room, 0] = 0.0
    model.effect_changed()
    base = model.rooms.practice_base[room, 0]
    put_in_use(model, np.array([room]), np.array([0]), np.ones(1), np.array([0]))
    assert targets(model)[room, 0] > base
    model.centers.effect[0, 0] = -0.3
    model.effect_changed()
    assert targets(model)[room, 0] < base


def test_practices_beyond_attention_dilute_the_ones_that_work():
    model = model_of(n_centers=1, n_practices_attention=1, n_practices_max=3)
    room = int(model.staff.classroom[0])
    model.centers.effect[0, :] = 0.0
    model.centers.effect[0, 0] = 0.3
    model.rooms.fit[room] = 0.0
    model.effect_changed()
    put_in_use(model, np.array([room]), np.array([0]), np.ones(1), np.array([0]))
    alone = targets(model)[room, 0]
    put_in_use(model, np.array([room]), np.array([4]), np.ones(1), np.array([0]))
    assert targets(model)[room, 0] < alone, "a second practice halves the attention"


def test_a_driver_5_idea_counts_once_per_center():
    model = model_of(n_centers=1, n_classrooms=4)
    rooms = np.flatnonzero(model.rooms.center == 0)
    org = model.p.n_ideas_per_driver * 4                       # first idea of driver 5
    new = put_in_use(model, rooms, np.full(len(rooms), org), np.ones(len(rooms)),
                     np.zeros(len(rooms), dtype=int))
    assert new.sum() == 1 and model.centers.org_in_use[0, org]
    assert not model.rooms.in_use[:, org].any()


def test_review_drops_only_the_practices_the_teacher_doubts():
    model = model_of(n_centers=1)
    staff = model.staff
    t = 0
    room = int(staff.classroom[t])
    put_in_use(model, np.array([room, room]), np.array([0, 4]), np.ones(2), np.array([t, t]))
    staff.belief_mu[t, 0], staff.belief_mu[t, 4] = -0.5, 0.5
    staff.belief_tau[t] = 1e6
    review(model, np.array([t]))
    assert not model.rooms.in_use[room, 0] and model.rooms.in_use[room, 4]


# ------------------------------------------------------------- sharing and voice
def test_only_the_person_who_ran_a_test_can_share_it():
    model = model_of(n_centers=1, failure_report_power=0.0)
    staff = model.staff
    runner = int(np.flatnonzero(staff.present & (staff.role == TEACHER))[0])
    model.pending[0] = [0, runner, staff.person[runner] + 1, 2, -0.3, 10.0, 0.0, 0.0]
    model.log.extend(**{c: np.zeros(1, dtype=int) for c in model.log.COLUMNS
                        if c not in model.log.FLAGS})
    from bscsim.model.teams import share_results
    heard = share_results(model, np.array([0]))
    assert len(heard[0]) == 0, "her successor in the post cannot share her result"
    model.pending[0] = [0, runner, staff.person[runner], 2, -0.3, 10.0, 0.0, 0.0]
    heard = share_results(model, np.array([0]))
    assert len(heard[0]) == 1


def test_what_a_speaker_says_moves_her_teammates_beliefs():
    model = model_of(n_centers=1)
    staff = model.staff
    members = model.present_now()
    speaker, listener = members[0], members[1]
    before = staff.belief_mu[listener, 3]
    from bscsim.model.teams import hear_in_team
    hear_in_team(model, members, np.array([speaker]), np.array([0]), np.array([3]),
                 np.array([-0.6]), np.array([25.0]))
    assert staff.belief_mu[listener, 3] < before
    assert staff.belief_mu[speaker, 3] == pytest.approx(before), "her own report is her own data"


def test_a_supportive_response_raises_the_speakers_safety():
    model = model_of(n_centers=1, voice_bias=5.0, leadership_baseline=1.0, person_sd=0.0,
                     power_gap_penalty=0.0)
    staff = model.staff
    members = model.present_now()
    before = staff.psych_safety[members].copy()
    from bscsim.model.teams import voice
    n = staff.n
    u = weekly_draws(np.random.default_rng(0), uniform={"speak": n, "support": n})
    u.speak[:], u.support[:] = 0.0, 0.0
    speakers = voice(model, members, u)
    assert set(speakers) == set(members)
    assert (staff.psych_safety[members] > before).all()


def test_staff_bring_ideas_only_when_they_speak_with_efficacy():
    from bscsim.model.teams import bring_ideas
    model = model_of(n_centers=1, p_staff_idea=1.0)
    staff = model.staff
    members = model.present_now()
    u = weekly_draws(np.random.default_rng(0), uniform={"idea": staff.n})
    u.idea[:] = 0.5
    staff.efficacy[members] = 0.0
    bring_ideas(model, members, u)
    assert not model.centers.known[0, model.package.n_package:].any()
    staff.efficacy[members] = 1.0
    bring_ideas(model, members[:1], u)
    assert model.centers.known[0, model.package.n_package:].sum() == 1


# ------------------------------------------------------------------------ network
def test_ties_form_only_between_centers_that_share_a_table():
    model = model_of(n_centers=12, table_size=3)
    meet_in_groups(model, np.arange(12), 0.5)
    ties = tie_matrix(model)[0]                 # the one collaborative's
    assert ((ties > 0).sum(axis=1) == 2).all(), "each center meets its 2 table mates"
    assert np.allclose(ties, ties.T) and (np.diag(ties) == 0).all()
    assert ties.std() > 0, "pairs differ"


def test_ties_decay_without_contact():
    model = model_of(n_centers=4, table_size=4)
    meet_in_groups(model, np.arange(4), 0.5)
    before = tie_matrix(model)[0].copy()
    for _ in range(52):
        decay_ties(model)
    after = tie_matrix(model)[0]
    rate = model.p.rate_tie_decay / 52
    np.testing.assert_allclose(after, before * (1 - rate) ** 52)


# ----------------------------------------------------------- coaching, routines
def test_a_newcomer_is_not_coached():
    p = bscsim.Params(n_centers=2, coaching_hours_week=1.0, teams_on=False,
                      pdsa_support=False, weeks_collab=20, weeks_followup=0)
    model = bscsim.BSCModel(p, rng=0)
    room = int(np.flatnonzero(model.rooms.participating & model.room_filled)[0])
    model.staff.person[room] += 1000                 # another teacher holds the post
    for _ in range(8):
        model.step()
    assert not model.rooms.in_use[room].any(), "the coach works with the teacher she started with"
    others = model.rooms.participating & model.room_filled
    others[room] = False
    assert model.rooms.in_use[others].any(axis=1).all()


def test_routines_leave_with_the_people_who_hold_them():
    model = model_of(n_centers=1)
    staff = model.staff
    staff.routine[:] = 1.0
    post = int(np.flatnonzero(staff.present & (staff.role == DIRECTOR))[0])
    from bscsim.model.state import newcomers
    newcomers(model.p, staff, np.array([post]), np.random.default_rng(0))
    assert staff.routine[post] == 0.0


def test_a_classroom_with_only_a_staff_idea_in_use_gets_its_target():
    model = model_of(n_centers=1)
    room, staff_idea = 0, model.package.n_package            # the first staff slot
    model.rooms.in_use[room, staff_idea] = True
    model.rooms.fidelity[room, staff_idea] = 1.0
    model.sustained = None
    target = targets(model)
    assert np.isfinite(target).all(), "a staff idea alone in use sustains a practice"


# ------------------------------------------- the change package taught (issue 22)
def test_a_member_taught_the_package_believes_the_research_evidence_once():
    from bscsim.model.collaborative import teach_package
    model = model_of(n_centers=1, research_evidence_sd=0.3)
    staff, n_pkg = model.staff, model.package.n_package
    people = np.flatnonzero(staff.present)[:3]
    before_staff_ideas = staff.belief_mu[people, n_pkg:].copy()
    teach_package(model, people)
    evidence = model.research_evidence()[0]
    assert np.allclose(staff.belief_mu[people, :n_pkg], evidence), \
        "taught before any report: her belief about each package idea is its research evidence"
    assert np.array_equal(staff.belief_mu[people, n_pkg:], before_staff_ideas), \
        "beliefs about staff ideas keep the staff prior"
    teach_package(model, people)
    assert np.allclose(staff.belief_mu[people, :n_pkg], evidence), \
        "taught a second time (a later session): nothing changes"


def test_teaching_the_package_keeps_what_others_reported():
    from bscsim.model.collaborative import teach_package
    model = model_of(n_centers=1)
    staff, n_pkg, p = model.staff, model.package.n_package, model.p
    who = np.flatnonzero(staff.present)[:1]
    tau0 = 1.0 / p.prior_sd ** 2
    # one report of 0.5 with precision tau0 on every package idea, before the session
    n = staff.belief_mu.shape[1]
    d_tau = np.where(np.arange(n) < n_pkg, tau0, 0.0)[None]
    bscsim.model.beliefs.update_beliefs(staff, who, d_tau, d_tau * 0.5)
    teach_package(model, who)
    expected = (model.research_evidence()[0] + 0.5) / 2
    assert np.allclose(staff.belief_mu[who, :n_pkg], expected), \
        "the research evidence replaces the package's promise; the report's weight stays"


def test_a_newcomer_has_not_been_taught_the_package():
    from bscsim.model.collaborative import teach_package
    from bscsim.model.state import newcomers
    model = model_of(n_centers=1)
    staff = model.staff
    who = np.flatnonzero(staff.present)[:2]
    teach_package(model, who)
    newcomers(model.p, staff, who[:1], np.random.default_rng(0))
    assert not staff.taught[who[0]] and staff.taught[who[1]], "a newcomer is taught anew"
    assert np.allclose(staff.belief_mu[who[0]], model.p.prior_mean), \
        "a newcomer starts at what the package promises"
