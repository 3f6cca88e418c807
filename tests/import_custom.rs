//! `queuecast ingest --mapping FILE` on German ticket-system CSVs: Windows-1252 umlauts, CRLF,
//! `;`, decimal comma, separate date and time columns, DST days, every bad-row reason with the
//! original line, and the errors that stop a run before any row is read.

mod import_util;
mod util;

use std::fs;

use import_util::{balanced, mapping, quarantine, reasons, sorted, stored_rows};
use util::{Workdir, fixture};

const CUSTOM: &str = "buergerbuero-custom.toml";

#[test]
fn windows_1252_export_gives_exactly_the_hand_checked_rows() {
    let w = Workdir::new();
    let out = w.run_code(
        &["ingest", "--mapping", &mapping(CUSTOM), &fixture("export_custom_cp1252.csv"), "--store", "store"],
        3,
    );
    assert_eq!(balanced(&out), [11, 8, 1, 2]);
    let expected = [
        // Umlauts decoded from Windows-1252: "Bürgerbüro Mitte" → bb-mitte, "Führerschein" → FS.
        "bb-mitte,A001,FS,walk_in,2025-03-31T08:03:12+02:00,2025-03-31T08:20:00+02:00,2025-03-31T08:31:30+02:00,3,served|1",
        // 08:05 without seconds; 0,5 minutes of counter time.
        "bb-mitte,A002,AN,walk_in,2025-03-31T08:05:00+02:00,2025-03-31T08:07:30+02:00,2025-03-31T08:08:00+02:00,2,no_show|1",
        "bb-mitte,T001,PA,appointment,2025-03-31T08:10:00+02:00,2025-03-31T08:12:00+02:00,2025-03-31T08:24:00+02:00,1,served|1",
        "bb-mitte,A003,RP,walk_in,2025-03-31T08:15:00+02:00,,,,cancelled|1",
        // "Ummeldung, Führerschein": two services, the first is stored; 20,25 min = 20:15.
        "bb-mitte,A004,AN,walk_in,2025-03-31T08:20:00+02:00,2025-03-31T08:22:00+02:00,2025-03-31T08:42:15+02:00,2,served|2",
        // Spring switch: 01:50 CET to 03:10 CEST is a 20-minute wait.
        "bb-mitte,A001,MB,walk_in,2025-03-30T01:50:00+01:00,2025-03-30T03:10:00+02:00,2025-03-30T03:15:00+02:00,1,served|1",
        // Autumn switch: called 02:10 after issue at 02:50 only works as 02:50 CEST → 02:10 CET.
        "bb-mitte,A001,FZ,walk_in,2025-10-26T02:50:00+02:00,2025-10-26T02:10:00+01:00,2025-10-26T02:15:00+01:00,1,served|1",
        "bb-mitte,A003,FZ,walk_in,2025-10-26T03:05:00+01:00,2025-10-26T03:20:00+01:00,2025-10-26T03:25:00+01:00,1,served|1",
    ];
    assert_eq!(stored_rows(&w.path("store")), sorted(&expected));

    let q = quarantine(&w.path("store"));
    assert_eq!(
        q.iter().map(|r| (r.line, r.reason.as_str(), r.field.as_str())).collect::<Vec<_>>(),
        [(9, "nonexistent_local_time", "issued_at"), (11, "ambiguous_local_time", "issued_at")]
    );
    // The raw original line, decoded.
    assert_eq!(
        q[1].raw,
        "Bürgerbüro Mitte;26.10.2025;A002;Führungszeugnis;nein;02:30:00;02:45:00;5;1;bedient"
    );
    assert!(
        q[0].message.contains("'Gezogen' = '02:30:00'") && q[0].message.contains("does not exist"),
        "{q:?}"
    );
}

