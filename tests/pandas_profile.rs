//! `queuecast profile` against an independent second implementation: the pandas checker in
//! `notebooks/check_profile.py` recomputes every profile table from the store's Parquet files
//! (ticket statistics, time-averaged queue, counters, suppression, peaks) and must agree; it
//! must also notice a profile that was tampered with.
//!
//! Needs Python 3.11 with `python3 -m pip install -r notebooks/requirements.txt`. Without
//! pandas and pyarrow these tests fail (they never pass silently).

mod util;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;
use util::{Workdir, fixture, require_pandas};

fn checker() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks/check_profile.py")
}

fn sample_log() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/tickets-2025.csv.gz").display().to_string()
}

fn run_checker(store: &Path, profiles: &Path) -> Output {
    Command::new("python3")
        .arg(checker())
        .arg("--store")
        .arg(store)
        .arg("--profiles")
        .arg(profiles)
        .output()
        .expect("run python3 notebooks/check_profile.py")
}

/// Runs the checker and requires exit code `code`; returns its stdout.
fn check_code(store: &Path, profiles: &Path, code: i32) -> String {
    let out = run_checker(store, profiles);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "check_profile.py --store {} --profiles {}\nstdout:\n{stdout}\nstderr:\n{}",
        store.display(),
        profiles.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Profiles `store` into `suppressed/` and `all/` (without suppression), concurrently, and
/// runs the checker on both; returns the checker's two outputs.
fn profile_both_ways_and_check(w: &Workdir, extra: &[&str]) -> (String, String) {
    std::thread::scope(|s| {
        let runs: Vec<_> = [("suppressed", false), ("all", true)]
            .into_iter()
            .map(|(out, no_suppression)| {
                s.spawn(move || {
                    let mut args = vec!["profile", "--store", "store", "--out", out];
                    args.extend_from_slice(extra);
                    if no_suppression {
                        args.push("--no-suppression");
                    }
                    w.run_ok(&args);
                    check_code(&w.path("store"), &w.path(out), 0)
                })
            })
            .collect();
        let mut outs = runs.into_iter().map(|h| h.join().expect("profile and check"));
        (outs.next().unwrap(), outs.next().unwrap())
    })
}

fn assert_ok(out: &str) {
    assert!(out.contains("OK: weekday_hour, slot15, daily, monthly and peaks match"), "{out}");
}

#[test]
fn pandas_profile_agrees_on_the_bundled_sample_year() {
    require_pandas();
    let w = Workdir::new();
    w.run_ok(&["ingest", &sample_log(), "--store", "store"]);
    let (suppressed, all) = profile_both_ways_and_check(&w, &[]);
    for out in [&suppressed, &all] {
        assert_ok(out);
        // The checker's own count, as a sanity check that it read the whole year.
        assert!(out.contains("203550 tickets, 798 office-days, 3 office(s)"), "{out}");
    }
    assert!(suppressed.contains("suppression k=5"), "{suppressed}");
    assert!(all.contains("no suppression"), "{all}");
}

/// Corner cases of the queue replay and the calendar, in a few hand-written office-days:
/// cancelled tickets without `finished_at` (leaving at their wait bound, here the default
/// 3 hours: too few called tickets to learn one), a counter called again exactly when its idle gap runs out, a
/// ticket waiting across midnight, the repeated hour of the autumn switch, a zero wait.
const EDGE_LOG: &str = "\
office_id,ticket_id,service,channel,issued_at,called_at,finished_at,counter,outcome
edge,A001,PA,walk_in,2025-06-02T08:00:00+02:00,2025-06-02T08:00:00+02:00,2025-06-02T08:10:00+02:00,1,served
edge,A002,PA,walk_in,2025-06-02T08:05:00+02:00,,,,cancelled
edge,A003,MB,walk_in,2025-06-02T08:06:00+02:00,2025-06-02T08:40:00+02:00,2025-06-02T08:45:00+02:00,1,served
edge,A004,MB,appointment,2025-06-02T08:07:00+02:00,2025-06-02T08:20:00+02:00,2025-06-02T09:50:00+02:00,2,served
edge,A005,AB,walk_in,2025-06-02T08:30:00+02:00,2025-06-02T08:35:00+02:00,2025-06-02T08:37:00+02:00,2,no_show
edge,A006,AB,walk_in,2025-06-02T09:10:00+02:00,,2025-06-02T09:20:00+02:00,,cancelled
edge,A007,PA,walk_in,2025-06-02T09:15:00+02:00,,,,cancelled
edge,A001,PA,walk_in,2025-06-03T10:00:00+02:00,,,,cancelled
edge,A002,RP,walk_in,2025-06-03T10:20:00+02:00,,,,cancelled
edge,A001,FZ,walk_in,2025-06-04T23:30:00+02:00,2025-06-05T00:20:00+02:00,2025-06-05T00:30:00+02:00,3,served
edge,A002,FZ,walk_in,2025-06-04T23:40:00+02:00,,,,cancelled
edge,A001,AN,walk_in,2025-10-26T01:50:00+02:00,2025-10-26T02:20:00+02:00,2025-10-26T02:40:00+01:00,1,served
edge,A002,AN,walk_in,2025-10-26T02:10:00+01:00,2025-10-26T03:05:00+01:00,2025-10-26T03:15:00+01:00,1,served
";

#[test]
fn pandas_profile_agrees_on_corner_cases_and_dst_fixtures() {
    require_pandas();
    let w = Workdir::new();
    fs::write(w.path("edge.csv"), EDGE_LOG).unwrap();
    // The hand-computed day, the nights of both DST switches, and the corner cases above.
    for log in [fixture("profile_day.csv"), fixture("dst.csv"), w.path("edge.csv").display().to_string()] {
        w.run_ok(&["ingest", &log, "--store", "store"]);
    }
    let (suppressed, all) = profile_both_ways_and_check(&w, &["--from", "2025-01-01", "--to", "2025-12-31"]);
    for out in [&suppressed, &all] {
        assert_ok(out);
        assert!(
            // The asked range is clamped to the stored days.
            out.contains("window 2025-03-29 … 2025-10-27: 27 tickets, 11 office-days, 2 office(s)"),
            "{out}"
        );
    }
}

/// A called ticket finished at the very instant it was called (zero service time) is a valid
/// row, but `queuecast profile` panics on it today (`attempt to subtract with overflow` in
/// the replay: its Finish event sorts before its Call at the same instant).
#[test]
fn pandas_profile_agrees_with_a_zero_length_service() {
    require_pandas();
    let w = Workdir::new();
    let log = "\
office_id,ticket_id,service,channel,issued_at,called_at,finished_at,counter,outcome
amt,A001,PA,walk_in,2025-06-02T08:00:00+02:00,2025-06-02T08:05:00+02:00,2025-06-02T08:10:00+02:00,1,served
amt,A002,PA,walk_in,2025-06-02T08:01:00+02:00,2025-06-02T08:20:00+02:00,2025-06-02T08:20:00+02:00,1,no_show
amt,A003,PA,walk_in,2025-06-02T08:02:00+02:00,2025-06-02T08:30:00+02:00,2025-06-02T08:40:00+02:00,2,served
";
    fs::write(w.path("zero.csv"), log).unwrap();
    w.run_ok(&["ingest", "zero.csv", "--store", "store"]);
    let (suppressed, all) = profile_both_ways_and_check(&w, &[]);
    assert_ok(&suppressed);
    assert_ok(&all);
}

/// A copy of the profile directory `from` as `to`, with `change` applied to `table`.
fn tampered(w: &Workdir, from: &str, to: &str, table: &str, change: impl FnOnce(&mut DataFrame)) -> PathBuf {
    let (src, dst) = (w.path(from), w.path(to));
    fs::create_dir_all(&dst).unwrap();
    for entry in fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        fs::copy(&p, dst.join(p.file_name().unwrap())).unwrap();
    }
    let path = dst.join(format!("{table}.parquet"));
    let mut df = ParquetReader::new(fs::File::open(&path).unwrap()).finish().unwrap();
    change(&mut df);
    ParquetWriter::new(fs::File::create(&path).unwrap()).finish(&mut df).unwrap();
    dst
}

