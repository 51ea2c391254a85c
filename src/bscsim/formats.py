"""Faces: a command's table in the format asked for (`--format`).

`table` is the command's own aligned text for a reader; `csv`, `json` and `markdown`
are the same rows for a spreadsheet, a program or a document. With csv and json,
stdout holds the data alone (a header, a bottom line or "saved to" go to stderr), so
`bscsim run --format csv > run.csv` is a clean file.
"""

from __future__ import annotations

import math
import sys

import pandas as pd

FORMATS = ("table", "csv", "json", "markdown")


def add_format_option(p, what: str = "the table") -> None:
    p.add_argument("--format", default="table", choices=FORMATS,
                   help=f"print {what} as: {', '.join(FORMATS)} (default table; csv and "
                   "json print the data alone on stdout)")


def render(df: pd.DataFrame, fmt: str) -> str:
    """`df` as csv, json (a list of records) or a Markdown pipe table."""
    if fmt == "csv":
        return df.to_csv(index=False).rstrip("\n")
    if fmt == "json":
        return df.to_json(orient="records", indent=1, double_precision=6)
    if fmt == "markdown":
        head = "| " + " | ".join(map(str, df.columns)) + " |"
        rule = "|" + "|".join("---" for _ in df.columns) + "|"
        body = ["| " + " | ".join(_cell(v) for v in row) + " |"
                for row in df.itertuples(index=False)]
        return "\n".join([head, rule, *body])
    raise ValueError(f"format {fmt!r}: expected one of {', '.join(FORMATS[1:])}")


def _cell(v) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    return str(v).replace("|", "\\|")


def data_only(fmt: str) -> bool:
    """Whether stdout holds the data alone (csv, json)."""
    return fmt in ("csv", "json")


def say(fmt: str):
    """The print a command's other lines use: stderr when stdout holds data alone."""
    if data_only(fmt):
        return lambda *a, **k: print(*a, **{**k, "file": sys.stderr})
    return print
