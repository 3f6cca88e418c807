//! Typed views of the export's JSON files, as far as the report reads them: the manifest,
//! `export_report.json`, the office files, the model backtest summary and the data quality.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

/// `manifest.json`: which generation, when, from which data.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ManifestDoc {
    pub generation: String,
    pub created_at: String,
    pub source: SourceDoc,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SourceDoc {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// `tables/profile/profile.json`: the profiled window and the suppression threshold k.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProfileMetaDoc {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub min_cell_tickets: u32,
}

/// `export_report.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExportReportDoc {
    pub catalog: CatalogDoc,
    pub arrival_backtest: ArrivalBacktestDoc,
    pub slot_wait_backtest: SlotWaitDoc,
    pub model: ModelCardDoc,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CatalogDoc {
    pub services: u64,
    pub missing_services: Vec<String>,
    pub unseen_services: Vec<String>,
    pub review_warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ArrivalBacktestDoc {
    pub first_origin: Option<NaiveDate>,
    pub last_origin: Option<NaiveDate>,
    pub origins: u64,
    pub choices: Vec<ChoiceDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChoiceDoc {
    pub office_id: String,
    pub method: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SlotWaitDoc {
    pub overall: SlotWaitScore,
    pub by_office: Vec<SlotWaitScore>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SlotWaitScore {
    #[serde(default)]
    pub office_id: Option<String>,
    pub slots: u64,
    pub mae_p50_min: Option<f64>,
    pub mae_baseline_min: Option<f64>,
    pub coverage_p90: Option<f64>,
}

/// The model card: `card` is `null` (with a reason) when the export had no model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelCardDoc {
    pub card: Option<Value>,
    pub reason: Option<String>,
}

/// `offices/<id>.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OfficeDoc {
    pub office_id: String,
    pub forecast: ForecastDoc,
    pub opening_hours: Vec<OpeningDoc>,
    pub days: Vec<DayDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ForecastDoc {
    pub origin: NaiveDate,
    pub days: u32,
    pub method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OpeningDoc {
    pub weekday: u32,
    pub hours: Vec<String>,
}

/// One forecast day; closed days have a reason and no slots.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DayDoc {
    pub date: NaiveDate,
    pub weekday: u32,
    pub open: bool,
    pub closed_reason: Option<String>,
    pub expected_tickets: Option<f64>,
    pub slots: Vec<SlotDoc>,
}

/// One open 15-minute slot of a forecast day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SlotDoc {
    pub slot: u32,
    pub expected: Option<f64>,
    pub p10: Option<f64>,
    pub p90: Option<f64>,
    pub wait_p50_min: Option<f64>,
    pub wait_p90_min: Option<f64>,
}

/// `tables/model/backtest.json`: the model card and its backtest summary.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelBacktestDoc {
    pub card: Value,
    pub backtest: BacktestSummary,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BacktestSummary {
    #[serde(default)]
    pub folds: Vec<FoldDoc>,
    pub predictors: BTreeMap<String, PredictorDoc>,
    /// The model's gate figures, when the model file carries them.
    #[serde(default)]
    pub gate: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FoldDoc {
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
}

/// One predictor's metrics (breakdowns are absent in model files from before they existed).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PredictorDoc {
    pub at_issue: Metrics,
    pub overall: Metrics,
    #[serde(default)]
    pub by_office: BTreeMap<String, Metrics>,
    #[serde(default)]
    pub by_hour: BTreeMap<String, Metrics>,
    #[serde(default)]
    pub predicted_vs_actual: Option<Vec<CalibrationBin>>,
}

/// The backtest metrics of a set of predictions (minutes, shares 0–1).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Metrics {
    pub n: u64,
    pub mae: f64,
    pub rmse: f64,
    pub within_5min: f64,
    pub coverage_p10_p90: f64,
    pub alarm_share: f64,
    pub late_alarm_rate: f64,
    pub mean_alarm_lead_min: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct CalibrationBin {
    pub from_min: f64,
    pub n: u64,
    pub mean_predicted: f64,
    pub mean_actual: f64,
    pub actual_p10: f64,
    pub actual_p90: f64,
}

/// `tables/quality/data_quality.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QualityDoc {
    pub files: Vec<QualityFile>,
    pub totals: QualityTotals,
    pub quarantine_by_reason: Vec<ReasonCount>,
    pub unknown_services: Vec<CodeCount>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QualityFile {
    pub file: String,
    pub rows_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub office_days: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct QualityTotals {
    pub rows_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReasonCount {
    pub reason: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CodeCount {
    pub code: String,
    pub rows: u64,
}

/// `services.json`: the catalog; the report uses code and name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServicesDoc {
    pub services: Vec<ServiceDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServiceDoc {
    pub code: String,
    pub name: String,
}
