"""Analyses: a value-of-information analysis, end to end. Decision file -> parameter
draws -> every option at every draw through the sweep runner (common random
numbers) -> net benefit, CEAC, EVPI, EVPPI by group and parameter, EVSI and ENBS
of a study -> tables, figures, an HTML report.

The draws: parameters named under [uncertainty] sample, drawn over their plausible
ranges by a Latin hypercube from SeedSequence(seed) (as explore's futures are), and
a posterior's parameters by weighted resampling (`posterior_draws(folder, draws,
seed)`); a parameter in both comes from the posterior.

The runs: one sweep folder per option, `DIR/runs_<option>/`, whose design points are
the draws, one run each, seeded `run_seed(seed, draw)`: draw d of every option runs
with the same seed and parameters (common random numbers: options differ only by
what they are), and each draw has its own seed (chance varies across draws as
parameters do). With a [study], `DIR/runs_study/` holds, per draw, the
collaboratives the study would measure: the study option run with the study's
number of centers and no follow-up (the study observes practice at the end of the
collaborative, `practice_gain_sd`), `max(collaboratives)` of them, seeded `run_seed(seed + 1, run)`
(independent of the option runs, so the study learns about parameters, not about
the chance events of the decision's own runs). Running the command again resumes
every folder; the rest of DIR is written whole (bscsim.atomic).

Net benefit per center at draw d of option j: wtp x outcome x units_per_center -
cost_per_center; for the state, times the (discounted) population of centers.

The study's data (`study_summary`): for each collaborative measured, the change in
observed practice of its participating classrooms, the model's true mean change
(`practice_gain_sd`, in baseline SD) plus the observation's error: a change score
of two observations of reliability r has error SD sqrt(2 (1 - r) / r) baseline SDs
per classroom, averaged over the classrooms observed (centers x participating
classrooms per center). A study of m collaboratives reports the mean over the
first m (nested: a larger study includes the smaller). The EVSI is the regression
estimate on that mean (bscsim.value.voi.evsi; Strong et al. 2015).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import atomic_folder, check_out
from ..config import ConfigError
from ..params import BY_NAME, GROUPS
from ..sweep import design_spec, load_sweep, run_sweep
from ..sweep.design import round_whole
from ..sweep.runner import fresh_if_changed
from ..sweep.store import all_versions, now, write_json, write_parquet
from . import voi
from .spec import Decision, load_decision

ROOT = Path("results") / "value"
MARKER = ("provenance.json", "evpi.csv")
QUICK_DRAWS = 120
ALL = "all"           # the EVPPI of every drawn parameter together (groups table)


@dataclass
class ValueResult:
    """What a value-of-information analysis found (per center unless `state`)."""

    decision: Decision
    draws: pd.DataFrame                 # one row per draw: drawn parameters
    effects: np.ndarray                 # draws x options, outcome units per center
    costs: np.ndarray                   # draws x options, USD per center
    ceac: pd.DataFrame
    evpi: pd.DataFrame
    groups: pd.DataFrame
    single: pd.DataFrame
    fits: pd.DataFrame
    evsi: pd.DataFrame | None = None
    dropped: int = 0                    # draws dropped for a failed run
    out: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)   # parameter -> "plausible"|"posterior"

    @property
    def options(self) -> list[str]:
        return [o.name for o in self.decision.options]

    def __str__(self) -> str:
        from .words import report_text
        return report_text(self)


def default_out(decision: Decision) -> Path:
    return ROOT / Path(decision.path).stem


def quick(decision: Decision) -> Decision:
    """A small version of a decision (a few seconds): QUICK_DRAWS draws, at most two
    study sizes, three single parameters."""
    study = decision.study
    if study is not None:
        from dataclasses import replace
        study = replace(study, collaboratives=study.collaboratives[:2])
    return decision.replace(draws=min(decision.draws, QUICK_DRAWS), study=study,
                            n_single=min(decision.n_single, 3))


# ------------------------------------------------------------------ the draws
def draw_parameters(decision: Decision) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per draw, one column per drawn parameter; and each one's source."""
    from scipy.stats import qmc
    sources: dict[str, str] = {}
    frames = []
    posterior_names: list[str] = []
    if decision.posterior is not None:
        from ..posterior import posterior_draws
        post = pd.DataFrame(posterior_draws(decision.posterior, decision.draws,
                                            decision.seed))
        posterior_names = list(post.columns)
        frames.append(post)
        sources.update(dict.fromkeys(posterior_names, "posterior"))
    names = [n for n in decision.sample if n not in posterior_names]
    if names:
        rng = np.random.default_rng(np.random.SeedSequence(decision.seed))
        try:
            engine = qmc.LatinHypercube(len(names), rng=rng)
        except TypeError:       # scipy < 1.15 calls it `seed`
            engine = qmc.LatinHypercube(len(names), seed=rng)
        unit = engine.random(decision.draws)
        low = np.array([BY_NAME[n].plausible[0] for n in names], float)
        high = np.array([BY_NAME[n].plausible[1] for n in names], float)
        frames.append(pd.DataFrame(low + unit * (high - low), columns=names))
        sources.update(dict.fromkeys(names, "plausible"))
    draws = round_whole(pd.concat(frames, axis=1))
    for o in decision.options:
        both = set(draws.columns) & (set(o.changes) | set(decision.changes))
        if both:
            raise ConfigError(f"{decision.path}: {sorted(both)[0]} is drawn from the "
                              f"posterior, but option {o.name} or [set] sets it")
    return draws, sources


