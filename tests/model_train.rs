//! `train`'s quality gate, its calibration days, the model file it writes, and `evaluate`,
//! through the binary on a small simulated office (42 days from 2025-01-01, seed 2025).

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use polars::prelude::*;
use queuecast::model::dataset::{FEATURES, feature};
use queuecast::model::file::ModelFile;
use queuecast::model::predict::{Snapshot, SnapshotTicket, predict};
use queuecast::settings::Settings;
use serde_json::Value;
use util::Workdir;

/// The store in the work dir, and a smaller GBM sample so that debug-built fits stay quick.
const CONFIG: &str = "[store]\npath = \"store\"\n\n[model]\ngbm_max_rows = 5000\n";
const PREDICTORS: [&str; 8] =
    ["zms_rule", "historical_mean", "les", "hol", "queue_length", "fluid", "linear", "gbm"];

fn log() -> &'static str {
    static LOG: OnceLock<String> = OnceLock::new();
    LOG.get_or_init(|| {
        let w = Workdir::new();
        w.run_ok(&["simulate", "--out", "log.csv", "--days", "42", "--offices", "1"]);
        std::fs::read_to_string(w.path("log.csv")).unwrap()
    })
}

/// A work dir with `config.toml` (the base settings plus `extra` under `[model]`) and a
/// store holding `log`.
fn with_store(log: &str, extra: &str) -> Workdir {
    let w = Workdir::new();
    std::fs::write(w.path("config.toml"), format!("{CONFIG}{extra}")).unwrap();
    std::fs::write(w.path("log.csv"), log).unwrap();
    w.run_ok(&["--config", "config.toml", "ingest", "log.csv"]);
    w
}

fn set_config(w: &Workdir, extra: &str) {
    std::fs::write(w.path("config.toml"), format!("{CONFIG}{extra}")).unwrap();
}

fn json(w: &Workdir, rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(w.path(rel)).unwrap()).unwrap()
}

/// Local date of each log line (the log writes instants with the office's own offset).
fn date_of(line: &str) -> NaiveDate {
    line.split(',').nth(4).unwrap()[..10].parse().unwrap()
}

