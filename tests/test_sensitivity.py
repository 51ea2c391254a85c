"""Sensitivity analysis (issue 6): the pipeline recovers the Ishigami indices through
the same path as the model, Sobol sizes are powers of 2, grouped Sobol gives one row
per group, replicate noise is reported, executors agree, resume reuses runs, and bad
SA files fail in one line with nothing written."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from bscsim.cli import main
from bscsim.config import ConfigError
from bscsim.sensitivity import load_indices, load_sa, run_sensitivity
from bscsim.sensitivity.testfunctions import ISHIGAMI_S1, ISHIGAMI_ST
from bscsim.sweep import design_spec, resolve, run_seed

PI = math.pi
ISHIGAMI = f"""
title = "Ishigami"
model = "ishigami"
method = "sobol"
n_samples = 1024
replicates = 2
root_seed = 7
outputs = ["y", "y_noisy"]
common_random_numbers = false   # independent seeds: the noise floor is what is tested
[vary]
x1 = {{ low = {-PI!r}, high = {PI!r} }}
x2 = {{ low = {-PI!r}, high = {PI!r} }}
x3 = {{ low = {-PI!r}, high = {PI!r} }}
"""
SHORT = "n_centers = 4\nweeks_collab = 12\nweeks_followup = 0\n"
GROUPED = f"""
base = "ccl_phase1.toml"
method = "sobol"
n_samples = 4
replicates = 2
root_seed = 3
groups = true
outputs = ["practice_gain_sd", "child_se_gain_sd"]
vary_groups = ["psych_safety", "vicarious", "inquiry", "context"]
[set]
{SHORT}"""


def write(folder: Path, text: str, name: str = "sa.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def ishigami(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ishigami")
    return run_sensitivity(write(folder, ISHIGAMI), folder / "out", executor="serial",
                           progress=False)


@pytest.fixture(scope="module")
def grouped(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grouped")
    return run_sensitivity(write(folder, GROUPED), folder / "out", executor="serial",
                           progress=False)


# ------------------------------------------------------------------- Ishigami
def test_ishigami_sobol_indices_match_analytic_values(ishigami):
    idx = ishigami.indices.set_index(["output", "index", "factor"])
    for index, truth in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        for name, value in truth.items():
            got = idx.loc[("y", index, name), "value"]
            assert abs(got - value) < 0.06, f"{index} of {name}: {got:.3f}, analytic {value:.3f}"


def test_dummy_and_noise_share_show_replicate_noise(ishigami):
    noise = ishigami.noise.set_index("output")["noise_share"]
    assert noise["y"] == 0, "a deterministic output has no replicate noise"
    assert 0.01 < noise["y_noisy"] < 0.2, "the noisy Ishigami has some replicate noise"
    idx = ishigami.indices.set_index(["output", "index", "factor"])
    dummy = idx.loc[("y_noisy", "ST", "dummy")]
    assert abs(dummy["value"] - noise["y_noisy"]) < 0.02, \
        "the dummy factor's ST estimates the noise share"
    assert not dummy["above_noise"], "the dummy never clears the noise floor"
    assert idx.loc[("y_noisy", "ST", "x3"), "above_noise"], "x3 clears the noise floor"


def test_common_random_numbers_keep_noise_out_of_the_indices(tmp_path):
    """With common random numbers (the default) replicate r of every sample point
    shares its seed: additive noise cancels from the differences Sobol uses, so the
    noisy output gets the exact output's indices and the dummy gets none."""
    text = ISHIGAMI.replace("common_random_numbers = false", "common_random_numbers = true")
    r = run_sensitivity(write(tmp_path, text.replace("n_samples = 1024", "n_samples = 256")),
                        tmp_path / "out", executor="serial", progress=False)
    idx = r.indices.set_index(["output", "index", "factor"])["value"]
    assert abs(idx[("y_noisy", "ST", "dummy")]) < 1e-9, "a factor the model never sees: no index"
    for name in ("x1", "x2", "x3"):
        for index in ("S1", "ST"):
            assert idx[("y_noisy", index, name)] == pytest.approx(idx[("y", index, name)],
                                                                  abs=1e-9), \
                f"{index} of {name}: additive noise shared by all points changes nothing"


def test_convergence_verdict_and_needed_size(ishigami):
    conv = ishigami.convergence.set_index("output")
    for o, row in conv.iterrows():
        assert row["converged"] == (row["widest"] <= row["threshold"]), \
            f"{o}: the verdict follows the widest interval"
        if not row["converged"]:
            assert row["n_needed"] > row["n_samples"] and \
                row["n_needed"] & (row["n_needed"] - 1) == 0, \
                "a Sobol analysis that has not converged asks for a larger power of 2"
    assert "converged:" in str(ishigami), "the report states whether it converged"


