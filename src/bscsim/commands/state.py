"""Faces: `bscsim run STATE.toml` and `bscsim compare A.toml B.toml` for state files
(not a command of its own: `run` and `compare` hand a state file to this module).

    bscsim run configs/states/example_state.toml [--seed N] [--replicates R]
        [--set key=value ...] [--workers N] [--out DIR] [--no-plot]
    bscsim compare A.toml B.toml [--seed N] [--replicates R] [--set key=value ...]
        [--workers N] [--out DIR]

`run` prints the key outputs per cohort and for the state and writes the tables
(per collaborative, cohort, state; docs/states.md) and `state.png` to
results/run/<file>-seed<S>/. `compare` runs both states (the same seeds: common
random numbers) and prints the state-level differences B - A with 95% intervals
over the states' collaboratives; it writes both states' folders (a/, b/) and
differences.csv to results/compare/<A>-vs-<B>/. Both check the file and the output
folder before any run and write the folder whole (bscsim.atomic); an interrupted
run keeps its finished cohorts beside the output and the same command resumes
(states/resume.py).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

COMPARE_MARKER = ("provenance.json", "differences.csv")


def _common(args) -> dict:
    """Options a state run takes from the command line, checked."""
    from ..cli import UsageError, check_seed
    from ..config import parse_set
    from ..parallel import check_workers
    if args.workers is None:          # compare's --workers has no number by default
        args.workers = 1
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")
    check_workers(args.workers)
    if args.replicates is not None and args.replicates < 1:
        raise UsageError(f"--replicates {args.replicates}: expected at least 1")
    check_seed(args.seed)
    if args.out is not None and not args.out.strip():
        raise UsageError("--out '': expected the name of a folder")
    return {"seed": args.seed, "replicates": args.replicates,
            "base_changes": parse_set(args.set)}


def _progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def run(args) -> int:
    """`bscsim run STATE.toml`."""
    from ..atomic import atomic_folder, check_out
    from ..states import MARKER, read_state, run_state
    from ..states.report import table
    from ..states.resume import Checkpoints, resume_folder, state_key
    spec = read_state(args.config, **_common(args))
    out = (Path(args.out) if args.out else
           Path("results") / "run" / f"{spec.path.stem}-seed{spec.seed}")
    check_out(out, MARKER, "state")                 # before the runs
    print(f"bscsim run: state {spec.path} ({spec.n_runs:,} collaborative runs, root "
          f"seed {spec.seed})")
    checkpoints = Checkpoints(resume_folder(out), state_key(spec, spec.carry_on))
    result = run_state(spec, progress=_progress, checkpoints=checkpoints,
                       workers=args.workers)
    print(table(result))
    from ..states.report import run_bottom_line
    print("\n" + run_bottom_line(result))
    with atomic_folder(out, MARKER, "state") as tmp:
        result.write(tmp, command=_command(args, "run", [args.config]),
                     figure=not args.no_plot)
    checkpoints.remove()
    print(f"saved to {out}/")
    return 0


def compare(args) -> int:
    """`bscsim compare A.toml B.toml` with two state files."""
    from ..atomic import atomic_folder, check_out
    from ..cli import UsageError
    from ..states import compare_states, is_state_file, read_state, run_state
    from ..states.report import compare_table
    from ..states.resume import Checkpoints, resume_folder, state_key
    if len(args.scenarios) != 2 or not all(is_state_file(f) for f in args.scenarios):
        raise UsageError(f"{' '.join(args.scenarios)}: compare two state files "
                         "(each with [[cohort]] tables), e.g. bscsim compare "
                         "configs/states/example_state_no_carry.toml "
                         "configs/states/example_state.toml")
    if args.report is not None:
        raise UsageError(f"--report {args.report}: not available for state files; "
                         "each state's folder holds its figure (state.png)")
    common = _common(args)
    a, b = (read_state(f, **common) for f in args.scenarios)
    out = (Path(args.out) if args.out else Path("results") / "compare" /
           f"{a.path.stem}-vs-{b.path.stem}")
    check_out(out, COMPARE_MARKER, "state comparison")
    print(f"bscsim compare: states A = {a.path}, B = {b.path} "
          f"({a.n_runs + b.n_runs:,} collaborative runs)")
    resume = resume_folder(out)
    ra, rb = (run_state(s, progress=_progress, workers=args.workers,
                        checkpoints=Checkpoints(resume / name, state_key(s, s.carry_on)))
              for name, s in (("a", a), ("b", b)))
    diffs = compare_states(ra, rb, seed=a.seed)
    from ..states.report import compare_bottom_line
    text = compare_table(ra, rb, diffs) + "\n\n" + compare_bottom_line(diffs)
    print(text)
    command = _command(args, "compare", args.scenarios)
    with atomic_folder(out, COMPARE_MARKER, "state comparison") as tmp:
        for name, result in (("a", ra), ("b", rb)):
            (tmp / name).mkdir()
            result.write(tmp / name, command=command)
        diffs.to_csv(tmp / "differences.csv", index=False)
        (tmp / "table.txt").write_text(text + "\n")
        import json
        from ..results import versions
        (tmp / "provenance.json").write_text(json.dumps({
            "a": str(a.path), "b": str(b.path), "command": command,
            "intervals": "95% percentile bootstrap over collaboratives within cohort "
                         "and replicate, 2000 draws (bscsim.states.report)",
            "files": ["a/", "b/", "differences.csv", "table.txt"],
            "versions": versions()}, indent=2))
    import shutil
    shutil.rmtree(resume, ignore_errors=True)
    print(f"\nsaved to {out}/ (a/ and b/: each state's tables; differences.csv)")
    return 0


def _command(args, name: str, files: list[str]) -> str:
    """The command line that reproduces this output."""
    parts = ["bscsim", name, *files]
    for flag in ("seed", "replicates", "workers", "out"):
        value = getattr(args, flag, None)
        if value is not None and not (flag == "workers" and value == 1):
            parts += [f"--{flag}", str(value)]
    for item in args.set:
        parts += ["--set", item]
    if getattr(args, "no_plot", False):
        parts.append("--no-plot")
    return " ".join(shlex.quote(p) for p in parts)
