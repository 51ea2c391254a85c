"""Declarations: upper bounds on the size of an analysis, checked before anything is
allocated or run.

A file or option that asks for more runs than a command can hold is refused in one
line with the estimated runs, memory and time, instead of a `MemoryError` after
minutes or a hang. The bounds are generous for a laptop or a cluster; a study that
needs more splits the work into several sweeps.
"""

from __future__ import annotations

from .config import ConfigError

SECONDS_PER_RUN = 0.043        # one default run (8 centers, 78 weeks) on one core
# Most runs one command holds: sweeps and sensitivity keep a design row per run;
# compare and the study's power keep every run's results in memory.
MAX_RUNS = {"sweep": 10_000_000, "sensitivity": 10_000_000, "compare": 20_000,
            "study": 1_000_000}
BYTES_PER_RUN = {"sweep": 200, "sensitivity": 400, "compare": 40_000, "study": 2_000}
# explore: a sweep plus one row of inputs and outputs per (future, policy) in memory
MAX_RUNS["explore"], BYTES_PER_RUN["explore"] = 2_000_000, 1_000


def check_runs(n_runs: int, command: str, where: str, asked: str) -> int:
    """`n_runs` if `command` can hold that many, else a one-line ConfigError naming
    what asked for them (`asked`, e.g. "replicates = 10**9") and what they would
    cost."""
    limit = MAX_RUNS[command]
    if n_runs > limit:
        memory = n_runs * BYTES_PER_RUN[command]
        raise ConfigError(f"{where}: {asked} means {n_runs:,} runs (about "
                          f"{_bytes(memory)} of memory and {_time(n_runs * SECONDS_PER_RUN)} "
                          f"on one core); bscsim {command} takes at most {limit:,} runs")
    return n_runs


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000:
            return f"{n:.0f} {unit}"
        n /= 1000
    return f"{n:.3g} EB"


def _time(seconds: float) -> str:
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600),
                       ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.3g} {unit}"
    return f"{seconds:.0f} seconds"
