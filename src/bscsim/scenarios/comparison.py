"""Analyses: scenario files, their comparison and its table (`bscsim compare`).

A scenario file (commented TOML) names a base config and a list of named
scenarios, each an arm config and/or a set of parameter changes, plus the number of
replicates, the reference scenario and a root seed (docs/scenarios.md):

    title = "..."                 # what is compared, in plain words
    question = "..."              # the question it answers
    base = "../ccl_phase1.toml"   # beside this file, or in configs/
    reference = "business_as_usual"
    replicates = 20
    seed = 2026

    [[scenario]]
    name = "full_bsc"             # letters, digits, _ and -
    label = "Full BSC"            # optional, for figures
    description = "..."           # optional, plain words for the report
    config = "../arms/full_bsc.toml"   # optional: its keys apply on the base
    [scenario.set]                # optional: parameter changes, applied last
    planning_hours = 4.0

Common random numbers: replicate r of every scenario runs with the same seed,
`SeedSequence(seed, spawn_key=(r,))`; the model spawns one random stream per process
from it, so what a scenario does not change draws the same numbers. Differences
from the reference are taken replicate by replicate (paired).

`read_scenarios` validates the whole file before anything runs (every problem is a
one-line `ConfigError`); `compare` runs it through the sweep runner (serially, on
local processes or on Dask; resumable, with progress) and returns a `Comparison`
whose results do not depend on the executor or the number of workers. With a
posterior (`--posterior DIR`), replicate r of every scenario runs at one draw from
it, so the intervals include parameter uncertainty as well as chance.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import atomic_folder
from ..config import (NAME, ConfigError, find_config, flatten, params_of, read_toml,
                      resolve_sources)
from ..limits import check_runs
from ..outputs import BY_NAME as OUTPUTS, SUMMARY_NAMES
from ..sweep.runner import RunsFailed
from ..sweep.spec import SweepSpec
from ..sweep.tasks import SIZE_OUTPUTS as SIZES
from ..params import (BY_NAME as PARAMS, Params, UnknownParamError, make_params,
                     nearest)
from ..posterior import uncertainty_text
from ..results import versions

# The impacts, key mechanisms and costs the table shows unless the file says.
KEY_OUTPUTS = (
    "classrooms_improved_share", "practice_gain_sd", "child_se_gain_sd",
    "challenging_behavior_change", "spread_gain_sd", "practice_gain_sd_followup",
    "child_se_gain_sd_followup",
    "pdsa_completed_per_team", "psych_safety_end", "inquiry_end",
    "vicarious_updates_per_team", "capacity_end", "knowledge_sel_end",
    "cost_per_center", "cost_per_classroom_improved",
)
FILE_KEYS = ("title", "question", "base", "reference", "replicates", "seed", "outputs",
             "scenario")
SCENARIO_KEYS = ("name", "label", "description", "config", "set")
INTERVAL = (0.05, 0.95)  # the 90% interval: where 90% of the simulations fall
# The 95% interval of an average (a mean paired difference, a cost ratio): a difference
# is detectable when this interval excludes zero. One convention across bscsim: 90%
# for the spread of simulations, 95% for an estimate (docs/scenarios.md).
MEAN_INTERVAL = (0.025, 0.975)
# The files that mark a folder as an earlier compare output (safe to replace whole).
MARKER = ("provenance.json", "stats.csv")


@dataclass(frozen=True)
class Scenario:
    """One named scenario: its parameters and what it changes from the base."""

    name: str
    label: str
    description: str
    params: Params
    changes: dict[str, Any]       # parameter -> value, where it differs from the base
    config: str | None = None     # the arm config it applies, if any


@dataclass(frozen=True)
class ScenarioSet:
    """A validated scenario file."""

    path: Path
    title: str
    question: str
    base: Path
    base_params: Params
    scenarios: tuple[Scenario, ...]
    reference: str
    replicates: int
    seed: int
    outputs: tuple[str, ...]
    text: str = ""

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def scenario(self, name: str) -> Scenario:
        return self.scenarios[self.names.index(name)]


# ------------------------------------------------------------------ reading
def read_scenarios(path: str | Path, replicates: int | None = None,
                   seed: int | None = None,
                   base_changes: dict[str, Any] | None = None) -> ScenarioSet:
    """Read and validate a scenario file; `replicates`, `seed` override the file's,
    `base_changes` (like `--set`) apply to the base before every scenario. A path
    not found as given is looked up among the shipped configs (config.shipped)."""
    from ..config import shipped
    path = Path(shipped(str(path)))
    where = str(path)
    data = read_toml(path, "scenario")
    for key in data:
        if key not in FILE_KEYS:
            raise ConfigError(f"{where}: unknown key '{key}'{_near(key, list(FILE_KEYS))}; "
                              f"a scenario file has {', '.join(FILE_KEYS)}")
    base = _find(data.get("base", "ccl_phase1.toml"), path.parent, where, "base")
    base_values, origins = resolve_sources(base)
    base_values.update(base_changes or {})
    origins.update(dict.fromkeys(base_changes or {}, "--set"))
    base_params = _params(base_values, f"{where}: base", origins)
    items = data.get("scenario")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: no scenarios; add [[scenario]] tables with a name")
    scenarios = [_scenario(item, j, base_values, base_params, path.parent, where, origins)
                 for j, item in enumerate(items)]
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"{where}: scenario name '{dup[0]}' is used twice")
    reference = data.get("reference", names[0])
    if reference not in names:
        raise ConfigError(f"{where}: reference = {reference!r} is not a scenario; "
                          f"scenarios: {', '.join(names)}")
    replicates = _count(replicates if replicates is not None
                        else data.get("replicates", 10), "replicates", where)
    check_runs(len(scenarios) * replicates, "compare", where,
               f"{len(scenarios)} scenarios x replicates = {replicates:,}")
    seed = seed if seed is not None else data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{where}: seed = {seed!r} must be a whole number >= 0")
    outputs = data.get("outputs", list(KEY_OUTPUTS))
    if not isinstance(outputs, list) or not outputs:
        raise ConfigError(f"{where}: outputs must be a list of summary output names")
    for o in outputs:
        if o not in SUMMARY_NAMES:
            raise ConfigError(f"{where}: unknown output {o!r}; see docs/outputs.md or "
                              "bscsim.outputs.SUMMARY_NAMES")
    for key in ("title", "question"):
        if not isinstance(data.get(key, ""), str):
            raise ConfigError(f"{where}: {key} must be text")
    return ScenarioSet(
        path=path, title=data.get("title", path.stem), question=data.get("question", ""),
        base=base, base_params=base_params, scenarios=tuple(scenarios),
        reference=reference, replicates=replicates, seed=seed, outputs=tuple(outputs),
        text=path.read_text())


def configs_as_scenarios(paths: list[str | Path], replicates: int | None = None,
                         seed: int | None = None,
                         base_changes: dict[str, Any] | None = None) -> ScenarioSet:
    """Two or more run configs compared directly, as a scenario set: one scenario per
    config (named after its file), the first the reference, `replicates` (default 10)
    with common random numbers from `seed` (default 0); `base_changes` (like `--set`)
    apply to every config."""
    from ..config import load_config, shipped
    paths = [Path(shipped(str(p))) for p in paths]
    names: list[str] = []
    scenarios = []
    params = [load_config(p, **(base_changes or {})) for p in paths]
    ref = params[0].to_dict()
    for path, p in zip(paths, params):
        name = config_name(path, names)
        names.append(name)
        scenarios.append(Scenario(name=name, label=name, description=f"the config {path}",
                                  params=p, changes={k: v for k, v in p.to_dict().items()
                                                     if v != ref[k]}, config=str(path)))
    replicates = _count(replicates if replicates is not None else 10, "--replicates",
                        "compare")
    check_runs(len(scenarios) * replicates, "compare", "compare",
               f"{len(scenarios)} configs x replicates = {replicates:,}")
    return ScenarioSet(
        path=paths[0], title=" vs ".join(names), question="", base=paths[0],
        base_params=params[0], scenarios=tuple(scenarios), reference=names[0],
        replicates=replicates, seed=seed or 0, outputs=KEY_OUTPUTS,
        text="\n".join(f"# {p}\n{p.read_text()}" for p in paths))


MAX_SCENARIO_NAME = 64      # as every name that becomes a file name (config.NAME)


def config_name(path: Path, taken: list[str]) -> str:
    """The scenario name of a config compared directly: its file name without
    `.toml`, other characters than letters, digits, _ and - replaced by _, cut to
    64 characters like every other name, and numbered if already taken."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", path.stem)[:MAX_SCENARIO_NAME] or "config"
    name, k = stem, len(taken) + 1
    while name in taken:
        suffix = f"-{k}"
        name, k = stem[:MAX_SCENARIO_NAME - len(suffix)] + suffix, k + 1
    return name


