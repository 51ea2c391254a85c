"""Analyses / calibration: ABC-SMC with pyabc, on the project's executors.

- Prior: each fitted parameter uniform (or log-uniform) on its declared range.
- Model: `evaluate.statistics` at a particle (the mean of `replicates` runs).
- Distance: `evaluate.interval_distance`, 0 when every target's statistic lies in
  its interval. Generation 0 is a sample of the prior; then the tolerance is the
  median distance of the last generation (pyabc's quantile epsilon), and the run
  stops when it reaches 0: the last generation is then a
  sample of the parameters given that a simulated collaborative falls inside
  every target interval (rejection ABC with an exact uniform kernel; Wilkinson
  2013), or, if it stops before (generations, time, acceptance), an approximation
  at the tolerance reported in `generations.csv`.
- Sampler (`BatchSampler`): candidates are numbered within a generation and each
  is seeded from (calibration seed, generation, number); they are evaluated in
  batches on the project's executors (serial, processes, Dask) and accepted in
  number order, so the posterior is the same on every executor and any number of
  workers.
- Resume: pyabc's history database (`history.db`) holds every finished generation;
  a rerun loads it and continues with the next one.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pyabc
from pyabc.sampler import Sampler

from ..global_rng import seeded

from .evaluate import interval_distance, statistics
from .spec import Calibration
from .store import stored_generations

RUN_ID = 1


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


class BatchSampler(Sampler):
    """A pyabc sampler over a bscsim executor, deterministic in its results."""

    def __init__(self, executor, seed: int, batch: int = 0,
                 progress: Callable[[str, bool], None] | None = None):
        super().__init__()
        self.executor, self.seed = executor, int(seed)
        self.chunk = 8
        self.batch = batch or max(1, 4 * executor.workers) * self.chunk
        self.progress = progress or (lambda line, final: None)

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        import cloudpickle
        # in this process (serial) the function itself; else pickled once
        local = self.executor.name == "serial"
        payload = simulate_one if local else cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        accepted = evaluated = 0
        next_id = 0
        started = time.monotonic()
        while accepted < n and evaluated < max_eval:
            ids = range(next_id, next_id + self.batch)
            next_id += self.batch
            tasks = [(payload, self.seed, t, list(ids[j:j + self.chunk]))
                     for j in range(0, len(ids), self.chunk)]
            results = []
            for _, res in self.executor.imap(_run_chunk, tasks):
                if not isinstance(res, list):      # a worker died: report it
                    raise RuntimeError(f"a model evaluation failed: {res.error}")
                results += res
            for _, particle in sorted(results, key=lambda r: r[0]):
                if accepted >= n or evaluated >= max_eval:
                    break
                sample.append(particle)
                evaluated += 1
                accepted += bool(particle.accepted)
            done = accepted >= n or evaluated >= max_eval
            what = "prior sample" if t < 0 else f"generation {t}"
            self.progress(f"{what}: {accepted}/{n} accepted of {evaluated:,} runs "
                          f"({time.monotonic() - started:.0f} s)", done)
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample


def make_abc(cal: Calibration, executor, progress=None, model_fn=None,
             resume: bool = False):
    # generation 0 is the prior itself (no separate sample to set its tolerance);
    # then the median distance of the last generation, which a resumed run reads
    # from the history ("from_sample" of the last stored generation)
    first = "from_sample" if resume else np.inf
    return pyabc.ABCSMC(Model(cal, model_fn), prior(cal), Distance(cal),
                        population_size=cal.abc.population,
                        eps=pyabc.QuantileEpsilon(initial_epsilon=first, alpha=0.5),
                        sampler=BatchSampler(executor, cal.seed, cal.abc.batch, progress))


def run_abc(cal: Calibration, db: Path, executor, resume: bool,
            progress: Callable[[str, bool], None] | None = None, model_fn=None):
    """Run (or continue) the ABC-SMC of `cal` in database `db`; returns pyabc's
    History. Stops when the tolerance reaches 0, after `generations` generations
    in all, when a generation's acceptance falls below `min_acceptance`, or when
    `max_minutes` have passed (the running generation is finished first)."""
    url = f"sqlite:///{Path(db).absolute()}"
    if resume and stored_generations(db) == 0:    # killed before generation 0 ended
        resume = False
    if not resume:
        Path(db).unlink(missing_ok=True)
    abc = make_abc(cal, executor, progress, model_fn, resume)
    if resume:
        abc.load(url, RUN_ID)
    else:
        abc.new(url, {t.statistic: 0.5 * (t.low + t.high) for t in cal.targets})
    left = cal.abc.generations - abc.history.n_populations
    if left > 0 and not finished(abc.history):
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            # pyabc compares the infinite tolerance of generation 0 with the next
            warnings.simplefilter("ignore", RuntimeWarning)
            abc.run(minimum_epsilon=0.0, max_nr_populations=left,
                    min_acceptance_rate=cal.abc.min_acceptance,
                    max_walltime=timedelta(minutes=cal.abc.max_minutes))
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
    line per finished generation everywhere."""
    if sys.stderr.isatty():
        print("\r" + line.ljust(72), end="\n" if final else "", file=sys.stderr,
              flush=True)
    elif final:
        print(line, file=sys.stderr, flush=True)