/// Runs a refused `train`: exit 4, nothing on stdout, one line on stderr containing `needle`;
/// the model file keeps its bytes.
fn refused(w: &Workdir, needle: &str) {
    let before = std::fs::read(w.path("model.json")).unwrap();
    let out = w.run(&["--config", "config.toml", "train", "--out", "model.json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    let lines: Vec<&str> = err.trim_end().lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(lines[0].starts_with("error: model refused: "), "{err}");
    assert!(lines[0].contains(needle), "'{needle}' in: {err}");
    assert!(lines[0].ends_with("; model.json kept"), "{err}");
    assert_eq!(std::fs::read(w.path("model.json")).unwrap(), before, "the old model file stays");
}

#[test]
fn the_gate_refuses_a_bad_model_and_keeps_the_old_file() {
    let w = with_store(log(), "");
    let out = w.run_ok(&["--config", "config.toml", "train", "--out", "model.json"]);
    assert!(out.contains("gate: MAE at issue"), "{out}");
    let first = json(&w, "model.json");
    let gate = &first["summary"]["gate"];
    assert_eq!(gate["current"], "none");
    assert!(gate["mae_new"].as_f64().unwrap() < gate["mae_zms"].as_f64().unwrap(), "{gate}");

    // One tiny tree of squared loss: next to the constant mean (calibrated, it still beats the
    // ZMS rule in this office), much worse than the model it would replace. (With absolute loss
    // it would sit at the median, whose share of the variance is below 0: caught as collapsed.)
    // Not blended: the at-issue boosters' second fit starts from the queue replay, good alone.
    set_config(
        &w,
        "gbm_max_trees = 1\ngbm_learning_rate = 0.01\ngbm_min_r2 = 0.0\ngbm_loss = \"squared\"\n\
         gbm_at_issue_blend = false\n",
    );
    refused(&w, "more than 25 % worse than the current model's");
    // A GBM explaining less than the wanted share of the held-out variance has collapsed.
    set_config(&w, "gbm_min_r2 = 0.99\n");
    refused(&w, "the GBM collapsed: it explains");

    // The same settings again: the model at --out is scored on the new calibration days and
    // is the same model as the new one refitted with them, so they score the same.
    set_config(&w, "");
    w.run_ok(&["--config", "config.toml", "train", "--out", "model.json"]);
    let second = json(&w, "model.json");
    let gate = &second["summary"]["gate"];
    assert_eq!(gate["current"], format!("trained to {}", first["summary"]["trained_to"].as_str().unwrap()));
    assert_eq!(gate["mae_current"], gate["mae_new_refit"]);
    assert!(gate["mae_current"].is_f64(), "{gate}");
    assert_eq!(second["predictors"], first["predictors"]);
}

#[test]
fn calibration_skips_closures_and_a_quiet_day() {
    // Thin out the third-last open day to a fifth of its tickets.
    let lines: Vec<&str> = log().lines().collect();
    let dates: BTreeSet<NaiveDate> = lines[1..].iter().map(|l| date_of(l)).collect();
    let quiet = *dates.iter().rev().nth(2).unwrap();
    let mut kept = 0;
    let thinned: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            *i == 0 || date_of(l) != quiet || {
                kept += 1;
                kept % 5 == 0
            }
        })
        .map(|(_, l)| *l)
        .collect();
    let w = with_store(&(thinned.join("\n") + "\n"), "");
    w.run_ok(&["--config", "config.toml", "train", "--out", "model.json"]);
    let m = json(&w, "model.json");
    let days: Vec<NaiveDate> = m["summary"]["calibration_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().parse().unwrap())
        .collect();

    // The expected days (`model.calibration_days`, the default, but at most half of the open
    // days: on this short log the half binds), recomputed from the log: going back from the last
    // day, every day with tickets and at least 0.75 × the median count of its weekday's days in
    // the 8 weeks before (all days count as normal while fewer than two such days exist), the
    // first day never.
    let mut daily: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for l in &thinned[1..] {
        *daily.entry(date_of(l)).or_default() += 1;
    }
    let default_days = Settings::default().model.calibration_days as usize;
    let days_wanted = default_days.min(daily.len() / 2);
    assert!(days_wanted < default_days && days_wanted >= 14, "{} open days", daily.len());
    let first = *daily.keys().next().unwrap();
    let mut expected = Vec::new();
    for (&d, &n) in daily.iter().rev() {
        if expected.len() == days_wanted || d == first {
            break;
        }
        let mut same: Vec<usize> = daily
            .iter()
            .filter(|(x, _)| **x < d && (d - **x).num_days() <= 56 && x.weekday() == d.weekday())
            .map(|(_, c)| *c)
            .collect();
        same.sort_unstable();
        let k = same.len();
        let median = if k % 2 == 1 {
            same.get(k / 2).map(|&c| c as f64)
        } else {
            Some((same[k / 2 - 1] + same[k / 2]) as f64 / 2.0)
        };
        if k < 2 || n as f64 >= 0.75 * median.unwrap_or(0.0) {
            expected.push(d);
        }
    }
    expected.reverse();
    assert_eq!(days, expected);
    assert_eq!(days.len(), days_wanted);
    assert!(!days.contains(&quiet), "the quiet day {quiet} calibrates");
    // Closures (Sundays, New Year's Day) hold no tickets and never calibrate.
    assert!(days.iter().all(|d| d.weekday() != Weekday::Sun), "{days:?}");
    assert!((days[days_wanted - 1] - days[0]).num_days() > days_wanted as i64, "{days:?}");
    assert_eq!(
        m["summary"]["calibration_rows"].as_u64().unwrap() as usize,
        m["summary"]["alarm"]["tickets"].as_u64().unwrap() as usize + later_snapshots(&thinned, &days)
    );
}

/// Later (not at issue) training snapshots of the called tickets drawn on `days`.
fn later_snapshots(lines: &[&str], days: &[NaiveDate]) -> usize {
    let ms = |s: &str| queuecast::timezones::parse_rfc3339(s).unwrap();
    lines[1..]
        .iter()
        .filter(|l| days.contains(&date_of(l)))
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[8] == "served" || f[8] == "no_show")
        .map(|f| {
            let wait = ms(f[5]) - ms(f[4]);
            if wait > 0 { ((wait - 1) / 300_000) as usize } else { 0 }
        })
        .sum()
}

