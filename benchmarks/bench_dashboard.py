"""Benchmark: how long `bscsim dashboard` takes to give its first answer, and
screenshots of the page at a laptop's and a phone's size (issue 25: the first
answer within 10 s on a laptop).

Each repeat starts `python -m bscsim dashboard` on a free port and measures, from
the moment the command starts:

- *server*: until the server answers its page with HTTP 200;
- *first answer*: until a headless Chromium (1366 x 768) shows the theory-of-change
  view with this week's values, the first thing a visitor reads.

and the CPU seconds the server and the browser spent until then (what a busy
machine stretches: on 2 cores shared with other work the wall time grows, the CPU
time does not). It also saves the page at 1366 x 768 and at 390 px wide under `--out`. A script,
not a timed test: results depend on the machine and its load (printed at the start).

    python benchmarks/bench_dashboard.py                       # 3 repeats
    python benchmarks/bench_dashboard.py --repeats 1 --out results/dashboard_after
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import dashboard_browser as web  # noqa: E402


def cpu(process) -> float:
    """CPU seconds of a process and its children (psutil)."""
    import psutil
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def once(out: Path | None) -> tuple[float, float, float, float]:
    import psutil
    port = web.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.monotonic()
        server = web.start_server(port, log=Path(tmp) / "server.log")
        try:
            web.wait_until_serving(f"http://127.0.0.1:{port}/", server, timeout=180)
            served = time.monotonic() - t0
            driver = web.browser(Path(tmp) / "profile")
            chrome = psutil.Process(driver.service.process.pid)
            before = cpu(chrome)
            try:
                driver.set_window_size(*web.LAPTOP)
                driver.get(f"http://127.0.0.1:{port}/")
                web.wait_for(driver, web.has_text(".bscsim-view-chain", "Theory of change"),
                             180, "the chain view")
                answered = time.monotonic() - t0
                server_cpu = cpu(psutil.Process(server.pid))
                browser_cpu = cpu(chrome) - before
                if out is not None:
                    web.screenshots(driver, out, "dashboard")
            finally:
                driver.quit()
        finally:
            web.stop(server)
    return served, answered, server_cpu, browser_cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "dashboard_screens")
    args = ap.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = []
    for i in range(args.repeats):
        served, answered, server_cpu, browser_cpu = once(args.out if i == 0 else None)
        rows.append((served, answered))
        print(f"repeat {i + 1}: server answered after {served:.1f} s, first answer "
              f"(theory of change drawn at 1366x768) after {answered:.1f} s; CPU until "
              f"then: server {server_cpu:.1f} s, browser {browser_cpu:.1f} s")
    print(f"median: server {statistics.median(r[0] for r in rows):.1f} s, first answer "
          f"{statistics.median(r[1] for r in rows):.1f} s; screenshots in {args.out}")


if __name__ == "__main__":
    main()
