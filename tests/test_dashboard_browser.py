"""The dashboard in a real browser: the server starts, the page loads, a scenario
and a lever are changed, the model steps, a chart changes, a value out of range is
refused on the page and the server keeps running."""

import importlib.util
import time

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
            t0 = time.monotonic()
            driver.get(f"http://127.0.0.1:{port}/")
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


def test_lever_change_and_steps_redraw_the_charts(page):
    driver, server, tmp = page
    web.pick(driver, ".bscsim-settings", "scenarios/small")
    web.wait_for(driver, web.has_text(".bscsim-message", "Loaded scenario scenarios/small"),
                 30, "the scenario to load")
    chart = driver.find_element("css selector", ".bscsim-view-timeseries")
    before = chart.screenshot_as_png

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
