//! The train step: retrain when due (no model, enough new days, or drift), behind the quality
//! gate; otherwise reuse the current model. The decision and its reason are recorded.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::model::file::ModelFile;
use crate::model::run::{ModelError, run_evaluate, run_train};
use crate::nightly::decide::{CurrentModel, ModelDecision, model_decision};
use crate::nightly::{NightlyError, NightlyParams, Observer, Step};
use crate::settings::ValidSettings;
use crate::store::Store;

/// What the train step did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ModelOutcome {
    /// A new model was written; its MAE at issue on its held-out days.
    Trained { reason: String, mae_at_issue: Option<f64>, trained_to: NaiveDate },
    /// The gate refused the new model; the old one (if any) stays.
    Refused { reason: String, refusal: String },
    /// The current model stays; its MAE at issue on the days since its window, if measured.
    Reused { reason: String, recent_mae: Option<f64>, trained_to: NaiveDate },
    /// Dry run: what would be decided.
    WouldTrain { reason: String },
}

impl ModelOutcome {
    pub fn reason(&self) -> &str {
        match self {
            ModelOutcome::Trained { reason, .. }
            | ModelOutcome::Refused { reason, .. }
            | ModelOutcome::Reused { reason, .. }
            | ModelOutcome::WouldTrain { reason } => reason,
        }
    }
}

/// Decides and, when due, trains.
pub fn run(
    settings: &ValidSettings,
    params: &NightlyParams,
    store: &Store,
    observer: &dyn Observer,
) -> Result<ModelOutcome, NightlyError> {
    let fail =
        |e: Box<dyn std::error::Error + Send + Sync>| NightlyError::Step { step: Step::Train, source: e };
    observer.step(Step::Train, true, 0);
    let newest = newest_day(store).map_err(|e| fail(e.into()))?;
    // A file this build cannot use (another format or features after an upgrade, a damaged
    // file) is replaced, and the run's record says why rather than "no model yet".
    let (current, unusable) = match params.model.exists() {
        true => match ModelFile::load(&params.model) {
            Ok(m) => (Some(m), None),
            Err(e) => {
                let why = crate::errors::chain(&e);
                tracing::warn!("the model file cannot be used ({why}); training a new one");
                (None, Some(why))
            }
        },
        false => (None, None),
    };
    let status = current.as_ref().map(|m| CurrentModel {
        trained_to: m.summary.trained_to,
        reference_mae: m.summary.gate.as_ref().map(|g| g.mae_new),
    });
    let recent_mae = match (&current, newest) {
        (Some(m), Some(newest)) if newest > m.summary.trained_to => recent_mae(store, m, newest),
        _ => None,
    };
    let Some(newest) = newest else {
        return Err(fail("the store holds no tickets: nothing to train on".into()));
    };
    let mut decision = model_decision(&params.retrain, status.as_ref(), newest, recent_mae);
    if let (ModelDecision::Train { reason }, Some(why)) = (&mut decision, unusable) {
        *reason = format!("the model file cannot be used: {why}");
    }
    tracing::info!(decision = ?decision, "model");
    let outcome = match (&decision, params.dry_run) {
        (ModelDecision::Train { reason }, true) => ModelOutcome::WouldTrain { reason: reason.clone() },
        (ModelDecision::Train { reason }, false) => match run_train(store, settings, None, &params.model) {
            Ok(model) => {
                model.save(&params.model).map_err(|e| fail(e.into()))?;
                ModelOutcome::Trained {
                    reason: reason.clone(),
                    mae_at_issue: model.summary.gate.as_ref().map(|g| g.mae_new),
                    trained_to: model.summary.trained_to,
                }
            }
            Err(ModelError::Refused(r)) => {
                tracing::warn!("{r}; {} kept", params.model.display());
                ModelOutcome::Refused { reason: reason.clone(), refusal: r.to_string() }
            }
            Err(e) => return Err(fail(e.into())),
        },
        (ModelDecision::Reuse { reason }, _) => ModelOutcome::Reused {
            reason: reason.clone(),
            recent_mae,
            trained_to: status.map_or(newest, |s| s.trained_to),
        },
    };
    observer.step(Step::Train, false, 0);
    Ok(outcome)
}

/// The newest stored day, if any.
fn newest_day(store: &Store) -> Result<Option<NaiveDate>, crate::store::StoreError> {
    let summary = crate::store::summary::summarize(store)?;
    Ok(summary.offices.iter().filter_map(|o| o.last_day.parse::<NaiveDate>().ok()).max())
}

/// The model's MAE at issue on the stored days after its window (None when it cannot be
/// scored there: too few tickets, another time zone).
fn recent_mae(store: &Store, model: &ModelFile, newest: NaiveDate) -> Option<f64> {
    let from = model.summary.trained_to.checked_add_days(Days::new(1))?;
    match run_evaluate(store, model, from, newest) {
        Ok(r) => {
            r.metrics.get(&model.summary.default_predictor).map(|b| b.at_issue.mae).filter(|m| m.is_finite())
        }
        Err(e) => {
            tracing::info!("drift not measured: {}", crate::errors::chain(&e));
            None
        }
    }
}
