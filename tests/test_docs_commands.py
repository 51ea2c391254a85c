"""Every shell command and Python snippet in README.md and docs/*.md runs as a reader
types it after the README's install (which activates the environment: `bscsim` and
`python` are the installed ones).

Each page runs in a fresh folder holding a copy of `configs/` and `experiments/`, so
commands find the paths the docs name and write under that folder's `results/`. The
page's `bash` lines run in order, one by one, then its `python` blocks as one script
(a reader's session). Long ones run in a quick mode applied here, never in the docs:
the copied sweep, sensitivity, scenario and study files get small sizes (QUICK_EDITS)
and a few commands get smaller flags (QUICK_FLAGS). What cannot run here is listed in
SKIP with the reason; an entry that no longer matches any command fails the test, so
the list cannot rot. Every fenced block must say its language (bash, python, toml,
text), so no command hides in an untagged block.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LANGUAGES = ("bash", "python", "toml", "text")
BLOCK = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
BIN = Path(sys.executable).parent

# (page, pattern in the command, why it is not run here)
SKIP = [
    ("README.md", r"^python3 -m venv \.venv", "the install itself: this test runs inside "
     "it (.ci/run installs from a fresh clone)"),
    ("README.md", r"^\.venv/bin/python -m pytest", "the test suite, of which this is a part"),
    ("README.md", r"^python -m pytest", "the fast suite and the whole suite, of which this "
     "is a part"),
    ("README.md", r"^source \.venv/bin/activate", "this test puts the environment's bin/ "
     "first on PATH, which is what activating does"),
    ("*", r"^bscsim dashboard", "starts a web server (tests/test_dashboard*.py run it)"),
    ("dashboard.md", r"^pip install", "an install (this environment has the extra)"),
    ("explore.md", r"^pip install", "an install (this environment has the extra)"),
    ("*", r"--scheduler tcp://host:8786", "needs a Dask scheduler at that address"),
    ("cluster.md", r"^#!/bin/bash", "a SLURM or PBS job script"),
    ("cluster.md", r"^sbatch ", "needs SLURM"),
    ("cluster.md", r"dask_jobqueue", "needs SLURM and dask-jobqueue"),
]

# Commands whose exit status 1 is a result, not an error: (pattern, why).
RESULT_EXIT_1 = [
    (r"^bscsim check-patterns", "exit 1 says some pattern is not reproduced, which "
     "tests/test_patterns.py judges (here: 2 replicates)"),
    (r"^bscsim check-mechanisms", "exit 1 says some check fails, which "
     "tests/test_mechanisms.py judges (here: 20 paired seeds, the least it takes)"),
]

# Quick mode of the copied files: (file glob, pattern, replacement).
QUICK_EDITS = [
    ("scenarios/*.toml", r"(?m)^replicates = \d+", "replicates = 2"),
    ("sweeps/*.toml", r"(?m)^replicates = \d+", "replicates = 1"),
    ("sweeps/*.toml", r"(?m)^n_samples = \d+", "n_samples = 8"),
    ("sensitivity/*.toml", r"(?m)^replicates = \d+", "replicates = 1"),
    ("sensitivity/*.toml", r"(?m)^n_samples = \d+", "n_samples = 4"),
    ("studies/*.toml", r"(?m)^n_centers = \[[^\]]*\]", "n_centers = [4, 8]"),
    ("studies/*.toml", r"(?m)^reliability = \[[^\]]*\]", "reliability = [0.7, 0.9]"),
    ("studies/*.toml", r"(?m)^replicates = \d+", "replicates = 4"),
    ("states/*.toml", r"(?m)^collaboratives = \d+", "collaboratives = 2"),
    ("explorations/*.toml", r"(?m)^n_futures = \d+", "n_futures = 4"),
    ("explorations/*.toml", r"(?m)^replicates = \d+", "replicates = 1"),
    ("explorations/*.toml", r"(?m)^\[set\]", "resamples = 2\n[set]\nn_centers = 4\nweeks_collab = 20"),
    ("calibration/*.toml", r"(?m)^population = \d+", "population = 10"),
    ("calibration/*.toml", r"(?m)^generations = \d+", "generations = 2"),
    ("calibration/*.toml", r"(?m)^\[abc\]", "[abc]\npredictive = 10"),
    ("decisions/*.toml", r"(?m)^draws = \d+", "draws = 30"),
    ("decisions/*.toml", r"(?m)^collaboratives = \[[^\]]*\]", "collaboratives = [1]"),
]
# Smaller flags for commands whose size is not in a file: (pattern, flags added).
QUICK_FLAGS = [
    (r"^python experiments/", "--quick"),
    (r"^bscsim check-patterns", "--replicates 2"),
    (r"^bscsim check-mechanisms", "--replicates 20"),
    (r"^bscsim value", "--quick"),
]


def blocks(page: Path) -> list[tuple[str, str]]:
    """The fenced blocks of a page: (language, text)."""
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(page.read_text())]


HEREDOC = re.compile(r"<<-?\s*'?(\w+)'?")


def commands(text: str) -> list[str]:
    """The command lines of a bash block (continuations joined, a here-document kept
    with its command), or the whole block as one entry if it is a script (#!)."""
    if text.startswith("#!"):
        return [text.splitlines()[0]]
    lines, current, until = [], "", None
    for line in text.splitlines():
        if until is not None:
            current += "\n" + line
            if line.strip() == until:
                lines.append(current)
                current, until = "", None
            continue
        m = HEREDOC.search(line)
        if m:
            current, until = line, m.group(1)
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        if current.strip() and not current.lstrip().startswith("#"):
            lines.append(current.strip())
        current = ""
    return lines


def skip_reason(page: str, command: str) -> str | None:
    for where, pattern, reason in SKIP:
        if where in ("*", page) and re.search(pattern, command):
            return reason
    return None


def quick(command: str) -> str:
    """The command with its trailing comment dropped and quick flags added."""
    if "\n" in command:         # a here-document: as written
        return command
    command = re.sub(r"\s+#.*$", "", command)
    for pattern, flags in QUICK_FLAGS:
        if flags and re.search(pattern, command) and flags.split()[0] not in command:
            command = f"{command} {flags}"
    return command


def workdir(tmp: Path) -> Path:
    """A folder with quick copies of configs/ and experiments/."""
    shutil.copytree(ROOT / "configs", tmp / "configs")
    # the tiny test posterior the docs' --posterior examples use (until calibrate)
    shutil.copytree(ROOT / "tests" / "fixtures" / "posterior",
                    tmp / "tests" / "fixtures" / "posterior")
    shutil.copytree(ROOT / "experiments", tmp / "experiments",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for glob, pattern, replacement in QUICK_EDITS:
        for f in (tmp / "configs").glob(glob):
            f.write_text(re.sub(pattern, replacement, f.read_text()))
    return tmp


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(BIN.parent)
    env["MPLBACKEND"] = "Agg"
    return env


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


# ----------------------------------------------------------------- fast checks
@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_block_says_its_language(page):
    untagged = [text.splitlines()[0] for lang, text in blocks(page) if lang not in LANGUAGES]
    assert not untagged, (f"{page.name}: blocks without a language among {LANGUAGES} "
                          f"(first lines): {untagged}")


def test_every_skip_entry_still_matches_a_command():
    seen = set()
    for page in PAGES:
        for lang, text in blocks(page):
            lines = commands(text) if lang == "bash" else [text] if lang == "python" else []
            for line in lines:
                for i, (where, pattern, _) in enumerate(SKIP):
                    if where in ("*", page.name) and re.search(pattern, line):
                        seen.add(i)
    stale = [SKIP[i][:2] for i in range(len(SKIP)) if i not in seen]
    assert not stale, f"SKIP entries that match no command any more: {stale}"


def test_every_bscsim_command_in_the_docs_parses():
    from bscsim.cli import build_parser
    parser = build_parser()
    for page in PAGES:
        for lang, text in blocks(page):
            if lang != "bash":
                continue
            for line in commands(text):
                if not line.startswith("bscsim") or skip_reason(page.name, line):
                    continue
                argv = shlex.split(quick(line))[1:]
                try:
                    parser.parse_args(argv)
                except SystemExit:
                    pytest.fail(f"{page.name}: `{line}` does not parse")


def test_the_readme_activates_the_environment_it_installs():
    text = (ROOT / "README.md").read_text()
    assert "source .venv/bin/activate" in text, \
        "the README's set-up leaves `bscsim` and `python` usable"


# ------------------------------------------------------------ run every page
RUNNABLE = [p for p in PAGES if any(lang in ("bash", "python") for lang, _ in blocks(p))]


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE, ids=page_id)
def test_every_command_and_snippet_runs(page, tmp_path):
    work = workdir(tmp_path)
    env = environment()
    python = []
    ran = 0
    for lang, text in blocks(page):
        if lang == "python":
            if not skip_reason(page.name, text):
                python.append(text)
            continue
        if lang != "bash":
            continue
        for line in commands(text):
            if skip_reason(page.name, line):
                continue
            command = quick(line)
            result = subprocess.run(["bash", "-c", command], cwd=work, env=env,
                                    capture_output=True, text=True, timeout=900)
            allowed = (0, 1) if any(re.search(p, command) for p, _ in RESULT_EXIT_1) else (0,)
            assert result.returncode in allowed, (
                f"{page.name}: `{line}` (run as `{command}`) failed with exit "
                f"{result.returncode}:\n{result.stderr[-3000:]}")
            ran += 1
    if python:
        script = work / "snippets.py"
        script.write_text("\n\n".join(python))
        result = subprocess.run([str(BIN / "python"), str(script)], cwd=work, env=env,
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, (f"{page.name}: its Python snippets failed:\n"
                                        f"{result.stderr[-3000:]}")
        ran += 1
    if not ran:
        pytest.skip(f"{page.name} has no command to run")
