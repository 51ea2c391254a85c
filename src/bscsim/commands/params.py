"""`bscsim params [NAME] [--role ROLE] [--group GROUP] [--format text|json|csv|markdown]`:
list the parameters by group, or explain one.

`--role lever` lists what a funder or a state chooses (the levers of an exploration),
`--role uncertainty` what nobody chooses. `--format json` or `--format csv` prints
every declared field of each listed parameter (name, role, group, default, valid and
plausible range, unit, kind, meaning, source) for R and spreadsheet users:

    bscsim params --role lever --format csv > levers.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

from ..cli import UsageError
from ..params import GROUPS, PARAMS, ROLES, describe

FORMATS = ("text", "table", "json", "csv", "markdown")   # table: the same as text
FIELDS = ("name", "role", "group", "default", "valid_low", "valid_high",
          "plausible_low", "plausible_high", "unit", "kind", "meaning", "source")


def add_parser(sub) -> None:
    p = sub.add_parser("params", help="list the parameters (by role, group), or explain one",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", help="a parameter name")
    p.add_argument("--role", help=f"only parameters of this role: {', '.join(ROLES)}")
    p.add_argument("--group", help=f"only parameters of this group: {', '.join(GROUPS)}")
    p.add_argument("--format", default="text",
                   help=f"output format: {', '.join(FORMATS)} (default text)")
    p.set_defaults(func=run)


def rows(role: str | None = None, group: str | None = None) -> list[dict]:
    """One dict per parameter (every declared field), optionally of one role/group."""
    out = []
    for p in PARAMS:
        if (role and p.role != role) or (group and p.group != group):
            continue
        out.append({"name": p.name, "role": p.role, "group": p.group,
                    "default": p.default, "valid_low": p.valid[0],
                    "valid_high": p.valid[1], "plausible_low": p.plausible[0],
                    "plausible_high": p.plausible[1], "unit": p.unit,
                    "kind": p.kind.__name__, "meaning": p.meaning, "source": p.source})
    return out


def run(args) -> int:
    for value, allowed, flag in ((args.role, ROLES, "--role"),
                                 (args.group, GROUPS, "--group"),
                                 (args.format, FORMATS, "--format")):
        if value is not None and value not in allowed:
            raise UsageError(f"{flag} {value}: expected one of {', '.join(allowed)}")
    if args.name:
        if args.role or args.group or args.format not in ("text", "table"):
            raise UsageError("NAME explains one parameter; --role, --group and --format "
                             "list several (give one or the other)")
        print(describe(args.name))
        return 0
    listed = rows(args.role, args.group)
    if args.format == "json":
        print(json.dumps(listed, indent=1))
        return 0
    if args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(listed)
        return 0
    if args.format == "markdown":
        import pandas as pd

        from ..formats import render
        print(render(pd.DataFrame(listed, columns=list(FIELDS)), "markdown"))
        return 0
    names = {r["name"] for r in listed}
    for group in GROUPS:
        members = [p for p in PARAMS if p.group == group and p.name in names]
        if not members:
            continue
        print(f"[{group}]")
        for p in members:
            print(f"  {p.name:<28} {str(p.default):>8}  {p.role:<11}  {p.unit}")
    print("\n`bscsim params NAME` explains one parameter; --role lever lists the levers.")
    return 0
