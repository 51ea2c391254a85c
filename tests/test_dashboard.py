"""Dashboard: controls from the declarations, scenario discovery, the comparison on
common seeds, and the command line. Fast tests; the browser test is in
test_dashboard_browser.py."""

from pathlib import Path

import numpy as np
import pytest

from bscsim.cli import main
from bscsim.dashboard import compare, controls, scenarios
from bscsim.params import GROUPS, PARAMS, ParamError, Params

FIXTURES = Path(__file__).parent / "fixtures" / "dashboard"


def test_every_parameter_has_a_control_in_exactly_one_section():
    shown = [p.name for _, _, params in controls.sections() for p in params]
    assert sorted(shown) == sorted(p.name for p in PARAMS), \
        "each declared parameter must appear once in the control panel"
    assert {g for g, _ in controls.SECTIONS} == set(GROUPS), \
        "every mechanism group must have a section"


def test_policy_levers_come_first_then_context_and_the_three_mechanisms():
    order = [g for g, _ in controls.SECTIONS]
    assert order[:5] == ["design", "context", "psych_safety", "vicarious", "inquiry"], \
        "sections must be: policy levers, context, the three mechanisms"


def test_slider_holds_default_and_stays_in_valid_range():
    for p in PARAMS:
        if p.kind is bool:
            continue
        s = controls.slider(p, p.default)
        assert p.valid[0] <= s.min <= p.default <= s.max <= p.valid[1], \
            f"{p.name}: slider {s} must hold the default inside the valid range"
        assert s.step > 0, f"{p.name}: slider step must be positive"


def test_slider_widens_to_a_typed_value_outside_the_plausible_range():
    p = next(p for p in PARAMS if p.name == "turnover_cc")
    s = controls.slider(p, 0.9)
    assert s.max >= 0.9, "the slider must not clamp a valid value typed in the box"


def test_help_text_carries_meaning_unit_range_and_source():
    for p in PARAMS:
        text = controls.help_text(p)
        for part in (p.meaning, p.unit, p.allowed(), p.source):
            assert part in text, f"{p.name}: help text lacks {part!r}"


def test_value_out_of_range_is_refused_with_a_message():
    with pytest.raises(ParamError) as e:
        controls.apply(Params(), "turnover_cc", "1.5")
    message = controls.refusal(e.value)
    assert "turnover_cc" in message and "0 to 0.95" in message, \
        f"refusal must name the parameter and its allowed range: {message}"


def test_text_that_is_not_a_number_is_refused():
    with pytest.raises(ParamError):
        controls.apply(Params(), "n_centers", "eight")
    with pytest.raises(ParamError):
        controls.apply(Params(), "n_centers", "2.5")


def test_accepted_value_changes_only_that_parameter():
    new = controls.apply(Params(), "n_learning_sessions", "6")
    assert new.n_learning_sessions == 6, "the typed value must be applied"
    assert new.replace(n_learning_sessions=Params().n_learning_sessions) == Params(), \
        "no other parameter may change"


def test_seed_box_refuses_negative_and_fractional_seeds():
    assert controls.check_int("seed", "7", 0, 10) == 7, "a whole number is accepted"
    for bad in ("-1", "1.5", "x", "11"):
        with pytest.raises(ParamError):
            controls.check_int("seed", bad, 0, 10)


def test_discover_skips_missing_and_empty_folders(tmp_path):
    (tmp_path / "empty" / "arms").mkdir(parents=True)
    found = scenarios.discover([tmp_path / "missing", tmp_path / "empty"])
    assert [s.name for s in found] == ["default"], \
        "with no scenario files only the default config is offered"


def test_discover_finds_the_fixture_scenario_and_it_loads():
    found = {s.name: s for s in scenarios.discover([FIXTURES])}
    assert "scenarios/small" in found, f"fixture not found: {sorted(found)}"
    assert found["scenarios/small"].title.startswith("Small test scenario"), \
        "the picker shows the file's title"
    assert found["scenarios/small"].load().n_centers == 4, "the scenario must load"


def test_discover_reads_the_folders_named_in_the_environment(monkeypatch):
    monkeypatch.setenv(scenarios.ENV, str(FIXTURES))
    assert "scenarios/small" in [s.name for s in scenarios.discover()], \
        "--configs (passed on as an environment variable) must be searched"


def test_comparison_of_identical_settings_is_exactly_zero():
    p = Params(n_centers=3, weeks_collab=8, weeks_followup=2)
    result = compare.compare(p, p, n=2, seed=3)
    assert np.allclose(result.weekly["mean"], 0) and np.allclose(result.weekly["hi"], 0), \
        "the same settings on the same seeds must give no difference at all"


