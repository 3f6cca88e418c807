#!/usr/bin/env python3
"""The citizens' web app in headless Chromium against a running `queuecast serve`.

Usage:
    python3 tests/webapp/browser.py BASE_URL TOKEN DAY.csv SCREENSHOT_DIR

The server serves an export of the sample offices and its clock stands on the sample day
(`QUEUECAST_SERVE_CLOCK`); DAY.csv is that day's canonical log. The script posts the day's
events up to the server's clock, as the ticket systems would, then drives the app through
Debian's `chromium` and `chromedriver` (Selenium, never Selenium Manager) and checks:

* every view renders the API's real data (offices with waiting counts, levels and the
  quickest office; a ticket's position, call window and reminder; the next days' best slots
  and the weekday × hour grid; the service catalog, searchable);
* a ticket's ETA on the page changes when the test posts events (three tickets ahead called);
* the notice is honoured: with notifications granted, 5 minutes gives a reminder time and
  no notification yet, 20 minutes (the call may come within it) a notification now; the
  called state is shown and no notification follows it; with notifications refused the page
  says so and keeps the countdown;
* the checklist and the ticket number survive a reload (localStorage);
* the English switch; the banner when the server is unreachable (offline emulation);
* no console errors, and no request leaves the loopback address.

Screenshots of every view at phone (390×844) and desktop (1280×800) width go to
SCREENSHOT_DIR. Exit code 0 when every check passes; 1 with the failed check otherwise.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).parent))
from app import OFFICE, App, call_range, check, clock, js_round, local_minutes, wait_for  # noqa: E402

# --- the checks ------------------------------------------------------------------------


def office_mismatches(app: App) -> list[str]:
    """What the offices view shows differently from the API now (empty: it agrees)."""
    offices = app.api("/v1/offices")["offices"]
    nows = {o["id"]: app.api(f"/v1/offices/{o['id']}/now") for o in offices}
    bad = []
    for o in offices:
        card = f"#office-list li[data-office='{o['id']}']"
        text = app.text(card)
        n = nows[o["id"]]
        count = "1 Wartende(r)" if n["waiting"] == 1 else f"{n['waiting']} Wartende"
        p50 = n["expected_wait"]["remaining_min"]["p50"]
        b = min(8, int(max(0.0, p50) // 15))
        bucket = "< 15 min" if b == 0 else "> 120 min" if b == 8 else f"{b * 15}–{(b + 1) * 15} min"
        level = app.js(f"const e = document.querySelector(\"{card} .lvl\"); return e ? e.className : '';")
        label = {"low": "ruhig", "medium": "mäßig", "high": "viel los"}[n["level"]]
        wants = {
            "name": o["name"] in text,
            f"waiting {count}": count in text,
            f"level class {n['level']}": n["level"] in level.split(),
            f"level text {label}": label in text,
            "open with today's hours": "geöffnet" in text and "Heute:" in text,
            f"expected wait {bucket} (p50 {p50:.1f})": f"Erwartete Wartezeit: {bucket}" in text,
        }
        bad += [f"{o['id']}: {k}" for k, ok in wants.items() if not ok]
    best = min(offices, key=lambda o: nows[o["id"]]["expected_wait"]["remaining_min"]["p50"])
    if best["name"] not in app.text("#quickest"):
        bad.append(f"quickest should be {best['name']}: {app.text('#quickest')!r}")
    marked = app.js("const e = document.querySelector('li.card.best'); return e ? e.dataset.office : null;")
    if marked != best["id"]:
        bad.append(f"marked card {marked}, quickest {best['id']}")
    return bad


def offices_view(app: App) -> None:
    app.d.get(app.base + "/#offices")
    wait_for(lambda: app.js("return document.querySelectorAll('#office-list li.card').length;") == 3, "three office cards")
    # The page refreshes every 30 s; a p50 or a slot's level may cross a boundary between its
    # answer and the test's, so the two must agree within a refresh.
    last = []
    end = time.time() + 40
    while time.time() < end:
        last = office_mismatches(app)
        if not last:
            break
        time.sleep(1)
    check(last == [], f"offices: every card shows the API's names, waiting counts, levels (colour and text), hours, expected wait and the quickest office {last}")
    fresh = app.text("#fresh")
    check(re.search(r"Stand: \d\d:\d\d Uhr", fresh) is not None and "Prognose vom 23.02.2025" in fresh, f"freshness shown: '{fresh}'")


def language_switch(app: App) -> None:
    app.d.find_element("id", "lang").click()
    wait_for(lambda: app.js("return document.documentElement.lang;") == "en", "lang=en")
    check("Offices now" in app.text("nav") and "How busy is it now?" in app.text("#h-offices"), "English switch")
    check("Quickest right now" in app.text("#quickest") or "Quietest" in app.text("#quickest"), "English: views re-render")
    app.d.find_element("id", "lang").click()
    wait_for(lambda: app.js("return document.documentElement.lang;") == "de", "lang=de")
    check("Ämter jetzt" in app.text("nav"), "back to German")


def best_view(app: App) -> None:
    app.go("#best")
    wait_for(lambda: app.js("return document.querySelectorAll('#best-days li').length;") > 0, "best days")
    office = app.js("return document.getElementById('b-office').value;")
    best = app.api(f"/v1/offices/{office}/best-times?days=7")
    items = app.js("return [...document.querySelectorAll('#best-days li')].map(li => [li.dataset.date, li.innerText]);")
    check([d for d, _ in items] == [d["date"] for d in best["days"]], f"best: the {len(items)} days of /best-times")
    now = app.now()
    for (date, text), day in zip(items, best["days"]):
        if not day["open"]:
            check("geschlossen" in text, f"best: {date} closed")
            continue
        slots = [b for b in day["best_times"] if b["wait_p50_min"] is not None]
        if date == now.date().isoformat():
            # Slots over before the page rendered (a minute's leeway) are left out for today.
            minute = now.hour * 60 + now.minute
            options = [[b for b in slots if b["slot"] * 15 + 15 > m] for m in (minute - 1, minute)]
        else:
            options = [slots]
        firsts = {o[0]["start"] for o in options if o}
        check(any(f"ab {f} Uhr ruhig" in text for f in firsts), f"best: {date} quiet from {sorted(firsts)}")
    check(items[0][1].startswith("Heute"), "best: first day is today")
    profile = app.api(f"/v1/offices/{office}/profile")["profile"]
    cells = [c for c in profile["cells"] if c["open_days"]]
    shown = app.js(
        "return [...document.querySelectorAll('#heat td')].filter(td => /^q\\d$/.test(td.className)).map(td => td.innerText);"
    )
    numbers = sorted(str(js_round(c["wait_median_min"])) for c in cells if not c["suppressed"] and c["wait_median_min"] is not None)
    check(sorted(shown) == numbers, f"best: grid shows the {len(numbers)} median waits of /profile")
    sup = app.js("return document.querySelectorAll('#heat td.sup').length;")
    check(sup == sum(1 for c in cells if c["suppressed"] or c["wait_median_min"] is None), f"best: {sup} suppressed cells hatched")
    check("2024" in app.text("#heat caption") or "2025" in app.text("#heat caption"), "best: grid caption names the window")


def services_view(app: App) -> None:
    app.go("#services")
    services = app.api("/v1/services")["services"]
    wait_for(lambda: app.js("return document.querySelectorAll('#service-list details').length;") == len(services), "services")
    check(app.text("#s-count") == f"{len(services)} von {len(services)} Leistungen", "services: all listed")

    def matches(s, q):
        hay = " ".join([s["code"], s["name"], s["description"], *[d["name"] for d in s["documents"]]]).lower()
        return all(w in hay for w in q.lower().split())

    for q in ["pass", "führerschein foto", "wohnungsgeber"]:
        field = app.d.find_element("id", "s-search")
        field.clear()
        field.send_keys(q)
        want = [s["code"] for s in services if matches(s, q)]
        got = wait_for(
            lambda: (c := app.js("return [...document.querySelectorAll('#service-list details')].map(d => d.dataset.code);")) == want and c,
            f"search '{q}'",
        )
        check(got == want, f"services: search '{q}' finds {want}")
    app.d.find_element("id", "s-search").clear()
    app.js("document.getElementById('s-search').dispatchEvent(new Event('input'));")
    pa = next(s for s in services if s["code"] == "PA")
    app.js("document.querySelector(\"details[data-code='PA'] summary\").click();")
    body = app.text("details[data-code='PA']")
    check(all(d["name"][:40] in body for d in pa["documents"]), "services: PA lists every document")
    check(pa["fees"][0]["text"] in body and f"etwa {pa['duration_minutes']} Min." in body, "services: fee and duration")
    check("Stand der Angaben:" in body, "services: review date")
    boxes = app.d.find_elements("css selector", "details[data-code='PA'] input[type=checkbox]")
    for b in boxes[:2]:
        app.js("arguments[0].click();", b)
    check("2 von 7 abgehakt" in app.text("details[data-code='PA']"), "services: checklist counts ticks")
    app.shot("services")
    app.reload()
    wait_for(lambda: app.js("return document.querySelectorAll('#service-list details').length;") == len(services), "services after reload")
    ticked = app.js("return [...document.querySelectorAll(\"details[data-code='PA'] input\")].map(b => b.checked);")
    check(ticked == [True, True] + [False] * (len(ticked) - 2), "services: checklist kept across a reload")
    stored = json.loads(app.js("return localStorage.getItem('qc.checklist');"))
    check(list(stored) == ["PA"] and len(stored["PA"]) == 2, "services: checklist in localStorage")


TICKET_OFFICES = [OFFICE, "grevenbroich", "dormagen"]


def pick_ticket(app: App, exclude: set[str]) -> tuple[str, dict, dict, dict]:
    """A waiting walk-in with ≥ 3 walk-ins of its queue ahead, a reminder time for 5 minutes
    of notice and a call that may come within 20; of those, the one whose 5-minute reminder is
    furthest off, so that it is still ahead after the three calls the ticket checks make (they
    bring the expected call a few minutes nearer). From the first office of `TICKET_OFFICES`
    that has one: a reminder is offered only where the model's calibration days vouch for it
    with that many tickets ahead (alarm factors per band of tickets ahead), so which office's
    queue at the clock's instant has one depends on the trained model."""
    for office in TICKET_OFFICES:
        picked = pick_in(app, office, exclude)
        if picked is not None:
            return (office, *picked)
    raise AssertionError("no waiting ticket fits the reminder checks")


