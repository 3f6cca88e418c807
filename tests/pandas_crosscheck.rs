//! `queuecast ingest` against an independent second implementation: the pandas checker in
//! `notebooks/check_store.py` re-derives the store, manifest counts and quarantine from the
//! logs and must agree exactly; it must also notice a store that was tampered with.
//!
//! Needs Python 3.11 with `python3 -m pip install -r notebooks/requirements.txt`. Without
//! pandas and pyarrow these tests fail (they never pass silently).

mod util;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;
use util::{Workdir, fixture, require_pandas};

/// The fixtures in ingest order, each with the exit code `queuecast ingest` gives it
/// (`bad_rows.csv` quarantines more than 5 % of its rows: exit 3, good rows still stored).
const FIXTURES: [(&str, i32); 4] =
    [("clean.csv", 0), ("bad_rows.csv", 3), ("dst.csv", 0), ("reexport.csv", 0)];

fn checker() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks/check_store.py")
}

/// Ingests every fixture, in order, into `store` of the workdir; returns the logs' paths.
fn ingest_fixtures(w: &Workdir) -> Vec<String> {
    FIXTURES
        .iter()
        .map(|&(name, code)| {
            let log = fixture(name);
            w.run_code(&["ingest", &log, "--store", "store"], code);
            log
        })
        .collect()
}

fn run_checker(store: &Path, logs: &[String]) -> Output {
    Command::new("python3")
        .arg(checker())
        .arg("--store")
        .arg(store)
        .args(logs)
        .output()
        .expect("run python3 notebooks/check_store.py")
}

/// Runs the checker and requires exit code `code`; returns its stdout.
fn check_code(store: &Path, logs: &[String], code: i32) -> String {
    let out = run_checker(store, logs);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "check_store.py --store {} {logs:?}\nstdout:\n{stdout}\nstderr:\n{}",
        store.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn pandas_crosscheck_agrees_with_ingest_on_the_fixtures() {
    require_pandas();
    let w = Workdir::new();
    let logs = ingest_fixtures(&w);
    let out = check_code(&w.path("store"), &logs, 0);
    assert!(out.contains("OK: store, manifest and quarantine match"), "{out}");
    // The checker's own counts, as a sanity check that it read what the fixtures hold.
    assert!(out.contains("bad_rows.csv: read 28, stored 3, duplicates 2, quarantined 23"), "{out}");
    assert!(out.contains("store rows: expected 15, found 15"), "{out}");
}

#[test]
fn pandas_crosscheck_of_a_single_gzipped_log() {
    require_pandas();
    let w = Workdir::new();
    let gz = w.path("dst.csv.gz");
    let mut enc =
        flate2::write::GzEncoder::new(fs::File::create(&gz).unwrap(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &fs::read(fixture("dst.csv")).unwrap()).unwrap();
    enc.finish().unwrap();
    let log = gz.display().to_string();
    w.run_ok(&["ingest", &log, "--store", "store"]);
    let out = check_code(&w.path("store"), &[log], 0);
    assert!(out.contains("store rows: expected 7, found 7"), "{out}");
}

#[test]
fn pandas_crosscheck_agrees_on_a_simulated_fortnight() {
    require_pandas();
    let w = Workdir::new();
    // Two weeks around the spring DST switch, three offices, then an overlapping re-export
    // (another seed) that replaces the office-days it holds.
    w.run_ok(&["simulate", "--out", "a.csv.gz", "--start", "2025-03-24", "--days", "14"]);
    w.run_ok(&["simulate", "--out", "b.csv", "--start", "2025-04-03", "--days", "7", "--seed", "7"]);
    let logs: Vec<String> = ["a.csv.gz", "b.csv"].iter().map(|f| w.path(f).display().to_string()).collect();
    for log in &logs {
        w.run_ok(&["ingest", log, "--store", "store"]);
    }
    let out = check_code(&w.path("store"), &logs, 0);
    assert!(out.contains("OK: store, manifest and quarantine match"), "{out}");
}

#[test]
fn pandas_crosscheck_detects_a_changed_wait() {
    require_pandas();
    let w = Workdir::new();
    let logs = ingest_fixtures(&w);
    let store = w.path("store");
    check_code(&store, &logs, 0);

    // Rewrite one partition with a single wait_s one second longer, all else as it was.
    let part = store.join("tickets/office_id=rathaus/year=2025/month=05/part-0.parquet");
    let mut df = ParquetReader::new(fs::File::open(&part).unwrap()).finish().unwrap();
    let waits: Vec<Option<i64>> = df.column("wait_s").unwrap().i64().unwrap().iter().collect();
    let row = waits.iter().position(Option::is_some).expect("a called ticket");
    let changed: Vec<Option<i64>> =
        waits.iter().enumerate().map(|(i, v)| if i == row { v.map(|s| s + 1) } else { *v }).collect();
    df.with_column(Column::new("wait_s".into(), changed)).unwrap();
    ParquetWriter::new(fs::File::create(&part).unwrap()).finish(&mut df).unwrap();

    let out = check_code(&store, &logs, 1);
    assert!(out.contains("MISMATCH"), "{out}");
    assert!(out.contains("wait_s: expected"), "{out}");
}

#[test]
fn pandas_crosscheck_detects_manifest_and_quarantine_drift() {
    require_pandas();
    let w = Workdir::new();
    let logs = ingest_fixtures(&w);
    let store = w.path("store");

    // One quarantined row dropped from bad_rows.csv's quarantine file.
    let qdir = store.join("quarantine");
    let qfile = fs::read_dir(&qdir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("bad_rows.csv-"))
        .expect("quarantine file of bad_rows.csv");
    let text = fs::read_to_string(&qfile).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.contains(",12,unknown_outcome,")).collect();
    assert_eq!(kept.len() + 1, text.lines().count(), "line 12 is the unknown outcome");
    fs::write(&qfile, kept.join("\n") + "\n").unwrap();

    // And the manifest claims one more stored row for clean.csv.
    let mpath = store.join("manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_str(&fs::read_to_string(&mpath).unwrap()).unwrap();
    let clean = manifest["files"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["file"].as_str().unwrap().ends_with("clean.csv"))
        .unwrap();
    clean["stored"] = serde_json::json!(clean["stored"].as_u64().unwrap() + 1);
    fs::write(&mpath, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();

    let out = check_code(&store, &logs, 1);
    assert!(out.contains("bad_rows.csv line 12: should be quarantined (unknown_outcome)"), "{out}");
    assert!(out.contains("clean.csv: stored expected 10, manifest has 11"), "{out}");
}
