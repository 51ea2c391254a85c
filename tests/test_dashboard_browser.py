"""The dashboard and the HTML reports in a real browser (one Chromium for all).

The dashboard: the server starts, the page loads, a scenario and a lever are
changed, the model steps, a chart changes, a value out of range is refused on the
page and the server keeps running. Layout, at a laptop's 1366 x 768 and a phone's
390 px: no sideways scrolling, the theory-of-change boxes clear of the next view,
chart text at 11 px or more; the reports (`bscsim compare --report`, `bscsim
explore`'s report) likewise, tables and figures inside the page. Screenshots go to
the test's temporary folder, or to $BSCSIM_SCREENSHOTS when set."""

import importlib.util
import os
import time
from pathlib import Path

import pytest

import dashboard_browser as web

pytestmark = pytest.mark.slow

MISSING = [m for m in ("solara", "mesa.visualization", "selenium")
           if importlib.util.find_spec(m.split(".")[0]) is None]
if MISSING:
    pytest.skip(f"needs the dashboard extra and selenium (missing: {', '.join(MISSING)}); "
                "pip install -e '.[dashboard,dev]'", allow_module_level=True)
if not (web.CHROMIUM.exists() and web.CHROMEDRIVER.exists()):
    pytest.skip(f"needs Chromium and chromedriver at {web.CHROMIUM} and "
                f"{web.CHROMEDRIVER} (Debian packages chromium, chromium-driver)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A dashboard server on a free port and a headless browser on its page."""
    tmp = tmp_path_factory.mktemp("dashboard")
    port = web.free_port()
    server = web.start_server(port, "--configs", str(web.ROOT / "tests" / "fixtures"
                                                      / "dashboard"),
                              log=tmp / "server.log")
    try:
        started = web.wait_until_serving(f"http://127.0.0.1:{port}/", server)
        driver = web.browser(tmp / "profile")
        try:
            web.set_viewport(driver, *web.LAPTOP)
            t0 = time.monotonic()
            driver.get(f"http://127.0.0.1:{port}/")
            # the first answer, the chain with this week's values, with nothing
            # clicked (a functional bound; benchmarks/bench_dashboard.py times it)
            web.wait_for(driver, web.has_text(".bscsim-view-chain", "Theory of change"),
                         90, "the chain view")
            print(f"server answered after {started:.1f} s; page drawn after "
                  f"{time.monotonic() - t0:.1f} s")
            yield driver, server, tmp
        finally:
            driver.quit()
    finally:
        web.stop(server)


def step(driver, times: int) -> float:
    """Click Mesa's Step button `times` times; the slowest click-to-redraw, in s."""
    slowest = 0.0
    for _ in range(times):
        before = web.text_of(driver, ".bscsim-view-chain")
        t0 = time.monotonic()
        web.button(driver, "Step").click()
        web.wait_for(driver, lambda d: web.text_of(d, ".bscsim-view-chain") != before,
                     30, "the step")
        slowest = max(slowest, time.monotonic() - t0)
    return slowest


def shots_folder(tmp: Path) -> Path:
    return Path(os.environ.get("BSCSIM_SCREENSHOTS") or tmp)


def open_section(driver, group: str) -> None:
    """Open a section of the settings panel (all are closed at first)."""
    from selenium.webdriver.common.by import By
    if not driver.find_elements(By.CSS_SELECTOR, ".bscsim-settings .bscsim-param"):
        driver.find_element(By.CSS_SELECTOR, f".bscsim-section-{group}").click()
    web.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".bscsim-param"), 30,
                 f"the {group} section")