def test_comparison_band_holds_its_mean():
    p = Params(n_centers=3, weeks_collab=8, weeks_followup=2)
    result = compare.compare(p, p.replace(vicarious_on=False), n=3, seed=0)
    w = result.weekly
    assert (w["lo"] <= w["mean"] + 1e-12).all() and (w["mean"] <= w["hi"] + 1e-12).all(), \
        "the band must contain the mean difference"
    assert set(result.summary["output"]) == set(compare.SUMMARY_SHOWN), \
        "the summary lists the declared outcomes"


def test_comparison_needs_two_replicates():
    with pytest.raises(ValueError):
        compare.compare(Params(), Params(), n=1)


def test_dashboard_command_refuses_a_missing_configs_folder(tmp_path, capsys):
    code = main(["dashboard", "--configs", str(tmp_path / "nope")])
    assert code == 2, "a missing --configs folder is a usage error"
    assert "no such folder" in capsys.readouterr().err, "the error names the problem"


def test_dashboard_command_refuses_a_port_in_use(capsys):
    import socket
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code = main(["dashboard", "--port", str(port)])
    assert code == 2, "a port in use is a usage error, not a traceback"
    assert "cannot listen" in capsys.readouterr().err, "the error says what is wrong"


@pytest.mark.filterwarnings("ignore:.*found despite early return:UserWarning")
def test_dashboard_model_matches_a_direct_run():
    pytest.importorskip("solara")
    from bscsim.dashboard import app
    from bscsim.model import BSCModel

    p = Params(n_centers=3, weeks_collab=8, weeks_followup=2)
    settings = app.Settings.start()
    settings.params.value, settings.seed.value = p, 5
    shown = app.DashboardModel(settings)
    direct = BSCModel(p, rng=5)
    for _ in range(6):
        shown.step()
        direct.step()
    for name, values in direct.series.items():
        assert np.array_equal(shown.series[name][:6], values[:6], equal_nan=True), \
            f"the dashboard must show the model's own run ({name} differs)"
    shown.release()
    direct.release()


def test_dashboard_names_outputs_in_plain_words():
    pytest.importorskip("solara")
    from bscsim.dashboard import app, views

    settings = app.Settings.start()
    settings.params.value = Params(n_centers=3, weeks_collab=8, weeks_followup=2)
    model = app.DashboardModel(settings)
    for _ in range(4):
        model.step()
    charts = views.timeseries_charts(model)
    chain = views.chain(model).kwargs["unsafe_innerHTML"]
    model.release()
    for text in ("children with challenging behavior",
                 "children&#x27;s social-emotional competence", "psychological safety"):
        assert text in charts or text in chain, f"the dashboard says {text!r}"
    assert "learning-session attendance" in chain, "outputs box in words"
    for abbreviation in ("ls attendance", "cb share", "child se", "qi skill"):
        assert abbreviation not in charts and abbreviation not in chain, \
            f"no abbreviation {abbreviation!r} on the page"


def test_dashboard_charts_are_drawn_at_their_own_size_with_text_of_12_px():
    """The SVG charts keep their pixel size (shrunk only in a narrower container) and
    their text at 12 px or more, so they read at 1366 x 768; legends are HTML."""
    import re
    pytest.importorskip("solara")
    from bscsim.dashboard import app, views

    settings = app.Settings.start()
    settings.params.value = Params(n_centers=3, weeks_collab=8, weeks_followup=2)
    model = app.DashboardModel(settings)
    model.step()
    page = views.timeseries_charts(model) + views.centers_charts(model)
    model.release()
    svgs = re.findall(r"<svg [^>]*>", page)
    assert svgs and all("width='100%'" not in s and "max-width:100%" in s for s in svgs), \
        "each chart is drawn at its own width, never stretched"
    sizes = [float(x) for x in re.findall(r"font-size='([\d.]+)'", page)]
    assert sizes and min(sizes) >= 12, f"chart text at 12 px or more, got {min(sizes)}"
    assert page.count("class='bscsim-legend'") == len(views.PANELS), \
        "one HTML legend below each time-series chart"


def test_settings_sections_are_closed_at_first():
    """The page's first answer does not wait for the 48 policy-lever controls."""
    pytest.importorskip("solara")
    import ipyvuetify as v
    import solara
    from bscsim.dashboard import app
    from bscsim.dashboard import controls as controls_of

    settings = app.Settings.start()
    model = solara.reactive(app.DashboardModel(settings))
    box, rc = solara.render(app.SettingsPanel(settings, model), handle_error=False)
    def controls():
        return [w for w in rc.find(v.Html).widgets
                if "bscsim-param " in f"{w.class_ or ''} "]
    try:
        assert not controls(), "no parameter control drawn at first"
        rc.find(v.Btn, class_="bscsim-section-design").widget.click()
        levers = next(len(ps) for g, _, ps in controls_of.sections() if g == "design")
        assert len(controls()) == levers, "a click opens the policy levers"
    finally:
        rc.close()
        model.value.release()
