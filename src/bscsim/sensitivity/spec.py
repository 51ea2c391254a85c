"""Declarations for sensitivity analysis: reading an SA file (commented TOML) into an
`SASpec`.

An SA file names a base config and fixed changes (as a sweep file does), the
factors to vary, the method (Morris screening or Sobol), the sample size,
replicates per sample point, the outputs to analyse and a root seed:

    title = "Which mechanism matters most"
    base = "../ccl_phase1.toml"
    method = "sobol"                 # morris | sobol
    n_samples = 256                  # sobol: base sample N (a power of 2); morris: trajectories
    replicates = 2                   # seeds per sample point (averaged)
    root_seed = 20240601
    outputs = ["classrooms_improved_share", "child_se_gain_sd"]
    vary_groups = ["psych_safety", "vicarious", "inquiry", "context"]
    groups = true                    # sobol: one index per mechanism group

    [set]                            # fixed changes to the base config
    weeks_followup = 0

    [vary]                           # more parameters, or other ranges
    turnover_cc = { low = 0.1, high = 0.7 }

`vary_groups` takes every numeric parameter of the named groups at its declared
plausible range; `[vary]` adds parameters ("plausible" or { low, high }) or
overrides a range. Every problem is a `ConfigError` with a one-line message naming
the file and the key, raised before anything is written.

`model = "ishigami"` analyses another model, a function
`f(values: dict, seed: int) -> dict of outputs`: a file names only a model registered
in the package (`bscsim.sweep.spec.MODELS`: the Ishigami test function in
`bscsim.sensitivity.testfunctions`), never a module to import, so a file cannot run
code; any other function is given from Python, `load_sa(path, models={"name": f})`.
With another model every `[vary]` entry needs { low, high }.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config import (COMPARE_ONLY, ConfigError, check_keys, load_config, read_toml_text,
                      vary_one_cohort)
from ..limits import check_runs
from ..outputs import SUMMARY_NAMES
from ..params import BY_NAME, GROUPS, PARAMS, Params, nearest
from ..sweep.spec import (MAX_SEED, MODELS, _base, _changes, _flag, _pow2, _range, _text, _unknown,
                          _whole)

METHODS = ("morris", "sobol")
BSCSIM = "bscsim"       # model = "bscsim" (the default): this package's model
KEYS = ("title", "description", "base", "model", "method", "n_samples", "replicates",
        "root_seed", "outputs", "vary_groups", "groups", "second_order", "dummy",
        "levels", "ci_threshold", "batch_size", "common_random_numbers", "set", "vary")
DUMMY = "dummy"
# Convergence: the widest 95% interval (half-width) an index may have.
CI_THRESHOLD = {"sobol": 0.05,     # in units of the index (share of variance)
                "morris": 0.1}     # as a share of the largest mu*


@dataclass(frozen=True)
class Factor:
    """One varied input: its range and its group (the mechanism, for parameters)."""

    name: str
    low: float
    high: float
    group: str


@dataclass(frozen=True)
class SASpec:
    """A validated SA file. `text` is the file as written (kept in the manifest)."""

    path: str
    text: str
    title: str
    base: str
    changes: dict[str, Any]
    factors: tuple[Factor, ...]
    outputs: tuple[str, ...]
    method: str = "sobol"
    n_samples: int = 64
    replicates: int = 2
    root_seed: int = 0
    groups: bool = False
    second_order: bool = False
    dummy: bool = True
    levels: int = 4
    ci_threshold: float = 0.05
    model: str | None = None
    batch_size: int | None = None
    common_random_numbers: bool = True
    overrides: dict[str, Any] = field(default_factory=dict)
    model_fn: Callable[..., dict[str, float]] | None = field(default=None, compare=False,
                                                              repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """The varied factors, with the dummy factor last if there is one."""
        return tuple(f.name for f in self.factors) + ((DUMMY,) if self.dummy else ())

    @property
    def group_names(self) -> tuple[str, ...]:
        """The groups in order of first appearance (SALib's order)."""
        groups = [f.group for f in self.factors] + ([DUMMY] if self.dummy else [])
        return tuple(dict.fromkeys(groups))

    def base_params(self) -> Params:
        return load_config(self.base, **self.changes)

    def replace(self, **changes: Any) -> "SASpec":
        """A copy with `changes` applied and recorded as overrides (e.g.
        `n_samples=8` for a quick run); `changes={...}` adds to [set]."""
        new = dict(changes)
        if "changes" in new:
            both = set(new["changes"]) & set(self.names)
            if both:
                raise ConfigError(f"{self.path}: {', '.join(sorted(both))} is varied; "
                                  "it cannot also be fixed")
            new["changes"] = {**self.changes, **new["changes"]}
        spec = dataclasses.replace(self, **new, overrides={**self.overrides, **changes})
        _check_n(spec.method, spec.n_samples, spec.path)
        if spec.model is None:
            spec.base_params()
        return spec

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": None if self.model else self.base,
            "model": self.model,
            "set": self.changes,
            "factors": [dataclasses.asdict(f) for f in self.factors],
            "method": self.method, "n_samples": self.n_samples,
            "replicates": self.replicates, "root_seed": self.root_seed,
            "outputs": list(self.outputs), "groups": self.groups,
            "second_order": self.second_order, "dummy": self.dummy,
            "levels": self.levels, "ci_threshold": self.ci_threshold,
            "common_random_numbers": self.common_random_numbers,
        }