def test_dashboard_fits_a_laptop_and_a_phone(page):
    driver, server, tmp = page
    for size in (web.LAPTOP, web.PHONE):
        web.set_viewport(driver, *size)
        where = f"at {size[0]} x {size[1]}"
        got = web.layout(driver, ".bscsim-chain .bx", ".bscsim-view-timeseries")
        assert got["innerWidth"] == size[0], f"laid out for the screen's width {where}"
        assert got["scrollWidth"] <= got["innerWidth"] + 1, \
            f"no sideways scrolling {where}: {got['scrollWidth']} px wide, {got['wide']}"
        assert not got["sideways"], f"no part scrolls sideways {where}: {got['sideways']}"
        assert not got["overlaps"], \
            f"theory-of-change boxes must end above the next view {where}: {got['overlaps']}"
        sizes = driver.execute_script(web.CHART_TEXT_JS)
        assert sizes and min(sizes) >= 11, \
            f"chart text at 11 px or more on screen {where}: smallest {min(sizes):.1f} px"
    web.screenshots(driver, shots_folder(tmp), "dashboard")
    assert (shots_folder(tmp) / "dashboard_390px.png").stat().st_size > 10_000


def test_layout_checks_catch_a_spill_and_a_wide_page(page):
    """Mutants of the page: the chain's view given a fixed height, as Mesa's grid
    gave it (its boxes spill over the next view), and an element wider than the
    screen; the checks above must see both."""
    driver, server, tmp = page
    web.set_viewport(driver, *web.LAPTOP)
    driver.execute_script(
        "const s = document.createElement('style'); s.id = 'mutant';"
        "s.textContent = '.vue-grid-item:first-child {height: 150px !important;}';"
        "document.head.appendChild(s);"
        "document.body.insertAdjacentHTML('beforeend', "
        "'<div id=\"wide\" style=\"width: 2000px; height: 4px\"></div>');")
    try:
        got = web.layout(driver, ".bscsim-chain .bx", ".bscsim-view-timeseries")
        assert got["overlaps"], "boxes spilling over the next view must be caught"
        assert got["scrollWidth"] > got["innerWidth"] + 1, "a wide page must be caught"
    finally:
        driver.execute_script("document.getElementById('mutant').remove();"
                              "document.getElementById('wide').remove();")
    assert not web.layout(driver, ".bscsim-chain .bx", ".bscsim-view-timeseries")[
        "overlaps"], "the page is whole again"


def test_lever_change_and_steps_redraw_the_charts(page):
    driver, server, tmp = page
    web.pick(driver, ".bscsim-settings", "scenarios/small")
    web.wait_for(driver, web.has_text(".bscsim-message", "Loaded scenario scenarios/small"),
                 30, "the scenario to load")
    chart = driver.find_element("css selector", ".bscsim-view-timeseries")
    before = chart.screenshot_as_png

    open_section(driver, "design")
    web.type_into(driver, ".bscsim-input-n_learning_sessions", "3")
    web.wait_for(driver, web.has_text(".bscsim-message", "n_learning_sessions = 3"),
                 30, "the lever change")
    slowest = step(driver, 3)
    print(f"slowest step, click to redrawn page: {slowest:.2f} s")
    web.wait_for(driver, web.has_text(".bscsim-view-chain", "week 3 of 28"), 30,
                 "week 3 of the small scenario")

    after = driver.find_element("css selector", ".bscsim-view-timeseries")
    assert after.screenshot_as_png != before, "the time series must change after steps"
    driver.save_screenshot(str(tmp / "dashboard.png"))
    assert (tmp / "dashboard.png").stat().st_size > 10_000, "screenshot must be saved"


def test_value_out_of_range_is_refused_on_the_page_and_server_keeps_running(page):
    driver, server, tmp = page
    open_section(driver, "design")
    web.type_into(driver, ".bscsim-input-n_centers", "0")
    web.wait_for(driver, web.has_text(".bscsim-message-error", "n_centers = 0 is not allowed"),
                 30, "the refusal message")
    assert server.poll() is None, "the server must keep running"
    week = web.text_of(driver, ".bscsim-view-chain")
    step(driver, 1)
    assert web.text_of(driver, ".bscsim-view-chain") != week, \
        "the page must keep working after a refused value"
    driver.save_screenshot(str(tmp / "refused.png"))


