"""Declarations for explorations: reading an exploration file (commented TOML) into an
`ExploreSpec`.

An exploration samples the futures nobody chooses (the uncertainties) and runs each
candidate policy (a combination of levers) in every one of them, with replicates
that share their seeds across the policies of a future (common random numbers;
each future draws its own, see `design`):

    title = "Where the full BSC fails"
    base = "../arms/full_bsc.toml"
    design = "lhs"                  # lhs | sobol: how futures are sampled
    n_futures = 512                 # sobol: a power of 2
    replicates = 2                  # seeds per future, shared by its policies (CRN)
    root_seed = 14
    discover = "classrooms_improved_share"   # whose failure scenario discovery explains
    resamples = 10                  # PRIM reruns on random halves, for box stability

    [set]                           # fixed changes to the base config
    weeks_followup = 0

    [uncertainties]                 # "plausible" or { low = .., high = .. }
    turnover_cc = { low = 0.2, high = 0.8 }

    [policies.as_run]               # named lever combinations (an empty table: the base)
    [policies.more_planning]
    planning_hours = 4.0

    [stress]                        # optional: the hard futures a reader worries about
    turnover_cc = { low = 0.6, high = 0.8 }    # (ranges of uncertainties)

    [thresholds]                    # success; default: every declared threshold
    classrooms_improved_share = 0.5            # in the output's declared direction
    child_se_gain_sd = { at_least = 0.1 }      # or say the direction

Instead of named policies, `n_policies = 8` and a `[levers]` table of ranges
sample the levers (Latin hypercube). A parameter's role (`bscsim params --role`)
decides where it may go: an uncertainty or a model-structure parameter under
[uncertainties], a lever in a policy or under [levers], anything in [set]. Every
problem is a one-line `ConfigError` naming the file and key, raised before anything
is written.

`model = "NAME"` explores another model, a function `f(values, seed) -> dict of
outputs` given from Python (`load_exploration(path, models={"NAME": (f, outputs)})`);
then every range is { low, high } and every threshold says its direction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config import ConfigError, check_keys, load_config, read_toml_text
from ..limits import check_runs
from ..outputs import SUMMARY_BY_NAME, SUMMARY_NAMES, nearest_output
from ..params import BY_NAME, Params
from ..sweep.spec import MAX_SEED, _base, _changes, _pow2, _range, _text, _unknown, _whole

DESIGNS = ("lhs", "sobol")
KEYS = ("title", "description", "base", "model", "design", "n_futures", "n_policies",
        "replicates", "root_seed", "discover", "resamples", "batch_size", "set",
        "uncertainties", "stress",
        "policies", "levers", "thresholds")
UNCERTAIN_ROLES = ("uncertainty", "structure")


@dataclass(frozen=True)
class Threshold:
    """Success of one output: at least `value` (direction up) or at most it (down)."""

    output: str
    value: float
    direction: str

    def met(self, x):
        return x >= self.value if self.direction == "up" else x <= self.value

    def words(self) -> str:
        return f"{self.output} {'>=' if self.direction == 'up' else '<='} {self.value:g}"


@dataclass(frozen=True)
class ExploreSpec:
    """A validated exploration file. `text` is the file as written."""

    path: str
    text: str
    title: str
    base: str
    changes: dict[str, Any]
    uncertainties: dict[str, tuple[float, float]]
    policies: dict[str, dict[str, Any]]            # named; empty when levers are sampled
    levers: dict[str, tuple[float, float]]         # sampled lever ranges
    thresholds: tuple[Threshold, ...]
    discover: str
    stress: dict[str, tuple[float, float]] = field(default_factory=dict)
    design: str = "lhs"
    n_futures: int = 64
    n_policies: int = 0
    replicates: int = 2
    root_seed: int = 0
    resamples: int = 10
    batch_size: int | None = None
    model: str | None = None
    outputs: tuple[str, ...] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    model_fn: Callable[..., dict[str, float]] | None = field(default=None, compare=False,
                                                              repr=False)

    @property
    def policy_count(self) -> int:
        return len(self.policies) if self.policies else self.n_policies

    @property
    def lever_names(self) -> tuple[str, ...]:
        if self.levers:
            return tuple(self.levers)
        return tuple(dict.fromkeys(k for p in self.policies.values() for k in p))

    @property
    def n_runs(self) -> int:
        return self.n_futures * self.policy_count * self.replicates

    def threshold(self, output: str) -> Threshold:
        return next(t for t in self.thresholds if t.output == output)

    def base_params(self) -> Params:
        return load_config(self.base, **self.changes)

    def replace(self, **changes: Any) -> "ExploreSpec":
        """A copy with `changes` applied and recorded as overrides (e.g.
        `n_futures=16` for a quick run)."""
        import dataclasses
        new = dict(changes)
        if "changes" in new:                 # adds to [set]
            varied = set(self.uncertainties) | set(self.lever_names)
            both = varied & set(new["changes"])
            if both:
                raise ConfigError(f"{self.path}: {', '.join(sorted(both))} is varied; "
                                  "it cannot also be fixed")
            new["changes"] = {**self.changes, **new["changes"]}
        spec = dataclasses.replace(self, **new, overrides={**self.overrides, **changes})
        _check_size(spec, spec.path)
        if spec.model is None:
            spec.base_params()
        return spec

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "set": self.changes, "model": self.model,
                "uncertainties": {k: list(v) for k, v in self.uncertainties.items()},
                "policies": self.policies,
                "levers": {k: list(v) for k, v in self.levers.items()},
                "n_policies": self.n_policies,
                "thresholds": [t.__dict__ for t in self.thresholds],
                "discover": self.discover, "resamples": self.resamples,
                "stress": {k: list(v) for k, v in self.stress.items()},
                "design": self.design,
                "n_futures": self.n_futures, "replicates": self.replicates,
                "root_seed": self.root_seed, "common_random_numbers": True}

    def fingerprint(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def load_exploration(path: str | Path, models: dict[str, tuple[Callable, tuple[str, ...]]]
                     | None = None) -> ExploreSpec:
    """Read and validate an exploration file; every problem is a one-line ConfigError.
    `models` maps a model name to (function, output names) for `model = "NAME"`."""
    path = Path(path)
    data, text = read_toml_text(path, "exploration")
    return parse_exploration(data, str(path), path.parent, text, models or {})


def parse_exploration(data: dict[str, Any], where: str, folder: Path, text: str = "",
                      models: dict | None = None) -> ExploreSpec:
    if not data:
        raise ConfigError(f"{where}: the exploration file is empty; it needs at least "
                          "[uncertainties] and [policies] (or [levers])")
    check_keys(data, KEYS, where)
    model = data.get("model")
    model_fn, outputs = None, None
    if model is not None:
        models = models or {}
        if model not in models:
            raise ConfigError(f"{where}: model = {model!r} is not allowed: an exploration "
                              "file runs bscsim; another model is given from Python "
                              "(load_exploration(path, models={name: (f, outputs)}))")
        model_fn, outputs = models[model][0], tuple(models[model][1])
    design = data.get("design", "lhs")
    if design not in DESIGNS:
        raise ConfigError(f"{where}: design = {design!r} is not allowed: expected one of "
                          f"{', '.join(DESIGNS)}")
    base = _base(data.get("base"), folder, where)
    changes = _changes(data.get("set", {}), base, where, "explore") if model is None else {}
    uncertainties = _ranges(data.get("uncertainties"), "uncertainties", UNCERTAIN_ROLES,
                            changes, where, model)
    if not uncertainties:
        raise ConfigError(f"{where}: [uncertainties] is missing or empty; name at least "
                          "one uncertainty (bscsim params --role uncertainty)")
    has_policies, has_levers = "policies" in data, "levers" in data
    if has_policies == has_levers:
        raise ConfigError(f"{where}: give either [policies.NAME] tables of lever values "
                          "or n_policies with a [levers] table of ranges (one of the two)")
    policies, levers, n_policies = {}, {}, 0
    if has_policies:
        policies = _policies(data["policies"], changes, uncertainties, where, model)
        if "n_policies" in data:
            raise ConfigError(f"{where}: n_policies is only used with sampled [levers]")
    else:
        levers = _ranges(data["levers"], "levers", ("lever",), changes, where, model)
        both = set(levers) & set(uncertainties)
        if both:
            raise ConfigError(f"{where}: {sorted(both)[0]} is both a lever and an "
                              "uncertainty; keep it in one place")
        if not levers:
            raise ConfigError(f"{where}: [levers] is empty; name at least one lever "
                              "(bscsim params --role lever)")
        n_policies = _whole(data.get("n_policies"), "n_policies", where, required=True,
                            minimum=2)
    n_futures = _whole(data.get("n_futures"), "n_futures", where, required=True, minimum=2)
    if design == "sobol" and n_futures & (n_futures - 1):
        raise ConfigError(f"{where}: n_futures = {n_futures} is not allowed: the sobol "
                          f"design needs a power of 2 (e.g. {_pow2(n_futures)})")
    stress = _stress(data.get("stress"), uncertainties, where)
    thresholds = _thresholds(data.get("thresholds"), where, outputs)
    names = [t.output for t in thresholds]
    discover = data.get("discover", names[0])
    if discover not in names:
        raise ConfigError(f"{where}: discover = {discover!r} is not allowed: expected an "
                          f"output with a threshold ({', '.join(names)})")
    spec = ExploreSpec(
        path=where, text=text, title=_text(data, "title", where) or Path(where).stem,
        base=str(base), changes=changes, uncertainties=uncertainties, policies=policies,
        levers=levers, thresholds=thresholds, discover=discover, stress=stress,
        design=design,
        n_futures=n_futures, n_policies=n_policies,
        replicates=_whole(data.get("replicates", 2), "replicates", where),
        root_seed=_whole(data.get("root_seed", 0), "root_seed", where, minimum=0,
                         maximum=MAX_SEED),
        resamples=_whole(data.get("resamples", 10), "resamples", where, minimum=0,
                         maximum=1000),
        batch_size=(None if data.get("batch_size") is None
                    else _whole(data["batch_size"], "batch_size", where)),
        model=model, outputs=outputs, model_fn=model_fn)
    _text(data, "description", where)
    _check_size(spec, where)
    return spec


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def _check_size(spec: ExploreSpec, where: str) -> None:
    check_runs(spec.n_runs, "explore", where,
               f"{spec.n_futures:,} futures x {spec.policy_count} policies x "
               f"{spec.replicates} replicates")


def _ranges(table: Any, key: str, roles: tuple[str, ...], changes: dict[str, Any],
            where: str, model: str | None) -> dict[str, tuple[float, float]]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {key} must be a table [{key}] of ranges")
    out = {}
    for name, spec in table.items():
        here = f"{where} [{key}] {name}"
        if model is not None:
            out[name] = _low_high(spec, here, "with another model expected")
            continue
        if name not in BY_NAME:
            raise ConfigError(f"{where} [{key}]: {_unknown(name)}")
        p = BY_NAME[name]
        if p.role not in roles:
            place = ("a policy ([policies.NAME]) or [levers]" if p.role == "lever"
                     else "[set]" if p.role == "constant" else "[uncertainties]")
            raise ConfigError(f"{here}: is {_a(p.role)}, not {' or '.join(roles)} "
                              f"(bscsim params --role {p.role}); put it in {place}")
        if name in changes:
            raise ConfigError(f"{here}: is also fixed in [set]; keep it in one of them")
        if p.kind is bool:
            raise ConfigError(f"{here}: a switch cannot be sampled; compare its values "
                              "as policies or fix it in [set]")
        out[name] = _range(spec, p, here, "sampled")
    return out


def _stress(table: Any, uncertainties: dict[str, tuple[float, float]], where: str
            ) -> dict[str, tuple[float, float]]:
    if table is None:
        return {}
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{where}: [stress] must be a table of uncertainty ranges")
    out = {}
    for name, spec in table.items():
        here = f"{where} [stress] {name}"
        if name not in uncertainties:
            raise ConfigError(f"{here}: not one of the [uncertainties] "
                              f"({', '.join(uncertainties)})")
        out[name] = _low_high(spec, here, "expected")
    return out


def _low_high(spec: Any, here: str, expected: str) -> tuple[float, float]:
    """A range written { low = .., high = .. } (numbers, low below high), as a
    tuple; else a one-line error that says what was `expected`."""
    if not (isinstance(spec, dict) and set(spec) == {"low", "high"} and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec.values())):
        raise ConfigError(f"{here} = {spec!r} is not allowed: {expected} "
                          "{ low = .., high = .. }")
    if not spec["low"] < spec["high"]:
        raise ConfigError(f"{here}: low = {spec['low']:g} must be below high = "
                          f"{spec['high']:g} (an empty range)")
    return float(spec["low"]), float(spec["high"])


def _policies(table: Any, changes: dict[str, Any], uncertainties: dict, where: str,
              model: str | None) -> dict[str, dict[str, Any]]:
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{where}: [policies] needs at least one [policies.NAME] table "
                          "of lever values")
    out = {}
    for pname, levers in table.items():
        here = f"{where} [policies.{pname}]"
        if not isinstance(levers, dict):
            raise ConfigError(f"{here}: expected a table of lever values")
        if not str(pname).replace("_", "").isalnum():
            raise ConfigError(f"{here}: a policy name uses letters, digits and _ only")
        values = {}
        for name, v in levers.items():
            if model is not None:
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise ConfigError(f"{here} {name} = {v!r}: expected a number")
                values[name] = v
                continue
            if name not in BY_NAME:
                raise ConfigError(f"{here}: {_unknown(name)}")
            p = BY_NAME[name]
            if p.role != "lever":
                raise ConfigError(f"{here} {name}: is {_a(p.role)}, not a lever (bscsim "
                                  f"params --role lever); a policy sets levers only")
            if name in changes:
                raise ConfigError(f"{here} {name}: is also fixed in [set]; keep it in one "
                                  "of them")
            try:
                values[name] = p.check(v)
            except ValueError as e:
                raise ConfigError(f"{here}: {e}") from None
        out[str(pname)] = values
    if len(out) < 2:
        raise ConfigError(f"{where}: [policies] has {len(out)} policy; robustness compares "
                          "at least 2")
    return out


def _thresholds(table: Any, where: str, outputs: tuple[str, ...] | None
                ) -> tuple[Threshold, ...]:
    if table is None:
        if outputs is not None:
            raise ConfigError(f"{where}: [thresholds] is missing; with another model each "
                              "output's threshold says its direction ({ at_least = .. } "
                              "or { at_most = .. })")
        return tuple(Threshold(o.name, o.threshold, o.direction)
                     for o in SUMMARY_BY_NAME.values() if o.threshold is not None)
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{where}: [thresholds] must be a non-empty table of output = "
                          "threshold")
    known = outputs if outputs is not None else SUMMARY_NAMES
    out = []
    for name, v in table.items():
        here = f"{where} [thresholds] {name}"
        if name not in known:
            near = nearest_output(name, known)
            hint = f"; did you mean '{near}'?" if near else ""
            raise ConfigError(f"{where} [thresholds]: unknown output '{name}'{hint} "
                              f"(declared outputs: bscsim.outputs, docs/outputs.md)")
        if isinstance(v, dict):
            if len(v) != 1 or next(iter(v)) not in ("at_least", "at_most"):
                raise ConfigError(f"{here} = {v!r} is not allowed: expected a number, "
                                  "{ at_least = .. } or { at_most = .. }")
            key, value = next(iter(v.items()))
            direction = "up" if key == "at_least" else "down"
        elif outputs is not None:
            raise ConfigError(f"{here} = {v!r}: with another model say the direction: "
                              "{ at_least = .. } or { at_most = .. }")
        else:
            value, direction = v, SUMMARY_BY_NAME[name].direction
            if direction == "none":
                raise ConfigError(f"{here}: the output has no declared direction; write "
                                  "{ at_least = .. } or { at_most = .. }")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{here}: {value!r} is not a number")
        out.append(Threshold(name, float(value), direction))
    return tuple(out)
