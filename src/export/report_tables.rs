//! Tables the planners' report (`queuecast report`) reads that no stage writes on its own:
//! the arrival backtest's scored days (forecast vs actual), the model's backtest summary, and
//! the store's data quality (ingest counts, quarantine by reason, unknown service codes).
//! Aggregates only, suppressed like the other tables.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use crate::export::report::ModelCard;
use crate::export::tables::{CountOf, suppress_csv};
use crate::export::{ExportError, GenerationWriter, io_err};
use crate::forecast::arrival_backtest::ArrivalBacktest;
use crate::store::Store;
use crate::store::manifest::Manifest;

/// Version of the layout of these files.
pub const REPORT_TABLES_VERSION: u32 = 1;
/// Name of the scored-days table in the generation.
pub const BACKTEST_DAYS: &str = "tables/forecast/arrival_backtest_days.csv";
/// Name of the model backtest summary in the generation (only when the model has one).
pub const MODEL_BACKTEST: &str = "tables/model/backtest.json";
/// Name of the data-quality summary in the generation.
pub const DATA_QUALITY: &str = "tables/quality/data_quality.json";
/// Breakdown entries (hours, offices, prediction bins) with fewer test snapshots are left out
/// of the model summary: too few to read, and a handful of snapshots can be one ticket.
pub const MIN_MODEL_SNAPSHOTS: u64 = 100;

/// Adds the three files; returns (name, rows) of the table files.
pub fn add_report_tables(
    g: &mut GenerationWriter,
    store: &Store,
    backtest: &ArrivalBacktest,
    card: &ModelCard,
    k: u32,
) -> Result<Vec<(String, u64)>, ExportError> {
    let mut rows = Vec::new();
    let text = backtest_days_csv(backtest).map_err(|message| table_err(BACKTEST_DAYS, message))?;
    let keys = ["office_id", "date", "method", "horizon_days"];
    let (text, n) = suppress_csv(&text, &keys, CountOf::Column("actual"), k)
        .map_err(|message| table_err(BACKTEST_DAYS, message))?;
    g.add_bytes(BACKTEST_DAYS, text.as_bytes())?;
    g.set_rows(BACKTEST_DAYS, n as u64)?;
    rows.push((BACKTEST_DAYS.to_string(), n as u64));
    if let Some(summary) = &card.backtest {
        let doc = json!({
            "schema_version": REPORT_TABLES_VERSION,
            "min_snapshots": MIN_MODEL_SNAPSHOTS,
            "card": card.card,
            "backtest": prune_small(summary.clone()),
        });
        g.add_json(MODEL_BACKTEST, &doc)?;
    }
    g.add_json(DATA_QUALITY, &data_quality(store)?)?;
    Ok(rows)
}

fn table_err(name: &str, message: String) -> ExportError {
    ExportError::Table { path: name.into(), message }
}

/// One row of [`BACKTEST_DAYS`].
#[derive(Debug, Serialize)]
struct DayRow<'a> {
    office_id: &'a str,
    date: chrono::NaiveDate,
    method: &'static str,
    horizon_days: u32,
    expected: f64,
    actual: f64,
}

