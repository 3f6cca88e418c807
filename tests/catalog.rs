//! `queuecast catalog` on the shipped catalog and on a broken fixture.

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run queuecast");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn shipped_catalog_checks_clean() {
    let (code, stdout, stderr) = run(&["catalog", "--path", "data/services.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("service catalog data/services.toml: 8 services\n"), "{stdout}");
    assert!(stdout.contains("  PA   Personalausweis"), "{stdout}");
    assert!(!stdout.contains("without a catalog entry"), "{stdout}");
}

#[test]
fn unknown_key_exits_1_naming_file_entry_and_key() {
    let (code, stdout, stderr) = run(&["catalog", "--path", "tests/data/catalog/unknown_key.toml"]);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.starts_with(
            "error: service catalog tests/data/catalog/unknown_key.toml: service MB: unknown field `leika_key`"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn the_built_in_catalog_serves_any_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .arg("catalog")
        .current_dir(dir.path())
        .output()
        .expect("run queuecast");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("service catalog built-in data/services.toml: 8 services\n"), "{stdout}");
    let file =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/services.toml"));
    assert_eq!(file.unwrap(), queuecast::catalog::BUILT_IN, "the built-in copy is data/services.toml");
}
