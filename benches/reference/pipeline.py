#!/usr/bin/env python3
"""The reference pipeline of benches/e2e.sh: what a competent analyst would write in pandas.

Usage:
    python3 benches/reference/pipeline.py TICKETS.csv --out DIR [--holdout-weeks 8]

Reads a canonical ticket log (CSV, as `queuecast simulate` writes it), then

1. read:     pandas.read_csv (pyarrow engine), instants parsed to UTC and converted to
             Europe/Berlin; local date, ISO weekday, hour, minute of day; wait_s and service_s
             (floor of the elapsed seconds, service only for served tickets);
2. profile:  the weekday x hour profile with exactly queuecast's definitions (the ticket
             statistics and the replayed time averages of notebooks/check_profile.py, whose
             functions it imports), written to DIR/weekday_hour.parquet;
3. features: queue-state features of every ticket at its issue, from events known then
             (tickets waiting ahead, in total and of the same service; active and busy
             counters; calls in the last 15 and 30 minutes; mean service time of the last
             hour; wait of the last called ticket; time since the office opened that day;
             office, service, channel, weekday, hour, minute, month);
4. train:    LightGBM (L1 loss) on the called tickets of all but the last N weeks;
5. predict:  the holdout's waits at issue; MAE, next to the ZMS rule (mean service time x
             people ahead / active counters).

Prints and writes DIR/reference.json: per stage wall and CPU seconds and the peak RSS so far,
the row counts and the MAEs. It never calls or imports queuecast.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notebooks"))
import check_profile as cp  # noqa: E402  (the profile definitions, reused as they are)

TZ = "Europe/Berlin"
DAY_MS = 86_400_000
MIN_MS = 60_000
SERVICE_LEVEL_S = 15 * 60.0  # profile.service_level_minutes
IDLE_GAP_MS = 30 * MIN_MS  # profile.counter_idle_gap_minutes
SHIFT = 28  # bits of the within-day part of an event key (74 hours of milliseconds)
MARGIN_MS = 4 * 3_600_000  # a local day starts up to 2 h before its UTC midnight
FEATURES = [
    "ahead_total", "ahead_same_service", "active_counters", "busy_counters", "calls_last_15min",
    "calls_last_30min", "recent_service_min", "les_min", "minutes_since_first_issue",
    "office_id", "service", "channel", "weekday", "hour", "minute_of_day", "month",
]
CATEGORICAL = ["office_id", "service", "channel"]


class Stages:
    """Wall and CPU time of each stage, and the process's peak RSS when it ended."""

    def __init__(self):
        self.rows: dict[str, dict] = {}

    def run(self, name, fn, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn(*args)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.rows[name] = {"wall_s": round(time.perf_counter() - wall, 3),
                           "cpu_s": round(time.process_time() - cpu, 3), "peak_rss_mb": round(peak_mb)}
        print(f"{name:9} {self.rows[name]['wall_s']:8.2f} s wall {self.rows[name]['cpu_s']:8.2f} s cpu "
              f"peak {peak_mb:7.0f} MB", flush=True)
        return out


# --------------------------------------------------------------------------------------
# 1. read
# --------------------------------------------------------------------------------------


def read_log(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, engine="pyarrow", dtype={"ticket_id": "string", "counter": "string"})
    ms = {}
    for c in ("issued_at", "called_at", "finished_at"):
        ms[c] = pd.to_datetime(df[c], format="ISO8601", utc=True).astype("datetime64[ms, UTC]")
    local = ms["issued_at"].dt.tz_convert(TZ)
    out = pd.DataFrame({
        "office_id": df["office_id"].astype("category"),
        "ticket_id": df["ticket_id"],
        "service": df["service"].astype("category"),
        "channel": df["channel"].astype("category"),
        "outcome": df["outcome"].astype("category"),
        "counter": df["counter"],
    })
    for c, name in (("issued_at", "issued_ms"), ("called_at", "called_ms"), ("finished_at", "finished_ms")):
        v = ms[c].astype("int64").astype("float64")  # NaT comes out as int64 min
        out[name] = v.where(ms[c].notna())
    out["issued_ms"] = out["issued_ms"].astype(np.int64)
    out["local_day"] = local.dt.tz_localize(None).astype("int64") // DAY_MS  # days since 1970-01-01
    out["weekday"] = local.dt.weekday.astype(np.int64) + 1
    out["hour"] = local.dt.hour.astype(np.int64)
    out["minute_of_day"] = out["hour"] * 60 + local.dt.minute.astype(np.int64)
    out["wait_s"] = np.floor((out["called_ms"] - out["issued_ms"]) / 1000.0)
    served = out["outcome"] == "served"
    out["service_s"] = np.floor((out["finished_ms"] - out["called_ms"]) / 1000.0).where(served)
    return out


# --------------------------------------------------------------------------------------
# 2. profile (queuecast's weekday x hour definitions, via notebooks/check_profile.py)
# --------------------------------------------------------------------------------------


def weekday_hour(t: pd.DataFrame, out_dir: Path) -> pd.DataFrame:
    t = t.assign(office_id=t["office_id"].astype(str), service=t["service"].astype(str),
                 channel=t["channel"].astype(str), outcome=t["outcome"].astype(str))
    both = cp.with_all_services(t)
    occ = cp.Occupancy(t, IDLE_GAP_MS)
    slots = occ.slot_frame()
    open_days = t.groupby(["office_id", "weekday"])["local_day"].nunique().rename("open_days").reset_index()
    table = cp.cell_table(both, slots, open_days, "hour", SERVICE_LEVEL_S)
    table.to_parquet(out_dir / "weekday_hour.parquet", index=False)
    return table


# --------------------------------------------------------------------------------------
# 3. queue-state features at issue
# --------------------------------------------------------------------------------------


def keys(day: np.ndarray, ms: np.ndarray, local_day: np.ndarray) -> np.ndarray:
    """Sortable event keys: office-day in the high bits, ms since the local day's start below."""
    return (day.astype(np.int64) << SHIFT) + (ms - local_day * DAY_MS + MARGIN_MS).astype(np.int64)


def count_le(sorted_keys: np.ndarray, x: np.ndarray, day_start: np.ndarray) -> np.ndarray:
    """Events of the same office-day with key <= x."""
    return np.searchsorted(sorted_keys, x, "right") - np.searchsorted(sorted_keys, day_start, "left")


def features(t: pd.DataFrame) -> pd.DataFrame:
    t = t.sort_values(["office_id", "local_day", "issued_ms", "ticket_id"], kind="stable").reset_index(drop=True)
    day = t.groupby(["office_id", "local_day"], sort=False, observed=True).ngroup().to_numpy(np.int64)
    ld = t["local_day"].to_numpy()
    issued = t["issued_ms"].to_numpy()
    called_f, finished_f = t["called_ms"].to_numpy(), t["finished_ms"].to_numpy()
    is_called = ~np.isnan(called_f)
    called = np.where(is_called, called_f, 0).astype(np.int64)
    has_fin = ~np.isnan(finished_f)
    finished = np.where(has_fin, finished_f, 0).astype(np.int64)
    x = keys(day, issued, ld)
    start = day << SHIFT

    # Leaving the queue: the call, or the cancellation (end of day when it has no time).
    left_ms = np.where(is_called, called, np.where(has_fin, finished, issued + DAY_MS))
    left = np.sort(keys(day, left_ms, ld))
    issued_keys = np.sort(x)
    ahead = (np.searchsorted(issued_keys, x, "left") - np.searchsorted(issued_keys, start, "left")) \
        - count_le(left, x, start)

    svc = t["service"].cat.codes.to_numpy(np.int64)
    n_svc = int(svc.max()) + 1
    ds = day * n_svc + svc
    xs, ss = keys(ds, issued, ld), ds << SHIFT
    xs_sorted = np.sort(xs)
    ahead_same = (np.searchsorted(xs_sorted, xs, "left") - np.searchsorted(xs_sorted, ss, "left")) \
        - count_le(np.sort(keys(ds, left_ms, ld)), xs, ss)

    c = is_called
    call_keys = keys(day[c], called[c], ld[c])
    order = np.argsort(call_keys, kind="stable")
    call_sorted = call_keys[order]
    calls_le = count_le(call_sorted, x, start)
    fin_called = np.sort(keys(day[c], np.where(has_fin[c], finished[c], called[c]), ld[c]))
    busy = calls_le - count_le(fin_called, x, start)
    calls15 = calls_le - count_le(call_sorted, np.maximum(x - 15 * MIN_MS, start), start)
    calls30 = calls_le - count_le(call_sorted, np.maximum(x - 30 * MIN_MS, start), start)

    # Active counters: per counter, the union of [call, finish + gap); counted at the issue.
    counter = t["counter"].to_numpy()[c]
    fin_c = np.where(has_fin[c], finished[c], called[c])
    a_day, a_start, a_end = cp.merge_intervals(day[c], counter, called[c], fin_c + IDLE_GAP_MS)
    a_ld = ld[c][np.searchsorted(day[c], a_day)] if len(a_day) else a_day
    starts = np.sort(keys(a_day, a_start, a_ld))
    ends = np.sort(keys(a_day, a_end, a_ld))
    active = count_le(starts, x, start) - count_le(ends, x, start)

    # Mean service time of the tickets served in the last hour.
    served = (t["outcome"] == "served").to_numpy()
    s_keys = keys(day[served], finished[served], ld[served])
    s_order = np.argsort(s_keys, kind="stable")
    s_sorted = s_keys[s_order]
    s_cum = np.concatenate([[0.0], np.cumsum(t["service_s"].to_numpy()[served][s_order])])
    hi = np.searchsorted(s_sorted, x, "right")
    lo = np.searchsorted(s_sorted, np.maximum(x - 60 * MIN_MS, start), "right")
    n_recent = hi - lo
    recent = np.where(n_recent > 0, (s_cum[hi] - s_cum[lo]) / np.maximum(n_recent, 1) / 60.0, np.nan)

    # Wait of the most recently called ticket (last to enter service).
    waits_called = (called[c] - issued[c])[order] / MIN_MS
    last = np.searchsorted(call_sorted, x, "right") - 1
    les = np.where(calls_le > 0, waits_called[np.maximum(last, 0)], np.nan)

    first_issue = pd.Series(issued).groupby(day).transform("min").to_numpy()
    f = pd.DataFrame({
        "ahead_total": ahead, "ahead_same_service": ahead_same, "active_counters": active,
        "busy_counters": busy, "calls_last_15min": calls15, "calls_last_30min": calls30,
        "recent_service_min": recent, "les_min": les,
        "minutes_since_first_issue": (issued - first_issue) / MIN_MS,
        "office_id": t["office_id"], "service": t["service"], "channel": t["channel"],
        "weekday": t["weekday"], "hour": t["hour"], "minute_of_day": t["minute_of_day"],
        "month": pd.to_datetime(ld, unit="D").month,
    })
    f["local_day"] = ld
    f["wait_min"] = (called_f - issued) / MIN_MS  # NaN: never called, not a target
    f["service_s"] = t["service_s"].to_numpy()
    return f


# --------------------------------------------------------------------------------------
# 4.-5. train, predict, score
# --------------------------------------------------------------------------------------


def split(f: pd.DataFrame, holdout_weeks: int):
    cutoff = int(f["local_day"].max()) - 7 * holdout_weeks
    target = f["wait_min"].notna()
    train = f[target & (f["local_day"] <= cutoff)]
    test = f[target & (f["local_day"] > cutoff)]
    return train, test


def train_model(train: pd.DataFrame):
    model = lgb.LGBMRegressor(objective="l1", n_estimators=300, learning_rate=0.1, num_leaves=127,
                              min_child_samples=50, subsample_freq=0, n_jobs=2, random_state=0,
                              deterministic=True, force_row_wise=True, verbose=-1)
    model.fit(train[FEATURES], train["wait_min"], categorical_feature=CATEGORICAL)
    return model


def score(model, train: pd.DataFrame, test: pd.DataFrame) -> dict:
    pred = model.predict(test[FEATURES])
    # ZMS rule: mean service time x people ahead / active counters. The mean service time is
    # that of the last hour, or else the office's mean over the training weeks.
    office_mean = (train.groupby("office_id", observed=True)["service_s"].mean() / 60.0)
    fallback = test["office_id"].map(office_mean).astype(float).fillna(train["service_s"].mean() / 60.0)
    mean_service = test["recent_service_min"].fillna(fallback)
    zms = mean_service * test["ahead_total"] / np.maximum(test["active_counters"], 1)
    return {
        "lightgbm": float(mean_absolute_error(test["wait_min"], pred)),
        "zms_rule": float(mean_absolute_error(test["wait_min"], zms)),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", type=Path, help="canonical ticket log (CSV)")
    ap.add_argument("--out", type=Path, required=True, help="directory for weekday_hour.parquet and reference.json")
    ap.add_argument("--holdout-weeks", type=int, default=8)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    st = Stages()
    t = st.run("read", read_log, args.log)
    st.run("profile", weekday_hour, t, args.out)
    f = st.run("features", features, t)
    del t
    train, test = split(f, args.holdout_weeks)
    model = st.run("train", train_model, train)
    mae = st.run("predict", score, model, train, test)
    result = {
        "log": str(args.log), "rows": int(len(f)), "train_rows": int(len(train)),
        "holdout_rows": int(len(test)), "holdout_weeks": args.holdout_weeks,
        "mae_at_issue_min": mae, "stages": st.rows,
        "total": {"wall_s": round(sum(r["wall_s"] for r in st.rows.values()), 3),
                  "cpu_s": round(sum(r["cpu_s"] for r in st.rows.values()), 3),
                  "peak_rss_mb": max(r["peak_rss_mb"] for r in st.rows.values())},
        "versions": {"pandas": pd.__version__, "numpy": np.__version__, "lightgbm": lgb.__version__},
    }
    (args.out / "reference.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"MAE at issue: LightGBM {mae['lightgbm']:.3f} min, ZMS rule {mae['zms_rule']:.3f} min "
          f"({len(train)} training, {len(test)} holdout tickets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
