//! `queuecast ingest` end to end: exact counts, stored values, quarantine rows, DST days,
//! re-ingest and overlapping re-exports.

mod util;

use std::fs;

use polars::prelude::*;
use queuecast::schema::Outcome;
use queuecast::store::{PartitionKey, Store};
use queuecast::timezones::{DEFAULT_TZ, parse_rfc3339};
use util::{Workdir, count, fixture};

fn key(office: &str, year: i32, month: u32) -> PartitionKey {
    PartitionKey { office_id: office.into(), year, month }
}

fn store(w: &Workdir) -> Store {
    Store::open(&w.path("store"), DEFAULT_TZ).unwrap()
}

fn read_frame(w: &Workdir, k: &PartitionKey) -> DataFrame {
    let file = fs::File::open(store(w).partition_path(k)).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

fn ints(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    df.column(name).unwrap().cast(&DataType::Int64).unwrap().i64().unwrap().iter().collect()
}

#[test]
fn clean_file_is_stored_with_exact_values() {
    let w = Workdir::new();
    let out = w.run_ok(&["ingest", &fixture("clean.csv"), "--store", "store"]);
    assert_eq!((count(&out, "rows read"), count(&out, "stored")), (10, 10));
    assert_eq!((count(&out, "duplicates"), count(&out, "quarantined")), (0, 0));
    let s = store(&w);
    assert_eq!(
        s.partitions().unwrap(),
        vec![key("rathaus", 2025, 5), key("strassenverkehr", 2025, 5), key("strassenverkehr", 2025, 6)]
    );
    let rathaus = s.read_partition(&key("rathaus", 2025, 5)).unwrap();
    assert_eq!(rathaus.len(), 8);
    let a001 = rathaus
        .iter()
        .find(|t| {
            t.ticket_id == "A001"
                && t.service == "PA"
                && t.issued_at == parse_rfc3339("2025-05-06T07:58:20Z").unwrap()
        })
        .unwrap();
    assert_eq!(a001.called_at, Some(parse_rfc3339("2025-05-06T10:20:00+02:00").unwrap()));
    assert_eq!(a001.counter.as_deref(), Some("1"));
    let cancelled =
        rathaus.iter().find(|t| t.ticket_id == "A003" && t.outcome == Outcome::Cancelled).unwrap();
    assert_eq!((cancelled.called_at, cancelled.finished_at, cancelled.counter.clone()), (None, None, None));

    let df = read_frame(&w, &key("rathaus", 2025, 5));
    // Sorted by issued_at: first four rows are 2025-05-05 A001, A002, T001, A003.
    assert_eq!(&ints(&df, "wait_s")[..5], &[Some(120), Some(480), Some(300), Some(240), None]);
    assert_eq!(&ints(&df, "service_s")[..5], &[Some(630), Some(540), Some(720), None, None]);
    assert_eq!(&ints(&df, "minute_of_day")[..2], &[Some(481), Some(482)]);
    assert_eq!(&ints(&df, "weekday")[..6], &[Some(1), Some(1), Some(1), Some(1), Some(1), Some(2)]);
    let date: Vec<Option<i64>> = ints(&df, "local_date");
    assert_eq!(date[0], Some(20213)); // 2025-05-05 as days since 1970-01-01

    let summary = w.run_ok(&["summary", "--store", "store"]);
    let line = summary.lines().find(|l| l.starts_with("rathaus")).unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&cols[1..8], &["8", "2", "2025-05-05", "2025-05-06", "5", "1", "2"]);
}

