#!/usr/bin/env python3
"""Render the planners' report in headless Chromium and save PNG screenshots.

Usage:
    python3 scripts/report_screenshots.py REPORT.html OUT_DIR

Opens the HTML file (from disk, with the network blocked) in Debian's `chromium` through
`chromedriver` and writes, for each page of the report (the overview and each office),
screenshots in three layouts:

* `a4-<page>-<n>.png`: a window as wide as an A4 page (794 CSS px, 96 dpi);
* `print-<page>-<n>.png`: the print stylesheet at the printable width of A4 with the
  report's margins (186 mm = 703 px);
* `phone-<page>-<n>.png`: a phone (390 px wide).

Tall pages are cut into pieces of at most 2,400 px. It also writes `report-a4.pdf`
(Chromium's print to A4) and checks what a reader would notice:

* the page fetched nothing (no resource entries: no external script, font, image or link);
* every chart rendered (each `figure` has a non-empty `svg` and a caption);
* nothing is wider than an A4 page in the A4 and print layouts: neither the page nor any
  table (tables scroll sideways on a phone, but a printed page cannot scroll).

Headless Chromium now and then stalls on a command (a screenshot of an idle page): a
command not answered within COMMAND_TIMEOUT seconds ends that browser, and the whole check
runs again in a fresh one, at most ATTEMPTS times; each stall is printed with its step.

Exit code 0 when all checks pass, 1 when one fails (each failure is printed), 2 when it
cannot run (no chromium or chromedriver, unreadable file, Chromium stalled every time). Chromium runs with
--headless --no-sandbox --disable-gpu --disable-background-networking
--disable-component-update --no-first-run and a fresh --user-data-dir.
"""

from __future__ import annotations

import base64
import shutil
import sys
import tempfile
from pathlib import Path

CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
DRIVER = ["/usr/bin/chromedriver"]
MAX_SHOT = 2400
# Seconds one WebDriver command may take (Selenium's default is 120), and how many fresh
# browsers are tried when one stalls.
COMMAND_TIMEOUT = 45
ATTEMPTS = 3
LAYOUTS = [
    # name, window width (CSS px), emulated media
    ("a4", 794, "screen"),
    ("print", 703, "print"),
    ("phone", 390, "screen"),
]


def first(paths: list[str]) -> str | None:
    return next((p for p in paths if Path(p).exists()), None)


def driver_for(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = first(CHROMIUM)
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        # Block every host: the report must not need the network.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--force-device-scale-factor=1",
    ]:
        opts.add_argument(flag)
    # An explicit driver path: Selenium Manager (which could download one) is never asked.
    return webdriver.Chrome(service=Service(executable_path=first(DRIVER)), options=opts)


def shoot(drv, out: Path, layout: str, width: int, media: str) -> list[str]:
    problems = []
    drv.set_window_size(width, 1200)
    drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
    drv.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 1200, "deviceScaleFactor": 1, "mobile": layout == "phone"},
    )
    pages = drv.execute_script(
        "return [...document.querySelectorAll('section.page')].map(p => {"
        " const r = p.getBoundingClientRect();"
        " return [p.id, r.top + window.scrollY, r.height]; });"
    )
    if not pages:
        problems.append(f"{layout}: no section.page in the report")
    overflow = drv.execute_script("return document.documentElement.scrollWidth - window.innerWidth;")
    if layout != "phone" and overflow > 0:
        problems.append(f"{layout}: the page is {overflow} px wider than the window")
    if layout != "phone":
        # Tables scroll sideways on screen, but a printed page cannot scroll: none may need to.
        wide = drv.execute_script(
            "return [...document.querySelectorAll('.table-wrap')]"
            ".filter(w => w.scrollWidth > w.clientWidth + 1)"
            ".map(w => (w.closest('section[id]') || {}).id + ': ' + w.scrollWidth + ' px');"
        )
        problems += [f"{layout}: table wider than the page in {w}" for w in wide]
    full_h = drv.execute_script("return document.documentElement.scrollHeight;")
    for i, (page_id, top, height) in enumerate(pages):
        # The first page's shots start at the top, with the title and the contents.
        top = 0 if i == 0 else max(0, int(top) - 8)
        end = min(int(top + height) + 16, full_h)
        n = 0
        y = top
        while y < end:
            h = min(MAX_SHOT, end - y)
            shot = drv.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": y, "width": width, "height": h, "scale": 1},
                },
            )
            n += 1
            (out / f"{layout}-{page_id}-{n}.png").write_bytes(base64.b64decode(shot["data"]))
            y += h
    return problems


