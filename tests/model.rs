//! The wait-time model end to end through the binary, on a small simulated office: `train` is
//! deterministic, `predict` answers a queue snapshot exactly as the library does and never
//! looks past `now`, its errors name the problem, and `backtest` writes complete, consistent
//! outputs whose metrics are checked against counts taken from the log itself.

mod util;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Days, NaiveDate};
use polars::prelude::*;
use proptest::prelude::*;
use queuecast::model::booking_level;
use queuecast::model::conformal::Quantiles;
use queuecast::model::dataset::{Dataset, FEATURES};
use queuecast::model::features::{Context, day_features, training_probes};
use queuecast::model::file::ModelFile;
use queuecast::model::metrics::metrics;
use queuecast::model::predict::{Snapshot, SnapshotTicket, predict};
use queuecast::replay::{ReplayParams, office_days_bounded};
use queuecast::store::Store;
use queuecast::store::columns::load_columns;
use queuecast::timezones::{DEFAULT_TZ, format_rfc3339, parse_rfc3339};
use serde_json::Value;
use util::{Workdir, fixture};

const MIN: i64 = 60_000;
/// Minutes between training snapshots (the default `snapshot_minutes`).
const SNAPSHOT_MIN: i64 = 5;
/// The store in the work dir, and a smaller GBM sample so that debug-built fits stay quick.
const CONFIG: &str = "[store]\npath = \"store\"\n\n[model]\ngbm_max_rows = 5000\n";
const PREDICTORS: [&str; 8] =
    ["zms_rule", "historical_mean", "les", "hol", "queue_length", "fluid", "linear", "gbm"];

/// The simulated log (42 days of one office, seed 2025) and the model `train` makes of it,
/// built once per test run.
struct Shared {
    log: String,
    model: Vec<u8>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let w = Workdir::new();
        w.run_ok(&["simulate", "--out", "log.csv", "--days", "42", "--offices", "1"]);
        let log = std::fs::read_to_string(w.path("log.csv")).unwrap();
        let w = with_store(&log);
        w.run_ok(&["--config", "model.toml", "train", "--out", "model.json"]);
        Shared { log, model: std::fs::read(w.path("model.json")).unwrap() }
    })
}

/// A work dir with the settings file and a store holding `log`.
fn with_store(log: &str) -> Workdir {
    let w = Workdir::new();
    std::fs::write(w.path("model.toml"), CONFIG).unwrap();
    std::fs::write(w.path("log.csv"), log).unwrap();
    w.run_ok(&["--config", "model.toml", "ingest", "log.csv"]);
    w
}

/// A work dir with the shared model file (no store: `predict` needs none).
fn with_model() -> Workdir {
    let w = Workdir::new();
    std::fs::write(w.path("model.json"), &shared().model).unwrap();
    w
}

/// One row of the canonical CSV log, read independently of the library's ingest.
#[derive(Debug, Clone)]
struct Row {
    office: String,
    ticket_id: String,
    service: String,
    channel: String,
    issued: String,
    called: Option<String>,
    finished: Option<String>,
    counter: Option<String>,
    outcome: String,
}

impl Row {
    /// Local date: the log writes instants with the office's own offset.
    fn date(&self) -> NaiveDate {
        self.issued[..10].parse().unwrap()
    }

    fn was_called(&self) -> bool {
        self.outcome == "served" || self.outcome == "no_show"
    }

    fn wait_ms(&self) -> Option<i64> {
        self.called.as_deref().map(|c| ms(c) - ms(&self.issued))
    }

    /// The ticket as logged, every event included.
    fn full(&self) -> SnapshotTicket {
        SnapshotTicket {
            ticket_id: self.ticket_id.clone(),
            service: self.service.clone(),
            channel: self.channel.clone(),
            issued_at: self.issued.clone(),
            called_at: self.called.clone(),
            finished_at: self.finished.clone(),
            counter: self.counter.clone(),
            outcome: Some(self.outcome.clone()),
        }
    }

    /// The ticket as a ticket system knows it at `now`: later events erased.
    fn at(&self, now: i64) -> SnapshotTicket {
        let seen = |v: &Option<String>| v.clone().filter(|s| ms(s) <= now);
        let called = seen(&self.called);
        let finished = seen(&self.finished);
        SnapshotTicket {
            called_at: called.clone(),
            finished_at: finished.clone(),
            counter: self.counter.clone().filter(|_| called.is_some()),
            outcome: finished.is_some().then(|| self.outcome.clone()),
            ..self.full()
        }
    }
}