#[test]
fn every_bad_row_is_quarantined_with_its_reason_and_good_rows_are_kept() {
    let w = Workdir::new();
    let out = w.run_code(&["ingest", &fixture("bad_rows.csv"), "--store", "store"], 3);
    assert_eq!(count(&out, "rows read"), 28);
    assert_eq!(count(&out, "stored"), 3);
    assert_eq!(count(&out, "duplicates"), 2);
    assert_eq!(count(&out, "quarantined"), 23);
    let ids: Vec<String> = store(&w)
        .read_partition(&key("rathaus", 2025, 5))
        .unwrap()
        .into_iter()
        .map(|t| t.ticket_id)
        .collect();
    assert_eq!(ids, ["A001", "A023", "A024"]);

    let qdir = w.path("store/quarantine");
    let files: Vec<_> = fs::read_dir(&qdir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    let text = String::from_utf8(fs::read(&files[0]).unwrap()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("source_file,line,reason,field,message,raw"));
    let got: Vec<(u64, String)> = lines
        .map(|l| {
            let mut parts = l.splitn(4, ',').skip(1);
            (parts.next().unwrap().parse().unwrap(), parts.next().unwrap().to_string())
        })
        .collect();
    let expected = [
        (3, "blank_line"),
        (4, "missing_fields"),
        (5, "extra_fields"),
        (6, "malformed_record"),
        (7, "missing_value"),
        (8, "invalid_office_id"),
        (9, "bad_timestamp"),
        (10, "impossible_timestamp"),
        (11, "unknown_channel"),
        (12, "unknown_outcome"),
        (13, "unknown_service"),
        (14, "missing_called_at"),
        (15, "missing_finished_at"),
        (16, "missing_counter"),
        (17, "cancelled_but_called"),
        (18, "called_before_issued"),
        (19, "finished_before_called"),
        (20, "finished_before_issued"),
        (21, "wait_too_long"),
        (22, "service_too_long"),
        (29, "invalid_utf8"),
        (23, "conflicting_duplicate"),
        (24, "conflicting_duplicate"),
    ];
    let expected: Vec<(u64, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(got, expected);
    assert!(
        text.contains(
            "bad_rows.csv,9,bad_timestamp,issued_at,'05.05.2025 08:05' is not an RFC 3339 timestamp"
        ),
        "{text}"
    );
    assert!(text.contains("rathaus,A021,PA,walk_in"), "raw line kept: {text}");
}

#[test]
fn threshold_flag_decides_the_exit_code_not_what_is_stored() {
    let w = Workdir::new();
    let out =
        w.run_ok(&["ingest", &fixture("bad_rows.csv"), "--store", "store", "--max-quarantine-share", "0.9"]);
    assert_eq!(count(&out, "stored"), 3);
}

#[test]
fn dst_switch_days_get_local_parts_and_true_waits() {
    let w = Workdir::new();
    let out = w.run_ok(&["ingest", &fixture("dst.csv"), "--store", "store"]);
    assert_eq!(count(&out, "stored"), 7);
    let march = read_frame(&w, &key("amt", 2025, 3));
    assert_eq!(ints(&march, "weekday"), [Some(6), Some(7), Some(1)]);
    assert_eq!(ints(&march, "hour"), [Some(9), Some(1), Some(8)]);
    assert_eq!(ints(&march, "minute_of_day"), [Some(540), Some(110), Some(483)]);
    // Issued 01:50 CET, called 03:10 CEST: 20 real minutes, not 80 wall-clock minutes.
    assert_eq!(ints(&march, "wait_s"), [Some(600), Some(1200), Some(1008)]);
    let october = read_frame(&w, &key("amt", 2025, 10));
    assert_eq!(ints(&october, "weekday"), [Some(6), Some(7), Some(7), Some(1)]);
    // Both tickets of the repeated hour are at local 02:30, an hour apart in real time.
    assert_eq!(ints(&october, "hour"), [Some(9), Some(2), Some(2), Some(8)]);
    assert_eq!(ints(&october, "minute_of_day"), [Some(540), Some(150), Some(150), Some(480)]);
    assert_eq!(ints(&october, "wait_s"), [Some(300), Some(4200), Some(1200), Some(720)]);
    let dates = ints(&october, "local_date");
    assert_eq!(dates[1], dates[2]);
}

#[test]
fn reingesting_the_same_file_changes_nothing() {
    let w = Workdir::new();
    w.run_ok(&["ingest", &fixture("clean.csv"), "--store", "store"]);
    let path = store(&w).partition_path(&key("rathaus", 2025, 5));
    let before = fs::read(&path).unwrap();
    let out = w.run_ok(&["ingest", &fixture("clean.csv"), "--store", "store"]);
    assert!(out.contains("4  written (4 replaced)"), "{out}");
    assert_eq!(fs::read(&path).unwrap(), before);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(w.path("store/manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["rows_read"], 10);
    assert_eq!(files[0]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn overlapping_reexport_replaces_only_its_office_days() {
    let w = Workdir::new();
    w.run_ok(&["ingest", &fixture("clean.csv"), "--store", "store"]);
    let out = w.run_ok(&["ingest", &fixture("reexport.csv"), "--store", "store"]);
    assert!(out.contains("2  written (1 replaced)"), "{out}");
    let tickets = store(&w).read_partition(&key("rathaus", 2025, 5)).unwrap();
    let on = |day: &str| {
        tickets
            .iter()
            .filter(|t| queuecast::timezones::local_parts(t.issued_at, DEFAULT_TZ).date.to_string() == day)
            .count()
    };
    assert_eq!((on("2025-05-05"), on("2025-05-06"), on("2025-05-07")), (5, 2, 1));
    let a001 = tickets.iter().find(|t| t.issued_at == parse_rfc3339("2025-05-06T09:58:20+02:00").unwrap());
    assert!(a001.is_some());
    // The other office is untouched.
    assert_eq!(store(&w).read_partition(&key("strassenverkehr", 2025, 5)).unwrap().len(), 1);
}

#[test]
fn ndjson_is_read_with_the_same_rules() {
    let w = Workdir::new();
    let out = w.run_code(&["ingest", &fixture("clean.ndjson"), "--store", "store"], 3);
    assert_eq!((count(&out, "rows read"), count(&out, "stored"), count(&out, "quarantined")), (4, 2, 2));
    assert!(out.contains("missing_fields") && out.contains("malformed_record"), "{out}");
}

#[test]
fn gzip_and_parquet_inputs_store_the_same_tickets_as_csv() {
    let w = Workdir::new();
    w.run_ok(&["ingest", &fixture("clean.csv"), "--store", "csv"]);
    // gzip
    let gz = w.path("clean.csv.gz");
    let mut enc =
        flate2::write::GzEncoder::new(fs::File::create(&gz).unwrap(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &fs::read(fixture("clean.csv")).unwrap()).unwrap();
    enc.finish().unwrap();
    w.run_ok(&["ingest", gz.to_str().unwrap(), "--store", "gz"]);
    // Parquet with string columns, columns in another order.
    let text = fs::read_to_string(fixture("clean.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut columns: Vec<Column> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let v: Vec<Option<&str>> = rows.iter().map(|r| (!r[i].is_empty()).then_some(r[i])).collect();
            Column::new((*h).into(), v)
        })
        .collect();
    columns.reverse();
    let mut df = DataFrame::new(rows.len(), columns).unwrap();
    let pq = w.path("clean.parquet");
    ParquetWriter::new(fs::File::create(&pq).unwrap()).finish(&mut df).unwrap();
    w.run_ok(&["ingest", pq.to_str().unwrap(), "--store", "pq"]);
    for other in ["gz", "pq"] {
        for k in [key("rathaus", 2025, 5), key("strassenverkehr", 2025, 6)] {
            let a = fs::read(Store::open(&w.path("csv"), DEFAULT_TZ).unwrap().partition_path(&k)).unwrap();
            let b = fs::read(Store::open(&w.path(other), DEFAULT_TZ).unwrap().partition_path(&k)).unwrap();
            assert_eq!(a, b, "{other} {k:?}");
        }
    }
    // The manifest holds the hash of each input's bytes as they are on disk (taken while the
    // file is parsed for text inputs, compressed bytes for gzip; in a pass of its own for Parquet).
    for (store, input) in [("csv", std::path::PathBuf::from(fixture("clean.csv"))), ("gz", gz), ("pq", pq)] {
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(w.path(&format!("{store}/manifest.json"))).unwrap()).unwrap();
        let bytes = fs::read(&input).unwrap();
        assert_eq!(manifest["files"][0]["sha256"], queuecast::hashing::sha256_hex(&bytes), "{store}");
        assert_eq!(manifest["files"][0]["bytes"], bytes.len() as u64, "{store}");
    }
}

#[test]
fn a_bad_header_fails_before_any_row_naming_file_and_column() {
    let w = Workdir::new();
    fs::write(w.path("x.csv"), "office_id,ticket_id,service,channel,issued_at,finished_at,counter,outcome\n")
        .unwrap();
    let out = w.run(&["ingest", "x.csv", "--store", "store"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("x.csv") && err.contains("line 1") && err.contains("missing column(s) called_at"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one-line cause: {err}");
}

#[test]
fn stale_temp_files_of_a_killed_run_are_ignored_and_cleared() {
    let w = Workdir::new();
    w.run_ok(&["ingest", &fixture("clean.csv"), "--store", "store"]);
    let part = store(&w).partition_path(&key("rathaus", 2025, 5));
    let stale = part.with_file_name(".part-0.parquet.tmp-4242");
    fs::write(&stale, b"half a parquet file").unwrap();
    let summary = w.run_ok(&["summary", "--store", "store"]);
    assert!(summary.contains("rathaus"), "{summary}");
    assert!(!stale.exists(), "opening the store clears stale temp files");
}

/// Every partition file of a store (path relative to the store, bytes), sorted.
fn partition_files(w: &Workdir) -> Vec<(String, Vec<u8>)> {
    let s = store(w);
    let mut files: Vec<(String, Vec<u8>)> = s
        .partitions()
        .unwrap()
        .iter()
        .map(|k| {
            let path = s.partition_path(k);
            let rel = path.strip_prefix(w.path("store")).unwrap().display().to_string();
            (rel, fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Runs `ingest FILE` until it pauses at the checkpoint `point`, then SIGKILLs it.
fn ingest_killed_at(w: &Workdir, file: &str, point: &str) {
    use queuecast::checkpoint::{PAUSE_ENV, PAUSE_MARKER};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .args(["ingest", &fixture(file), "--store", "store"])
        .current_dir(w.path(""))
        .env(PAUSE_ENV, point)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (seen, _) =
        util::kill_at_marker(&mut child, stderr, PAUSE_MARKER, std::time::Duration::from_secs(120));
    assert!(seen, "never paused at {point}");
}

#[test]
fn an_ingest_killed_inside_the_partition_commit_leaves_each_partition_old_or_new() {
    let reference = Workdir::new();
    reference.run_ok(&["ingest", &fixture("clean.csv"), "--store", "store"]);
    let want = partition_files(&reference);
    assert_eq!(want.len(), 3);
    // Killed with every partition staged and durable but none renamed: nothing is visible;
    // killed after the second rename: the first two partitions, complete; never a manifest.
    for (point, visible) in [("store:partitions-staged", 0), ("store:partition-written#2", 2)] {
        let w = Workdir::new();
        ingest_killed_at(&w, "clean.csv", point);
        assert_eq!(partition_files(&w), want[..visible], "killed at {point}");
        assert!(!w.path("store/manifest.json").exists(), "killed at {point}: the manifest comes last");
        let out = w.run_ok(&["ingest", &fixture("clean.csv"), "--store", "store"]);
        assert_eq!(count(&out, "stored"), 10, "rerun after {point}: {out}");
        assert_eq!(partition_files(&w), want, "rerun after {point}");
    }
    // A re-ingest killed before its renames leaves the old partition in place.
    let w = Workdir::new();
    w.run_ok(&["ingest", &fixture("clean.csv"), "--store", "store"]);
    ingest_killed_at(&w, "reexport.csv", "store:partitions-staged");
    assert_eq!(partition_files(&w), want);
}

#[test]
fn version_and_help() {
    let w = Workdir::new();
    assert!(w.run_ok(&["--version"]).starts_with("queuecast 0.1.0"));
    let help = w.run_ok(&["ingest", "--help"]);
    for flag in ["--store", "--max-quarantine-share", "--config"] {
        assert!(help.contains(flag), "{help}");
    }
}

/// Regression: `queuecast ingest … | head` panicked with "failed printing to stdout".
#[test]
fn a_closed_stdout_pipe_is_not_a_crash() {
    let w = Workdir::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .args(["ingest", &fixture("clean.csv"), "--store", "store"])
        .current_dir(w.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is printed
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(store(&w).read_partition(&key("rathaus", 2025, 5)).unwrap().len(), 8);
}

/// A log of several read blocks (the canonical CSV is checked on all cores in blocks of about
/// 4 MB): every line keeps its number, every bad line is quarantined with its reason, every good
/// one is stored. Bad lines sit all over the file, so some fall next to the block boundaries.
#[test]
fn a_log_read_in_many_blocks_keeps_every_line_and_its_number() {
    let w = Workdir::new();
    let start = parse_rfc3339("2025-03-20T07:00:00Z").unwrap();
    let at = |ms: i64| queuecast::timezones::format_rfc3339(ms, chrono_tz::UTC);
    let mut text = queuecast::schema::CANONICAL_COLUMNS.join(",") + "\n";
    let mut bad = Vec::new();
    let lines = 120_000;
    for i in 0..lines {
        let line = i + 2; // after the header, 1-based
        let issued = start + i as i64 * 20_000;
        let good = format!(
            "o{},T{i},PA,walk_in,{},{},{},1,served",
            i % 3,
            at(issued),
            at(issued + 300_000),
            at(issued + 900_000)
        );
        let row = match i % 1_013 {
            17 => (String::new(), Some("blank_line")),
            400 => (good.replace(",PA,", ",NOPE,"), Some("unknown_service")),
            777 => (good.replacen('T', "X", 2), Some("bad_timestamp")),
            _ => (good, None),
        };
        text.push_str(&row.0);
        text.push_str(if i % 2 == 0 { "\r\n" } else { "\n" });
        if let Some(reason) = row.1 {
            bad.push((line as u64, reason.to_string()));
        }
    }
    assert!(text.len() > 12 << 20, "several blocks: {} bytes", text.len());
    fs::write(w.path("big.csv"), &text).unwrap();
    let out = w.run_ok(&["ingest", "big.csv", "--store", "store"]);
    assert_eq!(count(&out, "rows read"), lines as u64);
    assert_eq!(count(&out, "quarantined"), bad.len() as u64);
    assert_eq!(count(&out, "stored"), (lines - bad.len()) as u64);
    let qdir = w.path("store/quarantine");
    let qfile = fs::read_dir(&qdir).unwrap().next().unwrap().unwrap().path();
    let mut reader = csv::Reader::from_path(&qfile).unwrap();
    let got: Vec<(u64, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].parse().unwrap(), r[2].to_string())
        })
        .collect();
    assert_eq!(got, bad);
}