def sweeps(decision: Decision, draws: pd.DataFrame) -> dict[str, Any]:
    """The sweep spec of each option (and of the study), keyed by folder name."""
    specs = {}
    for o in decision.options:
        specs[f"runs_{o.name}"] = design_spec(
            draws, path=decision.path, title=f"{decision.title}: {o.label}",
            base=o.config, changes={**decision.changes, **o.changes}, replicates=1,
            root_seed=decision.seed, text=decision.text)
    plan = decision.study
    if plan is not None:
        o = next(o for o in decision.options if o.name == plan.option)
        specs["runs_study"] = design_spec(
            draws, path=decision.path, title=f"{decision.title}: study of {o.label}",
            base=o.config, changes={**decision.changes, **o.changes,
                                    "n_centers": plan.n_centers, "weeks_followup": 0},
            replicates=max(plan.collaboratives), root_seed=decision.seed + 1,
            text=decision.text)
    return specs


def run_value(decision: Decision | str | Path, out: str | Path | None = None,
              executor: str = "processes", workers: int | None = None,
              scheduler: Any = None, progress: bool = True,
              retry_failed: bool = False, quick_run: bool = False) -> ValueResult:
    """Run (or resume) the analysis of a decision into `out` (default
    results/value/<file name>) and write its results there, whole."""
    if not isinstance(decision, Decision):
        decision = load_decision(decision)
    if quick_run:
        decision = quick(decision)
    draws, sources = draw_parameters(decision)
    specs = sweeps(decision, draws)                 # validated before anything runs
    out = Path(out) if out is not None else default_out(decision)
    keep = tuple(specs)
    check_out(out, MARKER, "value", keep=keep)
    runs = {}
    for name, spec in specs.items():
        folder = out / name
        fresh_if_changed(folder, spec)
        run_sweep(spec, folder, executor=executor, workers=workers, scheduler=scheduler,
                  progress=progress, retry_failed=retry_failed)
        runs[name] = load_sweep(folder).sort_values("run", ignore_index=True)
    result = analyse(decision, draws, runs, sources)
    with atomic_folder(out, MARKER, "value", keep=keep) as tmp:
        write(result, tmp, runs)
    result.out = out
    return result