class Hung(Exception):
    """Chromium did not answer one command in time (headless Chromium's screenshot path is
    known to stall now and then on an idle page); the run is retried with a fresh browser."""


def stop(drv) -> None:
    """Ends chromedriver and every Chromium process it started, even when they do not answer."""
    import psutil

    proc = getattr(drv.service, "process", None)
    family = []
    if proc is not None:
        try:
            family = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            pass
    try:
        drv.quit()
    except Exception:  # a stalled browser may not answer quit either; it is killed below
        pass
    for p in family:
        try:
            p.kill()
        except psutil.Error:
            pass
    if proc is not None and proc.poll() is None:
        proc.kill()


def check_once(html: Path, out: Path) -> tuple[int, list[str]]:
    """One run in a fresh browser: the checks and the screenshots. Raises Hung on a stall."""
    from selenium.common.exceptions import TimeoutException
    from urllib3.exceptions import TimeoutError as HttpTimeout

    for old in out.glob("*.png"):
        old.unlink()
    profile = Path(tempfile.mkdtemp(prefix="report-chromium-"))
    problems: list[str] = []
    step = "starting Chromium"
    drv = None
    try:
        drv = driver_for(profile)
        # Each command is answered in a few seconds; a healthy run takes under 20 s in all.
        drv.command_executor.client_config.timeout = COMMAND_TIMEOUT
        step = "loading the report"
        drv.get(html.as_uri())
        step = "checking resources and figures"
        fetched = drv.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name);"
        )
        if fetched:
            problems.append(f"the report fetched {len(fetched)} resources: {fetched[:5]}")
        figures = drv.execute_script(
            "return [...document.querySelectorAll('figure')].map(f => ["
            " f.id, !!f.querySelector('svg') && f.querySelector('svg').getBBox().width > 0,"
            " (f.querySelector('figcaption') || {}).textContent || '']);"
        )
        if not figures:
            problems.append("the report has no figures")
        for fid, drawn, caption in figures:
            if not drawn:
                problems.append(f"figure {fid}: the chart did not render")
            if not caption.strip():
                problems.append(f"figure {fid}: no reading aid")
        for name, width, media in LAYOUTS:
            step = f"the {name} screenshots"
            problems += shoot(drv, out, name, width, media)
        step = "printing to PDF"
        drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        pdf = drv.execute_cdp_cmd(
            "Page.printToPDF",
            {"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True, "printBackground": True},
        )
        (out / "report-a4.pdf").write_bytes(base64.b64decode(pdf["data"]))
    except (HttpTimeout, TimeoutException) as err:
        raise Hung(f"Chromium did not answer within {COMMAND_TIMEOUT} s while {step}") from err
    finally:
        if drv is not None:
            stop(drv)
        shutil.rmtree(profile, ignore_errors=True)
    return len(figures), problems


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    html, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    if not html.is_file():
        print(f"error: {html}: no such file", file=sys.stderr)
        return 2
    if not first(CHROMIUM) or not first(DRIVER):
        print("error: needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            figures, problems = check_once(html, out)
            break
        except Hung as hung:
            print(f"attempt {attempt} of {ATTEMPTS}: {hung}", file=sys.stderr)
    else:
        print(f"error: Chromium stalled in all {ATTEMPTS} attempts", file=sys.stderr)
        return 2
    shots = sorted(p.name for p in out.glob("*.png"))
    print(f"{figures} figures checked; {len(shots)} screenshots and report-a4.pdf in {out}")
    for p in problems:
        print(f"problem: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
