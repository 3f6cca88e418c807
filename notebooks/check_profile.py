#!/usr/bin/env python3
"""Independent pandas cross-check of `queuecast profile`.

Usage:
    python3 notebooks/check_profile.py --store DIR --profiles OUT

OUT is the directory `queuecast profile --store DIR --out OUT` wrote (its tables as
Parquet and CSV, and `profile.json`). This script re-implements the profile definitions on
its own (it never calls or imports queuecast and reuses none of its numbers): it reads the
store's Parquet files, keeps the tickets whose local date lies in the window recorded in
`profile.json`, recomputes every table in plain pandas/numpy and compares:

* `weekday_hour` (office x service, and `*` = all services, x ISO weekday x local hour) and
  `slot15` (the same by 15-minute slot): open_days, tickets, tickets_per_open_day,
  walk_in/appointment, served/no_show/cancelled (exactly); wait mean/median/p90 and
  service_mean_min in minutes, service_level (to 1e-9); avg_waiting (every row) and, on `*`
  rows, avg_active_counters and utilisation (to 1e-6); which cells exist;
* `daily` (office x local date): the ticket statistics, max_waiting, max_active_counters
  (exactly) and mean_active_counters (to 1e-6);
* `monthly` (office x service/`*` x year x month): tickets and the wait statistics;
* `peaks` (office x weekday): open_hours and the busiest and quietest open hour;
* small-cell suppression when the profile was written with it (cells with tickets <
  min_cell_tickets: every value null except the keys and open_days, `suppressed` = true;
  without suppression there is no `suppressed` column);
* each table's columns, `profile.json`'s row counts, and each CSV against its Parquet
  twin (floats to the CSV's 4 decimals).

Exit code 0 when everything matches, 1 when something differs (the first differences are
listed), 2 when the checker cannot run (no store, no profile.json, bad arguments).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

# --------------------------------------------------------------------------------------
# Definitions (from the spec: issue 5 and profile.json, not from the Rust code)
# --------------------------------------------------------------------------------------

TZ_NAME = "Europe/Berlin"
ALL = "*"  # the service value of rows over all services
DAY_MS = 86_400_000
SLOT_MS = 15 * 60_000
SLOTS = 96  # 15-minute wall-clock slots of a local day
CHUNK = 16_384  # rows of the interval x slot matrices computed at once

TOL = 1e-9  # ticket statistics (relative above 1)
TOL_TIME = 1e-6  # time averages from the replayed queue
CSV_TOL = 0.5e-4 + 1e-9  # the CSVs round floats to 4 decimals

COUNTS = ["tickets", "walk_in", "appointment", "served", "no_show", "cancelled"]
WAITS = ["wait_mean_min", "wait_median_min", "wait_p90_min", "service_mean_min", "service_level"]
CELL_COLUMNS = (
    ["open_days", "tickets", "tickets_per_open_day"]
    + COUNTS[1:]
    + WAITS
    + ["avg_waiting", "avg_active_counters", "utilisation"]
)
TABLES = {
    # name: (keys, value columns, columns compared on `*` rows only)
    "weekday_hour": (["office_id", "service", "weekday", "hour"], CELL_COLUMNS,
                     ["avg_active_counters", "utilisation"]),
    "slot15": (["office_id", "service", "weekday", "slot"], CELL_COLUMNS,
               ["avg_active_counters", "utilisation"]),
    "daily": (["office_id", "local_date"],
              COUNTS + WAITS + ["max_waiting", "max_active_counters", "mean_active_counters"], []),
    "monthly": (["office_id", "service", "year", "month"], ["tickets"] + WAITS, []),
}
SUPPRESSIBLE = ["weekday_hour", "slot15", "daily", "monthly"]
OFFICE_LEVEL = ["open_days"]  # kept in suppressed cells: it describes the office
EXACT = set(COUNTS) | {"open_days", "max_waiting", "max_active_counters", "open_hours",
                       "busiest_hour", "quietest_hour"}
TIME_AVERAGES = {"avg_waiting", "avg_active_counters", "utilisation", "mean_active_counters",
                 "busiest_avg_waiting", "quietest_avg_waiting"}
PEAK_COLUMNS = ["open_hours"] + [
    f"{side}_{c}" for side in ("busiest", "quietest")
    for c in ("hour", "wait_mean_min", "tickets_per_open_day", "avg_waiting")
]

MAX_SHOWN = 20


class CheckerError(Exception):
    """The checker cannot run (exit 2)."""


class Diffs:
    def __init__(self):
        self.items: list[tuple[str, str]] = []
        self.counts = defaultdict(int)

    def add(self, kind: str, text: str):
        self.counts[kind] += 1
        self.items.append((kind, text))

    def __bool__(self):
        return bool(self.items)


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def day_number(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def read_meta(profiles: Path) -> dict:
    path = profiles / "profile.json"
    if not path.is_file():
        raise CheckerError(f"{path} does not exist")
    try:
        meta = json.loads(path.read_text())
        out = {
            "from": dt.date.fromisoformat(meta["from"]),
            "to": dt.date.fromisoformat(meta["to"]),
            "threshold_s": float(meta["service_level_minutes"]) * 60.0,
            "k": int(meta["min_cell_tickets"]),
            "suppressed": bool(meta["suppressed"]),
            "gap_ms": round(float(meta["counter_idle_gap_minutes"]) * 60_000),
            "rows": meta.get("rows", {}),
        }
    except (KeyError, ValueError, TypeError) as e:
        raise CheckerError(f"{path}: cannot read the window and parameters ({e!r})") from None
    if out["from"] > out["to"]:
        raise CheckerError(f"{path}: from {out['from']} is after to {out['to']}")
    return out


def read_store(root: Path, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Tickets whose local date lies in [first, last], one row each, instants as UTC ms."""
    tickets = root / "tickets"
    if not tickets.is_dir():
        raise CheckerError(f"{tickets} does not exist")
    hive = ds.partitioning(
        pa.schema([("office_id", pa.string()), ("year", pa.string()), ("month", pa.string())]),
        flavor="hive",
    )
    dataset = ds.dataset(str(tickets), format="parquet", partitioning=hive)
    cols = ["service", "channel", "outcome", "counter", "issued_at", "called_at", "finished_at",
            "local_date", "weekday", "hour", "minute_of_day", "wait_s", "service_s"]
    first_month, last_month = (first.year, first.month), (last.year, last.month)
    parts = []
    for frag in dataset.get_fragments():
        keys = ds.get_partition_keys(frag.partition_expression)
        try:
            month = (int(keys["year"]), int(keys["month"]))
        except (KeyError, ValueError):
            raise CheckerError(f"{frag.path}: not under office_id=…/year=…/month=…") from None
        if not first_month <= month <= last_month:
            continue  # partitions hold the tickets of one local month
        t = frag.to_table(columns=cols)
        conv = {"office_id": pa.array([keys["office_id"]] * t.num_rows, type=pa.string())}
        for c in cols:
            arr = t.column(c)
            if c in ("service", "channel", "outcome", "counter"):
                arr = arr.cast(pa.string())
            elif c.endswith("_at"):
                if arr.type.unit != "ms":
                    raise CheckerError(f"{frag.path}: column {c} is not in milliseconds")
                arr = arr.cast(pa.timestamp("ms")).cast(pa.int64())
            elif c == "local_date":
                arr = arr.cast(pa.int32()).cast(pa.int64())
            conv[c] = arr
        t = pa.table(conv)
        day = t.column("local_date")
        keep = pc.and_(pc.greater_equal(day, day_number(first)), pc.less_equal(day, day_number(last)))
        parts.append(t.filter(keep))
    if not parts:
        return pd.DataFrame(columns=["office_id"] + cols)
    f = pa.concat_tables(parts).to_pandas()
    f = f.rename(columns={"issued_at": "issued_ms", "called_at": "called_ms",
                          "finished_at": "finished_ms", "local_date": "local_day"})
    for c in ("weekday", "hour", "minute_of_day", "issued_ms", "local_day"):
        f[c] = f[c].astype(np.int64)
    return f


