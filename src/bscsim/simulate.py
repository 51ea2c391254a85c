"""Running: one run of the model, from parameters and a seed to a `Result`; many
runs, from parameters and seeds to one summary row per run (`simulate_many`, on
the ensemble engine: many collaboratives in one model)."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from .model import BSCModel
from .model.ensemble import batch_key
from .outputs import SUMMARY_NAMES
from .params import Params, make_params
from .results import Result

TABLES = ("timeseries", "centers", "classrooms", "pdsa_log", "pdsa_starts")


def simulate(params: Params | dict | None = None, seed: Any = 0) -> Result:
    """Run the model once to the end of its follow-up and return its Result.

    `params` is a `Params`, a dict of parameter values (validated), or None for
    the defaults. `seed` is an int or a `numpy.random.SeedSequence`; the same
    params and seed give identical results.
    """
    if params is None or isinstance(params, dict):
        params = make_params(params)
    model = BSCModel(params, rng=_rng_seed(seed))
    try:
        model.run()
        return Result(model, seed)
    finally:
        model.release()


def simulate_many(params: Params | dict | None | Sequence[Params | dict],
                  seeds: Iterable[Any], tables: bool | Iterable[str] = False,
                  batch_size: int | None = None, replay: pd.DataFrame | None = None):
    """Run one collaborative per seed and return one summary row per run.

    `params` is one `Params` (or dict, or None for the defaults) for every run, or
    a sequence of them, one per seed. Returns a DataFrame, one row per run in the
    order of `seeds`: `run` (0..n-1), `seed`, then every summary output
    (`outputs.SUMMARY_NAMES`). With `tables=True` (or a list of table names among
    timeseries, centers, classrooms, pdsa_log, pdsa_starts) returns `(summary, tables)`, where
    `tables` maps each name to one DataFrame of every run's rows, `run` first.

    `replay` (a `pdsa_starts` table of other runs: `run`, `week`, `post`) makes
    run j start exactly the PDSA cycles of its rows with `run` j (those of the
    run with the same seed, e.g.) instead of drawing its own, so that a variant
    runs the same PDSA volume (bscsim.mechanisms); a run without rows starts none.

    The runs are simulated together, many collaboratives in one model (the
    ensemble engine, model/ensemble.py): runs that can share a batch (the same
    number of centers and the same weekly parameters, `ensemble.batch_key`) go
    in batches of up to `batch_size` collaboratives (None: `auto_batch_size`).
    Each run draws from its own generators, spawned from its own seed exactly as
    `simulate` does, so a run's numbers are those of `simulate(params, seed)`,
    whatever else is in the batch, its place in it, the batch size, or the
    process it runs in (tests/test_ensemble.py).
    """
    seeds = list(seeds)
    runs = _params_per_run(params, len(seeds))
    names = _table_names(tables)
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ValueError(f"simulate_many: batch_size must be a whole number >= 1, "
                         f"got {batch_size!r}")
    replays = None if replay is None else replay_by_run(replay, len(seeds))
    rows: list[Any] = [None] * len(seeds)
    parts: dict[str, list] = {name: [None] * len(seeds) for name in names}
    for batch in batches(runs, batch_size):
        for run, result in zip(batch, _run_batch(
                [runs[j] for j in batch], [seeds[j] for j in batch],
                None if replays is None else [replays[j] for j in batch])):
            rows[run] = result.summary.to_numpy()
            for name in names:
                df = getattr(result, name)
                parts[name][run] = df.assign(run=run)[["run", *df.columns]]
    summary = pd.DataFrame(np.array(rows, dtype=float).reshape(len(seeds), len(SUMMARY_NAMES)),
                           columns=list(SUMMARY_NAMES))
    summary.insert(0, "seed", pd.Series(seeds, dtype=object if not all(
        isinstance(s, (int, np.integer)) for s in seeds) else np.int64))
    summary.insert(0, "run", np.arange(len(seeds), dtype=np.int64))
    if tables is False:
        return summary
    return summary, {name: pd.concat(dfs, ignore_index=True) if dfs else pd.DataFrame()
                     for name, dfs in parts.items()}


# collaboratives in one batch when the size is automatic: about BATCH_SCALE /
# centers**1.5, at most MAX_BATCH. Measured (one core, default config): 8 centers
# run fastest in batches of about 200 (7.1, 6.9, 6.7 ms a run at 75, 150, 200),
# 25 centers in batches of 24 to 32 (14.6 ms a run; 20.5 at 8, 21.5 at 64): past
# that, a batch's arrays outgrow the caches
BATCH_SCALE = 5000
MAX_BATCH = 200


def auto_batch_size(p: Params) -> int:
    """How many collaboratives of `p`'s size `simulate_many` puts in one batch."""
    return max(1, min(MAX_BATCH, int(BATCH_SCALE / max(p.n_centers, 1) ** 1.5)))


