//! What a user sees when something is wrong: one clear line on stderr naming the file or store
//! and, where it helps, what to do; exit code 1. Each test is named after the message it pins.

mod util;

use util::{Workdir, fixture};

/// Runs `queuecast ARGS`, requires exit code 1 and returns stderr.
fn fails(w: &Workdir, args: &[&str]) -> String {
    let out = w.run(args);
    assert_eq!(out.status.code(), Some(1), "queuecast {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_input_file_prints_its_cause_once() {
    let w = Workdir::new();
    let err = fails(&w, &["ingest", "x.csv", "--store", "store"]);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.starts_with("error: cannot open x.csv: No such file or directory"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_mistyped_store_is_named_instead_of_reported_empty() {
    let w = Workdir::new();
    for cmd in ["profile", "forecast", "staffing", "whatif", "summary", "export", "backtest", "train"] {
        let err = fails(&w, &[cmd, "--store", "typo"]);
        assert!(err.contains("there is no store at typo"), "{cmd}: {err}");
        assert!(!err.contains("no tickets"), "{cmd}: {err}");
    }
    assert!(!w.path("typo").exists(), "reading a store must not create it");
}

#[test]
fn a_semicolon_export_without_mapping_suggests_mapping() {
    let w = Workdir::new();
    // The German ticket-system export of the README's worked example, in UTF-8.
    let text = "Standort;Datum;Wartenummer;Anliegen;Termin;Gezogen;Aufruf;Bearbeitungsdauer (Min.);Platz;Status\n\
                Bürgerbüro Mitte;31.03.2025;A001;Führerschein;nein;08:03:12;08:20:00;11,5;3;bedient\n";
    std::fs::write(w.path("export.csv"), text).unwrap();
    let err = fails(&w, &["ingest", "export.csv", "--store", "store"]);
    assert!(err.contains("export.csv, line 1 (header)"), "{err}");
    assert!(err.contains("separated by ';'") && err.contains("--mapping"), "{err}");
    assert!(!err.contains("unexpected column"), "{err}");
    // A canonical header that is merely wrong still lists the columns.
    std::fs::write(w.path("bad.csv"), "office_id,ticket\n").unwrap();
    let err = fails(&w, &["ingest", "bad.csv", "--store", "store"]);
    assert!(err.contains("unexpected column(s) ticket") && !err.contains("--mapping"), "{err}");
    // The same export with its mapping is read (exit 3: the fixture's bad rows are above the
    // quarantine threshold on purpose).
    let mapping =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mappings/buergerbuero-custom.toml");
    let cp1252 = fixture("export_custom_cp1252.csv");
    let out = w.run_code(&["ingest", &cp1252, "--mapping", mapping.to_str().unwrap(), "--store", "store"], 3);
    assert!(out.contains("stored"), "{out}");
}

#[test]
fn a_bad_settings_file_is_one_line_naming_the_file_and_key() {
    let w = Workdir::new();
    std::fs::write(w.path("q.toml"), "[ingest]\nquarantine_treshold = 0.1\n").unwrap();
    let err = fails(&w, &["--config", "q.toml", "summary"]);
    assert!(err.starts_with("error: settings file q.toml: ") && err.contains("quarantine_treshold"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
