//! Generation writer: exact manifest bytes, current link, retention, refusals.

use std::fs;
use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

pub(crate) fn meta(hour: u32) -> ManifestMeta {
    ManifestMeta {
        created_at: Utc.with_ymd_and_hms(2026, 11, 29, hour, 15, 0).unwrap(),
        source: SourceRange {
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        },
    }
}

fn write_small(out: &Path, id: &str, hour: u32) -> Generation {
    let mut g = GenerationWriter::begin(out, id).unwrap();
    g.add_bytes("t/x.csv", b"h\n1\n2\n").unwrap();
    g.set_rows("t/x.csv", 2).unwrap();
    g.add_bytes("a.txt", b"abc").unwrap();
    g.finish(&meta(hour)).unwrap()
}

const EXPECTED_MANIFEST: &str = r#"{
  "created_at": "2026-11-29T03:15:00Z",
  "files": [
    {
      "bytes": 3,
      "path": "a.txt",
      "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    },
    {
      "bytes": 6,
      "path": "t/x.csv",
      "rows": 2,
      "sha256": "fba8306bd06c5502af0d496627bffaa39b182286d28975081257ccc175069d15"
    }
  ],
  "generation": "g1",
  "schema_version": 1,
  "source": {
    "from": "2025-01-01",
    "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "to": "2025-12-31"
  }
}
"#;

#[test]
fn manifest_is_exactly_the_hand_computed_text_and_current_points_at_it() {
    let out = tempfile::tempdir().unwrap();
    let g = write_small(out.path(), "g1", 3);
    let text = fs::read_to_string(out.path().join("generations/g1/manifest.json")).unwrap();
    assert_eq!(text, EXPECTED_MANIFEST);
    assert_eq!(g.dir, out.path().join("generations/g1"));
    assert_eq!(fs::read_link(out.path().join(CURRENT)).unwrap(), Path::new("generations/g1"));
    assert_eq!(fs::read(out.path().join("current/t/x.csv")).unwrap(), b"h\n1\n2\n");
    assert!(!out.path().join("generations/g1.partial").exists());
    // Nothing but the link and the generations folder at the top.
    let mut top: Vec<String> =
        fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    top.sort();
    assert_eq!(top, ["current", "generations"]);
}

#[test]
fn same_inputs_give_byte_identical_manifests() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_small(a.path(), "g1", 3);
    write_small(b.path(), "g1", 3);
    let read = |d: &Path| fs::read(d.join("current/manifest.json")).unwrap();
    assert_eq!(read(a.path()), read(b.path()));
    // Adding files in another order changes nothing either: files are sorted by path.
    let c = tempfile::tempdir().unwrap();
    let mut g = GenerationWriter::begin(c.path(), "g1").unwrap();
    g.add_bytes("a.txt", b"abc").unwrap();
    g.add_bytes("t/x.csv", b"h\n1\n2\n").unwrap();
    g.set_rows("t/x.csv", 2).unwrap();
    g.finish(&meta(3)).unwrap();
    assert_eq!(read(c.path()), read(a.path()));
}

#[test]
fn keeps_the_newest_generations_and_deletes_older_ones_after_the_switch() {
    let out = tempfile::tempdir().unwrap();
    let mut removed = Vec::new();
    for (i, id) in ["g1", "g2", "g3", "g4"].iter().enumerate() {
        let mut g = GenerationWriter::begin(out.path(), id).unwrap().keep(2).unwrap();
        g.add_bytes("n.txt", id.as_bytes()).unwrap();
        removed.push(g.finish(&meta(i as u32 + 1)).unwrap().removed);
    }
    assert_eq!(removed, [vec![], vec![], vec!["g1".to_string()], vec!["g2".to_string()]]);
    let mut left: Vec<String> = fs::read_dir(out.path().join(GENERATIONS))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["g3", "g4"]);
    assert_eq!(fs::read(out.path().join("current/n.txt")).unwrap(), b"g4");
    // A folder without a manifest is not ours: it stays.
    fs::create_dir(out.path().join("generations/notes")).unwrap();
    let mut g = GenerationWriter::begin(out.path(), "g5").unwrap().keep(1).unwrap();
    g.add_bytes("n.txt", b"g5").unwrap();
    assert_eq!(g.finish(&meta(9)).unwrap().removed, ["g3", "g4"]);
    assert!(out.path().join("generations/notes").is_dir());
}

