"""Helpers to drive `bscsim dashboard` in headless Chromium (used by
test_dashboard_browser.py), and the script that takes the README's screenshot:

    PYTHONPATH=src python tests/dashboard_browser.py docs/figures/dashboard.png
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
         "--disable-background-networking --disable-component-update --disable-sync "
         "--window-size=1600,1250").split()


LAPTOP = (1366, 768)
PHONE = (390, 844)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, *args: str, log: Path) -> subprocess.Popen:
    """`python -m bscsim dashboard --port PORT ARGS` from this checkout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen(
        [sys.executable, "-m", "bscsim", "dashboard", "--port", str(port), *args],
        stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 90) -> float:
    """Seconds until `url` answers 200; RuntimeError if the server died or timed out."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if server.poll() is not None:
            raise RuntimeError(f"dashboard server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - start
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"dashboard did not answer at {url} within {timeout} s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def browser(profile: Path):
    """Headless Chromium through chromedriver, with a fresh profile folder."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))


def wait_for(driver, condition, timeout: float = 60, what: str = "condition"):
    """Wait until `condition(driver)` holds; an element the page redraws while the
    condition reads it (stale) is read again at the next poll."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(StaleElementReferenceException,)).until(
        condition, message=f"timed out waiting for {what}")


def text_of(driver, css: str, tries: int = 20) -> str:
    """The text of the element matching `css`, found again if the page redraws it
    between finding and reading (Solara replaces elements when it re-renders)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    for _ in range(tries - 1):
        try:
            return driver.find_element(By.CSS_SELECTOR, css).text
        except StaleElementReferenceException:
            time.sleep(0.1)
    return driver.find_element(By.CSS_SELECTOR, css).text


def has_text(css: str, text: str):
    """Condition: an element matching `css` contains `text`."""
    from selenium.webdriver.common.by import By

    def check(driver):
        return any(text in e.text for e in driver.find_elements(By.CSS_SELECTOR, css))
    return check


def body_has(text: str):
    from selenium.webdriver.common.by import By
    return lambda driver: text in driver.find_element(By.TAG_NAME, "body").text


def button(driver, label: str):
    """Mesa's and our buttons, by their text (as written, not as displayed)."""
    from selenium.webdriver.common.by import By
    return driver.find_element(By.XPATH, f"//button[normalize-space(.)='{label}']")


def type_into(driver, css: str, text: str) -> None:
    """Replace the text of the input inside `css` and press Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    field = driver.find_element(By.CSS_SELECTOR, f"{css} input")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)
    time.sleep(0.5)  # let the typed text reach the server before Enter, as a person would
    field.send_keys(Keys.ENTER)


def pick(driver, css: str, item: str) -> None:
    """Choose `item` in the Vuetify select inside `css`."""
    from selenium.webdriver.common.by import By
    driver.find_element(By.CSS_SELECTOR, f"{css} .v-select__slot").click()
    wait_for(driver, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".v-list-item")
                                if e.text.strip() == item and e.is_displayed()],
             10, f"menu item {item}")[0].click()


def set_viewport(driver, width: int, height: int) -> None:
    """Lay the page out for a viewport of width x height CSS pixels: a laptop's
    screen, or a phone's (narrower than 500 px: a mobile viewport, so a page
    without a width=device-width meta tag is laid out at 980 px as on a phone)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1,
        "mobile": width < 500})
    time.sleep(0.3)  # let the page reflow


# The height of the page's content: the document's, or that of a part that scrolls
# on its own (the dashboard's main column) from its top.
TALL_JS = """
let h = document.documentElement.scrollHeight;
for (const e of document.querySelectorAll('*')) {
  const s = getComputedStyle(e).overflowY;
  if ((s === 'auto' || s === 'scroll') && e.scrollHeight > e.clientHeight + 1)
    h = Math.max(h, e.getBoundingClientRect().top + e.scrollHeight);
}
return h;
"""


