"""The fuzz suite (issue 24): generated malformed inputs of every file kind and of the
command line, each run through the CLI in this process (bscsim.cli.main), asserting
for each case: a one-line error and exit code 2, or a valid input; never a
traceback; nothing changed outside --out (a snapshot of the case's whole folder,
the `keep` folder planted links point to included); no partial folder left.

Cheap by construction: the point where a command starts its work (the executor of
the sweep runner, `simulate`, the state runner, the study, the calibration, the
pattern and mechanism checks) is replaced by one that raises `Valid`, so a valid
input stops there, after every check the command makes before working, and
nothing runs. Cases are mutations of the shipped valid files (a key deleted or
renamed, a value of the wrong type, out of range, NaN, inf or huge, broken TOML,
binary junk, an empty file, a link to /dev/zero or to nothing, a FIFO, a folder)
drawn from a seeded generator, so every run tries the same cases.

A new file kind joins with one registration line in KINDS: a name, the shipped
valid file(s) it mutates, and the command line that reads it.
The fast suite runs FAST cases per kind; the slow test runs SLOW per kind (at least
1,200 in all); `test_fuzz_counts` prints the counts per kind.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import os
import random
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from bscsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "src" / "bscsim" / "configs"
FAST, SLOW = 4, 100                 # cases per kind: fast suite, slow suite
COUNTS: dict[str, dict[str, int]] = {}


class Valid(Exception):
    """A command reached its work with this input: the input passed every check."""


# ------------------------------------------------------------- TOML writing
def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def to_toml(data: dict) -> str:
    """Scalars first, then one [table] per dict (deeper values inline)."""
    lines = [f"{json.dumps(k)} = {_value(v)}" for k, v in data.items()
             if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"[{json.dumps(k)}]")
            lines += [f"{json.dumps(kk)} = {_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- mutations
BAD_VALUES = ["x", "", [], {}, True, False, -1, 0, 0.5, 1e308, -1e308, 10**18, -10**18,
              math.nan, math.inf, -math.inf, "../../../etc/passwd", "x" * 5000,
              [1, "a"], {"zz": 1}, "/dev/zero", 2**63]
BROKEN = ["=", "[", "[[x", 'a = "', "a = [1,", "a = {", "a = 1\na = 2", "[x]\n[x]",
          "a = 1 1", "\x00", "a = 0x", "a = 1979-13-45", "zz = " + "[" * 2000 + "]" * 2000]
FILE_SWAPS = ["empty", "binary", "dev_zero", "dangling", "fifo", "folder", "huge"]


def _paths(d, prefix=()):
    """Every path (tuple of keys and indices) into a parsed TOML document."""
    out = []
    items = d.items() if isinstance(d, dict) else enumerate(d)
    for k, v in items:
        out.append(prefix + (k,))
        if isinstance(v, (dict, list)):
            out += _paths(v, prefix + (k,))
    return out


def _parent(d, path):
    for k in path[:-1]:
        d = d[k]
    return d


def mutate_toml(data: dict, rng: random.Random) -> tuple[str | bytes | None, str]:
    """A malformed (or by chance still valid) version of `data`: (text, what)."""
    op = rng.choice(["delete", "rename", "value", "value", "value", "broken", "bytes",
                     "swap", "add"])
    paths = _paths(data)
    if op in ("delete", "rename", "value") and paths:
        path = rng.choice(paths)
        parent = _parent(data, path)
        key = path[-1]
        if op == "delete":
            if isinstance(parent, list):
                parent.pop(key)
            else:
                parent.pop(key)
        elif op == "rename" and isinstance(parent, dict):
            parent[key + "zz"] = parent.pop(key)
        else:
            parent[key] = rng.choice(BAD_VALUES)
        return to_toml(data), f"{op} {'.'.join(map(str, path))}"
    if op == "add":
        data[rng.choice(["zz", "seed", "base", "replicates", "n_samples", "title"])] = \
            rng.choice(BAD_VALUES)
        return to_toml(data), "add a key"
    if op == "broken":
        return to_toml(data) + rng.choice(BROKEN) + "\n", "broken TOML"
    if op == "bytes":
        return to_toml(data).encode() + bytes(rng.randrange(256) for _ in range(8)) \
            + b"\xff\xfe", "binary junk"
    return None, rng.choice(FILE_SWAPS)


def put_file(path: Path, content: str | bytes | None, swap: str = "") -> None:
    """Write a case's file, or put something else than a regular file there."""
    if content is not None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return
    if swap == "empty":
        path.write_bytes(b"")
    elif swap == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif swap == "dev_zero":
        path.symlink_to("/dev/zero")
    elif swap == "dangling":
        path.symlink_to(path.parent / "keep" / "no-such-file")
    elif swap == "fifo":
        os.mkfifo(path)
    elif swap == "folder":
        path.mkdir()
    else:                                # huge: beyond every size limit
        with open(path, "wb") as f:
            f.truncate(200_000_000)


