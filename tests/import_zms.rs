//! `queuecast ingest --format zms`: the ZMS statistics archive (`buergerarchiv`) with arrival +
//! waiting time + processing time in minutes, derived ticket numbers, no counters, several
//! services in one visit, BOM, DST days, and the legacy spreadsheet form (Windows-1252, `;`,
//! decimal comma, CRLF).

mod import_util;
mod util;

use std::fs;

use import_util::{balanced, mapping, quarantine, reasons, sorted, stored_rows};
use util::{Workdir, fixture};

/// Hand-checked: called = arrival + waiting_time, finished = called + processing_time, ticket
/// numbers by arrival within office-day, empty counter, `|N` the service count.
const ZMS_ROWS: [&str; 7] = [
    // 5002, appointment, "Personalausweis beantragen +2": three services, PA first; 2.25 min = 2:15.
    "bb-nord,D001,PA,appointment,2025-03-31T08:00:00+02:00,2025-03-31T08:02:15+02:00,2025-03-31T08:14:15+02:00,,served|3",
    // 5001: 16.8 min = 16:48, 11.5 min = 11:30. Its repeat on line 7 is a duplicate.
    "bb-nord,D002,FS,walk_in,2025-03-31T08:03:12+02:00,2025-03-31T08:20:00+02:00,2025-03-31T08:31:30+02:00,,served|1",
    // 5004 arrived in the same second as 5001: numbered after it (ties by row text).
    "bb-nord,D003,MB,walk_in,2025-03-31T08:03:12+02:00,2025-03-31T08:07:12+02:00,2025-03-31T08:10:12+02:00,,served|1",
    // 5003: nicht_erschienen = 1.
    "bb-nord,D004,AN,walk_in,2025-03-31T08:10:00+02:00,2025-03-31T08:15:00+02:00,2025-03-31T08:15:00+02:00,,no_show|1",
    // 5005: StandortID 141 is not in [offices], so it stays "141"; its own numbering.
    "141,D001,RP,walk_in,2025-03-31T09:00:00+02:00,2025-03-31T09:10:00+02:00,2025-03-31T09:15:00+02:00,,served|1",
    // 5006: 01:50 CET + 20 real minutes = 03:10 CEST.
    "bb-nord,D001,FS,walk_in,2025-03-30T01:50:00+01:00,2025-03-30T03:10:00+02:00,2025-03-30T03:15:00+02:00,,served|1",
    // 5009: 03:05 after the autumn switch is CET; 5008 at 02:30 (ambiguous) keeps number D001.
    "bb-nord,D002,FS,walk_in,2025-10-26T03:05:00+01:00,2025-10-26T03:15:00+01:00,2025-10-26T03:20:00+01:00,,served|1",
];

#[test]
fn zms_archive_gives_exactly_the_hand_checked_rows() {
    let w = Workdir::new();
    let out = w.run_code(
        &["ingest", "--mapping", &mapping("zms.toml"), &fixture("zms_buergerarchiv.csv"), "--store", "store"],
        3,
    );
    assert_eq!(balanced(&out), [14, 7, 1, 6]);
    assert_eq!(stored_rows(&w.path("store")), sorted(&ZMS_ROWS));
    let expected = [
        (9, "nonexistent_local_time"),
        (10, "ambiguous_local_time"),
        (12, "unknown_service"),
        (13, "bad_number"),
        (14, "missing_value"),
        (15, "unknown_service"),
    ];
    let expected: Vec<(u64, String)> = expected.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(reasons(&w.path("store")), expected);
    let q = quarantine(&w.path("store"));
    assert_eq!(q[0].raw, "5007,122,2025-03-30,0,0,02:30:00,5,0,5,1,Führerschein,1");
    assert_eq!(
        (q[3].field.as_str(), q[3].message.contains("'waiting_time' = 'abc'")),
        ("called_at", true),
        "{q:?}"
    );
    // "Gewerbeanmeldung" and "Gewerbeanmeldung +1" are one unknown name, counted twice.
    let line = out.lines().skip_while(|l| !l.contains("unknown services")).nth(1).unwrap();
    assert_eq!(line.split_whitespace().collect::<Vec<_>>(), ["'Gewerbeanmeldung'", "2"], "{out}");
}

