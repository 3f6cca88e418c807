#!/usr/bin/env python3
"""Does the reference pipeline's weekday x hour profile equal queuecast's?

Usage:
    python3 benches/reference/compare_profile.py QUEUECAST/weekday_hour.parquet REFERENCE/weekday_hour.parquet

queuecast's table must come from `queuecast profile --no-suppression` over the whole log
(`--from` its first day). Cells are matched on (office_id, service, weekday, hour); every cell
must be in both. Counts and open days must be equal; the wait and service statistics (in
minutes), the service level and the time averages must agree to 1e-6; null must match null
(`avg_active_counters` and `utilisation` are compared on `*` rows only: queuecast does not keep
counters per service). Prints one line of JSON with the verdict and the first differences;
exit 0 when equal, 1 when not, 2 when a file cannot be read.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

KEYS = ["office_id", "service", "weekday", "hour"]
EXACT = ["open_days", "tickets", "walk_in", "appointment", "served", "no_show", "cancelled"]
CLOSE = ["wait_mean_min", "wait_median_min", "wait_p90_min", "service_mean_min", "service_level",
         "avg_waiting", "tickets_per_open_day"]
ALL_ONLY = ["avg_active_counters", "utilisation"]
TOL = 1e-6


def read(path: str) -> pd.DataFrame:
    t = pq.read_table(path).to_pandas()
    for c in ("office_id", "service"):
        t[c] = t[c].astype(str)
    for c in ("weekday", "hour"):
        t[c] = t[c].astype(np.int64)
    return t.set_index(KEYS).sort_index()


def plain(key) -> tuple:
    return tuple(k.item() if hasattr(k, "item") else k for k in key)


def compare(qc: pd.DataFrame, ref: pd.DataFrame) -> list[str]:
    diffs = []
    only_qc = qc.index.difference(ref.index)
    only_ref = ref.index.difference(qc.index)
    diffs += [f"cell only in queuecast: {plain(k)}" for k in only_qc[:10]]
    diffs += [f"cell only in the reference: {plain(k)}" for k in only_ref[:10]]
    both = qc.index.intersection(ref.index)
    q, r = qc.loc[both], ref.loc[both]
    is_all = np.asarray(both.get_level_values("service") == "*")
    for c in EXACT + CLOSE + ALL_ONLY:
        if c not in q.columns or c not in r.columns:
            diffs.append(f"column {c} missing")
            continue
        a = q[c].astype(float).to_numpy()
        b = r[c].astype(float).to_numpy()
        rows = is_all if c in ALL_ONLY else np.ones(len(a), bool)
        null_differs = np.isnan(a) != np.isnan(b)
        if c in EXACT:
            value_differs = ~np.isnan(a) & ~np.isnan(b) & (a != b)
        else:
            value_differs = ~np.isnan(a) & ~np.isnan(b) & (np.abs(a - b) > TOL)
        bad = np.flatnonzero(rows & (null_differs | value_differs))
        for i in bad[:5]:
            diffs.append(f"{c} at {plain(both[i])}: queuecast {float(a[i])!r}, reference {float(b[i])!r}")
        if len(bad) > 5:
            diffs.append(f"{c}: {len(bad)} cells differ")
    return diffs


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        qc, ref = read(argv[0]), read(argv[1])
    except (OSError, KeyError, ValueError) as e:
        print(json.dumps({"equal": False, "error": str(e)}))
        return 2
    diffs = compare(qc, ref)
    print(json.dumps({"equal": not diffs, "cells": len(qc), "reference_cells": len(ref),
                      "tickets": int(qc.xs("*", level="service")["tickets"].sum()),
                      "differences": diffs[:20]}))
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
