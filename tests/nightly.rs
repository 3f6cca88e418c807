//! `queuecast nightly` end to end: inbox → store → model → one generation with the report.
//! New files only are ingested; nothing new publishes nothing; an unreadable file goes to
//! `failed/` and the rest publishes; a second run is locked out; and a run SIGKILLed at any
//! checkpoint, then rerun, ends with exactly the store, model and export of an uninterrupted run.

mod util;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use queuecast::checkpoint::{PAUSE_ENV, PAUSE_MARKER};
use util::Workdir;

const AT: &str = "2026-01-05T04:00:00Z";
const AT2: &str = "2026-01-06T04:00:00Z";
const AT3: &str = "2026-01-07T04:00:00Z";

const CONFIG: &str = r#"
[store]
path = "store"
[nightly]
inbox = "inbox"
state_dir = "state"
export_dir = "export"
model = "model.json"
[model]
backtest_weeks = 1
"#;

/// Two simulated ticket logs of one office: six weeks, then the week after.
struct Logs {
    first: Vec<u8>,
    second: Vec<u8>,
}

fn logs() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let w = Workdir::new();
        let sim = |out: &str, start: &str, days: &str| {
            w.run_ok(&[
                "simulate",
                "--out",
                out,
                "--start",
                start,
                "--days",
                days,
                "--offices",
                "1",
                "--seed",
                "11",
            ])
        };
        sim("first.csv", "2025-09-01", "42");
        sim("second.csv", "2025-10-13", "7");
        Logs {
            first: fs::read(w.path("first.csv")).unwrap(),
            second: fs::read(w.path("second.csv")).unwrap(),
        }
    })
}

/// A work dir with the settings and `first.csv` in the inbox.
fn setup() -> Workdir {
    let w = Workdir::new();
    fs::write(w.path("test.toml"), CONFIG).unwrap();
    fs::create_dir_all(w.path("inbox")).unwrap();
    fs::write(w.path("inbox/tickets-2025-09.csv"), &logs().first).unwrap();
    w
}

fn nightly(w: &Workdir, at: &str, code: i32) -> String {
    w.run_code(&["--config", "test.toml", "nightly", "--at", at], code)
}

/// `current`'s generation id.
fn current(w: &Workdir) -> String {
    let target = fs::read_link(w.path("export/current")).unwrap();
    target.file_name().unwrap().to_string_lossy().into_owned()
}

fn generations(w: &Workdir) -> Vec<String> {
    let mut ids: Vec<String> = fs::read_dir(w.path("export/generations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

fn sha(path: &Path) -> String {
    queuecast::hashing::sha256_file(path).unwrap().0
}

/// Hashes of every file under `dir` by relative path (hidden temp files would show up too).
fn tree(dir: &Path, out: &mut BTreeMap<String, String>, prefix: &str) {
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.file_type().unwrap().is_dir() {
            tree(&e.path(), out, &format!("{name}/"));
        } else {
            out.insert(name, sha(&e.path()));
        }
    }
}

/// What a run leaves: stored partitions, quarantine, the model file, every file of the current
/// generation, the inbox folders. (The store's manifest holds ingest times, so it is compared
/// by its file hashes and counts instead.)
fn outcome(w: &Workdir) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    tree(&w.path("store/tickets"), &mut all, "store/tickets/");
    tree(&w.path("inbox"), &mut all, "inbox/");
    tree(&w.path(&format!("export/generations/{}", current(w))), &mut all, "current/");
    all.insert("model.json".into(), sha(&w.path("model.json")));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(w.path("store/manifest.json")).unwrap()).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let counts =
            ["rows_read", "stored", "duplicates", "quarantined", "office_days"].map(|k| f[k].to_string());
        all.insert(format!("store/manifest/{}", f["sha256"].as_str().unwrap()), counts.join(","));
    }
    all
}

/// The uninterrupted run every killed run is compared with.
fn reference() -> &'static BTreeMap<String, String> {
    static REF: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    REF.get_or_init(|| {
        let w = setup();
        nightly(&w, AT, 0);
        outcome(&w)
    })
}

