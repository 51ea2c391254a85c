"""Running: a state rollout interrupted halfway loses no finished cohort.

Each finished cohort's tables are written to a hidden folder beside the output,
`.<out>.resume/` (one Parquet file per replicate and cohort, each written whole
through a rename), under a key that names what was run: the state file's text, the
resolved base parameters, seed, replicates, carry-over switch and bscsim version.
Run the same command again and the finished cohorts are read back instead of run
(what a cohort inherits is recomputed from them, so nothing else is needed); a
changed file, seed or version starts afresh. The folder is removed once the output
is written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write_text, check_inside, matches
from ..sweep.store import write_parquet


LAYOUT = ("key.txt", ".key.txt.*", "r*-c*-*.parquet", ".r*-c*-*.parquet.*")


def resume_folder(out: Path) -> Path:
    return out.parent / f".{out.name}.resume"


def state_key(spec, carry_on: bool) -> str:
    from .. import __version__
    text = json.dumps({"text": spec.text, "base": spec.base_params.to_dict(),
                       "seed": spec.seed, "replicates": spec.replicates,
                       "carry_on": carry_on, "version": __version__},
                      sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Checkpoints:
    """Finished cohorts of one state run, kept in `folder` under `key`."""

    def __init__(self, folder: Path, key: str):
        self.folder, self.key = Path(folder), key
        marker = self.folder / "key.txt"
        if self.folder.is_symlink():
            from ..config import ConfigError
            raise ConfigError(f"{self.folder}: is a link, not a bscsim resume folder; "
                              "remove it or choose another --out")
        # links, special files and files it did not make: refused, never removed
        check_inside(self.folder, lambda rel: matches(rel, LAYOUT), "resume")
        if self.folder.exists() and not marker.exists():
            from ..config import ConfigError
            raise ConfigError(f"{self.folder}: exists and is not a bscsim resume folder "
                              "(no key.txt); remove it or choose another --out")
        if self.folder.exists() and marker.read_text() != key:
            shutil.rmtree(self.folder)          # another run's: start afresh
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(marker, key)

    def _path(self, r: int, c: int, table: str) -> Path:
        return self.folder / f"r{r}-c{c}-{table}.parquet"

    def load(self, r: int, c: int) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """The cohort's (collaboratives, timeseries) if it finished earlier."""
        rows, series = self._path(r, c, "collaboratives"), self._path(r, c, "timeseries")
        if not (rows.exists() and series.exists()):
            return None
        return pd.read_parquet(rows), pd.read_parquet(series)

    def save(self, r: int, c: int, rows: pd.DataFrame, series: pd.DataFrame) -> None:
        for table, df in (("timeseries", series), ("collaboratives", rows)):
            write_parquet(df, self._path(r, c, table))

    def done(self) -> int:
        return len(list(self.folder.glob("r*-c*-collaboratives.parquet")))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
