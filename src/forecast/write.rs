//! A forecast run as files: the slot table as Parquet and CSV (`arrivals.*`), the backtest as CSV
//! and JSON (`backtest.*`), and `forecast.json` (origin, method choices, opening hours, level
//! thresholds, best times, definitions), rendered from typed rows by [`crate::output`]. The
//! same run gives the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::forecast::ForecastError;
use crate::forecast::arrival_backtest::{ArrivalBacktest, BacktestRow, MethodChoice};
use crate::forecast::best_times::{
    BestSlot, DayIndex, WeekdayBest, best_times_by_weekday, best_times_for_day,
};
use crate::forecast::calendar_model::CalendarModel;
use crate::forecast::history::ALL;
use crate::forecast::opening::OpeningTable;
use crate::forecast::run::{ForecastRun, LevelThresholds};
use crate::output::frame::{ColumnType, frame, frame_csv, parquet};
use crate::output::json::json;
use crate::output::{self, OutputFile, Plain, Table};
use crate::slots::slot_start;

/// What the methods, metrics and intervals mean (copied into the JSON files).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Definitions {
    pub seasonal_naive: &'static str,
    pub baseline: &'static str,
    pub model: &'static str,
    pub interval: &'static str,
    pub wape: &'static str,
    pub wape_daily: &'static str,
    pub mase: &'static str,
    pub coverage_p10_p90: &'static str,
    pub horizon_days: &'static str,
    pub choice: &'static str,
    pub levels: &'static str,
    pub rows: &'static str,
}

pub const DEFINITIONS: Definitions = Definitions {
    seasonal_naive: "the same slot on the last observed day of the same weekday (one week earlier for the first week)",
    baseline: "mean of the same weekday and slot over the last baseline_weeks open days of that weekday (closed days skipped)",
    model: "Poisson log-linear model of the daily total on weekday, month (only with ≥ 395 days of history), school holiday, first working day after a closure, bridge day, 27–30 December and trend; fitted by IRLS with ridge and half-life weights; times the weekday's slot shape over 2 × baseline_weeks",
    interval: "p10/p90 of a negative binomial with the expected value as mean and variance φ·mean; φ = Σ(y−μ)²/Σμ (at least 1) of the baseline's one-week-ahead errors over the last baseline_weeks weeks",
    wape: "Σ|actual − forecast| / Σ actual over all 96 slots of the scored days",
    wape_daily: "Σ|actual day total − forecast day total| / Σ actual over the scored days",
    mase: "mean |actual − forecast| over all 96 slots of the scored days, each divided by its origin's in-sample seasonal-naive MAE (all slots of the day pairs t, t−7 that were both open)",
    coverage_p10_p90: "share of open slots with p10 ≤ actual ≤ p90",
    horizon_days: "1 = the origin (first day not observed); the backtest's origins are consecutive days, the target is origin + h − 1",
    choice: "the model is used for an office when its WAPE averaged over horizons 1, 7 and 28 is lower than the baseline's",
    levels: "closed when not open; else low ≤ first threshold < medium ≤ second < high; thresholds are level_quantiles of the series' expected values over its open forecast slots",
    rows: "one row per office × service group (* and each service seen) × date × 96 slots; closed slots and days have 0",
};

/// A row of `arrivals.parquet` / `arrivals.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ArrivalRow<'a> {
    pub office_id: &'a str,
    pub service: &'a str,
    pub date: String,
    pub slot: u32,
    pub slot_start: String,
    pub horizon_days: u32,
    pub open: bool,
    pub closed_reason: Option<&'a str>,
    pub expected: f64,
    pub p10: f64,
    pub p90: f64,
    pub method: &'static str,
    pub level: &'static str,
}

/// The columns of [`ArrivalRow`] as the Parquet file types them.
const ARRIVAL_COLUMNS: [(&str, ColumnType); 13] = [
    ("office_id", ColumnType::Str),
    ("service", ColumnType::Str),
    ("date", ColumnType::Date),
    ("slot", ColumnType::U32),
    ("slot_start", ColumnType::Str),
    ("horizon_days", ColumnType::U32),
    ("open", ColumnType::Bool),
    ("closed_reason", ColumnType::OptStr),
    ("expected", ColumnType::F64),
    ("p10", ColumnType::F64),
    ("p90", ColumnType::F64),
    ("method", ColumnType::Str),
    ("level", ColumnType::Str),
];

/// A row of `backtest.csv` (floats with six decimals, the ticket total as a whole number).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct BacktestTableRow<'a> {
    pub office_id: &'a str,
    pub method: &'static str,
    pub horizon_days: u32,
    pub days: usize,
    pub actual_tickets: Plain,
    pub wape: Option<f64>,
    pub wape_daily: Option<f64>,
    pub mase: Option<f64>,
    pub coverage_p10_p90: Option<f64>,
}

