"""Declarations: the state file (`configs/states/*.toml`), read and validated whole
before anything runs.

A state rolls the BSC out to many programs: collaboratives of 8-30 centers in
cohorts (waves a year apart), each collaborative with its own size, program mix
and faculty, all starting from one base config and its changes. Learning carried
from one cohort to the next (a refined change package, experienced teams as
faculty) is a declared, switchable assumption (`[carry_over]`, states/carry.py).

    title = "..."                   # optional, plain words
    base = "../ccl_phase1.toml"     # the config every collaborative starts from
    seed = 0                        # root seed of the state
    replicates = 1                  # runs of the whole rollout
    cohort_interval_weeks = 52      # weeks between the starts of two cohorts

    [changes]                       # parameter changes for every collaborative
    planning_hours = 3.0            # (flat, or in tables named after the groups)

    [carry_over]
    on = true                       # learning carried between cohorts
    refine = 0.5                    # see states/carry.py
    mentor = 0.5

    [[cohort]]                      # one table per cohort, in order
    collaboratives = 12             # how many collaboratives this cohort runs
    centers = [8, 30]               # each one's size: a number or [low, high]
    share_head_start = [0.2, 0.8]   # optional, as above (default: the base's)
    faculty_hours_month = [1, 3]    # optional, the collaborative's faculty
    faculty_qi_gain = 0.02          # optional, the collaborative's faculty

A `[low, high]` range is drawn uniformly for each collaborative (whole numbers for
`centers`) from the state's seed, the same for every replicate. Every problem is a
one-line `ConfigError` naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import (COMPARE_ONLY, ConfigError, check_keys, find_config, flatten,
                      params_of, read_toml_text, resolve_sources)
from ..params import BY_NAME, Params

TOP_KEYS = ("title", "description", "base", "seed", "replicates",
            "cohort_interval_weeks", "changes", "carry_over", "cohort")
CARRY_KEYS = ("on", "refine", "mentor")
# What a cohort may set for each of its collaboratives: its size, program mix and
# faculty (model parameters, checked against their declared ranges).
COHORT_PARAMS = ("n_centers", "share_head_start", "faculty_hours_month",
                 "faculty_qi_gain")
COHORT_KEYS = ("collaboratives", "centers", *COHORT_PARAMS[1:])
MAX_COHORTS = 50
MAX_COLLABORATIVES = 100_000     # runs of one state (all cohorts and replicates)
MAX_REPLICATES = 1_000


@dataclass(frozen=True)
class Cohort:
    """One wave: its collaboratives' parameter values, one dict per collaborative."""

    index: int
    collaboratives: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class StateSpec:
    """A validated state file."""

    path: Path
    text: str                     # the file as read, kept for provenance
    title: str
    base_params: Params           # base config with the state's changes
    seed: int
    replicates: int
    interval: int                 # weeks between cohort starts
    carry_on: bool
    refine: float
    mentor: float
    cohorts: tuple[Cohort, ...] = field(default_factory=tuple)

    @property
    def n_runs(self) -> int:
        return self.replicates * sum(len(c.collaboratives) for c in self.cohorts)

    def layout(self) -> list[dict[str, Any]]:
        """One row per collaborative: cohort, index and its own values."""
        return [{"cohort": c.index, "collaborative": k, **values}
                for c in self.cohorts for k, values in enumerate(c.collaboratives)]


def is_state_file(path: str | Path) -> bool:
    """True if `path` is a readable TOML file with a `[[cohort]]` list (a state
    file); a file that cannot be read is left for its command to refuse."""
    try:
        data, _ = read_toml_text(path, "state")
    except ConfigError:
        return False
    return "cohort" in data