def load_sa(path: str | Path,
            models: dict[str, Callable[..., dict[str, float]]] | None = None) -> SASpec:
    """Read and validate an SA file; every problem is a one-line ConfigError.
    `models` maps names the file may use in `model = ...` to functions
    `f(values, seed) -> dict` (besides the registered ones)."""
    path = Path(path)
    data, text = read_toml_text(path, "sensitivity")
    return parse_sa(data, where=str(path), folder=path.parent, text=text, models=models)


def parse_sa(data: dict[str, Any], where: str = "sensitivity", folder: Path | None = None,
             text: str = "",
             models: dict[str, Callable[..., dict[str, float]]] | None = None) -> SASpec:
    """An `SASpec` from the parsed TOML of an SA file."""
    folder = folder if folder is not None else Path.cwd()
    if not data:
        raise ConfigError(f"{where}: the sensitivity file is empty; it needs method, "
                          "n_samples, outputs and what to vary")
    check_keys(data, KEYS, where)
    method = data.get("method")
    if method not in METHODS:
        raise ConfigError(f"{where}: method = {method!r} is not allowed: expected one of "
                          f"{', '.join(METHODS)}")
    model = _text(data, "model", where)
    model_fn = None
    models = dict(models or {})
    if model == BSCSIM:
        model = None
    if model is not None:
        known = [BSCSIM, *MODELS, *models]
        if model not in known:
            raise ConfigError(f"{where}: model = {model[:80]!r} is not allowed: expected "
                              f"one of {', '.join(known)} (a file names a registered model, "
                              "never a module; give other models from Python: "
                              "load_sa(path, models={'name': function}))")
        model_fn = models.get(model)
        for key in ("base", "set", "vary_groups"):
            if key in data:
                raise ConfigError(f"{where}: {key} is not allowed with model = '{model}' "
                                  "(it applies to bscsim's parameters)")
    base = _base(data.get("base"), folder, where)
    changes = {} if model else _changes(data.get("set", {}), base, where, "sensitivity")
    factors = _factors(data, model, changes, where)
    n = _whole(data.get("n_samples"), "n_samples", where, required=True,
               minimum=2 if method == "morris" else 1)
    _check_n(method, n, where)
    replicates = _whole(data.get("replicates", 2), "replicates", where)
    groups = _flag(data.get("groups", False), "groups", where)
    if groups and method != "sobol":
        raise ConfigError(f"{where}: groups = true is only for method = \"sobol\"")
    if groups and model:
        raise ConfigError(f"{where}: groups = true groups bscsim parameters by mechanism; "
                          "not allowed with another model")
    second = _flag(data.get("second_order", False), "second_order", where)
    if second and method != "sobol":
        raise ConfigError(f"{where}: second_order = true is only for method = \"sobol\"")
    levels = _whole(data.get("levels", 4), "levels", where, minimum=2, maximum=1000)
    dummy = _flag(data.get("dummy", True), "dummy", where)
    d = (len({f.group for f in factors}) if groups else len(factors)) + dummy
    points = n * (d + 1) if method == "morris" else n * (2 * d + 2 if second else d + 2)
    check_runs(points * replicates, "sensitivity", where,
               f"n_samples = {n:,} over {d} factors ({points:,} points) x replicates = "
               f"{replicates:,}")
    if "levels" in data and method != "morris":
        raise ConfigError(f"{where}: levels is only for method = \"morris\"")
    threshold = data.get("ci_threshold", CI_THRESHOLD[method])
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
            or not 0 < threshold < 1:
        raise ConfigError(f"{where}: ci_threshold = {threshold!r} is not allowed: expected "
                          "a number between 0 and 1")
    return SASpec(
        path=where, text=text, title=_text(data, "title", where) or Path(where).stem,
        base=str(base), changes=changes, factors=factors,
        outputs=_outputs(data.get("outputs"), model, where), method=method,
        n_samples=n, replicates=replicates,
        root_seed=_whole(data.get("root_seed", 0), "root_seed", where, minimum=0,
                         maximum=MAX_SEED),
        groups=groups, second_order=second, dummy=dummy, levels=levels,
        ci_threshold=float(threshold), model=model, model_fn=model_fn,
        batch_size=(None if data.get("batch_size") is None
                    else _whole(data["batch_size"], "batch_size", where)),
        common_random_numbers=_flag(data.get("common_random_numbers", True),
                                    "common_random_numbers", where),
    )


