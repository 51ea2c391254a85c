"""Faces: the dashboard's scenario picker, from the config files on disk.

Scenarios are the TOML files of `configs/arms/` and `configs/scenarios/` (or of the
folders named by `--configs`), found once at start-up. A missing or empty folder
simply adds nothing; a file that does not load is reported when it is picked, with
the one-line `ConfigError` message, and the page keeps its current settings.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..config import configs_dir, default_config_path, load_config
from ..params import Params

FOLDERS = ("arms", "scenarios")
ENV = "BSCSIM_DASHBOARD_CONFIGS"  # config roots, os.pathsep-separated


@dataclass(frozen=True)
class Scenario:
    """A config file the picker offers: `name` is what the list shows."""

    name: str
    path: Path
    title: str = ""

    def load(self) -> Params:
        """The validated Params of this file (ConfigError if it cannot be used)."""
        return load_config(self.path)


def roots() -> list[Path]:
    """Config roots to search: $BSCSIM_DASHBOARD_CONFIGS, else the shipped configs/."""
    env = os.environ.get(ENV)
    if env:
        return [Path(r) for r in env.split(os.pathsep) if r]
    return [configs_dir()]


def discover(config_roots: list[Path] | None = None) -> list[Scenario]:
    """The default config, then every `*.toml` in `<root>/arms/` and
    `<root>/scenarios/`, sorted by name. Missing folders are skipped."""
    found = [Scenario("default", default_config_path(), _title(default_config_path()))]
    seen = {found[0].path.resolve()}
    for root in (config_roots if config_roots is not None else roots()):
        for folder in FOLDERS:
            where = Path(root) / folder
            if not where.is_dir():
                continue
            for path in sorted(where.glob("*.toml")):
                if path.resolve() in seen:
                    continue
                seen.add(path.resolve())
                found.append(Scenario(f"{folder}/{path.stem}", path, _title(path)))
    return found


def _title(path: Path) -> str:
    """The file's `title` (or its first comment line); '' if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
        title = tomllib.loads(text).get("title")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ""
    if isinstance(title, str):
        return title
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""
