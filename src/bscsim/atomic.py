"""Results: writing an output folder whole and alone, so bad input, a failure halfway
or a second writer never leaves partial, mixed or stale output behind.

`atomic_folder(out)` yields a fresh temporary folder beside `out`; when the block
ends without error the temporary folder replaces `out` as a whole (an atomic
exchange of the two folders where the system has one, Linux's renameat2, else two
renames), so no file of an earlier output survives. Two writers into one `out`:
the later one wins whole (each builds its own folder; the exchange is done under a
lock on the parent folder, so the two never mix). A folder that is not an earlier
output of the same kind (it lacks the `marker` files) is refused, never replaced:
`--out ~/Documents` cannot delete a user's files. `check_out` makes the same
checks before anything runs, so a bad `--out` is refused before a simulation.

Temporary folders are named `.<out>.tmp-<pid>-<random>`; one left by a killed
process (its pid no longer runs) is removed the next time that folder is written.

The rule for every file the tool writes or removes inside an output folder (issue
24), shared by every command:

- never through a link: `check_inside` refuses an output folder holding a link or
  a special file (FIFO, device) anywhere inside; new files are created with
  O_EXCL | O_NOFOLLOW (`write_new`), and put in place by `os.replace`, which
  replaces a link, never its target;
- never a file the tool did not make: `atomic_folder` writes `.bscsim-contents`
  (the list of what it made) into each folder; a later write refuses, naming them,
  the files that list does not hold (a folder without the list, from an earlier
  version, is checked for links only); folders written piece by piece (sweeps,
  calibrations) declare their layout as name patterns (`SWEEP_LAYOUT`);
- whole or marked: a folder is written whole by `atomic_folder`, or, when it grows
  as runs finish, carries an `INCOMPLETE` file from its start to its end
  (`marked_incomplete`), so a kill leaves either the earlier whole folder or a
  folder that says it is partial, which the same command resumes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fnmatch
import json
import os
import shutil
import stat
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .config import ConfigError

PROVENANCE = "provenance.json"
CONTENTS = ".bscsim-contents"     # what atomic_folder made in a folder
INCOMPLETE = "INCOMPLETE"         # in a folder being written piece by piece

# A sweep folder (`bscsim sweep`, and DIR/runs of compare, study, explore,
# sensitivity): what sweep/store.py writes; one name pattern per path level.
SWEEP_LAYOUT = (
    "manifest.json", "design.parquet", "data_dictionary.csv", "*.csv", ".lock",
    ".bscsim-contents", ".tmp", ".tmp/part-*.parquet", ".tmp/.part-*.parquet.*",
    ".tmp-*", ".manifest.json.*", ".design.parquet.*", ".*.csv.*",
    "summary", "summary/part-*.parquet", "timeseries", "timeseries/part-*.parquet",
    "analysis", "analysis/part-*.parquet", "parts", "parts/*.parquet", "parts/.tmp-*",
)


def matches(rel: str, patterns: tuple[str, ...]) -> bool:
    """True if the relative path `rel` (a/b/c) matches a pattern level by level."""
    parts = rel.split("/")
    for pattern in patterns:
        levels = pattern.split("/")
        if len(levels) == len(parts) and all(fnmatch.fnmatchcase(p, q)
                                             for p, q in zip(parts, levels)):
            return True
    return False


def problems_inside(out: Path, allowed: Callable[[str], bool] | None = None
                    ) -> list[str]:
    """What under folder `out` the tool must not write through or remove: links,
    special files (FIFOs, devices, sockets) and, with `allowed`, every entry whose
    relative path it rejects. Links are not followed."""
    found: list[str] = []

    def walk(folder: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            found.append(f"{prefix or '.'} (cannot be read: {e.strerror})")
            return
        for e in entries:
            rel = prefix + e.name
            mode = e.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                found.append(f"{rel} (a link)")
            elif not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                found.append(f"{rel} (not a regular file)")
            elif allowed is not None and not allowed(rel):
                found.append(f"{rel} (not made by bscsim)")
            elif stat.S_ISDIR(mode):
                walk(Path(e.path), rel + "/")
    walk(out, "")
    return found


def check_inside(out: Path, allowed: Callable[[str], bool] | None = None,
                 what: str = "output") -> None:
    """A one-line ConfigError naming what `out` holds that the tool must not write
    through or remove (see `problems_inside`); nothing if `out` is absent."""
    out = Path(out)
    if not out.is_dir() or out.is_symlink():
        return
    found = problems_inside(out, allowed)
    if found:
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        raise ConfigError(f"{out}: this {what} folder holds {', '.join(found[:3])}{more}; "
                          "bscsim writes and removes only what it made: move them away "
                          "or choose another --out")


def made_here(out: Path, keep: tuple[str, ...] = ()) -> Callable[[str], bool] | None:
    """What may be inside an earlier output `out`: the paths its `.bscsim-contents`
    lists, and the `keep` entries laid out as sweep folders; None (anything but
    links and special files) for a folder without the list."""
    try:
        listed = set(json.loads(read_small(out / CONTENTS, 1 << 24)))
    except FileNotFoundError:
        if keep and all(e.name in keep for e in out.iterdir()):
            return lambda rel: (rel.split("/")[0] in keep
                                and matches(rel.partition("/")[2] or "manifest.json",
                                            SWEEP_LAYOUT))
        return None
    except (OSError, ValueError, TypeError):
        raise ConfigError(f"{out / CONTENTS}: not the list of files bscsim wrote; "
                          "remove the folder or choose another --out") from None

    def allowed(rel: str) -> bool:
        top, _, below = rel.partition("/")
        if top in keep:
            return not below or matches(below, SWEEP_LAYOUT)
        return rel in listed or rel == CONTENTS
    return allowed


def read_small(path: Path, limit: int, follow: bool = False) -> bytes:
    """The bytes of regular file `path`, at most `limit` bytes, not through a link
    unless `follow` (an input file may be a link to a regular file); a ConfigError
    otherwise: a FIFO, a device or a link to /dev/zero never blocks or fills
    memory."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW))
    except OSError as e:
        if e.errno == errno.ELOOP:       # opened with O_NOFOLLOW: a link
            raise ConfigError(f"{path}: is a link; give the file itself") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{path}: not a regular file")
        if st.st_size > limit:
            raise ConfigError(f"{path}: {st.st_size:,} bytes, more than the "
                              f"{limit:,} allowed")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ConfigError(f"{path}: more than the {limit:,} bytes allowed")
    return data