/// Adds `delta` to the first non-null value of the float column `name` on an all-services row.
fn nudge(df: &mut DataFrame, name: &str, delta: f64) {
    let all: Vec<bool> =
        df.column("service").unwrap().str().unwrap().iter().map(|s| s == Some("*")).collect();
    let values: Vec<Option<f64>> = df.column(name).unwrap().f64().unwrap().iter().collect();
    let row = (0..values.len()).find(|&i| all[i] && values[i].is_some()).expect("a value to change");
    let changed: Vec<Option<f64>> =
        values.iter().enumerate().map(|(i, v)| if i == row { v.map(|x| x + delta) } else { *v }).collect();
    df.with_column(Column::new(name.into(), changed)).unwrap();
}

#[test]
fn pandas_profile_detects_a_changed_value() {
    require_pandas();
    let w = Workdir::new();
    w.run_ok(&["simulate", "--out", "log.csv", "--start", "2025-03-03", "--days", "56"]);
    w.run_ok(&["ingest", "log.csv", "--store", "store"]);
    w.run_ok(&["profile", "--store", "store", "--out", "prof"]);
    let store = w.path("store");
    assert_ok(&check_code(&store, &w.path("prof"), 0));

    // One p90 wait a second longer: the Parquet value no longer matches the tickets.
    let p90 = tampered(&w, "prof", "p90", "weekday_hour", |df| nudge(df, "wait_p90_min", 1.0 / 60.0));
    let out = check_code(&store, &p90, 1);
    assert!(out.contains("MISMATCH"), "{out}");
    assert!(out.contains("weekday_hour: wait_p90_min expected"), "{out}");

    // One time-averaged queue length off by 1e-4 (below the CSV's rounding, above 1e-6).
    let avg = tampered(&w, "prof", "avg", "weekday_hour", |df| nudge(df, "avg_waiting", 1e-4));
    let out = check_code(&store, &avg, 1);
    assert!(out.contains("weekday_hour: avg_waiting expected"), "{out}");

    // No profile.json: the checker cannot run.
    fs::remove_file(avg.join("profile.json")).unwrap();
    check_code(&store, &avg, 2);
}