#[test]
fn a_first_run_publishes_everything_and_names_what_it_did() {
    let w = setup();
    let out = nightly(&w, AT, 0);
    assert!(out.starts_with("nightly: ingested 1 file(s) ("), "{out}");
    assert!(out.contains("model trained (MAE at issue "), "{out}");
    assert!(out.contains("generation 20260105T040000Z published"), "{out}");
    assert!(out.contains("next: export/current/report/report.html"), "{out}");
    assert_eq!(current(&w), "20260105T040000Z");
    assert!(w.path("inbox/processed/tickets-2025-09.csv").is_file(), "the ingested file moved to processed/");
    assert!(!w.path("inbox/tickets-2025-09.csv").exists());
    let html = fs::read_to_string(w.path("export/current/report/report.html")).unwrap();
    assert!(html.contains("<html"), "the report is part of the generation");
    w.run_ok(&["verify-export", "--dir", "export"]);
    let state: serde_json::Value =
        serde_json::from_slice(&fs::read(w.path("state/last-run.json")).unwrap()).unwrap();
    assert_eq!(state["model"]["outcome"], "trained");
    assert_eq!(state["model"]["reason"], "no model yet");
    assert_eq!(state["publication"]["generation"], "20260105T040000Z");
    // The lock is released and its note cleared.
    assert_eq!(fs::read(w.path("state/nightly.lock")).unwrap().len(), 0);
}

#[test]
fn a_second_run_ingests_only_the_new_file_and_a_third_publishes_nothing() {
    let w = setup();
    nightly(&w, AT, 0);
    let stored_before = sha(&w.path("store/manifest.json"));
    fs::write(w.path("inbox/tickets-2025-10.csv"), &logs().second).unwrap();
    let out = nightly(&w, AT2, 0);
    assert!(out.starts_with("nightly: ingested 1 file(s) ("), "only the new file: {out}");
    assert!(out.contains("generation 20260106T040000Z published"), "{out}");
    assert_ne!(sha(&w.path("store/manifest.json")), stored_before);
    let state: serde_json::Value =
        serde_json::from_slice(&fs::read(w.path("state/last-run.json")).unwrap()).unwrap();
    assert_eq!(state["files"].as_array().unwrap().len(), 1);
    assert_eq!(state["files"][0]["file"], "tickets-2025-10.csv");
    // Seven new days since the model's window ended: due for retraining.
    assert_eq!(state["model"]["outcome"], "trained", "{state}");
    assert!(state["model"]["reason"].as_str().unwrap().starts_with("due: 7 new days"), "{state}");

    let before = outcome(&w);
    let out = nightly(&w, AT3, 0);
    assert!(out.contains("nothing new: generation 20260106T040000Z stays current"), "{out}");
    assert!(out.starts_with("nightly: ingested 0 file(s)"), "{out}");
    assert!(out.contains("model reused"), "{out}");
    assert_eq!(generations(&w), ["20260105T040000Z", "20260106T040000Z"], "no new generation");
    assert_eq!(outcome(&w), before, "a run with nothing new changes nothing");
}

#[test]
fn an_unreadable_inbox_file_goes_to_failed_and_the_rest_publishes() {
    let w = setup();
    fs::write(w.path("inbox/broken.csv"), "Standort;Datum;Wartenummer\nMitte;01.09.2025;A001\n").unwrap();
    fs::write(w.path("inbox/export.pdf"), "not a ticket log").unwrap();
    // Notes beside the exports are ignored: neither read nor moved.
    fs::write(w.path("inbox/README.md"), "exported by the ticket system at 02:00").unwrap();
    let out = nightly(&w, AT, 0);
    assert!(out.contains("ingested 1 file(s)"), "{out}");
    assert!(out.contains("2 unreadable (reasons in the log and in the inbox's failed/)"), "{out}");
    assert!(out.contains("generation 20260105T040000Z published"), "{out}");
    let reason = fs::read_to_string(w.path("inbox/failed/broken.csv.reason.txt")).unwrap();
    assert!(reason.contains("broken.csv, line 1 (header)") && reason.contains("--mapping"), "{reason}");
    let reason = fs::read_to_string(w.path("inbox/failed/export.pdf.reason.txt")).unwrap();
    assert!(reason.contains("no [[nightly.rules]] pattern matches"), "{reason}");
    assert!(w.path("inbox/README.md").is_file());
    assert!(w.path("inbox/processed/tickets-2025-09.csv").is_file());
}

