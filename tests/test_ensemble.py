"""simulate_many (issue 12): one summary row per run, and a run's numbers do not
depend on its batch. A collaborative's summary is identical alone, in a batch of
1 and in a batch of 100, serially and on processes; a batcher that draws the runs'
random numbers in sequence from one generator (a mutant) fails that check."""

import numpy as np
import pandas as pd
import pytest

import bscsim
from bscsim.model.model import BSCModel
from bscsim.outputs import SUMMARY_NAMES
from bscsim.parallel import spawn_pool
from bscsim.sweep.tasks import Task, run_batch


def hundred_runs(small_params):
    """100 runs: design points with their own parameter values, each with a seed."""
    rng = np.random.default_rng(12)
    small_params = small_params.replace(weeks_collab=12, weeks_followup=4)
    params = [small_params.replace(turnover_cc=float(t), planning_hours=float(h))
              for t, h in zip(rng.uniform(0.1, 0.5, 100), rng.choice([1.0, 2.0, 4.0], 100))]
    seeds = [int(s) for s in rng.integers(0, 2**31, 100)]
    return params, seeds


def values(df: pd.DataFrame) -> np.ndarray:
    return df[list(SUMMARY_NAMES)].to_numpy()


def half(args):
    params, seeds = args
    return values(bscsim.simulate_many(params, seeds))


def batch_invariant(simulate_many, params, seeds, processes: bool = True) -> bool:
    """Every run identical alone (`simulate`), in a batch of 1 (a sample of ten)
    and in the batch of all; with `processes`, also split over two processes in
    reverse order."""
    batch = values(simulate_many(params, seeds))
    alone = np.array([bscsim.simulate(p, seed=s).summary.to_numpy()
                      for p, s in zip(params, seeds)])
    same = np.array_equal(batch, alone, equal_nan=True)
    for k in range(0, len(seeds), 10):
        one = values(simulate_many([params[k]], [seeds[k]]))
        same &= np.array_equal(one[0], alone[k], equal_nan=True)
    if processes:
        n = len(seeds) // 2
        with spawn_pool(2) as pool:
            second, first = pool.map(half, [(params[n:], seeds[n:]), (params[:n], seeds[:n])])
        same &= np.array_equal(np.vstack([first, second]), alone, equal_nan=True)
    return bool(same)


def test_a_run_is_the_same_alone_in_a_batch_of_1_and_of_100_serial_and_on_processes(
        small_params):
    params, seeds = hundred_runs(small_params)
    assert batch_invariant(bscsim.simulate_many, params, seeds), \
        "a collaborative's summary must not depend on its batch or executor"


def test_a_batcher_drawing_from_one_generator_in_sequence_is_caught(small_params):
    def one_stream(params, seeds, tables=False):
        # the mutant: every run of a batch draws from one generator seeded by the
        # batch's first seed, in sequence
        rng = np.random.default_rng(list(seeds)[0])
        return bscsim.simulate_many(params, [int(rng.integers(2**31)) for _ in seeds])
    params, seeds = hundred_runs(small_params)
    assert not batch_invariant(one_stream, params[:20], seeds[:20], processes=False), \
        "the check must fail when runs are not keyed to their own seed"


def test_simulate_many_returns_one_row_per_run_in_input_order(small_params):
    df = bscsim.simulate_many(small_params, [5, 3, 9])
    assert list(df.columns) == ["run", "seed", *SUMMARY_NAMES]
    assert df["run"].tolist() == [0, 1, 2] and df["seed"].tolist() == [5, 3, 9]
    again = bscsim.simulate(small_params, seed=3).summary.to_numpy()
    assert np.array_equal(values(df)[1], again, equal_nan=True), "row 1 is seed 3"


def test_simulate_many_returns_each_runs_tables_with_its_run(small_params):
    summary, tables = bscsim.simulate_many([small_params, small_params.replace(n_centers=2)],
                                           [1, 2], tables=True)
    assert {"timeseries", "centers", "classrooms", "pdsa_log"} <= set(tables)
    alone = bscsim.simulate(small_params.replace(n_centers=2), seed=2)
    ts = tables["timeseries"]
    assert ts.columns[0] == "run" and set(ts["run"]) == {0, 1}
    pd.testing.assert_frame_equal(
        ts[ts["run"] == 1].drop(columns="run").reset_index(drop=True), alone.timeseries)
    centers = tables["centers"]
    assert len(centers[centers["run"] == 1]) == len(alone.centers), "run 1's center rows"


def test_simulate_many_refuses_params_that_do_not_match_the_seeds(small_params):
    with pytest.raises(ValueError, match="2 params for 3 seeds"):
        bscsim.simulate_many([small_params, small_params], [1, 2, 3])


def test_a_run_that_fails_in_a_batch_fails_alone(small_params, monkeypatch):
    real_run = BSCModel.run

    def run(self):
        if self.seed == 13:
            raise RuntimeError("broken run")
        return real_run(self)
    monkeypatch.setattr(BSCModel, "run", run)
    task = Task(base=small_params.to_dict(), runs=((0, 11, {}), (1, 13, {}), (2, 17, {})),
                timeseries=True)
    result = run_batch(task)
    s = result.summary.set_index("run")
    assert s.loc[1, "status"] == "failed" and "broken run" in s.loc[1, "error"], \
        "the failing run is recorded with its own error"
    assert (s.loc[[0, 2], "status"] == "ok").all(), "the other runs of its batch ran"
    again = bscsim.simulate(small_params, seed=17).summary.to_numpy()
    assert np.array_equal(s.loc[2, list(SUMMARY_NAMES)].to_numpy(float), again,
                          equal_nan=True)
    assert set(result.timeseries["run"]) == {0, 2}
