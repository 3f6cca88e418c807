//! `export_report.json` (schema: `schemas/export_report.schema.json`): what an operator checks
//! after an export — catalog gaps and review warnings, the arrival backtest, the slot-wait
//! backtest's summary figures and the row counts of the tables; and the model card that the
//! office files carry, with the model's backtest summary in typed form for the planners' report.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::forecast::arrival_backtest::ArrivalBacktest;
use crate::model::backtest::Fold;
use crate::model::file::ModelFile;
use crate::model::gate::GateFigures;
use crate::model::metrics::{CalibrationBin, Metrics};
use crate::planning::OfficeScore;
use crate::planning::slot_waits::{SlotBacktest, SlotBacktestScore};
use crate::planning::wait_method::WaitChoice;

/// Version of the report layout.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// The model card as the office files and the report hold it: a summary of the model file, or
/// `null` and why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCardJson {
    pub card: Option<Card>,
    pub reason: Option<String>,
    /// The model file's backtest summary, if a backtest ran: what the planners' report shows
    /// (`tables/model/backtest.json`). Not part of the office files or `export_report.json`.
    #[serde(skip)]
    pub backtest: Option<BacktestSummary>,
}

/// The model file's backtest summary (its `backtest`, see `model::run::summary_json`), typed:
/// the test weeks and every predictor's metrics. Breakdowns that an older model file lacks are
/// empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestSummary {
    pub folds: Vec<Fold>,
    pub predictors: BTreeMap<String, PredictorBacktest>,
}

/// One predictor's backtest: at issue and over all snapshots, by office and by local hour, and
/// predicted vs actual in bins of the prediction (all snapshots).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictorBacktest {
    pub at_issue: Metrics,
    pub overall: Metrics,
    #[serde(default)]
    pub by_office: BTreeMap<String, Metrics>,
    #[serde(default)]
    pub by_hour: BTreeMap<u8, Metrics>,
    #[serde(default)]
    pub predicted_vs_actual: Vec<CalibrationBin>,
}

impl BacktestSummary {
    /// The summary of model file `path`, or `None` (with a warning) when it does not have the
    /// expected form: the export goes on without the model's backtest, as without a model.
    fn of(path: &Path, backtest: &serde_json::Value) -> Option<BacktestSummary> {
        match BacktestSummary::deserialize(backtest) {
            Ok(summary) => Some(summary),
            Err(e) => {
                tracing::warn!(model = %path.display(), error = %e, "the model's backtest summary is unreadable; it is left out");
                None
            }
        }
    }
}

/// The summary of a model file: format, version, training range, features, the headline
/// backtest figures of the default predictor (its overall metrics) if a backtest ran, and the
/// quality gate's figures (MAE at issue of the new model, the ZMS rule and the model it
/// replaced) if `train` recorded them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub format: u32,
    pub queuecast_version: String,
    pub trained_from: NaiveDate,
    pub trained_to: NaiveDate,
    pub features: usize,
    pub offices: usize,
    pub default_predictor: String,
    pub backtest: Option<serde_json::Value>,
    pub gate: Option<GateFigures>,
}

impl ModelCardJson {
    /// Reads `path` if given. An unreadable or outdated model file is not fatal for the export
    /// (the forecasts do not need it): the card is `null` with the error as reason.
    pub fn load(path: Option<&Path>) -> ModelCardJson {
        let Some(path) = path else {
            return ModelCardJson { card: None, reason: Some("no model file given".into()), backtest: None };
        };
        match ModelFile::load(path) {
            Ok(m) => ModelCardJson {
                card: Some(Card::of(&m)),
                reason: None,
                backtest: m.summary.backtest.as_ref().and_then(|b| BacktestSummary::of(path, b)),
            },
            Err(e) => ModelCardJson { card: None, reason: Some(crate::errors::chain(&e)), backtest: None },
        }
    }
}

impl Card {
    fn of(m: &ModelFile) -> Card {
        let s = &m.summary;
        let headline = s
            .backtest
            .as_ref()
            .and_then(|b| b.get("predictors"))
            .and_then(|p| p.get(&s.default_predictor))
            .and_then(|p| p.get("overall"))
            .cloned();
        Card {
            format: m.format,
            queuecast_version: s.queuecast_version.clone(),
            trained_from: s.trained_from,
            trained_to: s.trained_to,
            features: s.features.len(),
            offices: s.offices.len(),
            default_predictor: s.default_predictor.clone(),
            backtest: headline,
            gate: s.gate.clone(),
        }
    }
}

