"""The browser and the API as the browser test (browser.py) drives them: headless Chromium
through Selenium (Debian's chromium and chromedriver; Selenium Manager is never asked), a spy
on notifications, logs of the console and of every requested URL, screenshots at phone and
desktop width; and the API helpers that post the sample day's events."""

from __future__ import annotations

import base64
import csv
import json
import math
import re
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from replay import load_day, post_until, request, server_now  # noqa: E402

CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
DRIVER = ["/usr/bin/chromedriver"]
PHONE = (390, 844)
DESKTOP = (1280, 800)
MAX_SHOT = 1400
OFFICE = "neuss-mitte"

# Records every notification the page shows (both ways of showing one), before any script.
SPY = """
(() => {
  const notes = [];
  Object.defineProperty(window, "__qcNotes", { value: notes });
  const record = (title, o) => notes.push({ title, body: o && o.body, tag: o && o.tag });
  const show = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = function (title, o) {
    record(title, o);
    return show.call(this, title, o).catch(() => {});
  };
  if (window.Notification) {
    window.Notification = new Proxy(window.Notification, {
      construct(target, args) { record(...args); return new target(...args); },
    });
  }
})();
"""


def first(paths: list[str]) -> str | None:
    return next((p for p in paths if Path(p).exists()), None)


def check(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)
    print(f"ok  {what}")


def wait_for(fn, what: str, timeout: float = 15.0):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - the page may be between renders
            last = e
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def local_minutes(rfc: str) -> float:
    m = re.search(r"T(\d{2}):(\d{2})(?::(\d{2}))?", rfc)
    return int(m[1]) * 60 + int(m[2]) + int(m[3] or 0) / 60


def js_round(x: float) -> int:
    """The app's Math.round: halves up. Python's round() takes them to the even number, so an
    alarm at 10:04:30 read 10:04 in a check and 10:05 in the app."""
    return math.floor(x + 0.5)


def hhmm(minutes: float) -> str:
    m = js_round(minutes) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def clock(rfc: str) -> str:
    """The app's `clock()`: the local HH:MM of an RFC 3339 text, rounded to the minute."""
    return hhmm(local_minutes(rfc))


def call_range(p10: str, p90: str) -> tuple[str, str]:
    """The app's rounding: p10 down and p90 up to 5 minutes."""
    lo = (int(local_minutes(p10)) // 5) * 5
    hi = max(lo + 5, math.ceil(local_minutes(p90) / 5) * 5)
    return hhmm(lo), hhmm(hi)


class App:
    def __init__(self, base: str, token: str, day_csv: str, shots: Path):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.base, self.token, self.shots = base, token, shots
        self.events = load_day(day_csv)
        self.sent: set[int] = set()
        self.rows = {}
        with open(day_csv, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                self.rows[(r["office_id"], r["ticket_id"])] = r
        self.profile = tempfile.mkdtemp(prefix="qc-webapp-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = first(CHROMIUM)
        for flag in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={self.profile}",
            # No name resolves: whatever the app asked of another host would fail and show.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ]:
            opts.add_argument(flag)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.d = webdriver.Chrome(service=Service(executable_path=first(DRIVER)), options=opts)
        self.d.execute_cdp_cmd("Network.enable", {})
        self.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SPY})
        self.urls: set[str] = set()
        self.size(*PHONE)

    # --- browser helpers -------------------------------------------------------------
    def size(self, w: int, h: int) -> None:
        self.d.set_window_size(w, h)
        self.d.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600}
        )

    def js(self, script: str, *args):
        return self.d.execute_script(script, *args)

    def text(self, css: str) -> str:
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css) or ""

    def go(self, hash_: str) -> None:
        if self.d.current_url.startswith(self.base + "/"):
            self.js("location.hash = arguments[0];", hash_)
        else:
            self.d.get(f"{self.base}/{hash_}")

    def reload(self) -> None:
        self.d.refresh()

    def permission(self, setting: str) -> None:
        self.d.execute_cdp_cmd(
            "Browser.setPermission",
            {"permission": {"name": "notifications"}, "setting": setting, "origin": self.base},
        )

    def notes(self) -> list[dict]:
        return self.js("return window.__qcNotes ? window.__qcNotes.slice() : [];")

    def drain_logs(self) -> list[dict]:
        """Console messages since the last call; also collects every requested URL."""
        for entry in self.d.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                self.urls.add(msg["params"]["request"]["url"])
        return self.d.get_log("browser")

    def shot(self, name: str) -> None:
        """Full-page screenshots at both widths; a tall page in pieces of at most MAX_SHOT px
        (`name-phone.png`, `name-phone-2.png`, …)."""
        for label, (w, h) in (("phone", PHONE), ("desktop", DESKTOP)):
            self.size(w, h)
            time.sleep(0.6)
            height = self.js("return document.documentElement.scrollHeight;")
            pieces = math.ceil(height / MAX_SHOT)
            step = math.ceil(height / pieces)
            for i, y in enumerate(range(0, height, step)):
                png = self.d.execute_cdp_cmd(
                    "Page.captureScreenshot",
                    {
                        "format": "png",
                        "captureBeyondViewport": True,
                        "clip": {"x": 0, "y": y, "width": w, "height": min(step, height - y), "scale": 1},
                    },
                )
                suffix = "" if i == 0 else f"-{i + 1}"
                (self.shots / f"{name}-{label}{suffix}.png").write_bytes(base64.b64decode(png["data"]))
        self.size(*PHONE)

    # --- API helpers -----------------------------------------------------------------
    def api(self, path: str):
        return request(self.base, "GET", path)

    def post(self, office: str, events: list) -> None:
        request(self.base, "POST", f"/v1/offices/{office}/events", events, self.token)

    def now(self) -> datetime:
        return server_now(self.base, OFFICE)

    def eta(self, ticket: str, notice: int, office: str = OFFICE):
        return self.api(f"/v1/offices/{office}/tickets/{ticket}/eta?notify_before={notice}")

    def replay_to_now(self) -> int:
        return post_until(self.base, self.token, self.events, self.now(), self.sent)

    def waiting_tickets(self, office: str) -> list[dict]:
        """Tickets of `office` drawn and not called or cancelled by now (per the posted events)."""
        now = self.now()
        out = []
        for (o, t), r in self.rows.items():
            if o != office or r["channel"] != "walk_in" or datetime.fromisoformat(r["issued_at"]) > now:
                continue
            gone = r["called_at"] or (r["finished_at"] if r["outcome"] == "cancelled" else "")
            if gone and datetime.fromisoformat(gone) <= now:
                continue
            out.append(r)
        return sorted(out, key=lambda r: (r["issued_at"], r["ticket_id"]))
