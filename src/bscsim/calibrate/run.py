"""Analyses / calibration: one calibration from its file to its output folder.

The folder (`--out`) holds, as the run goes:

- `history.db`: pyabc's database of finished generations (what a resumed run
  continues from) and `run.json` (what the run is: the file's fingerprint);

and, when it finishes:

- `posterior.parquet`: the last generation's particles (one column per fitted
  parameter, `weight`), the format `bscsim.posterior` reads;
- `posterior_summary.csv`: weighted mean, median and 90% interval per parameter;
- `generations.csv`: per generation the tolerance, runs, acceptance, ESS and the
  weighted median distance; `predictive.csv`: the posterior predictive check of
  every target; figures `marginals.png`, `pairs.png`, `generations.png`,
  `predictive.png`;
- `provenance.json` (written last): the calibration file as written, the resolved
  model config, seed, versions, executor, and the stopping reason.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..atomic import (INCOMPLETE, atomic_write_text, check_inside, check_out, matches,
                      marked_incomplete, remove_made, write_new)
from ..config import ConfigError
from ..posterior import POSTERIOR_FILE, WEIGHT, posterior_draws
from ..results import versions
from ..sweep.store import write_parquet
from .evaluate import statistics
from .spec import Calibration
from .store import stored_generations

RUN_FILE, DB_FILE = "run.json", "history.db"
RESULTS = ("posterior_summary.csv", "generations.csv", "predictive.csv",
           "predictive_draws.csv", "marginals.png", "pairs.png", "generations.png",
           "predictive.png")
# what a calibration folder holds (also the temporary files a kill can leave)
LAYOUT = (RUN_FILE, DB_FILE, "history.db-*", "batches", "batches/*.json",
          "batches/.*.json.*", INCOMPLETE, POSTERIOR_FILE, "provenance.json", *RESULTS,
          ".*.json.*", ".*.parquet.*", ".*.csv.*", ".*.png.*", f".{INCOMPLETE}.*")


def prepare(cal: Calibration, out: str | Path, restart: bool = False) -> tuple[Path, bool]:
    """Check `out` before anything runs; returns (out, resume). A folder holding a
    calibration of another file or other settings is refused unless `restart`."""
    out = check_out(out, marker=(RUN_FILE,), what="calibration")
    check_inside(out, lambda rel: matches(rel, LAYOUT), "calibration")
    resume = False
    run_file = out / RUN_FILE
    if run_file.exists():
        try:
            old = json.loads(run_file.read_text())
        except (OSError, ValueError):
            old = {}
        old = old if isinstance(old, dict) else {}
        same = old.get("fingerprint") == cal.fingerprint()
        if not same and not restart:
            raise ConfigError(f"{out}: holds a calibration of other settings "
                              f"({old.get('source', '?')}); choose another --out or "
                              "add --restart to start it again")
        resume = same and not restart and stored_generations(out / DB_FILE) > 0
    return out, resume


def calibrate(cal: Calibration, out: str | Path, executor: str = "processes",
              workers: int | None = None, restart: bool = False,
              progress: Callable[[str, bool], None] | None = None,
              ppc_draws: int | None = None, model_fn: Callable | None = None,
              figures: bool = True) -> dict[str, Any]:
    """Run (or resume) the calibration and write its folder; returns a summary
    (stop reason, generations, ESS, seconds). `model_fn` replaces the model
    (`evaluate.statistics` signature; tests use one with a known answer)."""
    from ..sweep.executors import make_executor
    from .smc import BATCHES, KeptBatches, finished, run_abc

    out, resume = prepare(cal, out, restart)
    runner = make_executor(executor, workers)    # a bad choice fails before writing
    out.mkdir(parents=True, exist_ok=True)
    # INCOMPLETE from here to the end: a kill leaves a folder that says it is
    # partial (posterior readers refuse it) and that the same command resumes
    with marked_incomplete(out, f"bscsim calibrate {cal.source} --out {out}"):
        return _calibrate(cal, out, runner, executor, restart, resume, progress,
                          ppc_draws, model_fn, figures)


def _calibrate(cal: Calibration, out: Path, runner, executor: str, restart: bool,
               resume: bool, progress, ppc_draws, model_fn, figures: bool
               ) -> dict[str, Any]:
    from .smc import BATCHES, KeptBatches, finished, run_abc
    if not resume:
        for name in (DB_FILE, "provenance.json", POSTERIOR_FILE, *RESULTS):
            remove_made(out / name)
    if restart:                     # the kept batches of the run started again
        KeptBatches(out / BATCHES, "").clear()
    atomic_write_text(out / RUN_FILE, json.dumps(
        {"fingerprint": cal.fingerprint(), "source": cal.source}, indent=2))
    started = time.monotonic()
    with runner as ex:
        history = run_abc(cal, out / DB_FILE, ex, resume, progress, model_fn)
        gen = generation_table(history, cal.abc.method)
        post = posterior_table(history, cal)
        write_parquet(post, out / POSTERIOR_FILE)
        _csv(summary_table(post, cal), out / "posterior_summary.csv")
        _csv(gen, out / "generations.csv")
        ppc, sims = predictive(cal, out, ex, ppc_draws or cal.abc.predictive, model_fn)
    _csv(ppc, out / "predictive.csv")
    _csv(sims, out / "predictive_draws.csv")
    if figures:
        _figures(out, post, gen, ppc, sims, cal)
    reason = stop_reason(cal, gen, finished(history))
    info = {"method": cal.abc.method, "stop": reason, "generations": int(len(gen)),
            "ess": float(gen["ess"].iloc[-1]), "epsilon": float(gen["epsilon"].iloc[-1]),
            "runs": int(gen["runs"].sum()), "seconds_this_call": time.monotonic() - started,
            "resumed": resume}
    provenance = {
        "calibration_file": cal.source, "calibration_text": cal.text,
        "fingerprint": cal.fingerprint(), "seed": cal.seed,
        "config_file": cal.config, "config": cal.params.to_dict(),
        "priors": [vars(p) for p in cal.priors],
        "targets": [vars(t) for t in cal.targets], "abc": vars(cal.abc),
        "data": cal.data, "executor": executor, "versions": _versions(),
        "result": info,
    }
    atomic_write_text(out / "provenance.json", json.dumps(provenance, indent=2,
                                                          default=str))
    return info


def _csv(df: pd.DataFrame, path: Path) -> None:
    """A table as CSV, written new and renamed into place (never through a link)."""
    atomic_write_text(path, df.to_csv(index=False))


def _versions() -> dict[str, str]:
    from importlib.metadata import version
    v = versions()
    v["pyabc"] = version("pyabc")
    return v


def generation_table(history, method: str) -> pd.DataFrame:
    """Per generation: the method, tolerance, runs, acceptance, ESS, weighted
    median distance."""
    from pyabc.weighted_statistics import effective_sample_size, weighted_median
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for r in pops.itertuples():
        d = history.get_weighted_distances(t=int(r.t))
        w = d["w"].to_numpy() / d["w"].sum()
        rows.append({"method": method, "t": int(r.t), "epsilon": float(r.epsilon),
                     "runs": int(r.samples), "particles": int(len(d)),
                     "acceptance": len(d) / max(int(r.samples), 1),
                     "ess": float(effective_sample_size(w)),
                     "median_distance": float(weighted_median(d["distance"].to_numpy(), w)),
                     "seconds": float(getattr(r, "wall_time", np.nan) or np.nan)})
    return pd.DataFrame(rows)


def posterior_table(history, cal: Calibration) -> pd.DataFrame:
    df, w = history.get_distribution(m=0, t=history.max_t)
    post = df[list(cal.names)].reset_index(drop=True).astype(float)
    post[WEIGHT] = np.asarray(w, float) / np.sum(w)
    return post


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / np.sum(w)
    return float(x[order][np.searchsorted(cw, q, side="left").clip(0, len(x) - 1)])


def summary_table(post: pd.DataFrame, cal: Calibration) -> pd.DataFrame:
    """Per parameter: prior range, default, weighted mean, median, 90% interval."""
    w = post[WEIGHT].to_numpy()
    rows = []
    for p in cal.priors:
        x = post[p.name].to_numpy()
        rows.append({"parameter": p.name, "prior": f"{p.dist} {p.low:g} to {p.high:g}",
                     "default": getattr(cal.params, p.name),
                     "mean": float(np.sum(w * x)),
                     "median": weighted_quantile(x, w, 0.5),
                     "q05": weighted_quantile(x, w, 0.05),
                     "q95": weighted_quantile(x, w, 0.95)})
    return pd.DataFrame(rows)


def predictive(cal: Calibration, out: Path, ex, n: int, model_fn: Callable | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Posterior predictive check: `n` posterior draws, each run with new seeds;
    per target the median, 90% interval and share of draws inside its interval."""
    draws = posterior_draws(out, n, seed=cal.seed, partial=True)
    tasks = [(cal, i, d, model_fn) for i, d in enumerate(draws)]
    rows = [None] * len(tasks)
    for (_, i, _, _), res in ex.imap(_predict_one, tasks):
        if not isinstance(res, dict):
            raise RuntimeError(f"a predictive run failed: {res.error}")
        rows[i] = res
    sims = pd.DataFrame(rows)
    table = []
    for t in cal.targets:
        v = sims[t.statistic].to_numpy(float)
        v = v[np.isfinite(v)]
        table.append({"target": t.name, "statistic": t.statistic, "source": t.source,
                      "low": t.low, "high": t.high, "median": float(np.median(v)),
                      "q05": float(np.quantile(v, 0.05)), "q95": float(np.quantile(v, 0.95)),
                      "share_inside": float(np.mean((v >= t.low) & (v <= t.high)))})
    return pd.DataFrame(table), sims