def test_page_shows_no_mesa_leftovers_or_abbreviations(page):
    driver, server, tmp = page
    body = driver.find_element("tag name", "body").text
    for text in ("Page 0", "PAGE 0", "Use Threads", "Model Parameters",
                 "ls attendance", "cb share", "child se"):
        assert text not in body, f"the page should not show {text!r}"
    assert "learning-session attendance" in body, "outputs in plain words"
    assert web.button(driver, "Step").is_displayed(), "Mesa's own controls stay"


# ------------------------------------------------------------------ the reports
@pytest.fixture(scope="module")
def reports(tmp_path_factory, strategies_comparison):
    """The HTML reports a user writes, from small runs: `bscsim compare
    strategies.toml --report` (the comparison test_report.py uses) and `bscsim
    explore`'s report (if the 'ema' extra is installed)."""
    from bscsim.scenarios.report import write_report
    tmp = tmp_path_factory.mktemp("reports")
    pages = {"strategies": write_report(strategies_comparison, tmp / "strategies.html")}
    if importlib.util.find_spec("ema_workbench") is not None:
        from bscsim.cli import main
        from bscsim.explore import analyse, load_exploration
        from bscsim.explore.report import write_report as write_explore
        from test_explore import TINY_FILE
        path = tmp / "tiny.toml"
        path.write_text(TINY_FILE.format(base=(web.ROOT / "configs" / "ccl_phase1.toml")
                                         .as_posix()))
        assert main(["explore", str(path), "--out", str(tmp / "explore"), "--executor",
                     "serial", "--no-progress"]) == 0
        pages["explore"] = write_explore(analyse(load_exploration(path), tmp / "explore"),
                                         tmp / "explore.html")
    return pages


def test_reports_fit_a_laptop_and_a_phone(page, reports):
    driver, server, tmp = page
    dashboard = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        for name, path in reports.items():
            driver.get(path.as_uri())
            for size in (web.LAPTOP, web.PHONE):
                web.set_viewport(driver, *size)
                where = f"{name} report at {size[0]} x {size[1]}"
                got = web.layout(driver)
                assert got["innerWidth"] == size[0], f"{where}: laid out for the screen"
                assert got["scrollWidth"] <= got["innerWidth"] + 1, \
                    f"{where}: no sideways scrolling ({got['scrollWidth']} px wide)"
                assert not got["sideways"], f"{where}: only tables and figures scroll " \
                                            f"sideways: {got['sideways']}"
                if size == web.LAPTOP:
                    shrunk = driver.execute_script(
                        "return Array.from(document.images).filter(i => "
                        "i.getBoundingClientRect().width < i.naturalWidth - 2).length")
                    assert shrunk == 0, f"{where}: figures shown at full size"
            web.screenshots(driver, shots_folder(tmp), f"report_{name}")
    finally:
        driver.close()
        driver.switch_to.window(dashboard)
        web.set_viewport(driver, *web.LAPTOP)


def test_report_checks_catch_a_report_not_laid_out_for_a_phone(page, reports, tmp_path):
    """Mutant: the strategies report without its viewport tag and sideways-scrolling
    tables (as before issue 25): on a phone it is laid out wider than the screen."""
    from bscsim.scenarios.report import VIEWPORT
    html = reports["strategies"].read_text()
    mutant = tmp_path / "mutant.html"
    mutant.write_text(html.replace(VIEWPORT, "").replace(
        "display: block;\n        max-width: 100%; overflow-x: auto;", ""))
    assert mutant.read_text() != html, "the mutant differs from the report"
    driver, server, tmp = page
    dashboard = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        driver.get(mutant.as_uri())
        web.set_viewport(driver, *web.PHONE)
        got = web.layout(driver)
        assert got["innerWidth"] != web.PHONE[0] or got["scrollWidth"] > got["innerWidth"] + 1, \
            "a report not laid out for a phone must be caught"
    finally:
        driver.close()
        driver.switch_to.window(dashboard)
        web.set_viewport(driver, *web.LAPTOP)
