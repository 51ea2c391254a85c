"""The ensemble engine (model/ensemble.py): many collaboratives in one model give
each collaborative exactly the numbers of its run alone, whatever the batch, its
size, the collaborative's place in it, or the process it runs in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bscsim
from bscsim.model import BSCModel
from bscsim.model.ensemble import SHARED, WEEKLY_PER_BLOCK, check_batch
from bscsim.outputs import SUMMARY_NAMES
from bscsim.params import PARAMS, make_params
from bscsim.results import Result
from bscsim.simulate import TABLES, batches

NAMES = {p.name for p in PARAMS}


def same(a, b) -> list[str]:
    """The tables (summary and every table of TABLES) in which two runs differ."""
    differ = []
    for name in ("summary", *TABLES):
        x, y = getattr(a, name), getattr(b, name)
        try:
            if isinstance(x, pd.Series):
                pd.testing.assert_series_equal(x, y, check_exact=True)
            else:
                pd.testing.assert_frame_equal(x.reset_index(drop=True),
                                              y.reset_index(drop=True), check_exact=True)
        except AssertionError:
            differ.append(name)
    return differ


def in_batch(params: list, seeds: list) -> list[Result]:
    model = BSCModel(params, seeds)
    model.run()
    return [Result(model.view(b), s) for b, s in enumerate(seeds)]


def drawn_params(base, rng: np.random.Generator, n: int) -> list:
    """`n` parameter sets that differ from each other in every parameter a batch
    lets differ (all but n_centers and SHARED), drawn in their plausible ranges."""
    out = []
    while len(out) < n:
        values = base.to_dict()
        for q in PARAMS:
            if q.name in SHARED or q.name == "n_centers" or q.kind is bool:
                continue
            lo, hi = q.plausible
            v = rng.uniform(lo, hi)
            values[q.name] = int(round(v)) if q.kind is int else v
        try:
            out.append(make_params(values))
        except Exception:   # noqa: BLE001 - a combination the checks refuse: draw again
            continue
    return out


def test_a_collaborative_is_the_same_alone_and_in_batches_of_1_and_100():
    p = bscsim.load_config()
    seed = 4242
    alone = bscsim.simulate(p, seed)
    seeds = list(range(100))
    seeds[37] = seed                     # somewhere in the middle of the batch
    one = bscsim.simulate_many(p, [seed], tables=True, batch_size=1)
    hundred = bscsim.simulate_many(p, seeds, tables=True, batch_size=100)
    for summary, tables, run in (one + (0,), hundred + (37,)):
        assert summary.loc[run, list(alone.summary.index)].to_numpy().tolist() \
            == alone.summary.to_numpy().tolist()
        for name in TABLES:
            mine = tables[name][tables[name]["run"] == run].drop(columns="run")
            pd.testing.assert_frame_equal(mine.reset_index(drop=True),
                                          getattr(alone, name).reset_index(drop=True),
                                          check_exact=True)


def test_the_same_on_processes_as_in_this_process():
    from bscsim.parallel import spawn_pool
    p = bscsim.load_config()
    seeds = list(range(500, 530))
    here = bscsim.simulate_many(p, seeds, batch_size=30)
    with spawn_pool(2) as pool:
        parts = [pool.submit(bscsim.simulate_many, p, seeds[:13]),
                 pool.submit(bscsim.simulate_many, p, seeds[13:])]
        there = pd.concat([f.result() for f in parts], ignore_index=True)
    there["run"] = np.arange(len(seeds))
    pd.testing.assert_frame_equal(here, there, check_exact=True)


def replayed_differences(seeds: list[int]) -> list[int]:
    """The seeds whose variant, replaying the base run's PDSA starts, differs in a
    batch (each collaborative its own replay) from the same replay alone."""
    p = bscsim.load_config()
    variant = p.replace(psych_safety_on=False, team_weight=0.0)
    _, base = bscsim.simulate_many(p, seeds, tables=["pdsa_starts"])
    batch, tables = bscsim.simulate_many(variant, seeds, tables=True,
                                         replay=base["pdsa_starts"])
    differ = []
    for run, seed in enumerate(seeds):
        ref = BSCModel(p, rng=seed)
        ref.run()
        model = BSCModel(variant, rng=seed, replay_starts=ref.starts)
        model.run()
        alone = Result(model, seed)
        mine = {name: tables[name][tables[name]["run"] == run].drop(columns="run")
                for name in TABLES}
        if (batch.loc[run, list(alone.summary.index)].to_numpy().tolist()
                != alone.summary.to_numpy().tolist()
                or any(not mine[name].reset_index(drop=True).equals(
                    getattr(alone, name).reset_index(drop=True)) for name in TABLES)):
            differ.append(seed)
    return differ


def test_a_replayed_collaborative_is_the_same_alone_and_in_a_batch():
    """Replayed PDSA starts (bscsim.mechanisms holds PDSA volume fixed with them):
    a variant replaying a base run's starts gives in a batch, each collaborative
    its own replay, exactly what it gives alone replaying them."""
    assert replayed_differences([3, 14, 15, 92]) == [], "a replay differs in a batch"


def test_the_replay_identity_check_sees_starts_not_shifted_to_their_collaborative(
        monkeypatch):
    """Mutant: every collaborative's replayed starts read as posts of the first."""
    def unshifted(self, per_block):
        weeks = {}
        for starts in per_block:
            for week, posts in starts.items():
                weeks.setdefault(int(week), []).append(np.asarray(posts, dtype=np.int64))
        return {w: np.unique(np.concatenate(parts)) for w, parts in weeks.items()}
    monkeypatch.setattr(BSCModel, "_joined_starts", unshifted)
    assert replayed_differences([3, 14]) != [], "the check misses a broken replay"


