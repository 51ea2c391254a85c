"""Declarations for sweeps: reading a sweep file (commented TOML) into a `SweepSpec`.

A sweep file names a base config, the fixed changes to it, the parameters to vary
and how (a grid of listed values, or ranges sampled by a random, Latin hypercube or
Sobol design), the number of replicates, the root seed and which outputs to keep.
Every problem is a `ConfigError` with a one-line message that names the file, the
key and what is allowed, raised before anything is written.

    title = "Turnover and planning time"
    base = "../ccl_phase1.toml"      # beside this file, or in configs/
    design = "grid"                  # grid | random | lhs | sobol
    replicates = 10
    root_seed = 2024
    timeseries = false               # also keep the weekly timeseries

    [set]                            # fixed changes to the base config
    weeks_followup = 0

    [vary]                           # grid: a list of values, or {low, high, n}
    turnover_cc = [0.2, 0.3, 0.4, 0.5, 0.6]
    planning_hours = { low = 0.0, high = 4.0, n = 5 }

For `random`, `lhs` and `sobol`, `n_samples` sets the number of design points and each
`[vary]` entry is `"plausible"` (the parameter's declared plausible range) or
`{ low = .., high = .. }`. Whole-number parameters are rounded to the nearest whole
number after sampling (here and in explicit designs).

An analysis that draws its own points (e.g. sensitivity analysis with SALib's
samplers) hands them over with `design_spec(points, ...)`: an "explicit" design, run,
stored and resumed like any other. It may also run another `model`, a function
`f(values: dict, seed: int) -> dict of outputs`: a model registered by name in
`bscsim.sweep.spec.MODELS` (e.g. "ishigami") or a function given from Python
(`model_fn`), which is how analyses are checked on test functions with known answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ..config import (COMPARE_ONLY, ConfigError, check_keys, check_one_cohort,
                      default_config_path, find_config, flatten, vary_one_cohort,
                      load_config, read_toml_text, resolve_sources)
from ..limits import check_runs
from ..outputs import SUMMARY_NAMES
from ..params import BY_NAME, Params, ParamError, UnknownParamError, make_params

DESIGNS = ("grid", "random", "lhs", "sobol")
SAMPLED = ("random", "lhs", "sobol")
KEYS = ("title", "description", "base", "design", "n_samples", "replicates", "root_seed",
        "timeseries", "batch_size", "common_random_numbers", "set", "vary")
# The models a sweep or SA file may name, beside bscsim itself: name -> (module,
# function) inside this package. Another model is given from Python as a function
# (`load_sa(path, models={"name": f})`, `design_spec(..., model_fn=f)`).
MODELS: dict[str, tuple[str, str]] = {
    "ishigami": ("bscsim.sensitivity.testfunctions", "ishigami"),
}
MAX_SEED = 2**63 - 1
EXPLICIT = "explicit"   # points given by the caller (design_spec), not by a sweep file


@dataclass(frozen=True)
class Axis:
    """One varied parameter: listed `values` (grid) or a range `low`-`high` (sampled)."""

    name: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.values is not None:
            return {"values": list(self.values)}
        return {"low": self.low, "high": self.high}


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep file. `text` is the file as written (kept in the manifest)."""

    path: str
    text: str
    title: str
    base: str
    changes: dict[str, Any]
    axes: tuple[Axis, ...]
    design: str = "grid"
    n_samples: int | None = None
    replicates: int = 1
    root_seed: int = 0
    timeseries: bool = False
    batch_size: int | None = None
    common_random_numbers: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    points: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    model: str | None = None
    outputs: tuple[str, ...] | None = None
    model_fn: Callable[..., dict[str, float]] | None = field(default=None, compare=False,
                                                              repr=False)
    # what each run is (tasks.py): "run" (simulate), "replicate" (a scenario's
    # replicate, compare) or "study" (a simulated study, study --power)
    task: str = "run"
    posterior: str | None = None       # a posterior folder: each run gets one draw
    study: Any = field(default=None, compare=False, repr=False)
    reliabilities: tuple[float, ...] = ()
    # resolved base parameters given by an analysis (compare, study) instead of
    # base + [set]; they count in the fingerprint like a base config
    base_values: Params | None = field(default=None, compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    @property
    def output_names(self) -> tuple[str, ...]:
        """The outputs of each run: bscsim's summary, or those of another model."""
        if self.task == "replicate":
            from .tasks import SIZE_OUTPUTS
            return (*SUMMARY_NAMES, *SIZE_OUTPUTS)
        if self.task == "study":
            return ()
        return self.outputs if self.outputs is not None else SUMMARY_NAMES

    def base_params(self) -> Params:
        """The base config with the `[set]` changes applied (validated), or the
        base parameters an analysis gave (`base_values`)."""
        if self.base_values is not None:
            return self.base_values
        return load_config(self.base, **self.changes)

    def replace(self, **changes: Any) -> "SweepSpec":
        """A copy with `changes` applied and recorded as overrides of the file
        (e.g. `replicates=1` for a quick run); `changes={...}` adds to [set]."""
        new = dict(changes)
        if "changes" in new:
            both = set(new["changes"]) & set(self.names)
            if both:
                raise ConfigError(f"{self.path}: {', '.join(sorted(both))} is varied; "
                                  "it cannot also be fixed")
            new["changes"] = {**self.changes, **new["changes"]}
            for name in COMPARE_ONLY:          # cohorts act only in compare
                if name in changes["changes"]:
                    check_one_cohort({name: changes["changes"][name]}, "--set", "sweep")
        spec = dataclasses.replace(self, **new, overrides={**self.overrides, **changes})
        if "replicates" in changes:
            points = (spec.n_samples if spec.n_samples is not None
                      else math.prod(len(a.values) for a in spec.axes))
            check_runs(points * spec.replicates, "sweep", spec.path,
                       f"{points:,} points x --replicates {spec.replicates:,}")
        spec.base_params()
        return spec

    def to_dict(self) -> dict[str, Any]:
        """What defines the runs (not the title or the file's comments)."""
        return {
            "base": self.base,
            "set": self.changes,
            "vary": {a.name: a.to_dict() for a in self.axes},
            "design": self.design,
            "n_samples": self.n_samples,
            "replicates": self.replicates,
            "root_seed": self.root_seed,
            "timeseries": self.timeseries,
            "common_random_numbers": self.common_random_numbers,
            **({"points": _points_hash(self.points), "n_points": len(self.points)}
               if self.points is not None else {}),
            **({"model": self.model, "outputs": list(self.outputs or ())}
               if self.model else {}),
            **({"task": self.task} if self.task != "run" else {}),
            **({"study": _study_hash(self.study), "reliabilities": list(self.reliabilities)}
               if self.study is not None else {}),
            **({"posterior": {"folder": self.posterior,
                              "sha256": posterior_hash(self.posterior)}}
               if self.posterior is not None else {}),
        }

    def fingerprint(self) -> str:
        """A hash of everything that decides the runs: the spec and the resolved base
        parameters (so an edited base config or changed defaults also count)."""
        data = {k: v for k, v in self.to_dict().items() if k != "base"}
        if "posterior" in data:          # its content counts, not where it lies
            data["posterior"] = data["posterior"]["sha256"]
        data["base_params"] = self.base_params().to_dict()
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file; every problem is a one-line ConfigError."""
    path = Path(path)
    data, text = read_toml_text(path, "sweep")
    return parse_spec(data, where=str(path), folder=path.parent, text=text)


def parse_spec(data: dict[str, Any], where: str = "sweep", folder: Path | None = None,
               text: str = "") -> SweepSpec:
    """A `SweepSpec` from the parsed TOML of a sweep file."""
    folder = folder if folder is not None else Path.cwd()
    if not data:
        raise ConfigError(f"{where}: the sweep file is empty; it needs at least a [vary] "
                          "table of parameters to vary")
    check_keys(data, KEYS, where)
    design = data.get("design", "grid")
    if design not in DESIGNS:
        raise ConfigError(f"{where}: design = {design!r} is not allowed: expected one of "
                          f"{', '.join(DESIGNS)}")
    base = _base(data.get("base"), folder, where)
    changes = _changes(data.get("set", {}), base, where)
    axes = _axes(data.get("vary", {}), design, changes, where)
    n_samples = data.get("n_samples")
    if design in SAMPLED:
        n_samples = _whole(n_samples, "n_samples", where, required=True)
        if design == "sobol" and n_samples & (n_samples - 1):
            raise ConfigError(f"{where}: n_samples = {n_samples} is not allowed: the sobol "
                              f"design needs a power of 2 (e.g. {_pow2(n_samples)})")
        if not axes:
            raise ConfigError(f"{where}: [vary] is empty; a {design} design needs at least "
                              "one parameter with a range")
    elif n_samples is not None:
        raise ConfigError(f"{where}: n_samples is only used by the {', '.join(SAMPLED)} "
                          "designs; a grid runs every combination of the listed values")
    replicates = _whole(data.get("replicates", 1), "replicates", where)
    points = n_samples if design in SAMPLED else math.prod(len(a.values) for a in axes)
    check_runs(points * replicates, "sweep", where,
               f"{points:,} points x replicates = {replicates:,}")
    spec = SweepSpec(
        path=where, text=text, title=_text(data, "title", where) or Path(where).stem,
        base=str(base), changes=changes, axes=axes, design=design, n_samples=n_samples,
        replicates=replicates,
        root_seed=_whole(data.get("root_seed", 0), "root_seed", where, minimum=0,
                         maximum=MAX_SEED),
        timeseries=_flag(data.get("timeseries", False), "timeseries", where),
        batch_size=(None if data.get("batch_size") is None
                    else _whole(data["batch_size"], "batch_size", where)),
        common_random_numbers=_flag(data.get("common_random_numbers", False),
                                    "common_random_numbers", where),
    )
    _text(data, "description", where)
    return spec


def design_spec(points: pd.DataFrame, *, path: str, title: str | None = None,
                base: str | Path | None = None, changes: dict[str, Any] | None = None,
                replicates: int = 1, root_seed: int = 0, text: str = "",
                model: str | None = None, outputs: tuple[str, ...] | None = None,
                batch_size: int | None = None,
                common_random_numbers: bool = False,
                model_fn: Callable[..., dict[str, float]] | None = None) -> SweepSpec:
    """A sweep over explicit design points (one row per point, one column per varied
    parameter), e.g. drawn by SALib. With `model` (a name registered in
    `MODELS`, or any name for a function given as `model_fn`) the columns are
    that function's inputs and `outputs` names what it returns; otherwise they are
    bscsim parameters: whole-number parameters are rounded (as in every sampled
    design) and the values checked against their valid ranges here."""
    points = pd.DataFrame(points).reset_index(drop=True)
    base = Path(base) if base is not None else default_config_path()
    changes = dict(changes or {})
    if model is None:
        if outputs is not None:
            raise ConfigError(f"{path}: outputs are only given with another model")
        from .design import round_whole
        points = round_whole(points)
        for name in points.columns:
            if name not in BY_NAME:
                raise ConfigError(f"{path}: {_unknown(name)}")
            p = BY_NAME[name]
            for v in (points[name].min(), points[name].max()):
                try:
                    p.check(v.item() if hasattr(v, "item") else v)
                except ParamError as e:
                    raise ConfigError(f"{path}: {e}") from None
        _changes(changes, base, path)
    elif not outputs or (model_fn is None and model not in MODELS):
        raise ConfigError(f"{path}: model = {model!r} needs a list of its outputs and "
                          f"to be one of {', '.join(MODELS)} (or a function given as "
                          "model_fn)")
    axes = tuple(Axis(str(c), low=float(points[c].min()), high=float(points[c].max()))
                 for c in points.columns)
    return SweepSpec(path=path, text=text, title=title or Path(path).stem, base=str(base),
                     changes=changes, axes=axes, design=EXPLICIT, n_samples=len(points),
                     replicates=replicates, root_seed=root_seed, batch_size=batch_size,
                     points=points, model=model, model_fn=model_fn,
                     outputs=tuple(outputs) if outputs is not None else None,
                     common_random_numbers=common_random_numbers)


def posterior_hash(folder: str | Path) -> str:
    """A hash of a posterior folder's sample (so an edited posterior is a new sweep)."""
    from ..posterior import POSTERIOR_FILE
    return hashlib.sha256((Path(folder) / POSTERIOR_FILE).read_bytes()).hexdigest()[:16]


def _study_hash(study: Any) -> str:
    blob = repr((study.params.to_dict(), study.seed, study.design, study.instruments,
                 study.power)).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _points_hash(points: pd.DataFrame) -> str:
    blob = points.to_csv(index=False, float_format="%.17g").encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _base(base: Any, folder: Path, where: str) -> Path:
    if base is None:
        return default_config_path()
    return find_config(base, folder, where, "base").resolve()


def _changes(table: Any, base: Path, where: str, command: str = "sweep"
             ) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: set must be a table [set] of parameter values")
    changes = flatten(table, f"{where} [set]")
    values, origins = resolve_sources(base)
    origins.update(dict.fromkeys(changes, f"{where} [set]"))
    try:
        make_params({**values, **changes})
    except ParamError as e:
        raise ConfigError(f"{origins.get(e.name, base)}: {e}") from None
    merged = {**values, **changes}
    for name in COMPARE_ONLY:
        if name in merged:
            check_one_cohort({name: merged[name]}, origins[name], command)
    return changes


def _axes(table: Any, design: str, changes: dict[str, Any], where: str) -> tuple[Axis, ...]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: vary must be a table [vary] of parameters")
    axes = []
    vary_one_cohort(table, f"{where} [vary]", "sweep")
    for name, spec in table.items():
        here = f"{where} [vary] {name}"
        if name not in BY_NAME:
            raise ConfigError(f"{where} [vary]: {_unknown(name)}")
        if name in changes:
            raise ConfigError(f"{here}: is also fixed in [set]; keep it in one of them")
        p = BY_NAME[name]
        if design == "grid":
            axes.append(Axis(name, values=_grid_values(spec, p, here)))
        else:
            if p.kind is bool:
                raise ConfigError(f"{here}: a switch is not allowed in a {design} design; "
                                  "vary switches in a grid (list [false, true])")
            low, high = _range(spec, p, here, design)
            axes.append(Axis(name, low=low, high=high))
    return tuple(axes)


def _grid_values(spec: Any, p, here: str) -> tuple[Any, ...]:
    if isinstance(spec, dict):
        extra = set(spec) - {"low", "high", "n"}
        if extra or not {"low", "high", "n"} <= set(spec):
            raise ConfigError(f"{here} = {spec!r} is not allowed: expected a list of "
                              "values or { low = .., high = .., n = .. }")
        n = _whole(spec["n"], "n", here)
        check_runs(n, "sweep", here, f"n = {n:,}")
        lo, hi = (_number(spec[k], p, here) for k in ("low", "high"))
        values = [lo + (hi - lo) * i / (n - 1) for i in range(n)] if n > 1 else [lo]
        if p.kind is int:
            values = sorted({round(v) for v in values})
    elif isinstance(spec, list):
        if not spec:
            raise ConfigError(f"{here}: the list of values is empty; expected "
                              f"{p.allowed()}")
        values = spec
    else:
        raise ConfigError(f"{here} = {spec!r} is not allowed: a grid expects a list of "
                          f"values ({p.allowed()}) or {{ low = .., high = .., n = .. }}")
    out = []
    for v in values:
        try:
            out.append(p.check(v))
        except ValueError:
            raise ConfigError(f"{here}: value {v!r} is not allowed: expected "
                              f"{p.allowed()}") from None
    if len(set(out)) != len(out):
        raise ConfigError(f"{here}: values are repeated; list each value once")
    return tuple(out)


def _range(spec: Any, p, here: str, design: str) -> tuple[float, float]:
    if spec == "plausible":
        return float(p.plausible[0]), float(p.plausible[1])
    if isinstance(spec, dict) and set(spec) == {"low", "high"}:
        low, high = (_number(spec[k], p, here) for k in ("low", "high"))
        if not low < high:
            raise ConfigError(f"{here}: low = {low:g} must be below high = {high:g}")
        return float(low), float(high)
    raise ConfigError(f"{here} = {spec!r} is not allowed: a {design} design expects "
                      f"\"plausible\" or {{ low = .., high = .. }} ({p.allowed()})")


def _number(v: Any, p, here: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ConfigError(f"{here}: {v!r} is not a number; expected {p.allowed()}")
    if not p.valid[0] <= v <= p.valid[1]:
        raise ConfigError(f"{here}: {v!r} is not allowed: expected {p.allowed()}")
    return v


def _whole(v: Any, key: str, where: str, required: bool = False, minimum: int = 1,
           maximum: int | None = None) -> int:
    if v is None and required:
        raise ConfigError(f"{where}: {key} is missing; expected a whole number of at "
                          f"least {minimum}")
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ConfigError(f"{where}: {key} = {v!r} is not allowed: expected a whole "
                          f"number of at least {minimum}")
    if maximum is not None and v > maximum:
        raise ConfigError(f"{where}: {key} = {v!r} is not allowed: expected a whole "
                          f"number from {minimum} to {maximum}")
    return v


def _flag(v: Any, key: str, where: str) -> bool:
    if not isinstance(v, bool):
        raise ConfigError(f"{where}: {key} = {v!r} is not allowed: expected true or false")
    return v


def _text(data: dict[str, Any], key: str, where: str) -> str | None:
    v = data.get(key)
    if v is not None and not isinstance(v, str):
        raise ConfigError(f"{where}: {key} = {v!r} is not allowed: expected a string")
    return v


def _unknown(name: str) -> str:
    return str(UnknownParamError(name))


def _pow2(n: int) -> int:
    return 1 << max(n - 1, 1).bit_length()