def absolute_paths(data, folder: Path):
    """The shipped file's relative file names made absolute (the case is written
    elsewhere); a name found in configs/ is left as it is."""
    if isinstance(data, dict):
        return {k: absolute_paths(v, folder) for k, v in data.items()}
    if isinstance(data, list):
        return [absolute_paths(v, folder) for v in data]
    if isinstance(data, str) and data.endswith(".toml") and (folder / data).is_file():
        return str((folder / data).resolve())
    return data


# --------------------------------------------------------------- file kinds
@dataclass
class Kind:
    """A file kind: how to make one case in `folder` (returns argv and a description)."""

    name: str
    make: Callable[[Path, random.Random], tuple[list[str], str]]
    counts: dict = field(default_factory=dict)


def toml_kind(name: str, shipped: Path, argv: list[str], extra=None) -> Kind:
    """A TOML file kind: mutations of `shipped`, read by `argv` ({file}, {out})."""
    def make(folder: Path, rng: random.Random):
        data = absolute_paths(tomllib.loads(shipped.read_text()), shipped.parent)
        if extra is not None:
            extra(folder)
        text, what = mutate_toml(data, rng)
        put_file(folder / shipped.name, text, what)
        return [a.format(file=folder / shipped.name, out=folder / "out") for a in argv], \
            f"{name}: {what}"
    return Kind(name, make)


def _data_folder(folder: Path) -> None:
    shutil.copytree(CONFIGS / "calibration" / "example_collaborative",
                    folder / "example_collaborative")


def csv_case(folder: Path, rng: random.Random):
    """A calibration data folder with one CSV file mutated."""
    cal = CONFIGS / "calibration" / "example_collaborative.toml"
    data = absolute_paths(tomllib.loads(cal.read_text()), cal.parent)
    (folder / cal.name).write_text(to_toml(data))
    _data_folder(folder)
    path = rng.choice(sorted((folder / "example_collaborative").glob("*.csv")))
    rows = path.read_text().splitlines()
    op = rng.choice(["duplicate", "value", "value", "value", "column", "drop_column",
                     "swap", "junk", "blank", "extra_cell"])
    if op == "swap":
        path.unlink()
        what = rng.choice(FILE_SWAPS)
        put_file(path, None, what)
        return _calibrate_argv(folder, cal.name), f"data {path.name}: {what}"
    if op == "duplicate":
        rows.append(rng.choice(rows[1:]))
    elif op == "value":
        i = rng.randrange(1, len(rows))
        cells = rows[i].split(",")
        cells[rng.randrange(len(cells))] = str(rng.choice(
            ["-5", "1e308", "-1e308", "nan", "inf", "", "x", "0.5", "99999999", "-1",
             "1e-308", "2", "7.5", "1_000", " ", '"', "\x00"]))
        rows[i] = ",".join(cells)
    elif op == "column":
        rows[0] = rows[0].replace(rng.choice(rows[0].split(",")), "zz", 1)
    elif op == "drop_column":
        rows = [",".join(r.split(",")[:-1]) for r in rows]
    elif op == "junk":
        rows.append("\xff\xfe\x00junk")
    elif op == "blank":
        rows = rows[:1]
    else:
        rows[rng.randrange(1, len(rows))] += ",1"
    path.write_text("\n".join(rows) + "\n")
    return _calibrate_argv(folder, cal.name), f"data {path.name}: {op}"


def _calibrate_argv(folder: Path, name: str) -> list[str]:
    return ["calibrate", str(folder / name), "--out", str(folder / "out"), "--executor",
            "serial", "--no-progress"]


def _valid_posterior(folder: Path) -> Path:
    cal = patterns_calibration()
    p = folder / "post"
    p.mkdir()
    rng = random.Random(1)
    df = pd.DataFrame({pr.name: [rng.uniform(pr.low, pr.high) for _ in range(5)]
                       for pr in cal.priors})
    df["weight"] = [1.0] * 5
    df.to_parquet(p / "posterior.parquet")
    prov = {"priors": [{"name": pr.name, "low": pr.low, "high": pr.high}
                       for pr in cal.priors],
            "targets": [{"name": t.name, "source": t.source} for t in cal.targets],
            "config": cal.params.to_dict()}
    (p / "provenance.json").write_text(json.dumps(prov))
    return p


