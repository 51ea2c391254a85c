"""Every command that answers a question ends with its answer in plain words
(issue 25, item 3): what it rests on, how sure, and a cost per outcome only where
the outcome difference is distinguishable from zero."""

from __future__ import annotations

import pandas as pd
import pytest
from pathlib import Path

from bscsim.scenarios.comparison import _verdict, value_sentence


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """bscsim ARGS in this process, in tmp_path: (exit code, stdout, stderr); no new
    interpreter per call, so these tests stay cheap."""
    from bscsim.cli import main
    monkeypatch.chdir(tmp_path)

    def run(*args: str):
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


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


def test_run_replicates_keeps_every_output_of_one_run_and_both_end_in_words(cli):
    code1, one, err1 = cli("run", "--no-plot", "--out", "one", *SHORT)
    code2, many, err2 = cli("run", "--replicates", "3", "--out", "many", *SHORT)
    assert code1 == 0 and code2 == 0, err1 + err2
    lost = _names(one) - _names(many)
    assert len(_names(one)) > 30 and not lost, \
        f"run --replicates prints every output a single run prints; missing: {sorted(lost)}"
    assert "Bottom line: in this one run" in one and "one draw" in one, \
        f"a single run ends in words and says it is one draw: {one[-400:]}"
    tail = many[many.index("Bottom line"):]
    assert "90% of runs" in tail and "chance alone" in tail, \
        f"replicates end in words, with the interval and what it includes: {tail}"


def _analysis(p_part, p_diff, p_survey=0.001):
    rows = [("observation", "practice", "participating", "paired", 0.04, -0.02, 0.10, p_part),
            ("observation", "practice", "participating_minus_comparison", "difference",
             0.01, -0.17, 0.19, p_diff),
            ("psych_safety", "psych_safety", "participants", "paired", 1.5, 1.0, 2.0, p_survey)]
    return pd.DataFrame([dict(instrument=i, measure=m, group=g, estimator=e, estimate=x,
                              ci_low=lo, ci_high=hi, p_value=p, truth=0.04, n_centers=8)
                         for i, m, g, e, x, lo, hi, p in rows])


def test_study_says_in_words_when_the_practice_change_goes_undetected():
    from bscsim.study.report import bottom_line
    text = bottom_line(_analysis(0.144, 0.928), 0.05, 8)
    assert "would go undetected" in text and "p = 0.93" in text, \
        f"p = 0.93 for the practice change is said to go undetected: {text}"
    assert "surveys detect the change in psych_safety" in text, text


def test_study_says_a_detected_practice_change_is_detected():
    from bscsim.study.report import bottom_line
    text = bottom_line(_analysis(0.001, 0.01), 0.05, 8)
    assert "would go undetected" not in text and "detects the change in classroom" in text, \
        f"p below alpha is a detection: {text}"
    missed = bottom_line(_analysis(0.001, 0.01, p_survey=0.4), 0.05, 8)
    assert "detect no change" in missed, f"an undetected survey change is said so: {missed}"


def test_study_ends_with_a_bottom_line_and_writes_a_report(tmp_path, cli):
    code, out, err = cli("study", "configs/studies/ccl_feasibility.toml", "--out",
                         str(tmp_path / "st"), "--report", str(tmp_path / "study.html"))
    assert code == 0, err[-1500:]
    assert "Bottom line (one simulated study" in out, out[-800:]
    html = (tmp_path / "study.html").read_text()
    assert "Bottom line" in html and "What the study would find" in html \
        and "<script" not in html, "a self-contained study report with its bottom line"


