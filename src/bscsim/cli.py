"""Faces: the `bscsim` command line.

Each command lives in its own module under `bscsim.commands` and exposes
`add_parser(subparsers)`, which registers the command and sets `func`. This file
only dispatches, and turns every expected error (bad config, bad value, missing
file) into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .config import ConfigError
from .params import ParamError, UnknownParamError

# Command modules, in the order `bscsim --help` lists them.
COMMANDS = ("run", "params", "check-patterns", "check-mechanisms", "compare", "sweep", "sensitivity",
            "study", "dashboard")


class UsageError(Exception):
    """A bad command line or input, reported as one line with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bscsim",
        description="Agent-based model of a Breakthrough Series Collaborative on "
                    "social and emotional learning (BSC-SEL) in early care and education.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"bscsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = name.replace("-", "_")
        importlib.import_module(f".commands.{module}", __package__).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ConfigError, ParamError, UsageError) as e:
        print(f"bscsim: error: {e}", file=sys.stderr)
        return 2
    except UnknownParamError as e:
        print(f"bscsim: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bscsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