def test_a_replay_starts_only_the_cycles_replayed():
    p = bscsim.load_config()
    _, base = bscsim.simulate_many(p, [1, 2], tables=["pdsa_starts"])
    starts = base["pdsa_starts"]
    _, again = bscsim.simulate_many(p, [1, 2], tables=["pdsa_starts"], replay=starts)
    pd.testing.assert_frame_equal(again["pdsa_starts"], starts, check_exact=True,
                                  obj="the same model replaying its own starts")
    _, none = bscsim.simulate_many(p, [1, 2], tables=["pdsa_starts"],
                                   replay=starts[starts["run"] == 0])
    assert (none["pdsa_starts"]["run"] == 1).sum() == 0, "a run without rows starts none"


@pytest.mark.parametrize("config", ["configs/reference.toml", "configs/arms/coaching.toml"])
def test_every_parameter_a_batch_allows_may_differ_within_it(config):
    """Every collaborative of the batch has its own value of every parameter but
    n_centers and SHARED (73 weekly ones among them): each still gets exactly
    its numbers alone."""
    base = bscsim.load_config(config)
    params = drawn_params(base, np.random.default_rng(11), 6)
    seeds = [71, 72, 73, 74, 75, 76]
    batch = in_batch(params, seeds)
    for p, s, r in zip(params, seeds, batch):
        assert same(bscsim.simulate(p, s), r) == [], f"seed {s}"


# Mutants: each breaks one thing the engine needs, and the check above must see it.
def _ignore_varying(monkeypatch):
    """Per-row parameters read as the first collaborative's values."""
    monkeypatch.setattr(BSCModel, "at_posts", lambda self, posts=slice(None): self.p)


def _streams_shifted(monkeypatch):
    """Each collaborative draws its weekly numbers from the next one's streams."""
    init = BSCModel.__init__

    def shifted(self, *args, **kw):
        init(self, *args, **kw)
        if self.n_blocks > 1:
            self.block_streams = self.block_streams[1:] + self.block_streams[:1]
    monkeypatch.setattr(BSCModel, "__init__", shifted)


def _sustained_everywhere(monkeypatch):
    """A change to practices in one collaborative recomputes the practice every
    collaborative's ideas sustain (alone, it is scaled week by week: the
    rounding differs)."""
    from bscsim.model import practices
    changed = practices.changed

    def everywhere(model, rooms=None):
        changed(model, None)
    for module in ("practices", "workforce", "classrooms", "model"):
        monkeypatch.setattr(f"bscsim.model.{module}.changed", everywhere)


@pytest.mark.parametrize("mutant", [_ignore_varying, _streams_shifted, _sustained_everywhere])
def test_the_identity_check_sees_a_broken_engine(mutant, monkeypatch):
    base = bscsim.load_config()
    params = drawn_params(base, np.random.default_rng(11), 4)
    seeds = [81, 82, 83, 84]
    alone = [bscsim.simulate(p, s) for p, s in zip(params, seeds)]
    mutant(monkeypatch)
    batch = in_batch(params, seeds)
    assert any(same(a, r) for a, r in zip(alone, batch)), "the mutant went unseen"


def test_the_lists_of_shared_and_per_collaborative_parameters_cover_every_weekly_read():
    """Trace every parameter the weekly schedule reads (configs with every
    process on): each is SHARED or held per collaborative."""
    read: set[str] = set()

    class Traced:
        def __init__(self, p):
            object.__setattr__(self, "_p", p)

        def __getattr__(self, name):
            read.add(name)
            return getattr(self._p, name)
    for config, extra in (("configs/reference.toml", {"n_staff_ideas": 3}),
                          ("configs/arms/coaching.toml", {"dur_vacancy_weeks": 0}),
                          ("configs/arms/training_only.toml", {})):
        model = BSCModel(bscsim.load_config(config).replace(**extra), rng=3)
        model.p = Traced(model.p)
        model.run()
    assert read <= set(SHARED) | set(WEEKLY_PER_BLOCK), sorted(
        read - set(SHARED) - set(WEEKLY_PER_BLOCK))
    assert set(SHARED) <= NAMES and set(WEEKLY_PER_BLOCK) <= NAMES
    assert not set(SHARED) & set(WEEKLY_PER_BLOCK)


