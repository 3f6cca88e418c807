//! `queuecast simulate` through the binary: the shipped sample is exactly what the documented
//! command produces, and the output ingests without a single quarantined row.

mod util;

use util::{Workdir, count};

#[test]
fn shipped_sample_is_reproduced_byte_for_byte() {
    let w = Workdir::new();
    let out = w.run_ok(&[
        "simulate",
        "--out",
        "s.csv.gz",
        "--seed",
        "2025",
        "--start",
        "2025-01-01",
        "--days",
        "365",
        "--offices",
        "3",
        "--scale",
        "1",
    ]);
    assert!(out.contains("203550 tickets"), "{out}");
    let shipped =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample/tickets-2025.csv.gz")).unwrap();
    assert_eq!(std::fs::read(w.path("s.csv.gz")).unwrap(), shipped);
}

#[test]
fn simulated_log_ingests_cleanly_and_other_seeds_differ() {
    let w = Workdir::new();
    w.run_ok(&["simulate", "--out", "a.csv", "--days", "21", "--seed", "7"]);
    w.run_ok(&["simulate", "--out", "b.csv", "--days", "21", "--seed", "8"]);
    assert_ne!(std::fs::read(w.path("a.csv")).unwrap(), std::fs::read(w.path("b.csv")).unwrap());
    let rows = std::fs::read_to_string(w.path("a.csv")).unwrap().lines().count() as u64 - 1;
    let out = w.run_ok(&["ingest", "a.csv", "--store", "store"]);
    assert_eq!(count(&out, "rows read"), rows);
    assert_eq!(count(&out, "stored"), rows);
    assert_eq!(count(&out, "quarantined"), 0);
}

#[test]
fn a_county_of_85_offices_ingests_cleanly_with_every_office_stored() {
    let w = Workdir::new();
    let out =
        w.run_ok(&["simulate", "--out", "c.csv", "--days", "3", "--start", "2025-06-02", "--offices", "85"]);
    assert!(out.contains("85 offices"), "{out}");
    let text = std::fs::read_to_string(w.path("c.csv")).unwrap();
    let rows = text.lines().count() as u64 - 1;
    let offices: std::collections::BTreeSet<&str> =
        text.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    assert_eq!(offices.len(), 85);
    assert!(offices.contains("neuss-mitte"));
    assert!(offices.contains("bb-085") || offices.contains("kfz-085"), "{offices:?}");
    let out = w.run_ok(&["ingest", "c.csv", "--store", "store"]);
    assert_eq!(count(&out, "rows read"), rows);
    assert_eq!(count(&out, "stored"), rows);
    assert_eq!(count(&out, "quarantined"), 0);
    let partitions = std::fs::read_dir(w.path("store/tickets")).unwrap().count();
    assert_eq!(partitions, 85, "one office directory each");
}

#[test]
fn invalid_simulation_flags_fail_with_the_setting_named() {
    let w = Workdir::new();
    let out = w.run(&["simulate", "--out", "x.csv", "--offices", "1000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("simulate.offices"));
}