#[test]
fn derived_ticket_numbers_do_not_depend_on_the_row_order() {
    let w = Workdir::new();
    let text = fs::read_to_string(fixture("zms_buergerarchiv.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    fs::write(w.path("reversed.csv"), format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    let out =
        w.run_code(&["ingest", "--mapping", &mapping("zms.toml"), "reversed.csv", "--store", "store"], 3);
    assert_eq!(balanced(&out), [14, 7, 1, 6]);
    assert_eq!(stored_rows(&w.path("store")), sorted(&ZMS_ROWS));
}

#[test]
fn the_preset_alone_works_and_lists_the_names_to_map() {
    let w = Workdir::new();
    let out =
        w.run_code(&["ingest", "--format", "zms", &fixture("zms_buergerarchiv.csv"), "--store", "store"], 3);
    assert_eq!(balanced(&out), [14, 5, 1, 8]);
    let listed: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.contains("unknown services"))
        .skip(1)
        .take(3)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        listed,
        [
            vec!["'Gewerbeanmeldung'", "2"],
            vec!["'Ummeldung'", "2"],
            vec!["'Personalausweis", "beantragen'", "1"]
        ],
        "{out}"
    );
    // Names of the settings' catalog need no mapping: "Führerschein" → FS, "Reisepass" → RP.
    let rows = stored_rows(&w.path("store"));
    assert!(rows.iter().any(|r| r.starts_with("122,D002,FS,walk_in,2025-03-31T08:03:12+02:00")), "{rows:?}");
    assert!(rows.iter().any(|r| r.starts_with("141,D001,RP,")), "{rows:?}");
}

#[test]
fn legacy_columns_from_a_spreadsheet_windows_1252_decimal_comma_crlf() {
    let w = Workdir::new();
    let out = w.run_ok(&[
        "ingest",
        "--mapping",
        &fixture("zms_legacy.toml"),
        &fixture("zms_legacy_cp1252.csv"),
        "--store",
        "store",
    ]);
    assert_eq!(balanced(&out), [2, 2, 0, 0]);
    assert_eq!(
        stored_rows(&w.path("store")),
        sorted(&[
            // wartezeit 16,8 and bearbeitungszeit 11,5 minutes; 31.03.2025 in German form.
            "122,D001,FS,walk_in,2025-03-31T08:03:12+02:00,2025-03-31T08:20:00+02:00,2025-03-31T08:31:30+02:00,,served|1",
            // 1,5 and 2,25 minutes; "Ummeldung +1" is two services.
            "122,D002,AN,walk_in,2025-03-31T08:04:00+02:00,2025-03-31T08:05:30+02:00,2025-03-31T08:07:45+02:00,,served|2",
        ])
    );
    // Read without declaring Windows-1252: one fatal error, not two quarantined rows.
    let out = w.run(&["ingest", "--format", "zms", &fixture("zms_legacy_cp1252.csv"), "--store", "other"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(1) && err.contains("'Führerschein'") && err.contains("windows-1252"),
        "{err}"
    );
}

#[test]
fn a_directory_of_exports_is_read_in_name_order() {
    let w = Workdir::new();
    fs::create_dir(w.path("exports")).unwrap();
    fs::copy(fixture("zms_buergerarchiv.csv"), w.path("exports/2025-q1.csv")).unwrap();
    fs::write(w.path("exports/notes.md"), "not an export").unwrap();
    let out = w.run_code(&["ingest", "--mapping", &mapping("zms.toml"), "exports", "--store", "store"], 3);
    assert!(out.contains("2025-q1.csv") && !out.contains("notes.md"), "{out}");
    assert_eq!(stored_rows(&w.path("store")), sorted(&ZMS_ROWS));
}