impl<'a> From<&'a BacktestRow> for BacktestTableRow<'a> {
    fn from(r: &'a BacktestRow) -> Self {
        BacktestTableRow {
            office_id: &r.office_id,
            method: r.method.as_str(),
            horizon_days: r.horizon_days,
            days: r.days,
            actual_tickets: Plain(r.actual_tickets),
            wape: r.wape,
            wape_daily: r.wape_daily,
            mase: r.mase,
            coverage_p10_p90: r.coverage_p10_p90,
        }
    }
}

/// `backtest.json`.
#[derive(Debug, Clone, Serialize)]
struct BacktestDoc<'a> {
    backtest: &'a ArrivalBacktest,
    definitions: Definitions,
}

/// `forecast.json`.
#[derive(Debug, Clone, Serialize)]
struct ForecastDoc<'a> {
    origin: NaiveDate,
    days: u32,
    history: HistoryRange,
    rows: usize,
    choices: &'a [MethodChoice],
    opening_hours: OpeningTable,
    level_thresholds: &'a [LevelThresholds],
    models: &'a BTreeMap<String, Option<CalendarModel>>,
    best_times: BestTimes<'a>,
    definitions: Definitions,
}

#[derive(Debug, Clone, Serialize)]
struct HistoryRange {
    first: NaiveDate,
    last: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
struct BestTimes<'a> {
    score: &'static str,
    by_day: Vec<DayBest<'a>>,
    by_weekday: Vec<WeekdayBest>,
}

#[derive(Debug, Clone, Serialize)]
struct DayBest<'a> {
    office_id: &'a str,
    date: NaiveDate,
    slots: Vec<BestSlot>,
}

/// The run's files: `arrivals.parquet`, `arrivals.csv`, `backtest.csv`, `backtest.json`,
/// `forecast.json`.
pub fn forecast_files(run: &ForecastRun) -> Result<Vec<OutputFile>, ForecastError> {
    let rows: Vec<ArrivalRow> = run
        .slots
        .iter()
        .map(|r| ArrivalRow {
            office_id: &r.office_id,
            service: &r.service,
            date: r.date.to_string(),
            slot: u32::from(r.slot),
            slot_start: slot_start(usize::from(r.slot)),
            horizon_days: r.horizon_days,
            open: r.open,
            closed_reason: r.closed_reason.as_deref(),
            expected: r.expected,
            p10: r.p10,
            p90: r.p90,
            method: r.method.as_str(),
            level: r.level.as_str(),
        })
        .collect();
    let mut df = frame(&rows, &ARRIVAL_COLUMNS)?;
    let n = rows.len();
    let backtest: Vec<BacktestTableRow> = run.backtest.rows.iter().map(BacktestTableRow::from).collect();
    let doc = BacktestDoc { backtest: &run.backtest, definitions: DEFINITIONS };
    Ok(vec![
        OutputFile::new("arrivals.parquet", parquet(&mut df)?, Some(n)),
        OutputFile::new("arrivals.csv", frame_csv(&mut df)?, Some(n)),
        OutputFile::csv("backtest.csv", &Table::of(&backtest)?, 6),
        OutputFile::new("backtest.json", json(&doc)?, None),
        OutputFile::new("forecast.json", json(&forecast_doc(run))?, None),
    ])
}

/// Writes the run's files into `dir`; returns the files written.
pub fn write_forecast(run: &ForecastRun, dir: &Path) -> Result<Vec<PathBuf>, ForecastError> {
    Ok(output::write_files(dir, &forecast_files(run)?)?)
}

fn forecast_doc(run: &ForecastRun) -> ForecastDoc<'_> {
    let mut by_day = Vec::new();
    let index = DayIndex::new(&run.slots);
    for office in run.opening.keys() {
        for i in 0..run.days {
            let Some(date) = run.origin.checked_add_days(chrono::Days::new(u64::from(i))) else { continue };
            let rows = index.day(office, ALL, date);
            by_day.push(DayBest { office_id: office, date, slots: best_times_for_day(rows, None) });
        }
    }
    ForecastDoc {
        origin: run.origin,
        days: run.days,
        history: HistoryRange { first: run.history_first, last: run.history_last },
        rows: run.slots.len(),
        choices: &run.backtest.choices,
        opening_hours: OpeningTable::new(&run.opening),
        level_thresholds: &run.thresholds,
        models: &run.models,
        best_times: BestTimes {
            score: "expected arrivals",
            by_day,
            by_weekday: best_times_by_weekday(&run.slots, None),
        },
        definitions: DEFINITIONS,
    }
}
