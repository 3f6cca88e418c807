//! What `backtest` and `evaluate` print and write: the comparison table, `metrics.json`
//! (full breakdowns) and `predictions.parquet` (one row per test example).

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::model::backtest::BacktestResult;
use crate::model::conformal::alarm_offset;
use crate::model::dataset::Probe;
use crate::model::metrics::calibration_bins;
use crate::output::atomic::{write_atomic, write_atomic_polars};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot build {path}")]
    Frame {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
}

/// Per predictor: at-issue and overall metrics, by office and by hour (all snapshots) and
/// predicted vs actual in 5-minute bins of the prediction (all snapshots, 60+ pooled); plus
/// the folds. The model file keeps this; the planners' report draws it.
pub fn summary_json(r: &BacktestResult) -> serde_json::Value {
    let bins = |name: &str| {
        r.predictions.iter().find(|(n, _)| n == name).map(|(_, q)| calibration_bins(&r.test.y, q, 5.0, 60.0))
    };
    let per: serde_json::Map<String, serde_json::Value> = r
        .metrics
        .iter()
        .map(|(name, b)| {
            let v = serde_json::json!({
                "at_issue": b.at_issue,
                "overall": b.overall,
                "by_office": b.by_office,
                "by_hour": b.by_hour,
                "predicted_vs_actual": bins(name),
            });
            (name.clone(), v)
        })
        .collect();
    serde_json::json!({ "folds": r.folds, "predictors": per })
}

/// Writes `metrics.json` and `predictions.parquet` into `dir`; `source` says what was scored
/// (the backtest's folds, or the model file `evaluate` read).
pub fn write_results(
    r: &BacktestResult,
    dir: &Path,
    source: serde_json::Value,
) -> Result<Vec<PathBuf>, OutputError> {
    let metrics = dir.join("metrics.json");
    let json = serde_json::json!({
        "notice_minutes": r.notice_min,
        "point_estimate": "p50 of the conformally calibrated quantiles",
        "quantiles": "split conformal: residuals on the calibration days before each origin, per prediction bucket",
        "source": source,
        "folds": r.folds,
        "predictors": r.metrics,
    });
    let io = |path: &Path, source: std::io::Error| OutputError::Io { path: path.to_path_buf(), source };
    let text = serde_json::to_vec_pretty(&json).map_err(|e| io(&metrics, e.into()))?;
    write_atomic(&metrics, |w| std::io::Write::write_all(w, &text)).map_err(|e| io(&metrics, e))?;
    let parquet = dir.join("predictions.parquet");
    let mut df =
        predictions_frame(r).map_err(|source| OutputError::Frame { path: parquet.clone(), source })?;
    write_atomic_polars(&parquet, |w| {
        ParquetWriter::new(w).with_compression(ParquetCompression::Zstd(None)).finish(&mut df).map(|_| ())
    })
    .map_err(|e| io(&parquet, e))?;
    Ok(vec![metrics, parquet])
}

/// One row per test example: its keys, the truth, and per predictor p10/p50/p90 and
/// `<name>_alarm_at` (minutes after the snapshot at which the alarm for the default notice
/// rings; null when none is offered; late when the call came less than the notice after it).
pub fn predictions_frame(r: &BacktestResult) -> PolarsResult<DataFrame> {
    let m = &r.test.meta;
    let tz = TimeZone::UTC;
    let mut cols = vec![
        Column::new("office_id".into(), m.iter().map(|x| x.office.as_ref()).collect::<Vec<&str>>()),
        Column::new(
            "local_date".into(),
            m.iter().map(|x| crate::timezones::days_since_epoch(x.date)).collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)?,
        Column::new("ticket_id".into(), r.ticket_ids.iter().map(String::as_str).collect::<Vec<_>>()),
        Int64Chunked::from_vec("t".into(), m.iter().map(|x| x.t).collect())
            .into_datetime(TimeUnit::Milliseconds, Some(tz))
            .into_column(),
        Column::new("at_issue".into(), m.iter().map(|x| x.probe == Probe::AtIssue).collect::<Vec<_>>()),
        Column::new("hour".into(), m.iter().map(|x| x.hour as i32).collect::<Vec<_>>()),
        Column::new("ahead".into(), m.iter().map(|x| x.ahead).collect::<Vec<_>>()),
        Column::new("actual_min".into(), r.test.y.clone()),
    ];
    for (name, q) in &r.predictions {
        cols.push(Column::new(format!("{name}_p10").into(), q.iter().map(|q| q.p10).collect::<Vec<_>>()));
        cols.push(Column::new(format!("{name}_p50").into(), q.iter().map(|q| q.p50).collect::<Vec<_>>()));
        cols.push(Column::new(format!("{name}_p90").into(), q.iter().map(|q| q.p90).collect::<Vec<_>>()));
        let alarm: Vec<Option<f64>> = q.iter().map(|q| alarm_offset(q, r.notice_min)).collect();
        cols.push(Column::new(format!("{name}_alarm_at").into(), alarm));
    }
    DataFrame::new(r.test.len(), cols)
}