@pytest.mark.slow
def test_ctrl_c_in_check_mechanisms_is_one_line_and_exit_130(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "bscsim", "check-mechanisms",
                             "--replicates", "400", "--workers", "2"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    time.sleep(10)                      # the workers are started and running
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, f"exit 130 on Ctrl-C, got {proc.returncode}: {err[-800:]}"
    assert "Traceback" not in err and err.strip() == "bscsim: interrupted", \
        f"one line on stderr, no worker's traceback: {err[-1500:]}"


def test_a_small_sweep_is_written_as_few_parts():
    from bscsim.sweep.runner import MIN_BATCH, auto_batch
    assert auto_batch(20, 1) >= MIN_BATCH and auto_batch(20, 2) >= MIN_BATCH, \
        "a 20-run sweep is a few parts, not one per run"
    assert auto_batch(3, 2) == 2 and auto_batch(100_000, 2) <= 200, \
        "a tiny sweep still uses both workers; a huge one keeps its cap"


SWEEP = """title = "tiny"
base = "ccl_phase1.toml"
design = "grid"
replicates = 2
root_seed = 1
[set]
n_centers = 4
weeks_collab = 12
weeks_followup = 2
[vary]
planning_hours = [0.0, 4.0]
"""


def test_sweep_keeps_weekly_tables_on_request_and_ends_in_words(tmp_path, cli):
    (tmp_path / "tiny.toml").write_text(SWEEP)
    code, out, err = cli("sweep", "tiny.toml", "--tables", "timeseries", "--executor",
                         "serial", "--no-progress", "--out", "out")
    assert code == 0, err[-1500:]
    assert list((tmp_path / "out" / "timeseries").glob("part-*.parquet")), \
        "--tables timeseries keeps the weekly tables of a file that does not ask for them"
    assert "Bottom line (4 runs, 2 design points)" in out \
        and "differ by" in out, f"a sweep ends in words: {out[-600:]}"


def _state_diffs(lo, hi):
    rows = [("classrooms_improved_share", 0.5, 0.52, 0.02, lo, hi, "share"),
            ("practice_gain_sd", 0.5, 0.55, 0.05, 0.01, 0.09, "SD"),
            ("cost_per_center", 20000, 20500, 500, 400, 600, "USD"),
            ("cost_per_classroom_improved", 30000, 29000, -1000, -3000, 1000, "USD")]
    return pd.DataFrame([dict(output=o, a=a, b=b, diff=d, lo=lo_, hi=hi_, unit=u,
                              paired=True) for o, a, b, d, lo_, hi_, u in rows])


def test_state_comparison_gives_a_cost_per_classroom_only_for_a_detectable_difference():
    from bscsim.states.report import compare_bottom_line
    unclear = compare_bottom_line(_state_diffs(-0.01, 0.05))
    assert "no detectable difference" in unclear and "29,000" not in unclear, \
        f"no cost per classroom improved without a detectable difference: {unclear}"
    clear = compare_bottom_line(_state_diffs(0.01, 0.03))
    assert "29,000" in clear and "95% interval" in clear, \
        f"a detectable difference gets its cost per classroom improved: {clear}"


def test_explore_ends_with_the_most_robust_policy_in_words():
    from types import SimpleNamespace

    from bscsim.explore.runner import bottom_line
    from bscsim.explore.spec import Threshold
    spec = SimpleNamespace(n_futures=64, replicates=2,
                           policies={"as_run": {}, "coaching": {}},
                           thresholds=(Threshold("classrooms_improved_share", 0.5, "up"),))
    table = pd.DataFrame({"policy": ["coaching", "as_run"],
                          "satisficing_share": [0.55, 0.23],
                          "cost_per_center": [3000.0, 23000.0]})
    text = bottom_line(SimpleNamespace(spec=spec, robustness=table))
    assert "'coaching' meets all of them in the most futures, 55%" in text \
        and "'as_run' meets them in 23%" in text and "at least 0.5" in text, \
        f"the most robust policy, against the policy as run, with the goal in words: {text}"


def test_help_gives_examples_and_points_to_the_tutorial():
    from bscsim.cli import build_parser
    text = build_parser().format_help()
    assert "examples:" in text and "bscsim compare configs/ccl_phase1.toml" in text \
        and "docs/tutorial.md" in text, f"bscsim --help: {text[-800:]}"


def test_compare_plot_writes_a_figure_without_a_report(tmp_path, cli):
    code, out, err = cli("compare", "configs/ccl_phase1.toml", "configs/arms/coaching.toml",
                         "--replicates", "2", *SHORT, "--no-progress", "--out", "out",
                         "--plot", "diff.png")
    assert code == 0, err[-1200:]
    assert (tmp_path / "diff.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", \
        "compare --plot writes a PNG figure"
    assert not list(tmp_path.glob("*.html")), "and no report"


def test_result_plot_returns_a_figure():
    import matplotlib.figure

    import bscsim
    p = bscsim.load_config(None).replace(n_centers=4, weeks_collab=12, weeks_followup=2)
    fig = bscsim.simulate(p, seed=0).plot()
    assert isinstance(fig, matplotlib.figure.Figure), "Result.plot() returns a Figure"


def test_run_format_csv_and_json_print_the_data_alone(cli):
    import io
    import json
    code, out, err = cli("run", "--no-plot", "--out", "one", *SHORT, "--format", "csv")
    table = pd.read_csv(io.StringIO(out))
    assert code == 0 and list(table.columns) == ["box", "output", "value", "unit"] \
        and "practice_gain_sd" in set(table["output"]), f"run --format csv: {out[:300]}"
    assert "Bottom line" in err and "Bottom line" not in out, \
        "with csv, the other lines go to stderr"
    code, out, _ = cli("run", "--no-plot", "--out", "two", *SHORT, "--format", "json")
    assert {"box", "output", "value", "unit"} <= set(json.loads(out)[0]), out[:300]


def test_markdown_tables_have_a_header_rule_and_one_row_each():
    from bscsim.formats import render
    text = render(pd.DataFrame({"a": [1.5, float("nan")], "b": ["x|y", "z"]}), "markdown")
    lines = text.splitlines()
    assert lines[0] == "| a | b |" and lines[1] == "|---|---|" and len(lines) == 4 \
        and "x\\|y" in lines[2], f"a Markdown pipe table: {text}"


def test_a_detectable_gain_at_no_extra_cost_gets_no_negative_cost_per_classroom():
    text = value_sentence(_row(0.5, 0.3, 0.7, -200.0, -900.0, 500.0), "x", "ref", 20)
    assert "at no extra cost" in text and "per extra classroom" not in text, \
        f"a gain at no extra cost on average gets no (negative) cost per classroom: {text}"


def test_explore_never_prints_stability_nan():
    from bscsim.explore.discover import _stability
    assert "nan" not in _stability(float("nan")) and _stability(80.0) == "  stability 80%", \
        "an unmeasured stability is said so, a measured one in percent"