def pick_in(app: App, office: str, exclude: set[str]) -> tuple[dict, dict, dict] | None:
    best = None
    for r in app.waiting_tickets(office):
        if r["ticket_id"] in exclude:
            continue
        e5, e20 = app.eta(r["ticket_id"], 5, office), app.eta(r["ticket_id"], 20, office)
        ahead = e5["position"]["walk_ins_ahead"]
        alarm = e5["alarm_at"] and datetime.fromisoformat(e5["alarm_at"])
        if ahead >= 3 and alarm and alarm > app.now() + timedelta(minutes=2) and e20["alarm_reason"] == "call_may_come_within_notice":
            if best is None or alarm > best[0]:
                best = (alarm, (r, e5, e20))
    return None if best is None else best[1]


def submit_ticket(app: App, office: str, ticket: str, notice: int) -> None:
    app.go("#ticket")
    wait_for(lambda: app.js("return document.getElementById('t-office').options.length;") == 3, "office choice")
    app.js("document.getElementById('t-office').value = arguments[0];", office)
    field = app.d.find_element("id", "t-number")
    field.clear()
    field.send_keys(ticket.lower())
    app.js(f"document.querySelector('input[name=notice][value=\"{notice}\"]').click();")
    app.js("document.querySelector('#ticket-form button[type=submit]').click();")