#[test]
fn reingesting_an_export_changes_nothing() {
    let w = Workdir::new();
    let args =
        ["ingest", "--mapping", &mapping(CUSTOM), &fixture("export_custom_cp1252.csv"), "--store", "store"];
    w.run_code(&args, 3);
    let before = stored_rows(&w.path("store"));
    let part = w.path("store/tickets/office_id=bb-mitte/year=2025/month=03/part-0.parquet");
    let bytes = fs::read(&part).unwrap();
    w.run_code(&args, 3);
    assert_eq!(stored_rows(&w.path("store")), before);
    assert_eq!(fs::read(&part).unwrap(), bytes);
}

#[test]
fn a_gzipped_export_gives_the_same_rows() {
    let w = Workdir::new();
    let gz = w.path("export.csv.gz");
    let mut enc =
        flate2::write::GzEncoder::new(fs::File::create(&gz).unwrap(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, &fs::read(fixture("export_custom_cp1252.csv")).unwrap()).unwrap();
    enc.finish().unwrap();
    w.run_code(
        &["ingest", "--mapping", &mapping(CUSTOM), &fixture("export_custom_cp1252.csv"), "--store", "plain"],
        3,
    );
    let out = w.run_code(&["ingest", "--mapping", &mapping(CUSTOM), "export.csv.gz", "--store", "gz"], 3);
    assert_eq!(balanced(&out), [11, 8, 1, 2]);
    assert_eq!(stored_rows(&w.path("gz")), stored_rows(&w.path("plain")));
}

#[test]
fn every_canonical_reason_is_reported_with_the_original_line() {
    let w = Workdir::new();
    let m = fixture("custom_utf8.toml");
    let out = w.run_code(
        &["ingest", "--mapping", &m, &fixture("export_custom_bad_rows.csv"), "--store", "store"],
        3,
    );
    assert_eq!(balanced(&out), [28, 2, 1, 25]);
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
        (27, "invalid_utf8"),
        (28, "unknown_service"),
        (29, "unknown_service"),
        (23, "conflicting_duplicate"),
        (24, "conflicting_duplicate"),
    ];
    let expected: Vec<(u64, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(reasons(&w.path("store")), expected);
    // The BOM did not hide the first column; line 26 repeats line 25 exactly.
    assert_eq!(
        stored_rows(&w.path("store")),
        sorted(&[
            "rathaus,A001,FS,walk_in,2025-05-05T08:01:00+02:00,2025-05-05T08:03:00+02:00,2025-05-05T08:13:30+02:00,1,served|1",
            "rathaus,A023,AN,walk_in,2025-05-05T08:40:00+02:00,2025-05-05T08:41:00+02:00,2025-05-05T08:50:00+02:00,2,no_show|1",
        ])
    );
    let q = quarantine(&w.path("store"));
    let row = |line: u64| q.iter().find(|r| r.line == line).unwrap();
    assert!(
        row(8).message.contains("'Rathaus Nord'") && row(8).message.contains("[offices]"),
        "{:?}",
        row(8)
    );
    assert!(
        row(11).message.contains("'Telefon'") && row(11).message.contains("Spontan, Termin"),
        "{:?}",
        row(11)
    );
    assert_eq!(row(9).field, "issued_at");
    assert!(row(9).message.contains("column 'Ausgabe' = '05/05/2025 08:05'"), "{:?}", row(9));
    assert!(row(18).raw.starts_with("Rathaus;A017;Ummeldung;Spontan;05.05.2025 08:05:00;"), "{:?}", row(18));

    // The summary lists unknown service names with their counts, most frequent first.
    let listed: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.contains("unknown services"))
        .skip(1)
        .take(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(listed, [vec!["'Gewerbeanmeldung'", "2"], vec!["'Angelschein'", "1"]], "{out}");
}

#[test]
fn windows_1252_read_as_utf8_is_one_clear_error_and_nothing_is_stored() {
    let w = Workdir::new();
    let text = fs::read_to_string(mapping(CUSTOM))
        .unwrap()
        .replace("encoding = \"windows-1252\"", "encoding = \"utf-8\"");
    fs::write(w.path("utf8.toml"), text).unwrap();
    let out = w.run(&[
        "ingest",
        "--mapping",
        "utf8.toml",
        &fixture("export_custom_cp1252.csv"),
        "--store",
        "store",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("export_custom_cp1252.csv, line 2"), "{err}");
    assert!(err.contains("encoding = \"windows-1252\"") && err.contains("'Bürgerbüro'"), "{err}");
    let q = w.path("store/quarantine");
    assert_eq!(fs::read_dir(&q).unwrap().count(), 0, "no quarantine of every row");
    assert_eq!(fs::read_dir(w.path("store/tickets")).unwrap().count(), 0);
}

#[test]
fn utf8_read_as_windows_1252_is_refused_too() {
    let w = Workdir::new();
    let text =
        fs::read_to_string(fixture("custom_utf8.toml")).unwrap().replace("\"utf-8\"", "\"windows-1252\"");
    fs::write(w.path("cp.toml"), text).unwrap();
    let out = w.run(&[
        "ingest",
        "--mapping",
        "cp.toml",
        &fixture("export_custom_bad_rows.csv"),
        "--store",
        "store",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("byte order mark") && err.contains("encoding = \"utf-8\""), "{err}");
}

#[test]
fn a_mapping_with_an_unknown_key_fails_before_any_row_naming_the_key() {
    let w = Workdir::new();
    let text = fs::read_to_string(mapping(CUSTOM))
        .unwrap()
        .replace("office_id = \"Standort\"", "ofice_id = \"Standort\"");
    fs::write(w.path("typo.toml"), text).unwrap();
    let out = w.run(&[
        "ingest",
        "--mapping",
        "typo.toml",
        &fixture("export_custom_cp1252.csv"),
        "--store",
        "store",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("typo.toml") && err.contains("ofice_id"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!w.path("store").exists(), "nothing was read or written");
}

#[test]
fn a_mapping_without_a_required_key_fails_naming_it() {
    let w = Workdir::new();
    let text = fs::read_to_string(mapping(CUSTOM)).unwrap().replace("outcome = \"Status\"", "");
    fs::write(w.path("short.toml"), text).unwrap();
    let out = w.run(&[
        "ingest",
        "--mapping",
        "short.toml",
        &fixture("export_custom_cp1252.csv"),
        "--store",
        "store",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing required key columns.outcome"), "{err}");
    assert!(!w.path("store").exists());
}

#[test]
fn a_mapped_column_missing_from_the_header_fails_naming_column_and_key() {
    let w = Workdir::new();
    let text =
        fs::read_to_string(mapping(CUSTOM)).unwrap().replace("counter = \"Platz\"", "counter = \"Schalter\"");
    fs::write(w.path("m.toml"), text).unwrap();
    let out =
        w.run(&["ingest", "--mapping", "m.toml", &fixture("export_custom_cp1252.csv"), "--store", "store"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1 (header)") && err.contains("'Schalter'") && err.contains("columns.counter"),
        "{err}"
    );
    assert!(err.contains("Bearbeitungsdauer (Min.)"), "the header is listed: {err}");
}

#[test]
fn declared_crlf_is_checked_and_a_format_flag_must_agree_with_the_mapping() {
    let w = Workdir::new();
    let lf = fs::read(fixture("export_custom_cp1252.csv")).unwrap();
    let lf: Vec<u8> = lf.into_iter().filter(|b| *b != b'\r').collect();
    fs::write(w.path("lf.csv"), lf).unwrap();
    let out = w.run(&["ingest", "--mapping", &mapping(CUSTOM), "lf.csv", "--store", "store"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(1) && err.contains("line_ending"), "{err}");

    let out = w.run(&["ingest", "--format", "zms", "--mapping", &mapping(CUSTOM), "lf.csv"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(1) && err.contains("format = \"custom\", but --format zms"), "{err}");
    let help = w.run_ok(&["ingest", "--help"]);
    assert!(help.contains("--format") && help.contains("--mapping") && help.contains("qmatic"), "{help}");
}