fn ms(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

fn rows(log: &str) -> Vec<Row> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    log.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 9, "{l}");
            Row {
                office: f[0].into(),
                ticket_id: f[1].into(),
                service: f[2].into(),
                channel: f[3].into(),
                issued: f[4].into(),
                called: opt(f[5]),
                finished: opt(f[6]),
                counter: opt(f[7]),
                outcome: f[8].into(),
            }
        })
        .collect()
}

/// The called walk-in ticket that waited longest among those with tickets drawn after the
/// middle of their wait, the tickets of its office-day, and that middle (whole seconds).
fn long_wait() -> (Row, Vec<Row>, i64) {
    let all = rows(&shared().log);
    let mut called: Vec<&Row> = all.iter().filter(|r| r.channel == "walk_in" && r.was_called()).collect();
    called.sort_by_key(|r| (std::cmp::Reverse(r.wait_ms()), ms(&r.issued)));
    for pick in called {
        let now = ms(&pick.issued) + pick.wait_ms().unwrap() / 2 / 1000 * 1000;
        let day: Vec<Row> =
            all.iter().filter(|r| r.office == pick.office && r.date() == pick.date()).cloned().collect();
        if day.iter().any(|r| ms(&r.issued) > now) {
            assert!(pick.wait_ms().unwrap() > 20 * MIN, "{pick:?}");
            return (pick.clone(), day, now);
        }
    }
    panic!("no ticket waited while others were still drawn");
}

fn snapshot(office: &str, ticket: &str, now: i64, tickets: Vec<SnapshotTicket>) -> Snapshot {
    Snapshot {
        office_id: office.to_string(),
        now: format_rfc3339(now, DEFAULT_TZ),
        ticket_id: ticket.to_string(),
        notice_minutes: None,
        tickets,
    }
}

/// Writes `snap` into the work dir and runs `predict` on it; returns stdout.
fn predict_cli(w: &Workdir, name: &str, snap: &Snapshot) -> String {
    std::fs::write(w.path(name), serde_json::to_vec_pretty(snap).unwrap()).unwrap();
    w.run_ok(&["predict", "--model", "model.json", "--snapshot", name])
}

/// Checks what every prediction must satisfy, whatever the model.
fn check_prediction(p: &Value, now: i64) {
    let q = |k: &str| p["remaining_min"][k].as_f64().unwrap_or_else(|| panic!("remaining_min.{k}: {p}"));
    assert!(0.0 <= q("p10") && q("p10") <= q("p50") && q("p50") <= q("p90"), "{p}");
    for k in ["call_p10", "call_p50", "call_p90"] {
        assert!(ms(p[k].as_str().unwrap()) >= now, "{k} before now: {p}");
    }
    assert!(ms(p["call_p10"].as_str().unwrap()) <= ms(p["call_p90"].as_str().unwrap()));
    match &p["alarm_at"] {
        Value::Null => {}
        Value::String(a) => assert!(ms(a) >= now, "alarm before now: {p}"),
        other => panic!("alarm_at is {other}"),
    }
    assert_eq!(ms(p["now"].as_str().unwrap()), now);
    let names: Vec<&str> = p["features"].as_array().unwrap().iter().map(|f| f[0].as_str().unwrap()).collect();
    assert_eq!(names, FEATURES);
}

#[test]
fn train_twice_gives_byte_identical_model_files() {
    let w = with_store(&shared().log);
    w.run_ok(&["--config", "model.toml", "train", "--out", "a.json"]);
    w.run_ok(&["--config", "model.toml", "train", "--out", "b.json"]);
    let (a, b) = (std::fs::read(w.path("a.json")).unwrap(), std::fs::read(w.path("b.json")).unwrap());
    let value = |bytes: &[u8]| serde_json::from_slice::<Value>(bytes).unwrap();
    // Same content first (a run from another work dir, too), then the same bytes.
    assert!(value(&a) == value(&b), "two trainings on one store differ in content");
    assert!(value(&a) == value(&shared().model), "training on an identical store differs in content");
    if let Some(at) = a.iter().zip(&b).position(|(x, y)| x != y) {
        let around = |v: &[u8]| {
            String::from_utf8_lossy(&v[at.saturating_sub(60)..(at + 60).min(v.len())]).into_owned()
        };
        panic!(
            "same data, settings and seed, same content, but the bytes differ at {at} (map order?):\n{}\n{}",
            around(&a),
            around(&b)
        );
    }
    assert_eq!(a.len(), b.len());
}