#[test]
fn refuses_duplicates_unknown_rows_bad_names_reused_ids_and_bad_meta() {
    let out = tempfile::tempdir().unwrap();
    write_small(out.path(), "g1", 3);
    assert!(matches!(GenerationWriter::begin(out.path(), "g1"), Err(ExportError::Exists { .. })));
    assert!(matches!(GenerationWriter::begin(out.path(), "../g"), Err(ExportError::BadId { .. })));
    let mut g = GenerationWriter::begin(out.path(), "g2").unwrap();
    g.add_bytes("a.txt", b"1").unwrap();
    assert!(matches!(g.add_bytes("a.txt", b"2"), Err(ExportError::Duplicate { name }) if name == "a.txt"));
    assert!(matches!(g.set_rows("b.csv", 1), Err(ExportError::UnknownFile { name }) if name == "b.csv"));
    assert!(matches!(g.add_bytes("../escape.txt", b"x"), Err(ExportError::BadName { .. })));
    assert!(!out.path().join("generations/escape.txt").exists());
    let mut bad = meta(4);
    bad.source.sha256 = "ABC".into();
    assert!(matches!(g.finish(&bad), Err(ExportError::BadMeta { field: "source.sha256", .. })));
    // The failed finish published nothing: g1 is still current.
    assert_eq!(fs::read_link(out.path().join(CURRENT)).unwrap(), Path::new("generations/g1"));
    assert!(matches!(GenerationWriter::begin(out.path(), "g3").unwrap().keep(0), Err(ExportError::BadKeep)));
}

#[test]
fn add_json_and_add_file_record_what_was_written() {
    let out = tempfile::tempdir().unwrap();
    let src = out.path().join("table.parquet");
    fs::write(&src, b"abc").unwrap();
    let mut g = GenerationWriter::begin(out.path(), "g1").unwrap();
    g.add_file("tables/t.parquet", &src).unwrap();
    g.add_json("offices/neuss-mitte.json", &serde_json::json!({"a": 1})).unwrap();
    let gen_ = g.finish(&meta(3)).unwrap();
    let files = &gen_.manifest.files;
    assert_eq!(files[0].path, "offices/neuss-mitte.json");
    assert_eq!(fs::read_to_string(gen_.dir.join(&files[0].path)).unwrap(), "{\n  \"a\": 1\n}\n");
    assert_eq!(files[0].bytes, 13);
    assert_eq!(
        files[1],
        FileEntry {
            bytes: 3,
            path: "tables/t.parquet".into(),
            rows: None,
            sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into()
        }
    );
    let report = verify(out.path()).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.checked, 2);
}

#[test]
fn verify_reads_a_generation_directory_directly_and_refuses_a_foreign_manifest() {
    let out = tempfile::tempdir().unwrap();
    let g = write_small(out.path(), "g1", 3);
    let report = verify(&g.dir).unwrap();
    assert!(report.is_ok() && report.checked == 2, "{report}");
    // A manifest copied into another generation's directory is caught.
    let other = out.path().join("generations/g0");
    fs::create_dir(&other).unwrap();
    fs::copy(g.dir.join(MANIFEST), other.join(MANIFEST)).unwrap();
    match verify(&other) {
        Err(ExportError::Manifest { message, .. }) => {
            assert_eq!(message, "names generation \"g1\" but lives in \"g0\"")
        }
        other => panic!("expected a manifest error, got {other:?}"),
    }
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(verify(empty.path()), Err(ExportError::NoCurrent { .. })));
}
