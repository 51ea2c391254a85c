"""The fault suite (issue 16): malformed input of every file kind is refused in one
line with exit code 2 and nothing written; nothing a file says writes outside --out
or runs code; output folders are written whole and alone; a killed sweep resumes
with one row per run; failed runs can be retried.

The fuzz tests call the CLI in-process (`bscsim.cli.main`) for speed; every
generated file is malformed by construction (one mutation of a valid file that no
valid file has), so each must be a clean refusal, never a run.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bscsim.cli import main
from bscsim.params import BY_NAME

ROOT = Path(__file__).resolve().parents[1]
FUZZ_EXAMPLES = int(os.environ.get("BSCSIM_FUZZ_EXAMPLES", "400"))  # per file kind
COUNTS = {"inputs": 0, "clean": 0}


# --------------------------------------------------------------- TOML writing
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
        return json.dumps(v)      # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def _key(k: str) -> str:
    bare = k and all(c in string.ascii_letters + string.digits + "_-" for c in k)
    return k if bare else json.dumps(k)


def to_toml(data: dict) -> str:
    """Scalars first, then [tables] (one level; deeper values inline)."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"[{_key(k)}]")
            lines += [f"{_key(kk)} = {_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------ valid templates
def run_file():
    return {"base": "ccl_phase1.toml", "context": {"planning_hours": 2.0}}


def sweep_file():
    return {"base": "ccl_phase1.toml", "design": "grid", "replicates": 1,
            "set": {"n_centers": 2, "weeks_collab": 4, "weeks_followup": 0},
            "vary": {"turnover_cc": [0.2, 0.3]}}


def compare_file():
    return {"base": "ccl_phase1.toml", "replicates": 1, "seed": 1,
            "scenario": [{"name": "a"}, {"name": "b", "set": {"planning_hours": 3.0}}]}


def sensitivity_file():
    return {"base": "ccl_phase1.toml", "method": "morris", "n_samples": 2,
            "replicates": 1, "outputs": ["practice_gain_sd"],
            "set": {"n_centers": 2, "weeks_collab": 4, "weeks_followup": 0},
            "vary": {"turnover_cc": "plausible", "planning_hours": "plausible"}}


def study_file():
    return {"config": "ccl_phase1.toml", "design": {"n_centers": 4},
            "instruments": {"climate": {"kind": "survey", "measures": "climate",
                                        "waves": [4, 40], "reliability": 0.8}}}


KINDS = {
    "run": (run_file, ["run", "{file}", "--out", "{out}", "--no-plot"]),
    "sweep": (sweep_file, ["sweep", "{file}", "--out", "{out}", "--executor", "serial",
                           "--no-progress"]),
    "compare": (compare_file, ["compare", "{file}", "--out", "{out}"]),
    "sensitivity": (sensitivity_file, ["sensitivity", "{file}", "--out", "{out}",
                                       "--executor", "serial", "--no-progress"]),
    "study": (study_file, ["study", "{file}", "--out", "{out}"]),
}


# ------------------------------------------------------------ bad values
NUMERIC = [p for p in BY_NAME.values() if p.kind is not bool
           and p.name not in ("n_cohorts", "cohort_interval_weeks")]


@st.composite
def bad_param(draw):
    """(name, value) with a value no parameter of that name allows."""
    p = draw(st.sampled_from(NUMERIC))
    lo, hi = p.valid
    value = draw(st.one_of(
        st.sampled_from([math.nan, math.inf, -math.inf, True, False, "x", "", [], {}]),
        st.floats(min_value=1e-6, max_value=1e300).map(lambda d: hi + max(d, abs(hi) * 1e-9 + 1e-6)),
        st.floats(min_value=1e-6, max_value=1e300).map(lambda d: lo - max(d, abs(lo) * 1e-9 + 1e-6)),
        st.text(max_size=8),
        st.lists(st.integers(), min_size=1, max_size=3),
    ))
    if p.kind is int and draw(st.booleans()):
        value = lo + 0.5          # not whole (and in range)
    return p.name, value


unknown_key = st.text(string.ascii_lowercase + string.digits + "_", min_size=1,
                      max_size=12).map(lambda s: "zz" + s)
bad_name = st.sampled_from(["..", "../x", "a/b", "/abs", "", " ", "a b", ".", "x" * 65,
                            "../../../etc/x", "C:\\x", "é"])
broken = st.sampled_from(["=", "[", "[[x", 'a = "', "a = [1,", "a = {", "a = 1\na = 2",
                          "[x]\n[x]", "a = 1 1", "\x00", "a = 0x", "a = 1979-13-45"])
huge = st.integers(min_value=10**8, max_value=10**18)
negative = st.integers(max_value=-1, min_value=-10**18)
non_integer = st.one_of(st.floats(allow_nan=True).filter(lambda x: x != int(x)
                                                         if math.isfinite(x) else True),
                        st.text(max_size=5), st.booleans(), st.just([]))


def _mutations(kind: str):
    """Strategies of functions that make a valid file of `kind` malformed."""
    def put(path, value):
        def apply(d):
            target = d
            for k in path[:-1]:
                target = target.setdefault(k, {}) if not isinstance(k, int) else target[k]
            target[path[-1]] = value
            return d
        return apply

    common = [
        unknown_key.map(lambda k: put([k], 1)),
        broken.map(lambda b: ("APPEND", b)),
        st.binary(min_size=1, max_size=6).map(lambda b: ("BYTES", b"\xff\xfe" + b)),
        st.integers(min_value=0, max_value=2).map(lambda _: ("DEEP", None)),
        st.one_of(st.integers(), st.just([]), st.text(max_size=3).map(lambda s: s + "/zz.toml"),
                  st.sampled_from(["", "\x00", "a\x00b.toml", "x" * 5000, "/", ".."]))
        .map(lambda v: put(["base" if kind != "study" else "config"], v)),
        st.just(put(["title"], 5)),
    ]
    if kind != "run":          # an empty run config is the default config
        common.append(st.just("EMPTY"))
    if kind == "run":
        return common + [
            bad_param().map(lambda nv: put([BY_NAME[nv[0]].group, nv[0]], nv[1])),
            bad_param().map(lambda nv: put([nv[0]], nv[1])),
            unknown_key.map(lambda k: put(["context", k], 1.0)),
            st.sampled_from(["design", "context", "psych_safety"]).map(lambda g: put([g], 1)),
            st.sampled_from(["seed", "scenario", "vary", "instruments", "method"])
            .map(lambda k: put([k], 1)),
            st.integers(2, 50).map(lambda n: put(["design", "n_cohorts"], n)),
            st.just(put(["planning_hours"], 3.0)),        # also 2.0 in [context]
        ]
    if kind == "sweep":
        return common + [
            bad_param().map(lambda nv: put(["set", nv[0]], nv[1])),
            bad_param().map(lambda nv: put(["vary", nv[0]], [nv[1]])),
            unknown_key.map(lambda k: put(["vary", k], [1])),
            st.text(max_size=6).filter(lambda s: s not in ("grid", "random", "lhs", "sobol"))
            .map(lambda s: put(["design"], s)),
            st.one_of(huge, negative, st.just(0), non_integer).map(lambda v: put(["replicates"], v)),
            st.one_of(negative, st.just(2**63), non_integer).map(lambda v: put(["root_seed"], v)),
            huge.map(lambda n: put(["vary", "planning_hours"], {"low": 0.0, "high": 4.0, "n": n})),
            st.one_of(st.just({}), st.just([]), st.just("x"), st.integers())
            .map(lambda v: put(["vary", "turnover_cc"], v)),
            st.just(put(["n_samples"], 4)),
            st.integers(2, 50).map(lambda n: put(["set", "n_cohorts"], n)),
            st.just(put(["vary", "n_cohorts"], [1, 2])),
            st.text(max_size=4).map(lambda s: put(["timeseries"], s)),
        ]
    if kind == "compare":
        return common + [
            bad_param().map(lambda nv: put(["scenario", 1, "set", nv[0]], nv[1])),
            bad_name.map(lambda n: put(["scenario", 0, "name"], n)),
            unknown_key.map(lambda k: put(["scenario", 0, k], 1)),
            unknown_key.map(lambda r: put(["reference"], r)),
            st.one_of(huge, negative, st.just(0), non_integer).map(lambda v: put(["replicates"], v)),
            st.one_of(negative, non_integer).map(lambda v: put(["seed"], v)),
            unknown_key.map(lambda o: put(["outputs"], [o])),
            st.just(put(["scenario"], [])),
            unknown_key.map(lambda c: put(["scenario", 0, "config"], c + ".toml")),
            st.integers().map(lambda v: put(["scenario", 0, "label"], v)),
        ]
    if kind == "sensitivity":
        return common + [
            bad_param().map(lambda nv: put(["set", nv[0]], nv[1])),
            unknown_key.map(lambda k: put(["vary", k], "plausible")),
            st.one_of(unknown_key, st.sampled_from(["subprocess:call", "os:system",
                                                    "bscsim.sensitivity.testfunctions:ishigami"]))
            .map(lambda m: put(["model"], m)),
            st.text(max_size=6).filter(lambda s: s not in ("morris", "sobol"))
            .map(lambda s: put(["method"], s)),
            st.one_of(huge, negative, st.just(1), non_integer).map(lambda v: put(["n_samples"], v)),
            st.one_of(huge, negative, st.just(0), non_integer).map(lambda v: put(["replicates"], v)),
            st.one_of(st.just([]), unknown_key.map(lambda o: [o])).map(lambda v: put(["outputs"], v)),
            unknown_key.map(lambda g: put(["vary_groups"], [g])),
            st.just(put(["groups"], True)),
            st.integers(2, 50).map(lambda n: put(["set", "n_cohorts"], n)),
            st.just(put(["vary", "cohort_interval_weeks"], "plausible")),
        ]
    assert kind == "study"
    inst = ["instruments", "climate"]
    return common + [
        bad_param().filter(lambda nv: nv[0] != "n_centers")
        .map(lambda nv: put(["model", nv[0]], nv[1])),
        bad_name.map(lambda n: lambda d: {**d, "instruments": {n: d["instruments"]["climate"]}}),
        unknown_key.map(lambda k: put(inst + ["kind"], k)),
        unknown_key.map(lambda k: put(inst + [k], 1)),
        st.sampled_from([[40, 4], [4], [-1, 4], [4, 10**6], "x"]).map(lambda w: put(inst + ["waves"], w)),
        st.one_of(st.just(0.0), st.just(2.0), st.just(math.nan), st.text(max_size=3))
        .map(lambda r: put(inst + ["reliability"], r)),
        st.one_of(st.just(1), huge, negative, non_integer).map(lambda n: put(["design", "n_centers"], n)),
        st.one_of(negative, non_integer).map(lambda v: put(["seed"], v)),
        st.integers(2, 50).map(lambda n: put(["model", "n_cohorts"], n)),
        st.sampled_from([[math.inf, -math.inf], [-math.inf, math.inf], [7, 1], [1]])
        .map(lambda s: put(inst + ["scale"], s)),
    ]


def _write(kind: str, mutation, folder: Path) -> Path:
    data = KINDS[kind][0]()
    path = folder / f"{kind}.toml"
    if mutation == "EMPTY":
        path.write_text("")
        return path
    if isinstance(mutation, tuple):
        what, extra = mutation
        if what == "APPEND":
            path.write_text(to_toml(data) + extra + "\n")
        elif what == "BYTES":
            path.write_bytes(to_toml(data).encode() + extra)
        else:  # DEEP: nesting beyond any parser's recursion limit
            path.write_text(to_toml(data) + "zz = " + "[" * 3000 + "]" * 3000 + "\n")
        return path
    path.write_text(_toml_file(mutation(data)))
    return path


def _toml_file(data: dict) -> str:
    """A file as people write it: [[scenario]] and [instruments.NAME] tables."""
    scenarios = data.pop("scenario", None)
    instruments = data.pop("instruments", None)
    text = to_toml(data)
    if isinstance(scenarios, list) and scenarios and all(isinstance(x, dict)
                                                         for x in scenarios):
        for sc in scenarios:
            sc = dict(sc)
            changes = sc.pop("set", None)
            text += "[[scenario]]\n" + to_toml(sc)
            if isinstance(changes, dict):
                text += "[scenario.set]\n" + "".join(
                    f"{_key(k)} = {_value(v)}\n" for k, v in changes.items())
    elif scenarios is not None:
        text = f"scenario = {_value(scenarios)}\n" + text
    if isinstance(instruments, dict):
        for name, spec in instruments.items():
            text += f"[instruments.{_key(name)}]\n" + "".join(
                f"{_key(k)} = {_value(v)}\n" for k, v in spec.items())
    elif instruments is not None:
        text = f"instruments = {_value(instruments)}\n" + text
    return text


def refuse_cleanly(kind: str, mutation) -> None:
    """Run the command on a malformed file: exit 2, one line, nothing written."""
    folder = Path(tempfile.mkdtemp(prefix="bscsim-fuzz-"))
    try:
        path = _write(kind, mutation, folder)
        before = sorted(p.name for p in folder.iterdir())
        args = [a.format(file=path, out=folder / "out") for a in KINDS[kind][1]]
        err, out = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(folder)           # default output folders would land here
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                try:
                    rc = main(args)
                except SystemExit as e:
                    rc = e.code
        finally:
            os.chdir(cwd)
        COUNTS["inputs"] += 1
        text = err.getvalue()
        lines = text.splitlines()
        after = sorted(p.name for p in folder.iterdir())
        detail = f"{kind} file:\n{path.read_bytes()[:600]!r}\nstderr: {text[-800:]}"
        assert rc == 2, f"exit code {rc}, expected 2 for a malformed {detail}"
        assert len(lines) == 1 and lines[0].startswith("bscsim: error: "), \
            f"expected exactly one error line on stderr for {detail}"
        assert "Traceback" not in text, f"no traceback for {detail}"
        assert after == before, f"nothing written for a malformed {detail}: {after}"
        COUNTS["clean"] += 1
    finally:
        import shutil
        shutil.rmtree(folder, ignore_errors=True)


FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("kind", list(KINDS))
def test_fuzz_malformed_files_are_refused_in_one_line(kind):
    @FUZZ
    @given(st.one_of(*_mutations(kind)))
    def check(mutation):
        refuse_cleanly(kind, mutation)
    check()


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_fuzz_more_malformed_files_slow(kind):
    @settings(FUZZ, max_examples=2 * FUZZ_EXAMPLES)
    @given(st.one_of(*_mutations(kind)))
    def check(mutation):
        refuse_cleanly(kind, mutation)
    check()


def test_fuzz_ran_at_least_a_thousand_inputs_all_clean():
    if COUNTS["inputs"] == 0:
        pytest.skip("the fuzz tests did not run in this session")
    print(f"\nfuzz: {COUNTS['inputs']} generated inputs, {COUNTS['clean']} clean refusals")
    assert COUNTS["inputs"] >= 1000 or FUZZ_EXAMPLES < 200, \
        f"the fuzz suite should try at least 1,000 inputs, tried {COUNTS['inputs']}"
    assert COUNTS["clean"] == COUNTS["inputs"], "every malformed input refused cleanly"


# ------------------------------------------------------------------ helpers
SMALL = "n_centers = 2\nweeks_collab = 6\nweeks_followup = 0\nn_learning_sessions = 1\n"


def cli(*args, cwd: Path) -> tuple[int, str, str]:
    """`bscsim ARGS` in-process in folder `cwd`: exit code, stdout, stderr."""
    err, out = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                rc = main([str(a) for a in args])
            except SystemExit as e:
                rc = e.code
    finally:
        os.chdir(old)
    return rc, out.getvalue(), err.getvalue()


def one_line_error(rc: int, err: str) -> str:
    lines = err.splitlines()
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("bscsim: error: "), \
        f"expected exit 2 and one error line, got {rc}: {err!r}"
    return lines[0]


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def no_simulation(monkeypatch):
    """Make any simulation fail loudly: a check must come before it."""
    def boom(*a, **k):
        raise AssertionError("simulated before checking the output path")
    import importlib
    monkeypatch.setattr(importlib.import_module("bscsim.simulate"), "simulate", boom)
    monkeypatch.setattr(importlib.import_module("bscsim.scenarios"), "compare", boom)


# ------------------------------------------------------------------ security
@pytest.mark.parametrize("name", ["../../../x", "/tmp/bscsim-abs-x", "sub/att", "", ".."])
def test_instrument_name_that_is_a_path_is_refused(tmp_path, name):
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    (work / "s.toml").write_text(
        f'config = "ccl_phase1.toml"\n[instruments.{json.dumps(name)}]\nkind = "survey"\n'
        'measures = "climate"\nwaves = [4, 40]\nreliability = 0.8\n')
    before = files_under(tmp_path)
    rc, _, err = cli("study", "s.toml", "--out", "out", cwd=work)
    assert "instrument name" in one_line_error(rc, err)
    assert files_under(tmp_path) == before, "a study file wrote something"
    assert not Path("/tmp/bscsim-abs-x.parquet").exists()


def test_sensitivity_file_cannot_name_a_module_to_run(tmp_path):
    (tmp_path / "sa.toml").write_text(
        'model = "subprocess:call"\nmethod = "morris"\nn_samples = 2\nreplicates = 1\n'
        'outputs = ["returncode"]\n[vary]\ntouch = { low = 0, high = 1 }\n'
        'pwned = { low = 0, high = 1 }\n')
    rc, _, err = cli("sensitivity", "sa.toml", "--executor", "serial", cwd=tmp_path)
    line = one_line_error(rc, err)
    assert "registered model" in line and "ishigami" in line
    assert files_under(tmp_path) == {"sa.toml"}


def _double(values, seed):
    return {"y": 2 * values["a"] + values["b"]}


def test_a_model_given_from_python_runs(tmp_path):
    from bscsim.sensitivity import load_sa, run_sensitivity
    (tmp_path / "sa.toml").write_text(
        'model = "double"\nmethod = "morris"\nn_samples = 2\nreplicates = 1\n'
        'outputs = ["y"]\n[vary]\na = { low = 0, high = 1 }\nb = { low = 0, high = 1 }\n')
    spec = load_sa(tmp_path / "sa.toml", models={"double": _double})
    result = run_sensitivity(spec, tmp_path / "out", executor="serial", progress=False)
    assert result.failed == 0, "a function handed over from Python is the model run"


def test_dashboard_host_beyond_loopback_warns(capsys):
    from bscsim.cli import UsageError
    from bscsim.commands.dashboard import check_host
    check_host("127.0.0.1")
    assert capsys.readouterr().err == "", "loopback: no warning"
    check_host("0.0.0.0")
    assert "warning" in capsys.readouterr().err, "0.0.0.0 serves beyond this machine"
    with pytest.raises(UsageError) as e:
        check_host("no such host!!")
    assert "--port" not in str(e.value), "a bad --host is not a busy port"


# ----------------------------------------------------- output folders
def test_out_that_cannot_be_written_is_refused_before_running(tmp_path, monkeypatch):
    no_simulation(monkeypatch)
    (tmp_path / "afile").write_text("x")
    for out in ("afile", "afile/sub", ""):
        rc, _, err = cli("run", "--out", out, cwd=tmp_path)
        one_line_error(rc, err)
    (tmp_path / "sc.toml").write_text('[[scenario]]\nname = "a"\n')
    rc, _, err = cli("compare", "sc.toml", "--report", "afile/r.html", cwd=tmp_path)
    assert "--report" in one_line_error(rc, err)
    assert files_under(tmp_path) == {"afile", "sc.toml"}, "nothing written"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_is_refused(tmp_path, monkeypatch):
    no_simulation(monkeypatch)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        rc, _, err = cli("run", "--out", ro / "x", cwd=tmp_path)
        assert "cannot write" in one_line_error(rc, err)
    finally:
        ro.chmod(0o755)


def test_foreign_folder_is_never_replaced(tmp_path, monkeypatch):
    no_simulation(monkeypatch)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("precious")
    rc, _, err = cli("run", "--out", "mine", cwd=tmp_path)
    assert "not a run folder" in one_line_error(rc, err)
    assert (tmp_path / "mine" / "thesis.txt").read_text() == "precious"


def test_rerun_replaces_the_folder_whole(tmp_path):
    (tmp_path / "c.toml").write_text(SMALL)
    assert cli("run", "c.toml", "--out", "o", cwd=tmp_path)[0] == 0
    assert (tmp_path / "o" / "overview.png").exists()
    assert cli("run", "c.toml", "--out", "o", "--no-plot", cwd=tmp_path)[0] == 0
    assert not (tmp_path / "o" / "overview.png").exists(), "a stale figure survived"
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert set(prov["files"]) == set(os.listdir(tmp_path / "o")) - {"provenance.json",
                                                                   ".bscsim-contents"}
    assert [p for p in os.listdir(tmp_path) if p.startswith(".")] == [], "no temp left"


def test_concurrent_writers_never_mix(tmp_path):
    from bscsim.atomic import atomic_folder
    out = tmp_path / "out"
    errors = []

    def writer(k: int) -> None:
        try:
            for _ in range(15):
                with atomic_folder(out) as tmp:
                    for i in range(5):
                        (tmp / f"part{i}.txt").write_text(str(k))
                    if k % 2:
                        (tmp / f"only{k}.txt").write_text(str(k))
                    (tmp / "provenance.json").write_text(str(k))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    from bscsim.atomic import CONTENTS
    names = [f for f in os.listdir(out) if f != CONTENTS]
    assert json.loads((out / CONTENTS).read_text()) == sorted(names), \
        "the list of what bscsim made is the writer's own"
    writers = {(out / f).read_text() for f in names}
    assert len(writers) == 1, f"files of several writers mixed: {writers}"
    k = int(writers.pop())
    assert sorted(names) == sorted(
        [f"part{i}.txt" for i in range(5)] + (["only%d.txt" % k] if k % 2 else [])
        + ["provenance.json"]), "exactly one writer's files, none stale"
    assert [p for p in os.listdir(tmp_path) if p != "out"] == [], "no temp left"


def test_concurrent_runs_into_one_folder(tmp_path, run_cli):
    (tmp_path / "c.toml").write_text(SMALL)
    procs = [subprocess.Popen([sys.executable, "-m", "bscsim", "run", "c.toml", "--seed",
                               str(s), "--out", "o"], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for s in (1, 2)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    import bscsim
    import pandas as pd
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    seed = prov["seed"]
    expect = bscsim.simulate(bscsim.load_config(tmp_path / "c.toml"), seed=seed).summary
    got = pd.read_csv(tmp_path / "o" / "summary.csv").set_index("output")["value"]
    assert got.round(9).equals(expect.round(9).rename("value")), \
        "the folder holds one run whole: its data match its provenance's seed"
    from PIL import Image
    Image.open(tmp_path / "o" / "overview.png").verify()


def test_stale_temp_folder_of_a_killed_writer_is_removed(tmp_path):
    from bscsim.atomic import atomic_folder
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.tmp-{dead.pid}-abcd"
    stale.mkdir()
    (stale / "half.parquet").write_text("x")
    with atomic_folder(tmp_path / "out") as tmp:
        (tmp / "provenance.json").write_text("{}")
    assert not stale.exists(), "the temporary folder of a dead writer is removed"


def test_file_size_limit_is_one_line_and_leaves_nothing(tmp_path):
    import resource
    (tmp_path / "c.toml").write_text(SMALL)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    p = subprocess.run([sys.executable, "-m", "bscsim", "run", "c.toml", "--out", "o"],
                       cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                       capture_output=True, text=True, preexec_fn=limit, timeout=300)
    one_line_error(p.returncode, p.stderr)
    assert sorted(os.listdir(tmp_path)) == ["c.toml"], "no partial output, no temp folder"


def test_labels_are_text_not_mathtext(tmp_path):
    import bscsim.plotting  # noqa: F401  (sets the text-only rule)
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.set_title("cost in $\\frac{broken$ dollars")
    ax.set_xlabel("$x^$")
    fig.savefig(tmp_path / "f.png")      # mathtext would raise a ValueError here
    plt.close(fig)


# ------------------------------------------------------------------ sizes
@pytest.mark.parametrize("kind, text", [
    ("sweep", 'replicates = 1000000000\n[vary]\nturnover_cc = [0.2, 0.3]\n'),
    ("sweep", '[vary]\nturnover_cc = { low = 0.1, high = 0.5, n = 1000000000000 }\n'),
    ("sensitivity", 'method = "morris"\nn_samples = 1000000000\noutputs = '
                    '["practice_gain_sd"]\nvary_groups = ["context"]\n'),
    ("compare", 'replicates = 100000000\n[[scenario]]\nname = "a"\n'),
])
def test_sizes_are_bounded_before_allocation(tmp_path, kind, text):
    (tmp_path / "f.toml").write_text(text)
    rc, _, err = cli(kind, "f.toml", "--out", "o", cwd=tmp_path)
    line = one_line_error(rc, err)
    assert "runs" in line and "memory" in line and "on one core" in line, line


@pytest.mark.parametrize("args", [
    ("sweep", "f.toml", "--replicates", "1000000000"),
    ("compare", "a.toml", "b.toml", "--replicates", "100000000"),
    ("run", "a.toml", "--replicates", "100000000"),
])
def test_sizes_from_options_are_bounded_before_allocation(tmp_path, args):
    """--replicates on sweep, compare of run configs and run is bounded like a file's."""
    (tmp_path / "f.toml").write_text('[vary]\nturnover_cc = [0.2, 0.3]\n')
    (tmp_path / "a.toml").write_text(SMALL)
    (tmp_path / "b.toml").write_text(SMALL)
    rc, _, err = cli(*args, "--out", "o", cwd=tmp_path)
    line = one_line_error(rc, err)
    assert "runs" in line and "memory" in line and "on one core" in line, line
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ messages
def test_set_error_blames_set_not_the_file(tmp_path):
    rc, _, err = cli("run", "--set", "n_centers=0", cwd=tmp_path)
    assert one_line_error(rc, err).startswith("bscsim: error: --set")


def test_error_in_a_base_chain_names_the_file_holding_the_value(tmp_path):
    (tmp_path / "top.toml").write_text('base = "mid.toml"\n')
    (tmp_path / "mid.toml").write_text('base = "low.toml"\nplanning_hours = 1.0\n')
    (tmp_path / "low.toml").write_text("turnover_cc = 7\n")
    rc, _, err = cli("run", "top.toml", cwd=tmp_path)
    assert "low.toml: turnover_cc" in one_line_error(rc, err)


def test_run_on_a_scenario_file_names_compare(tmp_path):
    rc, _, err = cli("run", ROOT / "configs" / "scenarios" / "strategies.toml",
                     cwd=tmp_path)
    line = one_line_error(rc, err)
    assert "scenario file" in line and "bscsim compare" in line


def test_no_command_lists_the_commands(tmp_path):
    rc, _, err = cli(cwd=tmp_path)
    assert rc == 2 and "run" in err and "sweep" in err and "study" in err


@pytest.mark.parametrize("key, bad", [("design", "leadership_gain"), ("seed", "p_spread")])
def test_no_odd_hints(tmp_path, key, bad):
    (tmp_path / "c.toml").write_text(f"{key} = 3\n")
    rc, _, err = cli("run", "c.toml", cwd=tmp_path)
    assert bad not in one_line_error(rc, err)


@pytest.mark.parametrize("kind, text", [
    ("run", "n_cohorts = 3\n"),
    ("sweep", "[set]\nn_cohorts = 2\n[vary]\nturnover_cc = [0.2]\n"),
    ("sweep", "[vary]\ncohort_interval_weeks = [26, 52]\n"),
    ("sensitivity", 'method = "morris"\nn_samples = 2\noutputs = ["practice_gain_sd"]\n'
                    '[vary]\nn_cohorts = "plausible"\nturnover_cc = "plausible"\n'),
])
def test_cohort_keys_are_refused_where_they_would_be_ignored(tmp_path, kind, text):
    (tmp_path / "f.toml").write_text(text)
    args = [kind, "f.toml"] if kind != "run" else ["run", "f.toml"]
    rc, _, err = cli(*args, "--out", "o", cwd=tmp_path)
    assert "bscsim compare" in one_line_error(rc, err)


def test_cohort_keys_from_sweep_set_are_refused(tmp_path):
    (tmp_path / "f.toml").write_text("[vary]\nturnover_cc = [0.2]\n")
    rc, _, err = cli("sweep", "f.toml", "--set", "n_cohorts=2", "--out", "o", cwd=tmp_path)
    line = one_line_error(rc, err)
    assert "--set" in line and "bscsim compare" in line, line


def test_cohorts_act_nowhere_but_compare():
    """The premise of refusing them: run ignores n_cohorts (same summary)."""
    import bscsim
    p = bscsim.Params(n_centers=2, weeks_collab=6, weeks_followup=0)
    a = bscsim.simulate(p, seed=3).summary
    b = bscsim.simulate(p.replace(n_cohorts=3, cohort_interval_weeks=10), seed=3).summary
    assert a.equals(b), "simulate ignores the cohort keys (they act in compare only)"


# ------------------------------------------------------- sweeps: failures, kills
FAIL = {"on": True}


def _flaky(values, seed):
    if FAIL["on"] and values["a"] > 0.5:
        raise RuntimeError("flaky")
    return {"y": values["a"]}


def test_failed_runs_are_retried_with_the_flag(tmp_path):
    import pandas as pd
    from bscsim.sweep import design_spec, load_sweep, run_sweep
    spec = design_spec(pd.DataFrame({"a": [0.1, 0.9, 0.2, 0.8]}), path="flaky",
                       model="flaky", model_fn=_flaky, outputs=("y",), replicates=2)
    out = tmp_path / "s"
    FAIL["on"] = True
    first = run_sweep(spec, out, executor="serial", progress=False)
    assert first.failed == 4 and "--retry-failed" in str(first), str(first)
    FAIL["on"] = False
    again = run_sweep(spec, out, executor="serial", progress=False)
    assert again.ran == 0 and again.failed == 4, "a plain resume skips failed runs"
    retried = run_sweep(spec, out, executor="serial", progress=False, retry_failed=True)
    assert retried.ran == 4 and retried.failed == 0
    runs = load_sweep(out)
    assert len(runs) == 8 and (runs["status"] == "ok").all(), "one ok row per run"


SWEEP = """
design = "grid"
replicates = 3
root_seed = 5
[set]
n_centers = 2
weeks_collab = 8
weeks_followup = 0
n_learning_sessions = 1
[vary]
turnover_cc = [0.1, 0.3, 0.5, 0.7]
planning_hours = [0.0, 2.0, 4.0]
"""


def _kill_and_resume(tmp_path: Path, kills: int, seed: int) -> None:
    import random

    from bscsim.sweep import load_sweep, run_sweep
    rng = random.Random(seed)
    (tmp_path / "sw.toml").write_text(SWEEP)
    ref = run_sweep(tmp_path / "sw.toml", tmp_path / "ref", executor="serial",
                    batch_size=2, progress=False)
    assert ref.failed == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "bscsim", "sweep", "sw.toml", "--out", "k",
           "--executor", "serial", "--batch-size", "2", "--no-progress"]
    for _ in range(kills):
        p = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.0, 2.5))
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    got, want = load_sweep(tmp_path / "k"), load_sweep(tmp_path / "ref")
    assert got["run"].is_unique and len(got) == len(want) == 36, "one row per run"
    cols = [c for c in want.columns if c != "seconds"]
    assert got[cols].equals(want[cols]), "the same numbers as a sweep never killed"
    hidden = [p for p in os.listdir(tmp_path) if p.startswith(".")]
    assert hidden == [], f"no hidden temporary folder left: {hidden}"
    assert not list((tmp_path / "k" / "parts").glob(".tmp-*")), "no temporary part left"


