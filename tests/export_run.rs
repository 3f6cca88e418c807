//! `queuecast export` end to end on a small simulated store (one office, 60 days up to
//! 2025-12-18, so the 28-day forecast covers Christmas and New Year): schemas, hashes, closed
//! days, suppression, no ticket fields, reproducibility and a SIGKILL mid-export.

mod util;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use queuecast::checkpoint::{PAUSE_ENV, PAUSE_MARKER};
use util::{Workdir, validate_schema};

/// k for these tests: high enough that some all-services weekday × hour cells are suppressed.
const K: u32 = 200;
const AT: &str = "2026-11-29T04:15:00Z";
const ID: &str = "20261129T041500Z";
const OFFICE: &str = "offices/neuss-mitte.json";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const FIXTURE_PREFIX: &str = "export_run-";

/// The store and one export of it, built once and shared (read-only) by the tests.
struct Fixture {
    work: Workdir,
    /// What the first export printed.
    stdout: String,
}

impl Fixture {
    fn export(&self, out: &str, at: &str) -> String {
        self.export_with(&["--out", out, "--at", at])
    }

    /// `queuecast export` on the store with `args` (--out, --at, …).
    fn export_with(&self, args: &[&str]) -> String {
        let mut all = vec!["--config", "test.toml", "export", "--store", "store"];
        all.extend_from_slice(args);
        self.work.run_ok(&all)
    }

    fn generation(&self) -> PathBuf {
        self.work.path("out/current")
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let work = Workdir::shared(FIXTURE_PREFIX);
        let config = format!(
            "[profile]\nmin_cell_tickets = {K}\n[catalog]\npath = {:?}\n[offices.neuss-mitte]\nname = \"Bürgerbüro Neuss-Mitte\"\n",
            root().join("data/services.toml").display().to_string()
        );
        fs::write(work.path("test.toml"), config).unwrap();
        work.run_ok(&[
            "--config",
            "test.toml",
            "simulate",
            "--out",
            "tickets.csv",
            "--start",
            "2025-10-20",
            "--days",
            "60",
            "--offices",
            "1",
        ]);
        work.run_ok(&["--config", "test.toml", "ingest", "--store", "store", "tickets.csv"]);
        let mut f = Fixture { work, stdout: String::new() };
        f.stdout = f.export("out", AT);
        f
    })
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Every file below `dir` (relative path → bytes).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Rows of a CSV file as header → value maps (the exported CSVs have no quoted fields).
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(String::from)).collect()).collect()
}

