//! Export generations on real files: schemas, verification, and an export killed mid-way.

mod util;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;

use queuecast::export::{GenerationWriter, ManifestMeta, SourceRange, services_json, verify};
use util::validate_schema;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn meta(hour: u32) -> ManifestMeta {
    ManifestMeta {
        created_at: Utc.with_ymd_and_hms(2026, 11, 29, hour, 0, 0).unwrap(),
        source: SourceRange {
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
            to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        },
    }
}

/// A generation like the real export's: services.json from the shipped catalog, an office file, a table.
fn write_generation(out: &Path, id: &str, hour: u32) -> queuecast::export::Generation {
    let catalog = queuecast::catalog::load(&root().join("data/services.toml")).unwrap();
    let mut g = GenerationWriter::begin(out, id).unwrap();
    g.add_json("services.json", &services_json(&catalog)).unwrap();
    g.add_json(
        "offices/neuss-mitte.json",
        &serde_json::json!({"office_id": "neuss-mitte", "generation": id}),
    )
    .unwrap();
    g.add_bytes("tables/slots.csv", b"office_id,slot,expected\nneuss-mitte,08:00,4.5\n").unwrap();
    g.set_rows("tables/slots.csv", 1).unwrap();
    g.finish(&meta(hour)).unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn written_manifest_and_services_match_their_schemas() {
    let out = tempfile::tempdir().unwrap();
    write_generation(out.path(), "g1", 3);
    let manifest = read_json(&out.path().join("current/manifest.json"));
    validate_schema("manifest.schema.json", &manifest).unwrap();
    let services = read_json(&out.path().join("current/services.json"));
    validate_schema("services.schema.json", &services).unwrap();
    // Spot-check the content the schema cannot know.
    let pa = &services["services"][0];
    assert_eq!(pa["code"], "PA");
    assert_eq!(pa["fees"][0]["cents"], 4600);
    assert_eq!(pa["fees"][0]["text"], "46,00 €");
    assert_eq!(services["services"].as_array().unwrap().len(), 8);
    let paths: Vec<&str> =
        manifest["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["offices/neuss-mitte.json", "services.json", "tables/slots.csv"]);
    assert_eq!(manifest["files"][2]["rows"], 1);
    assert_eq!(manifest["files"][2]["bytes"], 46);
}

#[test]
fn schemas_reject_broken_documents() {
    let out = tempfile::tempdir().unwrap();
    write_generation(out.path(), "g1", 3);
    let manifest = read_json(&out.path().join("current/manifest.json"));
    let mut no_hash = manifest.clone();
    no_hash["files"][0].as_object_mut().unwrap().remove("sha256");
    assert!(validate_schema("manifest.schema.json", &no_hash).is_err());
    let mut escaping = manifest.clone();
    escaping["files"][0]["path"] = "../etc/passwd".into();
    assert!(validate_schema("manifest.schema.json", &escaping).is_err());
    let mut upper = manifest;
    upper["source"]["sha256"] = "AB".repeat(32).into();
    assert!(validate_schema("manifest.schema.json", &upper).is_err());

    let services = read_json(&out.path().join("current/services.json"));
    let mut no_docs = services.clone();
    no_docs["services"][0]["documents"] = serde_json::json!([]);
    assert!(validate_schema("services.schema.json", &no_docs).is_err());
    let mut short_leika = services.clone();
    short_leika["services"][0]["leika"] = "9900800100000".into();
    assert!(validate_schema("services.schema.json", &short_leika).is_err());
    let mut amount_without_text = services;
    amount_without_text["services"][0]["fees"][0]["text"] = Value::Null;
    assert!(validate_schema("services.schema.json", &amount_without_text).is_err());
}

#[test]
fn verify_names_the_corrupted_missing_and_unlisted_files() {
    let out = tempfile::tempdir().unwrap();
    let g = write_generation(out.path(), "g1", 3);
    let report = verify(out.path()).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!((report.generation.as_str(), report.checked), ("g1", 3));

    // One byte changed: same size, different hash.
    let office = g.dir.join("offices/neuss-mitte.json");
    let mut bytes = fs::read(&office).unwrap();
    bytes[2] ^= 0x01;
    fs::write(&office, &bytes).unwrap();
    fs::remove_file(g.dir.join("tables/slots.csv")).unwrap();
    fs::write(g.dir.join("stray.txt"), b"x").unwrap();
    let report = verify(out.path()).unwrap();
    assert!(!report.is_ok());
    let bad: Vec<&str> = report.mismatched.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(bad, ["offices/neuss-mitte.json"]);
    assert_eq!(report.mismatched[0].expected_bytes, report.mismatched[0].actual_bytes);
    assert_eq!(report.missing, ["tables/slots.csv"]);
    assert_eq!(report.unlisted, ["stray.txt"]);

    // The command says the same and fails.
    let run = Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .args(["verify-export", "--dir"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("offices/neuss-mitte.json: content differs from the manifest"), "{stderr}");
    assert!(stderr.contains("tables/slots.csv: listed in the manifest but missing"), "{stderr}");
    assert!(stderr.contains("stray.txt: present but not listed"), "{stderr}");
}

#[test]
fn verify_export_command_passes_on_a_good_generation_and_fails_without_one() {
    let out = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_queuecast");
    let run = Command::new(bin).args(["verify-export", "--dir"]).arg(out.path()).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no export generation here"));
    write_generation(out.path(), "g1", 3);
    let run = Command::new(bin).args(["verify-export", "--dir"]).arg(out.path()).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stdout).starts_with("generation g1 ("));
}

/// Environment variable that turns the ignored test below into the kill test's child process.
const CHILD_OUT_DIR: &str = "QUEUECAST_TEST_EXPORT_CHILD_DIR";
const CHILD_TEST: &str = "child_begins_a_generation_and_waits_to_be_killed";
/// What the child prints once its files are written (libtest may put its own text before it on the line).
const CHILD_READY: &str = "QUEUECAST-CHILD-READY";

/// Run only by `killed_export_leaves_the_previous_generation_current`, as its child process:
/// begins generation g2, writes two files, says so and waits for SIGKILL.
#[test]
#[ignore = "child process of killed_export_leaves_the_previous_generation_current"]
fn child_begins_a_generation_and_waits_to_be_killed() {
    let out =
        PathBuf::from(std::env::var(CHILD_OUT_DIR).expect("run by the kill test, which sets the directory"));
    let mut g = GenerationWriter::begin(&out, "g2").unwrap();
    g.add_json("services.json", &serde_json::json!({"half": "written"})).unwrap();
    g.add_bytes("offices/neuss-mitte.json", b"{\"generation\": \"g2\"}\n").unwrap();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{CHILD_READY}").unwrap();
    stdout.flush().unwrap();
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

#[test]
fn killed_export_leaves_the_previous_generation_current() {
    let out = tempfile::tempdir().unwrap();
    write_generation(out.path(), "g1", 3);
    let before = fs::read(out.path().join("current/manifest.json")).unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([CHILD_TEST, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_OUT_DIR, out.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let output = child.stdout.take().unwrap();
    let (ready, status) =
        util::kill_at_marker(&mut child, output, CHILD_READY, std::time::Duration::from_secs(120));
    assert!(ready, "child never got ready ({status})");
    assert!(!status.success());

    // The half-written generation exists, but nothing points at it.
    let partial = out.path().join("generations/g2.partial");
    assert!(partial.join("offices/neuss-mitte.json").is_file());
    assert!(!out.path().join("generations/g2").exists());
    assert_eq!(fs::read_link(out.path().join("current")).unwrap(), Path::new("generations/g1"));
    assert_eq!(fs::read(out.path().join("current/manifest.json")).unwrap(), before);
    let report = verify(out.path()).unwrap();
    assert!(report.is_ok() && report.generation == "g1", "{report}");

    // The next run clears the leftovers and publishes normally.
    let g = write_generation(out.path(), "g3", 4);
    assert!(!partial.exists());
    assert_eq!(g.removed, Vec::<String>::new());
    assert_eq!(fs::read_link(out.path().join("current")).unwrap(), Path::new("generations/g3"));
    let report = verify(out.path()).unwrap();
    assert!(report.is_ok() && report.generation == "g3", "{report}");
}
