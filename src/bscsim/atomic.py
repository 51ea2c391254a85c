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
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .config import ConfigError

PROVENANCE = "provenance.json"


def check_out(out: str | Path, marker: tuple[str, ...] = (PROVENANCE,),
              what: str = "bscsim output", keep: tuple[str, ...] = ()) -> Path:
    """`out` as a Path if an output can be written there, else a one-line
    ConfigError: an empty name, an existing file, a folder that holds something
    else than an earlier output of this kind (no `marker` files, and not only the
    `keep` run folders of an interrupted one), or a place this process cannot
    write. Writes nothing."""
    if str(out).strip() == "":
        raise ConfigError("--out '': expected the name of a folder")
    out = Path(out)
    try:
        if out.exists() or out.is_symlink():
            if not out.is_dir():
                raise ConfigError(f"{out}: exists and is not a folder; choose another "
                                  "--out")
            if (any(out.iterdir()) and not all((out / m).exists() for m in marker)
                    and not _only_runs(out, keep)):
                raise ConfigError(f"{out}: exists and is not a {what} folder (no "
                                  f"{', '.join(marker)}); choose another --out or "
                                  "remove it")
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
