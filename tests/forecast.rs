//! `queuecast forecast` end to end on the bundled sample: one row per office × service group ×
//! day × 96 slots, closed days (Christmas, New Year, Easter 2026, Sundays) closed with 0, the
//! Parquet and CSV tables agree, and a second run writes the same bytes.

mod util;

use std::collections::BTreeSet;
use std::path::Path;

use polars::prelude::*;
use util::Workdir;

const DAYS: usize = 110;

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample").display().to_string()
}

/// The CSV as rows of fields (no field of this table contains a comma).
fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    (header, lines.map(|l| l.split(',').map(String::from).collect()).collect())
}

#[test]
fn sample_forecast_over_christmas_and_easter() {
    let w = Workdir::new();
    w.run_ok(&["ingest", &sample(), "--store", "store"]);
    let args = ["forecast", "--store", "store", "--from", "2025-12-22", "--days", "110"];
    let stdout = w.run_ok(&[&args[..], &["--out", "a"]].concat());
    assert!(stdout.contains("arrival backtest") && stdout.contains("seasonal_naive"), "{stdout}");
    for office in ["neuss-mitte", "grevenbroich", "dormagen"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(&format!("{office}: "))),
            "choice of {office}: {stdout}"
        );
    }

    let (header, rows) = csv_rows(&w.path("a/arrivals.csv"));
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (office, service, date, slot, open, expected, p90, level) = (
        at("office_id"),
        at("service"),
        at("date"),
        at("slot"),
        at("open"),
        at("expected"),
        at("p90"),
        at("level"),
    );
    // One row per office × group × day × slot: groups are `*` and each service seen at the office.
    let groups: BTreeSet<(String, String)> =
        rows.iter().map(|r| (r[office].clone(), r[service].clone())).collect();
    assert_eq!(groups.iter().filter(|(_, s)| s == "*").count(), 3);
    assert!(groups.len() > 3 + 3 * 2, "{groups:?}");
    assert_eq!(rows.len(), groups.len() * DAYS * 96);
    let dates: BTreeSet<&str> = rows.iter().map(|r| r[date].as_str()).collect();
    assert_eq!(dates.len(), DAYS);
    assert_eq!((dates.first(), dates.last()), (Some(&"2025-12-22"), Some(&"2026-04-10")));
    assert!(rows.iter().all(|r| r[slot].parse::<u32>().unwrap() < 96));

    let closed_days = [
        "2025-12-24",
        "2025-12-25",
        "2025-12-26",
        "2025-12-31",
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-01-04",
    ];
    for day in closed_days {
        let on: Vec<&Vec<String>> = rows.iter().filter(|r| r[date] == day).collect();
        assert_eq!(on.len(), groups.len() * 96, "{day}");
        assert!(
            on.iter().all(|r| r[open] == "false"
                && r[expected].parse::<f64>().unwrap() == 0.0
                && r[p90].parse::<f64>().unwrap() == 0.0
                && r[level] == "closed"),
            "{day} is not closed everywhere"
        );
    }
    // An ordinary Tuesday after the holidays is open with arrivals, and closed slots are zero.
    let tuesday: Vec<&Vec<String>> =
        rows.iter().filter(|r| r[date] == "2026-01-13" && r[service] == "*").collect();
    let open_sum: f64 =
        tuesday.iter().filter(|r| r[open] == "true").map(|r| r[expected].parse::<f64>().unwrap()).sum();
    assert!(open_sum > 100.0, "{open_sum}");
    assert!(
        tuesday.iter().filter(|r| r[open] == "false").all(|r| r[expected].parse::<f64>().unwrap() == 0.0)
    );
    assert!(tuesday.iter().any(|r| r[level] == "high") && tuesday.iter().any(|r| r[level] == "low"));

    // Parquet holds the same rows.
    let df = ParquetReader::new(std::fs::File::open(w.path("a/arrivals.parquet")).unwrap()).finish().unwrap();
    assert_eq!(df.height(), rows.len());
    let total: f64 = df.column("expected").unwrap().f64().unwrap().sum().unwrap();
    let csv_total: f64 = rows.iter().map(|r| r[expected].parse::<f64>().unwrap()).sum();
    assert!((total - csv_total).abs() / total < 1e-6, "{total} {csv_total}");

    // Backtest table: 3 offices + pooled, 3 methods, 3 horizons.
    let (bh, brows) = csv_rows(&w.path("a/backtest.csv"));
    assert_eq!(bh[..3], ["office_id", "method", "horizon_days"]);
    assert_eq!(brows.len(), 4 * 3 * 3);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("a/backtest.json")).unwrap()).unwrap();
    assert_eq!(json["backtest"]["choices"].as_array().unwrap().len(), 3);
    // Acceptance: the model beats seasonal naive on WAPE at 7 days (all offices pooled).
    let wape = |method: &str| -> f64 {
        let r = brows.iter().find(|r| r[0] == "*" && r[1] == method && r[2] == "7").unwrap();
        r[bh.iter().position(|h| h == "wape").unwrap()].parse().unwrap()
    };
    assert!(wape("model") < wape("seasonal_naive"), "{} vs {}", wape("model"), wape("seasonal_naive"));

    // Learned opening hours are the simulator's ticket-issuing hours (the dispenser closes 30
    // minutes before the door): neuss-mitte Mon 07:30-16:00, Sat 09:00-12:30, closed Sunday.
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("a/forecast.json")).unwrap()).unwrap();
    let hours = |office: &str, day: &str| meta["opening_hours"][office][day]["hours"].clone();
    assert_eq!(hours("neuss-mitte", "1-mon"), serde_json::json!(["07:30-15:30"]));
    assert_eq!(hours("neuss-mitte", "6-sat"), serde_json::json!(["09:00-12:00"]));
    assert_eq!(hours("neuss-mitte", "7-sun"), serde_json::json!([]));
    assert_eq!(hours("grevenbroich", "6-sat"), serde_json::json!([]));

    // Deterministic byte for byte.
    w.run_ok(&[&args[..], &["--out", "b"]].concat());
    for file in ["arrivals.parquet", "arrivals.csv", "backtest.csv", "backtest.json", "forecast.json"] {
        let (a, b) = (
            std::fs::read(w.path(&format!("a/{file}"))).unwrap(),
            std::fs::read(w.path(&format!("b/{file}"))).unwrap(),
        );
        assert!(a == b, "{file} differs between runs");
    }
}

#[test]
fn forecast_flags_have_help_and_an_empty_store_is_an_error() {
    let w = Workdir::new();
    let help = w.run_ok(&["forecast", "--help"]);
    for flag in ["--store", "--out", "--from", "--days"] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
    std::fs::create_dir(w.path("empty")).unwrap();
    let out = w.run(&["forecast", "--store", "empty", "--out", "o"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tickets"));
}
