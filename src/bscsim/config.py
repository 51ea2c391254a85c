"""Declarations: reading configs (commented TOML) into validated `Params`.

A config may name a `base` config (a path relative to itself, or the name of a file
in the package's `configs/` folder) and then lists only what it changes. Keys may sit
at the top level or in a table named after their mechanism group
(`[psych_safety]`, `[vicarious]`, `[inquiry]`, `[context]`, `[design]`,
`[outcomes]`), which is how the shipped configs read.

Every problem is a `ConfigError` whose message is one line naming the file, the key,
the value and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

from .params import (BY_NAME, GROUPS, ParamError, Params, UnknownParamError,
                     make_params, nearest)

RESERVED = ("base", "title", "description")
MAX_BYTES = 1_000_000       # a config file larger than this is not a config
MAX_NAME, MAX_PATH = 255, 4096
MAX_BASE_DEPTH = 32         # base chains deeper than this are refused
# Keys that mark another kind of file, and the command that reads it.
OTHER_FILES = {"scenario": ("a scenario file", "bscsim compare"),
               "vary": ("a sweep or sensitivity file", "bscsim sweep or bscsim sensitivity"),
               "method": ("a sensitivity file", "bscsim sensitivity"),
               "set": ("a sweep or sensitivity file", "bscsim sweep or bscsim sensitivity"),
               "instruments": ("a study file", "bscsim study"),
               "cohort": ("a state file", "bscsim run or bscsim compare"),
               "priors": ("a calibration file", "bscsim calibrate")}
# Keys people put among parameters that are not parameters.
NOT_PARAMS = {"seed": "the seed is given with --seed (or as seed/root_seed at the top of "
                      "a sweep, scenario, sensitivity or study file)",
              "root_seed": "the seed is given with --seed (or as root_seed at the top of "
                           "a sweep or sensitivity file)"}
# Names that become file or folder names (scenarios, study instruments): letters,
# digits, _ and -, so a file can never name a path outside the output folder.
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ConfigError(ValueError):
    """A config that cannot be used. The message is a single line."""


def configs_dir() -> Path:
    """The shipped `configs/` folder: package data `bscsim/configs/` (in a checkout a
    link to `configs/` beside `src/`, returned as that folder)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "configs" / "ccl_phase1.toml").is_file():
            return (parent / "configs").resolve()
    return here.parent / "configs"


def shipped(name: str) -> str:
    """A file named on the command line, found as in a checkout: as given if it
    exists, else among the shipped configs (package data) by the same name, with or
    without a leading `configs/` (so `bscsim compare ccl_phase1.toml
    arms/coaching.toml` and `configs/arms/coaching.toml` work from any folder after
    a wheel install). A name found nowhere is returned unchanged, for the one-line
    'no such file' error of whoever reads it."""
    try:
        path = Path(name)
        if path.exists() or path.is_absolute():
            return name
        parts = path.parts
        tails = [parts, parts[1:]] if parts and parts[0] == "configs" else [parts]
        for tail in tails:
            if tail and ".." not in tail:
                candidate = configs_dir().joinpath(*tail)
                if candidate.is_file():
                    return str(candidate)
    except (OSError, ValueError):
        pass
    return name


DEFAULT_CONFIG = "ccl_phase1.toml"


def default_config_path() -> Path:
    return configs_dir() / DEFAULT_CONFIG


def read_toml(path: str | Path, what: str = "config") -> dict[str, Any]:
    """Parse a TOML file; a missing or broken file is a one-line ConfigError."""
    return read_toml_text(path, what)[0]


def read_toml_text(path: str | Path, what: str = "config") -> tuple[dict[str, Any], str]:
    """The parsed TOML of a file and its text (kept for provenance); a missing, broken,
    too large or too deeply nested file is a one-line ConfigError naming it."""
    path = Path(path)
    if len(str(path)) > MAX_PATH or len(path.name) > MAX_NAME:
        raise ConfigError(f"{str(path)[:60]}...: file name too long (at most {MAX_NAME} "
                          f"characters a name, {MAX_PATH} a path)")
    try:
        if not path.is_file():
            raise ConfigError(f"{path}: no such {what} file")
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{path}: {path.stat().st_size:,} bytes is too large for a "
                              f"{what} file (at most {MAX_BYTES:,})")
        text = path.read_text()
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (nested too deeply)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot be read ({_reason(e)})") from None


def _reason(e: Exception) -> str:
    return (e.strerror or str(e)) if isinstance(e, OSError) else str(e).splitlines()[0]


