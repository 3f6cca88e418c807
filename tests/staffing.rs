//! `queuecast staffing` and `queuecast whatif` on a small simulated store: files, invariants
//! of the tables, and byte-identical reruns.

mod util;

use std::collections::BTreeMap;

use util::Workdir;

/// Four weeks of one simulated office, ingested into `store/`.
fn small_store() -> Workdir {
    let w = Workdir::new();
    w.run_ok(&["simulate", "--out", "log.csv", "--days", "28", "--offices", "1", "--start", "2025-03-03"]);
    w.run_ok(&["ingest", "log.csv", "--store", "store"]);
    w
}

fn read(w: &Workdir, rel: &str) -> String {
    std::fs::read_to_string(w.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Rows of a CSV as maps from header to field.
fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect())
        .collect()
}

fn num(r: &BTreeMap<String, String>, k: &str) -> f64 {
    r[k].parse().unwrap_or_else(|_| panic!("{k} = {:?}", r[k]))
}

#[test]
fn staffing_writes_tables_and_is_deterministic() {
    let w = small_store();
    let out = w.run_ok(&["staffing", "--store", "store", "--out", "a"]);
    assert!(out.contains("Erlang C validation") && out.contains("slot-wait backtest"), "{out}");
    w.run_ok(&["staffing", "--store", "store", "--out", "b"]);
    for f in ["staffing.csv", "staffing_validation.csv", "slot_wait_backtest.csv", "staffing_check.csv"] {
        assert_eq!(read(&w, &format!("a/{f}")), read(&w, &format!("b/{f}")), "{f} differs between runs");
    }
    let table = rows(&read(&w, "a/staffing.csv"));
    assert!(!table.is_empty());
    for r in &table {
        // The suggestion meets the target whenever anyone comes; a cell without arrivals needs none.
        if num(r, "arrivals_per_hour") > 0.0 {
            assert!(num(r, "predicted_sl_suggested") >= 0.8, "{r:?}");
        } else {
            assert_eq!(r["suggested_counters"], "0");
        }
    }
    let backtest = rows(&read(&w, "a/slot_wait_backtest.csv"));
    assert!(!backtest.is_empty(), "weeks 2-4 are predicted from the weeks before");
    assert!(backtest.iter().all(|r| num(r, "pred_p90_min") >= num(r, "pred_p50_min")));
    history_columns_match_the_log(&read(&w, "log.csv"), &backtest);
}

/// The backtest's history figures recomputed from the ticket log on its own: for each row, the
/// waits (call − issue) of the called tickets issued in the same wall-clock slot on the same
/// weekday in the 8 weeks before the row's date; their mean, p50 and p90 (type 7).
fn history_columns_match_the_log(log: &str, backtest: &[BTreeMap<String, String>]) {
    use chrono::{DateTime, NaiveDate, Timelike};
    let mut waits: BTreeMap<(NaiveDate, u32), Vec<f64>> = BTreeMap::new();
    for r in rows(log) {
        if r["called_at"].is_empty() {
            continue;
        }
        let issued = DateTime::parse_from_rfc3339(&r["issued_at"]).unwrap();
        let called = DateTime::parse_from_rfc3339(&r["called_at"]).unwrap();
        let slot = issued.hour() * 4 + issued.minute() / 15;
        let wait = (called - issued).num_milliseconds() as f64 / 60_000.0;
        waits.entry((issued.date_naive(), slot)).or_default().push(wait);
    }
    let quantile = |w: &[f64], q: f64| {
        let h = (w.len() - 1) as f64 * q;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        w[lo] + (h - lo as f64) * (w[hi] - w[lo])
    };
    let mut checked = 0;
    for r in backtest {
        let date: NaiveDate = r["date"].parse().unwrap();
        let slot: u32 = r["slot"].parse().unwrap();
        let mut w: Vec<f64> = (1..=8)
            .filter_map(|k| waits.get(&(date - chrono::Days::new(7 * k), slot)))
            .flatten()
            .copied()
            .collect();
        if w.is_empty() {
            continue;
        }
        w.sort_by(f64::total_cmp);
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        for (col, want) in [
            ("baseline_mean_min", mean),
            ("baseline_p50_min", quantile(&w, 0.5)),
            ("baseline_p90_min", quantile(&w, 0.9)),
        ] {
            assert!((num(r, col) - want).abs() < 1e-4, "{col} of {r:?}: {want}");
        }
        assert!(num(r, "baseline_within_p90") <= num(r, "actual_n"));
        checked += 1;
    }
    assert_eq!(checked, backtest.len(), "every backtested slot has a history");
}

#[test]
fn whatif_conserves_tickets_and_is_deterministic() {
    let w = small_store();
    let out = w.run_ok(&["whatif", "--store", "store", "--out", "a", "--shares", "0.2,0.4"]);
    assert!(out.contains("what-if totals"), "{out}");
    w.run_ok(&["whatif", "--store", "store", "--out", "b", "--shares", "0.2,0.4"]);
    assert_eq!(read(&w, "a/whatif.csv"), read(&w, "b/whatif.csv"));
    let table = rows(&read(&w, "a/whatif.csv"));
    let totals: Vec<_> = table.iter().filter(|r| r["hour"] == "all").collect();
    let shares: Vec<&str> = totals.iter().map(|r| r["share"].as_str()).collect();
    assert_eq!(shares, ["0", "0.2", "0.4"]);
    for t in &totals {
        assert_eq!(t["tickets"], totals[0]["tickets"], "moving tickets keeps their number");
        let by_hour: f64 = table
            .iter()
            .filter(|r| r["share"] == t["share"] && r["hour"] != "all")
            .map(|r| num(r, "tickets"))
            .sum();
        assert_eq!(by_hour, num(t, "tickets"));
    }
    assert_eq!(totals[0]["moved"], "0");
    assert!(num(totals[2], "moved") > num(totals[1], "moved"));
    let repro = rows(&read(&w, "a/whatif_reproduction.csv"));
    assert_eq!(repro.len(), 1);
    assert!(num(&repro[0], "day_mean_mae_min") >= 0.0);
}

#[test]
fn bad_shares_are_rejected_with_the_field() {
    let w = Workdir::new();
    let out = w.run(&["whatif", "--store", "store", "--shares", "0.2,1.5"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("staffing.whatif_shares"));
}
