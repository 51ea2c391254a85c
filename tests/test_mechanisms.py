"""Mechanism checks (bscsim.mechanisms): every arrow of the theory the model claims
holds on the default config, at matched PDSA volume; and deliberately wrong rules
(mutants) are caught: a check that no mutant can fail is not a check.

Mutants run in this process (no worker pool) so that the patched rule is the one
the runs use; they are run over the same paired seeds as the correct model."""

import numpy as np
import pytest

import bscsim
import bscsim.model.collaborative as collaborative
import bscsim.model.pdsa as pdsa
import bscsim.model.teams as teams
from bscsim.mechanisms import CHECKS, check_mechanisms, format_table, start_rate_share
from bscsim.model.beliefs import between_programs, here
from bscsim.model.practices import drop
from bscsim.parallel import spawn_pool

SEEDS = 60


@pytest.fixture(scope="module")
def default_table():
    with spawn_pool(2) as pool:
        table, runs = check_mechanisms(bscsim.load_config(), SEEDS, pool=pool)
        share = start_rate_share(runs)
    return table, share


@pytest.mark.slow
@pytest.mark.parametrize("key", [c.key for c in CHECKS])
def test_each_arrow_holds_on_the_default(default_table, key):
    table, share = default_table
    row = table.set_index("check").loc[key]
    assert row["passed"], f"{key} ({row['arrow']}) fails\n{format_table(table, share)}"


@pytest.mark.slow
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


CORRECT = {"choose_ideas": pdsa.choose_ideas, "extend": collaborative.Board.extend}

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
    "de-adoption of the best idea": (teams, "review", drops_the_best, ["S1", "H1", "M1"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MUTANTS))
def test_the_checks_catch_a_wrong_rule(name, monkeypatch, default_table):
    where, attr, mutant, keys = MUTANTS[name]
    passed_before = default_table[0].set_index("check").loc[keys, "passed"]
    assert passed_before.all(), "the correct model passes these checks"
    monkeypatch.setattr(where, attr, mutant)
    table, _ = check_mechanisms(bscsim.load_config(), SEEDS, keys=keys)
    assert not table["passed"].all(), f"mutant '{name}' passes every check\n{format_table(table)}"


@pytest.mark.parametrize("args", [["--replicates", "5"], ["--workers", "0"]])
def test_check_mechanisms_refuses_bad_sizes_in_one_line(args, capsys, tmp_path):
    from bscsim.cli import main
    out = tmp_path / "m"
    assert main(["check-mechanisms", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bscsim: error:") and "\n" not in err and "expected" in err
    assert not out.exists(), "nothing is written"