def test_rerun_resumes_and_reuses_every_run(ishigami, tmp_path):
    again = run_sensitivity(load_sa(ishigami.spec.path), ishigami.out, executor="serial",
                            progress=False)
    assert again.sweep.ran == 0, "a finished analysis runs nothing again"
    pd.testing.assert_frame_equal(again.indices, ishigami.indices)
    saved = load_indices(ishigami.out)
    assert "versions" in saved.attrs["provenance"], "indices carry their provenance"


def test_morris_gives_mu_star_and_sigma_with_intervals(tmp_path):
    text = ISHIGAMI.replace('method = "sobol"\nn_samples = 1024', 'method = "morris"\nn_samples = 20')
    res = run_sensitivity(write(tmp_path, text), tmp_path / "out", executor="serial",
                          progress=False)
    y = res.indices[res.indices["output"] == "y"].set_index(["index", "factor"])
    for name in ("x1", "x2", "x3", "dummy"):
        for index in ("mu_star", "sigma"):
            assert pd.notna(y.loc[(index, name), "conf"]), f"{index} of {name} has an interval"
    assert y.loc[("mu_star", "dummy"), "value"] == 0, "the model never sees the dummy"
    assert y.loc[("mu_star", "x1"), "value"] > 1, "x1 matters in the Ishigami function"
    assert (tmp_path / "out" / "figures" / "morris_y.png").is_file(), "mu*-sigma plot saved"


# ------------------------------------------------------------- bscsim model
def test_grouped_sobol_gives_one_row_per_group(grouped):
    groups = {"psych_safety", "vicarious", "inquiry", "context", "dummy"}
    for (o, index), sub in grouped.indices.groupby(["output", "index"]):
        assert set(sub["factor"]) == groups and len(sub) == len(groups), \
            f"{o} {index}: one row per mechanism group (and the dummy)"
    assert (grouped.out / "figures" / "sobol_practice_gain_sd.png").is_file()
    assert (grouped.out / "indices.csv").is_file() and (grouped.out / "provenance.json").is_file()


def test_noise_share_is_reported_per_output(grouped):
    noise = grouped.noise.set_index("output")
    assert list(noise.index) == ["practice_gain_sd", "child_se_gain_sd"]
    assert (noise["noise_share"] > 0).all(), "the model's replicates differ: noise is reported"
    assert "noise of a 2-run mean" in str(grouped), "the report states the noise beside each output"


def test_runs_go_through_the_sweep_store(grouped):
    from bscsim import load_sweep
    runs = load_sweep(grouped.out / "runs")
    assert len(runs) == 4 * 7 * 2, "N x (groups + 2) points x replicates runs"
    assert list(runs["seed"]) == [run_seed(3, r) for r in runs["replicate"]], \
        "common random numbers: replicate r of every point gets the r-th seed of the root"


@pytest.mark.slow
def test_serial_and_processes_give_identical_indices(grouped, tmp_path):
    res = run_sensitivity(load_sa(grouped.spec.path), tmp_path / "p", executor="processes",
                          workers=2, progress=False)
    pd.testing.assert_frame_equal(res.indices, grouped.indices, obj="indices")


# ---------------------------------------------------------------- explicit design
def test_explicit_design_runs_the_given_points_with_sweep_seeds():
    points = pd.DataFrame({"turnover_cc": [0.2, 0.5, 0.3], "ps_gain": [0.05, 0.1, 0.02]})
    spec = design_spec(points, path="x", replicates=2, root_seed=9)
    d = resolve(spec)
    assert len(d) == 6 and list(d["point"]) == [0, 0, 1, 1, 2, 2], "points x replicates"
    assert list(d["turnover_cc"]) == [0.2, 0.2, 0.5, 0.5, 0.3, 0.3], "the points as given"
    assert list(d["seed"]) == [run_seed(9, i) for i in range(6)], "seeds by run index"
    with pytest.raises(ConfigError, match="turnover_cc = 1.5 is not allowed"):
        design_spec(points.assign(turnover_cc=1.5), path="x")


def test_sensitivity_uses_the_public_salib_problem(tmp_path):
    from bscsim import salib_problem
    from bscsim.sensitivity.sample import problem
    path = tmp_path / "sa.toml"
    path.write_text('base = "ccl_phase1.toml"\nmethod = "sobol"\nn_samples = 8\noutputs = ["practice_gain_sd"]\ngroups = true\n'
                    'vary_groups = ["inquiry"]\n[set]\n' + SHORT)
    spec = load_sa(path)
    names = [n for n in spec.names if n != "dummy"]
    expected = salib_problem(names, bounds={f.name: (f.low, f.high) for f in spec.factors},
                             groups=True)
    got = problem(spec)
    assert got["names"][:len(names)] == expected["names"] \
        and got["bounds"][:len(names)] == expected["bounds"] \
        and got["groups"][:len(names)] == expected["groups"], \
        "bscsim sensitivity samples the problem bscsim.salib_problem describes"


