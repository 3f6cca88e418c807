//! `export_report.json` (schema: `schemas/export_report.schema.json`): what an operator checks
//! after an export — catalog gaps and review warnings, the arrival backtest, the slot-wait
//! backtest's summary figures and the row counts of the tables; and the model card that the
//! office files carry.

use std::path::Path;

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::forecast::arrival_backtest::ArrivalBacktest;
use crate::forecast::slot_waits::{SlotBacktest, SlotBacktestScore};
use crate::model::file::ModelFile;

/// Version of the report layout.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// The model card: a summary of the model file, or `null` and why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCard {
    pub card: Value,
    pub reason: Option<String>,
}

impl ModelCard {
    /// Reads `path` if given. An unreadable or outdated model file is not fatal for the export
    /// (the forecasts do not need it): the card is `null` with the error as reason.
    pub fn load(path: Option<&Path>) -> ModelCard {
        let Some(path) = path else {
            return ModelCard { card: Value::Null, reason: Some("no model file given".into()) };
        };
        match ModelFile::load(path) {
            Ok(m) => ModelCard { card: card(&m), reason: None },
            Err(e) => ModelCard { card: Value::Null, reason: Some(e.to_string()) },
        }
    }

    /// `{"card": …, "reason": …}` as the office files hold it.
    pub fn json(&self) -> Value {
        json!({ "card": self.card, "reason": self.reason })
    }
}

/// The summary of a model file: format, version, training range, features, the headline
/// backtest figures of the default predictor (its overall metrics) if a backtest ran, and the
/// quality gate's figures.
fn card(m: &ModelFile) -> Value {
    let s = &m.summary;
    let headline = s
        .backtest
        .as_ref()
        .and_then(|b| b.get("predictors"))
        .and_then(|p| p.get(&s.default_predictor))
        .and_then(|p| p.get("overall"))
        .cloned();
    json!({
        "format": m.format,
        "queuecast_version": s.queuecast_version,
        "trained_from": s.trained_from.to_string(),
        "trained_to": s.trained_to.to_string(),
        "features": s.features.len(),
        "offices": s.offices.len(),
        "default_predictor": s.default_predictor,
        "backtest": headline,
        "gate": s.gate,
    })
}

fn score_json(s: &SlotBacktestScore) -> Value {
    json!({
        "slots": s.slots,
        "mae_p50_min": finite(s.mae_p50),
        "mae_mean_min": finite(s.mae_mean),
        "mae_baseline_min": finite(s.mae_baseline),
        "coverage_p90": finite(s.coverage_p90),
    })
}

fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// Everything the report holds, gathered by the export run.
#[derive(Debug, Clone)]
pub struct ReportInputs<'a> {
    pub generation: &'a str,
    pub source: (NaiveDate, NaiveDate),
    pub catalog_path: &'a Path,
    pub catalog: &'a Catalog,
    pub seen_services: &'a [String],
    pub review_warnings: Vec<String>,
    pub arrival_backtest: &'a ArrivalBacktest,
    pub slot_backtest: &'a SlotBacktest,
    pub slot_wait_replications: u32,
    pub model: &'a ModelCard,
    /// (file in the generation, data rows).
    pub rows: &'a [(String, u64)],
}

/// The report document.
pub fn report_json(r: &ReportInputs) -> Value {
    let seen = r.seen_services.iter().map(String::as_str);
    let b = r.slot_backtest;
    json!({
        "schema_version": REPORT_SCHEMA_VERSION,
        "generation": r.generation,
        "source": {"from": r.source.0.to_string(), "to": r.source.1.to_string()},
        "catalog": {
            "path": r.catalog_path.display().to_string(),
            "services": r.catalog.services.len(),
            "missing_services": crate::catalog::missing_services(r.catalog, seen.clone()),
            "unseen_services": crate::catalog::unseen_services(r.catalog, seen),
            "review_warnings": r.review_warnings,
        },
        "arrival_backtest": r.arrival_backtest,
        "slot_wait_backtest": {
            "overall": score_json(&b.overall),
            "by_office": b.by_office.iter().map(|(o, s)| {
                let mut v = score_json(s);
                v["office_id"] = json!(o);
                v
            }).collect::<Vec<_>>(),
        },
        "slot_wait_replications": r.slot_wait_replications,
        "model": r.model.json(),
        "rows": r.rows.iter().map(|(n, k)| json!({"path": n, "rows": k})).collect::<Vec<_>>(),
    })
}
