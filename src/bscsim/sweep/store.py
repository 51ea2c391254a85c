"""Running: a sweep's output folder, written as the runs finish and safe to kill.

    DIR/manifest.json       sweep file (as written), resolved spec and base config,
                            seeding rule, package and dependency versions, and one
                            entry per session (start and end times, executor, counts)
    DIR/design.parquet      the resolved design: run, point, replicate, seed, parameters
    DIR/data_dictionary.csv every column of every table: unit, meaning, source
    DIR/summary/part-*.parquet     one dataset, one row per run (design columns, status,
                                   error, seconds, every summary output)
    DIR/timeseries/part-*.parquet  one dataset, weekly rows of those runs (if asked;
                                   join to summary on `run`)
    DIR/summary.csv, DIR/timeseries.csv   the same as CSV (with `--csv`)

Each table folder is a standard Parquet dataset: pandas (`pd.read_parquet(DIR /
"summary")`), pyarrow.dataset, duckdb (`'DIR/summary/*.parquet'`) and polars read it
with no bscsim code, and every field carries its unit and meaning as Parquet field
metadata. Each finished batch is one part, written to the hidden `DIR/.tmp/`, flushed
to disk and renamed into its table folder (`os.replace`), so a part is either whole or
absent. The summary part commits a batch: its timeseries part (same token) is written
first and counts only once its summary part exists (a sweep killed between the two
leaves that timeseries part behind until it is resumed; `load_sweep` skips it). A
killed sweep therefore loses at most the batches in flight; resuming skips every run
that has a row. A lock on the folder itself keeps two processes from writing it at
once. Folders written before this layout (`DIR/parts/`) are read as they are and
moved to it when the sweep is resumed.

Nothing is written or removed through a link, and nothing the sweep did not make
is removed: a folder holding a link, a special file or a file outside the layout
(`atomic.SWEEP_LAYOUT`) is refused in one line before anything runs (`check`).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import (SWEEP_LAYOUT, atomic_folder, atomic_write_text, check_inside,
                      matches, remove_made, write_new)
from ..config import ConfigError
from ..dictionary import dictionary, field_metadata
from ..outputs import SUMMARY_NAMES
from ..results import versions
from .spec import SweepSpec

FORMAT = 2
LEGACY = "parts"          # format 1: both tables' parts in one folder
STAGING = ".tmp"
DICTIONARY = "data_dictionary.csv"
TABLES = ("summary", "timeseries", "analysis")   # analysis: study --power estimates
SEEDING = ("seed = 63 bits of numpy SeedSequence(root_seed, spawn_key=(index,)), "
           "index = run (or replicate with common_random_numbers); "
           "reproduce one run with bscsim.simulate(params, seed=seed)")


SEEDINGS = {
    "replicate": "replicate r of every scenario runs with numpy SeedSequence(root_seed, "
                 "spawn_key=(r,)) (seed column = root_seed); cohort k > 0 of a "
                 "replicate: spawn_key=(r, k); reproduce one run with "
                 "bscsim.cohorts.run_replicate(params, SeedSequence(seed, "
                 "spawn_key=(replicate,)))",
    "study": "the simulated study of replicate r at n_centers centers: numpy "
             "SeedSequence(root_seed, spawn_key=(n_centers, r)).spawn(2) = (model, "
             "measurement) seeds (seed column = the study's seed); reproduce with "
             "bscsim.study.simulate_study(study, replicate=r, n_centers=n_centers)",
}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def all_versions() -> dict[str, str]:
    """bscsim's versions() plus the packages a sweep uses."""
    from importlib.metadata import PackageNotFoundError, version
    from .. import __version__
    out = versions()
    if out.get("bscsim") == "not installed":      # run from a checkout
        out["bscsim"] = f"{__version__} (checkout)"
    for pkg in ("tqdm", "dask", "distributed"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    out["git"] = git_commit()
    return out


def git_commit() -> str:
    """The commit of the checkout bscsim runs from ('+changes' if edited), or ''."""
    import subprocess
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                              text=True, timeout=5)
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, capture_output=True, text=True, timeout=5)
        return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""