def read_output(profiles: Path, name: str) -> pd.DataFrame | None:
    """A profile table as written: strings as str, dates as day numbers, nulls as NaN/None."""
    path = profiles / f"{name}.parquet"
    if not path.is_file():
        return None
    t = pq.read_table(path)
    conv = {}
    for field in t.schema:
        arr = t.column(field.name)
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type) \
                or pa.types.is_string_view(field.type) or pa.types.is_dictionary(field.type):
            arr = arr.cast(pa.string())
        elif pa.types.is_date32(field.type):
            arr = arr.cast(pa.int32())
        conv[field.name] = arr
    return pa.table(conv).to_pandas()


# --------------------------------------------------------------------------------------
# Ticket statistics of cells (straight groupby aggregations)
# --------------------------------------------------------------------------------------


def with_all_services(t: pd.DataFrame) -> pd.DataFrame:
    """Every ticket twice: under its own service and under `*`."""
    return pd.concat([t, t.assign(service=ALL)], ignore_index=True)


def ticket_stats(t: pd.DataFrame, keys: list[str], threshold_s: float, outcomes=True) -> pd.DataFrame:
    """Counts and wait statistics per cell. Quantiles: pandas' default, linear interpolation
    between closest ranks (position q*(n-1) in the sorted values)."""
    t = t.assign(
        wait_min=t["wait_s"] / 60.0,
        service_min=t["service_s"] / 60.0,
        within=(t["wait_s"].notna() & (t["wait_s"] <= threshold_s)).astype(np.int64),
        walk_in=(t["channel"] == "walk_in").astype(np.int64),
        appointment=(t["channel"] == "appointment").astype(np.int64),
        served=(t["outcome"] == "served").astype(np.int64),
        no_show=(t["outcome"] == "no_show").astype(np.int64),
        cancelled=(t["outcome"] == "cancelled").astype(np.int64),
    )
    g = t.groupby(keys, sort=True)
    out = pd.DataFrame({"tickets": g.size()})
    if outcomes:
        for c in COUNTS[1:]:
            out[c] = g[c].sum()
    out["wait_mean_min"] = g["wait_min"].mean()
    out["wait_median_min"] = g["wait_min"].quantile(0.5)
    out["wait_p90_min"] = g["wait_min"].quantile(0.9)
    out["service_mean_min"] = g["service_min"].mean()
    called = g["wait_min"].count()
    out["service_level"] = (g["within"].sum() / called).where(called > 0)
    return out.reset_index()