def _predict_one(task) -> dict:
    cal, i, values, fn = task
    # new seeds: the predictive runs are not the runs the particles were accepted on
    return (fn or statistics)(cal.params, values, cal.targets, cal.seed + 7919 * (i + 1),
                              cal.abc.replicates)


def stop_reason(cal: Calibration, gen: pd.DataFrame, done: bool) -> str:
    if done:
        return "tolerance reached 0: every particle's runs fall inside every target"
    if cal.abc.method == "rejection":
        return "rejection: fewer candidates accepted than population"
    if len(gen) >= cal.abc.generations:
        return f"generations: the limit of {cal.abc.generations} was reached"
    if gen["acceptance"].iloc[-1] < cal.abc.min_acceptance:
        return f"acceptance below min_acceptance ({cal.abc.min_acceptance:g})"
    return f"time: max_minutes ({cal.abc.max_minutes:g}) passed"


def _figures(out: Path, post, gen, ppc, sims, cal: Calibration) -> None:
    import matplotlib.pyplot as plt

    from . import plots
    for name, fig in (("marginals.png", plots.marginals(post, cal.priors)),
                      ("pairs.png", plots.pairs(post, cal.priors)),
                      ("generations.png", plots.generations(gen)),
                      ("predictive.png", plots.predictive(ppc, sims))):
        buffer = io.BytesIO()
        fig.savefig(buffer, dpi=110, format="png")
        plt.close(fig)
        write_new(out / name, buffer.getvalue())