def batches(runs: list[Params], batch_size: int | None = None) -> list[list[int]]:
    """The runs (indices into `runs`) of each batch: runs grouped by
    `ensemble.batch_key`, in order of first appearance, each group cut into
    batches of up to `batch_size` (None: `auto_batch_size`)."""
    groups: dict[tuple, list[int]] = {}
    for j, p in enumerate(runs):
        groups.setdefault(batch_key(p), []).append(j)
    out = []
    for members in groups.values():
        size = batch_size or auto_batch_size(runs[members[0]])
        out.extend(members[k:k + size] for k in range(0, len(members), size))
    return out


def replay_by_run(starts: pd.DataFrame, n: int) -> list[dict[int, np.ndarray]]:
    """A `pdsa_starts` table of n runs (`run`, `week`, `post`) as one {week:
    posts} per run, what `BSCModel(replay_starts=...)` replays."""
    missing = {"run", "week", "post"} - set(starts.columns)
    if missing:
        raise ValueError(f"simulate_many: replay needs the columns run, week, post "
                         f"(a pdsa_starts table); missing {', '.join(sorted(missing))}")
    run, week, post = (starts[k].to_numpy(dtype=np.int64) for k in ("run", "week", "post"))
    order = np.lexsort((post, week, run))
    run, week, post = run[order], week[order], post[order]
    out: list[dict[int, np.ndarray]] = [{} for _ in range(n)]
    if len(run) and (run[0] < 0 or run[-1] >= n):
        raise ValueError(f"simulate_many: replay has runs outside 0..{n - 1}")
    cut = np.flatnonzero((np.diff(run) != 0) | (np.diff(week) != 0)) + 1
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(run)]):
        if hi > lo:
            out[run[lo]][int(week[lo])] = post[lo:hi]
    return out


def _run_batch(params: list[Params], seeds: list[Any],
               replay: list[dict] | None = None) -> list[Result]:
    """One batch through the ensemble engine (a batch of one: a run alone)."""
    if len(params) == 1:
        if replay is None:
            return [simulate(params[0], seeds[0])]
        model = BSCModel(params[0], rng=_rng_seed(seeds[0]), replay_starts=replay[0])
        try:
            model.run()
            return [Result(model, seeds[0])]
        finally:
            model.release()
    model = BSCModel(params, [_rng_seed(s) for s in seeds], replay_starts=replay)
    try:
        model.run()
        return [Result(model.view(b), s) for b, s in enumerate(seeds)]
    finally:
        model.release()


def _params_per_run(params: Any, n: int) -> list[Params]:
    """One validated Params per run: `params` for all, or one of a sequence each."""
    if params is None or isinstance(params, (Params, dict)):
        one = params if isinstance(params, Params) else make_params(params)
        return [one] * n
    runs = list(params)
    if len(runs) != n:
        raise ValueError(f"simulate_many: {len(runs)} params for {n} seeds; give one "
                         f"Params for all runs or one per seed")
    return [p if isinstance(p, Params) else make_params(p) for p in runs]


def _table_names(tables: bool | Iterable[str]) -> tuple[str, ...]:
    if tables is True:
        return TABLES
    if tables is False:
        return ()
    names = tuple(tables)
    bad = [t for t in names if t not in TABLES]
    if bad:
        raise ValueError(f"simulate_many: unknown table {bad[0]!r}; expected some of "
                         f"{', '.join(TABLES)}")
    return names


def _rng_seed(seed: Any) -> Any:
    """Seeds accepted by numpy.random.default_rng (int, SeedSequence). A
    SeedSequence is copied: the model spawns its streams from it, which would
    change the caller's object (a second run with it would draw other numbers)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(np.random.SeedSequence(
            seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size,
            n_children_spawned=seed.n_children_spawned))
    return seed
