#!/usr/bin/env python3
"""Independent pandas cross-check of `queuecast ingest`.

Usage:
    python3 notebooks/check_store.py --store DIR LOG.csv [LOG.csv ...]

The logs are given in the order they were ingested (`.csv`/`.txt`, optionally `.gz`).
This script re-implements the canonical-log rules on its own (it never calls or imports
queuecast): it parses and validates every row, drops exact duplicates, quarantines
conflicting ones, replaces office-days file by file, derives the local-time and duration
columns with pandas/zoneinfo, and then compares its result with what is in the store:

* every stored row, all columns exactly (instants as UTC milliseconds), plus the Parquet
  column types, the Hive layout (office_id/year/month of each file) and the row order;
* per file: rows_read, stored, duplicates and quarantined against manifest.json;
* per file: the quarantined line numbers (exactly), the reason of each (the store's reason
  must be one of the rules the row breaks here; exactly that one when it breaks only one)
  and the raw line, against the file's quarantine CSV.

Exit code 0 when everything matches, 1 when something differs (the first differences are
listed), 2 when the checker cannot run (bad arguments, unreadable log header, no store).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

# --------------------------------------------------------------------------------------
# The rules of the canonical log (from the spec, not from the Rust code)
# --------------------------------------------------------------------------------------

TZ_NAME = "Europe/Berlin"
TZ = ZoneInfo(TZ_NAME)
COLUMNS = [
    "office_id",
    "ticket_id",
    "service",
    "channel",
    "issued_at",
    "called_at",
    "finished_at",
    "counter",
    "outcome",
]
REQUIRED = ["office_id", "ticket_id", "service", "channel", "issued_at", "outcome"]
CHANNELS = {"walk_in", "appointment"}
OUTCOMES = {"served", "no_show", "cancelled"}
SERVICES = {"PA", "RP", "AB", "AN", "MB", "FZ", "KFZ", "FS"}
MAX_WAIT_MS = 14 * 3_600_000
MAX_SERVICE_MS = 14 * 3_600_000
YEARS = (2000, 2099)

REASONS = [
    "blank_line",
    "invalid_utf8",
    "malformed_record",
    "missing_fields",
    "extra_fields",
    "missing_value",
    "invalid_office_id",
    "bad_timestamp",
    "impossible_timestamp",
    "unknown_channel",
    "unknown_outcome",
    "unknown_service",
    "missing_called_at",
    "missing_finished_at",
    "missing_counter",
    "cancelled_but_called",
    "called_before_issued",
    "finished_before_called",
    "finished_before_issued",
    "wait_too_long",
    "service_too_long",
    "conflicting_duplicate",
]
BIT = {r: 1 << i for i, r in enumerate(REASONS)}

# Stored Parquet columns and their Arrow types ("str" = any Arrow string type).
STORED = [
    ("ticket_id", "str"),
    ("service", "str"),
    ("channel", "str"),
    ("issued_at", pa.timestamp("ms", tz=TZ_NAME)),
    ("called_at", pa.timestamp("ms", tz=TZ_NAME)),
    ("finished_at", pa.timestamp("ms", tz=TZ_NAME)),
    ("counter", "str"),
    ("outcome", "str"),
    ("local_date", pa.date32()),
    ("weekday", pa.int32()),
    ("hour", pa.int32()),
    ("minute_of_day", pa.int32()),
    ("wait_s", pa.int64()),
    ("service_s", pa.int64()),
]
COMPARED = [
    "office_id",
    "ticket_id",
    "service",
    "channel",
    "issued_ms",
    "called_ms",
    "finished_ms",
    "counter",
    "outcome",
    "local_day",
    "weekday",
    "hour",
    "minute_of_day",
    "wait_s",
    "service_s",
]
ROW_KEY = ["office_id", "issued_ms", "ticket_id"]

# Unicode White_Space (what a "blank" line may consist of).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
BLANKS = " \t"
# Office ids name store directories: path-safe characters, at most 64 of them.
OFFICE_RE = r"[A-Za-z0-9._-]{1,64}"
# RFC 3339 date-time: 'T', 't' or ' ' between date and time, any number of fraction digits,
# 'Z'/'z' or +hh:mm / -hh:mm. Digits are ASCII only.
TS_RE = (
    r"^(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[Tt ]"
    r"(?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):(?P<s>[0-9]{2})(?:\.(?P<frac>[0-9]+))?"
    r"(?:[Zz]|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))$"
)
# Text meant as a timestamp: `YYYY-MM-DDTHH:MM:SS` and something after it. Such a text that
# does not parse names an impossible instant; anything else is unparseable.
SHAPE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}."

MAX_SHOWN = 20


class CheckerError(Exception):
    """The checker cannot run (exit 2)."""


# --------------------------------------------------------------------------------------
# Reading a log: physical lines, CSV fields
# --------------------------------------------------------------------------------------


def split_csv(line: str):
    """Splits one physical line into trimmed values (RFC 4180 quotes); None if malformed.

    A value whose first non-blank character is '"' is quoted: '""' inside stands for '"',
    and only blanks may follow the closing quote. A '"' inside an unquoted value is kept
    as it is.
    """
    if '"' not in line:
        return [v.strip(BLANKS) for v in line.split(",")]
    out = []
    i, n = 0, len(line)
    while True:
        j = i
        while j < n and line[j] in BLANKS:
            j += 1
        if j < n and line[j] == '"':
            j += 1
            buf = []
            while True:
                k = line.find('"', j)
                if k < 0:
                    return None  # unterminated quote
                buf.append(line[j:k])
                if k + 1 < n and line[k + 1] == '"':
                    buf.append('"')
                    j = k + 2
                    continue
                j = k + 1
                break
            while j < n and line[j] in BLANKS:
                j += 1
            out.append("".join(buf).strip(BLANKS))
            if j == n:
                return out
            if line[j] != ",":
                return None  # text after the closing quote
            i = j + 1
        else:
            k = line.find(",", i)
            if k < 0:
                out.append(line[i:].strip(BLANKS))
                return out
            out.append(line[i:k].strip(BLANKS))
            i = k + 1


def read_log(path: Path):
    """Reads a log; returns (sha256 of the file's bytes, data lines read, rows, rejected, raw).

    rows: DataFrame of the lines with nine fields: 'line' plus the canonical columns, trimmed.
    rejected: line -> reason for lines without nine fields (blank, invalid UTF-8, ...).
    raw: line number -> raw text of that data line (for the quarantine comparison).
    """
    name = path.name.lower()
    gz = name.endswith(".gz")
    stem = name[:-3] if gz else name
    if not (stem.endswith(".csv") or stem.endswith(".txt")):
        raise CheckerError(f"{path}: only CSV logs (.csv/.txt, optionally .gz) are supported")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if gz:
        data = gzip.decompress(data)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the terminator of the last line, not a line
    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
    if not lines:
        raise CheckerError(f"{path}: empty file (no header)")

    header_bytes = lines[0]
    if header_bytes.startswith(b"\xef\xbb\xbf"):
        header_bytes = header_bytes[3:]
    try:
        header = split_csv(header_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise CheckerError(f"{path}: header is not UTF-8") from None
    if header is None or sorted(header) != sorted(COLUMNS):
        raise CheckerError(f"{path}: header {header!r} is not the nine canonical columns")
    pos = [header.index(c) for c in COLUMNS]

    try:
        texts = data.decode("utf-8").split("\n")[1 : len(lines)]  # the whole file is UTF-8
        texts = [t[:-1] if t.endswith("\r") else t for t in texts]
    except UnicodeDecodeError:
        texts = []
        for ln in lines[1:]:
            try:
                texts.append(ln.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(None)

    def raw(line_no):
        t = texts[line_no - 2]
        return t if t is not None else lines[line_no - 1].decode("utf-8", errors="replace")

    # Fast path: lines without quotes are split here and trimmed below, column by column.
    splits = [t.split(",") if t is not None and '"' not in t else None for t in texts]
    rows, line_nos, rejected = [], [], {}
    for idx, values in enumerate(splits):
        if values is not None and len(values) == 9:
            rows.append(values)
            line_nos.append(idx + 2)
            continue
        line_no, text = idx + 2, texts[idx]
        if text is None:
            rejected[line_no] = "invalid_utf8"
            continue
        if values is None:
            values = split_csv(text)
            if values is not None and len(values) == 9:
                rows.append(values)
                line_nos.append(line_no)
                continue
        if text.strip(WHITESPACE) == "":
            rejected[line_no] = "blank_line"
        elif values is None:
            rejected[line_no] = "malformed_record"
        else:
            rejected[line_no] = "missing_fields" if len(values) < 9 else "extra_fields"
    by_pos = list(zip(*rows)) if rows else [() for _ in range(9)]
    arrays = {
        c: pc.utf8_trim(pa.array(by_pos[p], type=pa.string()), characters=BLANKS)
        for c, p in zip(COLUMNS, pos)
    }
    frame = pa.table({"line": pa.array(line_nos, type=pa.int64()), **arrays}).to_pandas()
    return sha, len(lines) - 1, frame, rejected, raw


# --------------------------------------------------------------------------------------
# Validation (vectorised)
# --------------------------------------------------------------------------------------


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of proleptic Gregorian dates (numpy int64 arrays)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = np.where(m > 2, m - 3, m + 9)
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_instants(values: pd.Series):
    """RFC 3339 texts -> (epoch ms as float with NaN, status) where status is
    0 ok / 1 bad_timestamp / 2 impossible_timestamp / -1 empty."""
    n = len(values)
    ms = np.full(n, np.nan)
    status = np.full(n, -1, dtype=np.int8)
    present = (values != "").to_numpy(dtype=bool)
    if not present.any():
        return ms, status
    arr = pa.array(values[present].to_numpy(dtype=object), type=pa.string())
    g = pc.extract_regex(arr, TS_RE)
    matched = g.is_valid().to_numpy(zero_copy_only=False)
    shaped = pc.match_substring_regex(arr, SHAPE_RE).to_numpy(zero_copy_only=False)
    st = np.where(shaped, 2, 1).astype(np.int8)
    out_ms = np.full(len(arr), np.nan)
    if matched.any():
        gm = g.filter(pa.array(matched))

        def num(name, default="0"):
            f = gm.field(name)
            f = pc.if_else(pc.equal(f, ""), default, f)
            return f.cast(pa.int64()).to_numpy()

        y, mo, d, h, mi, s = (num(k) for k in ("y", "mo", "d", "h", "mi", "s"))
        frac = pc.utf8_rpad(pc.utf8_slice_codeunits(gm.field("frac"), 0, 3), 3, "0")
        frac_ms = frac.cast(pa.int64()).to_numpy()
        sign = np.where(gm.field("sign").to_numpy(zero_copy_only=False) == "-", -1, 1)
        oh, om = num("oh"), num("om")  # 'Z' leaves both empty: offset 0
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        dim = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(mo, 0, 12)]
        dim = dim + ((mo == 2) & leap)
        ok = (
            (mo >= 1) & (mo <= 12) & (d >= 1) & (d <= dim)
            & (h <= 23) & (mi <= 59) & (s <= 60)  # RFC 3339 allows a leap second (60)
            & (oh <= 23) & (om <= 59)
        )
        days = days_from_civil(y, mo, d)
        t = ((days * 86400 + h * 3600 + mi * 60 + s) - sign * (oh * 3600 + om * 60)) * 1000 + frac_ms
        utc_year = t.astype("datetime64[ms]").astype("datetime64[Y]").astype(np.int64) + 1970
        good = ok & (utc_year >= YEARS[0]) & (utc_year <= YEARS[1])
        idx = np.flatnonzero(matched)
        st[idx] = np.where(good, 0, 2)  # RFC 3339 shape but an impossible or implausible value
        out_ms[idx] = np.where(good, t, np.nan)
    ms[present] = out_ms
    status[present] = st
    return ms, status


def validate(df: pd.DataFrame) -> pd.DataFrame:
    """Adds 'bits' (every rule the row breaks) and the parsed instants to the nine-field rows."""
    bits = np.zeros(len(df), dtype=np.int64)

    def flag(mask, reason):
        nonlocal bits
        bits |= np.where(np.asarray(mask, dtype=bool), BIT[reason], 0)

    empty = {c: (df[c] == "").to_numpy() for c in COLUMNS}
    for c in REQUIRED:
        flag(empty[c], "missing_value")
    office = df["office_id"]
    flag(
        ~empty["office_id"]
        & (~office.str.fullmatch(OFFICE_RE).to_numpy(dtype=bool) | office.str.startswith(".").to_numpy(dtype=bool)),
        "invalid_office_id",
    )
    flag(~empty["channel"] & ~df["channel"].isin(CHANNELS).to_numpy(), "unknown_channel")
    flag(~empty["outcome"] & ~df["outcome"].isin(OUTCOMES).to_numpy(), "unknown_outcome")
    flag(~empty["service"] & ~df["service"].isin(SERVICES).to_numpy(), "unknown_service")

    parsed = {}
    for c in ("issued_at", "called_at", "finished_at"):
        ms, st = parse_instants(df[c])
        flag(st == 1, "bad_timestamp")
        flag(st == 2, "impossible_timestamp")
        parsed[c] = ms
    i, c_, f = parsed["issued_at"], parsed["called_at"], parsed["finished_at"]

    outcome = df["outcome"].to_numpy()
    called_kind = np.isin(outcome, ["served", "no_show"])
    cancelled = outcome == "cancelled"
    flag(called_kind & empty["called_at"], "missing_called_at")
    flag(called_kind & empty["finished_at"], "missing_finished_at")
    flag(called_kind & empty["counter"], "missing_counter")
    flag(cancelled & (~empty["called_at"] | ~empty["counter"]), "cancelled_but_called")

    with np.errstate(invalid="ignore"):
        flag(c_ < i, "called_before_issued")
        flag(c_ - i > MAX_WAIT_MS, "wait_too_long")
        flag(f < c_, "finished_before_called")
        flag(f - c_ > MAX_SERVICE_MS, "service_too_long")
        no_call = empty["called_at"]
        flag(no_call & (f < i), "finished_before_issued")
        flag(no_call & (f - i > MAX_WAIT_MS), "wait_too_long")

    out = df.copy()
    out["bits"] = bits
    out["issued_ms"] = i
    out["called_ms"] = c_
    out["finished_ms"] = f
    return out


def local_parts(ms: pd.Series) -> pd.DataFrame:
    """Local date (days since epoch), ISO weekday, hour and minute of day in Europe/Berlin."""
    utc = pd.to_datetime(ms.to_numpy(dtype=np.int64), unit="ms", utc=True)
    local = utc.tz_convert(TZ)
    naive = local.tz_localize(None)
    day = naive.to_numpy().astype("datetime64[D]").astype(np.int64)
    return pd.DataFrame(
        {
            "local_day": day,
            "weekday": (local.day_of_week + 1).to_numpy(dtype=np.int64),
            "hour": local.hour.to_numpy(dtype=np.int64),
            "minute_of_day": (local.hour * 60 + local.minute).to_numpy(dtype=np.int64),
        },
        index=ms.index,
    )


# --------------------------------------------------------------------------------------
# One file: validate, dedup
# --------------------------------------------------------------------------------------


class FileResult:
    def __init__(self, path: Path):
        self.path = path
        self.sha256 = ""
        self.rows_read = 0
        self.stored = 0
        self.duplicates = 0
        self.quarantined = 0
        # line -> (set of acceptable reasons, raw text)
        self.quarantine: dict[int, tuple[frozenset, str]] = {}
        self.rows = None  # stored rows of this file (DataFrame)


def process_file(path: Path) -> FileResult:
    res = FileResult(path)
    res.sha256, res.rows_read, frame, rejected, raw = read_log(path)
    for line, reason in rejected.items():
        res.quarantine[line] = (frozenset([reason]), raw(line))

    v = validate(frame)
    bad = v["bits"].to_numpy() != 0
    sets = {}
    for line, b in zip(v["line"].to_numpy()[bad].tolist(), v["bits"].to_numpy()[bad].tolist()):
        if b not in sets:
            sets[b] = frozenset(r for r in REASONS if b & BIT[r])
        res.quarantine[line] = (sets[b], raw(line))

    good = v[~bad].copy()
    for c in ("issued_ms", "called_ms", "finished_ms"):
        good[c] = pd.array(good[c].to_numpy(), dtype="Int64") if len(good) else pd.array([], dtype="Int64")
    good["counter"] = good["counter"].where(good["counter"] != "", None)
    good["local_day"] = local_parts(good["issued_ms"].astype("int64"))["local_day"] if len(good) else []

    key = ["office_id", "local_day", "ticket_id"]
    vals = ["issued_ms", "called_ms", "finished_ms", "counter", "service", "channel", "outcome"]
    cmp = good[key + vals].copy()
    cmp["counter"] = cmp["counter"].fillna("\x00none")
    for c in ("called_ms", "finished_ms"):
        cmp[c] = cmp[c].fillna(np.iinfo(np.int64).min)
    versions = cmp.drop_duplicates().groupby(key, sort=False).size().rename("versions").reset_index()
    good = good.merge(versions, on=key, how="left")
    conflict = good["versions"].to_numpy() > 1
    for line in good["line"].to_numpy()[conflict]:
        res.quarantine[int(line)] = (frozenset(["conflicting_duplicate"]), raw(int(line)))
    kept = good[~conflict].sort_values("line")
    unique = kept.drop_duplicates(key, keep="first")
    res.duplicates = len(kept) - len(unique)
    res.stored = len(unique)
    res.quarantined = len(res.quarantine)
    res.rows = unique[["office_id", "ticket_id", "service", "channel", "issued_ms", "called_ms",
                       "finished_ms", "counter", "outcome", "local_day"]].reset_index(drop=True)
    return res


def apply_files(results: list[FileResult]) -> pd.DataFrame:
    """The expected store: each file replaces the office-days it stores rows for."""
    store = None
    for r in results:
        new = r.rows
        if store is None:
            store = new
            continue
        days = new[["office_id", "local_day"]].drop_duplicates()
        days["_replaced"] = True
        store = store.merge(days, on=["office_id", "local_day"], how="left")
        store = store[store["_replaced"].isna()].drop(columns="_replaced")
        store = pd.concat([store, new], ignore_index=True)
    store = store.reset_index(drop=True)
    parts = local_parts(store["issued_ms"].astype("int64"))
    store["local_day"] = store["local_day"].astype("int64")
    assert (parts["local_day"].to_numpy() == store["local_day"].to_numpy()).all()
    for c in ("weekday", "hour", "minute_of_day"):
        store[c] = parts[c].to_numpy()
    called = store["called_ms"]
    store["wait_s"] = ((called - store["issued_ms"]) // 1000).astype("Int64")
    service = (store["finished_ms"] - called) // 1000
    store["service_s"] = service.where(store["outcome"] == "served", pd.NA).astype("Int64")
    return store


# --------------------------------------------------------------------------------------
# Reading the store
# --------------------------------------------------------------------------------------


def is_str_type(t) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def read_store(root: Path, diffs) -> pd.DataFrame:
    tickets = root / "tickets"
    if not tickets.is_dir():
        raise CheckerError(f"{tickets} does not exist")
    layout = re.compile(r"office_id=([^/]+)/year=([0-9]{4})/month=([0-9]{2})/part-0\.parquet")
    for p in sorted(tickets.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            rel = p.relative_to(tickets).as_posix()
            if not layout.fullmatch(rel):
                diffs.add("layout", f"unexpected file in the store: tickets/{rel}")

    hive = ds.partitioning(
        pa.schema([("office_id", pa.string()), ("year", pa.string()), ("month", pa.string())]),
        flavor="hive",
    )
    dataset = ds.dataset(str(tickets), format="parquet", partitioning=hive)
    frames = []
    for frag in dataset.get_fragments():
        rel = Path(frag.path).relative_to(tickets).as_posix()
        keys = ds.get_partition_keys(frag.partition_expression)
        schema = frag.physical_schema
        names = [f.name for f in schema]
        spec_names = [c for c, _ in STORED]
        # An optional int32 service_count after outcome (services handled in the visit) is
        # accepted; for canonical logs, which have one service per ticket, it must be 1.
        with_count = spec_names[:8] + ["service_count"] + spec_names[8:]
        if names not in (spec_names, with_count):
            diffs.add("schema", f"{rel}: columns {names}, expected {spec_names}")
        if "service_count" in names:
            got = schema.field("service_count").type
            if got != pa.int32():
                diffs.add("schema", f"{rel}: column service_count is {got}, expected int32")
            counts = frag.to_table(columns=["service_count"]).column("service_count")
            not_one = pc.sum(pc.fill_null(pc.not_equal(counts, 1), True)).as_py() or 0
            if not_one:
                diffs.add("values", f"{rel}: service_count is not 1 in {not_one} row(s)")
        for col, want in STORED:
            if col not in names:
                continue
            got = schema.field(col).type
            if (want == "str" and not is_str_type(got)) or (want != "str" and got != want):
                diffs.add("schema", f"{rel}: column {col} is {got}, expected {want}")
        if any(c not in names for c, _ in STORED):
            continue
        t = frag.to_table(columns=[c for c, _ in STORED])
        n = t.num_rows
        conv = {}
        for col, want in STORED:
            arr = t.column(col)
            if want == "str":
                arr = arr.cast(pa.string())
            elif pa.types.is_timestamp(want):
                if arr.type.unit != "ms":
                    diffs.add("schema", f"{rel}: {col} is not in milliseconds")
                arr = arr.cast(pa.timestamp(arr.type.unit)).cast(pa.int64())
            elif pa.types.is_date32(arr.type):
                arr = arr.cast(pa.int32()).cast(pa.int64())
            else:
                arr = arr.cast(pa.int64())
            conv[col] = arr
        f = pa.table(conv).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        f = f.rename(columns={"issued_at": "issued_ms", "called_at": "called_ms",
                              "finished_at": "finished_ms", "local_date": "local_day"})
        f.insert(0, "office_id", keys.get("office_id"))
        f["_file"] = rel
        # Rows sorted by issued_at, then ticket_id.
        order = f.sort_values(["issued_ms", "ticket_id"], kind="stable").index.to_numpy()
        if n and not (order == np.arange(n)).all():
            first = int(np.flatnonzero(order != np.arange(n))[0])
            diffs.add("order", f"{rel}: rows not sorted by issued_at, ticket_id (first at row {first + 1})")
        # The file's partition must be the local year/month of each row.
        if n:
            dates = f["local_day"].astype("int64").to_numpy().astype("datetime64[D]")
            ym = pd.DatetimeIndex(dates)
            wrong = (ym.year != int(keys["year"])) | (ym.month != int(keys["month"]))
            if wrong.any():
                diffs.add("layout", f"{rel}: {int(wrong.sum())} row(s) whose local_date is outside "
                          f"year={keys['year']}/month={keys['month']}")
        frames.append(f)
    if not frames:
        return pd.DataFrame(columns=COMPARED + ["_file"])
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------


class Diffs:
    def __init__(self):
        self.items: list[tuple[str, str]] = []
        self.counts = defaultdict(int)

    def add(self, kind: str, text: str):
        self.counts[kind] += 1
        self.items.append((kind, text))

    def __bool__(self):
        return bool(self.items)


STRING_COLS = {"office_id", "ticket_id", "service", "channel", "counter", "outcome"}


def show(x) -> str:
    return "null" if x is None or (not isinstance(x, str) and pd.isna(x)) else str(x)


def show_ms(x) -> str:
    if show(x) == "null":
        return "null"
    return pd.Timestamp(int(x), unit="ms", tz="UTC").tz_convert(TZ).isoformat()


def fmt_row(row: pd.Series) -> str:
    parts = []
    for c in COMPARED:
        if c in row.index:
            if c.endswith("_ms"):
                parts.append(f"{c[:-3]}_at={show_ms(row[c])}")
            elif c == "local_day" and show(row[c]) != "null":
                parts.append(f"local_date={np.datetime64(int(row[c]), 'D')}")
            else:
                parts.append(f"{c}={show(row[c])}")
    return ", ".join(parts)


def compare_rows(expected: pd.DataFrame, actual: pd.DataFrame, diffs: Diffs):
    exp = expected[COMPARED].copy()
    act = actual[COMPARED + ["_file"]].copy()
    for df in (exp, act):
        for c in STRING_COLS:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
        for c in ("issued_ms", "called_ms", "finished_ms", "local_day", "weekday", "hour",
                  "minute_of_day", "wait_s", "service_s"):
            df[c] = df[c].astype("Int64")
    dup = act[act.duplicated(ROW_KEY, keep=False)]
    for _, r in dup.head(MAX_SHOWN).iterrows():
        diffs.add("rows", f"stored twice ({r['_file']}): {fmt_row(r)}")
    act = act.drop_duplicates(ROW_KEY)
    m = exp.merge(act, on=ROW_KEY, how="outer", suffixes=("", "_store"), indicator=True)
    missing = m[m["_merge"] == "left_only"]
    extra = m[m["_merge"] == "right_only"]
    for _, r in missing.iterrows():
        diffs.add("rows", f"expected but not in the store: {fmt_row(r)}")
    for _, r in extra.iterrows():
        rr = r.copy()
        for c in COMPARED:
            if c not in ROW_KEY:
                rr[c] = r[c + "_store"]
        diffs.add("rows", f"in the store ({r['_file']}) but not expected: {fmt_row(rr)}")
    both = m[m["_merge"] == "both"]
    for c in COMPARED:
        if c in ROW_KEY:
            continue
        a, b = both[c], both[c + "_store"]
        na_a, na_b = a.isna().to_numpy(), b.isna().to_numpy()
        if c in STRING_COLS:
            eq = a.fillna("").to_numpy(dtype=object) == b.fillna("").to_numpy(dtype=object)
        else:
            eq = a.fillna(0).to_numpy(dtype=np.int64) == b.fillna(0).to_numpy(dtype=np.int64)
        eq = np.where(na_a | na_b, na_a & na_b, eq).astype(bool)
        for idx in np.flatnonzero(~eq)[:MAX_SHOWN]:
            r = both.iloc[idx]
            diffs.add(
                "values",
                f"{c}: expected {show(r[c])}, store has {show(r[c + '_store'])} ({r['_file']}; "
                f"office_id={r['office_id']}, ticket_id={r['ticket_id']}, issued_at={show_ms(r['issued_ms'])})",
            )
        extra_n = int((~eq).sum()) - MAX_SHOWN
        if extra_n > 0:
            diffs.add("values", f"{c}: ... and {extra_n} more row(s) differ")
    return len(exp), len(actual)


def compare_manifest(root: Path, results: list[FileResult], diffs: Diffs):
    path = root / "manifest.json"
    if not path.is_file():
        diffs.add("manifest", f"{path} does not exist")
        return
    manifest = json.loads(path.read_text())
    by_sha = {f.get("sha256"): f for f in manifest.get("files", [])}
    ours = {r.sha256 for r in results}
    for sha, entry in by_sha.items():
        if sha not in ours:
            diffs.add("manifest", f"manifest lists a file not given here: {entry.get('file')} ({sha[:12]})")
    for r in results:
        entry = by_sha.get(r.sha256)
        if entry is None:
            diffs.add("manifest", f"{r.path}: not in manifest.json (sha256 {r.sha256[:12]})")
            continue
        for k in ("rows_read", "stored", "duplicates", "quarantined"):
            if entry.get(k) != getattr(r, k):
                diffs.add("manifest", f"{r.path}: {k} expected {getattr(r, k)}, manifest has {entry.get(k)}")


def quarantine_name(path: Path, sha: str) -> str:
    safe = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_." else "_" for ch in path.name)
    return f"{safe}-{sha[:12]}.csv"


def compare_quarantine(root: Path, r: FileResult, diffs: Diffs):
    qpath = root / "quarantine" / quarantine_name(r.path, r.sha256)
    if not r.quarantine:
        if qpath.exists():
            diffs.add("quarantine", f"{r.path}: no row should be quarantined, but {qpath.name} exists")
        return
    if not qpath.is_file():
        diffs.add("quarantine", f"{r.path}: {len(r.quarantine)} row(s) should be quarantined, "
                  f"but {qpath} does not exist")
        return
    with open(qpath, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or rows[0] != ["source_file", "line", "reason", "field", "message", "raw"]:
        diffs.add("quarantine", f"{qpath.name}: unexpected header {rows[:1]}")
        return
    theirs: dict[int, tuple[str, str]] = {}
    for rec in rows[1:]:
        if len(rec) != 6:
            diffs.add("quarantine", f"{qpath.name}: record with {len(rec)} fields: {rec}")
            continue
        line = int(rec[1])
        if line in theirs:
            diffs.add("quarantine", f"{qpath.name}: line {line} listed twice")
        theirs[line] = (rec[2], rec[5])
    shown = 0
    for line in sorted(set(r.quarantine) | set(theirs)):
        mine, got = r.quarantine.get(line), theirs.get(line)
        if shown >= MAX_SHOWN:
            diffs.add("quarantine", f"{r.path.name}: ... more quarantine differences")
            break
        if got is None:
            diffs.add("quarantine", f"{r.path.name} line {line}: should be quarantined "
                      f"({'/'.join(sorted(mine[0]))}) but is not: {mine[1]!r}")
            shown += 1
        elif mine is None:
            diffs.add("quarantine", f"{r.path.name} line {line}: quarantined as {got[0]} "
                      f"but valid here: {got[1]!r}")
            shown += 1
        else:
            reasons, raw = mine
            if got[0] not in reasons:
                diffs.add("quarantine", f"{r.path.name} line {line}: reason {got[0]}, expected "
                          f"{' or '.join(sorted(reasons))}")
                shown += 1
            if got[1] != raw:
                diffs.add("quarantine", f"{r.path.name} line {line}: raw {got[1]!r}, expected {raw!r}")
                shown += 1


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, type=Path, help="store directory")
    ap.add_argument("logs", nargs="+", type=Path, help="logs, in the order they were ingested")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        if not args.store.is_dir():
            raise CheckerError(f"store {args.store} does not exist")
        results = [process_file(p) for p in args.logs]
        expected = apply_files(results)
        diffs = Diffs()
        actual = read_store(args.store, diffs)
    except (CheckerError, OSError) as e:
        print(f"check_store: error: {e}", file=sys.stderr)
        return 2

    n_exp, n_act = compare_rows(expected, actual, diffs)
    compare_manifest(args.store, results, diffs)
    for r in results:
        compare_quarantine(args.store, r, diffs)
    elapsed = time.perf_counter() - t0

    print(f"check_store: {args.store}")
    for r in results:
        print(f"  {r.path.name}: read {r.rows_read}, stored {r.stored}, duplicates {r.duplicates}, "
              f"quarantined {r.quarantined}")
    print(f"  store rows: expected {n_exp}, found {n_act}")
    if not diffs:
        print(f"OK: store, manifest and quarantine match ({elapsed:.1f} s)")
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
