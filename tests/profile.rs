//! `queuecast profile` end to end: a hand-computed office-day, suppression, a DST fortnight,
//! and the counting invariants on simulated data.

mod util;

use std::path::Path;

use polars::prelude::*;
use proptest::prelude::*;
use util::{Workdir, fixture};

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap()).finish().unwrap()
}

fn row(df: &DataFrame, filter: Expr) -> DataFrame {
    df.clone().lazy().filter(filter).collect().unwrap()
}

fn f64_at(df: &DataFrame, name: &str) -> Option<f64> {
    df.column(name).unwrap().cast(&DataType::Float64).unwrap().f64().unwrap().get(0)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn hand_computed_office_day() {
    let w = Workdir::new();
    w.run_ok(&["ingest", &fixture("profile_day.csv"), "--store", "store"]);
    w.run_ok(&["profile", "--store", "store", "--out", "prof"]);
    let wh = read(&w.path("prof/weekday_hour.parquet"));
    let h8 = row(&wh, col("service").eq(lit("*")).and(col("hour").eq(lit(8))));
    assert_eq!(h8.height(), 1);
    let expect = [
        ("open_days", 1.0),
        ("tickets", 6.0),
        ("walk_in", 5.0),
        ("appointment", 1.0),
        ("served", 4.0),
        ("no_show", 1.0),
        ("cancelled", 1.0),
        ("wait_mean_min", 6.4),
        ("wait_median_min", 5.0),
        ("wait_p90_min", 14.0),
        ("service_mean_min", 9.75),
        ("service_level", 0.8),
        ("avg_waiting", 52.0 / 60.0),
        // Counter 1: active 08:00–08:50 (idle 30 min after 08:20), again from 09:00;
        // counter 2: active from its first call at 08:08 (idle only 28 min before 08:40).
        ("avg_active_counters", (50.0 + 52.0) / 60.0),
        // Busy: counter 1 08:00–08:20, counter 2 08:08–08:12 and 08:40–08:42.
        ("utilisation", 26.0 / 102.0),
    ];
    for (name, value) in expect {
        assert!(close(f64_at(&h8, name), value), "{name}: {:?} != {value}", f64_at(&h8, name));
    }
    // Hour 9 has one ticket: suppressed, values gone, flag set.
    let h9 = row(&wh, col("service").eq(lit("*")).and(col("hour").eq(lit(9))));
    assert_eq!(f64_at(&h9, "tickets"), None);
    assert_eq!(h9.column("suppressed").unwrap().bool().unwrap().get(0), Some(true));

    let daily = read(&w.path("prof/daily.parquet"));
    for (name, value) in [
        ("tickets", 7.0),
        ("wait_mean_min", 38.0 / 6.0),
        ("wait_p90_min", 13.0),
        ("service_level", 5.0 / 6.0),
        ("max_waiting", 2.0),
        ("max_active_counters", 2.0),
    ] {
        assert!(close(f64_at(&daily, name), value), "{name}: {:?} != {value}", f64_at(&daily, name));
    }
    insta::assert_snapshot!(
        "profile_day_weekday_hour_csv",
        std::fs::read_to_string(w.path("prof/weekday_hour.csv")).unwrap()
    );
}

#[test]
fn without_suppression_small_cells_are_visible() {
    let w = Workdir::new();
    w.run_ok(&["ingest", &fixture("profile_day.csv"), "--store", "store"]);
    w.run_ok(&["profile", "--store", "store", "--out", "prof", "--no-suppression"]);
    let wh = read(&w.path("prof/weekday_hour.parquet"));
    let h9 = row(&wh, col("service").eq(lit("*")).and(col("hour").eq(lit(9))));
    assert_eq!(f64_at(&h9, "tickets"), Some(1.0));
    assert!(close(f64_at(&h9, "wait_mean_min"), 6.0));
    assert!(wh.column("suppressed").is_err(), "no flag column without suppression");
}

/// Sums a count column over rows matching `filter`.
fn total(df: &DataFrame, name: &str, filter: Expr) -> u64 {
    let s =
        df.clone().lazy().filter(filter).select([col(name).cast(DataType::UInt64).sum()]).collect().unwrap();
    s.columns()[0].u64().unwrap().get(0).unwrap_or(0)
}

/// Tickets and outcomes add up in every table, against the store itself.
fn check_sums(w: &Workdir) {
    let stored = read_store(w);
    let dir = w.path("prof");
    let wh = read(&dir.join("weekday_hour.parquet"));
    let slot = read(&dir.join("slot15.parquet"));
    let daily = read(&dir.join("daily.parquet"));
    let monthly = read(&dir.join("monthly.parquet"));
    for (office, n) in stored {
        let of = || col("office_id").eq(lit(office.clone()));
        let all = || of().and(col("service").eq(lit("*")));
        let per = || of().and(col("service").neq(lit("*")));
        assert_eq!(total(&wh, "tickets", all()), n, "{office} weekday_hour *");
        assert_eq!(total(&wh, "tickets", per()), n, "{office} weekday_hour per service");
        assert_eq!(total(&slot, "tickets", all()), n, "{office} slot15");
        assert_eq!(total(&daily, "tickets", of()), n, "{office} daily");
        assert_eq!(total(&monthly, "tickets", all()), n, "{office} monthly");
        let outcomes: u64 = ["served", "no_show", "cancelled"].iter().map(|c| total(&wh, c, all())).sum();
        assert_eq!(outcomes, n);
        let channels: u64 = ["walk_in", "appointment"].iter().map(|c| total(&wh, c, all())).sum();
        assert_eq!(channels, n);
    }
    // Averages are never negative; utilisation is a share.
    let bad = wh
        .clone()
        .lazy()
        .filter(col("avg_waiting").lt(lit(0.0)).or(col("utilisation").gt(lit(1.0 + 1e-9))))
        .collect()
        .unwrap();
    assert_eq!(bad.height(), 0);
}

fn read_store(w: &Workdir) -> Vec<(String, u64)> {
    let store = queuecast::store::Store::open(&w.path("store"), queuecast::timezones::DEFAULT_TZ).unwrap();
    let s = queuecast::store::summary::summarize(&store).unwrap();
    s.offices.into_iter().map(|o| (o.office_id, o.tickets)).collect()
}

#[test]
fn dst_fortnight_profiles_by_local_hour() {
    let w = Workdir::new();
    w.run_ok(&["simulate", "--out", "log.csv", "--start", "2025-03-24", "--days", "14", "--offices", "2"]);
    w.run_ok(&["ingest", "log.csv", "--store", "store"]);
    w.run_ok(&["profile", "--store", "store", "--out", "prof", "--no-suppression"]);
    check_sums(&w);
    // Offices open 07:00 at the earliest: no ticket before local 07:00 on either side of the switch.
    let daily_hours = read(&w.path("prof/weekday_hour.parquet"));
    assert_eq!(total(&daily_hours, "tickets", col("hour").lt(lit(7))), 0);
    assert!(total(&daily_hours, "tickets", col("hour").eq(lit(7))) > 0);
    let daily = read(&w.path("prof/daily.parquet"));
    let dates: Vec<String> = daily
        .column("local_date")
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|d| d.unwrap().to_string())
        .collect();
    assert!(dates.contains(&"2025-03-28".to_string()) && dates.contains(&"2025-03-31".to_string()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn counts_add_up_for_any_simulated_fortnight(seed in 0u64..1000, offices in 1u32..4, start in 0u64..300) {
        let w = Workdir::new();
        let date = (chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(start)).to_string();
        w.run_ok(&["simulate", "--out", "log.csv", "--start", &date, "--days", "10", "--offices", &offices.to_string(), "--seed", &seed.to_string()]);
        w.run_ok(&["ingest", "log.csv", "--store", "store"]);
        w.run_ok(&["profile", "--store", "store", "--out", "prof", "--no-suppression"]);
        check_sums(&w);
    }
}