/// The data rows of one table file of a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRows {
    /// Path inside the generation.
    pub path: String,
    pub rows: u64,
}

/// Everything the report holds, gathered by the export run.
#[derive(Debug, Clone)]
pub struct ReportInputs<'a> {
    pub generation: &'a str,
    pub source: (NaiveDate, NaiveDate),
    pub catalog_path: &'a Path,
    pub catalog: &'a Catalog,
    pub seen_services: &'a [String],
    pub review_warnings: &'a [String],
    pub arrival_backtest: &'a ArrivalBacktest,
    pub slot_backtest: &'a SlotBacktest,
    /// Per office: the method of its published expected waits.
    pub wait_choices: &'a [OfficeScore<WaitChoice>],
    pub slot_wait_replications: u32,
    pub model: &'a ModelCardJson,
    /// Data rows of the table files.
    pub rows: &'a [TableRows],
}

/// The report document.
#[derive(Debug, Clone, Serialize)]
pub struct ReportDoc<'a> {
    pub schema_version: u32,
    pub generation: &'a str,
    pub source: DateRange,
    pub catalog: CatalogDoc<'a>,
    pub arrival_backtest: &'a ArrivalBacktest,
    pub slot_wait_backtest: SlotWaitDoc<'a>,
    pub slot_wait_replications: u32,
    pub model: &'a ModelCardJson,
    pub rows: &'a [TableRows],
}

#[derive(Debug, Clone, Serialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogDoc<'a> {
    pub path: String,
    pub services: usize,
    pub missing_services: Vec<String>,
    pub unseen_services: Vec<String>,
    pub review_warnings: &'a [String],
}

#[derive(Debug, Clone, Serialize)]
pub struct SlotWaitDoc<'a> {
    pub overall: ScoreDoc<'a>,
    pub by_office: Vec<ScoreDoc<'a>>,
}

/// The slot-wait backtest's figures (null where not a number): the simulation's (`mae_p50`,
/// `mae_mean`, `coverage_p90`) and the history's (`mae_baseline` of its mean, `mae_baseline_p50`,
/// `coverage_baseline_p90`); per office also the method its published waits come from and why.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_id: Option<&'a str>,
    pub slots: usize,
    pub mae_p50_min: Option<f64>,
    pub mae_mean_min: Option<f64>,
    pub mae_baseline_min: Option<f64>,
    pub mae_baseline_p50_min: Option<f64>,
    pub coverage_p90: Option<f64>,
    pub coverage_baseline_p90: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl<'a> ScoreDoc<'a> {
    fn of(office_id: Option<&'a str>, s: &SlotBacktestScore, choice: Option<&WaitChoice>) -> ScoreDoc<'a> {
        let finite = |x: f64| x.is_finite().then_some(x);
        ScoreDoc {
            office_id,
            slots: s.slots,
            mae_p50_min: finite(s.mae_p50),
            mae_mean_min: finite(s.mae_mean),
            mae_baseline_min: finite(s.mae_baseline),
            mae_baseline_p50_min: finite(s.mae_baseline_p50),
            coverage_p90: finite(s.coverage_p90),
            coverage_baseline_p90: finite(s.coverage_baseline_p90),
            method: choice.map(|c| c.method.as_str()),
            reason: choice.map(ToString::to_string),
        }
    }
}

/// The report document.
pub fn report_doc<'a>(r: &ReportInputs<'a>) -> ReportDoc<'a> {
    let seen = r.seen_services.iter().map(String::as_str);
    let b = r.slot_backtest;
    ReportDoc {
        schema_version: REPORT_SCHEMA_VERSION,
        generation: r.generation,
        source: DateRange { from: r.source.0, to: r.source.1 },
        catalog: CatalogDoc {
            path: crate::catalog::source_name(r.catalog_path),
            services: r.catalog.services.len(),
            missing_services: crate::catalog::missing_services(r.catalog, seen.clone()),
            unseen_services: crate::catalog::unseen_services(r.catalog, seen),
            review_warnings: r.review_warnings,
        },
        arrival_backtest: r.arrival_backtest,
        slot_wait_backtest: SlotWaitDoc {
            overall: ScoreDoc::of(None, &b.overall, None),
            by_office: r
                .wait_choices
                .iter()
                .map(|c| {
                    let score = b.by_office.iter().find(|s| s.office == c.office).map(|s| s.score);
                    ScoreDoc::of(Some(&c.office), &score.unwrap_or_default(), Some(&c.score))
                })
                .collect(),
        },
        slot_wait_replications: r.slot_wait_replications,
        model: r.model,
        rows: r.rows,
    }
}