def format_report(out: Path) -> str:
    """The posterior table, generations and predictive checks, as text."""
    s = pd.read_csv(out / "posterior_summary.csv")
    g = pd.read_csv(out / "generations.csv")
    p = pd.read_csv(out / "predictive.csv")
    method = {"smc": "ABC-SMC", "rejection": "rejection ABC from the prior at tolerance 0"}
    lines = [f"Method: {method.get(str(g['method'].iloc[0]), g['method'].iloc[0])}",
             "Posterior (weighted; 90% interval):",
             s.to_string(index=False, float_format=lambda x: f"{x:.4g}"), "",
             "Generations:",
             g.drop(columns=["seconds", "method"]).to_string(index=False,
                                                   float_format=lambda x: f"{x:.4g}"), "",
             "Posterior predictive check of every target (new seeds):",
             p.drop(columns=["statistic"]).to_string(index=False,
                                                     float_format=lambda x: f"{x:.4g}")]
    return "\n".join(lines)


def verdict(share: float) -> str:
    """How often the model reproduces a target, in words, from the share of
    posterior predictive draws (new seeds) that fall inside it."""
    if share >= 0.8:
        return "the model reproduces this target well"
    if share >= 0.5:
        return "the model reproduces this target more often than not"
    if share >= 0.2:
        return "the model rarely reproduces this target"
    return "the model almost never reproduces this target: model and target disagree"


def verdicts(out: Path, cal: Calibration) -> str:
    """The calibration's bottom line: one sentence per target (how often the
    accepted draws, run again on new seeds, meet it, and what that says), and a
    note for each target interval clipped to the values its statistic can take."""
    p = pd.read_csv(Path(out) / "predictive.csv").set_index("target")
    notes = {t.name: t.note for t in cal.targets}
    lines = ["Bottom line, per target (the posterior's draws, each run again on new "
             f"seeds; {len(pd.read_csv(Path(out) / 'predictive_draws.csv'))} draws):"]
    for name, r in p.iterrows():
        share = float(r["share_inside"])
        lines.append(f"- {name}: met in {share:.0%} of accepted draws ([{r['low']:.3g}, "
                     f"{r['high']:.3g}]; 90% of draws gave {r['q05']:.3g} to "
                     f"{r['q95']:.3g}) - {verdict(share)}.")
        if notes.get(name):
            lines.append(f"  ({name}: target {notes[name]})")
    return "\n".join(lines)