def test_kill_sweep_at_random_moments_then_resume(tmp_path):
    _kill_and_resume(tmp_path, kills=3, seed=1)


@pytest.mark.slow
def test_kill_sweep_at_many_random_moments_then_resume(tmp_path):
    _kill_and_resume(tmp_path, kills=15, seed=2)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
@pytest.mark.parametrize("kind, text", [
    ("run", 'base = "low.toml"\n'),
    ("sweep", 'base = "low.toml"\n[vary]\nturnover_cc = [0.2]\n'),
    ("compare", 'base = "low.toml"\n[[scenario]]\nname = "a"\n'),
    ("sensitivity", 'base = "low.toml"\nmethod = "morris"\nn_samples = 2\n'
                    'outputs = ["practice_gain_sd"]\nvary_groups = ["context"]\n'),
    ("study", 'config = "low.toml"\n[instruments.c]\nkind = "survey"\n'
              'measures = "climate"\nwaves = [4, 40]\nreliability = 0.8\n'),
])
def test_nan_or_inf_whole_number_in_a_base_file_names_that_file(tmp_path, kind, text,
                                                                 value):
    (tmp_path / "low.toml").write_text(f"[design]\nn_centers = {value}\n")
    (tmp_path / "f.toml").write_text(text)
    rc, _, err = cli(kind, "f.toml", "--out", "o", cwd=tmp_path)
    assert "low.toml" in one_line_error(rc, err) and "n_centers" in err
    assert sorted(os.listdir(tmp_path)) == ["f.toml", "low.toml"]