def write_new(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically and never through a link: a new file
    beside it (O_EXCL | O_NOFOLLOW), flushed, then renamed onto `path` (a link
    there is replaced, its target untouched)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove_made(path: Path) -> None:
    """Remove a file the tool made: a regular file or a link (the link itself,
    never its target); a folder or special file is refused."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode) or not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise ConfigError(f"{path}: not a file bscsim made; move it away")
    os.unlink(path)


@contextmanager
def marked_incomplete(out: Path, command: str) -> Iterator[None]:
    """Mark folder `out` as partial (an `INCOMPLETE` file saying how to resume)
    while the block runs; the mark is removed only when the block ends without
    error, so a kill at any moment leaves a folder that says it is partial."""
    write_new(Path(out) / INCOMPLETE, (
        f"This folder is being written by `{command}` or was interrupted.\n"
        "If no bscsim is running, run the same command again to resume it.\n").encode())
    yield
    remove_made(Path(out) / INCOMPLETE)


def check_out(out: str | Path, marker: tuple[str, ...] = (PROVENANCE,),
              what: str = "bscsim output", keep: tuple[str, ...] = ()) -> Path:
    """`out` as a Path if an output can be written there, else a one-line
    ConfigError: an empty name, an existing file, a folder that holds something
    else than an earlier output of this kind (no `marker` files, and not only the
    `keep` run folders of an interrupted one), or a place this process cannot
    write. Writes nothing."""
    if str(out).strip() == "":
        raise ConfigError("--out '': expected the name of a folder")
    check_name(str(out), "--out")
    out = Path(out)
    try:
        if out.is_symlink():
            raise ConfigError(f"{out}: is a link; give the folder it points to as --out")
        if out.exists():
            if not out.is_dir():
                raise ConfigError(f"{out}: exists and is not a folder; choose another "
                                  "--out")
            if (any(out.iterdir()) and not all((out / m).exists() for m in marker)
                    and not _only_runs(out, keep)):
                raise ConfigError(f"{out}: exists and is not a {what} folder (no "
                                  f"{', '.join(marker)}); choose another --out or "
                                  "remove it")
            check_inside(out, made_here(out, keep), what)
        parent = existing_parent(out)
        if not parent.is_dir():
            raise ConfigError(f"{out}: cannot be created: {parent} is not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"{out}: cannot write in {parent} (permission denied or "
                              "read-only)")
    except OSError as e:
        raise ConfigError(f"{out}: cannot be used as an output folder "
                          f"({e.strerror or e})") from None
    return out


def check_name(name: str, option: str) -> None:
    """A file or folder name from the command line: printable text a file system
    takes (one-line ConfigError for control characters or undecodable bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(f"{option} {name.encode('utf-8', 'replace').decode()!r}: not "
                          "valid UTF-8 text; choose a plain folder name") from None
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ConfigError(f"{option} {name!r}: holds a control character; choose a plain "
                          "name")


def _only_runs(out: Path, keep: tuple[str, ...]) -> bool:
    """True if `out` holds nothing but `keep` folders, each a run folder (with a
    manifest.json): what an interrupted analysis leaves."""
    entries = list(out.iterdir())
    return bool(keep) and all(e.name in keep and (e / "manifest.json").is_file()
                              for e in entries)


def existing_parent(out: Path) -> Path:
    """The folder the output (or its first missing ancestor) is created in."""
    p = out.absolute().parent
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


@contextmanager
def atomic_folder(out: str | Path, marker: tuple[str, ...] = (PROVENANCE,),
                  what: str = "bscsim output", keep: tuple[str, ...] = ()
                  ) -> Iterator[Path]:
    """Yield a fresh temporary folder beside `out` to write into. On success it
    replaces `out` whole (created if absent; an empty folder or an earlier output
    holding the `marker` files is replaced), except the `keep` entries of `out`
    (e.g. the `runs/` folder an analysis resumes from), which are moved into the
    new folder; on any error it is removed and `out` is left as it was."""
    out = check_out(out, marker, what, keep)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; give the usual mode
        yield tmp
        made = sorted(p for p in _relative(tmp) if p.split("/")[0] not in keep)
        (tmp / CONTENTS).write_text(json.dumps(made, indent=0))
        with _locked(out.parent):
            check_out(out, marker, what, keep)   # another writer may have been quicker
            moved = [k for k in keep if (out / k).exists() and not (tmp / k).exists()]
            for k in moved:
                os.rename(out / k, tmp / k)
            try:
                _replace(tmp, out)
            except BaseException:
                for k in moved:               # put them back where they were
                    os.rename(tmp / k, out / k)
                raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _relative(folder: Path) -> list[str]:
    """Every path under `folder`, relative, as a/b/c (links not followed)."""
    found = []
    for root, dirs, files in os.walk(folder):
        rel = os.path.relpath(root, folder)
        for name in dirs + files:
            found.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    return found


def _replace(tmp: Path, out: Path) -> None:
    """Put folder `tmp` in the place of `out`, then remove what was there."""
    if not out.exists():
        os.rename(tmp, out)
        return
    if _exchange(tmp, out):          # tmp now holds the old output
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = out.parent / f".{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where not available."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    return False      # e.g. a file system without exchange: fall back to renames


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` for the few moments of a replacement."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_stale(out: Path) -> None:
    """Remove the temporary folders of `out` whose process no longer runs (a
    writer killed before it could clean up)."""
    try:
        entries = list(out.parent.glob(f".{out.name}.tmp-*-*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(out.name) + 6:].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True      # exists, owned by someone else
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file and a rename, so a reader
    never sees half a file and a failure leaves none."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
