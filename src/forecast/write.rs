//! Writing a forecast run: the slot table as Parquet and CSV, the backtest as CSV and JSON, and
//! `forecast.json` (origin, method choices, opening hours, level thresholds, best times,
//! definitions). Every file is written atomically; the same run gives the same bytes.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::json;

use crate::forecast::ForecastError;
use crate::forecast::best_times::{best_times_by_weekday, best_times_for_day, day_rows};
use crate::forecast::history::ALL;
use crate::forecast::opening::OpeningTable;
use crate::forecast::run::ForecastRun;
use crate::output::atomic::write_atomic_polars;
use crate::slots::slot_start;
use crate::timezones::days_since_epoch;

/// What the methods, metrics and intervals mean (copied into the JSON files).
pub fn definitions() -> serde_json::Value {
    json!({
        "seasonal_naive": "the same slot on the last observed day of the same weekday (one week earlier for the first week)",
        "baseline": "mean of the same weekday and slot over the last baseline_weeks open days of that weekday (closed days skipped)",
        "model": "Poisson log-linear model of the daily total on weekday, month (only with ≥ 395 days of history), school holiday, first working day after a closure, bridge day, 27–30 December and trend; fitted by IRLS with ridge and half-life weights; times the weekday's slot shape over 2 × baseline_weeks",
        "interval": "p10/p90 of a negative binomial with the expected value as mean and variance φ·mean; φ = Σ(y−μ)²/Σμ (at least 1) of the baseline's one-week-ahead errors over the last baseline_weeks weeks",
        "wape": "Σ|actual − forecast| / Σ actual over all 96 slots of the scored days",
        "wape_daily": "Σ|actual day total − forecast day total| / Σ actual over the scored days",
        "mase": "mean |actual − forecast| over all 96 slots of the scored days, each divided by its origin's in-sample seasonal-naive MAE (all slots of the day pairs t, t−7 that were both open)",
        "coverage_p10_p90": "share of open slots with p10 ≤ actual ≤ p90",
        "horizon_days": "1 = the origin (first day not observed); the backtest's origins are consecutive days, the target is origin + h − 1",
        "choice": "the model is used for an office when its WAPE averaged over horizons 1, 7 and 28 is lower than the baseline's",
        "levels": "closed when not open; else low ≤ first threshold < medium ≤ second < high; thresholds are level_quantiles of the series' expected values over its open forecast slots",
        "rows": "one row per office × service group (* and each service seen) × date × 96 slots; closed slots and days have 0",
    })
}

/// Writes the run into `dir`; returns the files written.
pub fn write_forecast(run: &ForecastRun, dir: &Path) -> Result<Vec<PathBuf>, ForecastError> {
    let werr = |path: &Path, e: PolarsError| ForecastError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    };
    let mut df = slot_frame(run).map_err(|e| werr(dir, e))?;
    let mut written = Vec::new();
    let parquet = dir.join("arrivals.parquet");
    write_with(&parquet, |w| {
        ParquetWriter::new(w).with_compression(ParquetCompression::Zstd(None)).finish(&mut df).map(|_| ())
    })?;
    let csv = dir.join("arrivals.csv");
    write_with(&csv, |w| CsvWriter::new(w).with_float_precision(Some(4)).finish(&mut df))?;
    let backtest_csv = dir.join("backtest.csv");
    let text = backtest_csv_text(run);
    write_with(&backtest_csv, |w| std::io::Write::write_all(w, text.as_bytes()).map_err(PolarsError::from))?;
    let backtest_json = dir.join("backtest.json");
    let value = json!({ "backtest": run.backtest, "definitions": definitions() });
    write_json(&backtest_json, &value)?;
    let meta = dir.join("forecast.json");
    write_json(&meta, &meta_json(run))?;
    written.extend([parquet, csv, backtest_csv, backtest_json, meta]);
    Ok(written)
}

fn slot_frame(run: &ForecastRun) -> PolarsResult<DataFrame> {
    let s = &run.slots;
    let dates: Vec<i32> = s.iter().map(|r| days_since_epoch(r.date)).collect();
    let df = df!(
        "office_id" => s.iter().map(|r| r.office_id.as_str()).collect::<Vec<_>>(),
        "service" => s.iter().map(|r| r.service.as_str()).collect::<Vec<_>>(),
        "date" => dates,
        "slot" => s.iter().map(|r| u32::from(r.slot)).collect::<Vec<_>>(),
        "slot_start" => s.iter().map(|r| slot_start(usize::from(r.slot))).collect::<Vec<_>>(),
        "horizon_days" => s.iter().map(|r| r.horizon_days).collect::<Vec<_>>(),
        "open" => s.iter().map(|r| r.open).collect::<Vec<_>>(),
        "closed_reason" => s.iter().map(|r| r.closed_reason.as_deref()).collect::<Vec<_>>(),
        "expected" => s.iter().map(|r| r.expected).collect::<Vec<_>>(),
        "p10" => s.iter().map(|r| r.p10).collect::<Vec<_>>(),
        "p90" => s.iter().map(|r| r.p90).collect::<Vec<_>>(),
        "method" => s.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(),
        "level" => s.iter().map(|r| r.level.as_str()).collect::<Vec<_>>(),
    )?;
    df.lazy().with_column(col("date").cast(DataType::Date)).collect()
}

fn backtest_csv_text(run: &ForecastRun) -> String {
    let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.6}"));
    let mut out = "office_id,method,horizon_days,days,actual_tickets,wape,wape_daily,mase,coverage_p10_p90\n"
        .to_string();
    for r in &run.backtest.rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.office_id,
            r.method.as_str(),
            r.horizon_days,
            r.days,
            r.actual_tickets,
            f(r.wape),
            f(r.wape_daily),
            f(r.mase),
            f(r.coverage_p10_p90)
        ));
    }
    out
}

fn meta_json(run: &ForecastRun) -> serde_json::Value {
    let mut by_day = Vec::new();
    let offices: Vec<&String> = run.opening.keys().collect();
    for office in offices {
        for i in 0..run.days {
            let Some(date) = run.origin.checked_add_days(chrono::Days::new(u64::from(i))) else { continue };
            let rows = day_rows(&run.slots, office, ALL, date);
            by_day.push(json!({
                "office_id": office,
                "date": date.to_string(),
                "slots": best_times_for_day(rows, None),
            }));
        }
    }
    json!({
        "origin": run.origin.to_string(),
        "days": run.days,
        "history": { "first": run.history_first.to_string(), "last": run.history_last.to_string() },
        "rows": run.slots.len(),
        "choices": run.backtest.choices,
        "opening_hours": OpeningTable::new(&run.opening),
        "level_thresholds": run.thresholds,
        "models": run.models,
        "best_times": { "score": "expected arrivals", "by_day": by_day, "by_weekday": best_times_by_weekday(&run.slots, None) },
        "definitions": definitions(),
    })
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), ForecastError> {
    let mut text = serde_json::to_vec_pretty(value)
        .map_err(|e| ForecastError::Write { path: path.to_path_buf(), source: e.into() })?;
    text.push(b'\n');
    write_with(path, |w| std::io::Write::write_all(w, &text).map_err(PolarsError::from))
}

fn write_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> PolarsResult<()>,
) -> Result<(), ForecastError> {
    write_atomic_polars(path, write)
        .map_err(|source| ForecastError::Write { path: path.to_path_buf(), source })
}