#[test]
fn export_is_verified_complete_and_matches_every_schema() {
    let f = fixture();
    let g = f.generation();
    assert_eq!(fs::read_link(f.work.path("out/current")).unwrap(), Path::new("generations").join(ID));
    let verify = f.work.run_ok(&["verify-export", "--dir", "out"]);
    assert!(verify.starts_with(&format!("generation {ID} (")), "{verify}");
    // The export and verify-export count the same files: those the manifest lists.
    assert!(verify.contains(": 26 files listed, 0 problems"), "{verify}");

    // The summary: files, row counts, both backtests, catalog gaps.
    let out = &f.stdout;
    assert!(
        out.starts_with(&format!(
            "export generation {ID} of 2025-10-20 … 2025-12-18 (1 offices): 26 files listed in manifest.json"
        )),
        "{out}"
    );
    assert!(out.contains("tables/forecast/arrivals.parquet"), "{out}");
    assert!(out.contains("arrival backtest:") && out.contains("slot-wait backtest"), "{out}");
    assert!(out.contains("every service code in the store has a catalog entry"), "{out}");
    let manifest = read_json(&g.join("manifest.json"));
    validate_schema("manifest.schema.json", &manifest).unwrap();
    validate_schema("services.schema.json", &read_json(&g.join("services.json"))).unwrap();
    let office = read_json(&g.join(OFFICE));
    validate_schema("office.schema.json", &office).unwrap();
    // Name and address come from [offices.<id>]; the address is not set.
    assert_eq!((office["name"].as_str(), &office["address"]), (Some("Bürgerbüro Neuss-Mitte"), &Value::Null));
    let report = read_json(&g.join("export_report.json"));
    validate_schema("export_report.schema.json", &report).unwrap();

    assert_eq!(manifest["generation"], ID);
    assert_eq!(manifest["created_at"], AT);
    assert_eq!(manifest["source"]["from"], "2025-10-20");
    assert_eq!(manifest["source"]["to"], "2025-12-18");
    // The source hash is combined_sha256 over the store manifest's file hashes.
    let store = read_json(&f.work.path("store/manifest.json"));
    let hashes: Vec<&str> =
        store["files"].as_array().unwrap().iter().map(|x| x["sha256"].as_str().unwrap()).collect();
    assert_eq!(hashes.len(), 1);
    assert_eq!(manifest["source"]["sha256"], queuecast::export::combined_sha256(hashes));

    let paths: Vec<&str> =
        manifest["files"].as_array().unwrap().iter().map(|x| x["path"].as_str().unwrap()).collect();
    let mut expected = vec![
        "export_report.json",
        OFFICE,
        "services.json",
        "tables/forecast/arrival_backtest.csv",
        "tables/forecast/arrival_backtest.json",
        "tables/forecast/arrival_backtest_days.csv",
        "tables/forecast/arrivals.csv",
        "tables/forecast/arrivals.parquet",
        "tables/forecast/forecast.json",
    ];
    let profile: Vec<String> = ["daily", "monthly", "peaks", "slot15", "weekday_hour"]
        .iter()
        .flat_map(|t| [format!("tables/profile/{t}.csv"), format!("tables/profile/{t}.parquet")])
        .collect();
    expected.extend(profile.iter().map(String::as_str));
    expected.extend([
        "tables/profile/profile.json",
        "tables/quality/data_quality.json",
        "tables/staffing/staffing.csv",
        "tables/staffing/staffing_check.csv",
        "tables/staffing/staffing_validation.csv",
        "tables/whatif/whatif.csv",
        "tables/whatif/whatif_reproduction.csv",
    ]);
    expected.sort_unstable();
    assert_eq!(paths, expected);
    // Row counts of every CSV equal its data lines, in the manifest and in the report.
    let report_rows: BTreeMap<&str, u64> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["path"].as_str().unwrap(), r["rows"].as_u64().unwrap()))
        .collect();
    for file in manifest["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        if path.ends_with(".csv") {
            let lines = fs::read_to_string(g.join(path)).unwrap().lines().count() as u64;
            assert_eq!(file["rows"].as_u64(), Some(lines - 1), "{path}");
            assert_eq!(report_rows.get(path), Some(&(lines - 1)), "{path}");
        }
    }
    // 28 days × 96 slots × (all services + each service seen in the input).
    let tickets = fs::read_to_string(f.work.path("tickets.csv")).unwrap();
    let seen: std::collections::BTreeSet<&str> =
        tickets.lines().skip(1).map(|l| l.split(',').nth(2).unwrap()).collect();
    assert_eq!(report_rows["tables/forecast/arrivals.parquet"], 28 * 96 * (1 + seen.len() as u64));
    assert_eq!(report["catalog"]["missing_services"], serde_json::json!([]));
    let catalog: Vec<&str> =
        ["PA", "RP", "AB", "AN", "MB", "FZ", "KFZ", "FS"].into_iter().filter(|c| !seen.contains(c)).collect();
    let mut unseen = catalog;
    unseen.sort_unstable();
    assert_eq!(report["catalog"]["unseen_services"], serde_json::json!(unseen));
    assert_eq!(report["model"]["reason"], "no model file given");
    assert!(report["slot_wait_backtest"]["overall"]["slots"].as_u64().unwrap() > 0);
    assert!(!g.join("tables/staffing/slot_wait_backtest.csv").exists());
    // Each office's published waits come from the method its slot-wait backtest chose: the
    // simulation only where its p50 error is below the history's; the office file says which.
    let by_office = report["slot_wait_backtest"]["by_office"].as_array().unwrap();
    assert_eq!(by_office.len(), 1);
    let o = &by_office[0];
    let office = read_json(&g.join(OFFICE));
    assert_eq!(o["office_id"], office["office_id"]);
    assert_eq!(office["forecast"]["wait_method"], o["method"]);
    let (sim, hist) = (o["mae_p50_min"].as_f64().unwrap(), o["mae_baseline_p50_min"].as_f64().unwrap());
    let method = if sim < hist { "simulation" } else { "history" };
    assert_eq!(o["method"], method, "{o}");
    assert!(o["reason"].as_str().unwrap().starts_with(method), "{o}");
    assert!(o["coverage_baseline_p90"].as_f64().is_some(), "{o}");
}