def full_page(driver, path: Path, width: int, height: int) -> Path:
    """The whole page at `width` as a PNG at `path`: the viewport is made as tall
    as the tallest scrolling part (the dashboard scrolls inside its main column),
    then set back to width x height."""
    import base64
    tall = driver.execute_script(TALL_JS)
    set_viewport(driver, width, max(height, min(int(tall), 8000)))
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    set_viewport(driver, width, height)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def screenshots(driver, out: Path, name: str) -> list[Path]:
    """The page at a laptop's size and at a phone's, saved as
    `out/name_1366x768.png` and `out/name_390px.png`; the viewport is left at the
    laptop's size."""
    saved = []
    for (w, h), tag in ((PHONE, "390px"), (LAPTOP, "1366x768")):
        set_viewport(driver, w, h)
        saved.append(full_page(driver, out / f"{name}_{tag}.png", w, h))
    return saved


# What a page's layout must satisfy, measured in the browser: the page no wider
# than the viewport (no sideways scrolling), and the boxes matched by `boxes` not
# reaching into the element matched by `below` (e.g. the theory-of-change boxes and
# the heading of the next view).
LAYOUT_JS = """
const [boxes, below] = arguments;
const doc = document.documentElement;
const out = {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth,
             overlaps: [], wide: []};
const next = below ? document.querySelector(below) : null;
const top = next ? next.getBoundingClientRect().top : Infinity;
if (boxes) for (const e of document.querySelectorAll(boxes)) {
  const r = e.getBoundingClientRect();
  if (r.bottom > top + 1) out.overlaps.push([e.className, r.bottom, top]);
}
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > window.innerWidth + 1 && getComputedStyle(e).position !== 'fixed')
    out.wide.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right));
}
out.wide = out.wide.slice(0, 8);
// parts that scroll sideways on their own, other than a table or a figure (which
// may: a wide table or figure on a phone scrolls inside its own box); the grid's
// resize detectors (element-resize-detector, hidden scrollers) are not parts
out.sideways = [];
for (const e of document.querySelectorAll('body *')) {
  const s = getComputedStyle(e).overflowX;
  if (e.closest('.erd_scroll_detection_container')) continue;
  if ((s === 'auto' || s === 'scroll') && e.scrollWidth > e.clientWidth + 1
      && !['TABLE', 'FIGURE', 'PRE'].includes(e.tagName))
    out.sideways.push(e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth);
}
return out;
"""


# The size on screen (px) of every text of the dashboard's SVG charts: its font size
# times the scale at which its chart is drawn.
CHART_TEXT_JS = """
const out = [];
for (const svg of document.querySelectorAll('.bscsim-view-timeseries svg, .bscsim-view-centers svg')) {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  for (const t of svg.querySelectorAll('text'))
    out.push(parseFloat(getComputedStyle(t).fontSize) * scale);
}
return out;
"""


def layout(driver, boxes: str | None = None, below: str | None = None) -> dict:
    """The page's width and overlaps, as LAYOUT_JS measures them."""
    return driver.execute_script(LAYOUT_JS, boxes, below)


def screenshot_for_readme(out: Path) -> None:
    """The default config at week 40 with a comparison against vicarious learning
    switched off, on a laptop's 1366 x 768 screen (the whole page), as the README
    shows it."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(port, log=Path(tmp) / "server.log")
        try:
            wait_until_serving(f"http://127.0.0.1:{port}/", server)
            driver = browser(Path(tmp) / "profile")
            try:
                set_viewport(driver, *LAPTOP)
                driver.get(f"http://127.0.0.1:{port}/")
                wait_for(driver, has_text(".bscsim-view-chain", "Theory of change"))
                for _ in range(40):
                    button(driver, "Step").click()
                    wait_for(driver, body_has(f"Step: {_ + 1}"), 30)
                pick(driver, ".bscsim-view-comparison", "current settings, vicarious off")
                button(driver, "Compare").click()
                wait_for(driver, has_text(".bscsim-view-comparison", "difference (95% band)"),
                         120, "the comparison")
                time.sleep(1.5)
                full_page(driver, out, *LAPTOP)
            finally:
                driver.quit()
        finally:
            stop(server)


if __name__ == "__main__":
    screenshot_for_readme(Path(sys.argv[1]) if len(sys.argv) > 1
                          else ROOT / "docs" / "figures" / "dashboard.png")