def check_name(name: object, where: str, what: str) -> str:
    """A name that becomes a file name: refused unless NAME matches (no '/', no
    '..', not absolute, not empty, at most 64 characters)."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError(f"{where}: {what} {name!r} is not allowed: expected 1 to 64 "
                          "letters, digits, _ and - (it becomes a file name)")
    return name


def check_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """An unknown top-level key is a one-line ConfigError naming the nearest one."""
    for key in data:
        if key not in allowed:
            near = nearest(key, allowed)
            hint = f"did you mean '{near}'? " if near else ""
            raise ConfigError(f"{where}: unknown key '{key}'; {hint}allowed keys: "
                              f"{', '.join(allowed)}")


def check_strings(data: Mapping[str, Any], where: str,
                  keys: tuple[str, ...] = ("title", "description")) -> None:
    """Refuse, in one line, a value of `keys` in `data` that is not a string (the
    free-text keys every kind of file may have)."""
    for key in keys:
        if not isinstance(data.get(key, ""), str):
            raise ConfigError(f"{where}: {key} = {data[key]!r} is not allowed: expected "
                              "a string")


def check_table_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str,
                     what: str = "") -> None:
    """An unknown key of a table (study, calibration files) is a one-line
    ConfigError naming the nearest allowed key, or else all of them."""
    for key in table:
        if key not in allowed:
            near = nearest(key, allowed)
            hint = f"; did you mean '{near}'?" if near else f"; allowed: {', '.join(allowed)}"
            raise ConfigError(f"{where}: unknown key '{key}'{what}{hint}")


def sub_table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    """The table `[key]` of a file (empty if absent); anything else is refused."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table [{key}], got {value!r}")
    return value


