"""Results: the data dictionary of a results table, from the declarations.

Every column a results folder holds is described here once: the parameters and
outputs from their declarations (`params.PARAMS`, `outputs.TIMESERIES`,
`outputs.SUMMARY`: unit, meaning, source or theory-of-change box), the bookkeeping
columns (run, seed, week, ...) below. A sweep folder carries it twice, as
`data_dictionary.csv` (for people and spreadsheets) and as Parquet field metadata
(`unit`, `meaning`, `source`; for pyarrow, duckdb, polars), so the data can be read
without bscsim.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from .outputs import BOX_TITLES
from .outputs import BY_NAME as OUTPUTS
from .params import BY_NAME as PARAMS

COLUMNS = ("table", "column", "kind", "unit", "meaning", "source")

# Columns that are neither a parameter nor an output: (unit, meaning).
BOOKKEEPING: dict[str, tuple[str, str]] = {
    "run": ("", "Run number, from 0; run = point * replicates + replicate."),
    "point": ("", "Design point (one combination of the varied parameters), from 0."),
    "replicate": ("", "Replicate of its design point, from 0."),
    "seed": ("", "Random seed of the run; bscsim.simulate(params, seed=seed) repeats "
                 "it (the run's parameters are the base config of manifest.json with "
                 "this row's varied parameters and posterior draw). In the runs of "
                 "`compare` and `study --power`, the root seed: manifest.json "
                 "`seeding` says how each run's seed follows from it."),
    "centers": ("centers", "Centers in the replicate, over all its cohorts (compare)."),
    "participating_classrooms": ("classrooms", "Participating classrooms in the "
                                 "replicate, over all its cohorts (compare)."),
    "status": ("", "'ok', or 'failed' (outputs are then empty and `error` says why)."),
    "error": ("", "The error of a failed run (type and message), else empty."),
    "seconds": ("s", "Wall-clock time of the run in its worker (runs simulated together "
                     "in one batch share the batch's time equally)."),
    "week": ("week", "Week of the run, from 0 (the first week of the collaborative)."),
    "collab": ("true/false", "True during the collaborative, false during follow-up "
                             "(week >= weeks_collab)."),
}


def describe(column: str, table: str) -> dict[str, str]:
    """One row of the dictionary: what `column` of `table` holds."""
    if column in BOOKKEEPING:
        unit, meaning = BOOKKEEPING[column]
        return _row(table, column, "bookkeeping", unit, meaning, "")
    if column in PARAMS:
        p = PARAMS[column]
        kind = {bool: "parameter (switch)", int: "parameter (whole number)"}.get(
            p.kind, "parameter")
        return _row(table, column, kind, p.unit, p.meaning, p.source)
    if column in OUTPUTS:
        o = OUTPUTS[column]
        return _row(table, column, "output", o.unit, o.meaning,
                    f"theory of change: {BOX_TITLES[o.box]}")
    return _row(table, column, "other", "", "Not a bscsim parameter or output (e.g. "
                "an input or output of another model function).", "")


def dictionary(tables: dict[str, Iterable[str]]) -> pd.DataFrame:
    """The data dictionary of several tables: {table name: its columns}."""
    rows = [describe(c, t) for t, cols in tables.items() for c in cols]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def field_metadata(column: str, table: str) -> dict[bytes, bytes]:
    """Parquet field metadata of `column`: unit, meaning and source (if any)."""
    row = describe(column, table)
    return {k.encode(): row[k].encode() for k in ("kind", "unit", "meaning", "source")
            if row[k]}


def _row(table: str, column: str, kind: str, unit: str, meaning: str,
         source: str) -> dict[str, str]:
    return dict(zip(COLUMNS, (table, column, kind, unit, meaning, source)))


__all__ = ["dictionary", "describe", "field_metadata"]