def default_name(spec: ScenarioSet) -> str:
    """The results folder name of a direct comparison of configs: the names joined
    by '-vs-', or the first name and how many others when that is too long."""
    names = [s.name for s in spec.scenarios]
    joined = "-vs-".join(names)
    if len(joined) <= 2 * MAX_SCENARIO_NAME + 4:
        return joined
    return f"{names[0]}-vs-{len(names) - 1}-more"


def is_scenario_file(path: str | Path) -> bool:
    """False for a run config (only `base`, parameters and group tables, besides a
    title and description), True otherwise (read_scenarios judges the rest)."""
    from ..config import RESERVED
    from ..params import GROUPS
    data = read_toml(path, "scenario")
    config_keys = set(RESERVED) | set(PARAMS) | set(GROUPS)
    return not (data.keys() <= config_keys and data.keys() - {"title", "description"})


def _scenario(item: Any, j: int, base_values: dict, base_params: Params, folder: Path,
              where: str, base_origins: dict[str, str] | None = None) -> Scenario:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: scenario {j + 1} must be a [[scenario]] table")
    name = item.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(f"{where}: scenario {j + 1} needs a name of 1 to 64 letters, "
                          f"digits, _ and - (got {name!r})")
    here = f"{where}: scenario '{name}'"
    for key in item:
        if key in PARAMS:
            raise ConfigError(f"{here}: parameter '{key}' must go in a [scenario.set] "
                              "table")
        if key not in SCENARIO_KEYS:
            near = _near(key, list(SCENARIO_KEYS) + list(PARAMS))
            raise ConfigError(f"{here}: unknown key '{key}'{near}; a scenario has "
                              f"{', '.join(SCENARIO_KEYS)}, and parameter changes go "
                              "in [scenario.set]")
    values = dict(base_values)
    origins = dict(base_origins or {})
    config = item.get("config")
    if config is not None:
        arm = _find(config, folder, here, "config")
        # the arm's own keys apply on this file's base (its `base` line is skipped)
        arm_values = flatten(read_toml(arm), f"{here}: {config}")
        values.update(arm_values)
        origins.update(dict.fromkeys(arm_values, f"{here}: {config}"))
    changes = item.get("set", {})
    if not isinstance(changes, dict):
        raise ConfigError(f"{here}: set must be a table of parameter = value")
    for key, value in changes.items():
        if key not in PARAMS:
            raise ConfigError(f"{here}: {UnknownParamError(key)}")
        values[key] = value
        origins[key] = here
    params = _params(values, here, origins)
    base = base_params.to_dict()
    diff = {k: v for k, v in params.to_dict().items() if v != base[k]}
    for key in ("label", "description"):
        if not isinstance(item.get(key, ""), str):
            raise ConfigError(f"{here}: {key} must be text")
    return Scenario(name=name, label=item.get("label", name),
                    description=item.get("description", ""), params=params,
                    changes=diff, config=config)


