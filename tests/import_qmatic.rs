//! `queuecast ingest --format qmatic`: Qmatic Orchestra / Data Connect visit exports with
//! local or UTC timestamps, the default outcome map, offices and services through the mapping.

mod import_util;
mod util;

use std::fs;

use import_util::{balanced, mapping, quarantine, reasons, sorted, stored_rows};
use util::{Workdir, fixture};

#[test]
fn qmatic_visits_give_exactly_the_hand_checked_rows() {
    let w = Workdir::new();
    let out = w.run_code(
        &["ingest", "--mapping", &mapping("qmatic.toml"), &fixture("qmatic_visits.csv"), "--store", "store"],
        3,
    );
    assert_eq!(balanced(&out), [11, 7, 0, 4]);
    let expected = [
        // Fractional seconds (.000) are read; NORMAL → served.
        "strassenverkehr,A017,KFZ,walk_in,2025-03-31T08:03:12+02:00,2025-03-31T08:20:00+02:00,2025-03-31T08:31:30+02:00,Schalter 3,served|1",
        "strassenverkehr,A018,FS,walk_in,2025-03-31T08:05:00+02:00,2025-03-31T08:25:10+02:00,2025-03-31T08:26:00+02:00,Schalter 1,no_show|1",
        // REMOVE_BY_CUSTOMER → cancelled, with the time it was removed.
        "strassenverkehr,A019,KFZ,walk_in,2025-03-31T08:06:00+02:00,,2025-03-31T09:00:00+02:00,,cancelled|1",
        // A020's first transaction (TRANSFER_TO_QUEUE) is quarantined; the final one is the visit.
        "strassenverkehr,A020,FS,walk_in,2025-03-31T08:35:00+02:00,2025-03-31T08:50:00+02:00,2025-03-31T09:05:00+02:00,Schalter 4,served|1",
        // Repeated hour: issued 02:50, called 02:10: only summer → winter time is in order.
        "strassenverkehr,A001,KFZ,walk_in,2025-10-26T02:50:00+02:00,2025-10-26T02:10:00+01:00,2025-10-26T02:20:00+01:00,Schalter 1,served|1",
        // Spring gap: 01:55 CET to 03:05 CEST is a 10-minute wait.
        "strassenverkehr,A002,FS,walk_in,2025-03-30T01:55:00+01:00,2025-03-30T03:05:00+02:00,2025-03-30T03:30:00+02:00,Schalter 1,served|1",
        // Times with an explicit offset are instants as they are.
        "strassenverkehr,A021,KFZ,walk_in,2025-03-31T08:40:00+02:00,2025-03-31T08:45:00+02:00,2025-03-31T08:55:00+02:00,Schalter 2,served|1",
    ];
    assert_eq!(stored_rows(&w.path("store")), sorted(&expected));
    let expected = [
        (5, "unknown_outcome"),
        (8, "ambiguous_local_time"),
        (9, "nonexistent_local_time"),
        (11, "invalid_office_id"),
    ];
    let expected: Vec<(u64, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(reasons(&w.path("store")), expected);
    let q = quarantine(&w.path("store"));
    assert_eq!(q[1].field, "called_at");
    assert!(q[1].message.contains("'CALL_TIME' = '2025-10-26 02:05:00'"), "{:?}", q[1]);
    assert!(q[0].message.contains("TRANSFER_TO_QUEUE") && q[0].message.contains("NORMAL"), "{:?}", q[0]);
}

#[test]
fn utc_timestamps_are_read_as_utc() {
    let w = Workdir::new();
    let text = fs::read_to_string(mapping("qmatic.toml"))
        .unwrap()
        .replace("# timezone = \"UTC\"", "timezone = \"UTC\"");
    fs::write(w.path("utc.toml"), text).unwrap();
    let out = w
        .run_code(&["ingest", "--mapping", "utc.toml", &fixture("qmatic_visits.csv"), "--store", "store"], 3);
    assert_eq!(balanced(&out), [11, 8, 0, 3]);
    let rows = stored_rows(&w.path("store"));
    let a017 = "strassenverkehr,A017,KFZ,walk_in,2025-03-31T10:03:12+02:00,2025-03-31T10:20:00+02:00,2025-03-31T10:31:30+02:00,Schalter 3,served|1";
    assert!(rows.contains(&a017.to_string()), "{rows:?}");
    // In UTC nothing is ambiguous or missing: 02:15Z on 30 March is 03:15 CEST.
    let a001 = "strassenverkehr,A001,FS,walk_in,2025-03-30T04:15:00+02:00,2025-03-30T05:20:00+02:00,2025-03-30T05:30:00+02:00,Schalter 1,served|1";
    assert!(rows.contains(&a001.to_string()), "{rows:?}");
    // …but 02:50Z → 02:10Z on 26 October is called before issued, an ordinary validation error.
    let expected = [(5, "unknown_outcome"), (7, "called_before_issued"), (11, "invalid_office_id")];
    let expected: Vec<(u64, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(reasons(&w.path("store")), expected);
}

#[test]
fn qmatic_without_a_channel_is_refused_before_reading() {
    let w = Workdir::new();
    let out = w.run(&["ingest", "--format", "qmatic", &fixture("qmatic_visits.csv"), "--store", "store"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--format qmatic") && err.contains("columns.channel"), "{err}");
    assert!(!w.path("store").exists());
}

#[test]
fn outcome_map_can_be_extended() {
    let w = Workdir::new();
    let text = fs::read_to_string(mapping("qmatic.toml"))
        .unwrap()
        .replace("# [values.outcome]", "[values.outcome]")
        .replace("# RECYCLE = \"no_show\"", "TRANSFER_TO_QUEUE = \"served\"");
    fs::write(w.path("more.toml"), text).unwrap();
    let out = w.run_code(
        &["ingest", "--mapping", "more.toml", &fixture("qmatic_visits.csv"), "--store", "store"],
        3,
    );
    // Both transactions of A020 are now visits with the same ticket: a conflicting duplicate.
    assert_eq!(balanced(&out), [11, 6, 0, 5]);
    assert_eq!(
        quarantine(&w.path("store")).iter().filter(|q| q.reason == "conflicting_duplicate").count(),
        2
    );
}