def _check_n(method: str, n: int, where: str) -> None:
    if method == "sobol" and n & (n - 1):
        raise ConfigError(f"{where}: n_samples = {n} is not allowed: Sobol needs a power "
                          f"of 2 (e.g. {_pow2(n)})")


def _factors(data: dict[str, Any], model: str | None, changes: dict[str, Any],
             where: str) -> tuple[Factor, ...]:
    table = data.get("vary", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: vary must be a table [vary] of parameters")
    ranges: dict[str, tuple[float, float]] = {}
    if model is None:
        vary_one_cohort(table, f"{where} [vary]", "sensitivity")
    for group in _group_list(data.get("vary_groups", []), where):
        for p in PARAMS:
            if p.group == group and p.kind is not bool and p.name not in changes \
                    and p.name not in COMPARE_ONLY:    # they act only in compare
                ranges[p.name] = (float(p.plausible[0]), float(p.plausible[1]))
    for name, spec in table.items():
        here = f"{where} [vary] {name}"
        if model is not None:
            ranges[name] = _plain_range(spec, here)
            continue
        if name not in BY_NAME:
            raise ConfigError(f"{where} [vary]: {_unknown(name)}")
        if name in changes:
            raise ConfigError(f"{here}: is also fixed in [set]; keep it in one of them")
        if BY_NAME[name].kind is bool:
            raise ConfigError(f"{here}: a switch cannot be varied in a sensitivity "
                              "analysis; fix it in [set] and run one analysis per setting")
        ranges[name] = _range(spec, BY_NAME[name], here, "sensitivity")
    if DUMMY in ranges:
        raise ConfigError(f"{where} [vary]: '{DUMMY}' is reserved for the dummy factor")
    if len(ranges) < 2 and not data.get("dummy", True):
        raise ConfigError(f"{where}: vary at least two factors (vary_groups or [vary])")
    if not ranges:
        raise ConfigError(f"{where}: nothing to vary; name vary_groups or fill [vary]")
    return tuple(Factor(n, lo, hi, n if model else BY_NAME[n].group)
                 for n, (lo, hi) in ranges.items())


def _group_list(value: Any, where: str) -> list[str]:
    mechanisms = [g for g in GROUPS if g != "cost"]
    if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
        raise ConfigError(f"{where}: vary_groups = {value!r} is not allowed: expected a "
                          f"list of groups from {', '.join(mechanisms)}")
    for g in value:
        if g not in mechanisms:
            near = nearest(g, mechanisms)
            hint = f"did you mean '{near}'? " if near else ""
            raise ConfigError(f"{where}: vary_groups: unknown group '{g}'; {hint}expected "
                              f"one of {', '.join(mechanisms)}")
    return value


def _plain_range(spec: Any, here: str) -> tuple[float, float]:
    ok = isinstance(spec, dict) and set(spec) == {"low", "high"} and all(
        isinstance(spec[k], (int, float)) and not isinstance(spec[k], bool)
        for k in ("low", "high"))
    if not ok or not spec["low"] < spec["high"]:
        raise ConfigError(f"{here} = {spec!r} is not allowed: expected "
                          "{ low = .., high = .. } with low below high")
    return float(spec["low"]), float(spec["high"])


def _outputs(value: Any, model: str | None, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or \
            not all(isinstance(o, str) for o in value):
        raise ConfigError(f"{where}: outputs = {value!r} is not allowed: expected a list "
                          "of output names (bscsim.outputs.SUMMARY_NAMES)")
    if model is None:
        for o in value:
            if o not in SUMMARY_NAMES:
                near = nearest(o, SUMMARY_NAMES)
                hint = f"; did you mean '{near}'?" if near else \
                    "; see bscsim.outputs.SUMMARY_NAMES"
                raise ConfigError(f"{where}: outputs: unknown output '{o}'{hint}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{where}: outputs are repeated; list each output once")
    return tuple(value)
