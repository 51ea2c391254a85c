"""Analyses / calibration: the calibration file, read and checked before anything runs.

A calibration file (commented TOML, e.g. `configs/calibration/ccl_patterns.toml`)
names the model config, the uncertain parameters with their priors, the targets the
fit uses and the settings of the ABC run (method, population, ...). Every target is
an interval [low, high] that a simulated collaborative's statistic should fall in:

- a pattern's empirical range (`pattern = "1"`, patterns.py), or
- a summary statistic of the user's own data (`statistic = "..."`, data.py), whose
  interval is the data's estimate +- 1.96 standard errors unless `low`/`high` are
  given.

Every problem is a one-line `ConfigError` naming the file, the key, the value and
what is allowed (docs/calibration.md, section 6).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..config import (ConfigError, check_name, find_config, load_config, read_toml_text,
                      shipped)
from ..config import check_strings, check_table_keys as _check_keys, sub_table as _table
from ..params import BY_NAME, Params, nearest

TOP_KEYS = ("title", "description", "config", "seed", "data", "model", "priors",
            "targets", "abc")
PRIOR_KEYS = ("dist", "low", "high")
DISTS = ("uniform", "loguniform")
TARGET_KEYS = ("pattern", "statistic", "low", "high")
METHODS = ("smc", "rejection")
ABC_KEYS = ("method", "population", "generations", "replicates", "min_acceptance",
            "max_minutes", "batch", "predictive")


@dataclass(frozen=True)
class Prior:
    """An uncertain parameter: uniform (or log-uniform) on [low, high]."""

    name: str
    low: float
    high: float
    dist: str = "uniform"


@dataclass(frozen=True)
class Target:
    """A fitting target: the statistic `statistic` should lie in [low, high]."""

    name: str
    statistic: str          # a pattern's statistic or a data statistic's name
    low: float
    high: float
    source: str             # "pattern 1" or "data: <file>"
    estimate: float | None = None   # the data's value (data targets)
    note: str = ""          # why the interval differs from estimate +- 1.96 SE

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class ABCSettings:
    method: str = "smc"          # "smc" (ABC-SMC) or "rejection" (from the prior at 0)
    population: int = 1000       # particles per generation (accepted ones)
    generations: int = 12        # at most (smc; rejection runs one)
    replicates: int = 1          # model runs per particle; their mean is compared
    min_acceptance: float = 0.01  # stop when a generation accepts fewer
    max_minutes: float = 60.0    # stop (after the running generation) past this
    batch: int = 0               # candidates evaluated per batch (0: 4 x workers x 8)
    predictive: int = 200        # posterior draws of the predictive check

    @property
    def max_generations(self) -> int:
        """Generations the method runs at most: one for rejection."""
        return 1 if self.method == "rejection" else self.generations


@dataclass(frozen=True)
class Calibration:
    title: str
    source: str
    config: str
    params: Params               # the model the priors vary (config + [model])
    seed: int
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    abc: ABCSettings
    data: str | None = None      # the user's data folder (data targets)
    text: str = ""               # the file as written (provenance)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.priors)

    def fingerprint(self) -> str:
        """What a resumed run must share with the run it continues."""
        spec = {"config": self.params.to_dict(), "seed": self.seed,
                "method": self.abc.method,
                "priors": [vars(p) for p in self.priors],
                "targets": [vars(t) for t in self.targets],
                "population": self.abc.population, "replicates": self.abc.replicates}
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str)
                              .encode()).hexdigest()[:16]


# The values a data statistic can take (shares and rates in [0, 1], counts >= 0, a
# change of a share within +-1, of a 1-7 scale within +-6): a target interval is
# clipped to them, since estimate +- 1.96 SE can cross a bound that no
# collaborative can.
VALID: dict[str, tuple[float, float]] = {
    "pdsa_per_team_month": (0.0, math.inf),
    "ls_attendance": (0.0, 1.0),
    "call_attendance": (0.0, 1.0),
    "turnover_rate": (0.0, 1.0),
    "practice_change": (-1.0, 1.0),
    "psych_safety_change": (-6.0, 6.0),
}


def load_calibration(source: str | Path, data_dir: str | Path | None = None
                     ) -> Calibration:
    """A checked `Calibration` from a calibration file; `data_dir` (any folder)
    replaces the folder of records the file names with `data` (`--data DIR`)."""
    from ..patterns import FITTABLE
    from .data import STATISTICS, data_targets, load_data, n_teams

    source = shipped(str(source))     # configs/calibration/... from any folder
    data, text = read_toml_text(source, "calibration")
    where, folder = str(source), Path(source).resolve().parent
    if not data:
        raise ConfigError(f"{where}: the calibration file is empty; it needs config, "
                          "[priors] and [targets]")
    _check_keys(data, TOP_KEYS, where, "")
    check_strings(data, where)
    config = find_config(data.get("config", "ccl_phase1.toml"), folder, where, "config")
    model = _table(data, "model", where)
    params = load_config(config, changes_from=f"{where}: [model]", **model)
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ConfigError(f"{where}: seed = {seed!r}: expected a whole number >= 0")

    priors_t = _table(data, "priors", where)
    if not priors_t:
        raise ConfigError(f"{where}: no [priors]; name at least one parameter to fit, "
                          "e.g. adopt_gain = { low = 1.0, high = 2.0 }")
    priors = tuple(_prior(name, spec, f"{where}: [priors]", model)
                   for name, spec in priors_t.items())

    folder_data = None
    stats: dict[str, tuple[float, float]] = {}
    if data_dir is not None:
        folder_data = Path(data_dir)
        if not folder_data.is_dir():
            raise ConfigError(f"--data {data_dir}: no such folder (expected a folder of "
                              "CSV records: pdsa.csv, attendance.csv, ...)")
    elif "data" in data:
        name = data["data"]
        if not isinstance(name, str) or not name or len(name) > 4096 or "\0" in name:
            raise ConfigError(f"{where}: data = {name!r}: expected a folder of CSV files: "
                              "a path, absolute or relative to the calibration file")
        folder_data = folder / name       # an absolute path stays as it is
        if not folder_data.is_dir():
            raise ConfigError(f"{where}: data = '{name}': no such folder (looked in "
                              f"{folder_data}); or give one with --data DIR")
    if folder_data is not None:
        tables = load_data(folder_data)
        stats = data_targets(tables)
        if "n_centers" not in model:      # a collaborative of as many teams
            params = params.replace(n_centers=max(2, n_teams(tables)))
    targets_t = _table(data, "targets", where)
    if not targets_t:
        raise ConfigError(f"{where}: no [targets]; name at least one, e.g. "
                          "[targets.practice_gain] pattern = \"1\"")
    targets = []
    for name, spec in targets_t.items():
        check_name(name, f"{where}: [targets]", "target name")
        targets.append(_target(name, spec, f"{where}: [targets.{name}]", FITTABLE,
                               STATISTICS, stats, folder_data))
    if len({t.statistic for t in targets}) < len(targets):
        raise ConfigError(f"{where}: [targets] names one statistic twice")
    if folder_data is not None and not any(t.source.startswith("data") for t in targets):
        raise ConfigError(f"{where}: data = '{data['data']}' is given but no target uses "
                          "it (every target is a pattern); remove data, or add a target "
                          "with statistic = \"...\" (docs/calibration.md)")
    abc = _abc(_table(data, "abc", where), f"{where}: [abc]")
    return Calibration(title=str(data.get("title", Path(where).stem)), source=where,
                       config=str(config), params=params, seed=seed, priors=priors,
                       targets=tuple(targets), abc=abc,
                       data=str(folder_data) if folder_data else None, text=text,
                       raw=data)


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise ConfigError(f"{where}: {key} = {value!r}: expected a finite number")
    return float(value)


def _prior(name: str, spec: Any, where: str, model: Mapping[str, Any]) -> Prior:
    if name not in BY_NAME:
        near = nearest(name, BY_NAME)
        hint = f" (did you mean '{near}'?)" if near else ""
        raise ConfigError(f"{where}: '{name}' is not a parameter{hint}; see bscsim params")
    p = BY_NAME[name]
    if p.kind is bool:
        raise ConfigError(f"{where}: {name} is a switch (true/false); only numbers can "
                          "be fitted")
    if name in model:
        raise ConfigError(f"{where}: {name} is both fixed in [model] and fitted in "
                          "[priors]; keep one")
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: {name} = {spec!r}: expected a table, e.g. "
                          f"{name} = {{ low = {p.plausible[0]:g}, high = {p.plausible[1]:g} }}"
                          " (an empty table {} takes the plausible range)")
    w = f"{where} {name}"
    _check_keys(spec, PRIOR_KEYS, w, "")
    dist = spec.get("dist", "uniform")
    if dist not in DISTS:
        raise ConfigError(f"{w}: dist = {dist!r}: expected one of {', '.join(DISTS)}")
    low = _number(spec.get("low", p.plausible[0]), w, "low")
    high = _number(spec.get("high", p.plausible[1]), w, "high")
    if not low < high:
        raise ConfigError(f"{w}: low = {low:g}, high = {high:g}: expected low below high")
    if low < p.valid[0] or high > p.valid[1]:
        raise ConfigError(f"{w}: [{low:g}, {high:g}] leaves the valid range of {name} "
                          f"({p.allowed()})")
    if dist == "loguniform" and low <= 0:
        raise ConfigError(f"{w}: a loguniform prior needs low > 0, got {low:g}")
    return Prior(name, low, high, dist)


def _target(name: str, spec: Any, where: str, fittable: Mapping[str, Any],
            statistics: Mapping[str, str], stats: Mapping[str, tuple[float, float]],
            folder: Path | None) -> Target:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expected a table with pattern = \"KEY\" or "
                          f"statistic = \"NAME\", got {spec!r}")
    _check_keys(spec, TARGET_KEYS, where, "")
    if ("pattern" in spec) == ("statistic" in spec):
        raise ConfigError(f"{where}: give pattern = \"KEY\" (one of "
                          f"{', '.join(fittable)}) or statistic = \"NAME\" (one of "
                          f"{', '.join(statistics)}), not both or neither")
    if "pattern" in spec:
        key = spec["pattern"]
        if not isinstance(key, str) or key not in fittable:
            near = nearest(str(key), fittable)
            hint = f" (did you mean '{near}'?)" if near else ""
            raise ConfigError(f"{where}: pattern = {key!r} cannot be a fitting target{hint}: "
                              f"expected one of {', '.join(fittable)} (patterns with a "
                              "two-sided range, computed from one run; the others are "
                              "validation)")
        pat = fittable[key]
        low, high, source, estimate = pat.low, pat.high, f"pattern {key}", None
        statistic = pat.statistic
    else:
        statistic = spec["statistic"]
        if not isinstance(statistic, str) or statistic not in statistics:
            near = nearest(str(statistic), statistics)
            hint = f" (did you mean '{near}'?)" if near else ""
            raise ConfigError(f"{where}: statistic = {statistic!r} is not known{hint}; "
                              f"expected one of {', '.join(statistics)}")
        if folder is None:
            raise ConfigError(f"{where}: statistic = '{statistic}' is computed from the "
                              "user's data; name its folder with data = \"...\"")
        if statistic not in stats:
            raise ConfigError(f"{where}: statistic = '{statistic}' needs "
                              f"{statistics[statistic][0]} in {folder}")
        estimate, se = stats[statistic]
        if not math.isfinite(se) or se <= 0:
            if "low" not in spec or "high" not in spec:
                raise ConfigError(f"{where}: statistic = '{statistic}' has no standard "
                                  f"error in the data ({statistics[statistic][0]}: one "
                                  "team, or no spread between teams); give low and high")
            se = 0.0
        low, high = estimate - 1.96 * se, estimate + 1.96 * se
        source = f"data: {folder.name}"
    low = _number(spec.get("low", low), where, "low")
    high = _number(spec.get("high", high), where, "high")
    note = ""
    if "statistic" in spec:
        bottom, top = VALID[statistic]
        if low < bottom or high > top:
            clipped = [f"{side} {v:.3g} to {b:g}" for side, v, b, out in
                       (("low", low, bottom, low < bottom), ("high", high, top, high > top))
                       if out]
            note = (f"clipped {' and '.join(clipped)}: {statistic} lies in "
                    f"[{bottom:g}, {top:g}] (estimate +- 1.96 SE crossed a bound no "
                    "collaborative can)")
            low, high = max(low, bottom), min(high, top)
    if not low < high:
        raise ConfigError(f"{where}: low = {low:g}, high = {high:g}: expected low below "
                          "high (a target is an interval)")
    return Target(name, statistic, low, high, source, estimate, note)


def _abc(table: dict[str, Any], where: str) -> ABCSettings:
    _check_keys(table, ABC_KEYS, where, "")
    d = ABCSettings()

    def whole(key, lo, hi):
        v = table.get(key, getattr(d, key))
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ConfigError(f"{where}: {key} = {v!r}: expected a whole number from "
                              f"{lo} to {hi:,}")
        return v

    def num(key, lo, hi):
        v = table.get(key, getattr(d, key))
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo < v <= hi:
            raise ConfigError(f"{where}: {key} = {v!r}: expected a number above {lo:g} "
                              f"up to {hi:g}")
        return float(v)

    method = table.get("method", d.method)
    if method not in METHODS:
        raise ConfigError(f"{where}: method = {method!r}: expected one of "
                          f"{', '.join(repr(m) for m in METHODS)} ('smc': ABC-SMC over "
                          "generations; 'rejection': one generation from the prior at "
                          "tolerance 0)")
    if method == "rejection":
        for key in ("generations", "min_acceptance"):
            if key in table:
                raise ConfigError(f"{where}: {key} is a setting of method = 'smc'; "
                                  "method = 'rejection' runs one generation from the "
                                  "prior (remove it, or choose method = 'smc')")
    return ABCSettings(method=method, population=whole("population", 10, 100_000),
                       generations=whole("generations", 1, 100),
                       replicates=whole("replicates", 1, 100),
                       min_acceptance=num("min_acceptance", 0, 1),
                       max_minutes=num("max_minutes", 0, 60 * 24 * 30),
                       batch=whole("batch", 0, 100_000),
                       predictive=whole("predictive", 2, 100_000))
