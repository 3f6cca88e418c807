//! The model commands as library functions: backtest, train, and their outputs (the CLI,
//! `nightly` and the API call these).

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::model::backtest::{BacktestResult, TrainParams, backtest, train_window};
use crate::model::features::FEATURES;
use crate::model::file::{MODEL_FORMAT, ModelFile, ModelSettings, NamedPredictor};
use crate::model::gbm::GbmParams;
use crate::model::metrics::Metrics;
use crate::model::predictors::PredictorParams;
use crate::replay::ReplayParams;
use crate::settings::Settings;
use crate::store::Store;
use crate::store::atomic::{write_atomic, write_atomic_polars};
use crate::store::columns::load_columns;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Fit(String),
    #[error(transparent)]
    File(#[from] crate::model::file::ModelFileError),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// Training parameters and predictors from the settings.
pub fn params_from(settings: &Settings) -> (TrainParams, Vec<PredictorParams>) {
    let m = &settings.model;
    let params = TrainParams {
        weeks: m.backtest_weeks,
        snapshot_min: m.snapshot_minutes,
        calibration_days: m.calibration_days,
        notice_min: m.notice_minutes,
        seed: m.seed,
        replay: ReplayParams { idle_gap_ms: (settings.profile.counter_idle_gap_minutes * 60_000.0) as i64 },
        services: settings.services.iter().map(|s| s.code.clone()).collect(),
    };
    let predictors = PredictorParams::all(gbm_params(settings));
    (params, predictors)
}

/// The boosting parameters of the settings.
pub fn gbm_params(settings: &Settings) -> GbmParams {
    let m = &settings.model;
    GbmParams {
        max_trees: m.gbm_max_trees,
        learning_rate: m.gbm_learning_rate,
        max_leaves: m.gbm_max_leaves,
        max_depth: m.gbm_max_depth,
        min_leaf: m.gbm_min_leaf,
        l2: m.gbm_l2,
        subsample: m.gbm_subsample,
        max_bins: crate::model::gbm::bins::MAX_BINS,
        early_stopping_rounds: m.gbm_early_stopping_rounds,
        valid_days: m.gbm_valid_days,
        max_rows: m.gbm_max_rows,
        seed: m.seed,
        threads: m.gbm_threads,
    }
}

/// Runs the backtest on the whole store.
pub fn run_backtest(store: &Store, settings: &Settings) -> Result<BacktestResult, ModelError> {
    let cols = load_columns(store, None, None)?;
    let (params, predictors) = params_from(settings);
    backtest(&cols, &params, &predictors, store.tz()).map_err(ModelError::Fit)
}

/// Fits every predictor on all stored data (the last `calibration_days` calibrate).
pub fn run_train(
    store: &Store,
    settings: &Settings,
    backtest: Option<&BacktestResult>,
) -> Result<ModelFile, ModelError> {
    let cols = load_columns(store, None, None)?;
    let (params, predictors) = params_from(settings);
    let (from, to) = cols.date_range().ok_or_else(|| ModelError::Fit("the store holds no tickets".into()))?;
    let trained = train_window(&cols, to + chrono::Days::new(1), &params, &predictors, store.tz())
        .map_err(ModelError::Fit)?;
    Ok(ModelFile {
        format: MODEL_FORMAT,
        queuecast_version: env!("CARGO_PKG_VERSION").to_string(),
        features: FEATURES.iter().map(|f| f.to_string()).collect(),
        trained_from: from,
        trained_to: to,
        timezone: store.tz().name().to_string(),
        train_rows: trained.train_rows,
        calibration_rows: trained.calibration_rows,
        settings: ModelSettings {
            snapshot_min: params.snapshot_min,
            calibration_days: params.calibration_days,
            notice_min: params.notice_min,
            seed: params.seed,
            counter_idle_gap_min: params.replay.idle_gap_ms as f64 / 60_000.0,
        },
        offices: trained.offices,
        services: params.services.clone(),
        history: trained.history,
        default_predictor: "gbm".to_string(),
        predictors: predictors
            .iter()
            .zip(trained.predictors)
            .map(|(p, c)| NamedPredictor { name: p.name().to_string(), predictor: c })
            .collect(),
        backtest: backtest.map(summary_json),
    })
}

/// At-issue and overall metrics per predictor, plus the folds.
pub fn summary_json(r: &BacktestResult) -> serde_json::Value {
    let per: serde_json::Map<String, serde_json::Value> = r
        .metrics
        .iter()
        .map(|(name, b)| (name.clone(), serde_json::json!({ "at_issue": b.at_issue, "overall": b.overall })))
        .collect();
    serde_json::json!({ "folds": r.folds, "predictors": per })
}

/// Writes `metrics.json` (full breakdowns) and `predictions.parquet` (one row per test example).
pub fn write_backtest(r: &BacktestResult, dir: &Path, notice_min: f64) -> Result<Vec<PathBuf>, ModelError> {
    let werr = |path: &Path, e: String| ModelError::Write { path: path.to_path_buf(), message: e };
    let metrics = dir.join("metrics.json");
    let json = serde_json::json!({
        "notice_minutes": notice_min,
        "point_estimate": "p50 of the conformally calibrated quantiles",
        "quantiles": "split conformal: residuals on the calibration days before each origin, per prediction bucket",
        "folds": r.folds,
        "predictors": r.metrics,
    });
    let text = serde_json::to_vec_pretty(&json).map_err(|e| werr(&metrics, e.to_string()))?;
    write_atomic(&metrics, |w| std::io::Write::write_all(w, &text))
        .map_err(|e| werr(&metrics, e.to_string()))?;
    let parquet = dir.join("predictions.parquet");
    let mut df = predictions_frame(r).map_err(|e| werr(&parquet, e.to_string()))?;
    write_atomic_polars(&parquet, |w| {
        ParquetWriter::new(w).with_compression(ParquetCompression::Zstd(None)).finish(&mut df).map(|_| ())
    })
    .map_err(|e| werr(&parquet, e.to_string()))?;
    Ok(vec![metrics, parquet])
}

fn predictions_frame(r: &BacktestResult) -> PolarsResult<DataFrame> {
    let m = &r.test.meta;
    let tz = TimeZone::UTC;
    let mut cols = vec![
        Column::new("office_id".into(), m.iter().map(|x| x.office.as_str()).collect::<Vec<_>>()),
        Column::new(
            "local_date".into(),
            m.iter().map(|x| crate::timezones::days_since_epoch(x.date)).collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)?,
        Column::new("ticket_id".into(), m.iter().map(|x| x.ticket_id.as_str()).collect::<Vec<_>>()),
        Int64Chunked::from_vec("t".into(), m.iter().map(|x| x.t).collect())
            .into_datetime(TimeUnit::Milliseconds, Some(tz))
            .into_column(),
        Column::new(
            "at_issue".into(),
            m.iter().map(|x| x.probe == crate::model::dataset::Probe::AtIssue).collect::<Vec<_>>(),
        ),
        Column::new("hour".into(), m.iter().map(|x| x.hour as i32).collect::<Vec<_>>()),
        Column::new("ahead".into(), m.iter().map(|x| x.ahead).collect::<Vec<_>>()),
        Column::new("actual_min".into(), r.test.y.clone()),
    ];
    for (name, q) in &r.predictions {
        cols.push(Column::new(format!("{name}_p10").into(), q.iter().map(|q| q.p10).collect::<Vec<_>>()));
        cols.push(Column::new(format!("{name}_p50").into(), q.iter().map(|q| q.p50).collect::<Vec<_>>()));
        cols.push(Column::new(format!("{name}_p90").into(), q.iter().map(|q| q.p90).collect::<Vec<_>>()));
    }
    DataFrame::new(r.test.len(), cols)
}

/// The comparison table printed after a backtest.
pub fn table(r: &BacktestResult) -> String {
    let mut out = String::new();
    for (title, pick) in [("at issue", 0), ("all snapshots", 1)] {
        out.push_str(&format!(
            "\n{title}:\n{:<16} {:>8} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8}\n",
            "predictor", "n", "MAE", "RMSE", "MedAE", "±5min", "cov80", "alarms", "late", "lead"
        ));
        for (name, b) in &r.metrics {
            let m: &Metrics = if pick == 0 { &b.at_issue } else { &b.overall };
            out.push_str(&format!(
                "{:<16} {:>8} {:>7.2} {:>7.2} {:>7.2} {:>6.1}% {:>7.1}% {:>7.1}% {:>7.1}% {:>8.1}\n",
                name,
                m.n,
                m.mae,
                m.rmse,
                m.median_abs_error,
                100.0 * m.within_5min,
                100.0 * m.coverage_p10_p90,
                100.0 * m.alarm_share,
                100.0 * m.late_alarm_rate,
                m.mean_alarm_lead_min
            ));
        }
    }
    out
}