def posterior_case(folder: Path, rng: random.Random):
    """A posterior folder with its table, its provenance or the folder mutated."""
    p = _valid_posterior(folder)
    argv = ["check-patterns", "--posterior", str(p), "--replicates", "2"]
    op = rng.choice(["weights", "values", "column", "provenance", "provenance",
                     "swap_table", "swap_provenance", "incomplete", "empty_table"])
    if op in ("weights", "values", "column", "empty_table"):
        df = pd.read_parquet(p / "posterior.parquet")
        col = rng.choice(list(df.columns))
        if op == "weights":
            df["weight"] = rng.choice([[1e308] * 5, [0.0] * 5, [-1.0] * 5,
                                       [math.nan] * 5, [math.inf] * 5, [1e-320] * 5])
        elif op == "values":
            df[col] = rng.choice([1e308, -1e308, math.nan, math.inf, -5.0, 1e9, 0.0])
        elif op == "column":
            df = df.rename(columns={col: rng.choice(["zz", "", "weight2", col + "zz"])})
        else:
            df = df.iloc[:0]
        df.to_parquet(p / "posterior.parquet")
        return argv, f"posterior: {op} {col}"
    if op == "provenance":
        bad = rng.choice([[1], {"targets": [1]}, {"priors": "x"}, {"priors": [{}]},
                          {"priors": [{"name": "adopt_gain", "low": "a", "high": 1}]},
                          {"config": [1]}, {"config": {"zz": 1}}, 5, "x", None,
                          {"targets": [{"source": 5}]}, {"targets": [{"source": "pattern"}]}])
        (p / "provenance.json").write_text(json.dumps(bad))
        return argv, f"posterior provenance: {bad!r}"[:80]
    if op == "incomplete":
        (p / "INCOMPLETE").write_text("running")
        return argv, "posterior: INCOMPLETE"
    name = "posterior.parquet" if op == "swap_table" else "provenance.json"
    (p / name).unlink()
    what = rng.choice(FILE_SWAPS)
    put_file(p / name, None, what)
    return argv, f"posterior {name}: {what}"


COMMANDS = ["run", "params", "check-patterns", "check-mechanisms", "calibrate", "compare",
            "sweep", "sensitivity", "explore", "study"]
FILES = {"run": CONFIGS / "ccl_phase1.toml", "compare": CONFIGS / "scenarios" / "strategies.toml",
         "sweep": CONFIGS / "sweeps" / "turnover_planning_grid.toml",
         "sensitivity": CONFIGS / "sensitivity" / "mechanisms_morris.toml",
         "explore": CONFIGS / "explorations" / "bsc_failure.toml",
         "study": CONFIGS / "studies" / "ccl_feasibility.toml",
         "calibrate": CONFIGS / "calibration" / "ccl_patterns.toml"}


def argument_case(folder: Path, rng: random.Random):
    """A command with options of the right syntax and bad values, or an --out that
    is not a place to write (a file, a link, a FIFO, a folder holding others' files)."""
    command = rng.choice(COMMANDS)
    argv = [command] + ([str(FILES[command])] if command in FILES else [])
    (folder / "afile").write_text("mine")
    os.mkfifo(folder / "afifo")
    (folder / "alink").symlink_to(folder / "keep")
    (folder / "full").mkdir()
    (folder / "full" / "notes.txt").write_text("mine")
    ints = ["--replicates", "--workers", "--seed", "--batch-size"]
    strings = ["--out", "--report", "--posterior", "--scheduler", "--set"]
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.5:
            argv += [rng.choice(ints), str(rng.choice(
                [0, -1, 10**12, 2**63, 2**70, 1, 3, 100_000_000]))]
        else:
            flag = rng.choice(strings)
            value = rng.choice(["", " ", os.fsdecode(b"\xff"), "a\nb", "/dev/null",
                                str(folder / "afile"), str(folder / "afifo"),
                                str(folder / "alink"), str(folder / "full"),
                                str(folder / "afile" / "x"), "x.html", "tcp://",
                                "n_centers=1e308", "zz=1", "=", "turnover_cc=nan"])
            argv += [f"{flag}={value}"]
    if command == "explore" and rng.random() < 0.5:
        argv = ["explore", "--sweep", str(folder / "full"), "--output",
                "classrooms_improved_share",
                f"--threshold={rng.choice(['nan', 'inf', '-inf', '1e309', '0.5'])}"]
    return argv, "argv: " + " ".join(a.replace(str(folder), "") for a in argv)[:90]