def test_a_batch_refuses_collaboratives_that_cannot_share_it():
    p = bscsim.Params()
    for change, key in (({"n_centers": 9}, "n_centers"), ({"teams_on": False}, "teams_on"),
                        ({"weeks_collab": 40}, "weeks_collab")):
        with pytest.raises(ValueError, match=f"collaborative 1 has {key} = ") as e:
            check_batch([p, p.replace(**change)])
        assert "\n" not in str(e.value)
    check_batch([p, p.replace(turnover_cc=0.5, ps_gain=0.2)])   # these may differ


def test_simulate_many_groups_runs_that_can_share_a_batch_and_keeps_their_order():
    p = bscsim.Params(weeks_collab=20, weeks_followup=0)
    runs = [p.replace(n_centers=4), p.replace(n_centers=6), p.replace(n_centers=4, ps_gain=0.2),
            p.replace(n_centers=6, teams_on=False), p.replace(n_centers=6)]
    assert batches(runs) == [[0, 2], [1, 4], [3]]
    assert batches(runs, 1) == [[0], [2], [1], [4], [3]]
    seeds = [5, 6, 7, 8, 9]
    many = bscsim.simulate_many(runs, seeds)
    for j, (q, s) in enumerate(zip(runs, seeds)):
        assert many.loc[j, "seed"] == s
        assert many.loc[j, list(SUMMARY_NAMES)].to_numpy().tolist() \
            == bscsim.simulate(q, s).summary.to_numpy().tolist()


@pytest.mark.parametrize("size", [0, -3, 2.5, "10"])
def test_a_wrong_batch_size_is_refused(size):
    with pytest.raises(ValueError, match="batch_size must be a whole number >= 1"):
        bscsim.simulate_many(None, [1, 2], batch_size=size)


@pytest.mark.parametrize("values", [
    # found by review: values where a float's ** and an array's differ in the last bit
    [{"prior_sd": 0.1519794536288513}, {"prior_sd": 0.1519794536288513}],
    [{"effect_classroom_sd": 0.24829379559385725}, {"effect_classroom_sd": 0.25}],
    [{"failure_report_power": 0.5}, {"failure_report_power": 1.3}],
    [{"failure_report_power": 2.0}, {"failure_report_power": 0.5}],
])
def test_the_state_is_bit_identical_week_by_week(values):
    """Stronger than equal outputs (a last-bit difference can hide until a draw
    falls in it): every state array of a collaborative, every week."""
    base = bscsim.load_config()
    params = [base.replace(**v) for v in values]
    seeds = [40, 41]
    alone = [BSCModel(p, rng=s) for p, s in zip(params, seeds)]
    batch = BSCModel(params, seeds)
    names = ("psych_safety", "efficacy", "inquiry", "qi", "knowledge", "belief_mu",
             "belief_tau", "own_tau", "own_num", "routine", "status")
    for week in range(40):
        for m in (*alone, batch):
            m.step()
        for b, a in enumerate(alone):
            rows = batch.rows_of(b)
            for name in names:
                assert np.array_equal(getattr(a.staff, name),
                                      getattr(batch.staff, name)[rows[2]]), (week, name, b)
            assert np.array_equal(a.rooms.practice, batch.rooms.practice[rows[1]]), week
            assert np.array_equal(a.rooms.fidelity, batch.rooms.fidelity[rows[1]]), week


def test_a_seed_sequence_gives_the_same_run_every_time():
    ss = np.random.SeedSequence(2024, spawn_key=(3,))
    p = bscsim.Params(weeks_collab=20, weeks_followup=0)
    first = bscsim.simulate(p, ss).summary
    again = bscsim.simulate(p, ss).summary
    many = bscsim.simulate_many([p, p], [ss, ss])
    assert first.equals(again)
    assert many.loc[0, list(first.index)].tolist() == first.tolist()
    assert many.loc[1, list(first.index)].tolist() == first.tolist()


def test_per_row_parameters_give_the_values_a_run_alone_computes():
    """The formulas that raise parameters to powers, on a batch's per-row values,
    equal the run alone's on its one value, to the last bit (review findings)."""
    from bscsim.model.beliefs import between_programs
    from bscsim.model.teams import p_share
    base = bscsim.load_config()
    params = [base.replace(failure_report_power=0.5, effect_classroom_sd=0.24829379559385725),
              base.replace(failure_report_power=1.3, effect_classroom_sd=0.25)]
    batch = BSCModel(params, [1, 2])
    safety = np.random.default_rng(0).uniform(size=batch.staff.n)
    success = np.zeros(batch.staff.n, dtype=bool)
    rows = np.arange(batch.staff.n)
    shared = p_share(batch.at_posts(rows), safety, success)
    v = between_programs(batch.at_posts(rows))
    for b, p in enumerate(params):
        mine = batch.rows_of(b)[2]
        assert np.array_equal(shared[mine], p_share(p, safety[mine], success[mine]))
        assert np.all(v[mine] == between_programs(p))