#[test]
fn the_model_file_reads_back_bit_for_bit_and_opens_with_its_summary() {
    let w = with_store(log(), "");
    w.run_ok(&["--config", "config.toml", "train", "--out", "model.json"]);
    let bytes = std::fs::read(w.path("model.json")).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.starts_with(&format!(
            "{{\n\"format\": {},\n\"summary\": {{\n  \"queuecast_version\": ",
            queuecast::model::file::MODEL_FORMAT
        )),
        "{}",
        &text[..80]
    );
    let summary_end = text.find(",\n\"settings\": ").unwrap();
    for key in
        ["\"features\"", "\"trained_from\"", "\"calibration_days\"", "\"gbm\"", "\"alarm\"", "\"gate\""]
    {
        assert!(text[..summary_end].contains(key), "{key} in the summary");
    }
    let model = ModelFile::load(&w.path("model.json")).unwrap();
    assert_eq!(model.to_bytes().unwrap(), bytes);
    let gbm = model.summary.gbm.as_ref().unwrap();
    assert!(gbm.trees > 0 && gbm.leaves > gbm.trees && gbm.valid_r2 > 0.3, "{gbm:?}");

    // A damaged tree (a child pointing outside the nodes) is an error naming the file.
    let mut v: Value = serde_json::from_slice(&bytes).unwrap();
    let gbm_at = PREDICTORS.iter().position(|p| *p == "gbm").unwrap();
    v["predictors"][gbm_at]["predictor"]["model"]["gbm"]["forest"]["left"][0] = Value::from(1_000_000);
    std::fs::write(w.path("damaged.json"), serde_json::to_vec(&v).unwrap()).unwrap();
    let err = ModelFile::load(&w.path("damaged.json")).unwrap_err();
    assert!(err.to_string().contains("damaged.json holds damaged trees"), "{err}");
    // So is an at-issue booster starting from a feature the model does not have.
    let mut v: Value = serde_json::from_slice(&bytes).unwrap();
    let anchor = &mut v["predictors"][gbm_at]["predictor"]["model"]["gbm"]["at_issue"]["anchor"];
    assert_eq!(
        anchor["feature"],
        Value::from(feature("fluid_call_min")),
        "the blend starts from fluid_call_min"
    );
    let n = FEATURES.len();
    anchor["feature"] = Value::from(n);
    std::fs::write(w.path("damaged.json"), serde_json::to_vec(&v).unwrap()).unwrap();
    let err = ModelFile::load(&w.path("damaged.json")).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("damaged.json starts a booster from feature {n}, but there are {n}")),
        "{err}"
    );
}

fn strings(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name).unwrap().str().unwrap().iter().map(|v| v.unwrap_or_default().to_string()).collect()
}

fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name).unwrap_or_else(|_| panic!("no {name}")).f64().unwrap().iter().collect()
}