# ------------------------------------------------------------------ the analysis
def effects_and_costs(decision: Decision, runs: dict[str, pd.DataFrame]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(effects, costs, ok): draws x options per center, and which draws ran in
    every option."""
    n = decision.draws
    effects, costs = np.full((n, len(decision.options)), np.nan), np.full(
        (n, len(decision.options)), np.nan)
    for j, o in enumerate(decision.options):
        r = runs[f"runs_{o.name}"]
        ok = (r["status"] == "ok").to_numpy()
        point = r["point"].to_numpy()[ok]
        effects[point, j] = r[decision.outcome].to_numpy()[ok] * decision.units_per_center
        costs[point, j] = r["cost_per_center"].to_numpy()[ok]
    good = np.isfinite(effects).all(axis=1) & np.isfinite(costs).all(axis=1)
    return effects, costs, good


def study_summary(decision: Decision, runs: pd.DataFrame) -> np.ndarray:
    """draws x sizes: the mean observed practice change over the first m
    collaboratives a study measures, for each size m (see the module docstring)."""
    plan = decision.study
    k = max(plan.collaboratives)
    gain = np.full((decision.draws, k), np.nan)
    ok = (runs["status"] == "ok").to_numpy()
    gain[runs["point"].to_numpy()[ok], runs["replicate"].to_numpy()[ok]] = \
        runs["practice_gain_sd"].to_numpy()[ok]
    error_sd = np.sqrt(2 * (1 - plan.reliability) / plan.reliability)
    per_collab = error_sd / np.sqrt(plan.n_centers * plan.classrooms)
    rng = np.random.default_rng(np.random.SeedSequence([decision.seed, 0x57D]))
    observed = gain + rng.normal(0.0, per_collab, gain.shape)
    return np.column_stack([observed[:, :m].mean(axis=1) for m in plan.collaboratives])


def group_members(names: list[str]) -> dict[str, list[str]]:
    """The drawn parameters by mechanism group (params.py), groups in GROUPS order."""
    out = {g: [n for n in names if BY_NAME[n].group == g] for g in GROUPS}
    return {g: m for g, m in out.items() if m}


def screen(effects, costs, x: pd.DataFrame, wtp: float) -> pd.Series:
    """A cheap ranking of single parameters by what they are worth to the decision:
    the EVPPI at `wtp` with each option's incremental net benefit fitted by a cubic
    polynomial in the parameter (least squares), instead of a GAM."""
    nb = voi.net_benefit(effects, costs, wtp)
    inb = nb - nb[:, :1]
    scores = {}
    for name in x.columns:
        v = x[name].to_numpy(float)
        if np.ptp(v) == 0:
            scores[name] = 0.0
            continue
        z = (v - v.mean()) / v.std()
        basis = np.column_stack([np.ones_like(z), z, z**2, z**3])
        coef, *_ = np.linalg.lstsq(basis, inb, rcond=None)
        scores[name] = voi.value_of_fitted(basis @ coef)
    return pd.Series(scores).sort_values(ascending=False, kind="stable")


def _rows(value: voi.Value, population: float, **key) -> list[dict[str, Any]]:
    return [{**key, "wtp": float(w), "evppi_per_center": float(v), "se_per_center": float(s),
             "evppi_state": float(v * population), "se_state": float(s * population),
             "r2_min": value.min_r2, "resid_z_max": value.max_resid_z,
             "method": ",".join(sorted({f["method"] for f in value.fits}))}
            for w, v, s in zip(value.wtp, value.value, value.se)]


def analyse(decision: Decision, draws: pd.DataFrame, runs: dict[str, pd.DataFrame],
            sources: dict[str, str] | None = None) -> ValueResult:
    """Every value-of-information table from the runs (no I/O)."""
    effects, costs, good = effects_and_costs(decision, runs)
    summary = study_summary(decision, runs["runs_study"]) if decision.study else None
    if summary is not None:
        good &= np.isfinite(summary).all(axis=1)
    dropped = int((~good).sum())
    if good.sum() < 10:
        raise ConfigError(f"{decision.path}: only {int(good.sum())} draws ran in every "
                          "option; see the runs_*/ folders for the errors")
    e, c, x = effects[good], costs[good], draws[good].reset_index(drop=True)
    names = [o.name for o in decision.options]
    wtp = list(decision.wtp)
    pop = decision.population
    ceac = voi.ceac(e, c, wtp, names)
    evpi_rows = []
    for w in wtp:
        v = voi.evpi(voi.net_benefit(e, c, w))
        evpi_rows.append({"wtp": w, "evpi_per_center": v, "evpi_state": v * pop})
    evpi = pd.DataFrame(evpi_rows)
    group_rows, fit_rows = [], []
    shuffled = np.random.default_rng(np.random.SeedSequence([decision.seed, 0x5F])
                                     ).permutation(len(x))
    members_of = {**group_members(list(x.columns)), ALL: list(x.columns)}
    for i, (g, members) in enumerate(members_of.items()):
        inputs = x[members].to_numpy(float)
        value = voi.evppi(e, c, inputs, wtp, seed=decision.seed + i)
        null = voi.evppi(e, c, inputs[shuffled], wtp, n_se=2, seed=decision.seed + i)
        rows = _rows(value, pop, group=g, n_params=len(members),
                     params=" ".join(members) if g != ALL else "")
        for row, v in zip(rows, null.value):
            row["null_per_center"] = float(v)
        group_rows += rows
        fit_rows += [{"what": f"group {g}", **f} for f in value.fits]
    scores = screen(e, c, x, decision.headline_wtp)
    single_rows = []
    for i, name in enumerate(scores.index[:decision.n_single]):
        value = voi.evppi(e, c, x[[name]].to_numpy(float), wtp, seed=decision.seed + 100 + i)
        single_rows += _rows(value, pop, param=name, group=BY_NAME[name].group,
                             screen=float(scores[name]))
        fit_rows += [{"what": f"parameter {name}", **f} for f in value.fits]
    evsi = None
    if summary is not None:
        plan = decision.study
        rows = []
        for i, m in enumerate(plan.collaboratives):
            value = voi.evsi(e, c, summary[good][:, i], wtp, seed=decision.seed + 200 + i)
            centers = m * plan.n_centers
            cost = plan.cost_fixed + plan.cost_per_center * centers
            fit_rows += [{"what": f"study of {centers} centers", **f} for f in value.fits]
            for w, v, s in zip(value.wtp, value.value, value.se):
                rows.append({"collaboratives": m, "centers": centers, "wtp": float(w),
                             "evsi_per_center": float(v), "se_per_center": float(s),
                             "evsi_state": float(v * pop), "study_cost": cost,
                             "enbs": float(v * pop - cost), "r2": value.min_r2,
                             "resid_z": value.max_resid_z})
        evsi = pd.DataFrame(rows)
    fits = pd.DataFrame(fit_rows)
    if len(fits):
        fits["option"] = [names[j] for j in fits["option"]]
    return ValueResult(decision, x, e, c, ceac, evpi, pd.DataFrame(group_rows),
                       pd.DataFrame(single_rows), fits, evsi, dropped,
                       sources=dict(sources or {}))


# ------------------------------------------------------------------ writing
DICTIONARY = {
    "draw": ("", "index of the parameter draw"),
    "option": ("", "the decision's option (its name)"),
    "effect": ("units of outcome per center", "outcome x units_per_center"),
    "cost": ("USD per center", "cost_per_center of the option at the draw"),
    "wtp": ("USD per unit of outcome", "willingness to pay"),
    "p_best": ("share", "share of draws in which the option has the highest net benefit"),
    "expected_nb": ("USD per center", "mean net benefit over the draws"),
    "best_expected": ("", "the option of highest expected net benefit at this wtp"),
    "evpi_per_center": ("USD per center", "expected value of perfect information"),
    "evpi_state": ("USD", "EVPI x the discounted centers of the state"),
    "evppi_per_center": ("USD per center", "expected value of partial perfect information"),
    "se_per_center": ("USD per center", "standard error of the regression estimate"),
    "evppi_state": ("USD", "EVPPI x the discounted centers of the state"),
    "se_state": ("USD", "its standard error"),
    "r2_min": ("", "smallest R^2 of the regressions behind the estimate"),
    "resid_z_max": ("", "largest |z| of a decile's mean residual (over 3: a missed trend)"),
    "method": ("", "regression: gam (1-2 inputs) or pls (a group reduced to two indices)"),
    "group": ("", "mechanism group of params.py; 'all': every drawn parameter together"),
    "null_per_center": ("USD per center", "the same estimate with the group's values "
                        "shuffled across draws: what the regression finds in noise (its "
                        "overfit floor; an EVPPI near it is not distinguishable from 0)"),
    "n_params": ("", "parameters drawn in the group"),
    "params": ("", "the group's drawn parameters"),
    "param": ("", "one parameter"),
    "screen": ("USD per center", "EVPPI with a cubic fit instead of a GAM (the screen that picked it)"),
    "collaboratives": ("", "collaboratives the study measures"),
    "centers": ("centers", "centers the study measures"),
    "evsi_per_center": ("USD per center", "expected value of sample information"),
    "evsi_state": ("USD", "EVSI x the discounted centers of the state"),
    "study_cost": ("USD", "cost_fixed + cost_per_center x centers"),
    "enbs": ("USD", "expected net benefit of sampling: evsi_state - study_cost"),
    "r2": ("", "R^2 of the EVSI regressions (smallest)"),
    "resid_z": ("", "largest |z| of a decile's mean residual"),
    "what": ("", "the estimate a regression is for (a group, a parameter, a study size)"),
    "quantity": ("", "effect or cost of the option minus the first option's, regressed"),
}


def long_draws(result: ValueResult) -> pd.DataFrame:
    """One row per (draw, option): the drawn parameters, effect and cost."""
    n, k = result.effects.shape
    df = pd.DataFrame({"draw": np.repeat(np.arange(n), k),
                       "option": np.tile(result.options, n),
                       "effect": result.effects.ravel(), "cost": result.costs.ravel()})
    params = result.draws.iloc[np.repeat(np.arange(n), k)].reset_index(drop=True)
    return pd.concat([df, params], axis=1)


def provenance(result: ValueResult, runs: dict[str, pd.DataFrame] | None = None,
               out: Path | None = None) -> dict[str, Any]:
    d = result.decision
    folders = {}
    for name in (runs or {}):
        manifest = out / name / "manifest.json" if out is not None else None
        fp = (json.loads(manifest.read_text()).get("fingerprint")
              if manifest is not None and manifest.is_file() else None)
        folders[name] = {"runs": len(runs[name]), "fingerprint": fp}
    return {
        "title": d.title, "decision_file": d.path, "decision_text": d.text,
        "decision": d.to_dict(), "fingerprint": d.fingerprint(),
        "population_discounted": d.population,
        "sources": result.sources, "draws_used": len(result.draws),
        "draws_dropped": result.dropped,
        "seeding": ("draws: Latin hypercube from SeedSequence(seed) over the plausible "
                    "ranges, posterior by posterior_draws(folder, draws, seed); run of "
                    "draw d of every option: run_seed(seed, d) (common random numbers); "
                    "study collaboratives: run_seed(seed + 1, run); observation error: "
                    "SeedSequence([seed, 0x57D])"),
        "estimators": ("EVPPI and EVSI by regression (Strong et al. 2014, 2015): pygam "
                       "LinearGAM s() / te() by GCV; groups of 3+ reduced to two PLS "
                       "indices of the inputs and their squares; SE from the GAM's "
                       "coefficient posterior"),
        "runs": folders, "versions": {**all_versions(), **_extra_versions()},
        "analysed": now(),
    }


def _extra_versions() -> dict[str, str]:
    out = {}
    for name in ("pygam", "sklearn"):
        try:
            out[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - a version is informative only
            out[name] = "missing"
    return out


def write(result: ValueResult, folder: Path, runs: dict[str, pd.DataFrame] | None = None
          ) -> None:
    """Every table, figure and the report into `folder`."""
    from .figures import save_figures
    from .report import write_report
    from .words import report_text
    prov = provenance(result, runs, result.out)
    tables = {"ceac": result.ceac, "evpi": result.evpi, "evppi_groups": result.groups,
              "evppi_single": result.single, "fit_checks": result.fits}
    if result.evsi is not None:
        tables["evsi"] = result.evsi
    blob = json.dumps(prov, default=str)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)
        df = df.copy()
        df.attrs["provenance"] = blob
        write_parquet(df, folder / f"{name}.parquet")
    draws = long_draws(result)
    draws.attrs["provenance"] = blob
    write_parquet(draws, folder / "draws.parquet")
    rows = []
    for name, df in {**tables, "draws": draws}.items():
        for col in df.columns:
            unit, meaning = DICTIONARY.get(col, _param_entry(col))
            rows.append({"table": name, "column": col, "unit": unit, "meaning": meaning})
    pd.DataFrame(rows).to_csv(folder / "data_dictionary.csv", index=False)
    write_json(folder / "provenance.json", prov)
    (folder / "report.md").write_text(report_text(result) + "\n")
    save_figures(result, folder / "figures")
    write_report(result, folder / "report.html")


def _param_entry(name: str) -> tuple[str, str]:
    p = BY_NAME.get(name)
    if p is not None:
        return p.unit, f"drawn parameter ({p.group}): {p.meaning}"
    return "", ""