def _params(values: dict, where: str, origins: dict[str, str] | None = None) -> Params:
    return params_of(values, where, origins)


def _find(name: Any, folder: Path, where: str, key: str) -> Path:
    return find_config(name, folder, where, key)


def _near(name: str, options: list[str]) -> str:
    near = nearest(name, options, cutoff=0.6)
    return f" (did you mean '{near}'?)" if near else ""


def _count(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: {key} = {value!r} must be a whole number >= 1")
    return value


# ------------------------------------------------------------------ running
def replicate_seed(root: int, r: int) -> np.random.SeedSequence:
    """The seed of replicate r, shared by every scenario (common random numbers)."""
    return np.random.SeedSequence(root, spawn_key=(r,))


def sweep_of(spec: ScenarioSet, posterior: str | Path | None = None) -> SweepSpec:
    """The comparison as a sweep the sweep runner runs: one design point per
    scenario (its changes from the base as columns; the base value where a
    scenario does not change a parameter another one does), `replicates` runs
    each, replicate r of every scenario seeded `replicate_seed(seed, r)`; with a
    posterior, replicate r of every scenario runs at the same draw."""
    from ..sweep.spec import EXPLICIT, Axis, SweepSpec
    base = spec.base_params.to_dict()
    names = [n for n in PARAMS if any(n in s.changes for s in spec.scenarios)]
    points = pd.DataFrame({n: [s.changes.get(n, base[n]) for s in spec.scenarios]
                           for n in names}, index=range(len(spec.scenarios)))
    axes = tuple(Axis(n, values=tuple(_plain(v) for v in points[n])) for n in names)
    return SweepSpec(path=str(spec.path), text=spec.text, title=spec.title,
                     base=str(spec.base), changes={}, axes=axes, design=EXPLICIT,
                     n_samples=len(points), replicates=spec.replicates,
                     root_seed=spec.seed, timeseries=True, common_random_numbers=True,
                     points=points, task="replicate", base_values=spec.base_params,
                     posterior=None if posterior is None else str(posterior))


def compare(spec: ScenarioSet, workers: int = 1, executor: str | None = None,
            out: str | Path | None = None, scheduler: Any = None,
            progress: bool = False, retry_failed: bool = False,
            posterior: str | Path | None = None) -> "Comparison":
    """Run every scenario of `spec` with its replicates (common random numbers)
    through the sweep runner: `executor` serial, processes or dask (default:
    serial for one worker, else processes), `workers` of them. With `out`, the
    runs are kept in that folder and a second call resumes (a folder holding the
    runs of another comparison is started afresh); without, they go to a
    temporary folder. With `posterior` (a folder written by `bscsim calibrate`),
    each replicate runs at one posterior draw. Raises RunsFailed if any run failed."""
    import tempfile

    from ..sweep import load_sweep, run_sweep
    from ..sweep.runner import failed_runs_error, fresh_if_changed
    sweep = sweep_of(spec, posterior)
    executor = executor or ("serial" if workers <= 1 and scheduler is None else "processes")
    with tempfile.TemporaryDirectory(prefix="bscsim-compare-") as tmp:
        runs = Path(out) if out is not None else Path(tmp) / "runs"
        fresh_if_changed(runs, sweep)
        run_sweep(sweep, runs, executor=executor, workers=workers, scheduler=scheduler,
                  progress=progress, retry_failed=retry_failed)
        summary = load_sweep(runs)
        timeseries = load_sweep(runs, "timeseries")
    error = failed_runs_error(summary, runs if out is not None else None)
    if error is not None:
        raise error
    info = posterior_info(sweep, summary) if posterior is not None else None
    return from_runs(spec, summary, timeseries, info)


def from_runs(spec: ScenarioSet, summary: pd.DataFrame, timeseries: pd.DataFrame,
              posterior: dict[str, Any] | None = None) -> "Comparison":
    """A Comparison from the runs the sweep runner wrote (one summary row per run,
    the weekly timeseries of every run)."""
    names = np.array(spec.names)
    rows = summary.assign(scenario=names[summary["point"].to_numpy()])
    tidy = rows.melt(id_vars=["scenario", "replicate"], value_vars=list(SUMMARY_NAMES),
                     var_name="output", value_name="value")
    # scenario by scenario, replicate by replicate, outputs in declared order
    order = {n: k for k, n in enumerate(SUMMARY_NAMES)}
    tidy = (tidy.assign(_p=tidy["scenario"].map({n: k for k, n in enumerate(names)}),
                        _o=tidy["output"].map(order))
            .sort_values(["_p", "replicate", "_o"], kind="stable")
            .drop(columns=["_p", "_o"]).reset_index(drop=True))
    tidy["replicate"] = tidy["replicate"].astype(np.int64)
    design = [c for c in summary.columns if c not in ("status", "error", "seconds",
                                                       *SUMMARY_NAMES, *SIZES)]
    ts_cols = [c for c in timeseries.columns if c not in design]
    ts = timeseries[ts_cols].copy()
    ts.insert(0, "replicate", timeseries["replicate"].astype(np.int64).to_numpy())
    ts.insert(0, "scenario", names[timeseries["point"].to_numpy()])
    sizes = pd.DataFrame({"scenario": rows["scenario"],
                          "replicate": rows["replicate"].astype(np.int64),
                          **{k: rows[k].astype(np.int64) for k in SIZES}})
    return Comparison(spec, tidy, ts.reset_index(drop=True),
                      sizes.reset_index(drop=True), posterior=posterior)


def posterior_info(sweep: SweepSpec, summary: pd.DataFrame) -> dict[str, Any]:
    """What the report says of the posterior: its folder, the parameters drawn
    (and those held at the scenarios' values), the distinct draws used."""
    from ..posterior import WEIGHT, load_posterior
    from ..sweep.design import posterior_drawn
    drawn = posterior_drawn(sweep, set(sweep.names))
    held = [c for c in load_posterior(sweep.posterior).columns
            if c != WEIGHT and c not in drawn]
    draws = summary[summary["point"] == 0][drawn] if drawn else summary.iloc[:0]
    return {"folder": sweep.posterior, "drawn": drawn, "held": held,
            "distinct_draws": int(len(draws.drop_duplicates())) if drawn else 0,
            "per": "replicate (every scenario's replicate r at the same draw)"}


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


# ------------------------------------------------------------------ results
@dataclass
class Comparison:
    """The runs of a scenario set: tidy `summary` (scenario, replicate, output,
    value), weekly `timeseries` (scenario, replicate, week, outputs...), `sizes`
    (scenario, replicate, centers, participating_classrooms); `stats()`: median
    and 90% interval per scenario and the paired difference from the reference;
    `incremental()`: extra cost per extra classroom improved."""

    spec: ScenarioSet
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    sizes: pd.DataFrame
    posterior: dict[str, Any] | None = None    # posterior_info(), if one was used
    _stats: pd.DataFrame | None = field(default=None, repr=False)
    _incremental: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)

    def wide(self, output: str) -> pd.DataFrame:
        """replicate x scenario table of one summary output."""
        d = self.summary[self.summary["output"] == output]
        return d.pivot(index="replicate", columns="scenario", values="value")[self.spec.names]

    def stats(self) -> pd.DataFrame:
        if self._stats is None:
            rows = []
            lo, hi = INTERVAL
            for output in SUMMARY_NAMES:
                w = self.wide(output)
                ref = w[self.spec.reference]
                for name in self.spec.names:
                    x = w[name].to_numpy(float)
                    d = (w[name] - ref).to_numpy(float)
                    rows.append({
                        "scenario": name, "output": output,
                        "median": _q(x, 0.5), "lo": _q(x, lo), "hi": _q(x, hi),
                        "diff_median": _q(d, 0.5), "diff_lo": _q(d, lo),
                        "diff_hi": _q(d, hi),
                        "p_higher": float(np.mean(d[~np.isnan(d)] > 0)) if (~np.isnan(d)).any()
                        else float("nan"),
                        "n": int((~np.isnan(x)).sum()),
                    })
            self._stats = pd.DataFrame(rows)
        return self._stats

    def incremental(self, n_boot: int = 2000) -> pd.DataFrame:
        """Incremental cost-effectiveness against the reference, per program:
        extra cost per center over extra participating classrooms improved per
        center (so collaboratives of different sizes compare), as the ratio of the
        mean paired differences over replicates, with a 95% bootstrap interval
        over replicates (fixed seed). NaN when the scenario does not improve more
        classrooms than the reference on average; negative when it improves more
        for less money. `clear_gain`: the 95% bootstrap interval of the extra
        classrooms improved lies above zero, `clear_loss`: below zero (else the
        difference is not distinguishable from zero and no cost per classroom
        improved is given: `verdict` says which). Computed once per `n_boot`."""
        if n_boot not in self._incremental:
            self._incremental[n_boot] = self._incremental_table(n_boot)
        return self._incremental[n_boot].copy()

    def _incremental_table(self, n_boot: int) -> pd.DataFrame:
        sizes = self.sizes.set_index(["replicate", "scenario"])
        centers = sizes["centers"].unstack()[self.spec.names]
        part = sizes["participating_classrooms"].unstack()[self.spec.names]
        cost = self.wide("cost_per_center")
        improved = self.wide("classrooms_improved_share") * part / centers
        ref = self.spec.reference
        rng = np.random.default_rng(0)
        n = len(cost)
        boot = rng.integers(0, n, size=(n_boot, n))
        lo, hi = MEAN_INTERVAL
        rows = []
        for name in self.spec.names:
            if name == ref:
                continue
            dc = (cost[name] - cost[ref]).to_numpy(float)
            di = (improved[name] - improved[ref]).to_numpy(float)
            ratios = np.array([_ratio(dc[b].mean(), di[b].mean()) for b in boot])
            gain = di[boot].mean(axis=1)
            spent = dc[boot].mean(axis=1)
            row = {"scenario": name, "extra_cost_per_center": dc.mean(),
                   "extra_cost_lo": _q(spent, lo), "extra_cost_hi": _q(spent, hi),
                   "extra_improved_per_center": di.mean(),
                   "extra_improved_lo": _q(gain, lo),
                   "extra_improved_hi": _q(gain, hi),
                   "cost_per_extra_classroom": _ratio(dc.mean(), di.mean()),
                   "lo": _q(ratios, lo), "hi": _q(ratios, hi),
                   "clear_gain": bool(_q(gain, lo) > 0),
                   "clear_loss": bool(_q(gain, hi) < 0)}
            row["verdict"] = _verdict(row)
            rows.append(row)
        return pd.DataFrame(rows)

    def similar_to_reference(self) -> set[str]:
        """The scenarios whose classrooms improved cannot be told from the
        reference's (the 95% interval of the mean paired difference includes 0):
        for them no cost per classroom improved is reported."""
        inc = self.incremental()
        if inc.empty:
            return set()
        return set(inc.loc[inc["verdict"].isin(("similar", "similar_cheaper")), "scenario"])

    def value_sentence(self, name: str, label: str | None = None,
                       ref_label: str | None = None) -> str:
        """What scenario `name` buys against the reference, in one plain sentence:
        more, as many or fewer classrooms improved (detectable or not, with the 95%
        interval of the mean paired difference), at what extra cost per program, and
        the cost per extra classroom improved only when the gain is detectable."""
        inc = self.incremental().set_index("scenario")
        return value_sentence(inc.loc[name], label or name,
                              ref_label or self.spec.reference, self.spec.replicates)

    def bottom_line(self) -> str:
        """The comparison's answer in plain sentences: for each scenario, what it
        buys against the reference (`value_sentence`), and how far its classroom
        practice moved (median of the paired differences, 90% of simulations)."""
        spec = self.spec
        others = [n for n in spec.names if n != spec.reference]
        if not others:
            return "Bottom line: one scenario only, nothing to compare."
        st = self.stats().set_index(["output", "scenario"])
        lines = [f"Bottom line (paired against {spec.reference} over {spec.replicates} "
                 "replicates; intervals: 95% for an average, 90% of simulations for a "
                 "difference in one run):"]
        for name in others:
            g = st.loc[("practice_gain_sd", name)]
            practice = (f"its classroom practice gain differs by {g['diff_median']:+.2f} SD "
                        f"(90% of simulations: {g['diff_lo']:+.2f} to {g['diff_hi']:+.2f})")
            lines.append(f"- {self.value_sentence(name)} In a single run, {practice}.")
        return "\n".join(lines)

    def table(self) -> str:
        """The printed table: each output, per scenario, median [90% interval] and
        the paired difference from the reference [90% interval]."""
        spec, st = self.spec, self.stats().set_index(["output", "scenario"])
        ref = spec.reference
        width = max(len(n) for n in spec.names) + 6
        lines = [
            f"{spec.title}  ({spec.path})",
            f"{len(spec.scenarios)} scenarios x {spec.replicates} replicates, common random "
            f"numbers (root seed {spec.seed}); reference: {ref}",
            "median and 90% interval over replicates; the difference from the reference is "
            "the median of the differences paired by replicate (not the difference of "
            "the medians; pairing removes most of the chance)",
            uncertainty_text(self.posterior),
        ]
        similar = self.similar_to_reference()
        for output in spec.outputs:
            o = OUTPUTS[output]
            block = st.loc[output]
            fmt = _formatter(block[["median", "lo", "hi", "diff_median", "diff_lo",
                                    "diff_hi"]].to_numpy(float))
            lines.append("")
            lines.append(f"{output} ({o.unit}, {o.box})")
            lines.append(f"  {'scenario':<{width}} {'median':>10}  {'90% interval':<24}"
                         f"{'vs ' + ref:>14}  90% interval")
            for name in spec.names:
                b = block.loc[name]
                tag = f"{name} (ref)" if name == ref else name
                left = (f"  {tag:<{width}} {fmt(b['median']):>10}  "
                        f"{'[' + fmt(b['lo']) + ', ' + fmt(b['hi']) + ']':<24}")
                if name == ref:
                    lines.append(left.rstrip())
                elif output == "cost_per_classroom_improved" and name in similar:
                    lines.append(f"  {tag:<{width}} {'-':>10}  (no detectable difference "
                                 f"from {ref} in classrooms improved, so no cost per "
                                 "classroom improved is given)")
                else:
                    lines.append(left + f"{fmt(b['diff_median'], sign=True):>14}  "
                                 f"[{fmt(b['diff_lo'], sign=True)}, "
                                 f"{fmt(b['diff_hi'], sign=True)}]")
        inc = self.incremental()
        lines += ["", f"incremental cost-effectiveness vs {ref}, per program (mean over "
                  "replicates): extra USD per extra participating classroom improved, "
                  "given only where the extra classrooms improved differ detectably from "
                  "zero (their 95% bootstrap interval excludes 0)",
                  f"  {'scenario':<{width}} {'extra USD':>10} {'extra improved':>15} "
                  f"{'USD per extra':>14}  95% interval"]
        for _, r in inc.iterrows():
            ratio = r["cost_per_extra_classroom"]
            if r["verdict"] == "costs":
                per = f"{ratio:>14,.0f}  [{r['lo']:,.0f}, {r['hi']:,.0f}]"
            else:
                per = f"{'-':>14}  ({VERDICT_WORDS[r['verdict']]})"
            lines.append(f"  {r['scenario']:<{width}} {r['extra_cost_per_center']:>10,.0f} "
                         f"{r['extra_improved_per_center']:>15.2f} {per}")
        lines += ["", self.bottom_line()]
        return "\n".join(lines)

    def provenance(self, command: str | None = None) -> dict[str, Any]:
        spec = self.spec
        return {
            "scenario_file": str(spec.path),
            "scenario_file_text": spec.text,
            "base": str(spec.base),
            "reference": spec.reference,
            "replicates": spec.replicates,
            "root_seed": spec.seed,
            "seeds": "replicate r of every scenario: numpy SeedSequence(root_seed, "
                     "spawn_key=(r,)); cohort k > 0 of a replicate: spawn_key=(r, k)",
            "scenarios": {s.name: {"label": s.label, "description": s.description,
                                   "config": s.config, "changes": s.changes,
                                   "params": s.params.to_dict()}
                          for s in spec.scenarios},
            "command": command,
            "posterior": self.posterior,
            "uncertainty": uncertainty_text(self.posterior),
            "runs": "runs/ (a sweep folder: bscsim.load_sweep; manifest.json holds the "
                    "executor, sessions and seeding)",
            "versions": versions(),
        }

    def save(self, out: str | Path, command: str | None = None) -> Path:
        """Write summary (Parquet and CSV), timeseries (Parquet), stats (CSV), the
        printed table and provenance.json into `out`, via a temporary folder so a
        failure leaves nothing behind."""
        out = Path(out)
        with atomic_folder(out, MARKER, "compare", keep=("runs",)) as tmp:
            self.write(tmp, command)
        return out

    def write(self, tmp: Path, command: str | None = None) -> None:
        """The files of `save`, written into folder `tmp` (which `save` makes atomic)."""
        self.summary.to_parquet(tmp / "summary.parquet", index=False)
        self.summary.to_csv(tmp / "summary.csv", index=False)
        self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        self.sizes.to_csv(tmp / "sizes.csv", index=False)
        self.incremental().to_csv(tmp / "incremental.csv", index=False)
        self.stats().to_csv(tmp / "stats.csv", index=False)
        (tmp / "table.txt").write_text(self.table() + "\n")
        (tmp / "provenance.json").write_text(
            json.dumps(self.provenance(command), indent=2, default=_json))


