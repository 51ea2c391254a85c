"""Mechanism checks (bscsim.mechanisms): every arrow of the theory the model claims
holds on the default config with margin (the lower end of its 95% interval at least
MARGIN_SE standard errors above its bound at the default seeds), the learning
mechanisms at matched PDSA volume; and deliberately wrong rules (mutants) are
caught: a check that no mutant can fail is not a check.

Mutants run in this process (no worker pool) so that the patched rule is the one
the runs use; they are run over the same paired seeds as the correct model. A fast
subset (the causal chain and Study-and-Act, FAST_SEEDS seeds) runs in the fast
suite with its mutants; the whole table at the default seeds is slow."""

import numpy as np
import pytest
from scipy.special import ndtr

import bscsim
import bscsim.model.collaborative as collaborative
import bscsim.model.model as model_module
import bscsim.model.pdsa as pdsa
import bscsim.model.teams as teams
from bscsim.mechanisms import (CHECKS, MARGIN_SE, REPLICATES, check_mechanisms, format_table,
                               margin_se, start_rate_share)
from bscsim.model.beliefs import between_programs, here
from bscsim.model.practices import changed, drop
from bscsim.parallel import spawn_pool

SEEDS = REPLICATES            # the default seeds of `bscsim check-mechanisms`
FAST_SEEDS = 20
FAST = ["S1", "C1", "C2", "W1", "W2", "P1", "P2", "SP", "U1", "U2"]
# checks that pass, but with under MARGIN_SE of margin at the default seeds on
# today's rules (reported in docs/odd.md section 9; to be strengthened, not loosened)
THIN = {"M2", "V1"}   # issue 22: once members are taught the research evidence,
                      # other programs' reports add less (docs/odd.md, section 8)


@pytest.fixture(scope="module")
def default_table():
    with spawn_pool(2) as pool:
        table, runs = check_mechanisms(bscsim.load_config(), SEEDS, pool=pool)
        share = start_rate_share(runs)
    return table, share


@pytest.fixture(scope="module")
def fast_table():
    return check_mechanisms(bscsim.load_config(), FAST_SEEDS, keys=FAST)[0]


@pytest.mark.slow
@pytest.mark.parametrize("key", [c.key for c in CHECKS])
def test_each_arrow_holds_on_the_default(default_table, key):
    table, share = default_table
    row = table.set_index("check").loc[key]
    assert row["passed"], f"{key} ({row['arrow']}) fails\n{format_table(table, share)}"


@pytest.mark.slow
@pytest.mark.parametrize("key", [c.key for c in CHECKS if c.key not in THIN])
def test_each_arrow_holds_with_margin(default_table, key):
    table, share = default_table
    row = table.set_index("check").loc[key]
    assert row["margin_se"] >= MARGIN_SE, (
        f"{key} ({row['arrow']}) passes with {row['margin_se']:.1f} SE of margin, under "
        f"{MARGIN_SE:g}\n{format_table(table, share)}")


@pytest.mark.parametrize("key", FAST)
def test_the_fast_subset_holds_at_few_seeds(fast_table, key):
    row = fast_table.set_index("check").loc[key]
    assert row["passed"], f"{key} ({row['arrow']}) fails at {FAST_SEEDS} seeds\n" \
        f"{format_table(fast_table)}"


def test_the_margin_is_the_lower_end_above_the_bound_in_standard_errors():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    se = values.std(ddof=1) / 2.0
    assert margin_se(values) == pytest.approx((2.5 - 1.96 * se) / se)
    assert margin_se(values, bound=1.0) == pytest.approx((1.5 - 1.96 * se) / se)
    assert margin_se(np.zeros(5)) == 0.0, "no difference at all: no margin"


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 22, open: since members taught the package "
                   "start at the research evidence, 63% of the three mechanisms' joint "
                   "effect runs through the PDSA start rate (44% before); the learning "
                   "content of safety and vicarious learning is what to strengthen")
def test_less_than_half_the_mechanisms_effect_runs_through_the_start_rate(default_table):
    table, share = default_table
    assert share["joint"] > 0 and share["share"] < 0.5, format_table(table, share)


# ---------------------------------------------------------------- the mutants
def failures_shared_more_when_safety_is_low(p, safety, success):
    return np.where(success, p.p_share_success, (1.0 - safety) ** p.failure_report_power)


