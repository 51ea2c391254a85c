"""`bscsim params [NAME]`: list every parameter by group, or explain one."""

from __future__ import annotations

from ..params import GROUPS, PARAMS, describe


def add_parser(sub) -> None:
    p = sub.add_parser("params", help="list the parameters, or explain one",
                       description=__doc__)
    p.add_argument("name", nargs="?", help="a parameter name")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.name:
        print(describe(args.name))
        return 0
    for group in GROUPS:
        print(f"[{group}]")
        for p in PARAMS:
            if p.group == group:
                print(f"  {p.name:<28} {str(p.default):>8}  {p.unit}")
    print("\n`bscsim params NAME` explains one parameter.")
    return 0