/// The scored days as CSV (expected rounded to 2 decimals).
fn backtest_days_csv(b: &ArrivalBacktest) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for d in &b.days {
        w.serialize(DayRow {
            office_id: &d.office_id,
            date: d.date,
            method: d.method.as_str(),
            horizon_days: d.horizon_days,
            expected: (d.expected * 100.0).round() / 100.0,
            actual: d.actual,
        })
        .map_err(|e| e.to_string())?;
    }
    if b.days.is_empty() {
        w.write_record(["office_id", "date", "method", "horizon_days", "expected", "actual"])
            .map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// Removes breakdown entries with fewer than [`MIN_MODEL_SNAPSHOTS`] snapshots from every
/// predictor's `by_office`, `by_hour` and `predicted_vs_actual`.
fn prune_small(mut summary: Value) -> Value {
    let small = |v: &Value| v.get("n").and_then(Value::as_u64).is_some_and(|n| n < MIN_MODEL_SNAPSHOTS);
    if let Some(predictors) = summary.get_mut("predictors").and_then(Value::as_object_mut) {
        for p in predictors.values_mut() {
            for key in ["by_office", "by_hour"] {
                if let Some(map) = p.get_mut(key).and_then(Value::as_object_mut) {
                    map.retain(|_, v| !small(v));
                }
            }
            if let Some(bins) = p.get_mut("predicted_vs_actual").and_then(Value::as_array_mut) {
                bins.retain(|v| !small(v));
            }
        }
    }
    summary
}

/// One ingested file of the store manifest (file name only: no local paths leave the store).
#[derive(Debug, Serialize)]
struct QualityFile {
    file: String,
    rows_read: u64,
    stored: u64,
    duplicates: u64,
    quarantined: u64,
    office_days: u64,
    last_ingested_at: String,
}

/// The store's data quality: ingest counts per file and in total (read = stored + duplicates +
/// quarantined), quarantined rows by reason, and the unknown service codes among them.
fn data_quality(store: &Store) -> Result<Value, ExportError> {
    let manifest_path = store.manifest_path();
    let manifest = Manifest::load(&manifest_path)
        .map_err(|e| ExportError::Manifest { path: manifest_path.clone(), message: e.to_string() })?;
    let files: Vec<QualityFile> = manifest
        .files
        .iter()
        .map(|f| QualityFile {
            file: Path::new(&f.file).file_name().map_or(f.file.clone(), |n| n.to_string_lossy().into_owned()),
            rows_read: f.rows_read,
            stored: f.stored,
            duplicates: f.duplicates,
            quarantined: f.quarantined,
            office_days: f.office_days,
            last_ingested_at: f.last_ingested_at.clone(),
        })
        .collect();
    let sum = |pick: fn(&QualityFile) -> u64| files.iter().map(pick).sum::<u64>();
    let (reasons, unknown) = quarantine_counts(&store.quarantine_dir())?;
    let count_list = |m: BTreeMap<String, u64>, key: &str| -> Vec<Value> {
        m.into_iter().map(|(name, rows)| json!({ key: name, "rows": rows })).collect()
    };
    Ok(json!({
        "schema_version": REPORT_TABLES_VERSION,
        "files": files,
        "totals": {
            "rows_read": sum(|f| f.rows_read),
            "stored": sum(|f| f.stored),
            "duplicates": sum(|f| f.duplicates),
            "quarantined": sum(|f| f.quarantined),
        },
        "quarantine_by_reason": count_list(reasons, "reason"),
        "unknown_services": count_list(unknown, "code"),
    }))
}

/// Counts the rows of every quarantine file by reason, and the unknown service codes (the
/// quoted value in the message of an `unknown_service` row).
type Counts = BTreeMap<String, u64>;
fn quarantine_counts(dir: &Path) -> Result<(Counts, Counts), ExportError> {
    let (mut reasons, mut unknown) = (Counts::new(), Counts::new());
    if !dir.is_dir() {
        return Ok((reasons, unknown));
    }
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    paths.sort();
    for path in paths {
        let mut r = csv::Reader::from_path(&path).map_err(|e| quarantine_err(&path, e))?;
        let header = r.headers().map_err(|e| quarantine_err(&path, e))?.clone();
        let col = |name: &str| header.iter().position(|h| h == name);
        let (Some(reason), Some(message)) = (col("reason"), col("message")) else {
            return Err(ExportError::Table { path, message: "no reason or message column".into() });
        };
        for rec in r.records() {
            let rec = rec.map_err(|e| quarantine_err(&path, e))?;
            let code = rec.get(reason).unwrap_or("").to_string();
            if code == "unknown_service" {
                let m = rec.get(message).unwrap_or("");
                if let Some(value) = m.split('\'').nth(1).filter(|v| v.len() <= 32) {
                    *unknown.entry(value.to_string()).or_default() += 1;
                }
            }
            *reasons.entry(code).or_default() += 1;
        }
    }
    Ok((reasons, unknown))
}

fn quarantine_err(path: &Path, e: csv::Error) -> ExportError {
    ExportError::Table { path: path.to_path_buf(), message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::arrival_backtest::BacktestDay;
    use crate::forecast::arrivals::Method;

    #[test]
    fn scored_days_round_and_small_days_are_suppressed() {
        let day = |actual| BacktestDay {
            office_id: "a".into(),
            date: chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
            method: Method::Model,
            horizon_days: 7,
            expected: 10.126,
            actual,
        };
        let b = ArrivalBacktest {
            first_origin: None,
            last_origin: None,
            origins: 0,
            rows: vec![],
            choices: vec![],
            days: vec![day(12.0), day(3.0)],
        };
        let text = backtest_days_csv(&b).unwrap();
        assert_eq!(
            text,
            "office_id,date,method,horizon_days,expected,actual\na,2025-03-03,model,7,10.13,12.0\na,2025-03-03,model,7,10.13,3.0\n"
        );
        let (out, _) = suppress_csv(
            &text,
            &["office_id", "date", "method", "horizon_days"],
            CountOf::Column("actual"),
            5,
        )
        .unwrap();
        assert!(out.ends_with("a,2025-03-03,model,7,,,true\n"), "{out}");
    }

    #[test]
    fn small_breakdowns_are_pruned() {
        let v = json!({"predictors": {"gbm": {
            "by_hour": {"7": {"n": 99}, "8": {"n": 100}},
            "by_office": {"x": {"n": 5}},
            "predicted_vs_actual": [{"n": 1}, {"n": 500}],
        }}});
        let p = prune_small(v);
        assert_eq!(p["predictors"]["gbm"]["by_hour"], json!({"8": {"n": 100}}));
        assert_eq!(p["predictors"]["gbm"]["by_office"], json!({}));
        assert_eq!(p["predictors"]["gbm"]["predicted_vs_actual"], json!([{"n": 500}]));
    }

    #[test]
    fn quarantine_reasons_and_unknown_codes_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("x-abc.csv"),
            "source_file,line,reason,field,message,raw\n\
             x.csv,3,blank_line,,blank line,\n\
             x.csv,4,unknown_service,service,\"'XX' is not a configured service code (PA, RP)\",\"a,b\"\n\
             x.csv,5,unknown_service,service,'XX' is not known,a\n",
        )
        .unwrap();
        std::fs::write(dir.path().join(".y.csv.tmp-1"), "junk").unwrap();
        let (reasons, unknown) = quarantine_counts(dir.path()).unwrap();
        assert_eq!(reasons, Counts::from([("blank_line".into(), 1), ("unknown_service".into(), 2)]));
        assert_eq!(unknown, Counts::from([("XX".into(), 2)]));
    }
}
