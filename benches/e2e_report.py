#!/usr/bin/env python3
"""Builds the e2e table (benches/e2e.sh) from one run's records, merged into the results JSON.

Usage: python3 benches/e2e_report.py RECORDS.jsonl RESULTS.json RESULTS.md COMMIT

The records of the data sets in this run replace those of earlier runs; data sets this run did
not touch are kept, so `e2e.sh 1m 3m` and a later `e2e.sh 10m` add up to one table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

QC_STAGES = ["ingest", "profile", "train", "forecast", "export"]
# queuecast stage -> reference stages doing the same work (their wall times add up).
REFERENCE_OF = {"ingest": ["read"], "profile": ["profile"], "train": ["features", "train"]}
SIZE_ORDER = {"1m": 0, "3m": 1, "10m": 2}


def load_run(path: str) -> dict:
    run: dict[str, dict] = {}
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            run.setdefault(rec["data"], {})[rec["stage"]] = rec
    return run


def fmt(x, digits=1):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f} M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:.0f} k"
    return f"{x:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def rows_of(data: dict) -> list[list[str]]:
    """Table rows of one data set."""
    out = []
    ref = data.get("reference_stages", {})
    ref_stages = ref.get("stages", {})
    ref_proc = data.get("reference")
    limits = {"ingest": data.get("limit_read_csv_inner"), "profile": data.get("limit_scan_store_inner")}
    total_qc = {"wall": 0.0, "cpu": 0.0, "rss": 0}
    for stage in QC_STAGES:
        r = data.get(stage)
        if r is None:
            continue
        cpu = r["user_s"] + r["sys_s"]
        total_qc["wall"] += r["wall_s"]
        total_qc["cpu"] += cpu
        total_qc["rss"] = max(total_qc["rss"], r["peak_rss_mb"])
        names = REFERENCE_OF.get(stage, [])
        have_ref = bool(names) and all(n in ref_stages for n in names)
        ref_wall = sum(ref_stages[n]["wall_s"] for n in names) if have_ref else None
        ref_cpu = sum(ref_stages[n]["cpu_s"] for n in names) if have_ref else None
        ref_rss = ref_stages[names[-1]]["peak_rss_mb"] if have_ref else None
        limit = limits.get(stage)
        out.append([
            stage, fmt(r["wall_s"]), fmt(cpu), fmt(r["peak_rss_mb"], 0), fmt(r["rows"] / r["wall_s"] if r["wall_s"] else None, 0),
            fmt(ref_wall), fmt(ref_rss, 0), fmt(ratio(ref_wall, r["wall_s"]), 2), fmt(ratio(ref_cpu, cpu), 2),
            fmt(ratio(r["peak_rss_mb"], ref_rss), 2),
            fmt(ratio(r["wall_s"], limit["inner_wall_s"]) if limit else None, 2),
            f"{r['minor_faults']/1e6:.2f} M" + ("" if r.get("exit", 0) == 0 else f" (exit {r['exit']})"),
        ])
    if ref_proc and total_qc["wall"]:
        out.append([
            "**pipeline**", fmt(total_qc["wall"]), fmt(total_qc["cpu"]), fmt(total_qc["rss"], 0),
            fmt(ref_proc["rows"] / total_qc["wall"], 0), fmt(ref_proc["wall_s"]), fmt(ref_proc["peak_rss_mb"], 0),
            fmt(ratio(ref_proc["wall_s"], total_qc["wall"]), 2),
            fmt(ratio(ref_proc["user_s"] + ref_proc["sys_s"], total_qc["cpu"]), 2),
            fmt(ratio(total_qc["rss"], ref_proc["peak_rss_mb"]), 2), "", "",
        ])
    for stage, label in (("limit_read_csv", "limit: polars read_csv"), ("limit_scan_store", "limit: polars scan store")):
        r, inner = data.get(stage), data.get(stage + "_inner")
        if r and inner:
            out.append([label, fmt(inner["inner_wall_s"]), fmt(inner["inner_cpu_s"]), fmt(r["peak_rss_mb"], 0),
                        fmt(r["rows"] / inner["inner_wall_s"] if inner["inner_wall_s"] else None, 0),
                        "", "", "", "", "", "", f"{r['minor_faults']/1e6:.2f} M"])
    for name in ("read", "profile", "features", "train", "predict"):
        s = ref_stages.get(name)
        if s:
            out.append([f"reference: {name}", fmt(s["wall_s"]), fmt(s["cpu_s"]), fmt(s["peak_rss_mb"], 0),
                        fmt(ref.get("rows", 0) / s["wall_s"] if s["wall_s"] else None, 0), "", "", "", "", "", "", ""])
    return out


def markdown(results: dict) -> str:
    lines = [
        "# End-to-end benchmark (`bash benches/e2e.sh`)",
        "",
        "Each queuecast stage is a release-build process timed with `/usr/bin/time -v` (wall, user+sys,",
        "peak RSS, minor page faults). The reference is `benches/reference/pipeline.py` (pandas + pyarrow,",
        "LightGBM) on the same CSV in the same run; its per-stage times are measured inside the process,",
        "its RSS is the peak so far when the stage ended. ×ref = reference wall ÷ queuecast wall (above 1:",
        "queuecast is faster); RSS÷ref = queuecast peak ÷ reference peak; ÷limit = queuecast wall ÷ the bare",
        "polars read of the CSV (ingest) or bare polars scan of the store (profile). queuecast `train`",
        "builds every snapshot (at issue and every 5 min) and fits its GBM on a capped sample; the reference",
        "builds features at issue only and fits LightGBM on every called ticket of the training weeks.",
        "",
    ]
    lines += ["## Summary: wall s / CPU s (user+sys) / peak GB per stage", "", summary(results), ""]
    for name in sorted(results["data"], key=lambda n: (SIZE_ORDER.get(n.split("-")[0], 9), n)):
        data = results["data"][name]
        rows = max((r.get("rows", 0) for r in data.values() if isinstance(r.get("rows"), int)), default=0)
        loads = [float(r["load_before"].split()[0]) for r in data.values() if r.get("load_before")]
        ref = data.get("reference_stages", {})
        check = data.get("profile_check", {})
        verdict = "equal" if check.get("equal") else ("**MISMATCH**: " + "; ".join(check.get("differences", [])[:3]) if check else "not checked")
        mae = ref.get("mae_at_issue_min", {})
        lines += [
            f"## {name}: {rows:,} tickets".replace(",", " "),
            "",
            f"Run {data.get('_meta', {}).get('when', '?')}, commit {data.get('_meta', {}).get('commit', '?')}; "
            f"1-minute load average before the stages {min(loads, default=0):.1f}–{max(loads, default=0):.1f} (2 cores). "
            f"Weekday × hour profile vs reference: {verdict} ({check.get('cells', '?')} cells). "
            + (f"Reference MAE at issue on the last {ref.get('holdout_weeks')} weeks ({ref.get('holdout_rows')} tickets): "
               f"LightGBM {mae.get('lightgbm', float('nan')):.2f} min, ZMS rule {mae.get('zms_rule', float('nan')):.2f} min." if mae else "")
            + (f" The reference ran separately on the same CSV (finished {data['reference']['reused_from']}; "
               "`E2E_REFERENCE_FROM`), not in this run." if data.get("reference", {}).get("reused_from") else ""),
            "",
            "| stage | wall s | user+sys s | peak RSS MB | rows/s | ref wall s | ref RSS MB | ×ref wall | ×ref cpu | RSS÷ref | ÷limit | minor faults |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in rows_of(data)]
        lines.append("")
    return "\n".join(lines)


def summary(results: dict) -> str:
    """One line per data set: wall s / CPU s / peak GB of each stage, and the reference's."""
    def cell(r):
        if not r or "wall_s" not in r:
            return "—"
        return f"{r['wall_s']:.1f} / {r['user_s'] + r['sys_s']:.1f} / {r['peak_rss_mb'] / 1024:.1f}"

    def ref_cell(ref, names):
        st = ref.get("stages", {})
        if not all(n in st for n in names):
            return "—"
        return (f"{sum(st[n]['wall_s'] for n in names):.1f} / {sum(st[n]['cpu_s'] for n in names):.1f}"
                f" / {st[names[-1]]['peak_rss_mb'] / 1024:.1f}")

    lines = [
        "| data | tickets | ingest | profile | train | forecast | export | ref read | ref profile | ref features+train "
        "| polars read_csv | polars scan store | profiles equal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(results["data"], key=lambda n: (SIZE_ORDER.get(n.split("-")[0], 9), n)):
        d = results["data"][name]
        ref = d.get("reference_stages", {})
        rows = max((r.get("rows", 0) for r in d.values() if isinstance(r.get("rows"), int)), default=0)
        lim = lambda s: (f"{d[s + '_inner']['inner_wall_s']:.1f} / {d[s + '_inner']['inner_cpu_s']:.1f} / "
                         f"{d[s]['peak_rss_mb'] / 1024:.1f}") if s in d and s + "_inner" in d else "—"
        eq = d.get("profile_check", {}).get("equal")
        lines.append("| " + " | ".join([
            name, f"{rows / 1e6:.2f} M", *(cell(d.get(s)) for s in QC_STAGES),
            ref_cell(ref, ["read"]), ref_cell(ref, ["profile"]), ref_cell(ref, ["features", "train"]),
            lim("limit_read_csv"), lim("limit_scan_store"),
            "yes" if eq else ("**NO**" if eq is False else "—"),
        ]) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    records, results_json, results_md, commit = argv
    run = load_run(records)
    try:
        results = json.load(open(results_json))
    except (OSError, ValueError):
        results = {"data": {}}
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    for name, stages in run.items():
        stages["_meta"] = {"when": when, "commit": commit, "cpus": os.cpu_count()}
        results["data"][name] = stages
    with open(results_json, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(results_md, "w") as f:
        f.write(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