@pytest.mark.parametrize("kind", ["run", "sweep", "compare", "sensitivity", "study"])
def test_empty_out_is_refused(tmp_path, kind):
    (tmp_path / "f.toml").write_text("")
    args = [kind] + ([] if kind == "run" else ["f.toml"])
    rc, _, err = cli(*args, "--out", "", cwd=tmp_path)
    one_line_error(rc, err)
    assert sorted(os.listdir(tmp_path)) == ["f.toml"]


def test_kill_while_writing_leaves_no_temporary_folder(tmp_path, monkeypatch):
    """SIGTERM ends a command like Ctrl-C: the half-written folder is removed."""
    import importlib
    (tmp_path / "c.toml").write_text(SMALL)

    def killed(*a, **k):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        raise AssertionError("SIGTERM did not stop the command")
    monkeypatch.setattr(importlib.import_module("bscsim.plotting"), "overview", killed)
    before = signal.getsignal(signal.SIGTERM)
    rc, _, err = cli("run", "c.toml", "--out", "o", cwd=tmp_path)
    assert rc == 130 and "interrupted" in err
    assert sorted(os.listdir(tmp_path)) == ["c.toml"], "no output, no hidden temp folder"
    assert signal.getsignal(signal.SIGTERM) == before, "the SIGTERM handler is restored"


def test_dollar_signs_in_labels_and_titles_are_drawn_as_text(tmp_path):
    (tmp_path / "small.toml").write_text(SMALL)
    (tmp_path / "sc.toml").write_text(
        'title = "Costs in $\\\\frac{broken$"\nbase = "small.toml"\nreplicates = 2\n'
        '[[scenario]]\nname = "a"\nlabel = "$x^$ and"\n'
        '[[scenario]]\nname = "b"\nlabel = "$\\\\frac{$"\n[scenario.set]\n'
        'planning_hours = 3.0\n')
    rc, _, err = cli("compare", "sc.toml", "--out", "o", "--report", "r.html",
                     cwd=tmp_path)
    assert rc == 0, err
    assert (tmp_path / "r.html").exists() and (tmp_path / "o" / "stats.csv").exists()