class Store:
    """An existing (or newly created) sweep folder."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.legacy = self.out / LEGACY
        self.staging = self.out / STAGING
        self._lock_fd: int | None = None

    # ------------------------------------------------------------ create, open
    def check(self) -> None:
        """Refuse, in one line, a folder holding a link, a special file or a file a
        sweep does not make (see atomic.SWEEP_LAYOUT): nothing is written through
        a link or removed that the sweep did not make."""
        if self.out.is_symlink():
            raise ConfigError(f"{self.out}: is a link; give the folder it points to")
        check_inside(self.out, lambda rel: matches(rel, SWEEP_LAYOUT), "sweep")

    @classmethod
    def create(cls, out: str | Path, spec: SweepSpec, design: pd.DataFrame) -> "Store":
        """Write the folder's manifest and design; built in a temporary folder and
        renamed, so a failure leaves nothing."""
        out = Path(out)
        with atomic_folder(out) as tmp:   # `out` may be an empty folder the user made
            for folder in (TABLES[:2] if spec.timeseries else TABLES[:1]):
                (tmp / folder).mkdir()
            write_parquet(design, tmp / "design.parquet", "design")
            write_json(tmp / "manifest.json", new_manifest(spec, design))
            write_dictionary(tmp, design, spec.output_names)
        return cls(out)

    @classmethod
    def open(cls, out: str | Path, spec: SweepSpec | None = None) -> "Store":
        """An existing sweep folder; with `spec`, refuse it if it holds another sweep."""
        store = cls(out)
        if not (store.out / "manifest.json").is_file():
            raise ConfigError(f"{store.out}: not a sweep folder (no manifest.json)")
        if spec is not None:
            m = store.manifest()
            if m.get("fingerprint") != spec.fingerprint():
                raise ConfigError(f"{store.out}: holds a different sweep ({_changes(m, spec)}"
                                  f" changed since it started); use another --out or "
                                  f"remove the folder")
        return store

    @staticmethod
    def state(out: str | Path) -> str:
        """'new' (absent or empty), 'sweep' (has a manifest) or 'other'."""
        out = Path(out)
        if out.is_symlink():
            return "other"
        if not out.exists() or (out.is_dir() and not any(out.iterdir())):
            return "new"
        if (out / "manifest.json").is_file():
            return "sweep"
        return "other"

    # ------------------------------------------------------------- contents
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.out / "manifest.json").read_text())

    def update_manifest(self, **changes: Any) -> dict[str, Any]:
        m = self.manifest()
        m.update(changes)
        write_json(self.out / "manifest.json", m)
        return m

    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / "design.parquet")

    def part_files(self, table: str) -> list[Path]:
        """The parts of `table`, in its folder (and in a format-1 `parts/` folder)."""
        return (sorted((self.out / table).glob("part-*.parquet"))
                + sorted(self.legacy.glob(f"{table}-*.parquet")))

    def done_runs(self, ok_only: bool = False) -> set[int]:
        """Runs with a row in a summary part (ok or failed; with `ok_only`, runs with
        an ok row: the failed ones are left to run again)."""
        ok, failed = self._statuses()
        return ok if ok_only else ok | failed

    def failed_runs(self) -> int:
        """How many runs failed and have not run ok since (a retry may have)."""
        ok, failed = self._statuses()
        return len(failed - ok)

    def _statuses(self) -> tuple[set[int], set[int]]:
        import pyarrow.parquet as pq
        ok: set[int] = set()
        failed: set[int] = set()
        for f in self.part_files("summary"):
            t = pq.read_table(f, columns=["run", "status"]).to_pydict()
            for run, status in zip(t["run"], t["status"]):
                (ok if status == "ok" else failed).add(run)
        return ok, failed

    # ---------------------------------------------------------------- write
    def tidy(self) -> None:
        """Remove what a killed session leaves: temporary files and timeseries parts
        whose summary part was never written; move a format-1 folder to the layout
        of one folder per table. Checks the folder first (`check`): only files the
        sweep made are removed, never through a link."""
        self.check()
        leftovers = [*(self.staging.iterdir() if self.staging.is_dir() else ()),
                     *self.legacy.glob(".tmp-*"),
                     *(f for f in self.out.iterdir() if f.is_file() and (f.name.startswith(
                         (".tmp-", ".manifest.json.", ".design.parquet.", ".lock"))
                         or matches(f.name, (".*.csv.*",))))]
        for f in leftovers:
            remove_made(f)
        committed = {_token(f) for f in self.part_files("summary")}
        for table in TABLES[1:]:
            for f in self.part_files(table):
                if _token(f) not in committed:
                    remove_made(f)
        self.migrate()

    def migrate(self) -> None:
        """Move the parts of a format-1 folder (`parts/summary-*`, `parts/timeseries-*`)
        into `summary/` and `timeseries/`, and write the data dictionary."""
        self.staging.mkdir(exist_ok=True)
        (self.out / "summary").mkdir(exist_ok=True)
        for table in TABLES:
            for f in sorted(self.legacy.glob(f"{table}-*.parquet")):
                (self.out / table).mkdir(exist_ok=True)
                os.replace(f, self.out / table / f"part-{f.name[len(table) + 1:]}")
        if self.legacy.is_dir() and not any(self.legacy.iterdir()):
            self.legacy.rmdir()
        m = self.manifest()
        if m.get("format", 1) < FORMAT:
            self.update_manifest(format=FORMAT)
        if not (self.out / DICTIONARY).is_file():
            write_dictionary(self.out, self.design(), _outputs(self))

    def write_batch(self, summary: pd.DataFrame, timeseries: pd.DataFrame | None,
                    analysis: pd.DataFrame | None = None) -> None:
        """One finished batch: its timeseries (and analysis) part first, then its
        summary part (which commits the batch)."""
        token = uuid.uuid4().hex[:12]
        name = f"part-{int(summary['run'].min()):07d}-{token}.parquet"
        for table, df in (("timeseries", timeseries), ("analysis", analysis)):
            if df is not None and len(df):
                (self.out / table).mkdir(exist_ok=True)
                # the study's estimates are described in docs/study.md, not in the
                # data dictionary of parameters and outputs: no field metadata
                write_parquet(df, self.out / table / name,
                              table if table != "analysis" else None, self.staging)
        write_parquet(summary, self.out / "summary" / name, "summary", self.staging)

    def write_csv(self) -> list[Path]:
        """`summary.csv` and (if kept) `timeseries.csv` of the runs done so far, for
        spreadsheets; the timeseries with the design columns joined."""
        written = []
        for table in TABLES:
            if table != "summary" and not self.part_files(table):
                continue
            path = self.out / f"{table}.csv"
            atomic_write_text(path, load_sweep(self.out, table).to_csv(index=False))
            written.append(path)
        return written

    # ----------------------------------------------------------------- lock
    def lock(self) -> None:
        """Hold an exclusive lock on the folder itself (released when the process
        ends, also by kill -9); no lock file is made, none is left."""
        try:
            import fcntl
        except ImportError:  # Windows: no lock
            return
        fd = os.open(self.out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ConfigError(f"{self.out}: another sweep is writing this folder "
                              "right now") from None
        self._lock_fd = fd

    def unlock(self) -> None:
        """Release the lock; an empty staging folder is removed (a finished
        session leaves no `.tmp/`)."""
        try:
            if not self.staging.is_symlink() and not any(self.staging.iterdir()):
                self.staging.rmdir()
        except OSError:
            pass
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def new_manifest(spec: SweepSpec, design: pd.DataFrame) -> dict[str, Any]:
    n_points = int(design["point"].nunique()) if len(design) else 0
    return {
        "format": FORMAT,
        "title": spec.title,
        "sweep_file": spec.path,
        "sweep_text": spec.text,
        "overrides": spec.overrides,
        "spec": spec.to_dict(),
        "fingerprint": spec.fingerprint(),
        "base_params": spec.base_params().to_dict(),
        "design": {"kind": spec.design, "parameters": list(spec.names),
                   "n_points": n_points, "replicates": spec.replicates,
                   "n_runs": len(design), "file": "design.parquet"},
        "root_seed": spec.root_seed,
        "seeding": SEEDINGS.get(spec.task, SEEDING),
        "outputs": {"summary": list(spec.output_names), "timeseries": spec.timeseries},
        "versions": all_versions(),
        "created": now(),
        "status": "new",
        "sessions": [],
    }


def _changes(manifest: dict[str, Any], spec: SweepSpec) -> str:
    old, new = manifest.get("spec", {}), spec.to_dict()
    keys = [k for k in new if k != "base" and old.get(k) != new[k]]
    if manifest.get("base_params") != spec.base_params().to_dict():
        keys.append("the base config")
    return ", ".join(keys) or "the sweep"


def _outputs(store: Store) -> list[str]:
    return store.manifest().get("outputs", {}).get("summary", list(SUMMARY_NAMES))


def _token(path: Path) -> str:
    return path.stem.rsplit("-", 1)[-1]


def write_parquet(df: pd.DataFrame, path: Path, table: str | None = None,
                  staging: Path | None = None) -> None:
    """Write `df` to `path` atomically (temporary file in `staging`, or beside it with
    a hidden name, made new: never through a link; fsync; rename); with `table`,
    each field carries its unit and meaning (the data dictionary) as Parquet field
    metadata. A failure (a full disk, `ulimit -f`) leaves no temporary file."""
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq
    data = pa.Table.from_pandas(df, preserve_index=False)
    if df.attrs:      # as pandas' to_parquet keeps them (read back into df.attrs)
        data = data.replace_schema_metadata({**data.schema.metadata,
                                             b"PANDAS_ATTRS": json.dumps(df.attrs)})
    if table is not None:
        fields = [f.with_metadata(field_metadata(f.name, table)) for f in data.schema]
        data = data.cast(pa.schema(fields, metadata=data.schema.metadata))
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.",
                                dir=staging if staging is not None else path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            pq.write_table(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_dictionary(folder: Path, design: pd.DataFrame, outputs) -> None:
    """`data_dictionary.csv`: every column of the design, summary and timeseries."""
    from ..outputs import TIMESERIES_NAMES
    from .tasks import SUMMARY_FIXED
    tables = {"design": list(design.columns),
              "summary": [*design.columns, *SUMMARY_FIXED, *outputs],
              "timeseries": ["run", "week", "collab", *TIMESERIES_NAMES]}
    atomic_write_text(folder / DICTIONARY, dictionary(tables).to_csv(index=False))


def write_json(path: Path, data: dict[str, Any]) -> None:
    """`data` as JSON at `path`, atomically and never through a link."""
    write_new(path, json.dumps(data, indent=2, default=str).encode())


def host() -> str:
    return socket.gethostname()


def load_sweep(out: str | Path, table: str = "summary") -> pd.DataFrame:
    """The results of a sweep folder as one DataFrame, sorted by run.

    `table="summary"` (default): one row per finished run, with `run`, `point`,
    `replicate`, `seed`, the varied parameters, `status` ("ok" or "failed"), `error`,
    `seconds` and every summary output. `table="timeseries"`: one row per run and
    week, with the design columns joined in (only if the sweep kept timeseries).
    `table="analysis"` (a study's power runs): the estimates of each run, by run.
    Works on an unfinished sweep too (the runs done so far), and on folders of the
    earlier layout. Without bscsim: `pd.read_parquet(DIR / "summary")`.
    """
    if table not in TABLES:
        raise ValueError(f"table = {table!r} is not allowed: expected one of {TABLES}")
    store = Store.open(out)
    files = store.part_files(table)
    if table == "timeseries":
        committed = {_token(f) for f in store.part_files("summary")}
        files = [f for f in files if _token(f) in committed]
    if not files:
        if table == "summary":
            return store.design().iloc[:0].assign(status="", error="", seconds=0.0,
                                                  **{k: 0.0 for k in _outputs(store)})
        return pd.DataFrame()
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if table == "analysis":      # only ok runs write estimates, once
        return df.sort_values("run", kind="stable", ignore_index=True)
    keys = ["run"] if table == "summary" else ["run", "week"]
    if table == "summary":       # a run retried after failing: its ok row counts
        df = df.sort_values(["run", "status"], key=lambda c: c.ne("ok")
                            if c.name == "status" else c, kind="stable")
    df = df.drop_duplicates(keys).sort_values(keys, ignore_index=True)
    if table == "timeseries":
        df = store.design().merge(df, on="run", how="right")
    return df