def status(app: App) -> dict:
    return app.js("return Object.assign({}, document.getElementById('ticket-status').dataset);")


def ticket_view(app: App) -> None:
    app.permission("granted")
    office, r, e5, _ = pick_ticket(app, set())
    t = r["ticket_id"]
    submit_ticket(app, office, t, 5)
    s = wait_for(lambda: (x := status(app)).get("ticket") == t and x.get("status") == "waiting" and x, "ticket status")
    api = app.eta(t, 5, office)
    check(s["position"] == str(api["position"]["position"]), f"ticket {t}: position {s['position']} as the API says")
    check(s["notice"] == "5", "ticket: notice 5 asked of the stream")
    check(abs(local_minutes(s["callP50"]) - local_minutes(api["call_p50"])) < 1.0, "ticket: call p50 as the API's (within a minute)")
    lo, hi = call_range(s["callP10"], s["callP90"])
    main = app.text("#ts-main")
    check(f"zwischen {lo} und {hi} Uhr" in main, f"ticket: window '{main}'")
    alarm = app.text("#ts-alarm")
    check(f"um {clock(s['alarmAt'])} Uhr" in alarm, f"ticket: reminder time shown: '{alarm}'")
    check(app.text("#ts-countdown").startswith("Erinnerung in"), "ticket: countdown to the reminder")
    check(app.js("return localStorage.getItem('qc.ticket');") is not None, "ticket: number kept on the device")
    time.sleep(1.0)
    check(app.notes() == [], "ticket: no notification before the reminder time (notice 5)")
    app.shot("ticket")

    # The queue moves: the three walk-ins of its queue drawn first are called now.
    before = (s["position"], s["callP50"])
    queue = set(api["position"]["queue"] or [])
    ahead = [
        w for w in app.waiting_tickets(office)
        if (w["issued_at"], w["ticket_id"]) < (r["issued_at"], t) and (not queue or w["service"] in queue)
    ][:3]
    at = app.now().isoformat(timespec="seconds")
    app.post(office, [{"kind": "called", "ticket": w["ticket_id"], "at": at, "counter": str(i + 1)} for i, w in enumerate(ahead)])
    s2 = wait_for(lambda: (x := status(app)).get("position") != before[0] and x, "the page's ETA to change")
    api2 = app.eta(t, 5, office)
    check(int(s2["position"]) == api2["position"]["position"] < int(before[0]), f"ticket: position {before[0]} → {s2['position']} after 3 calls")
    check(s2["callP50"] != before[1], f"ticket: call p50 {before[1][11:19]} → {s2['callP50'][11:19]}")
    check(app.notes() == [], f"ticket: no notification yet after the calls (notice 5, reminder at {s2['alarmAt'][11:19]})")

    # 20 minutes of notice: the call may come within it, so the reminder is due now.
    app.js("document.querySelector('input[name=notice][value=\"20\"]').click();")
    s3 = wait_for(lambda: (x := status(app)).get("notice") == "20" and x, "notice 20")
    notes = wait_for(lambda: app.notes(), "a notification")
    check(len(notes) == 1 and t in notes[0]["title"], f"ticket: one notification for {t}: {notes}")
    lo, hi = call_range(s3["callP10"], s3["callP90"])
    check(f"zwischen {lo} und {hi} Uhr" in notes[0]["body"], f"ticket: notification names the window: {notes[0]['body']}")
    check("Jetzt zum Wartebereich" in app.text("#ts-alarm"), "ticket: page says to go now")
    check(app.js("return document.getElementById('ts-perm').hidden;"), "ticket: no permission note when granted")

    # Called: the page says so, and nothing more is notified.
    app.post(office, [{"kind": "called", "ticket": t, "at": app.now().isoformat(timespec="seconds"), "counter": "7"}])
    wait_for(lambda: status(app).get("status") == "called", "called state")
    check("aufgerufen" in app.text("#ts-main") and "Schalter 7" in app.text("#ts-main"), f"ticket: called: '{app.text('#ts-main')}'")
    check(app.text("#ts-countdown") == "", "ticket: no countdown after the call")
    app.shot("ticket-called")
    time.sleep(1.5)
    check(len(app.notes()) == 1, "ticket: no notification after the call")
    app.reload()
    wait_for(lambda: status(app).get("status") == "called", "called state after reload")
    check(app.js("return document.getElementById('t-number').value;") == t, "ticket: number kept across a reload")
    app.d.find_element("id", "ts-forget").click()
    check(app.js("return localStorage.getItem('qc.ticket');") is None, "ticket: 'forget' removes it from the device")

    # Refused: the page says so and keeps the countdown.
    app.permission("denied")
    app.reload()
    office2, r2, _, _ = pick_ticket(app, {t, *[w["ticket_id"] for w in ahead]})
    submit_ticket(app, office2, r2["ticket_id"], 5)
    wait_for(lambda: status(app).get("status") == "waiting" and status(app).get("ticket") == r2["ticket_id"], "second ticket")
    wait_for(lambda: not app.js("return document.getElementById('ts-perm').hidden;"), "permission note")
    check("blockiert" in app.text("#ts-perm"), f"ticket: refused permission said: '{app.text('#ts-perm')}'")
    check(app.text("#ts-countdown").startswith("Erinnerung in"), "ticket: countdown kept when refused")
    app.permission("granted")


