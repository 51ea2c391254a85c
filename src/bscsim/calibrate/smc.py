"""Analyses / calibration: ABC with pyabc, on the project's executors.

- Prior: each fitted parameter uniform (or log-uniform) on its declared range.
- Model: `evaluate.statistics` at a particle (the mean of `replicates` runs).
- Distance: `evaluate.interval_distance`, 0 when every target's statistic lies in
  its interval: an exact uniform (indicator) kernel, so the sample at tolerance 0
  is a sample of the parameters given that a simulated collaborative falls inside
  every target interval (Wilkinson 2013).
- Method `rejection` (one generation): candidates from the prior, accepted at
  tolerance 0 (`pyabc.ListEpsilon([0])`), equal weights: the effective sample size
  is the number accepted. The cheaper method whenever the prior's acceptance at 0
  is not tiny (docs/calibration.md, 6.5).
- Method `smc`: generation 0 is a sample of the prior; then the tolerance is the
  median distance of the last generation (pyabc's quantile epsilon), and the run
  stops when it reaches 0, or, if it stops before (generations, time,
  acceptance), at the tolerance reported in `generations.csv`.
- Sampler (`BatchSampler`): candidates are numbered within a generation and each
  is seeded from (calibration seed, generation, number); they are evaluated in
  batches on the project's executors (serial, processes, Dask) and accepted in
  number order, so the posterior is the same on every executor and any number of
  workers.
- Resume: pyabc's history database (`history.db`) holds every finished generation;
  a rerun loads it and continues with the next one. Within a generation, each
  finished batch of evaluated candidates is kept in `batches/` (`KeptBatches`:
  JSON, written atomically, named by the calibration's fingerprint, generation and
  candidate numbers) and reused by the rerun, so a kill loses at most the batches
  running; they are removed once their generation is stored.
"""

from __future__ import annotations

import json
import math
import logging
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyabc
from pyabc.sampler import Sampler

from ..atomic import atomic_write_text, read_small
from ..config import ConfigError
from ..global_rng import seeded

from .evaluate import interval_distance, statistics
from .spec import Calibration
from .store import stored_generations

RUN_ID = 1
BATCHES = "batches"      # the kept batches of the running generation


logging.getLogger("ABC").setLevel(logging.WARNING)   # progress is ours


class Model:
    """The calibration's model for pyabc: fitted values -> target statistics
    (`evaluate.statistics`, or `fn(base, values, targets, seed, replicates)` with
    the same signature: tests use a model with a known answer)."""

    def __init__(self, cal: Calibration, fn: Callable | None = None):
        self.base, self.targets = cal.params, cal.targets
        self.seed, self.replicates = cal.seed, cal.abc.replicates
        self.fn = fn or statistics

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        return self.fn(self.base, dict(pars), self.targets, self.seed, self.replicates)


class Distance:
    """pyabc distance: how far outside the target intervals (x0 is not used)."""

    def __init__(self, cal: Calibration):
        self.targets = cal.targets

    def __call__(self, x: dict, x0: dict) -> float:
        return interval_distance(x, self.targets)


def prior(cal: Calibration):
    rvs = {}
    for p in cal.priors:
        if p.dist == "uniform":
            rvs[p.name] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            rvs[p.name] = pyabc.RV("loguniform", p.low, p.high)
    return pyabc.Distribution(**rvs)


def _run_chunk(task: tuple) -> list:
    """Evaluate candidates `ids` of generation `t` in a worker: each reseeds the
    global generators pyabc samples from, from (seed, t, id)."""
    import cloudpickle
    payload, seed, t, ids = task
    simulate_one = payload if callable(payload) else cloudpickle.loads(payload)
    out = []
    for i in ids:
        state = np.random.SeedSequence([int(seed), int(t) + 1, int(i)]).generate_state(1)
        with seeded(int(state[0])):
            out.append((i, simulate_one()))
    return out