#[test]
fn evaluate_scores_a_model_file_as_the_backtest_and_predict_do() {
    let w = with_store(log(), "");
    w.run_ok(&["--config", "config.toml", "train", "--out", "model.json"]);
    let dates: BTreeSet<NaiveDate> = log().lines().skip(1).map(date_of).collect();
    let to = *dates.iter().next_back().unwrap();
    let from = to - chrono::Days::new(6);
    let (f, t) = (from.to_string(), to.to_string());
    let args = [
        "--config",
        "config.toml",
        "evaluate",
        "--model",
        "model.json",
        "--from",
        &f,
        "--to",
        &t,
        "--out",
        "ev",
    ];
    let out = w.run_ok(&args);
    assert!(out.contains("evaluated model.json"), "{out}");

    // Called tickets of the week, at issue: the metrics count them, the table prints them.
    let at_issue = log()
        .lines()
        .skip(1)
        .filter(|l| (from..=to).contains(&date_of(l)) && (l.ends_with(",served") || l.ends_with(",no_show")))
        .count();
    let metrics = json(&w, "ev/metrics.json");
    assert_eq!(metrics["source"]["command"], "evaluate");
    for name in PREDICTORS {
        assert_eq!(metrics["predictors"][name]["at_issue"]["n"], at_issue, "{name}");
        let row: Vec<&str> =
            out.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap().split_whitespace().collect();
        assert_eq!(row[1], at_issue.to_string(), "{name}");
    }

    let df =
        ParquetReader::new(std::fs::File::open(w.path("ev/predictions.parquet")).unwrap()).finish().unwrap();
    let actual: Vec<f64> = floats(&df, "actual_min").into_iter().map(Option::unwrap).collect();
    for name in PREDICTORS {
        // The late-alarm rate recomputed from the rows: offered where alarm_at is set, late
        // where the call came less than the notice after it.
        let alarm = floats(&df, &format!("{name}_alarm_at"));
        let offered: Vec<usize> = (0..df.height()).filter(|&i| alarm[i].is_some()).collect();
        let late = offered.iter().filter(|&&i| actual[i] < alarm[i].unwrap() + 10.0).count();
        let m = &metrics["predictors"][name]["overall"];
        assert_eq!(m["alarm_share"].as_f64().unwrap(), offered.len() as f64 / df.height() as f64, "{name}");
        let rate = if offered.is_empty() { 0.0 } else { late as f64 / offered.len() as f64 };
        assert_eq!(m["late_alarm_rate"].as_f64().unwrap(), rate, "{name}");
        assert!(offered.iter().all(|&i| alarm[i].unwrap() > 0.0));
    }

    // One prediction path: the GBM row of a ticket at its issue equals what `predict` answers
    // for that ticket at that instant, given the whole logged day.
    let ids = strings(&df, "ticket_id");
    let at_issue_col: Vec<bool> =
        df.column("at_issue").unwrap().bool().unwrap().iter().map(|v| v.unwrap()).collect();
    let i = (0..df.height()).rev().find(|&i| at_issue_col[i] && actual[i] > 15.0).expect("a long wait");
    let day: NaiveDate = df
        .column("local_date")
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .get(i)
        .unwrap()
        .parse()
        .unwrap();
    let tickets: Vec<SnapshotTicket> = log()
        .lines()
        .skip(1)
        .filter(|l| date_of(l) == day)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
            SnapshotTicket {
                ticket_id: f[1].into(),
                service: f[2].into(),
                channel: f[3].into(),
                issued_at: f[4].into(),
                called_at: opt(f[5]),
                finished_at: opt(f[6]),
                counter: opt(f[7]),
                outcome: Some(f[8].into()),
            }
        })
        .collect();
    let issued = tickets.iter().find(|t| t.ticket_id == ids[i]).unwrap().issued_at.clone();
    let snap = Snapshot {
        office_id: strings(&df, "office_id")[i].clone(),
        now: issued,
        ticket_id: ids[i].clone(),
        notice_minutes: None,
        tickets,
    };
    let model = ModelFile::load(&w.path("model.json")).unwrap();
    let p = predict(&model, &snap, None).unwrap();
    assert_eq!(Some(p.remaining_min.p50), floats(&df, "gbm_p50")[i]);
    assert_eq!(Some(p.remaining_min.p90), floats(&df, "gbm_p90")[i]);

    // Outside the stored days: an error naming the range.
    let out = w.run(&[
        "--config",
        "config.toml",
        "evaluate",
        "--model",
        "model.json",
        "--from",
        "2030-01-01",
        "--to",
        "2030-01-07",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tickets from 2030-01-01 to 2030-01-07"));
}

#[test]
fn backtest_predictions_carry_the_alarm_minute() {
    let w = with_store(log(), "");
    w.run_ok(&["--config", "config.toml", "backtest", "--weeks", "1", "--out", "bt"]);
    let df =
        ParquetReader::new(std::fs::File::open(w.path("bt/predictions.parquet")).unwrap()).finish().unwrap();
    let metrics = json(&w, "bt/metrics.json");
    assert_eq!(metrics["source"]["command"], "backtest");
    for name in PREDICTORS {
        let alarm = floats(&df, &format!("{name}_alarm_at"));
        let p10 = floats(&df, &format!("{name}_p10"));
        let offered = alarm.iter().filter(|a| a.is_some()).count() as f64 / df.height() as f64;
        assert_eq!(
            offered,
            metrics["predictors"][name]["overall"]["alarm_share"].as_f64().unwrap(),
            "{name}"
        );
        // The alarm rings at least the notice before p10.
        for (a, p) in alarm.iter().zip(&p10) {
            if let Some(a) = a {
                assert!(*a + 10.0 <= p.unwrap() + 1e-9, "{name}: alarm {a}, p10 {p:?}");
            }
        }
    }
}

#[test]
fn the_refit_adds_the_calibration_days_and_keeps_the_calibration() {
    // A snapshot only at issue (the next one would be 1 000 min later) and room for every one:
    // the refit fits on exactly the calibration days' snapshots more.
    let config = |refit: bool| {
        let base = CONFIG.replace("gbm_max_rows = 5000", "gbm_max_rows = 100000");
        format!("{base}snapshot_minutes = 1000.0\nrefit_with_calibration_days = {refit}\n")
    };
    let w = with_store(log(), "");
    std::fs::write(w.path("config.toml"), config(false)).unwrap();
    w.run_ok(&["--config", "config.toml", "train", "--out", "once.json"]);
    std::fs::write(w.path("config.toml"), config(true)).unwrap();
    w.run_ok(&["--config", "config.toml", "train", "--out", "refit.json"]);
    let (once, refit) = (json(&w, "once.json"), json(&w, "refit.json"));
    assert_eq!(once["settings"]["refit_with_calibration_days"], Value::Bool(false));
    assert_eq!(refit["settings"]["refit_with_calibration_days"], Value::Bool(true));
    let rows = |m: &Value, k: &str| m["summary"][k].as_u64().unwrap();
    assert!(rows(&once, "calibration_rows") > 1000, "{}", once["summary"]);
    assert_eq!(
        rows(&refit, "train_rows"),
        rows(&once, "train_rows") + rows(&refit, "calibration_rows"),
        "{} {}",
        once["summary"],
        refit["summary"]
    );
    // The calibration, its figures and the gate's MAE are those of the fit that did not see
    // the calibration days; the collapse check is the written GBM's own (its held-out days);
    // the point models and the history learned from the calibration days too.
    for k in ["calibration_days", "calibration_rows", "alarm"] {
        assert_eq!(once["summary"][k], refit["summary"][k], "{k}");
    }
    let mut gate = refit["summary"]["gate"].clone();
    assert_eq!(gate["gbm_r2"], refit["summary"]["gbm"]["valid_r2"]);
    assert_eq!(once["summary"]["gate"]["gbm_r2"], once["summary"]["gbm"]["valid_r2"]);
    gate["gbm_r2"] = once["summary"]["gate"]["gbm_r2"].clone();
    // Only the refitted model has a score of its own on the days it was refitted with.
    assert!(gate["mae_new_refit"].is_f64() && once["summary"]["gate"]["mae_new_refit"].is_null());
    gate["mae_new_refit"] = Value::Null;
    assert_eq!(gate, once["summary"]["gate"]);
    for (a, b) in once["predictors"].as_array().unwrap().iter().zip(refit["predictors"].as_array().unwrap()) {
        assert_eq!(a["predictor"]["calibrator"], b["predictor"]["calibrator"], "{}", a["name"]);
    }
    let gbm = PREDICTORS.iter().position(|p| *p == "gbm").unwrap();
    assert_ne!(once["predictors"][gbm]["predictor"]["model"], refit["predictors"][gbm]["predictor"]["model"]);
    assert_ne!(once["history"]["office_mean_wait"], refit["history"]["office_mean_wait"]);
}

#[test]
fn the_alarm_rings_at_the_margin_the_file_records() {
    let w = with_store(log(), "alarm_margin = 1.0\n");
    let out = w.run_ok(&["--config", "config.toml", "train", "--out", "full.json"]);
    assert!(out.contains("rung at 1 of the calibrated alarm"), "{out}");
    set_config(&w, "");
    let out = w.run_ok(&["--config", "config.toml", "train", "--out", "margin.json"]);
    assert!(out.contains("rung at 0.85 of the calibrated alarm"), "{out}");
    let (full, margin) = (json(&w, "full.json"), json(&w, "margin.json"));
    assert_eq!(full["summary"]["alarm"]["margin"], 1.0);
    assert_eq!(margin["summary"]["alarm"]["margin"], 0.85);
    // The same fits and calibration; only the margin differs, and it offers no more alarms.
    for (a, b) in full["predictors"].as_array().unwrap().iter().zip(margin["predictors"].as_array().unwrap())
    {
        assert_eq!(a["predictor"]["model"], b["predictor"]["model"], "{}", a["name"]);
        let (mut ca, cb) = (a["predictor"]["calibrator"].clone(), &b["predictor"]["calibrator"]);
        assert_eq!((&ca["alarm_margin"], &cb["alarm_margin"]), (&Value::from(1.0), &Value::from(0.85)));
        ca["alarm_margin"] = cb["alarm_margin"].clone();
        assert_eq!(&ca, cb, "{}", a["name"]);
    }
    let share = |m: &Value| m["summary"]["alarm"]["offered_share"].as_f64().unwrap();
    assert!(share(&margin) <= share(&full), "{} {}", share(&margin), share(&full));
    assert!(share(&full) > 0.0, "the fixture offers alarms: {}", full["summary"]["alarm"]);
}

#[test]
fn the_row_cap_grows_with_the_offices_of_the_window() {
    // Two offices and a cap of 2 000 snapshots meant for one office: the cap doubles. The
    // snapshots built are those of both boosters' quotas, 1.4 × the cap (README, "Training cost").
    let w = Workdir::new();
    w.run_ok(&["simulate", "--out", "log.csv", "--days", "42", "--offices", "2"]);
    let w = with_store(&std::fs::read_to_string(w.path("log.csv")).unwrap(), "");
    let rows = |offices: usize| {
        let base = CONFIG.replace("gbm_max_rows = 5000", "gbm_max_rows = 2000");
        std::fs::write(w.path("config.toml"), format!("{base}gbm_max_rows_offices = {offices}\n")).unwrap();
        let out = format!("model-{offices}.json");
        w.run_ok(&["--config", "config.toml", "train", "--out", &out]);
        let m = json(&w, &out);
        let gbm = |k: &str| {
            m["summary"][k]["fit_rows"].as_u64().unwrap() + m["summary"][k]["valid_rows"].as_u64().unwrap()
        };
        (m["summary"]["train_rows"].as_u64().unwrap(), gbm("gbm"))
    };
    assert_eq!(rows(0), (2800, 2000), "0: the cap never grows");
    assert_eq!(rows(2), (2800, 2000), "two offices are what the cap is meant for");
    assert_eq!(rows(1), (5600, 4000));
}

#[test]
fn the_alarm_never_rings_after_the_queue_replay_expects_the_call() {
    let w = with_store(log(), "");
    w.run_ok(&["--config", "config.toml", "train", "--out", "capped.json"]);
    // The same model as a file written before the cap: the flag left out.
    let mut old = json(&w, "capped.json");
    for p in old["predictors"].as_array_mut().unwrap() {
        let c = p["predictor"]["calibrator"].as_object_mut().unwrap();
        assert_eq!(c.remove("replay_cap"), Some(Value::Bool(true)), "{}", p["name"]);
    }
    std::fs::write(w.path("old.json"), serde_json::to_vec(&old).unwrap()).unwrap();
    let dates: BTreeSet<NaiveDate> = log().lines().skip(1).map(date_of).collect();
    let to = *dates.iter().next_back().unwrap();
    let (f, t) = ((to - chrono::Days::new(20)).to_string(), to.to_string());
    let frame = |model: &str, out: &str| {
        w.run_ok(&[
            "--config",
            "config.toml",
            "evaluate",
            "--model",
            model,
            "--from",
            &f,
            "--to",
            &t,
            "--out",
            out,
        ]);
        ParquetReader::new(std::fs::File::open(w.path(&format!("{out}/predictions.parquet"))).unwrap())
            .finish()
            .unwrap()
    };
    let (capped, uncapped) = (frame("capped.json", "ev-capped"), frame("old.json", "ev-old"));
    assert_eq!(capped.height(), uncapped.height());
    let mut moved = 0;
    for name in PREDICTORS {
        // The quantiles are the same; the alarm only ever comes sooner, or is not offered.
        for q in ["p10", "p50", "p90"] {
            let col = format!("{name}_{q}");
            assert_eq!(floats(&capped, &col), floats(&uncapped, &col), "{col}");
        }
        let col = format!("{name}_alarm_at");
        for (c, u) in floats(&capped, &col).into_iter().zip(floats(&uncapped, &col)) {
            match (c, u) {
                (Some(c), Some(u)) => {
                    assert!(c <= u, "{name}: {c} after {u}");
                    moved += usize::from(c < u);
                }
                (None, Some(_)) => moved += 1,
                (Some(c), None) => panic!("{name}: an alarm at {c} the uncapped model did not offer"),
                (None, None) => {}
            }
        }
    }
    assert!(moved > 0, "the fixture has alarms the replay brings forward");
}
