//! Catalog loading: bad-input fixtures give the exact error, the shipped file loads clean.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/catalog").join(name)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn valid_fixture_loads_with_every_field() {
    let c = load(&fixture("valid.toml")).unwrap();
    let codes: Vec<&str> = c.services.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["PA", "MB"]);
    let pa = c.get("PA").unwrap();
    assert_eq!(pa.leika.as_deref(), Some("99008001000000"));
    assert_eq!(pa.documents, vec![Document { name: "Personalausweis".into(), condition: None }]);
    assert_eq!(pa.fees[0].eur, Some(Euro::from_cents(900)));
    assert_eq!(pa.reviewed, date(2026, 1, 10));
    assert_eq!(pa.duration_minutes, 5);
    assert!(pa.online.is_none() && pa.notes.is_empty());
}

#[test]
fn unknown_key_names_file_entry_and_key() {
    let path = fixture("unknown_key.toml");
    match load(&path).unwrap_err() {
        CatalogError::Entry { path: p, entry, source } => {
            let message = source.to_string();
            assert_eq!(p, path);
            assert_eq!(entry, "MB");
            assert!(message.contains("leika_key"), "{message}");
        }
        other => panic!("expected an entry error, got {other}"),
    }
}

#[test]
fn bad_leika_key_is_invalid() {
    let path = fixture("bad_leika.toml");
    let err = load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "service catalog {}: service PA: leika = \"9900800100000\": expected 14 ASCII digits",
            path.display()
        )
    );
}

#[test]
fn empty_documents_list_is_invalid() {
    match load(&fixture("empty_documents.toml")).unwrap_err() {
        CatalogError::Invalid { entry, field, value, expected, .. } => {
            assert_eq!((entry.as_str(), field.as_str(), value.as_str()), ("AN", "documents", "\"[]\""));
            assert_eq!(expected, "at least one document");
        }
        other => panic!("expected invalid documents, got {other}"),
    }
}

#[test]
fn missing_documents_list_is_an_entry_error() {
    match load(&fixture("missing_documents.toml")).unwrap_err() {
        CatalogError::Entry { entry, source, .. } => {
            let message = source.to_string();
            assert_eq!(entry, "AN");
            assert!(message.contains("documents"), "{message}");
        }
        other => panic!("expected a missing-field error, got {other}"),
    }
}

#[test]
fn duplicate_code_http_source_and_missing_leika_note_are_errors() {
    assert!(matches!(
        load(&fixture("duplicate_code.toml")).unwrap_err(),
        CatalogError::DuplicateCode { code, .. } if code == "PA"
    ));
    assert!(matches!(
        load(&fixture("http_source.toml")).unwrap_err(),
        CatalogError::Invalid { field, expected: "an https:// URL", .. } if field == "source"
    ));
    assert!(matches!(
        load(&fixture("no_leika_no_note.toml")).unwrap_err(),
        CatalogError::Invalid { field, .. } if field == "leika_note"
    ));
}

#[test]
fn stale_review_is_a_warning_not_an_error() {
    let c = load(&fixture("stale_review.toml")).unwrap();
    // PA reviewed 2025-06-30; on 2026-07-01 that is 366 days, one more than allowed.
    let w = review_warnings(&c, date(2026, 7, 1), 365);
    assert_eq!(
        w,
        vec![CatalogWarning::StaleReview {
            code: "PA".into(),
            reviewed: date(2025, 6, 30),
            age_days: 366,
            max_age_days: 365
        }]
    );
    assert_eq!(
        w[0].to_string(),
        "service PA: last reviewed 2025-06-30, 366 days ago (more than 365); check it against its source"
    );
    // Exactly at the limit is still fine.
    assert!(review_warnings(&c, date(2026, 6, 30), 365).is_empty());
    // A review date after today is a typo worth a warning.
    assert_eq!(
        review_warnings(&c, date(2026, 1, 9), 365),
        vec![CatalogWarning::ReviewInFuture { code: "MB".into(), reviewed: date(2026, 1, 10) }]
    );
}

#[test]
fn bad_fee_amount_and_syntax_errors_name_the_file() {
    let text = std::fs::read_to_string(fixture("valid.toml")).unwrap().replacen("\"9.00\"", "\"9,00\"", 1);
    match parse(&text, Path::new("x.toml")).unwrap_err() {
        CatalogError::Entry { entry, source, .. } => {
            let message = source.to_string();
            assert_eq!(entry, "PA");
            assert!(message.contains("\"9,00\""), "{message}");
        }
        other => panic!("expected an entry error, got {other}"),
    }
    let err = parse("[[service]\n", Path::new("broken.toml")).unwrap_err();
    assert!(matches!(&err, CatalogError::Toml { path, .. } if path == Path::new("broken.toml")), "{err}");
    let err = parse("title = \"x\"\n[[service]]\ncode = \"PA\"\n", Path::new("t.toml")).unwrap_err();
    assert!(err.to_string().contains("unknown top-level key `title`"), "{err}");
}

#[test]
fn missing_and_unseen_services_are_sorted_differences() {
    let c = load(&fixture("valid.toml")).unwrap();
    let seen = ["PA", "XY", "AB", "PA"];
    assert_eq!(missing_services(&c, seen), ["AB", "XY"]);
    assert_eq!(unseen_services(&c, seen), ["MB"]);
    assert!(missing_services(&c, ["MB", "PA"]).is_empty());
}

#[test]
fn toml_round_trip_keeps_every_entry() {
    let c = load(&fixture("valid.toml")).unwrap();
    let text = toml::to_string(&c).unwrap();
    assert_eq!(parse(&text, Path::new("round.toml")).unwrap(), c);
}

/// Service codes used in the bundled sample log.
fn sample_codes() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/tickets-2025.csv.gz");
    let file = std::fs::File::open(path).unwrap();
    let mut lines = BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    let header = lines.next().unwrap().unwrap();
    let col = header.split(',').position(|h| h == "service").unwrap();
    lines.map(|l| l.unwrap().split(',').nth(col).unwrap().to_string()).collect()
}

#[test]
fn shipped_catalog_loads_clean_and_covers_the_sample_and_settings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/services.toml");
    let c = load(&path).unwrap();
    let seen = sample_codes();
    assert_eq!(seen.len(), 8, "{seen:?}");
    assert!(missing_services(&c, seen.iter().map(String::as_str)).is_empty());
    let configured = crate::settings::Settings::default();
    assert!(missing_services(&c, configured.services.iter().map(|s| s.code.as_str())).is_empty());
    // Reviewed recently relative to the day it was written; and never in the future of that day.
    assert!(review_warnings(&c, date(2026, 11, 29), 365).is_empty());
    // The keys the issue names are where they belong.
    let leika = |code: &str| c.get(code).and_then(|s| s.leika.clone());
    assert_eq!(leika("PA").as_deref(), Some("99008001000000"));
    assert_eq!(leika("RP").as_deref(), Some("99085001000000"));
    assert_eq!(leika("AN").as_deref(), Some("99115005000000"));
    assert_eq!(leika("MB").as_deref(), Some("99115003000000"));
    assert_eq!(leika("FZ").as_deref(), Some("99049001000000"));
    // Personalausweis fees since 7 February 2026.
    let pa_fees: Vec<u32> = c.get("PA").unwrap().fees.iter().filter_map(|f| f.eur.map(Euro::cents)).collect();
    assert_eq!(&pa_fees[..2], [4600, 2760]);
}