class KeptBatches:
    """Finished batches of evaluated candidates, kept on disk until their
    generation is stored: `<folder>/<key>-t<t>-<first>-<n>.json` holds candidates
    first .. first + n - 1 of generation t of the calibration whose fingerprint is
    `key`. Plain JSON (reading a file runs no code); a file that does not read back
    as the batch it is named for is not used (its batch is run again)."""

    def __init__(self, folder: Path, key: str, cal: Calibration | None = None):
        self.folder, self.key, self.cal = Path(folder), str(key), cal

    def _path(self, t: int, first: int, n: int) -> Path:
        return self.folder / f"{self.key}-t{t}-{first}-{n}.json"

    def load(self, t: int, first: int, n: int) -> list | None:
        path = self._path(t, first, n)
        if path.is_symlink() or not path.is_file():
            return None
        try:
            rows = json.loads(read_small(path, MAX_BATCH_BYTES).decode("utf-8"))
            if self.cal is not None and not all(valid_row(r, self.cal) for r in rows):
                return None                 # forged or damaged: run it again
            out = [(int(r["id"]), _particle(r)) for r in rows]
        except (OSError, ValueError, TypeError, KeyError, AttributeError, ConfigError):
            return None
        if [i for i, _ in out] != list(range(first, first + n)):
            return None
        return out

    def save(self, t: int, first: int, results: list) -> None:
        rows = [{"id": int(i), **_particle_row(p)} for i, p in results]
        atomic_write_text(self._path(t, first, len(results)), json.dumps(rows))

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []

    def drop_stored(self, t: int) -> None:
        """Remove the batches of generations before `t` (stored) and of other
        calibrations."""
        for f in self.files():
            key, _, rest = f.stem.partition("-t")
            gen = rest.split("-")[0]
            if key != self.key or not gen.isdigit() or int(gen) < t:
                f.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every kept batch (and a write a kill left half done)."""
        for f in self.files() + (sorted(self.folder.glob(".*.json.*"))
                                 if self.folder.is_dir() else []):
            f.unlink(missing_ok=True)
        if self.folder.is_dir() and not any(self.folder.iterdir()):
            self.folder.rmdir()


MAX_BATCH_BYTES = 64 << 20       # a kept batch larger than this is not one bscsim wrote


def valid_row(r: Any, cal: Calibration) -> bool:
    """A kept candidate as bscsim writes it: the calibration's parameters, each a
    finite value inside its prior's support; its targets' statistics as numbers; a
    finite non-negative weight and a distance that is a number."""
    if not isinstance(r, dict) or not isinstance(r.get("parameter"), dict):
        return False
    par, stats = r["parameter"], r.get("sum_stat")
    priors = {p.name: p for p in cal.priors}
    if set(par) != set(priors) or not isinstance(stats, dict):
        return False
    if set(stats) != {t.statistic for t in cal.targets}:
        return False
    for name, v in par.items():
        if (not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v)
                or not priors[name].low <= v <= priors[name].high):
            return False
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
               for v in stats.values()):
        return False
    w, d = r.get("weight"), r.get("distance")
    return (isinstance(w, (int, float)) and math.isfinite(w) and w >= 0
            and isinstance(d, (int, float)) and not math.isnan(d) and d >= 0
            and r.get("m") == 0 and isinstance(r.get("accepted"), bool)
            and isinstance(r.get("preliminary"), bool)
            and isinstance(r.get("proposal_id"), int) and isinstance(r.get("id"), int))


def _particle_row(p) -> dict:
    return {"m": int(p.m), "parameter": {k: float(v) for k, v in p.parameter.items()},
            "weight": float(p.weight), "sum_stat": {k: float(v) for k, v in
                                                   p.sum_stat.items()},
            "distance": float(p.distance), "accepted": bool(p.accepted),
            "proposal_id": int(p.proposal_id), "preliminary": bool(p.preliminary)}


def _particle(r: dict):
    from pyabc.parameters import Parameter
    from pyabc.population import Particle
    return Particle(m=int(r["m"]), parameter=Parameter({k: float(v) for k, v in
                                                        r["parameter"].items()}),
                    weight=float(r["weight"]),
                    sum_stat={k: float(v) for k, v in r["sum_stat"].items()},
                    distance=float(r["distance"]), accepted=bool(r["accepted"]),
                    proposal_id=int(r["proposal_id"]),
                    preliminary=bool(r["preliminary"]))


class BatchSampler(Sampler):
    """A pyabc sampler over a bscsim executor, deterministic in its results; with
    `kept`, finished batches survive a kill (`KeptBatches`)."""

    def __init__(self, executor, seed: int, batch: int = 0,
                 progress: Callable[[str, bool], None] | None = None,
                 kept: KeptBatches | None = None):
        super().__init__()
        self.executor, self.seed = executor, int(seed)
        self.chunk = 8
        self.batch = batch or max(1, 4 * executor.workers) * self.chunk
        self.progress = progress or (lambda line, final: None)
        self.kept = kept

    def _evaluate(self, payload, t: int, first: int) -> tuple[list, bool]:
        """Candidates first .. first + batch - 1 of generation t: (results, kept)."""
        if self.kept is not None and t >= 0:
            old = self.kept.load(t, first, self.batch)
            if old is not None:
                return old, True
        ids = range(first, first + self.batch)
        tasks = [(payload, self.seed, t, list(ids[j:j + self.chunk]))
                 for j in range(0, len(ids), self.chunk)]
        results = []
        for _, res in self.executor.imap(_run_chunk, tasks):
            if not isinstance(res, list):      # a worker died: report it
                raise RuntimeError(f"a model evaluation failed: {res.error}")
            results += res
        results.sort(key=lambda r: r[0])
        if self.kept is not None and t >= 0:
            self.kept.save(t, first, results)
        return results, False

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        import cloudpickle
        # in this process (serial) the function itself; else pickled once
        local = self.executor.name == "serial"
        payload = simulate_one if local else cloudpickle.dumps(simulate_one)
        if self.kept is not None:
            self.kept.drop_stored(t)           # generations before t are stored
        sample = self._create_empty_sample()
        accepted = evaluated = reused = 0
        next_id = 0
        started = time.monotonic()
        what = "prior sample" if t < 0 else f"generation {t}"
        while accepted < n and evaluated < max_eval:
            results, kept = self._evaluate(payload, t, next_id)
            next_id += self.batch
            reused += len(results) if kept else 0
            for _, particle in results:
                if accepted >= n or evaluated >= max_eval:
                    break
                sample.append(particle)
                evaluated += 1
                accepted += bool(particle.accepted)
            done = accepted >= n or evaluated >= max_eval
            if kept and not done:
                continue
            if reused and (done or not kept):
                self.progress(f"{what}: reused {reused:,} runs kept from an "
                              "interrupted run", True)
                reused = 0
            self.progress(f"{what}: {accepted}/{n} accepted of {evaluated:,} runs "
                          f"({time.monotonic() - started:.0f} s)", done)
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample


def make_abc(cal: Calibration, executor, progress=None, model_fn=None,
             resume: bool = False, kept: KeptBatches | None = None):
    sampler = BatchSampler(executor, cal.seed, cal.abc.batch, progress, kept)
    if cal.abc.method == "rejection":
        eps = pyabc.ListEpsilon([0.0])        # one generation, from the prior, at 0
    else:
        # generation 0 is the prior itself (no separate sample to set its
        # tolerance); then the median distance of the last generation, which a
        # resumed run reads from the history ("from_sample" of the last generation)
        eps = pyabc.QuantileEpsilon(initial_epsilon="from_sample" if resume else np.inf,
                                    alpha=0.5)
    return pyabc.ABCSMC(Model(cal, model_fn), prior(cal), Distance(cal),
                        population_size=cal.abc.population, eps=eps, sampler=sampler)


def run_abc(cal: Calibration, db: Path, executor, resume: bool,
            progress: Callable[[str, bool], None] | None = None, model_fn=None):
    """Run (or continue) the ABC of `cal` in database `db` (its batches kept in
    `batches/` beside it); returns pyabc's History. Rejection runs one generation;
    SMC stops when the tolerance reaches 0, after `generations` generations in
    all, when a generation's acceptance falls below `min_acceptance`, or when
    `max_minutes` have passed (the running generation is finished first)."""
    url = f"sqlite:///{Path(db).absolute()}"
    kept = KeptBatches(Path(db).parent / BATCHES, cal.fingerprint(), cal)
    if resume and stored_generations(db) == 0:    # killed before generation 0 ended
        resume = False
    if not resume:
        Path(db).unlink(missing_ok=True)
    abc = make_abc(cal, executor, progress, model_fn, resume, kept)
    if resume:
        abc.load(url, RUN_ID)
    else:
        abc.new(url, {t.statistic: 0.5 * (t.low + t.high) for t in cal.targets})
    left = cal.abc.max_generations - abc.history.n_populations
    if left > 0 and not finished(abc.history):
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            # pyabc compares the infinite tolerance of generation 0 with the next
            warnings.simplefilter("ignore", RuntimeWarning)
            abc.run(minimum_epsilon=0.0, max_nr_populations=left,
                    min_acceptance_rate=cal.abc.min_acceptance,
                    max_walltime=timedelta(minutes=cal.abc.max_minutes))
    kept.clear()                                   # every generation run is stored
    return abc.history


def finished(history) -> bool:
    """The last stored generation was run at tolerance 0 (nothing left to do)."""
    if history.n_populations == 0:
        return False
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return bool(len(pops)) and float(pops["epsilon"].iloc[-1]) <= 0.0


def stderr_progress(line: str, final: bool) -> None:
    """Progress on stderr: on a terminal, one line rewritten as batches finish; a
    line per finished generation everywhere, and elsewhere (a log, a pipe) a batch's
    line at most every PROGRESS_EVERY seconds, so a long generation is not silent."""
    if sys.stderr.isatty():
        print("\r" + line.ljust(72), end="\n" if final else "", file=sys.stderr,
              flush=True)
        return
    now = time.monotonic()
    if final or now - _LAST[0] >= PROGRESS_EVERY:
        _LAST[0] = now
        print(line, file=sys.stderr, flush=True)


PROGRESS_EVERY = 10.0       # seconds between progress lines off a terminal
_LAST = [float("-inf")]
