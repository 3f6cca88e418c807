//! Typed views of the export's JSON files, as far as the report reads them: the manifest and
//! `export_report.json`. (The office files, the catalog, the model backtest summary and the data
//! quality are read into the export's own types.)

use chrono::NaiveDate;
use serde::Deserialize;

use crate::export::report::ModelCardJson;

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
    pub model: ModelCardJson,
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
    /// The history's p50 error and p90 coverage, and per office the method of its published
    /// waits (absent in generations written before the choice existed).
    #[serde(default)]
    pub mae_baseline_p50_min: Option<f64>,
    pub coverage_p90: Option<f64>,
    #[serde(default)]
    pub coverage_baseline_p90: Option<f64>,
    #[serde(default)]
    pub method: Option<String>,
}
