"""Analyses / calibration: what a calibration folder's history database holds,
read without pyabc (so a folder can be checked before anything is imported)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def stored_generations(db: str | Path) -> int:
    """Finished generations in a history database (0 if none or unreadable)."""
    if not Path(db).is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{Path(db).absolute()}?mode=ro", uri=True) as con:
            return int(con.execute("select count(*) from populations where t >= 0")
                       .fetchone()[0])
    except sqlite3.Error:
        return 0
