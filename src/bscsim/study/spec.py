"""Analyses / simulated study: the study file, read and checked before anything runs.

A study file (commented TOML, e.g. `configs/studies/ccl_feasibility.toml`) names the
model config, the study design, its instruments and the power grid. Every problem is
a one-line `ConfigError` naming the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from ..config import (COMPARE_ONLY, ConfigError, check_name, check_one_cohort, find_config,
                      load_config, read_toml)
from ..config import check_strings, check_table_keys as _check_keys, sub_table as _table
from ..params import Params, nearest

KINDS = ("survey", "observation", "pdsa_tracker", "attendance_log")
SURVEY_MEASURES = ("psych_safety", "efficacy", "inquiry", "climate")
OBSERVATION_MEASURES = ("practice", "practice_relationships", "practice_social_skills",
                        "practice_family", "practice_equity")
GROUPS = ("participants", "non_participants", "teachers", "directors", "parents", "staff")
FOLLOW = ("teachers", "classrooms")
# the missing-data rule for centers that left the collaborative (issue 26):
# "completers" measures only the centers still in it at each wave (their units
# at later waves are missing, status 'center_left'; the analysis uses the units
# it has: completers only); "everyone" keeps measuring them (a study whose data
# collection does not depend on taking part)
MISSING = ("completers", "everyone")

TOP_KEYS = ("title", "description", "config", "seed", "model", "design", "instruments",
            "power")
DESIGN_KEYS = ("n_centers", "participating_per_center", "comparison_per_center", "follow",
               "missing")
POWER_KEYS = ("n_centers", "reliability", "replicates", "alpha", "target")
INSTRUMENT_KEYS = {
    "survey": ("kind", "meaning", "measures", "respondents", "waves", "scale", "items",
               "reliability", "error_sd", "response_rate", "newcomers"),
    "observation": ("kind", "meaning", "measures", "waves", "items", "reliability",
                    "error_sd"),
    "pdsa_tracker": ("kind", "meaning", "window", "p_record"),
    "attendance_log": ("kind", "meaning", "window", "p_record"),
}


@dataclass(frozen=True)
class Instrument:
    """One declared measure: what it observes, when, on whom, and how well."""

    name: str
    kind: str                      # survey, observation, pdsa_tracker, attendance_log
    measures: str = ""             # the model state it observes
    meaning: str = ""
    respondents: tuple[str, ...] = ()   # survey: groups of people asked
    waves: tuple[int, int] = (0, 0)     # weeks of the two waves (logs: the window)
    scale: tuple[float, float] = (0.0, 1.0)
    items: int = 0                 # granularity of the score: 1/items (0: continuous)
    reliability: float | None = None
    error_sd: float | None = None  # in scale units; used when reliability is not given
    response_rate: float = 1.0
    newcomers: bool = True         # survey: people new in a post since wave 1 are asked
    p_record: float = 1.0          # logs: chance an event is written down

    @property
    def repeated(self) -> bool:
        """Surveys and observations are measured at two waves (logs are windows)."""
        return self.kind in ("survey", "observation")


@dataclass(frozen=True)
class Design:
    n_centers: int = 8
    participating_per_center: int = 2
    comparison_per_center: int = 2
    follow: str = "teachers"
    missing: str = "completers"


@dataclass(frozen=True)
class PowerGrid:
    n_centers: tuple[int, ...] = (4, 8, 12, 16, 24, 32, 40)
    reliability: tuple[float, ...] = (0.6, 0.7, 0.8, 0.9)
    replicates: int = 200
    alpha: float = 0.05
    target: float = 0.8


@dataclass(frozen=True)
class Study:
    """A simulated study: the model it observes, its design and instruments."""

    title: str
    source: str                    # the study file (or "study" for a dict)
    config: str                    # the model config it names
    params: Params                 # resolved, before the design is applied
    seed: int
    design: Design
    instruments: tuple[Instrument, ...]
    power: PowerGrid = field(default_factory=PowerGrid)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def weeks(self) -> tuple[int, ...]:
        """Every week the study looks at the model (waves and window ends)."""
        return tuple(sorted({w for i in self.instruments for w in i.waves}))

    def model_params(self, n_centers: int | None = None) -> Params:
        """The model's parameters for this study: the design's number of centers,
        and the run cut at the study's last week (what comes after is never seen,
        and cutting it changes nothing before it)."""
        p = self.params
        last = max(self.weeks) if self.weeks else p.weeks_collab
        return p.replace(n_centers=int(n_centers or self.design.n_centers),
                         weeks_followup=max(0, last - p.weeks_collab))

    def with_reliability(self, reliability: float) -> "Study":
        """The same study with every survey and observation at `reliability`."""
        inst = tuple(replace(i, reliability=reliability, error_sd=None) if i.repeated
                     else i for i in self.instruments)
        return replace(self, instruments=inst)


def load_study(source: str | Path | Mapping[str, Any]) -> Study:
    """A checked `Study` from a study file or a dict of the same shape."""
    if isinstance(source, Mapping):
        data, where, folder = dict(source), "study", Path.cwd()
    else:
        if not Path(source).is_file():
            raise ConfigError(f"{source}: no such study file")
        data, where, folder = read_toml(source), str(source), Path(source).resolve().parent
    if not data:
        raise ConfigError(f"{where}: the study file is empty; it needs config = \"...\" "
                          "and [instruments.NAME] tables")
    _check_keys(data, TOP_KEYS, where, "")
    check_strings(data, where)
    config = data.get("config")
    if not isinstance(config, str):
        raise ConfigError(f"{where}: config = {config!r}: expected the name of a model "
                          f"config file, e.g. config = \"ccl_phase1.toml\"")
    config_path = _find_config(config, folder, where)
    model = _table(data, "model", where)
    if "n_centers" in model:
        raise ConfigError(f"{where}: [model] n_centers: the number of centers is part of "
                          f"the study design; set it in [design]")
    params = load_config(config_path, changes_from=f"{where}: [model]", **model)
    for name in COMPARE_ONLY:
        check_one_cohort({name: getattr(params, name)}, f"{where}: [model]"
                         if name in model else str(config_path), "study")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{where}: seed = {seed!r}: expected a whole number >= 0")
    design = _design(_table(data, "design", where), where)
    horizon = params.weeks_collab + params.weeks_followup
    insts = _table(data, "instruments", where)
    if not insts:
        raise ConfigError(f"{where}: no [instruments.NAME] tables; a study needs at least one")
    for name in insts:
        check_name(name, f"{where}: [instruments]", "instrument name")
    instruments = tuple(_instrument(name, spec, f"{where}: [instruments.{name}]", params,
                                    horizon) for name, spec in insts.items())
    power = _power(_table(data, "power", where), where)
    return Study(title=str(data.get("title", Path(where).stem)), source=where,
                 config=str(config_path), params=params, seed=seed, design=design,
                 instruments=instruments, power=power, raw=data)


def _find_config(name: str, folder: Path, where: str) -> Path:
    return find_config(name, folder, where, "config")


def _int(value: Any, where: str, key: str, lo: int, hi: int = 10**6) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{where}: {key} = {value!r}: expected a whole number from "
                          f"{lo} to {hi}")
    return value


def _num(value: Any, where: str, key: str, lo: float, hi: float,
         open_lo: bool = False) -> float:
    ok = (not isinstance(value, bool) and isinstance(value, (int, float))
          and (lo < value if open_lo else lo <= value) and value <= hi)
    if not ok:
        left = "above" if open_lo else "from"
        raise ConfigError(f"{where}: {key} = {value!r}: expected a number {left} {lo:g} "
                          f"to {hi:g}")
    return float(value)


def _choice(value: Any, allowed: tuple[str, ...], where: str, key: str) -> str:
    if value not in allowed:
        near = nearest(value, allowed)
        hint = f" (did you mean '{near}'?)" if near else ""
        raise ConfigError(f"{where}: {key} = {value!r}: expected one of "
                          f"{', '.join(allowed)}{hint}")
    return value


def _design(table: dict[str, Any], where: str) -> Design:
    w = f"{where}: [design]"
    _check_keys(table, DESIGN_KEYS, w, "")
    d = Design()
    return Design(
        n_centers=_int(table.get("n_centers", d.n_centers), w, "n_centers", 2, 5000),
        participating_per_center=_int(table.get("participating_per_center",
                                                d.participating_per_center),
                                      w, "participating_per_center", 0, 20),
        comparison_per_center=_int(table.get("comparison_per_center",
                                             d.comparison_per_center),
                                   w, "comparison_per_center", 0, 20),
        follow=_choice(table.get("follow", d.follow), FOLLOW, w, "follow"),
        missing=_choice(table.get("missing", d.missing), MISSING, w, "missing"),
    )


def _weeks(value: Any, where: str, key: str, horizon: int) -> tuple[int, int]:
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in value))
    if not ok or not 0 <= value[0] < value[1]:
        raise ConfigError(f"{where}: {key} = {value!r}: expected two weeks [first, second] "
                          f"with 0 <= first < second")
    if value[1] > horizon:
        raise ConfigError(f"{where}: {key} = {value!r}: week {value[1]} is after the end "
                          f"of the model run (week {horizon}: weeks_collab + weeks_followup)")
    return int(value[0]), int(value[1])


def _instrument(name: str, spec: Any, where: str, params: Params,
                horizon: int) -> Instrument:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: must be a table, got {spec!r}")
    kind = _choice(spec.get("kind"), KINDS, where, "kind")
    _check_keys(spec, INSTRUMENT_KEYS[kind], where, f" for a {kind}")
    meaning = spec.get("meaning", "")
    if not isinstance(meaning, str):
        raise ConfigError(f"{where}: meaning = {meaning!r}: expected a string")
    if kind in ("pdsa_tracker", "attendance_log"):
        if "window" not in spec:
            raise ConfigError(f"{where}: window is missing: the weeks [from, to) the log covers")
        return Instrument(name=name, kind=kind, meaning=meaning,
                          measures="pdsa_log" if kind == "pdsa_tracker" else "attendance",
                          waves=_weeks(spec["window"], where, "window", horizon),
                          p_record=_num(spec.get("p_record", 1.0), where, "p_record", 0, 1,
                                        open_lo=True))
    if "waves" not in spec:
        raise ConfigError(f"{where}: waves is missing: the two weeks it is measured at")
    waves = _weeks(spec["waves"], where, "waves", horizon)
    allowed = SURVEY_MEASURES if kind == "survey" else OBSERVATION_MEASURES
    measures = _choice(spec.get("measures"), allowed, where, "measures")
    reliability = spec.get("reliability")
    error_sd = spec.get("error_sd")
    if reliability is not None and error_sd is not None:
        raise ConfigError(f"{where}: give reliability or error_sd, not both")
    if reliability is not None:
        reliability = _num(reliability, where, "reliability", 0, 1, open_lo=True)
    if error_sd is not None:
        error_sd = _num(error_sd, where, "error_sd", 0, 100)
    items = _int(spec.get("items", 0), where, "items", 0, 1000)
    if kind == "observation":
        if reliability is None and error_sd is None:
            error_sd = params.obs_error_sd   # the model's declared observer error
        return Instrument(name=name, kind=kind, measures=measures, meaning=meaning,
                          waves=waves, items=items, reliability=reliability,
                          error_sd=error_sd)
    if reliability is None and error_sd is None:
        raise ConfigError(f"{where}: give reliability (0-1] or error_sd (scale units)")
    respondents = spec.get("respondents", ["participants"])
    if isinstance(respondents, str):
        respondents = [respondents]
    if not isinstance(respondents, list) or not respondents:
        raise ConfigError(f"{where}: respondents = {respondents!r}: expected a list of "
                          f"{', '.join(GROUPS)}")
    for g in respondents:
        _choice(g, GROUPS, where, "respondents")
    scale = spec.get("scale", [1, 7])
    ok = (isinstance(scale, list) and len(scale) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scale))
    if not ok or not all(math.isfinite(v) for v in scale) or not scale[0] < scale[1]:
        raise ConfigError(f"{where}: scale = {scale!r}: expected [low, high], two finite "
                          "numbers with low below high, e.g. [1, 7]")
    newcomers = spec.get("newcomers", True)
    if not isinstance(newcomers, bool):
        raise ConfigError(f"{where}: newcomers = {newcomers!r}: expected true or false")
    return Instrument(name=name, kind=kind, measures=measures, meaning=meaning,
                      respondents=tuple(dict.fromkeys(respondents)), waves=waves,
                      scale=(float(scale[0]), float(scale[1])), items=items,
                      reliability=reliability, error_sd=error_sd,
                      response_rate=_num(spec.get("response_rate", 1.0), where,
                                         "response_rate", 0, 1, open_lo=True),
                      newcomers=newcomers)


def _power(table: dict[str, Any], where: str) -> PowerGrid:
    w = f"{where}: [power]"
    _check_keys(table, POWER_KEYS, w, "")
    d = PowerGrid()
    centers = table.get("n_centers", list(d.n_centers))
    rel = table.get("reliability", list(d.reliability))
    if not isinstance(centers, list) or not centers:
        raise ConfigError(f"{w}: n_centers = {centers!r}: expected a list of whole numbers")
    if not isinstance(rel, list) or not rel:
        raise ConfigError(f"{w}: reliability = {rel!r}: expected a list of numbers in (0, 1]")
    return PowerGrid(
        n_centers=tuple(sorted({_int(n, w, "n_centers", 2, 5000) for n in centers})),
        reliability=tuple(sorted({_num(r, w, "reliability", 0, 1, open_lo=True)
                                  for r in rel})),
        replicates=_int(table.get("replicates", d.replicates), w, "replicates", 1),
        alpha=_num(table.get("alpha", d.alpha), w, "alpha", 0, 0.5, open_lo=True),
        target=_num(table.get("target", d.target), w, "target", 0, 1, open_lo=True),
    )