#[test]
fn christmas_and_new_year_are_closed_and_open_days_have_waits_and_best_times() {
    let office = read_json(&fixture().generation().join(OFFICE));
    let days = office["days"].as_array().unwrap();
    assert_eq!(days.len(), 28);
    assert_eq!(days[0]["date"], "2025-12-19");
    let day = |date: &str| days.iter().find(|d| d["date"] == date).unwrap();
    for (date, reason) in [
        ("2025-12-24", "closure"),
        ("2025-12-25", "public holiday: 1. Weihnachtstag"),
        ("2025-12-26", "public holiday: 2. Weihnachtstag"),
        ("2025-12-31", "closure"),
        ("2026-01-01", "public holiday: Neujahr"),
        ("2025-12-21", "weekday closed"),
    ] {
        let d = day(date);
        assert_eq!((d["open"].as_bool(), d["closed_reason"].as_str()), (Some(false), Some(reason)), "{date}");
        assert_eq!(d["slots"], serde_json::json!([]), "{date}");
        assert_eq!(d["best_times"], serde_json::json!([]), "{date}");
        assert_eq!(d["expected_tickets"], 0.0);
    }
    // An ordinary Monday: open slots within the learned hours, waits, and the three best
    // times are the three lowest p50 waits (ties to the earlier slot).
    let monday = day("2025-12-22");
    let slots = monday["slots"].as_array().unwrap();
    assert!(slots.len() >= 8, "{}", slots.len());
    let hours = office["opening_hours"][0]["hours"].as_array().unwrap();
    assert_eq!(office["opening_hours"][0]["weekday"], 1);
    assert!(!hours.is_empty());
    let mut by_wait: Vec<(f64, u64)> = slots
        .iter()
        .filter_map(|s| Some((s["wait_p50_min"].as_f64()?, s["slot"].as_u64().unwrap())))
        .collect();
    by_wait.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let best: Vec<(f64, u64)> = monday["best_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["wait_p50_min"].as_f64().unwrap(), b["slot"].as_u64().unwrap()))
        .collect();
    assert_eq!(best, by_wait[..3]);
    for s in slots {
        let (p50, p90) = (s["wait_p50_min"].as_f64().unwrap(), s["wait_p90_min"].as_f64().unwrap());
        assert!(p50 <= p90, "{s}");
        assert!(
            s["p10"].as_f64() <= s["expected"].as_f64() && s["expected"].as_f64() <= s["p90"].as_f64(),
            "{s}"
        );
        let bucket = queuecast::forecast::wait_bucket(p50).label();
        assert_eq!(s["wait_bucket"], bucket.as_str());
    }
    // Best times per weekday: the lowest mean p50 over the horizon's open days of that weekday
    // (recomputed from the published, rounded waits: so within 0.01 minutes).
    let mut mean: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for d in days.iter().filter(|d| d["weekday"] == 1) {
        for s in d["slots"].as_array().unwrap() {
            if let Some(w) = s["wait_p50_min"].as_f64() {
                let e = mean.entry(s["slot"].as_u64().unwrap()).or_default();
                *e = (e.0 + w, e.1 + 1.0);
            }
        }
    }
    let monday_best =
        office["best_times_by_weekday"].as_array().unwrap().iter().find(|w| w["weekday"] == 1).unwrap();
    let chosen = monday_best["best_times"].as_array().unwrap();
    assert_eq!(chosen.len(), 3);
    let lowest_other = mean
        .iter()
        .filter(|(slot, _)| chosen.iter().all(|c| c["slot"].as_u64() != Some(**slot)))
        .map(|(_, (sum, n))| sum / n)
        .fold(f64::INFINITY, f64::min);
    for c in chosen {
        let (sum, n) = mean[&c["slot"].as_u64().unwrap()];
        let score = c["wait_p50_min"].as_f64().unwrap();
        assert!((score - sum / n).abs() < 0.01, "{c} vs {}", sum / n);
        assert!(score <= lowest_other + 0.01, "{c} vs {lowest_other}");
    }
    let total: f64 = slots.iter().map(|s| s["expected"].as_f64().unwrap()).sum();
    assert!((total - monday["expected_tickets"].as_f64().unwrap()).abs() < 0.5, "{total}");
}

#[test]
fn suppressed_cells_carry_no_values_in_the_json_and_the_tables() {
    let g = fixture().generation();
    let office = read_json(&g.join(OFFICE));
    assert_eq!(office["profile"]["min_cell_tickets"], K);
    let cells = office["profile"]["cells"].as_array().unwrap();
    let (small, big): (Vec<&Value>, Vec<&Value>) = cells.iter().partition(|c| c["suppressed"] == true);
    assert!(!small.is_empty() && !big.is_empty(), "{} suppressed of {}", small.len(), cells.len());
    for c in small {
        for (key, v) in c.as_object().unwrap() {
            let kept = ["weekday", "hour", "suppressed", "open_days"].contains(&key.as_str());
            assert!(kept || v.is_null(), "{key} leaks in {c}");
        }
    }
    for c in big {
        assert!(c["tickets"].as_f64().unwrap() >= f64::from(K), "{c}");
    }
    // Tables: keys stay, values go, and a shown count is never below k.
    let keys: [(&str, &[&str], &str); 6] = [
        (
            "tables/profile/weekday_hour.csv",
            &["office_id", "service", "weekday", "hour", "open_days"],
            "tickets",
        ),
        ("tables/profile/slot15.csv", &["office_id", "service", "weekday", "slot", "open_days"], "tickets"),
        ("tables/profile/daily.csv", &["office_id", "local_date"], "tickets"),
        ("tables/profile/monthly.csv", &["office_id", "service", "year", "month"], "tickets"),
        (
            "tables/staffing/staffing_validation.csv",
            &["office_id", "weekday", "hour", "counters", "day_hours"],
            "tickets",
        ),
        ("tables/whatif/whatif.csv", &["office_id", "share", "hour"], "tickets"),
    ];
    for (file, kept, count) in keys {
        let rows = csv_rows(&g.join(file));
        let suppressed = rows.iter().filter(|r| r["suppressed"] == "true").count();
        assert!(suppressed > 0, "{file}: nothing suppressed at k = {K}");
        for r in &rows {
            if r["suppressed"] == "true" {
                for (col, v) in r {
                    assert!(
                        kept.contains(&col.as_str()) || col == "suppressed" || v.is_empty(),
                        "{file}: {col} {r:?}"
                    );
                }
            } else {
                assert!(r[count].parse::<f64>().unwrap() >= f64::from(K), "{file}: {r:?}");
            }
        }
    }
    // Staffing cells: suppressed when arrivals per hour × open days < k.
    for r in csv_rows(&g.join("tables/staffing/staffing.csv")) {
        if r["suppressed"] == "false" {
            let n = r["arrivals_per_hour"].parse::<f64>().unwrap() * r["open_days"].parse::<f64>().unwrap();
            assert!(n.round() >= f64::from(K), "{r:?}");
        } else {
            assert!(r["measured_sl"].is_empty() && r["suggested_counters"].is_empty(), "{r:?}");
        }
    }
}

#[test]
fn published_files_hold_no_per_ticket_field() {
    let g = fixture().generation();
    let forbidden = ["ticket_id", "issued_at", "called_at", "finished_at", "counter", "outcome", "channel"];
    fn keys(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                out.push(k.clone());
                keys(v, out);
            }),
            Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let all = files(&g);
    for (name, bytes) in &all {
        let text = String::from_utf8_lossy(bytes);
        if name.ends_with(".json") {
            let mut found = Vec::new();
            keys(&serde_json::from_str(&text).unwrap(), &mut found);
            assert!(found.iter().all(|k| !forbidden.contains(&k.as_str())), "{name}: {found:?}");
        } else if name.ends_with(".csv") {
            let header = text.lines().next().unwrap();
            assert!(header.split(',').all(|c| !forbidden.contains(&c)), "{name}: {header}");
        }
    }
    // No ticket id of the input appears in any text file (ids such as T001 and A001).
    let tickets = fs::read_to_string(fixture().work.path("tickets.csv")).unwrap();
    let ids: Vec<&str> = tickets.lines().skip(1).take(50).map(|l| l.split(',').nth(1).unwrap()).collect();
    for (name, bytes) in all.iter().filter(|(n, _)| !n.ends_with(".parquet")) {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            ids.iter().all(|id| !text.contains(&format!("\"{id}\"")) && !text.contains(&format!(",{id},"))),
            "{name}"
        );
    }
}

