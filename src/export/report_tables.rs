//! Tables the planners' report (`queuecast report`) reads that no stage writes on its own: the
//! arrival backtest's scored days (forecast vs actual), the model's backtest summary, and the
//! store's data quality ([`crate::export::quality`]). Aggregates only: the scored days are
//! suppressed on the typed rows like the other public tables, the model summary leaves out
//! breakdowns of few snapshots.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::export::quality::{DataQuality, QualityError};
use crate::export::report::{BacktestSummary, Card, ModelCardJson};
use crate::forecast::arrival_backtest::ArrivalBacktest;
use crate::output::json::json;
use crate::output::{OutputError, OutputFile, Plain, Suppressible, Table};
use crate::store::Store;

/// Version of the layout of the model backtest file.
pub const MODEL_BACKTEST_VERSION: u32 = 1;
/// Name of the scored-days table in the generation.
pub const BACKTEST_DAYS: &str = "tables/forecast/arrival_backtest_days.csv";
/// Name of the model backtest summary in the generation (only when the model has one).
pub const MODEL_BACKTEST: &str = "tables/model/backtest.json";
/// Name of the data-quality summary in the generation.
pub const DATA_QUALITY: &str = "tables/quality/data_quality.json";
/// Breakdown entries (hours, offices, prediction bins) with fewer test snapshots are left out
/// of the model summary: too few to read, and a handful of snapshots can be one ticket.
pub const MIN_MODEL_SNAPSHOTS: usize = 100;
/// Decimals of the expected tickets of a scored day.
const DAY_DECIMALS: usize = 2;

/// Why a table of the report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportTablesError {
    #[error("cannot render {name}")]
    Render { name: &'static str, source: OutputError },
    #[error("data quality of the store")]
    Quality(#[from] QualityError),
}

/// One row of [`BACKTEST_DAYS`]: an office's all-service forecast total of one target day by
/// one method at one horizon, and the tickets that came.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct BacktestDayRow<'a> {
    pub office_id: &'a str,
    pub date: NaiveDate,
    pub method: &'static str,
    pub horizon_days: u32,
    pub expected: f64,
    pub actual: Plain,
}

impl Suppressible for BacktestDayRow<'_> {
    const KEYS: &'static [&'static str] = &["office_id", "date", "method", "horizon_days"];
    fn tickets(&self) -> f64 {
        self.actual.0
    }
}

/// `tables/model/backtest.json`: the model card and its backtest summary, small breakdowns
/// left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelBacktestFile {
    pub schema_version: u32,
    /// Breakdown entries of fewer test snapshots are left out.
    pub min_snapshots: usize,
    pub card: Card,
    pub backtest: BacktestSummary,
}

/// The report's files: the scored days (rows of fewer than `k` tickets suppressed), the model's
/// backtest summary when the model has one, and the data quality of `store`.
pub fn report_files(
    store: &Store,
    backtest: &ArrivalBacktest,
    card: &ModelCardJson,
    k: u32,
) -> Result<Vec<OutputFile>, ReportTablesError> {
    let render = |name| move |source| ReportTablesError::Render { name, source };
    let mut files = vec![backtest_days(backtest, k).map_err(render(BACKTEST_DAYS))?];
    if let (Some(card), Some(summary)) = (&card.card, &card.backtest) {
        let doc = ModelBacktestFile {
            schema_version: MODEL_BACKTEST_VERSION,
            min_snapshots: MIN_MODEL_SNAPSHOTS,
            card: card.clone(),
            backtest: prune_small(summary.clone()),
        };
        files.push(OutputFile::new(MODEL_BACKTEST, json(&doc).map_err(render(MODEL_BACKTEST))?, None));
    }
    let quality = DataQuality::of(store)?;
    files.push(OutputFile::new(DATA_QUALITY, json(&quality).map_err(render(DATA_QUALITY))?, None));
    Ok(files)
}

/// The scored days as CSV, rows of fewer than `k` tickets suppressed.
fn backtest_days(b: &ArrivalBacktest, k: u32) -> Result<OutputFile, OutputError> {
    let rows: Vec<BacktestDayRow> = b
        .days
        .iter()
        .map(|d| BacktestDayRow {
            office_id: &d.office_id,
            date: d.date,
            method: d.method.as_str(),
            horizon_days: d.horizon_days,
            expected: d.expected,
            actual: Plain(d.actual),
        })
        .collect();
    Ok(OutputFile::csv(BACKTEST_DAYS, &Table::suppressed(&rows, k)?, DAY_DECIMALS))
}

/// Leaves out the breakdown entries (by office, by hour, predicted-vs-actual bins) of fewer than
/// [`MIN_MODEL_SNAPSHOTS`] test snapshots.
fn prune_small(mut summary: BacktestSummary) -> BacktestSummary {
    for p in summary.predictors.values_mut() {
        p.by_office.retain(|_, m| m.n >= MIN_MODEL_SNAPSHOTS);
        p.by_hour.retain(|_, m| m.n >= MIN_MODEL_SNAPSHOTS);
        p.predicted_vs_actual.retain(|b| b.n >= MIN_MODEL_SNAPSHOTS);
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::report::PredictorBacktest;
    use crate::forecast::arrival_backtest::BacktestDay;
    use crate::forecast::arrivals::Method;
    use crate::model::metrics::{CalibrationBin, Metrics};

    #[test]
    fn scored_days_round_and_small_days_are_suppressed() {
        let day = |actual| BacktestDay {
            office_id: "a".into(),
            date: NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
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
        let f = backtest_days(&b, 5).unwrap();
        assert_eq!((f.name.as_str(), f.rows), (BACKTEST_DAYS, Some(2)));
        assert_eq!(
            String::from_utf8(f.bytes).unwrap(),
            "office_id,date,method,horizon_days,expected,actual,suppressed\n\
             a,2025-03-03,model,7,10.13,12,false\n\
             a,2025-03-03,model,7,,,true\n"
        );
        let empty = ArrivalBacktest { days: vec![], ..b };
        assert_eq!(
            backtest_days(&empty, 5).unwrap().bytes,
            b"office_id,date,method,horizon_days,expected,actual,suppressed\n"
        );
    }

    #[test]
    fn small_breakdowns_are_pruned() {
        let m = |n| Metrics { n, ..Metrics::default() };
        let bin = |n| CalibrationBin {
            from_min: 0.0,
            n,
            mean_predicted: 1.0,
            mean_actual: 1.0,
            actual_p10: 0.0,
            actual_p90: 2.0,
        };
        let p = PredictorBacktest {
            at_issue: m(5),
            overall: m(5),
            by_office: [("x".to_string(), m(5))].into(),
            by_hour: [(7, m(99)), (8, m(100))].into(),
            predicted_vs_actual: vec![bin(1), bin(500)],
        };
        let s = BacktestSummary { folds: vec![], predictors: [("gbm".to_string(), p)].into() };
        let p = &prune_small(s).predictors["gbm"];
        assert!(p.by_office.is_empty());
        assert_eq!(p.by_hour.keys().collect::<Vec<_>>(), [&8]);
        assert_eq!(p.predicted_vs_actual, [bin(500)]);
        // The headline figures stay, however few.
        assert_eq!((p.at_issue.n, p.overall.n), (5, 5));
    }
}
