//! Golden outputs: the SHA-256 of every file that `profile`, `forecast`, `staffing`, `whatif`,
//! `export` and `report` write, and their printed summaries (timings masked), compared with the
//! values recorded in `tests/data/golden/` (first before the code was reshaped in issue 11; the
//! report and its export tables since issue 15). Any change of an output byte fails here, naming
//! each file that changed.
//!
//! Two stores: the bundled sample (`data/sample`, three offices, one year; default settings) for
//! every command, and a small simulated one (one office, 60 days to 2025-12-18, k = 200) whose export
//! suppresses cells in every suppressed table and whose profile runs with `--no-suppression`.
//!
//! When an output is meant to change, re-record with `QUEUECAST_BLESS=1 cargo test --test
//! golden_outputs` and say why in the commit.

mod util;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use util::Workdir;

const AT: &str = "2026-01-05T04:00:00Z";
/// The planners' report of the export (German, the default).
const REPORT: [&str; 5] = ["report", "--exports", "export", "--out", "report/report.html"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    root().join("tests/data/golden")
}

/// Every regular file below `dir`, relative path → SHA-256 (hex). Symlinks (`current`) are skipped:
/// their target is hashed under `generations/`.
fn hashes(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let kind = e.file_type().unwrap();
            if kind.is_symlink() {
                continue;
            }
            if kind.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                let digest = Sha256::digest(fs::read(&p).unwrap());
                out.insert(format!("{prefix}/{rel}"), hex::encode(digest));
            }
        }
    }
}

/// A printed summary made comparable: the checkout's path becomes `<root>` and every duration
/// (`12.3 s`) becomes `# s`.
fn normalize(stdout: &str) -> String {
    let text = stdout.replace(&root().display().to_string(), "<root>");
    let is_decimal = |w: &str| {
        w.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && (a.chars().chain(b.chars())).all(|c| c.is_ascii_digit())
        })
    };
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        let words: Vec<&str> = body.split(' ').collect();
        let masked: Vec<&str> = (0..words.len())
            .map(|i| {
                let unit = words.get(i + 1).is_some_and(|n| n.trim_end_matches([',', ')']) == "s");
                if unit && is_decimal(words[i]) { "#" } else { words[i] }
            })
            .collect();
        out.push_str(&masked.join(" "));
        out.push_str(end);
    }
    out
}

/// Compares (or with `QUEUECAST_BLESS=1` records) the hashes and printed summaries of `name`.
fn check(name: &str, hashes: &BTreeMap<String, String>, stdout: &BTreeMap<String, String>) {
    let dir = golden_dir();
    let hash_file = dir.join(format!("{name}.sha256"));
    let text: String = hashes.iter().map(|(p, h)| format!("{h}  {p}\n")).collect();
    if std::env::var("QUEUECAST_BLESS").as_deref() == Ok("1") {
        fs::create_dir_all(&dir).unwrap();
        fs::write(&hash_file, &text).unwrap();
        for (cmd, out) in stdout {
            fs::write(dir.join(format!("{name}.{cmd}.stdout")), out).unwrap();
        }
        return;
    }
    let recorded = fs::read_to_string(&hash_file).unwrap_or_else(|e| panic!("{}: {e}", hash_file.display()));
    let expected: BTreeMap<String, String> = recorded
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(h, p)| (p.to_string(), h.to_string()))
        .collect();
    let mut problems = Vec::new();
    for (path, hash) in &expected {
        match hashes.get(path) {
            None => problems.push(format!("missing: {path}")),
            Some(h) if h != hash => problems.push(format!("changed: {path}")),
            Some(_) => {}
        }
    }
    for path in hashes.keys().filter(|p| !expected.contains_key(*p)) {
        problems.push(format!("not recorded: {path}"));
    }
    for (cmd, out) in stdout {
        let file = dir.join(format!("{name}.{cmd}.stdout"));
        let want = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if &want != out {
            problems.push(format!("printed output of `{cmd}` differs from {}:\n{out}", file.display()));
        }
    }
    assert!(expected.len() > 20, "{} lists only {} files", hash_file.display(), expected.len());
    assert!(problems.is_empty(), "{name}: outputs differ from the recorded ones:\n{}", problems.join("\n"));
}

fn workdir(config: &str) -> Workdir {
    let work = Workdir::new();
    // The catalog's path is part of export_report.json: a relative copy keeps the hashes
    // independent of where the checkout lives.
    fs::create_dir_all(work.path("data")).unwrap();
    fs::copy(root().join("data/services.toml"), work.path("data/services.toml")).unwrap();
    fs::write(work.path("test.toml"), format!("{config}[catalog]\npath = \"data/services.toml\"\n")).unwrap();
    work
}

fn run(work: &Workdir, args: &[&str]) -> String {
    let mut all = vec!["--config", "test.toml"];
    all.extend_from_slice(args);
    normalize(&work.run_ok(&all))
}

#[test]
fn sample_outputs_are_byte_identical_to_the_recorded_ones() {
    let work = workdir("");
    let sample = root().join("data/sample").display().to_string();
    let mut stdout = BTreeMap::new();
    stdout.insert("ingest".to_string(), run(&work, &["ingest", "--store", "store", &sample]));
    for cmd in ["profile", "forecast", "staffing", "whatif"] {
        stdout.insert(cmd.to_string(), run(&work, &[cmd, "--store", "store", "--out", cmd]));
    }
    stdout.insert(
        "export".to_string(),
        run(&work, &["export", "--store", "store", "--out", "export", "--at", AT]),
    );
    stdout.insert("report".to_string(), run(&work, &REPORT));
    let mut all = BTreeMap::new();
    for dir in ["profile", "forecast", "staffing", "whatif", "export", "report"] {
        hashes(&work.path(dir), dir, &mut all);
    }
    check("sample", &all, &stdout);
}

#[test]
fn small_store_outputs_with_suppression_are_byte_identical_to_the_recorded_ones() {
    let work = workdir("[profile]\nmin_cell_tickets = 200\n");
    let sim = ["simulate", "--out", "tickets.csv", "--start", "2025-10-20", "--days", "60", "--offices", "1"];
    run(&work, &sim);
    let mut stdout = BTreeMap::new();
    stdout.insert("ingest".to_string(), run(&work, &["ingest", "--store", "store", "tickets.csv"]));
    let profile = ["profile", "--store", "store", "--out", "profile", "--no-suppression"];
    stdout.insert("profile".to_string(), run(&work, &profile));
    stdout.insert(
        "export".to_string(),
        run(&work, &["export", "--store", "store", "--out", "export", "--at", AT]),
    );
    stdout.insert("report".to_string(), run(&work, &REPORT));
    let mut all = BTreeMap::new();
    for dir in ["profile", "export", "report"] {
        hashes(&work.path(dir), dir, &mut all);
    }
    let export = fs::read_to_string(work.path("export/current/tables/whatif/whatif.csv")).unwrap();
    assert!(export.lines().any(|l| l.ends_with(",true")), "k = 200 suppresses some what-if rows");
    check("small", &all, &stdout);
}

#[test]
fn durations_are_masked_and_other_numbers_kept() {
    assert_eq!(normalize("took load 1.0 s, write 12.25 s"), "took load # s, write # s");
    assert_eq!(normalize("in 5.5 s (reading the store 1.2 s)"), "in # s (reading the store # s)");
    assert_eq!(normalize("  neuss-mitte  300  43.8\n1.5 sec 7 s"), "  neuss-mitte  300  43.8\n1.5 sec 7 s");
}