@functools.lru_cache(maxsize=1)
def patterns_calibration():
    from bscsim.calibrate.spec import load_calibration
    return load_calibration(CONFIGS / "calibration" / "ccl_patterns.toml")


def batch_case(folder: Path, rng: random.Random):
    """A kept calibration batch, forged or damaged (read directly, not by the CLI)."""
    cal = patterns_calibration()
    good = {p.name: 0.5 * (p.low + p.high) for p in cal.priors}
    stats = {t.statistic: 0.5 for t in cal.targets}
    rows = [{"id": i, "m": 0, "parameter": dict(good), "weight": 1.0, "sum_stat": dict(stats),
             "distance": 0.0, "accepted": True, "proposal_id": 0, "preliminary": False}
            for i in range(2)]
    data = {"rows": rows}
    text, what = mutate_toml(data, rng)
    try:
        content = json.dumps(tomllib.loads(text)["rows"]) if isinstance(text, str) else text
    except (tomllib.TOMLDecodeError, KeyError, RecursionError):
        content = text
    (folder / "batches").mkdir()
    path = folder / "batches" / "key-t0-0-2.json"
    put_file(path, content, what)
    return ["__batch__", str(folder / "batches"), cal], f"batch: {what}"


KINDS = {k.name: k for k in [
    toml_kind("model config", CONFIGS / "ccl_phase1.toml",
              ["run", "{file}", "--out", "{out}", "--no-plot"]),
    toml_kind("sweep", CONFIGS / "sweeps" / "turnover_planning_grid.toml",
              ["sweep", "{file}", "--out", "{out}", "--executor", "serial", "--no-progress"]),
    toml_kind("scenarios", CONFIGS / "scenarios" / "strategies.toml",
              ["compare", "{file}", "--out", "{out}", "--no-progress"]),
    toml_kind("sensitivity", CONFIGS / "sensitivity" / "mechanisms_morris.toml",
              ["sensitivity", "{file}", "--out", "{out}", "--executor", "serial",
               "--no-progress"]),
    toml_kind("study", CONFIGS / "studies" / "ccl_feasibility.toml",
              ["study", "{file}", "--out", "{out}", "--power", "--no-progress"]),
    toml_kind("exploration", CONFIGS / "explorations" / "bsc_failure.toml",
              ["explore", "{file}", "--out", "{out}", "--executor", "serial",
               "--no-progress"]),
    toml_kind("calibration", CONFIGS / "calibration" / "ccl_patterns.toml",
              ["calibrate", "{file}", "--out", "{out}", "--executor", "serial",
               "--no-progress"]),
    toml_kind("calibration with data", CONFIGS / "calibration" / "example_collaborative.toml",
              ["calibrate", "{file}", "--out", "{out}", "--executor", "serial",
               "--no-progress"], extra=_data_folder),
    Kind("calibration data CSV", csv_case),
    toml_kind("state", CONFIGS / "states" / "example_state.toml",
              ["run", "{file}", "--out", "{out}", "--no-plot"]),
    toml_kind("decision", CONFIGS / "decisions" / "scale_bsc.toml",
              ["value", "{file}", "--out", "{out}", "--executor", "serial",
               "--no-progress"]),
    Kind("posterior folder", posterior_case),
    Kind("kept batch", batch_case),
    Kind("command line", argument_case),
]}


# ------------------------------------------------------------------ running
WORK = [("bscsim.sweep.runner", "make_executor"), ("bscsim.simulate", "simulate"),
        ("bscsim.states", "run_state"), ("bscsim.states.resume", "Checkpoints"),
        ("bscsim.study", "simulate_study"), ("bscsim.calibrate.run", "calibrate"),
        ("bscsim.patterns", "check_patterns"), ("bscsim.mechanisms", "check_mechanisms"),
        ("bscsim.parallel", "spawn_pool"), ("bscsim.commands.dashboard", "run")]


@pytest.fixture
def no_work(monkeypatch):
    """Every command stops where its work would start, raising Valid."""
    import importlib

    def valid(*a, **k):
        raise Valid
    for module, name in WORK:
        monkeypatch.setattr(importlib.import_module(module), name, valid)


def snapshot(folder: Path) -> dict[str, object]:
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            st = p.lstat()
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                found[rel] = "-> " + os.readlink(p)
            elif p.is_file() and st.st_size < 10_000_000:
                found[rel] = p.read_bytes()
            else:
                found[rel] = (st.st_mode, st.st_size)
    return found