def flatten(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Parameter values from a config table, tables of groups flattened. A parameter
    given both at the top level and in its table must have one value."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in RESERVED:
            continue
        if isinstance(value, dict):
            if key not in GROUPS:
                raise ConfigError(f"{where}: unknown table [{key}]; tables are the "
                                  f"mechanism groups: {', '.join(GROUPS)}")
            for name, v in value.items():
                _check_name(name, where)
                if BY_NAME[name].group != key:
                    raise ConfigError(f"{where}: key '{name}' belongs in "
                                      f"[{BY_NAME[name].group}], not [{key}]")
                _put(values, name, v, where)
        else:
            if key in GROUPS:
                raise ConfigError(f"{where}: '{key}' is a table of parameters ([{key}]), "
                                  f"not a value; got {key} = {value!r}")
            if key in NOT_PARAMS:
                raise ConfigError(f"{where}: '{key}' is not a model parameter; "
                                  f"{NOT_PARAMS[key]}")
            _check_name(key, where)
            _put(values, key, value, where)
    return values


def _put(values: dict[str, Any], name: str, value: Any, where: str) -> None:
    if name in values and (values[name] != value
                           or isinstance(values[name], bool) != isinstance(value, bool)):
        raise ConfigError(f"{where}: {name} is given twice, at the top level and in "
                          f"[{BY_NAME[name].group}], with different values "
                          f"({values[name]!r} and {value!r}); keep one")
    values[name] = value


def _check_name(name: str, where: str) -> None:
    if name not in BY_NAME:
        raise ConfigError(f"{where}: {UnknownParamError(name)}")


def resolve_values(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The flat parameter values of a config, its `base` chain applied first."""
    return resolve_sources(source)[0]


def resolve_sources(source: str | Path | Mapping[str, Any], _seen: tuple[Path, ...] = ()
                    ) -> tuple[dict[str, Any], dict[str, str]]:
    """The flat parameter values of a config (its `base` chain applied first) and,
    for each, the file that sets it (so an error names the file holding the value)."""
    if isinstance(source, Mapping):
        data, where, folder = dict(source), "config", Path.cwd()
    else:
        data, _ = read_toml_text(source)
        path = Path(source).resolve()
        if path in _seen:
            raise ConfigError(f"{path}: base configs form a loop")
        if len(_seen) >= MAX_BASE_DEPTH:
            raise ConfigError(f"{source}: the chain of base configs is more than "
                              f"{MAX_BASE_DEPTH} files deep")
        where, folder = str(source), path.parent
        _seen = _seen + (path,)
    for key in OTHER_FILES:
        if key in data:
            kind, command = OTHER_FILES[key]
            raise ConfigError(f"{where}: has '{key}', so it is {kind}, not a model "
                              f"config: run it with {command}")
    check_strings(data, where)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    base = data.get("base")
    if base is not None:
        if not isinstance(base, str):
            raise ConfigError(f"{where}: base = {base!r} must be a file name")
        values, origins = resolve_sources(_find_base(base, folder, where), _seen)
    own = flatten(data, where)
    values.update(own)
    origins.update(dict.fromkeys(own, where))
    return values, origins


def find_config(name: Any, folder: Path, where: str, key: str = "base") -> Path:
    """The config file a file names (`base = ...`, `config = ...`): beside that file,
    else in the shipped configs/. A name that is not text, is empty, too long or
    holds a NUL, or that is not found, is a one-line ConfigError."""
    if not isinstance(name, str):
        raise ConfigError(f"{where}: {key} = {name!r} is not allowed: expected a config "
                          "file name")
    if not name or len(name) > MAX_NAME or "\0" in name:
        raise ConfigError(f"{where}: {key} = {name[:60]!r} is not allowed: expected a "
                          f"config file name of 1 to {MAX_NAME} characters")
    for candidate in (folder / name, configs_dir() / name):
        try:
            if candidate.is_file():
                return candidate
        except (OSError, ValueError):
            pass
    raise ConfigError(f"{where}: {key} = '{name}' not found (looked beside the file "
                      f"and in {configs_dir()})")


def _find_base(base: str, folder: Path, where: str) -> Path:
    return find_config(base, folder, where, "base")


def load_config(source: str | Path | Mapping[str, Any] | None = None,
                changes_from: str = "--set", **changes: Any) -> Params:
    """Validated `Params` from a TOML path or a dict (None: the default config).

    Keyword `changes` are applied last, like `--set` on the command line; an error
    in one of them names `changes_from`, an error in a value of the config (or of
    its base chain) names the file that holds it.
    """
    if source is None:
        source = default_config_path()
    elif not isinstance(source, Mapping):
        source = shipped(str(source))    # "configs/ccl_phase1.toml" from any folder
    where = "config" if isinstance(source, Mapping) else str(source)
    values, origins = resolve_sources(source)
    for name in changes:
        _check_name(name, changes_from)
    values.update(changes)
    origins.update(dict.fromkeys(changes, changes_from))
    return params_of(values, where, origins)


def params_of(values: dict, where: str, origins: dict[str, str] | None = None) -> Params:
    """Params of `values`; an error names the file that holds the bad value (from
    `origins`, name -> file) or else `where`."""
    try:
        return make_params(values)
    except ParamError as e:
        raise ConfigError(f"{(origins or {}).get(e.name, where)}: {e}") from None
    except UnknownParamError as e:
        raise ConfigError(f"{where}: {e}") from None


def parse_set(items: list[str]) -> dict[str, Any]:
    """`--set key=value` pairs, each value parsed as a TOML value (one line)."""
    changes: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: expected key=value")
        if any(c in item for c in "\n\r\0"):
            raise ConfigError(f"--set {item!r}: one key=value per --set, on one line")
        _check_name(key, "--set")
        try:
            changes[key] = tomllib.loads(f"v = {raw.strip()}")["v"]
        except (tomllib.TOMLDecodeError, RecursionError):
            raise ConfigError(f"--set {key}={raw}: value is not a number, true or "
                              f"false; expected {BY_NAME[key].allowed()}") from None
    return changes


# Parameters that act only in `bscsim compare` (its scenario runner enrolls cohorts,
# bscsim.cohorts); every other command runs one collaborative and would ignore them.
COMPARE_ONLY = ("n_cohorts", "cohort_interval_weeks")


def check_one_cohort(values: Mapping[str, Any], where: str, command: str) -> None:
    """Refuse a cohort setting in a command that runs one collaborative (it would be
    ignored there): one line naming the key and the command it acts in."""
    for name in COMPARE_ONLY:
        if name in values and values[name] != BY_NAME[name].default:
            raise ConfigError(
                f"{where}: {name} = {values[name]!r} acts only in bscsim compare (cohorts "
                f"of a scenario file); bscsim {command} runs one collaborative and would "
                f"ignore it: leave it at {BY_NAME[name].default}")


def vary_one_cohort(names, where: str, command: str) -> None:
    """Refuse varying a cohort setting in a command that runs one collaborative."""
    for name in COMPARE_ONLY:
        if name in names:
            raise ConfigError(f"{where}: {name} acts only in bscsim compare (cohorts of "
                              f"a scenario file); bscsim {command} runs one collaborative "
                              "and would ignore it, so it cannot be varied here")
