"""Every command that answers a question ends with its answer in plain words
(issue 25, item 3): what it rests on, how sure, and a cost per outcome only where
the outcome difference is distinguishable from zero."""

from __future__ import annotations

import pandas as pd

from bscsim.scenarios.comparison import _verdict, value_sentence


def _row(gain, lo, hi, cost, cost_lo=None, cost_hi=None):
    r = {"extra_improved_per_center": gain, "extra_improved_lo": lo,
         "extra_improved_hi": hi, "extra_cost_per_center": cost,
         "extra_cost_lo": cost if cost_lo is None else cost_lo,
         "extra_cost_hi": cost if cost_hi is None else cost_hi,
         "cost_per_extra_classroom": cost / gain if gain > 0 else float("nan"),
         "lo": 1000.0, "hi": 9000.0, "clear_gain": lo > 0, "clear_loss": hi < 0}
    r["verdict"] = _verdict(r)
    return pd.Series(r)


def test_a_gain_whose_interval_includes_zero_gets_no_cost_per_classroom():
    text = value_sentence(_row(0.07, -0.01, 0.14, 3738.0), "two_parents", "bsc_as_is", 40)
    assert "no detectable difference" in text and "per extra classroom" not in text, \
        f"a mean gain whose 95% interval includes zero gets no cost per classroom: {text}"


def test_a_detectable_gain_gets_its_cost_per_extra_classroom():
    text = value_sentence(_row(0.6, 0.52, 0.68, 2839.0), "coaching", "bau", 40)
    assert "improves more classrooms" in text and "per extra classroom improved" in text, \
        f"a detectable gain at an extra cost gets a cost per extra classroom: {text}"


def test_as_many_classrooms_for_less_money_is_said_so():
    # bscsim compare ccl_phase1.toml arms/coaching.toml: coaching improves as many
    # classrooms for far less; the table used to end "n/a (no more classrooms improved)"
    text = value_sentence(_row(-0.01, -0.06, 0.04, -20024.0, -20400.0, -19600.0),
                          "coaching", "ccl_phase1", 10)
    assert "about as many classrooms" in text and "$20,024 less" in text \
        and "similar result for less money" in text, \
        f"as many classrooms improved for less money is said in words: {text}"


def test_fewer_classrooms_improved_is_not_called_similar():
    text = value_sentence(_row(-0.3, -0.4, -0.2, 500.0), "x", "ref", 10)
    assert "fewer classrooms" in text, f"a detectable loss is called one: {text}"


SHORT = ("--set", "n_centers=4", "--set", "weeks_collab=20", "--set", "weeks_followup=4")


def _names(stdout: str) -> set[str]:
    import re
    return set(re.findall(r"^  ([a-z_]+) +-?[0-9]", stdout, flags=re.M))


def test_run_replicates_keeps_every_output_of_one_run(tmp_path, run_cli):
    one = run_cli("run", "--no-plot", "--out", str(tmp_path / "one"), *SHORT, cwd=tmp_path)
    many = run_cli("run", "--replicates", "3", "--out", str(tmp_path / "many"), *SHORT,
                   cwd=tmp_path)
    assert one.returncode == 0 and many.returncode == 0, one.stderr + many.stderr
    lost = _names(one.stdout) - _names(many.stdout)
    assert len(_names(one.stdout)) > 30 and not lost, \
        f"run --replicates prints every output a single run prints; missing: {sorted(lost)}"


def test_run_and_replicates_end_with_a_bottom_line(tmp_path, run_cli):
    one = run_cli("run", "--no-plot", "--out", str(tmp_path / "one"), *SHORT, cwd=tmp_path)
    many = run_cli("run", "--replicates", "3", "--out", str(tmp_path / "many"), *SHORT,
                   cwd=tmp_path)
    assert "Bottom line: in this one run" in one.stdout and "one draw" in one.stdout, \
        f"a single run ends in words and says it is one draw: {one.stdout[-400:]}"
    tail = many.stdout[many.stdout.index("Bottom line"):]
    assert "90% of runs" in tail and "chance alone" in tail, \
        f"replicates end in words, with the interval and what it includes: {tail}"