def test_sobol_sample_of_a_whole_number_parameter_is_rounded(tmp_path):
    from bscsim.sensitivity.sample import sample, sweep_spec
    path = tmp_path / "sa.toml"
    path.write_text('base = "ccl_phase1.toml"\nmethod = "sobol"\nn_samples = 8\noutputs = ["practice_gain_sd"]\n[vary]\n'
                    'n_team_teachers = "plausible"\nps_gain = "plausible"\n[set]\n' + SHORT)
    spec = load_sa(path)
    x = sample(spec)
    assert (x["n_team_teachers"] % 1 != 0).any(), "SALib draws fractions"
    d = resolve(sweep_spec(spec, x))
    assert d["n_team_teachers"].dtype.kind == "i" and \
        (d["n_team_teachers"] == x["n_team_teachers"].round().repeat(spec.replicates)
         .to_numpy()).all(), "the runs get the nearest whole number"


# ---------------------------------------------------------------------- errors
def test_sobol_needs_a_power_of_two(tmp_path):
    path = write(tmp_path, GROUPED.replace("n_samples = 4", "n_samples = 100"))
    with pytest.raises(ConfigError, match=r"n_samples = 100 is not allowed: Sobol needs a "
                                          r"power of 2 \(e.g. 128\)"):
        load_sa(path)


@pytest.mark.parametrize("change, message", [
    (("n_samples = 4", "n_samples = 6"), "power of 2"),
    (("replicates", "replicatse"), "did you mean 'replicates'"),
    (('"child_se_gain_sd"', '"child_gain"'), "unknown output 'child_gain'"),
    (('method = "sobol"', 'method = "morris"'), "groups = true is only for"),
    (('"inquiry"', '"inquiri"'), "did you mean 'inquiry'"),
    (("[set]", "[vary]\nturnover_cc = { low = 0.1, high = 1.5 }\n[set]"), "1.5 is not allowed"),
], ids=["pow2", "key", "output", "groups-morris", "group", "range"])
def test_bad_sa_file_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, change, message):
    path = write(tmp_path, GROUPED.replace(*change))
    out = tmp_path / "out"
    code = main(["sensitivity", str(path), "--out", str(out), "--executor", "serial"])
    err = capsys.readouterr().err
    assert code == 2, f"a bad SA file exits 2 ({err})"
    assert err.count("\n") == 1 and message in err, f"one line naming the problem: {err}"
    assert not out.exists(), "nothing is written"


def test_morris_table_is_sorted_by_mu_star(tmp_path):
    text = ISHIGAMI.replace('method = "sobol"\nn_samples = 1024', 'method = "morris"\nn_samples = 10')
    res = run_sensitivity(write(tmp_path, text), tmp_path / "out", executor="serial",
                          progress=False)
    for output in ("y", "y_noisy"):
        t = res.table(output)
        assert list(t["mu_star"]) == sorted(t["mu_star"], reverse=True), \
            f"{output}: the most influential factor first"
    lines = [x.split()[0] for x in str(res).splitlines() if x.startswith("  x")]
    first = res.table("y")["factor"].tolist()
    assert lines[:len([f for f in first if f != "dummy"])] == [f for f in first if f != "dummy"], \
        "the printed table follows the same order"


def test_report_says_when_indices_are_not_to_be_trusted(ishigami):
    import dataclasses
    from bscsim.sensitivity.runner import report_text
    conv = ishigami.convergence.assign(converged=True)
    assert "NOT TO BE TRUSTED" not in report_text(dataclasses.replace(ishigami,
                                                                      convergence=conv)), \
        "converged indices within [0, 1] carry no warning"
    bad = ishigami.indices.copy()
    x1 = (bad["output"] == "y") & (bad["factor"] == "x1")
    bad.loc[x1 & (bad["index"] == "ST"), "value"] = 1.3
    bad.loc[x1 & (bad["index"] == "S1"), "value"] = -0.2
    conv.loc[conv["output"] == "y", "converged"] = False
    text = report_text(dataclasses.replace(ishigami, indices=bad, convergence=conv))
    warning = next(x for x in text.splitlines() if "NOT TO BE TRUSTED" in x)
    for what in ("above 1", "ST x1 = 1.30", "negative S1", "S1 x1 = -0.20", "rank factors"):
        assert what in warning, f"the warning names {what!r}: {warning}"
