"""Posts a sample day's ticket events to `queuecast serve`, as the offices' ticket systems
would: every event up to the server's clock (read from `/v1/offices/{id}/now`), in batches.

Used by the browser test (tests/webapp/browser.py) and the screenshot run; run alone:
    python3 tests/webapp/replay.py BASE_URL TOKEN DAY.csv
"""

from __future__ import annotations

import csv
import json
import sys
import urllib.request
from datetime import datetime


def events_of(row: dict) -> list[tuple[datetime, str, dict]]:
    """The ticket system's events of one canonical row: (instant, office, event)."""
    office, ticket = row["office_id"], row["ticket_id"]
    out = [
        (
            datetime.fromisoformat(row["issued_at"]),
            office,
            {"kind": "issued", "ticket": ticket, "at": row["issued_at"], "service": row["service"], "channel": row["channel"]},
        )
    ]
    if row["called_at"] and row["counter"]:
        out.append(
            (datetime.fromisoformat(row["called_at"]), office, {"kind": "called", "ticket": ticket, "at": row["called_at"], "counter": row["counter"]})
        )
    if row["finished_at"]:
        if row["outcome"] == "cancelled":
            e = {"kind": "cancelled", "ticket": ticket, "at": row["finished_at"]}
        else:
            e = {"kind": "finished", "ticket": ticket, "at": row["finished_at"], "outcome": row["outcome"]}
        out.append((datetime.fromisoformat(row["finished_at"]), office, e))
    return out


def load_day(path: str) -> list[tuple[datetime, str, dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    events = [e for r in rows for e in events_of(r)]
    events.sort(key=lambda e: e[0])
    return events


def request(base: str, method: str, path: str, body=None, token: str | None = None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def server_now(base: str, office: str) -> datetime:
    return datetime.fromisoformat(request(base, "GET", f"/v1/offices/{office}/now")["now"])


def post_until(base: str, token: str, events: list, until: datetime, sent: set[int]) -> int:
    """Posts every event at or before `until` not posted yet, per office in batches."""
    batches: dict[str, list] = {}
    for i, (at, office, e) in enumerate(events):
        if at <= until and i not in sent:
            batches.setdefault(office, []).append((i, e))
    n = 0
    for office, items in batches.items():
        for k in range(0, len(items), 500):
            chunk = items[k : k + 500]
            request(base, "POST", f"/v1/offices/{office}/events", [e for _, e in chunk], token)
            sent.update(i for i, _ in chunk)
            n += len(chunk)
    return n


def main() -> None:
    base, token, path = sys.argv[1:4]
    events = load_day(path)
    now = server_now(base, events[0][1])
    n = post_until(base, token, events, now, set())
    print(f"posted {n} events up to {now.isoformat()}")


if __name__ == "__main__":
    main()