# --------------------------------------------------------------------------------------
# The queue over time, per office-day (for avg_waiting, counters, max_waiting)
# --------------------------------------------------------------------------------------


def slot_bounds(days: np.ndarray) -> np.ndarray:
    """(n, 97) instants (UTC ms) at which the 15-minute wall-clock slots of each local date
    start; the last is the next midnight. A wall time skipped in spring starts where the
    clocks jump to (zero-length slots); a repeated autumn time is taken at its first
    occurrence, so the slot 02:45 then lasts until 03:00 CET (75 minutes)."""
    naive = days[:, None] * DAY_MS + np.arange(SLOTS + 1)[None, :] * SLOT_MS
    idx = pd.DatetimeIndex(naive.ravel().astype("datetime64[ms]"))
    local = idx.tz_localize(TZ_NAME, ambiguous=np.ones(len(idx), dtype=bool),
                            nonexistent="shift_forward")
    bounds = local.as_unit("ms").asi8.reshape(naive.shape)
    assert (np.diff(bounds, axis=1) >= 0).all()
    return bounds


def slot_integrals(group: np.ndarray, day: np.ndarray, start: np.ndarray, end: np.ndarray,
                   bounds: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum over the intervals of each group of the milliseconds of [start, end) that fall in
    each slot of the interval's office-day: (n_groups, 96) int64."""
    acc = np.zeros((n_groups, SLOTS), dtype=np.int64)
    order = np.argsort(group, kind="stable")
    for a in range(0, len(order), CHUNK):
        rows = order[a : a + CHUNK]
        b = bounds[day[rows]]
        lo = np.maximum(start[rows, None], b[:, :-1])
        hi = np.minimum(end[rows, None], b[:, 1:])
        ms = np.clip(hi - lo, 0, None)
        g = group[rows]  # sorted
        uniq, first = np.unique(g, return_index=True)
        acc[uniq] += np.add.reduceat(ms, first, axis=0)
    return acc


def merge_intervals(day: np.ndarray, key: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Union of the intervals [start, end) of each (day, key): (day, start, end) arrays."""
    f = pd.DataFrame({"day": day, "key": key, "s": start, "e": end}).sort_values(
        ["day", "key", "s"], kind="stable").reset_index(drop=True)
    reach = f.groupby(["day", "key"])["e"].cummax()
    same = (f["day"] == f["day"].shift()) & (f["key"] == f["key"].shift())
    new = ~same | (f["s"] > reach.shift())
    block = new.cumsum()
    m = f.groupby(block).agg(day=("day", "first"), s=("s", "min"), e=("e", "max"))
    return m["day"].to_numpy(), m["s"].to_numpy(), m["e"].to_numpy()


def max_level(day: np.ndarray, t_up: np.ndarray, t_down: np.ndarray, n_days: int) -> np.ndarray:
    """Per day, the maximum over instants t of the number of intervals [up, down) holding at
    t, all changes at t applied (an interval that starts and ends at t never counts)."""
    ev = pd.DataFrame({
        "day": np.concatenate([day, day]),
        "t": np.concatenate([t_up, t_down]),
        "d": np.concatenate([np.ones(len(day), np.int64), -np.ones(len(day), np.int64)]),
    })
    steps = ev.groupby(["day", "t"], sort=True)["d"].sum().reset_index()
    steps["level"] = steps.groupby("day")["d"].cumsum()
    out = np.zeros(n_days, dtype=np.int64)
    top = steps.groupby("day")["level"].max()
    out[top.index.to_numpy()] = np.maximum(top.to_numpy(), 0)
    return out


def nearest_rank_bound(waits: np.ndarray) -> int | None:
    """1.5 x the nearest-rank p99 of integer waits (ms), at least 30 min; None under 100."""
    if len(waits) < 100:
        return None
    w = np.sort(waits.astype(np.int64))
    rank = -(-99 * len(w) // 100)  # ceil(0.99 n)
    p99 = max(int(w[rank - 1]), 0)
    return max(p99 * 3 // 2, 30 * 60_000)


def wait_bounds(office: np.ndarray, is_called: np.ndarray, wait: np.ndarray) -> np.ndarray:
    """Each ticket's wait bound (ms) from its office's called waits."""
    pooled = nearest_rank_bound(wait[is_called])
    fallback = pooled if pooled is not None else 180 * 60_000
    out = np.full(len(office), fallback, dtype=np.int64)
    for o in np.unique(office):
        mine = office == o
        b = nearest_rank_bound(wait[mine & is_called])
        if b is not None:
            out[mine] = b
    return out


class Occupancy:
    """Per office-day and slot: observed, waiting (all and per service), active and busy
    counter milliseconds; per office-day: max waiting and max active counters."""

    def __init__(self, t: pd.DataFrame, gap_ms: int):
        days = t[["office_id", "local_day"]].drop_duplicates().sort_values(
            ["office_id", "local_day"]).reset_index(drop=True)
        days["d"] = np.arange(len(days))
        t = t.merge(days, on=["office_id", "local_day"], how="left")
        n = len(days)
        d = t["d"].to_numpy()
        self.days = days
        self.bounds = slot_bounds(days["local_day"].to_numpy())

        issued = t["issued_ms"].to_numpy(dtype=np.int64)
        is_called = t["called_ms"].notna().to_numpy()
        called = t["called_ms"].fillna(0).to_numpy(dtype=np.int64)
        has_fin = t["finished_ms"].notna().to_numpy()
        finished = t["finished_ms"].fillna(0).to_numpy(dtype=np.int64)

        # A ticket waits until its call, its void time (finished_at of a ticket never called)
        # or its issue plus its office's wait bound, whichever comes first, never before its
        # issue. Bound: 1.5 x the nearest-rank p99 wait of the office's called tickets in the
        # window (integer ms, 3/2 rounded down), at least 30 min; offices with fewer than 100
        # called tickets get the bound of all offices pooled; without 100 at all, 3 hours.
        bound = wait_bounds(t["office_id"].to_numpy(), is_called, called - issued)
        natural = np.where(is_called, called, np.where(has_fin, finished, np.iinfo(np.int64).max))
        wait_end = np.maximum(np.minimum(natural, issued + bound), issued)
        finish = np.where(has_fin, finished, called)  # called tickets: end of service

        # Observed span of an office-day: first issue .. last recorded instant.
        last_event = np.maximum.reduce([issued, np.where(is_called, called, issued),
                                        np.where(has_fin, finished, issued)])
        span_lo = pd.Series(issued).groupby(d).min().to_numpy()
        span_hi = pd.Series(last_event).groupby(d).max().to_numpy()
        self.span = (span_lo, span_hi)
        day_ids = np.arange(n)
        self.observed = slot_integrals(day_ids, day_ids, span_lo, span_hi, self.bounds, n)

        # Waiting: issued .. called (cancelled: .. leaving), clipped to the span.
        services = sorted(t["service"].unique())
        self.services = services
        s_code = pd.Categorical(t["service"], categories=services).codes.astype(np.int64)
        w_lo = np.maximum(issued, span_lo[d])
        w_hi = np.minimum(wait_end, span_hi[d])
        self.waiting_by_service = slot_integrals(
            d * len(services) + s_code, d, w_lo, w_hi, self.bounds, n * len(services)
        ).reshape(n, len(services), SLOTS)
        self.waiting = self.waiting_by_service.sum(axis=1)
        self.max_waiting = max_level(d, issued, wait_end, n)

        # Counters: busy while a ticket it called is not finished; active from a call until
        # it has been idle (nothing open) for the gap. Per counter the union of the
        # intervals, clipped to the span.
        c = is_called & t["counter"].notna().to_numpy()
        cd, ck = d[c], t["counter"].to_numpy()[c]
        cs, cf = called[c], finish[c]
        bd, bs, be = merge_intervals(cd, ck, cs, cf)
        ad, as_, ae = merge_intervals(cd, ck, cs, cf + gap_ms)
        self.busy = slot_integrals(bd, bd, np.maximum(bs, span_lo[bd]), np.minimum(be, span_hi[bd]),
                                   self.bounds, n)
        self.active = slot_integrals(ad, ad, np.maximum(as_, span_lo[ad]),
                                     np.minimum(ae, span_hi[ad]), self.bounds, n)
        self.max_active = max_level(ad, as_, ae, n)

    def slot_frame(self) -> pd.DataFrame:
        """One row per office-day x slot x service (and `*`), in milliseconds."""
        n = len(self.days)
        weekday = (self.days["local_day"].to_numpy() + 3) % 7 + 1  # 1970-01-01 was a Thursday
        base = pd.DataFrame({
            "office_id": np.repeat(self.days["office_id"].to_numpy(), SLOTS),
            "weekday": np.repeat(weekday, SLOTS),
            "slot": np.tile(np.arange(SLOTS), n),
            "observed_ms": self.observed.ravel(),
        })
        frames = [base.assign(service=ALL, waiting_ms=self.waiting.ravel(),
                              active_ms=self.active.ravel(), busy_ms=self.busy.ravel())]
        for j, s in enumerate(self.services):
            frames.append(base.assign(service=s, waiting_ms=self.waiting_by_service[:, j, :].ravel(),
                                      active_ms=0, busy_ms=0))
        return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------
# Expected tables
# --------------------------------------------------------------------------------------


def ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    a, b = a.astype(float), b.astype(float)
    return (a / b.where(b > 0)).where(b > 0)


def cell_table(both: pd.DataFrame, slots: pd.DataFrame, open_days: pd.DataFrame, key: str,
               threshold_s: float) -> pd.DataFrame:
    """weekday_hour (key 'hour') or slot15 (key 'slot')."""
    keys = ["office_id", "service", "weekday", key]
    stats = ticket_stats(both, keys, threshold_s)
    if key == "hour":
        slots = slots.assign(hour=slots["slot"] // 4)
    occ = slots.groupby(keys, sort=True)[["observed_ms", "waiting_ms", "active_ms", "busy_ms"]].sum()
    occ = occ.reset_index()
    m = stats.merge(occ, on=keys, how="outer")
    for c in COUNTS:
        m[c] = m[c].fillna(0).astype(np.int64)
    # A cell exists when a ticket was drawn in it or someone waited in it.
    m = m[(m["tickets"] > 0) | (m["waiting_ms"].fillna(0) > 0)].copy()
    m = m.merge(open_days, on=["office_id", "weekday"], how="left")
    m["tickets_per_open_day"] = m["tickets"] / m["open_days"]
    m["avg_waiting"] = ratio(m["waiting_ms"].fillna(0), m["observed_ms"])
    m["avg_active_counters"] = ratio(m["active_ms"].fillna(0), m["observed_ms"])
    m["utilisation"] = ratio(m["busy_ms"], m["active_ms"])
    return m[keys + CELL_COLUMNS].sort_values(keys).reset_index(drop=True)


def expected_tables(t: pd.DataFrame, meta: dict):
    thr = meta["threshold_s"]
    both = with_all_services(t)
    both["slot"] = both["minute_of_day"] // 15
    occ = Occupancy(t, meta["gap_ms"])
    slots = occ.slot_frame()
    open_days = t.groupby(["office_id", "weekday"])["local_day"].nunique().rename("open_days").reset_index()

    out = {
        "weekday_hour": cell_table(both, slots, open_days, "hour", thr),
        "slot15": cell_table(both, slots, open_days, "slot", thr),
    }

    daily = ticket_stats(t, ["office_id", "local_day"], thr)
    days = occ.days.assign(
        max_waiting=occ.max_waiting,
        max_active_counters=occ.max_active,
        mean_active_counters=ratio(pd.Series(occ.active.sum(axis=1)),
                                   pd.Series(occ.observed.sum(axis=1))).to_numpy(),
    )
    daily = daily.merge(days, on=["office_id", "local_day"], how="left").rename(
        columns={"local_day": "local_date"})
    out["daily"] = daily

    dates = pd.DatetimeIndex(both["local_day"].to_numpy().astype("datetime64[D]"))
    both["year"], both["month"] = dates.year.astype(np.int64), dates.month.astype(np.int64)
    out["monthly"] = ticket_stats(both, ["office_id", "service", "year", "month"], thr, outcomes=False)

    if meta["suppressed"]:
        for name in SUPPRESSIBLE:
            out[name] = suppress(out[name], TABLES[name][0], meta["k"])
    out["peaks"] = peaks(out["weekday_hour"])
    return out, occ


def suppress(df: pd.DataFrame, keys: list[str], k: int) -> pd.DataFrame:
    df = df.copy()
    small = (df["tickets"] < k).to_numpy()
    for c in df.columns:
        if c not in keys and c not in OFFICE_LEVEL:
            df[c] = df[c].astype(float).where(~small)
    df["suppressed"] = small
    return df


def peaks(weekday_hour: pd.DataFrame) -> pd.DataFrame:
    """Per office and weekday, among the open hours (`*` rows with a mean wait and at least
    one ticket per open day, not suppressed): the hour with the longest and the shortest mean
    wait, the earlier hour on ties."""
    h = weekday_hour[(weekday_hour["service"] == ALL) & weekday_hour["wait_mean_min"].notna()
                     & (weekday_hour["tickets_per_open_day"] >= 1.0)]
    h = h.sort_values(["office_id", "weekday", "hour"])
    rows = []
    for (office, weekday), g in h.groupby(["office_id", "weekday"], sort=True):
        b = g.loc[g["wait_mean_min"].idxmax()]
        q = g.loc[g["wait_mean_min"].idxmin()]
        row = {"office_id": office, "weekday": weekday, "open_hours": len(g)}
        for side, r in (("busiest", b), ("quietest", q)):
            row[f"{side}_hour"] = r["hour"]
            row[f"{side}_wait_mean_min"] = r["wait_mean_min"]
            row[f"{side}_tickets_per_open_day"] = r["tickets_per_open_day"]
            row[f"{side}_avg_waiting"] = r["avg_waiting"]
        rows.append(row)
    return pd.DataFrame(rows, columns=["office_id", "weekday"] + PEAK_COLUMNS)


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------


def show(x) -> str:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return "null"
    if isinstance(x, (float, np.floating)):
        return f"{x:.12g}"
    return str(x)


def show_key(keys: list[str], r) -> str:
    parts = []
    for k in keys:
        v = r[k]
        if k == "local_date":
            v = np.datetime64(int(v), "D")
        elif not isinstance(v, str):
            v = int(v)
        parts.append(f"{k}={v}")
    return ", ".join(parts)


def close(a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    return np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))


def normalise_keys(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    df = df.copy()
    for k in keys:
        if k in ("office_id", "service"):
            df[k] = df[k].astype(str)
        else:
            df[k] = df[k].astype(np.int64)
    return df


def compare_table(name: str, exp: pd.DataFrame, act: pd.DataFrame, keys: list[str],
                  columns: list[str], all_only: list[str], diffs: Diffs):
    want = keys + columns
    missing_cols = [c for c in want if c not in act.columns]
    extra_cols = [c for c in act.columns if c not in want]
    if missing_cols or extra_cols:
        diffs.add("schema", f"{name}: columns missing {missing_cols}, unexpected {extra_cols}")
    if any(k not in act.columns for k in keys):
        return
    exp, act = normalise_keys(exp, keys), normalise_keys(act, keys)
    dup = act[act.duplicated(keys, keep=False)]
    for _, r in dup.head(MAX_SHOWN).iterrows():
        diffs.add("cells", f"{name}: cell listed twice: {show_key(keys, r)}")
    act = act.drop_duplicates(keys)
    m = exp.merge(act, on=keys, how="outer", suffixes=("", "_out"), indicator=True)
    for side, text in (("left_only", "expected but missing"), ("right_only", "not expected")):
        rows = m[m["_merge"] == side]
        for _, r in rows.head(MAX_SHOWN).iterrows():
            extra = ""
            if "tickets" in m.columns:
                t = r["tickets"] if side == "left_only" else r.get("tickets_out")
                extra = f" (tickets {show(t)})"
            diffs.add("cells", f"{name}: {text}: {show_key(keys, r)}{extra}")
        if len(rows) > MAX_SHOWN:
            diffs.add("cells", f"{name}: ... and {len(rows) - MAX_SHOWN} more cells {text}")
    both = m[m["_merge"] == "both"]
    for c in columns:
        if c not in act.columns:
            continue
        sub = both[both["service"] == ALL] if c in all_only else both
        a = sub[c].astype(float).to_numpy()
        b = sub[c + "_out"].astype(float).to_numpy()
        na_a, na_b = np.isnan(a), np.isnan(b)
        if c in EXACT or c == "suppressed":
            eq = a == b
        else:
            eq = close(a, b, TOL_TIME if c in TIME_AVERAGES else TOL)
        eq = np.where(na_a | na_b, na_a & na_b, eq)
        bad = np.flatnonzero(~eq)
        for i in bad[:MAX_SHOWN]:
            r = sub.iloc[i]
            diffs.add("values", f"{name}: {c} expected {show(r[c])}, profile has {show(r[c + '_out'])} "
                      f"({show_key(keys, r)})")
        if len(bad) > MAX_SHOWN:
            diffs.add("values", f"{name}: {c}: ... and {len(bad) - MAX_SHOWN} more cells differ")


def compare_peaks(exp: pd.DataFrame, act: pd.DataFrame, weekday_hour: pd.DataFrame, diffs: Diffs):
    """As compare_table, but an hour whose mean wait ties the extreme (to rounding) may stand
    in for the expected one; its other values are then compared with that hour's."""
    keys = ["office_id", "weekday"]
    exp = exp.copy()
    act = normalise_keys(act, keys)
    cells = weekday_hour[weekday_hour["service"] == ALL].set_index(["office_id", "weekday", "hour"])
    if all(c in act.columns for c in keys + ["busiest_hour", "quietest_hour"]):
        merged = exp.merge(act[keys + ["busiest_hour", "quietest_hour"]], on=keys, how="inner",
                           suffixes=("", "_out"))
        for side in ("busiest", "quietest"):
            for _, r in merged.iterrows():
                h_exp, h_out = int(r[f"{side}_hour"]), r[f"{side}_hour_out"]
                if pd.isna(h_out) or int(h_out) == h_exp:
                    continue
                key = (r["office_id"], int(r["weekday"]), int(h_out))
                if key not in cells.index:
                    continue
                alt = cells.loc[key]
                if pd.notna(alt["wait_mean_min"]) and alt["tickets_per_open_day"] >= 1.0 and close(
                        np.array([alt["wait_mean_min"]]), np.array([r[f"{side}_wait_mean_min"]]), TOL)[0]:
                    i = exp.index[(exp["office_id"] == r["office_id"]) & (exp["weekday"] == r["weekday"])]
                    exp.loc[i, f"{side}_hour"] = int(h_out)
                    exp.loc[i, f"{side}_wait_mean_min"] = alt["wait_mean_min"]
                    exp.loc[i, f"{side}_tickets_per_open_day"] = alt["tickets_per_open_day"]
                    exp.loc[i, f"{side}_avg_waiting"] = alt["avg_waiting"]
    compare_table("peaks", exp, act, keys, PEAK_COLUMNS, [], diffs)


def compare_csv(profiles: Path, name: str, act: pd.DataFrame, diffs: Diffs):
    """NAME.csv must hold the Parquet table, floats rounded to 4 decimals."""
    path = profiles / f"{name}.csv"
    if not path.is_file():
        diffs.add("csv", f"{path.name} does not exist")
        return
    csv = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(csv.columns) != list(act.columns) or len(csv) != len(act):
        diffs.add("csv", f"{path.name}: {len(csv)} rows, columns {list(csv.columns)}; the Parquet "
                  f"file has {len(act)} rows, columns {list(act.columns)}")
        return
    for c in act.columns:
        text = csv[c].to_numpy(dtype=object)
        col = act[c]
        empty = text == ""
        if c == "local_date":
            want = np.array([str(np.datetime64(int(v), "D")) for v in col], dtype=object)
            bad = text != want
        elif pd.api.types.is_bool_dtype(col.dtype) or c == "suppressed":
            flag = col.astype(object)
            want = np.array(["" if v is None or pd.isna(v) else ("true" if v else "false") for v in flag],
                            dtype=object)
            bad = text != want
        elif not pd.api.types.is_numeric_dtype(col.dtype):
            bad = text != np.array([show(v) if pd.notna(v) else "" for v in col], dtype=object)
        else:
            vals = pd.to_numeric(pd.Series(text).where(~empty), errors="coerce").to_numpy(dtype=float)
            ref = col.astype(float).to_numpy()
            tol = CSV_TOL if pd.api.types.is_float_dtype(col.dtype) else 0.0
            bad = np.where(np.isnan(ref) | np.isnan(vals), np.isnan(ref) != np.isnan(vals),
                           np.abs(vals - ref) > tol * np.maximum(1.0, np.abs(ref)))
        idx = np.flatnonzero(bad)
        if len(idx):
            i = idx[0]
            diffs.add("csv", f"{path.name}: column {c} row {i + 1}: {text[i]!r}, Parquet has "
                      f"{show(col.iloc[i])} ({len(idx)} row(s) differ)")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, type=Path, help="store directory")
    ap.add_argument("--profiles", required=True, type=Path, help="output directory of queuecast profile")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        if not args.store.is_dir():
            raise CheckerError(f"store {args.store} does not exist")
        if not args.profiles.is_dir():
            raise CheckerError(f"profile directory {args.profiles} does not exist")
        meta = read_meta(args.profiles)
        tickets = read_store(args.store, meta["from"], meta["to"])
    except (CheckerError, OSError, pa.ArrowException) as e:
        print(f"check_profile: error: {e}", file=sys.stderr)
        return 2
    if tickets.empty:
        print(f"check_profile: error: the store holds no tickets in {meta['from']} … {meta['to']}",
              file=sys.stderr)
        return 2

    expected, occ = expected_tables(tickets, meta)
    diffs = Diffs()
    found = {}
    for name in list(TABLES) + ["peaks"]:
        act = read_output(args.profiles, name)
        if act is None:
            diffs.add("files", f"{name}.parquet does not exist")
            continue
        found[name] = len(act)
        rows = meta["rows"].get(name)
        if rows != len(act):
            diffs.add("files", f"profile.json says {name} has {rows} rows, the Parquet file has {len(act)}")
        if name == "peaks":
            compare_peaks(expected["peaks"], act, expected["weekday_hour"], diffs)
        else:
            keys, columns, all_only = TABLES[name]
            if meta["suppressed"]:
                columns = columns + ["suppressed"]
            exp = expected[name]
            compare_table(name, exp, act, keys, columns, all_only, diffs)
        compare_csv(args.profiles, name, act, diffs)
    elapsed = time.perf_counter() - t0

    supp = f"suppression k={meta['k']}" if meta["suppressed"] else "no suppression"
    print(f"check_profile: store {args.store}, profiles {args.profiles}")
    print(f"  window {meta['from']} … {meta['to']}: {len(tickets)} tickets, {len(occ.days)} office-days, "
          f"{tickets['office_id'].nunique()} office(s); {supp}; service level ≤ "
          f"{meta['threshold_s'] / 60:g} min; counter idle gap {meta['gap_ms'] / 60_000:g} min")
    for name in list(TABLES) + ["peaks"]:
        print(f"  {name:<13} expected {len(expected[name]):>6} rows, found {found.get(name, '-'):>6}")
    if not diffs:
        print(f"OK: weekday_hour, slot15, daily, monthly and peaks match ({elapsed:.1f} s)")
        return 0
    summary = ", ".join(f"{k} {v}" for k, v in sorted(diffs.counts.items()))
    print(f"MISMATCH ({summary}); first differences:")
    for kind, text in diffs.items[:MAX_SHOWN]:
        print(f"  [{kind}] {text}")
    if len(diffs.items) > MAX_SHOWN:
        print(f"  ... {len(diffs.items) - MAX_SHOWN} more")
    print(f"({elapsed:.1f} s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
