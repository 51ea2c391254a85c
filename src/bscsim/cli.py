"""Faces: the `bscsim` command line.

Each command lives in its own module under `bscsim.commands` and exposes
`add_parser(subparsers)`, which registers the command and sets `func`. This file
only dispatches, and turns every expected error (bad config, bad value, missing
file) into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from .config import ConfigError
from .params import ParamError, UnknownParamError

# Command modules, in the order `bscsim --help` lists them.
COMMANDS = ("run", "params", "check-patterns", "check-mechanisms", "calibrate", "compare",
            "sweep", "sensitivity", "explore", "study", "value", "dashboard")


EXAMPLES = """examples:
  bscsim run                                   the default collaborative (CCL Phase I), once
  bscsim run --replicates 10                   ten runs: medians with 90% intervals
  bscsim compare configs/ccl_phase1.toml configs/arms/coaching.toml
                                               two configs, paired, with a bottom line
  bscsim compare configs/scenarios/strategies.toml --report results/strategies.html
  bscsim params turnover_cc                    what a parameter means, its range and source
  bscsim study configs/studies/ccl_feasibility.toml   would a study detect the change?
  bscsim COMMAND --help                        a command's options

Shipped configs are found by the names above from any folder. Start with the
tutorial, docs/tutorial.md in the source repository (a reading from a config to a
paired comparison, about twenty minutes); every command and flag: README.md and docs/.
"""


class UsageError(Exception):
    """A bad command line or input, reported as one line with exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with its errors in one line (no usage block), exit code 2, as every
    other bad input; the subcommands' parsers are of this class too."""

    def error(self, message: str):
        line = " ".join(str(message).split())
        self.exit(2, f"bscsim: error: {line} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="bscsim",
        description="Agent-based model of a Breakthrough Series Collaborative on "
                    "social and emotional learning (BSC-SEL) in early care and education.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__
    parser.add_argument("--version", action="version", version=f"bscsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = name.replace("-", "_")
        importlib.import_module(f".commands.{module}", __package__).add_parser(sub)
    return parser


MAX_SEED = 2**63 - 1


def check_seed(seed: int | None) -> None:
    """A seed on the command line is a whole number from 0 to 2**63 - 1."""
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UsageError(f"--seed {seed}: expected a whole number from 0 to 2**63 - 1")


def check_number(value: float | int | None, option: str, low: float, high: float,
                 what: str = "a number") -> None:
    """A number from the command line: finite and from `low` to `high`, else a
    one-line UsageError naming the option and the allowed range (checked before
    any work)."""
    import math
    if value is None:
        return
    if not math.isfinite(value) or not low <= value <= high:
        raise UsageError(f"{option} {value}: expected {what} from {low:g} to {high:g}")


def check_path_option(value: str | None, option: str) -> None:
    """A file or folder name given to `option`: not empty, printable, valid text."""
    from .atomic import check_name
    if value is None:
        return
    if not value.strip():
        raise UsageError(f"{option} '': expected the name of a "
                         f"{'folder' if option == '--out' else 'file'}")
    check_name(value, option)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        parser.print_usage(sys.stderr)
        names = ", ".join(COMMANDS)
        print(f"bscsim: error: name a command: {names} (bscsim COMMAND --help)",
              file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    _find_shipped(args)
    previous = _terminate_as_interrupt()
    try:
        return int(args.func(args) or 0)
    except (ConfigError, ParamError, UsageError, UnknownParamError) as e:
        return _fail(str(e))
    except OSError as e:       # a file-system failure: unwritable, full, too large
        where = f"{e.filename}: " if e.filename else "file system: "
        return _fail(f"{where}{e.strerror or e}")
    except MemoryError:
        return _fail("out of memory; ask for fewer runs, replicates or samples")
    except RecursionError:
        return _fail("input nested too deeply")
    except Exception as e:       # a database write that failed (disk full, ulimit -f)
        if type(e).__module__.split(".")[0] in ("sqlite3", "sqlalchemy"):
            return _fail(f"database: cannot be written "
                         f"({str(getattr(e, 'orig', None) or e).splitlines()[0][:200]}); "
                         "free disk space or raise the file size limit")
        raise
    except KeyboardInterrupt:
        print("bscsim: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _find_shipped(args: argparse.Namespace) -> None:
    """Each TOML file named on the command line that is not where it is named is
    looked up among the shipped configs by the same name (config.shipped), so a
    wheel install runs the README's commands from any folder."""
    from .config import shipped
    for key in INPUT_FILES:          # inputs only: never --out, --report or --plot
        value = getattr(args, key, None)
        if isinstance(value, str) and value.endswith(".toml"):
            setattr(args, key, shipped(value))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            setattr(args, key, [shipped(v) if v.endswith(".toml") else v for v in value])


# The arguments that name an input file (a config, scenario, sweep, sensitivity,
# exploration, study, calibration or decision file), by their argparse names.
INPUT_FILES = ("config", "scenarios", "sweep", "sa", "exploration", "study", "calibration",
               "decision")


def _terminate_as_interrupt():
    """Let `kill` (SIGTERM) end a command like Ctrl-C does, so temporary folders
    are removed on the way out (kill -9 cannot be caught: the next write into the
    same folder removes what it left). Returns the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt
    return signal.signal(signal.SIGTERM, interrupt)


def _fail(message: str) -> int:
    """One line on stderr (a message never spans lines), exit code 2."""
    line = " ".join(str(message).split())
    print(f"bscsim: error: {line}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