def choice_picks_the_worst(model, posts, rooms, u):
    """Inquiry picks the idea it believes in least (beliefs mirrored around the
    adoption bar for the choice, then restored)."""
    staff, thr = model.staff, 2 * model.p.adopt_threshold
    staff.belief_mu[:] = thr - staff.belief_mu
    staff.own_num[:] = thr * staff.own_tau - staff.own_num
    try:
        return CORRECT["choose_ideas"](model, posts, rooms, u)
    finally:
        staff.belief_mu[:] = thr - staff.belief_mu
        staff.own_num[:] = thr * staff.own_tau - staff.own_num


def results_shared_with_sign_flipped(self, center, idea, y, tau, role):
    CORRECT["extend"](self, center, idea, -np.asarray(y), tau, role)


def voice_ignored(model, members, speaker, center, idea, y, tau_y):
    """What is said in the team is never heard."""


def drops_the_best(model, members):
    """De-adoption with its choice inverted: a teacher who doubts a practice in
    use drops the one she believes in most instead."""
    staff, r, p = model.staff, model.rooms, model.p
    t = members[(staff.role[members] == 0) & r.in_use[np.maximum(staff.classroom[members], 0)]
                .any(axis=1)]
    if len(t) == 0:
        return
    room = staff.classroom[t]
    mu = here(staff, t, between_programs(p))[0]
    doubts = (r.in_use[room] & (mu < p.abandon_threshold)).any(axis=1)
    best = np.where(r.in_use[room], mu, -np.inf).argmax(axis=1)
    drop(model, room[doubts], best[doubts])


CORRECT = {"choose_ideas": pdsa.choose_ideas, "extend": collaborative.Board.extend,
           "children": model_module.children, "turnover": model_module.turnover,
           "practice": model_module.practice}


# ------------------------------------------- mutants of the causal chain (issue 22)
def children_ignore_practice(model):
    """Children grow as if their classroom kept its baseline practice."""
    rooms = model.rooms
    now = rooms.practice
    rooms.practice = rooms.practice_base
    try:
        CORRECT["children"](model)
    finally:
        rooms.practice = now
        model.quality_of_week = (model.week, rooms.quality)


def behavior_ignores_competence(model):
    """Challenging behavior does not follow the children's competence."""
    CORRECT["children"](model)
    rooms = model.rooms
    rooms.cb_share[:] = ndtr(rooms.cb_threshold)
    model.cb_by_center = model.center_mean(rooms.cb_share)


def turnover_leaves_practices_in_place(model):
    """A leaving teacher's practices stay in her classroom; newcomers inherit the
    post's practices and routines."""
    rooms, staff = model.rooms, model.staff
    kept = (rooms.in_use.copy(), rooms.fidelity.copy(), rooms.practice.copy(),
            staff.routine.copy())
    CORRECT["turnover"](model)
    rooms.in_use[:], rooms.fidelity[:], rooms.practice[:], staff.routine[:] = kept
    changed(model, None)


def decide_at_random(p, belief, comply):
    """Inquiry adopts, adapts or abandons at random, whatever its data say."""
    coin = decide_at_random.coin
    return np.where(comply, pdsa.ADOPT, coin.integers(0, 3, len(belief)))


decide_at_random.coin = np.random.default_rng(2026)


def _free_time(model, posts, c, planning, vacancy_sign):
    p = model.at_posts(posts)
    cb = np.where(model.post_in_room[posts], model.rooms.cb_share[model.post_room[posts]],
                  model.cb_by_center[c])
    hours = (planning(p) - vacancy_sign * p.pressure_vacancy * model.vacant_share()[c]
             - p.pressure_behavior * cb)
    return np.minimum(np.maximum(hours / p.hours_pdsa, 0.0), 1.0)


def planning_hours_ignored(model, posts, c):
    """Free time for tests as if every center had the default planning hours."""
    return _free_time(model, posts, c, lambda p: 2.0, 1.0)


def vacancies_give_time(model, posts, c):
    """Vacancies add to the time for tests (their sign flipped)."""
    return _free_time(model, posts, c, lambda p: p.planning_hours, -1.0)


def nothing_spreads(model):
    """Practices never reach classrooms beyond the team's."""


def nothing_kept_after_support(model):
    """When support ends, every practice is dropped and practice is back at baseline."""
    CORRECT["practice"](model)
    if not model.events.collab:
        rooms = model.rooms
        rooms.in_use[:] = False
        rooms.fidelity[:] = 0.0
        model.centers.org_in_use[:] = False
        rooms.practice[:] = rooms.practice_base
        changed(model, None)