#[test]
fn the_same_id_and_time_give_byte_identical_files() {
    let f = fixture();
    f.export("again", AT);
    let (a, b) = (files(&f.generation()), files(&f.work.path("again/current")));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs");
    }
}

#[test]
fn killed_export_leaves_the_previous_generation_current() {
    let f = fixture();
    f.export("killed", "2026-11-28T04:15:00Z");
    let before = fs::read(f.work.path("killed/current/manifest.json")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .args(["--config", "test.toml", "export", "--store", "store", "--out", "killed", "--at", AT])
        .current_dir(f.work.dir.path())
        .env(PAUSE_ENV, "export:file-written")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = child.stderr.take().unwrap();
    let (paused, status) =
        util::kill_at_marker(&mut child, output, PAUSE_MARKER, std::time::Duration::from_secs(240));
    assert!(paused, "the export never reached its pause ({status})");
    assert!(!status.success());

    let partial = f.work.path(&format!("killed/generations/{ID}.partial"));
    assert!(partial.join(OFFICE).is_file());
    assert!(!partial.join("manifest.json").exists());
    assert_eq!(
        fs::read_link(f.work.path("killed/current")).unwrap(),
        Path::new("generations/20261128T041500Z")
    );
    assert_eq!(fs::read(f.work.path("killed/current/manifest.json")).unwrap(), before);
    f.work.run_ok(&["verify-export", "--dir", "killed"]);

    // The next export clears the leftovers and publishes; a model file that cannot be read
    // leaves the card null with the reason.
    let out = f.work.run_ok(&[
        "--config",
        "test.toml",
        "export",
        "--store",
        "store",
        "--out",
        "killed",
        "--at",
        AT,
        "--model",
        "missing.json",
    ]);
    assert!(out.contains("model card: none (cannot read model file missing.json"), "{out}");
    assert!(!partial.exists());
    let names: Vec<String> = fs::read_dir(f.work.path("killed/generations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(fs::read_link(f.work.path("killed/current")).unwrap(), Path::new("generations").join(ID));
    f.work.run_ok(&["verify-export", "--dir", "killed"]);
    let office = read_json(&f.work.path("killed/current").join(OFFICE));
    assert_eq!(office["model"]["card"], Value::Null);
    validate_schema("office.schema.json", &office).unwrap();
}

#[test]
fn schemas_reject_leaks_and_contradictions() {
    let g = fixture().generation();
    let office = read_json(&g.join(OFFICE));
    let days = office["days"].as_array().unwrap();
    let closed = days.iter().position(|d| d["open"] == false).unwrap();
    let open = days.iter().position(|d| d["open"] == true).unwrap();
    let mut slots_on_closed = office.clone();
    slots_on_closed["days"][closed]["slots"] = office["days"][open]["slots"].clone();
    assert!(validate_schema("office.schema.json", &slots_on_closed).is_err());
    let mut leaking = office.clone();
    let cells = office["profile"]["cells"].as_array().unwrap();
    let small = cells.iter().position(|c| c["suppressed"] == true).unwrap();
    leaking["profile"]["cells"][small]["tickets"] = 3.into();
    assert!(validate_schema("office.schema.json", &leaking).is_err());
    let mut ticket = office.clone();
    ticket["days"][open]["slots"][0]["ticket_id"] = "A001".into();
    assert!(validate_schema("office.schema.json", &ticket).is_err());
    let mut nameless = office.clone();
    nameless.as_object_mut().unwrap().remove("name");
    assert!(validate_schema("office.schema.json", &nameless).is_err());
    let mut closed_level = office;
    closed_level["days"][open]["slots"][0]["level"] = "closed".into();
    assert!(validate_schema("office.schema.json", &closed_level).is_err());

    let report = read_json(&g.join("export_report.json"));
    let mut per_slot = report.clone();
    per_slot["slot_wait_backtest"]["rows"] = serde_json::json!([]);
    assert!(validate_schema("export_report.schema.json", &per_slot).is_err());
    let mut bad_method = report;
    bad_method["arrival_backtest"]["rows"][0]["method"] = "oracle".into();
    assert!(validate_schema("export_report.schema.json", &bad_method).is_err());
}

/// A model file trained with a backtest on a tiny store of its own (35 days at a fifth of the
/// demand, one backtest week): seconds in a debug build, where the fixture store takes a minute.
fn tiny_model(work: &Workdir) -> PathBuf {
    fs::write(work.path("tiny.toml"), "[model]\nbacktest_weeks = 1\n").unwrap();
    let sim = [
        "simulate",
        "--out",
        "tiny.csv",
        "--start",
        "2025-10-20",
        "--days",
        "35",
        "--offices",
        "1",
        "--scale",
        "0.2",
    ];
    work.run_ok(&sim);
    work.run_ok(&["ingest", "--store", "tiny", "tiny.csv"]);
    work.run_ok(&[
        "--config",
        "tiny.toml",
        "train",
        "--with-backtest",
        "--store",
        "tiny",
        "--out",
        "model.json",
    ]);
    work.path("model.json")
}

#[test]
fn the_model_card_summarises_the_model_file() {
    let f = fixture();
    let work = Workdir::new();
    let path = tiny_model(&work);
    let path_text = path.display().to_string();
    f.export_with(&["--out", "with-model", "--at", AT, "--model", &path_text]);
    let model = read_json(&path);
    let office = read_json(&f.work.path("with-model/current").join(OFFICE));
    validate_schema("office.schema.json", &office).unwrap();
    let card = &office["model"]["card"];
    assert_eq!(office["model"]["reason"], Value::Null);
    assert_eq!(card["format"], model["format"]);
    let summary = &model["summary"];
    for key in ["queuecast_version", "trained_from", "trained_to", "default_predictor", "gate"] {
        assert_eq!(card[key], summary[key], "{key}");
    }
    assert_eq!(card["trained_from"], "2025-10-20");
    assert_eq!(card["features"], summary["features"].as_array().unwrap().len());
    assert_eq!(card["offices"], 1);
    let headline =
        &summary["backtest"]["predictors"][summary["default_predictor"].as_str().unwrap()]["overall"];
    assert!(headline["mae"].as_f64().unwrap() > 0.0, "{headline}");
    assert_eq!(&card["backtest"], headline);
    // The gate's figures: the new model against the ZMS rule on the calibration days.
    assert!(card["gate"]["mae_new"].as_f64().unwrap() <= card["gate"]["mae_zms"].as_f64().unwrap(), "{card}");
    assert_eq!(card["gate"]["current"], "none");
    let report = read_json(&f.work.path("with-model/current/export_report.json"));
    assert_eq!(report["model"], office["model"]);
}