def read_state(path: str | Path, seed: int | None = None, replicates: int | None = None,
               base_changes: dict[str, Any] | None = None) -> StateSpec:
    """The validated state file at `path`; `seed`, `replicates` and `base_changes`
    (e.g. from --seed, --replicates, --set) override the file's."""
    path = Path(path)
    where = str(path)
    data, text = read_toml_text(path, "state")
    check_keys(data, TOP_KEYS, where)
    title = _text(data, "title", where)
    _text(data, "description", where)
    if "base" not in data:
        raise ConfigError(f"{where}: missing 'base' (the config every collaborative "
                          "starts from, e.g. base = \"../ccl_phase1.toml\")")
    base = find_config(data["base"], path.resolve().parent, where, "base")
    values, origins = resolve_sources(base)
    changes = data.get("changes", {})
    if not isinstance(changes, dict):
        raise ConfigError(f"{where}: changes = {changes!r} is not allowed: expected a "
                          "table [changes] of parameter values")
    own = flatten(changes, f"{where} [changes]")
    _not_per_state(own, f"{where}: [changes]")
    _not_per_state(base_changes or {}, "--set")
    values.update(own)
    origins.update(dict.fromkeys(own, f"{where} [changes]"))
    values.update(base_changes or {})
    origins.update(dict.fromkeys(base_changes or {}, "--set"))
    base_params = params_of(values, where, origins)
    for name in COMPARE_ONLY:
        if getattr(base_params, name) != BY_NAME[name].default:
            raise ConfigError(f"{origins.get(name, where)}: {name} = "
                              f"{getattr(base_params, name)!r} is not allowed in a "
                              "state's base: the state file sets its cohorts")
    seed = _whole(data, "seed", where, 0, 2**63 - 1, 0) if seed is None else seed
    if replicates is None:
        replicates = _whole(data, "replicates", where, 1, MAX_REPLICATES, 1)
    interval = _whole(data, "cohort_interval_weeks", where, 1, 260, 52)
    carry = data.get("carry_over", {})
    if not isinstance(carry, dict):
        raise ConfigError(f"{where}: carry_over = {carry!r} is not allowed: expected a "
                          "table [carry_over] with on, refine, mentor")
    check_keys(carry, CARRY_KEYS, f"{where} [carry_over]")
    on = carry.get("on", False)
    if not isinstance(on, bool):
        raise ConfigError(f"{where}: [carry_over] on = {on!r} is not allowed: expected "
                          "true or false")
    refine = _share(carry, "refine", f"{where} [carry_over]", 0.5)
    mentor = _share(carry, "mentor", f"{where} [carry_over]", 0.5)
    raw = data.get("cohort")
    if not isinstance(raw, list) or not raw or not all(isinstance(c, dict) for c in raw):
        raise ConfigError(f"{where}: cohort must be one or more [[cohort]] tables "
                          f"(at most {MAX_COHORTS})")
    if len(raw) > MAX_COHORTS:
        raise ConfigError(f"{where}: {len(raw)} cohorts; a state has at most "
                          f"{MAX_COHORTS}")
    counts = [_count(table, f"{where} [[cohort]] {i + 1}") for i, table in enumerate(raw)]
    n_runs = replicates * sum(counts)
    if n_runs > MAX_COLLABORATIVES:         # refused before any layout is drawn
        raise ConfigError(f"{where}: replicates x collaboratives = {n_runs:,} runs; a "
                          f"state runs at most {MAX_COLLABORATIVES:,}")
    layout = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    cohorts = [_cohort(i, table, base_params, layout, f"{where} [[cohort]] {i + 1}")
               for i, table in enumerate(raw)]
    return StateSpec(path=path, text=text, title=title or path.stem,
                     base_params=base_params, seed=seed, replicates=replicates,
                     interval=interval, carry_on=on, refine=refine, mentor=mentor,
                     cohorts=tuple(cohorts))


def _not_per_state(values: dict, where: str) -> None:
    """Refuse, among parameter changes for the whole state, what a cohort sets."""
    for name in values:
        if name in COMPARE_ONLY:
            raise ConfigError(f"{where} {name} is not allowed: a state file sets its "
                              "cohorts with [[cohort]] tables and cohort_interval_weeks")
        if name in COHORT_PARAMS:
            raise ConfigError(f"{where} {name} is not allowed: it is set per cohort "
                              f"([[cohort]] {_cohort_key(name)} = ...)")


def _count(table: dict, where: str) -> int:
    """The checked keys and number of collaboratives of one [[cohort]] table."""
    check_keys(table, COHORT_KEYS, where)
    for key in ("collaboratives", "centers"):
        if key not in table:
            raise ConfigError(f"{where}: missing '{key}'")
    n = table["collaboratives"]
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_COLLABORATIVES:
        raise ConfigError(f"{where}: collaboratives = {n!r} is not allowed: expected a "
                          f"whole number from 1 to {MAX_COLLABORATIVES:,}")
    return n


def _cohort(index: int, table: dict, base: Params, rng: np.random.Generator,
            where: str) -> Cohort:
    """The collaboratives of one cohort, each value drawn from its range."""
    n = _count(table, where)
    columns = {}
    for name in COHORT_PARAMS:
        key = _cohort_key(name)
        spec = table.get(key, getattr(base, name))
        columns[name] = _draw(spec, name, key, n, rng, where)
    rows = tuple({name: columns[name][k] for name in COHORT_PARAMS} for k in range(n))
    return Cohort(index=index, collaboratives=rows)


def _draw(spec: Any, name: str, key: str, n: int, rng: np.random.Generator,
          where: str) -> list:
    """`n` values of parameter `name` from a number or a [low, high] range, each
    checked against the parameter's declared valid range."""
    p = BY_NAME[name]
    expected = f"{p.allowed()}, or a range [low, high] of such"
    if isinstance(spec, list):
        if len(spec) != 2:
            raise ConfigError(f"{where}: {key} = {spec!r} is not allowed: expected "
                              f"{expected}")
        lo, hi = (_check(p, v, key, expected, where) for v in spec)
        if lo > hi:
            raise ConfigError(f"{where}: {key} = {spec!r} is not allowed: low is above "
                              "high")
        if p.kind is int:
            return [int(v) for v in rng.integers(lo, hi, n, endpoint=True)]
        return [float(v) for v in rng.uniform(lo, hi, n)]
    value = _check(p, spec, key, expected, where)
    return [value] * n


def _check(p, value: Any, key: str, expected: str, where: str):
    from ..params import ParamError
    try:
        return p.check(value)
    except ParamError:
        raise ConfigError(f"{where}: {key} = {value!r} is not allowed: expected "
                          f"{expected}") from None


def _cohort_key(name: str) -> str:
    return "centers" if name == "n_centers" else name


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} = {value!r} is not allowed: expected a string")
    return value


def _whole(data: dict, key: str, where: str, lo: int, hi: int, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{where}: {key} = {value!r} is not allowed: expected a whole "
                          f"number from {lo:,} to {hi:,}")
    return value


def _share(data: dict, key: str, where: str, default: float) -> float:
    value = data.get(key, default)
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not 0.0 <= value <= 1.0):
        raise ConfigError(f"{where}: {key} = {value!r} is not allowed: expected a "
                          "number from 0 to 1")
    return float(value)