# What `incremental()`'s verdict means, in the table's words.
VERDICT_WORDS = {
    "costs": "more classrooms improved, at a cost",
    "dominant": "more classrooms improved, at no extra cost",
    "similar_cheaper": "no detectable difference in classrooms improved, for less money",
    "similar": "no detectable difference in classrooms improved",
    "fewer": "fewer classrooms improved",
}


def _verdict(r: dict) -> str:
    """One word for what a scenario buys: `costs` (a detectable gain at an extra
    cost on average: the only case with a cost per extra classroom), `dominant` (a
    detectable gain at no extra cost on average), `similar_cheaper` (no detectable
    difference, and cheaper: the 95% interval of the extra cost lies below 0),
    `similar` (no detectable difference) or `fewer` (detectably fewer)."""
    if r["clear_gain"]:      # a ratio only for a gain bought at an extra cost
        return "dominant" if r["extra_cost_per_center"] <= 0 else "costs"
    if r["clear_loss"]:
        return "fewer"
    return "similar_cheaper" if r["extra_cost_hi"] < 0 else "similar"


def value_sentence(r: pd.Series, label: str, ref_label: str, replicates: int) -> str:
    """One plain sentence for a row of `incremental()` (indexed by scenario)."""
    diff = (f"{r['extra_improved_per_center']:+.2f} classrooms improved per program, "
            f"95% interval of the mean {r['extra_improved_lo']:+.2f} to "
            f"{r['extra_improved_hi']:+.2f}")
    money = r["extra_cost_per_center"]
    spend = (f"${abs(money):,.0f} {'less' if money < 0 else 'more'} per program"
             if abs(money) >= 0.5 else "the same cost per program")
    v = r["verdict"]
    if v == "costs":
        return (f"{label} improves more classrooms than {ref_label} ({diff}) for {spend}: "
                f"about ${r['cost_per_extra_classroom']:,.0f} per extra classroom improved "
                f"(95% interval ${r['lo']:,.0f} to ${r['hi']:,.0f}).")
    if v == "dominant":
        return (f"{label} improves more classrooms than {ref_label} ({diff}) at {spend}: "
                "better, at no extra cost.")
    if v == "fewer":
        return (f"{label} improves fewer classrooms than {ref_label} ({diff}), at {spend}.")
    cheaper = " (a similar result for less money)" if v == "similar_cheaper" else ""
    if r["extra_improved_lo"] == r["extra_improved_hi"] == 0:
        return (f"{label} improves exactly the classrooms {ref_label} improves, in each of "
                f"the {replicates} paired replicates, at {spend}{cheaper}: no cost per "
                "classroom improved is given, since it improves none beyond "
                f"{ref_label}.")
    return (f"{label} improves about as many classrooms as {ref_label} (no detectable "
            f"difference: {diff}) at {spend}{cheaper}. No cost per classroom improved is "
            f"given, since the difference is not distinguishable from zero ({replicates} "
            "replicates; more would narrow the interval).")


def _ratio(cost: float, gain: float) -> float:
    return cost / gain if gain > 0 else float("nan")


def _q(x: np.ndarray, q: float) -> float:
    x = x[~np.isnan(x)]
    return float(np.quantile(x, q)) if len(x) else float("nan")


def _json(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return repr(x)


def _formatter(values: np.ndarray):
    """A number format for one output: thousands with commas, else 3 significant."""
    finite = np.abs(values[np.isfinite(values)])
    big = finite.max() if len(finite) else 0.0
    decimals = 0 if big >= 100 else (1 if big >= 10 else (2 if big >= 1 else 3))

    def fmt(x: float, sign: bool = False) -> str:
        if not np.isfinite(x):
            return "n/a"
        x = 0.0 if round(x, decimals) == 0 else x  # no "-0.000"
        return f"{x:+,.{decimals}f}" if sign else f"{x:,.{decimals}f}"
    return fmt


__all__ = ["Comparison", "KEY_OUTPUTS", "RunsFailed", "Scenario", "ScenarioSet", "compare",
           "configs_as_scenarios", "is_scenario_file", "read_scenarios", "replicate_seed",
           "sweep_of"]