#[test]
fn dry_run_says_what_it_would_do_and_changes_nothing() {
    let w = setup();
    let out = nightly(&w, AT, 0).replace('\n', " ");
    let dry = w.run_ok(&["--config", "test.toml", "nightly", "--at", AT2, "--dry-run"]);
    assert!(out.contains("published"));
    fs::write(w.path("inbox/tickets-2025-10.csv"), &logs().second).unwrap();
    let before = outcome(&w);
    let dry2 = w.run_ok(&["--config", "test.toml", "nightly", "--at", AT2, "--dry-run"]);
    assert!(dry.contains("nothing new"), "{dry}");
    assert!(dry2.contains("would ingest 1 file(s)"), "{dry2}");
    assert!(dry2.contains("would publish a new generation"), "{dry2}");
    assert_eq!(outcome(&w), before, "a dry run changes nothing");
    assert!(w.path("inbox/tickets-2025-10.csv").is_file());
    // A model file this build cannot use (here an older format) is retrained, and the reason
    // names it rather than saying there was none.
    fs::write(w.path("model.json"), "{\"format\": 1}").unwrap();
    let dry3 = w.run_ok(&["--config", "test.toml", "nightly", "--at", AT2, "--dry-run"]);
    assert!(dry3.contains("would train (the model file cannot be used: model file"), "{dry3}");
    assert!(dry3.contains("has format 1"), "{dry3}");
}

/// Starts `nightly` paused at `point`; returns the child once it printed the marker.
fn paused_at(w: &Workdir, point: &str, at: &str) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .args(["--config", "test.toml", "nightly", "--at", at, "--quiet"])
        .current_dir(w.dir.path())
        .env(PAUSE_ENV, point)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::{BufRead, BufReader};
        let seen = BufReader::new(stderr).lines().map_while(Result::ok).any(|l| l.contains(PAUSE_MARKER));
        let _ = tx.send(seen);
    });
    assert!(rx.recv_timeout(Duration::from_secs(600)).unwrap_or(false), "never paused at {point}");
    child
}

#[test]
fn a_second_run_is_locked_out_and_a_dead_holders_lock_is_taken_over() {
    let w = setup();
    let mut first = paused_at(&w, "nightly:locked", AT);
    let out = w.run(&["--config", "test.toml", "nightly", "--at", AT]);
    assert_eq!(out.status.code(), Some(5), "locked out");
    let err = String::from_utf8_lossy(&out.stderr);
    let pid = first.id();
    assert!(err.contains("another nightly run holds") && err.contains(&format!("pid {pid}")), "{err}");
    first.kill().unwrap();
    first.wait().unwrap();
    let out = nightly(&w, AT, 0);
    assert!(out.contains("published"), "{out}");
    let state: serde_json::Value =
        serde_json::from_slice(&fs::read(w.path("state/last-run.json")).unwrap()).unwrap();
    assert_eq!(state["took_over"]["pid"], pid, "the dead run's lock was taken over: {state}");
}

/// Every checkpoint of a run, in order: the lock, inside the store write, after each step,
/// inside the export's file writes (an office file; a report chart), and between the switch of
/// `current` and the run's record of it.
const KILL_POINTS: &[&str] = &[
    "nightly:locked",
    "store:partition-written",
    "nightly:file-ingested",
    "nightly:after-ingest",
    "nightly:after-train",
    "export:file-written",
    "export:file-written#5",
    "nightly:published",
    "nightly:after-export",
];

#[test]
fn killed_at_every_checkpoint_then_rerun_ends_as_an_uninterrupted_run() {
    let want = reference();
    for point in KILL_POINTS {
        let w = setup();
        let mut child = paused_at(&w, point, AT);
        child.kill().unwrap(); // SIGKILL: no cleanup
        child.wait().unwrap();
        let out = nightly(&w, AT, 0);
        assert!(out.contains("20260105T040000Z"), "rerun after {point}: {out}");
        let got = outcome(&w);
        let diff: Vec<String> = want
            .keys()
            .chain(got.keys())
            .filter(|k| want.get(*k) != got.get(*k))
            .map(|k| format!("{k}: {:?} vs {:?}", want.get(k), got.get(k)))
            .collect();
        assert!(diff.is_empty(), "killed at {point}, the rerun differs:\n{}", diff.join("\n"));
        w.run_ok(&["verify-export", "--dir", "export"]);
        assert_eq!(generations(&w), ["20260105T040000Z"], "killed at {point}: no stray generation");
    }
}