/// The seed reaches the GBM (its row draws per tree) and is recorded; nothing else depends on it.
#[test]
fn a_different_seed_is_recorded_and_touches_only_the_gbm() {
    let w = with_store(&shared().log);
    std::fs::write(w.path("seed7.toml"), format!("{CONFIG}seed = 7\n")).unwrap();
    w.run_ok(&["--config", "seed7.toml", "train", "--out", "seed7.json"]);
    let a: Value = serde_json::from_slice(&shared().model).unwrap();
    let b: Value = serde_json::from_slice(&std::fs::read(w.path("seed7.json")).unwrap()).unwrap();
    assert_eq!(a["settings"]["seed"], 2025);
    assert_eq!(b["settings"]["seed"], 7);
    for key in ["history", "services"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    for key in ["features", "offices", "trained_from", "trained_to", "calibration_days"] {
        assert_eq!(a["summary"][key], b["summary"][key], "{key}");
    }
    let by_name = |m: &Value| -> BTreeMap<String, Value> {
        m["predictors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap().into(), p.clone()))
            .collect()
    };
    let (pa, pb) = (by_name(&a), by_name(&b));
    assert_eq!(pa.keys().collect::<Vec<_>>(), pb.keys().collect::<Vec<_>>());
    for name in PREDICTORS.iter().filter(|n| **n != "gbm") {
        assert_eq!(pa[*name], pb[*name], "{name} depends on the seed");
    }
    assert_ne!(pa["gbm"], pb["gbm"]);
}

/// Beyond the row cap, the fit sees every at-issue example (up to half the cap, or 90 % for the
/// at-issue booster) and an even spread of the later snapshots, in their original order.
#[test]
fn subsample_keeps_at_issue_examples() {
    use queuecast::model::dataset::{ExampleMeta, Probe};
    let meta = |i: usize| ExampleMeta {
        office: "o".into(),
        date: NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(),
        row: i as u32,
        t: i as i64,
        probe: if i.is_multiple_of(5) { Probe::AtIssue } else { Probe::Later },
        hour: 8,
        ahead: 0,
        replay_min: f64::NAN,
    };
    let n = 100;
    let data = Dataset {
        x: (0..n * FEATURES.len()).map(|v| v as f64).collect(),
        y: (0..n).map(|i| i as f64).collect(),
        meta: (0..n).map(meta).collect(),
    };
    // 20 at issue (0, 5, …, 95) fit in half of 40; the other 20 are every 4th of the 80 later.
    let idx = data.subsample_indices(40);
    let later: Vec<usize> = (0..n).filter(|i| i % 5 != 0).collect();
    let mut expected: Vec<usize> = (0..n).step_by(5).chain((0..20).map(|j| later[j * 4])).collect();
    expected.sort_unstable();
    assert_eq!(idx, expected);
    let sub = data.subsample(40);
    assert_eq!(sub.y, expected.iter().map(|&i| i as f64).collect::<Vec<_>>());
    assert_eq!(sub.get(3, 1), data.get(expected[3], 1));
    // A small cap: each booster takes half of it (the GBM) or 90 % (its at-issue booster) for
    // an even spread of the at-issue examples; the rows built cover both (9 at issue, 5 later).
    let rows = |d: &Dataset| d.y.iter().map(|&y| y as usize).collect::<Vec<_>>();
    assert_eq!(rows(&data.subsample_share(10, 0.5)), vec![0, 1, 20, 21, 40, 41, 60, 61, 80, 81]);
    assert_eq!(rows(&data.subsample_share(10, 0.9)), vec![0, 1, 10, 20, 30, 40, 55, 65, 75, 85]);
    assert_eq!(data.subsample_indices(10), vec![0, 1, 10, 20, 21, 30, 40, 41, 55, 61, 65, 75, 81, 85]);
    // No cap, no change.
    assert_eq!(data.subsample_indices(n), (0..n).collect::<Vec<_>>());
}

#[test]
fn predict_answers_exactly_as_the_library() {
    let (pick, day, now) = long_wait();
    let w = with_model();
    let tickets = day.iter().filter(|r| ms(&r.issued) <= now).map(|r| r.at(now)).collect();
    let snap = snapshot(&pick.office, &pick.ticket_id, now, tickets);
    let out: Value = serde_json::from_str(&predict_cli(&w, "snap.json", &snap)).unwrap();
    check_prediction(&out, now);
    assert_eq!(out["ticket_id"], pick.ticket_id.as_str());
    assert_eq!(out["predictor"], "gbm");
    assert_eq!(out["notice_minutes"], 10.0);
    let model = ModelFile::load(&w.path("model.json")).unwrap();
    let lib = predict(&model, &snap, None).unwrap();
    assert_eq!(out, serde_json::to_value(&lib).unwrap());
    // The ticket has waited half its wait; the truth lies ahead.
    assert!(lib.remaining_min.p90 > 0.0, "{lib:?}");
}

/// Adding what happened after `now` (the ticket's own call, later tickets, every other
/// event of the day) changes nothing in the answer at `now`.
#[test]
fn predict_ignores_everything_after_now() {
    let (pick, day, now) = long_wait();
    let w = with_model();
    let seen: Vec<SnapshotTicket> = day.iter().filter(|r| ms(&r.issued) <= now).map(|r| r.at(now)).collect();
    let base = predict_cli(&w, "seen.json", &snapshot(&pick.office, &pick.ticket_id, now, seen.clone()));

    let mut own_call_and_later = seen;
    for t in &mut own_call_and_later {
        if t.ticket_id == pick.ticket_id {
            *t = pick.full();
        }
    }
    let later: Vec<SnapshotTicket> = day.iter().filter(|r| ms(&r.issued) > now).map(Row::full).collect();
    assert!(!later.is_empty(), "the day goes on after now");
    own_call_and_later.extend(later);
    let snap = snapshot(&pick.office, &pick.ticket_id, now, own_call_and_later);
    assert_eq!(base, predict_cli(&w, "later.json", &snap), "own call and later tickets");

    let whole_day = day.iter().map(Row::full).collect();
    let snap = snapshot(&pick.office, &pick.ticket_id, now, whole_day);
    assert_eq!(base, predict_cli(&w, "day.json", &snap), "the whole logged day");
}

/// The API builds its features through the same code as training; for every training probe
/// of a day they must agree bit for bit (a probe whose ticket is called at that very instant
/// is not waiting, so the API refuses it).
#[test]
fn predict_features_equal_the_training_features_of_every_probe_of_a_day() {
    let (pick, day_rows, _) = long_wait();
    let w = with_store(&shared().log);
    std::fs::write(w.path("model.json"), &shared().model).unwrap();
    let model = ModelFile::load(&w.path("model.json")).unwrap();
    let store = Store::open(&w.path("store"), DEFAULT_TZ).unwrap();
    let cols = load_columns(&store, Some(pick.date()), Some(pick.date()), true).unwrap();
    let day = office_days_bounded(&cols, &model.history.wait_bounds).remove(0);
    let ctx = Context {
        history: &model.history,
        offices: &model.summary.offices,
        services: &model.services,
        tz: DEFAULT_TZ,
        replay: ReplayParams { idle_gap_ms: (model.settings.counter_idle_gap_min * MIN as f64) as i64 },
    };
    let probes = training_probes(&day, (model.settings.snapshot_min * MIN as f64) as i64);
    // Only this day is loaded, as in a live request: the booking level comes from the days the
    // model kept of its window, the same for both.
    let h = &model.history;
    let level = booking_level::day_level(&cols, day.office, day.date, &h.recent_bookings, &h.plan);
    let train = day_features(&day, &cols, &probes, &ctx, level);
    let whole_day: Vec<SnapshotTicket> = day_rows.iter().map(Row::full).collect();
    let mut differ: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    let mut compared = 0;
    for (i, p) in probes.iter().enumerate() {
        if day.tickets[p.ticket].called == Some(p.t) {
            continue;
        }
        let id = &cols.ticket_id[day.rows[p.ticket]];
        let snap = snapshot(&pick.office, id, p.t, whole_day.clone());
        let served = predict(&model, &snap, None).unwrap();
        compared += 1;
        for (f, (name, v)) in served.features.iter().enumerate() {
            let trained = train.get(i, f);
            let same = v.map_or(!trained.is_finite(), |v| v.to_bits() == trained.to_bits());
            if !same {
                let e = differ.entry(FEATURES[f]).or_insert((0, String::new()));
                if e.0 == 0 {
                    e.1 = format!("{name} of {id} at {}: served {v:?}, trained {trained}", snap.now);
                }
                e.0 += 1;
            }
        }
    }
    assert!(compared > 100, "{compared} probes");
    assert!(
        differ.is_empty(),
        "features differ between predict and training in {compared} probes: {differ:#?}"
    );
}

/// The hand-made snapshot at 10:00: A010 served 09:50–09:58 at counter 1, A011 called 09:55 at
/// counter 2, T005 called at 10:00 exactly (not yet seen at 10:00), A014 cancelled 09:59.
#[test]
fn predict_with_a_baseline_rule_on_a_hand_made_snapshot() {
    let w = with_model();
    let snap = fixture("snapshot_small.json");
    let out = w.run_ok(&["predict", "--model", "model.json", "--snapshot", &snap, "--predictor", "zms_rule"]);
    let p: Value = serde_json::from_str(&out).unwrap();
    check_prediction(&p, ms("2025-02-11T10:00:00+01:00"));
    assert_eq!(p["predictor"], "zms_rule");
    assert_eq!(p["notice_minutes"], 5.0);
    let feature = |name: &str| {
        p["features"].as_array().unwrap().iter().find(|f| f[0] == name).unwrap()[1].as_f64().unwrap()
    };
    let expect = [
        ("ahead_total", 1.0),
        ("ahead_same_service", 0.0),
        ("waiting_total", 4.0),
        ("active_counters", 2.0),
        ("busy_counters", 1.0),
        ("calls_last_15min", 2.0),
        ("calls_last_30min", 2.0),
        ("recent_service_min", 8.0),
        ("les_min", 10.0),
        ("hol_min", 10.0),
        ("elapsed_min", 8.0),
        ("channel", 0.0),
        ("office", 0.0),
        ("minute_of_day", 600.0),
        ("weekday", 2.0),
        ("appointments_last_30min", 1.0),
        ("ql_estimate_min", 8.0),
    ];
    for (name, value) in expect {
        assert_eq!(feature(name), value, "{name}");
    }
    // The rule itself: ahead × office service time ÷ active counters, before calibration.
    let point = feature("ahead_total") * feature("office_service_min") / feature("active_counters");
    assert!(point > 0.0);
    let model = ModelFile::load(&w.path("model.json")).unwrap();
    let q = model.predictor("zms_rule").unwrap().calibrator.quantiles(point, false);
    assert_eq!(p["remaining_min"], serde_json::to_value(q).unwrap());
}

/// The GBM's at-issue boosters fit the median of at-issue waits: its calibration keeps the
/// point as the median at issue; a rule keeps the median shift it learned.
#[test]
fn the_gbm_point_is_its_own_median_at_issue() {
    let w = with_model();
    let model = ModelFile::load(&w.path("model.json")).unwrap();
    let gbm = model.predictor("gbm").unwrap();
    assert!(gbm.model.fits_median_at_issue());
    assert!(gbm.calibrator.at_issue.residuals.iter().all(|r| r[1] == 0.0));
    let zms = model.predictor("zms_rule").unwrap();
    assert!(!zms.model.fits_median_at_issue());
    assert!(zms.calibrator.at_issue.residuals.iter().any(|r| r[1] != 0.0));
}

/// `predict` applies the replay's stale-ticket rule with the wait bound stored in the model:
/// a ticket never called and never voided counts as waiting until its issue plus the bound,
/// then no longer (it did for the rest of the day before, and set the oldest wait).
#[test]
fn predict_drops_a_stale_ticket_after_the_models_wait_bound() {
    let w = with_model();
    let model = ModelFile::load(&w.path("model.json")).unwrap();
    let bound_min = model.history.wait_bounds.bound_ms("neuss-mitte") / MIN;
    assert!((30..180).contains(&bound_min), "learned bound {bound_min} min");
    let base: Snapshot =
        serde_json::from_str(&std::fs::read_to_string(fixture("snapshot_small.json")).unwrap()).unwrap();
    let now = ms(&base.now);
    let with_old = |age_min: i64| {
        let mut snap = base.clone();
        snap.tickets.insert(
            0,
            SnapshotTicket {
                ticket_id: "A001".into(),
                service: "PA".into(),
                channel: "walk_in".into(),
                issued_at: format_rfc3339(now - age_min * MIN, DEFAULT_TZ),
                called_at: None,
                finished_at: None,
                counter: None,
                outcome: None,
            },
        );
        predict(&model, &snap, Some("zms_rule")).unwrap()
    };
    let feature = |p: &queuecast::model::predict::Prediction, name: &str| {
        p.features.iter().find(|f| f.0 == name).and_then(|f| f.1).unwrap()
    };
    let plain = predict(&model, &base, Some("zms_rule")).unwrap();
    // Within the bound the old ticket waits: one more ahead, and it is the oldest.
    let within = with_old(bound_min - 1);
    assert_eq!(feature(&within, "ahead_total"), feature(&plain, "ahead_total") + 1.0);
    assert_eq!(feature(&within, "waiting_total"), feature(&plain, "waiting_total") + 1.0);
    assert_eq!(feature(&within, "hol_min"), (bound_min - 1) as f64);
    // At the bound's very instant its leaving is not seen yet (like a call at `now`).
    assert_eq!(feature(&with_old(bound_min), "hol_min"), bound_min as f64);
    // Past the bound it has left: the answer is the one without it.
    for age in [bound_min + 1, 179] {
        let stale = with_old(age);
        // Equal up to the rounding of the running work-ahead sum (the ticket was added, then
        // taken out again).
        for ((name, a), (_, b)) in stale.features.iter().zip(&plain.features) {
            assert!((a.unwrap() - b.unwrap()).abs() < 1e-9, "age {age}: {name} {a:?} vs {b:?}");
        }
        assert_eq!(stale.remaining_min, plain.remaining_min);
    }
}

/// Runs a failing command: exit 1, nothing on stdout, one line on stderr that contains `needle`.
fn fails_with(w: &Workdir, args: &[&str], needle: &str) {
    let out = w.run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "queuecast {args:?}: {err}");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    let lines: Vec<&str> = err.trim_end().lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(needle), "'{needle}' in: {err}");
}

