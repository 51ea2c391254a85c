"""Declarations for value-of-information analyses: reading a decision file
(commented TOML) into a `Decision`.

A decision names the options a state chooses between, how their outcome is valued,
the population the choice applies to, the uncertainty it is made under and,
optionally, a study that could be run first:

    title = "Scale the BSC across a state?"
    draws = 2000                     # parameter draws; every option runs at each
    seed = 2026                      # root seed: draws and runs

    [[option]]                       # two or more
    name = "full_bsc"                # a file name: letters, digits, _ and -
    label = "Full BSC"
    config = "../arms/full_bsc.toml" # an arm config (beside this file or in configs/)
    set = { planning_hours = 4.0 }   # optional lever settings on top of it

    [valuation]                      # net benefit = wtp x outcome x units - cost
    outcome = "child_se_gain_sd_followup"   # a summary output with direction "up"
    units_per_center = 32            # e.g. children per center the outcome is per
    wtp = [0, 5000, 10000]           # USD per unit of outcome (one or several)
    headline_wtp = 10000             # the one the bottom line speaks at

    [population]                     # who the decision applies to
    centers_per_year = 100
    years = 3
    discount_rate = 0.03

    [uncertainty]
    sample = ["context", "outcomes"] # groups or parameters drawn over their plausible
                                     # range (what no calibration constrains)
    posterior = ""                   # optional: a `bscsim calibrate` folder

    [study]                          # optional: EVSI of a study before deciding
    file = "../studies/ccl_feasibility.toml"
    option = "full_bsc"              # the option whose centers it measures
    collaboratives = [1, 2, 4]       # sizes, in collaboratives of the study's centers
    reliability = 0.8                # of the classroom observation
    cost_per_center = 15000          # USD per center studied
    cost_fixed = 50000               # USD per study

Every problem is a one-line `ConfigError` naming the file and the key, raised
before anything runs or is written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import (ConfigError, check_keys, check_name, check_table_keys,
                      find_config, load_config, read_toml_text)
from ..outputs import SUMMARY_BY_NAME, nearest_output
from ..params import BY_NAME, GROUPS, Params, nearest

KEYS = ("title", "question", "description", "draws", "seed", "option", "valuation",
        "population", "uncertainty", "study", "n_single", "set")
OPTION_KEYS = ("name", "label", "description", "config", "set")
VALUATION_KEYS = ("outcome", "units_per_center", "units", "wtp", "headline_wtp")
POPULATION_KEYS = ("centers_per_year", "years", "discount_rate")
UNCERTAINTY_KEYS = ("sample", "posterior")
STUDY_KEYS = ("file", "option", "collaboratives", "reliability", "cost_per_center",
              "cost_fixed")
MAX_DRAWS = 100_000
MAX_OPTIONS = 12


@dataclass(frozen=True)
class Option:
    name: str
    label: str
    config: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StudyPlan:
    file: str
    option: str
    collaboratives: tuple[int, ...]
    reliability: float
    cost_per_center: float
    cost_fixed: float
    n_centers: int                   # centers per collaborative studied
    classrooms: int                  # participating classrooms observed per center
    config: str                      # the study's model config


@dataclass(frozen=True)
class Decision:
    path: str
    text: str
    title: str
    question: str
    draws: int
    seed: int
    options: tuple[Option, ...]
    outcome: str
    units_per_center: float
    units: str
    wtp: tuple[float, ...]
    headline_wtp: float
    centers_per_year: float
    years: int
    discount_rate: float
    sample: tuple[str, ...]          # parameters drawn over their plausible range
    posterior: str | None
    study: StudyPlan | None
    n_single: int = 10
    changes: dict[str, Any] = field(default_factory=dict)   # [set], every option

    @property
    def population(self) -> float:
        """Centers the decision applies to, discounted: the sum over years t of
        centers_per_year / (1 + discount_rate)^t."""
        return sum(self.centers_per_year / (1 + self.discount_rate) ** t
                   for t in range(self.years))

    def option_params(self, option: Option) -> Params:
        return load_config(option.config, changes_from=f"{self.path}: option "
                           f"{option.name} set", **{**self.changes, **option.changes})

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("text")
        return d

    def fingerprint(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def replace(self, **changes: Any) -> "Decision":
        from dataclasses import replace
        return replace(self, **changes)


def load_decision(path: str | Path) -> Decision:
    """Read and validate a decision file; every problem is a one-line ConfigError."""
    path = Path(path)
    data, text = read_toml_text(path, "decision")
    return parse_decision(data, str(path), path.parent, text)


def parse_decision(data: dict[str, Any], where: str, folder: Path,
                   text: str = "") -> Decision:
    if not data:
        raise ConfigError(f"{where}: the decision file is empty; it needs [[option]] "
                          "tables, [valuation] and [uncertainty]")
    check_keys(data, KEYS, where)
    for key in ("title", "question", "description"):
        if not isinstance(data.get(key, ""), str):
            raise ConfigError(f"{where}: {key} = {data[key]!r} is not allowed: expected "
                              "a string")
    changes = _settings(data.get("set", {}), f"{where}: [set]")
    options = _options(data.get("option"), where, folder, changes)
    valuation = _table(data, "valuation", where, VALUATION_KEYS)
    outcome = valuation.get("outcome")
    if outcome not in SUMMARY_BY_NAME:
        near = nearest_output(str(outcome)) if isinstance(outcome, str) else None
        raise ConfigError(f"{where}: [valuation] outcome = {outcome!r} is not a summary "
                          "output" + (f"; did you mean '{near}'?" if near else
                                      " (see docs/outputs.md)"))
    if SUMMARY_BY_NAME[outcome].direction != "up":
        raise ConfigError(f"{where}: [valuation] outcome = '{outcome}' is not allowed: "
                          "expected an output where more is better (direction up)")
    wtp = valuation.get("wtp")
    wtp = [wtp] if _is_num(wtp) else wtp
    if not isinstance(wtp, list) or not wtp or not all(_is_num(w) and 0 <= w <= 1e9
                                                       for w in wtp):
        raise ConfigError(f"{where}: [valuation] wtp = {valuation.get('wtp')!r} is not "
                          "allowed: expected a number or a list of numbers from 0 to 1e9 "
                          "(USD per unit of outcome)")
    wtp = tuple(sorted(float(w) for w in set(wtp)))
    headline = _num(valuation, "headline_wtp", f"{where}: [valuation]", 0, 1e9,
                    wtp[len(wtp) // 2])
    if headline not in wtp:
        raise ConfigError(f"{where}: [valuation] headline_wtp = {headline:g} is not "
                          "allowed: expected one of the wtp values")
    units = valuation.get("units", "units of outcome")
    if not isinstance(units, str):
        raise ConfigError(f"{where}: [valuation] units = {units!r}: expected a string")
    population = _table(data, "population", where, POPULATION_KEYS)
    here = f"{where}: [population]"
    uncertainty = _table(data, "uncertainty", where, UNCERTAINTY_KEYS)
    sample = _sample(uncertainty.get("sample", []), f"{where}: [uncertainty]", options,
                     changes)
    posterior = uncertainty.get("posterior", "") or None
    if posterior is not None:
        posterior = _posterior(posterior, folder, f"{where}: [uncertainty] posterior")
    if not sample and posterior is None:
        raise ConfigError(f"{where}: [uncertainty] names no uncertainty: give sample = "
                          "[groups or parameters] and/or posterior = \"FOLDER\"")
    decision = Decision(
        path=where, text=text, title=str(data.get("title", Path(where).stem)),
        question=str(data.get("question", "")),
        draws=_whole(data, "draws", where, 10, MAX_DRAWS, None),
        seed=_whole(data, "seed", where, 0, 2**63 - 1, 0),
        options=options, outcome=outcome,
        units_per_center=_num(valuation, "units_per_center", f"{where}: [valuation]",
                              1e-9, 1e9, 1.0),
        units=units, wtp=wtp, headline_wtp=headline,
        centers_per_year=_num(population, "centers_per_year", here, 1, 1e7, None),
        years=_whole(population, "years", here, 1, 100, 1),
        discount_rate=_num(population, "discount_rate", here, 0, 1, 0.0),
        sample=sample, posterior=posterior,
        study=_study(data.get("study"), where, folder, options),
        n_single=_whole(data, "n_single", where, 0, 200, 10), changes=changes)
    return decision


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def _table(data, key, where, allowed) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: '{key}' must be a table [{key}], got {table!r}")
    check_table_keys(table, allowed, f"{where}: [{key}]")
    return table


def _num(table, key, where, lo, hi, default) -> float:
    v = table.get(key, default)
    if v is None:
        raise ConfigError(f"{where}: {key} is missing: expected a number from {lo:g} to "
                          f"{hi:g}")
    if not _is_num(v) or not lo <= v <= hi:
        raise ConfigError(f"{where}: {key} = {v!r} is not allowed: expected a number "
                          f"from {lo:g} to {hi:g}")
    return float(v)


def _whole(table, key, where, lo, hi, default) -> int:
    v = table.get(key, default)
    if v is None:
        raise ConfigError(f"{where}: {key} is missing: expected a whole number from "
                          f"{lo} to {hi:,}")
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ConfigError(f"{where}: {key} = {v!r} is not allowed: expected a whole "
                          f"number from {lo} to {hi:,}")
    return int(v)


def _settings(table: Any, where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of parameter values, got {table!r}")
    for name, value in table.items():
        if name not in BY_NAME:
            near = nearest(name, BY_NAME)
            raise ConfigError(f"{where}: unknown parameter '{name}'"
                              + (f"; did you mean '{near}'?" if near else ""))
        try:
            BY_NAME[name].check(value)
        except ValueError as e:
            raise ConfigError(f"{where}: {e}") from None
    return dict(table)


def _options(table: Any, where: str, folder: Path, changes: dict) -> tuple[Option, ...]:
    if not isinstance(table, list) or not all(isinstance(t, dict) for t in table):
        raise ConfigError(f"{where}: [[option]] tables are missing: a decision needs two "
                          "or more options")
    if not 2 <= len(table) <= MAX_OPTIONS:
        raise ConfigError(f"{where}: {len(table)} option(s) is not allowed: expected 2 "
                          f"to {MAX_OPTIONS} [[option]] tables")
    options, seen = [], set()
    for i, t in enumerate(table):
        here = f"{where}: option {i + 1}"
        check_table_keys(t, OPTION_KEYS, here)
        name = check_name(t.get("name"), here, "name")
        if name in seen:
            raise ConfigError(f"{here}: name '{name}' is used twice; names must differ")
        seen.add(name)
        config = find_config(t.get("config"), folder, f"{here} ({name})", "config")
        own = _settings(t.get("set", {}), f"{here} ({name}): set")
        label = t.get("label", name)
        if not isinstance(label, str):
            raise ConfigError(f"{here}: label = {label!r}: expected a string")
        opt = Option(name, label, str(config), own)
        load_config(opt.config, changes_from=f"{here} ({name}): set", **{**changes, **own})
        options.append(opt)
    return tuple(options)


def sampled_names(entries: list[str]) -> tuple[str, ...]:
    """Parameters of `entries` (group names or parameter names): a group gives its
    numeric uncertainties, and for `cost` its prices (constants a state does not
    know for sure)."""
    names: list[str] = []
    for e in entries:
        if e in GROUPS:
            names += [p.name for p in BY_NAME.values() if p.group == e
                      and p.kind is not bool and (p.role == "uncertainty" or e == "cost")]
        else:
            names.append(e)
    return tuple(dict.fromkeys(names))


def _sample(entries: Any, where: str, options, changes) -> tuple[str, ...]:
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise ConfigError(f"{where}: sample = {entries!r} is not allowed: expected a list "
                          f"of groups ({', '.join(GROUPS)}) or parameter names")
    for e in entries:
        if e not in GROUPS and e not in BY_NAME:
            near = nearest(e, [*GROUPS, *BY_NAME])
            raise ConfigError(f"{where}: sample names '{e}', neither a group nor a "
                              "parameter" + (f"; did you mean '{near}'?" if near else ""))
        if e in BY_NAME and BY_NAME[e].kind is bool:
            raise ConfigError(f"{where}: sample names '{e}', a switch; only numeric "
                              "parameters can be drawn")
    names = sampled_names(entries)
    for name in names:
        for o in options:
            if name in o.changes or name in changes:
                raise ConfigError(f"{where}: {name} is drawn, but option {o.name} or "
                                  "[set] sets it; keep it in one place")
    return names


def _posterior(value: Any, folder: Path, where: str) -> str:
    from ..posterior import PosteriorError, load_posterior
    if not isinstance(value, str):
        raise ConfigError(f"{where} = {value!r}: expected a folder name")
    path = Path(value)
    if not path.is_absolute() and not path.exists():
        path = folder / value
    try:
        load_posterior(path)
    except PosteriorError as e:
        raise ConfigError(f"{where}: {e}") from None
    return str(path)


def _study(table: Any, where: str, folder: Path, options) -> StudyPlan | None:
    if table is None:
        return None
    here = f"{where}: [study]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: 'study' must be a table [study]")
    check_table_keys(table, STUDY_KEYS, here)
    from ..study.spec import load_study
    file = find_config(table.get("file"), folder, here, "file")
    study = load_study(file)
    names = [o.name for o in options]
    option = table.get("option")
    if option not in names:
        raise ConfigError(f"{here}: option = {option!r} is not allowed: expected one of "
                          f"{', '.join(names)}")
    sizes = table.get("collaboratives")
    if (not isinstance(sizes, list) or not sizes or not all(
            isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 50 for s in sizes)):
        raise ConfigError(f"{here}: collaboratives = {sizes!r} is not allowed: expected "
                          "a list of whole numbers from 1 to 50 (collaboratives studied)")
    return StudyPlan(
        file=str(file), option=option, collaboratives=tuple(sorted(set(sizes))),
        reliability=_num(table, "reliability", here, 0.05, 1.0, 0.8),
        cost_per_center=_num(table, "cost_per_center", here, 0, 1e9, None),
        cost_fixed=_num(table, "cost_fixed", here, 0, 1e10, 0.0),
        n_centers=study.design.n_centers,
        classrooms=study.design.participating_per_center, config=study.config)
