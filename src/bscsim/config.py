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

import tomllib
from pathlib import Path
from typing import Any, Mapping

from .params import (BY_NAME, GROUPS, ParamError, Params, UnknownParamError,
                     make_params, nearest)

RESERVED = ("base", "title", "description")


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


DEFAULT_CONFIG = "ccl_phase1.toml"


def default_config_path() -> Path:
    return configs_dir() / DEFAULT_CONFIG


def read_toml(path: str | Path, what: str = "config") -> dict[str, Any]:
    """Parse a TOML file; a missing or broken file is a one-line ConfigError."""
    return read_toml_text(path, what)[0]


def read_toml_text(path: str | Path, what: str = "config") -> tuple[dict[str, Any], str]:
    """The parsed TOML of a file and its text (kept for provenance); a missing or
    broken file is a one-line ConfigError naming it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such {what} file")
    try:
        text = path.read_text()
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot be read ({e})") from None


def check_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """An unknown top-level key is a one-line ConfigError naming the nearest one."""
    for key in data:
        if key not in allowed:
            near = nearest(key, allowed)
            hint = f"did you mean '{near}'? " if near else ""
            raise ConfigError(f"{where}: unknown key '{key}'; {hint}allowed keys: "
                              f"{', '.join(allowed)}")


def flatten(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Parameter values from a config table, tables of groups flattened."""
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
                values[name] = v
        else:
            _check_name(key, where)
            values[key] = value
    return values


def _check_name(name: str, where: str) -> None:
    if name not in BY_NAME:
        raise ConfigError(f"{where}: {UnknownParamError(name)}")


def resolve_values(source: str | Path | Mapping[str, Any],
                   _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The flat parameter values of a config, its `base` chain applied first."""
    if isinstance(source, Mapping):
        data, where, folder = dict(source), "config", Path.cwd()
    else:
        path = Path(source).resolve()
        if path in _seen:
            raise ConfigError(f"{path}: base configs form a loop")
        data, where, folder = read_toml(path), str(source), path.parent
        _seen = _seen + (path,)
    values: dict[str, Any] = {}
    base = data.get("base")
    if base is not None:
        if not isinstance(base, str):
            raise ConfigError(f"{where}: base = {base!r} must be a file name")
        values.update(resolve_values(_find_base(base, folder, where), _seen))
    values.update(flatten(data, where))
    return values


def _find_base(base: str, folder: Path, where: str) -> Path:
    for candidate in (folder / base, configs_dir() / base):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"{where}: base = '{base}' not found (looked beside the file "
                      f"and in {configs_dir()})")


def load_config(source: str | Path | Mapping[str, Any] | None = None,
                **changes: Any) -> Params:
    """Validated `Params` from a TOML path or a dict (None: the default config).

    Keyword `changes` are applied last, like `--set` on the command line.
    """
    if source is None:
        source = default_config_path()
    where = "config" if isinstance(source, Mapping) else str(source)
    values = resolve_values(source)
    for name in changes:
        _check_name(name, where)
    values.update(changes)
    try:
        return make_params(values)
    except ParamError as e:
        raise ConfigError(f"{where}: {e}") from None
    except UnknownParamError as e:
        raise ConfigError(f"{where}: {e}") from None


def parse_set(items: list[str]) -> dict[str, Any]:
    """`--set key=value` pairs, each value parsed as a TOML value."""
    changes: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: expected key=value")
        _check_name(key, "--set")
        try:
            changes[key] = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            raise ConfigError(f"--set {key}={raw}: value is not a number, true or "
                              f"false; expected {BY_NAME[key].allowed()}") from None
    return changes