fn small_snapshot_for(w: &Workdir, ticket: &str) -> String {
    let mut snap: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("snapshot_small.json")).unwrap()).unwrap();
    snap["ticket_id"] = Value::from(ticket);
    let name = format!("snap-{ticket}.json");
    std::fs::write(w.path(&name), serde_json::to_vec(&snap).unwrap()).unwrap();
    name
}

#[test]
fn predict_errors_name_the_problem() {
    let w = with_model();
    let snap = small_snapshot_for(&w, "Z999");
    fails_with(
        &w,
        &["predict", "--model", "model.json", "--snapshot", &snap],
        "ticket Z999 is not in the snapshot",
    );
    // Called before now, called at now exactly, cancelled before now.
    for ticket in ["A011", "T005", "A014"] {
        let snap = small_snapshot_for(&w, ticket);
        let args = ["predict", "--model", "model.json", "--snapshot", &snap];
        fails_with(&w, &args, &format!("ticket {ticket} was already called or cancelled"));
    }
    let snap = fixture("snapshot_small.json");
    let args = ["predict", "--model", "model.json", "--snapshot", &snap, "--predictor", "oracle"];
    fails_with(&w, &args, "no predictor named oracle");
    // An office the model never saw, and a negative notice, are errors, not silent defaults.
    let mut edited: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    edited["office_id"] = Value::from("elsewhere");
    std::fs::write(w.path("elsewhere.json"), serde_json::to_vec(&edited).unwrap()).unwrap();
    fails_with(
        &w,
        &["predict", "--model", "model.json", "--snapshot", "elsewhere.json"],
        "office elsewhere is not known",
    );
    let mut edited: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    edited["notice_minutes"] = Value::from(-10.0);
    std::fs::write(w.path("negative.json"), serde_json::to_vec(&edited).unwrap()).unwrap();
    fails_with(&w, &["predict", "--model", "model.json", "--snapshot", "negative.json"], "notice_minutes");

    // A service code the model does not know, on any of today's tickets, is named.
    let mut edited: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    edited["tickets"][4]["service"] = Value::from("XX");
    std::fs::write(w.path("service.json"), serde_json::to_vec(&edited).unwrap()).unwrap();
    fails_with(
        &w,
        &["predict", "--model", "model.json", "--snapshot", "service.json"],
        "tickets[4].service: service 'XX' is not known to the model",
    );
    // The target drawn after `now`: said so, not "not in the snapshot".
    let mut edited: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    edited["now"] = Value::from("2025-02-11T09:51:00+01:00");
    std::fs::write(w.path("early.json"), serde_json::to_vec(&edited).unwrap()).unwrap();
    fails_with(
        &w,
        &["predict", "--model", "model.json", "--snapshot", "early.json"],
        "ticket A012 was issued at 2025-02-11T09:52:00+01:00, after the snapshot's now (2025-02-11T09:51:00+01:00)",
    );

    let mut model: Value = serde_json::from_slice(&shared().model).unwrap();
    assert_eq!(model["summary"]["timezone"], "Europe/Berlin");
    model["summary"]["timezone"] = Value::from("Mars/Olympus");
    std::fs::write(w.path("mars.json"), serde_json::to_vec(&model).unwrap()).unwrap();
    fails_with(
        &w,
        &["predict", "--model", "mars.json", "--snapshot", &snap],
        "unknown timezone 'Mars/Olympus'",
    );
    model["summary"]["timezone"] = Value::from("Europe/Berlin");
    model["format"] = Value::from(99);
    std::fs::write(w.path("old.json"), serde_json::to_vec(&model).unwrap()).unwrap();
    fails_with(&w, &["predict", "--model", "old.json", "--snapshot", &snap], "has format 99");
    model["format"] = Value::from(queuecast::model::file::MODEL_FORMAT);
    model["summary"]["features"][0] = Value::from("renamed");
    std::fs::write(w.path("other.json"), serde_json::to_vec(&model).unwrap()).unwrap();
    fails_with(&w, &["predict", "--model", "other.json", "--snapshot", &snap], "trained with other features");
    // The default predictor still works on the same snapshot.
    let out: Value =
        serde_json::from_str(&w.run_ok(&["predict", "--model", "model.json", "--snapshot", &snap])).unwrap();
    check_prediction(&out, ms("2025-02-11T10:00:00+01:00"));
    // The model's timezone reads the snapshot, whatever the settings at predict time say.
    std::fs::write(w.path("ny.toml"), "timezone = \"America/New_York\"\n").unwrap();
    let ny = w.run_ok(&["predict", "--config", "ny.toml", "--model", "model.json", "--snapshot", &snap]);
    assert_eq!(serde_json::from_str::<Value>(&ny).unwrap(), out);
}