# name: (where, attribute, mutant, the checks that must all fail on it)
CHAIN_MUTANTS = {
    "children ignore classroom practice": (model_module, "children", children_ignore_practice,
                                           ["C1", "C2"]),
    "behavior ignores competence": (model_module, "children", behavior_ignores_competence,
                                    ["C2"]),
    "turnover leaves practices and routines": (model_module, "turnover",
                                               turnover_leaves_practices_in_place,
                                               ["W1", "W2"]),
    "inquiry decides at random": (pdsa, "decide", decide_at_random, ["S1"]),
    "planning hours ignored": (pdsa, "free_time", planning_hours_ignored, ["P1"]),
    "vacancies give time": (pdsa, "free_time", vacancies_give_time, ["P2"]),
    "nothing spreads": (model_module, "spread", nothing_spreads, ["SP"]),
    "nothing kept after support ends": (model_module, "practice", nothing_kept_after_support,
                                        ["U1", "U2"]),
}

MUTANTS = {
    "failures shared more when safety is low": (teams, "p_share",
                                                failures_shared_more_when_safety_is_low,
                                                ["M1", "H1", "H2"]),
    "idea choice picks the worst belief": (pdsa, "choose_ideas", choice_picks_the_worst,
                                           ["M3", "D3"]),
    "shared results with their sign flipped": (collaborative.Board, "extend",
                                               results_shared_with_sign_flipped,
                                               ["M2", "V1"]),
    "voice ignored": (teams, "hear_in_team", voice_ignored, ["T1", "M1"]),
    "de-adoption of the best idea": (teams, "review", drops_the_best, ["S2", "H1", "M1"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MUTANTS))
def test_the_checks_catch_a_wrong_rule(name, monkeypatch, default_table):
    """Caught: some check listed fails on the mutant, or loses the margin it has on
    the correct model (passes, but with under MARGIN_SE; at the default seeds the
    de-adoption mutant takes M1 from about 5 SE to about 0.3, still above 0)."""
    where, attr, mutant, keys = MUTANTS[name]
    before = default_table[0].set_index("check").loc[keys]
    assert before["passed"].all(), "the correct model passes these checks"
    monkeypatch.setattr(where, attr, mutant)
    table, _ = check_mechanisms(bscsim.load_config(), SEEDS, keys=keys)
    after = table.set_index("check").loc[keys]
    caught = ~after["passed"] | ((after["margin_se"] < MARGIN_SE)
                                 & (before["margin_se"] >= MARGIN_SE))
    assert caught.any(), f"mutant '{name}' passes every check with its margin\n" \
        f"{format_table(table)}"


@pytest.mark.parametrize("name", list(CHAIN_MUTANTS))
def test_the_fast_checks_catch_a_wrong_link_of_the_chain(name, monkeypatch, fast_table):
    where, attr, mutant, keys = CHAIN_MUTANTS[name]
    assert fast_table.set_index("check").loc[keys, "passed"].all(), \
        "the correct model passes these checks"
    monkeypatch.setattr(where, attr, mutant)
    table, _ = check_mechanisms(bscsim.load_config(), FAST_SEEDS, keys=keys)
    assert not table["passed"].any(), \
        f"mutant '{name}' passes some of {keys}\n{format_table(table)}"


@pytest.mark.slow
def test_random_decisions_fail_s1_at_the_default_seeds(monkeypatch, default_table):
    """S1 at its default seeds: acting on evidence, not at random (issue 22: the
    former S1, against adopting everything, let random decisions pass)."""
    assert default_table[0].set_index("check").loc["S1", "passed"]
    monkeypatch.setattr(pdsa, "decide", decide_at_random)
    table, _ = check_mechanisms(bscsim.load_config(), SEEDS, keys=["S1"])
    row = table.set_index("check").loc["S1"]
    assert not row["passed"], f"random decisions pass S1\n{format_table(table)}"


@pytest.mark.parametrize("args", [["--replicates", "5"], ["--workers", "0"]])
def test_check_mechanisms_refuses_bad_sizes_in_one_line(args, capsys, tmp_path):
    from bscsim.cli import main
    out = tmp_path / "m"
    assert main(["check-mechanisms", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bscsim: error:") and "\n" not in err and "expected" in err
    assert not out.exists(), "nothing is written"
