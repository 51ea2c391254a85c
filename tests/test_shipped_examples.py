"""The shipped sensitivity examples as the README and docs describe them (issue 25,
item 4): every count they state (parameters, groups, sample size, points, runs) is
computed here from the files, so a model change that adds a parameter to a group
makes this fail until the docs say the new count."""

from __future__ import annotations

import re
from pathlib import Path

from bscsim.sensitivity import load_sa
from bscsim.sensitivity.sample import n_rows

ROOT = Path(__file__).resolve().parents[1]
SA = ROOT / "configs" / "sensitivity"


def counts(name: str) -> dict[str, int]:
    spec = load_sa(SA / f"{name}.toml")
    params = len(spec.names) - int(spec.dummy)
    return {"params": params, "groups": len(spec.group_names) - int(spec.dummy)
            if spec.groups else 0, "n": spec.n_samples, "points": n_rows(spec),
            "per_n": n_rows(spec) // spec.n_samples, "replicates": spec.replicates,
            "runs": n_rows(spec) * spec.replicates}


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_readme_states_the_sensitivity_examples_counts():
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"mechanisms_morris\.toml\s+# Morris over (\d+) parameters, r = (\d+) "
                  r"\(([\d,]+) runs", readme)
    c = counts("mechanisms_morris")
    assert m and (number(m[1]), number(m[2]), number(m[3])) == \
        (c["params"], c["n"], c["runs"]), \
        f"README's Morris line states {m and m.groups()}; the file gives {c}"
    m = re.search(r"mechanisms_sobol\.toml\s+# grouped Sobol: (\d+) groups of (\d+) "
                  r"parameters, N = (\d+) \(([\d,]+) runs", readme)
    c = counts("mechanisms_sobol")
    assert m and tuple(number(x) for x in m.groups()) == \
        (c["groups"], c["params"], c["n"], c["runs"]), \
        f"README's Sobol line states {m and m.groups()}; the file gives {c}"


def test_docs_table_states_the_sensitivity_examples_counts():
    doc = (ROOT / "docs" / "sensitivity.md").read_text()
    for name in ("mechanisms_sobol", "mechanisms_morris", "all_groups_sobol"):
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{name}.toml`"))
        c = counts(name)
        m = re.search(r"(?:(\d+) groups \()?(\d+) parameters\)? \+ dummy \| [rN] = (\d+): "
                      r"(\d+) x (\d+) points x (\d+) = ([\d,]+) \|", row)
        assert m, f"docs/sensitivity.md: the row of {name} states its counts: {row}"
        groups, params, n, n2, per, reps, runs = m.groups()
        assert (int(groups or 0), int(params), int(n), int(n2), int(per), int(reps),
                number(runs)) == (c["groups"], c["params"], c["n"], c["n"], c["per_n"],
                                  c["replicates"], c["runs"]), \
            f"docs/sensitivity.md, {name}: {row} but the file gives {c}"


def test_shipped_configs_are_found_by_their_checkout_names_from_any_folder(tmp_path,
                                                                          monkeypatch):
    import argparse

    from bscsim.cli import _find_shipped
    from bscsim.config import configs_dir, shipped
    monkeypatch.chdir(tmp_path)
    want = configs_dir() / "arms" / "coaching.toml"
    assert Path(shipped("arms/coaching.toml")) == want \
        and Path(shipped("configs/arms/coaching.toml")) == want, \
        "a shipped config by its name in configs/ or in a checkout"
    assert shipped("nothere.toml") == "nothere.toml", "an unknown name is left as given"
    (tmp_path / "ccl_phase1.toml").write_text('base = "ccl_phase1.toml"\n')
    assert shipped("ccl_phase1.toml") == "ccl_phase1.toml", "a file here comes first"
    args = argparse.Namespace(scenarios=["arms/coaching.toml"], out="reference.toml",
                              report=None)
    _find_shipped(args)
    assert Path(args.scenarios[0]) == want and args.out == "reference.toml", \
        "inputs are looked up among the shipped configs, never an output (--out)"


def test_every_command_looks_up_its_input_files_among_the_shipped_configs():
    import argparse

    from bscsim.cli import INPUT_FILES, build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    inputs = {(name, a.dest) for name, p in sub.choices.items() for a in p._actions
              if not a.option_strings and str(a.metavar or "").upper().endswith(".TOML")}
    missing = {(name, dest) for name, dest in inputs if dest not in INPUT_FILES}
    assert inputs and not missing, \
        f"a command's TOML input is not looked up among the shipped configs: {missing}"