/// Expected test-week counts from the log alone: called tickets (at issue) and all snapshots
/// (at issue, then every 5 minutes while waiting) of the last 7 days.
fn test_week_counts(log: &str) -> (usize, usize) {
    let rows = rows(log);
    let last = rows.iter().map(Row::date).max().unwrap();
    let first = last - Days::new(6);
    let (mut at_issue, mut snapshots) = (0, 0);
    for r in rows.iter().filter(|r| r.date() >= first && r.was_called()) {
        at_issue += 1;
        let (issued, called) = (ms(&r.issued), ms(r.called.as_deref().unwrap()));
        snapshots += 1 + (1..).take_while(|k| issued + k * SNAPSHOT_MIN * MIN < called).count();
    }
    (at_issue, snapshots)
}

/// Every `Metrics` object of one predictor's breakdown, with where it sits.
fn all_metrics(b: &Value) -> Vec<(String, &Value)> {
    let mut out: Vec<(String, &Value)> =
        ["overall", "at_issue", "later_snapshots"].iter().map(|k| (k.to_string(), &b[*k])).collect();
    for group in ["by_office", "by_hour", "by_queue_length"] {
        for (k, m) in b[group].as_object().unwrap() {
            out.push((format!("{group}.{k}"), m));
        }
    }
    out
}