def run_case(kind: Kind, index: int) -> None:
    """One generated case of `kind`: refused in one line with exit 2, or valid;
    nothing written anywhere."""
    import tempfile
    rng = random.Random(f"{kind.name}-{index}")
    folder = Path(tempfile.mkdtemp(prefix="bscsim-fuzz24-"))
    counts = COUNTS.setdefault(kind.name, {"cases": 0, "clean": 0, "refused": 0,
                                           "valid": 0})
    try:
        (folder / "keep").mkdir()
        (folder / "keep" / "thesis.txt").write_text("years of work")
        argv, what = kind.make(folder, rng)
        before = snapshot(folder)
        counts["cases"] += 1
        if argv[0] == "__batch__":
            used = _check_batch(argv, what)
            assert snapshot(folder) == before, f"reading a batch changes nothing: {what}"
            counts["clean"] += 1
            counts["valid" if used else "refused"] += 1
            return
        err, out = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                try:
                    rc = main(argv)
                except Valid:
                    rc = "valid"
                except SystemExit as e:
                    rc = e.code
        finally:
            os.chdir(cwd)
        text = err.getvalue()
        detail = f"{what}\nargv: {argv}\nexit: {rc}\nstderr: {text[-800:]}"
        assert "Traceback" not in text, f"no traceback for {detail}"
        if rc == "valid" or rc == 0:
            counts["valid"] += 1
        else:
            lines = text.splitlines()
            assert rc == 2, f"exit code 2 for a refusal: {detail}"
            assert len(lines) == 1 and lines[0].startswith("bscsim: error: "), \
                f"exactly one error line: {detail}"
            counts["refused"] += 1
        assert snapshot(folder) == before, f"nothing written or removed: {detail}"
        counts["clean"] += 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_batch(argv, what: str) -> bool:
    """A kept batch is used only if every candidate is as bscsim writes it (True:
    used; False: not used, its batch would run again)."""
    from bscsim.calibrate.smc import KeptBatches
    _, folder, cal = argv
    back = KeptBatches(Path(folder), "key", cal).load(0, 0, 2)
    if back is not None:
        for _, particle in back:
            for p in cal.priors:
                v = particle.parameter[p.name]
                assert p.low <= v <= p.high, f"a used batch lies in the priors: {what}"
    return back is not None


@pytest.mark.parametrize("kind", list(KINDS))
def test_fuzz_sample(kind, no_work):
    for i in range(FAST):
        run_case(KINDS[kind], i)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_fuzz_slow(kind, no_work):
    for i in range(FAST, FAST + SLOW):
        run_case(KINDS[kind], i)


def test_fuzz_counts():
    """The counts per file kind (cases, clean, refused, valid); 100% clean."""
    if not COUNTS:
        pytest.skip("no fuzz case ran in this session")
    lines = [f"{'kind':<24}{'cases':>7}{'clean':>7}{'refused':>9}{'valid':>7}"]
    for name, c in COUNTS.items():
        lines.append(f"{name:<24}{c['cases']:>7}{c['clean']:>7}{c['refused']:>9}"
                     f"{c['valid']:>7}")
    total = {k: sum(c[k] for c in COUNTS.values()) for k in ("cases", "clean", "refused",
                                                             "valid")}
    lines.append(f"{'all':<24}{total['cases']:>7}{total['clean']:>7}"
                 f"{total['refused']:>9}{total['valid']:>7}")
    print("\n" + "\n".join(lines))
    assert total["clean"] == total["cases"], "every case clean"


def test_fuzz_harness_catches_a_two_line_error(monkeypatch, no_work):
    """Mutant: errors printed on two lines; the harness must call the case unclean."""
    import bscsim.cli

    def two_lines(message: str) -> int:
        import sys
        print(f"bscsim: error: {message}\nmore", file=sys.stderr)
        return 2
    monkeypatch.setattr(bscsim.cli, "_fail", two_lines)
    kind = Kind("mutant", KINDS["command line"].make)
    with pytest.raises(AssertionError, match="one error line"):
        for i in range(20):
            run_case(kind, i)
    COUNTS.pop("mutant", None)


def test_fuzz_harness_catches_a_write_outside_out(monkeypatch, no_work):
    """Mutant: a refused command that writes a file first; the snapshot must see it."""
    import bscsim.cli
    real = bscsim.cli._fail

    def writes(message: str) -> int:
        Path("stray.txt").write_text("x")        # in the case's folder (the cwd)
        return real(message)
    monkeypatch.setattr(bscsim.cli, "_fail", writes)
    kind = Kind("mutant", KINDS["command line"].make)
    with pytest.raises(AssertionError, match="nothing written"):
        for i in range(20):
            run_case(kind, i)
    COUNTS.pop("mutant", None)