def offline(app: App) -> None:
    app.go("#offices")
    app.d.execute_cdp_cmd(
        "Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    )
    app.reload()  # the shell comes from the service worker's cache
    banner = wait_for(lambda: app.js("const b = document.getElementById('offline'); return !b.hidden && b.innerText;"), "offline banner")
    check("nicht erreichbar" in banner, f"offline: banner '{banner}'")
    check(app.js("return document.querySelector('h1').innerText;") != "", "offline: the shell starts from the cache")
    app.d.execute_cdp_cmd(
        "Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    )
    app.reload()
    wait_for(lambda: app.js("return document.getElementById('offline').hidden;"), "banner gone when back online", 20)


def main() -> int:
    base, token, day_csv, shots = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
    shots.mkdir(parents=True, exist_ok=True)
    app = App(base, token, day_csv, shots)
    try:
        n = app.replay_to_now()
        print(f"posted {n} events of the day up to {app.now().isoformat(timespec='seconds')}")
        offices_view(app)
        app.shot("offices")
        language_switch(app)
        best_view(app)
        app.shot("best")
        services_view(app)
        app.go("#offices")
        app.js("document.getElementById('lang').click();")
        wait_for(lambda: "Offices now" in app.text("nav"), "English")
        app.shot("offices-en")
        app.js("document.getElementById('lang').click();")
        ticket_view(app)
        app.shot("ticket-refused")
        errors = [e for e in app.drain_logs() if e["level"] == "SEVERE"]
        check(errors == [], f"no console errors ({errors})")
        offline(app)
        late = [e for e in app.drain_logs() if e["level"] == "SEVERE" and "ERR_INTERNET_DISCONNECTED" not in e["message"]]
        check(late == [], f"no console errors but the offline ones ({late})")
        # Network requests only (chrome:// pages of the browser itself are not).
        network = [u for u in app.urls if urlparse(u).scheme in ("http", "https", "ws", "wss", "ftp")]
        foreign = sorted(u for u in network if not u.startswith(base + "/"))
        check(foreign == [] and len(network) > 20, f"no request leaves {base} ({len(network)} distinct URLs): {foreign}")
        print("requested:", sorted(urlparse(u).path for u in network))
        sizes = app.js(
            "return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))"
            ".filter(e => !new URL(e.name).pathname.startsWith('/v1/')).map(e => [e.name, e.decodedBodySize]);"
        )
        print("shell resources:", json.dumps(sizes))
    except (AssertionError, urllib.error.HTTPError) as e:
        print(f"FAIL {e}", file=sys.stderr)
        try:
            app.shot("failure")
            for entry in app.d.get_log("browser"):
                print("console:", entry, file=sys.stderr)
        except Exception:  # noqa: BLE001
            pass
        return 1
    finally:
        app.d.quit()
    print("all browser checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