/// Shares are shares and errors are errors, whatever the model predicted.
fn check_metrics_json(m: &Value, at: &str) {
    let f = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("{at}.{k} missing: {m}"));
    for share in ["coverage_p10_p90", "late_alarm_rate", "alarm_share", "within_5min"] {
        assert!((0.0..=1.0).contains(&f(share)), "{at}.{share} = {}", f(share));
    }
    for err in ["mae", "median_abs_error", "pinball_p10", "pinball_p50", "pinball_p90"] {
        assert!(f(err) >= 0.0, "{at}.{err} = {}", f(err));
    }
    assert!(f("rmse") >= f("mae") * (1.0 - 1e-12), "{at}: rmse {} < mae {}", f("rmse"), f("mae"));
}

fn f64s(df: &DataFrame, name: &str) -> Vec<f64> {
    let c = df.column(name).unwrap_or_else(|_| panic!("no column {name}"));
    c.f64().unwrap().iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

#[test]
fn backtest_writes_complete_consistent_outputs() {
    let log = &shared().log;
    let w = with_store(log);
    let out = w.run_ok(&["--config", "model.toml", "backtest", "--weeks", "1", "--out", "bt"]);
    let (at_issue, snapshots) = test_week_counts(log);

    let metrics: Value = serde_json::from_slice(&std::fs::read(w.path("bt/metrics.json")).unwrap()).unwrap();
    let predictors = metrics["predictors"].as_object().unwrap();
    let mut names: Vec<&str> = predictors.keys().map(String::as_str).collect();
    names.sort_unstable();
    let mut expected = PREDICTORS.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected);
    assert_eq!(metrics["folds"].as_array().unwrap().len(), 1);
    assert_eq!(metrics["folds"][0]["test_rows"], snapshots);
    for (name, b) in predictors {
        let n = |m: &Value| m["n"].as_u64().unwrap() as usize;
        assert_eq!(n(&b["at_issue"]), at_issue, "{name}: at-issue n");
        assert_eq!(n(&b["overall"]), snapshots, "{name}: overall n");
        assert_eq!(n(&b["at_issue"]) + n(&b["later_snapshots"]), snapshots, "{name}");
        for group in ["by_office", "by_hour", "by_queue_length"] {
            let sum: usize = b[group].as_object().unwrap().values().map(n).sum();
            assert_eq!(sum, snapshots, "{name}: {group} adds up");
        }
        assert_eq!(b["by_office"].as_object().unwrap().keys().collect::<Vec<_>>(), ["neuss-mitte"]);
        for (at, m) in all_metrics(b) {
            check_metrics_json(m, &format!("{name}.{at}"));
        }
    }

    let df =
        ParquetReader::new(std::fs::File::open(w.path("bt/predictions.parquet")).unwrap()).finish().unwrap();
    assert_eq!(df.height(), snapshots);
    let issue = df.column("at_issue").unwrap().bool().unwrap().sum().unwrap_or(0) as usize;
    assert_eq!(issue, at_issue);
    let actual = f64s(&df, "actual_min");
    assert!(actual.iter().all(|a| *a >= 0.0), "actual_min ≥ 0");
    for name in PREDICTORS {
        let (p10, p50, p90) = (
            f64s(&df, &format!("{name}_p10")),
            f64s(&df, &format!("{name}_p50")),
            f64s(&df, &format!("{name}_p90")),
        );
        for i in 0..df.height() {
            assert!(p10[i] <= p50[i] && p50[i] <= p90[i], "{name} row {i}: {} {} {}", p10[i], p50[i], p90[i]);
        }
    }

    assert!(out.contains(&format!("backtest: 1 weeks, {snapshots} test snapshots")), "{out}");
    for name in PREDICTORS {
        let table_rows: Vec<Vec<&str>> = out
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.first() == Some(&name))
            .collect();
        assert_eq!(table_rows.len(), 2, "{name}: a row at issue and over all snapshots:\n{out}");
        assert_eq!(table_rows[0][1], at_issue.to_string());
        assert_eq!(table_rows[1][1], snapshots.to_string());
    }
}

fn quantiles() -> impl Strategy<Value = Quantiles> {
    (0.0..120.0, 0.0..30.0, 0.0..30.0, 0.0..60.0, 0.0..1.0f64).prop_map(|(alarm, a, b, c, cross)| {
        let q = Quantiles { alarm, p10: alarm + a, p50: alarm + a + b, p90: alarm + a + b + c };
        // A share of crossing quantiles: the properties may not lean on a well-behaved model.
        if cross < 0.2 { Quantiles { p10: q.p90, p90: q.p10, ..q } } else { q }
    })
}

proptest! {
    /// Coverage and late-alarm rate are shares, errors are non-negative and RMSE ≥ MAE for any
    /// predictions at all.
    #[test]
    fn metrics_stay_in_range_for_any_predictions(
        pairs in proptest::collection::vec((0.0..200.0f64, quantiles()), 1..60),
        notice in 0.0..30.0f64,
    ) {
        let (actual, q): (Vec<f64>, Vec<Quantiles>) = pairs.into_iter().unzip();
        let m = metrics(&actual, &q, notice);
        let json = serde_json::to_value(&m).unwrap();
        check_metrics_json(&json, "metrics");
        prop_assert_eq!(m.n, actual.len());
    }
}
