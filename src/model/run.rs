//! The model commands as library functions: backtest, train (with its quality gate) and
//! evaluate (the CLI, `nightly` and the API call these). Outputs: [`crate::model::output`].

use std::path::Path;

use chrono::{Days, NaiveDate};

use crate::model::backtest::{BacktestResult, backtest};
use crate::model::dataset::FEATURES;
use crate::model::evaluate::evaluate;
use crate::model::file::{
    MODEL_FORMAT, ModelFile, ModelFileError, ModelSettings, ModelSummary, NamedPredictor,
};
use crate::model::gate::{Current, Refusal, alarm_figures, at_issue, judge};
use crate::model::output::{OutputError, summary_json};
use crate::model::params::ModelParams;
use crate::model::predictors::Fitted;
use crate::model::train::{TrainError, train_window};
use crate::settings::ValidSettings;
use crate::store::columns::load_columns;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    File(#[from] ModelFileError),
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The gate refused the new model; nothing was written.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the store holds no tickets from {from} to {to}")]
    NoTickets { from: NaiveDate, to: NaiveDate },
    #[error("the model was trained in timezone {model}, the store is read in {store}")]
    Timezone { model: String, store: String },
}

/// Runs the backtest on the whole store.
pub fn run_backtest(store: &Store, settings: &ValidSettings) -> Result<BacktestResult, ModelError> {
    let cols = load_columns(store, None, None, true)?;
    let p = ModelParams::from_settings(settings);
    Ok(backtest(&cols, &p.train, &p.predictors, store.tz())?)
}

/// Calendar days `evaluate` loads before its range: enough for the booking level's
/// [`crate::model::booking_level::RECENT_DAYS`] open days of an office open two days a week.
const LEVEL_LOOKBACK_DAYS: u64 = 42;

/// Scores the model file at `model` on the stored days `from` … `to`.
pub fn run_evaluate(
    store: &Store,
    model: &ModelFile,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BacktestResult, ModelError> {
    if model.tz() != Some(store.tz()) {
        return Err(ModelError::Timezone {
            model: model.summary.timezone.clone(),
            store: store.tz().name().into(),
        });
    }
    // Six weeks before `from` too: the booking level of the first days reads the last open days
    // before them, as the backtest's does (`evaluate` scores only `from` … `to`).
    let before = from.checked_sub_days(chrono::Days::new(LEVEL_LOOKBACK_DAYS)).unwrap_or(from);
    let cols = load_columns(store, Some(before), Some(to), true)?;
    if !cols.date.iter().any(|d| (from..=to).contains(d)) {
        return Err(ModelError::NoTickets { from, to });
    }
    let r = evaluate(model, &cols, from, to).ok_or_else(|| ModelError::Timezone {
        model: model.summary.timezone.clone(),
        store: store.tz().name().into(),
    })?;
    Ok(r)
}

/// Fits every predictor on all stored data, judges the result with the quality gate against
/// the ZMS rule and the model currently at `current` (if any), and returns the model file
/// to write; a refused model is [`ModelError::Refused`].
pub fn run_train(
    store: &Store,
    settings: &ValidSettings,
    backtest: Option<&BacktestResult>,
    current: &Path,
) -> Result<ModelFile, ModelError> {
    let cols = load_columns(store, None, None, false)?;
    let ModelParams { train: params, predictors, gate, .. } = ModelParams::from_settings(settings);
    let Some((from, to)) = cols.date_range() else {
        return Err(TrainError::NoTickets { until: NaiveDate::MAX }.into());
    };
    let default = "gbm";
    let trained = train_window(&cols, to + Days::new(1), &params, &predictors, Some(default), store.tz())?;
    // Scoring the current model reads the calibration days from the store again: without this
    // copy of every ticket beside it (1 GB of 10 M tickets).
    drop(cols);
    let names: Vec<&str> = predictors.iter().map(|p| p.name()).collect();
    let current = current_model(store, current, &trained.calibration_dates);
    let (figures, refusal) = judge(&trained, &names, default, &current, gate, params.notice_min);
    if let Some(r) = refusal {
        return Err(r.into());
    }
    let k = names.iter().position(|n| *n == default).unwrap_or_default();
    let alarm = alarm_figures(
        &at_issue(&trained.calibration, &trained.calibration_predictions[k], params.notice_min),
        params.notice_min,
        params.alarm_margin,
    );
    let gbm = trained.predictors.iter().find_map(|c| match &c.model {
        Fitted::Gbm(g) => Some(g),
        _ => None,
    });
    Ok(ModelFile {
        format: MODEL_FORMAT,
        summary: ModelSummary {
            queuecast_version: env!("CARGO_PKG_VERSION").to_string(),
            features: FEATURES.iter().map(|f| f.to_string()).collect(),
            trained_from: from,
            trained_to: to,
            timezone: store.tz().name().to_string(),
            offices: trained.offices.clone(),
            default_predictor: default.to_string(),
            train_rows: trained.train_rows,
            calibration_rows: trained.calibration_rows,
            calibration_days: trained.calibration_dates.clone(),
            gbm: gbm.map(|g| g.fit.clone()),
            gbm_at_issue: gbm.and_then(|g| g.at_issue.as_ref().map(|b| b.fit.clone())),
            gbm_at_issue_appointments: gbm
                .and_then(|g| g.at_issue_appointments.as_ref().map(|b| b.fit.clone())),
            alarm,
            gate: Some(figures),
            backtest: backtest.map(summary_json),
        },
        settings: ModelSettings {
            snapshot_min: params.snapshot_min,
            calibration_days: params.calibration.days,
            calibration_min_load: params.calibration.min_load,
            refit_with_calibration_days: params.refit,
            notice_min: params.notice_min,
            seed: params.seed,
            counter_idle_gap_min: params.replay.idle_gap_ms as f64 / 60_000.0,
        },
        services: params.services.clone(),
        history: trained.history,
        predictors: names
            .iter()
            .zip(trained.predictors)
            .map(|(n, c)| NamedPredictor { name: n.to_string(), predictor: c })
            .collect(),
    })
}

/// The model at `path`, scored at issue on the calibration days `days` (its own notice).
fn current_model(store: &Store, path: &Path, days: &[NaiveDate]) -> Current {
    if !path.exists() {
        return Current::None;
    }
    let model = match ModelFile::load(path) {
        Ok(m) => m,
        Err(e) => return Current::Unusable(e.to_string()),
    };
    let (Some(&from), Some(&to)) = (days.first(), days.last()) else {
        return Current::Unusable("no calibration days to score it on".into());
    };
    match run_evaluate(store, &model, from, to) {
        Ok(mut r) => {
            // Score the same days as the new model: the calibration days only.
            let keep: Vec<usize> =
                (0..r.test.len()).filter(|&i| days.binary_search(&r.test.meta[i].date).is_ok()).collect();
            let test = r.test.select(&keep);
            let name = &model.summary.default_predictor;
            let Some((_, q)) = r.predictions.iter_mut().find(|(n, _)| n == name) else {
                return Current::Unusable(format!("it has no predictor {name}"));
            };
            let q: Vec<_> = keep.iter().map(|&i| q[i]).collect();
            Current::Scored {
                mae: at_issue(&test, &q, model.settings.notice_min).mae,
                trained_to: model.summary.trained_to,
            }
        }
        Err(e) => Current::Unusable(e.to_string()),
    }
}

/// What `train` prints: window, rows, calibration days, the GBM fit, the alarm and the gate.
pub fn train_summary(m: &ModelFile) -> String {
    let s = &m.summary;
    let mut out = format!(
        "trained on {} … {} ({} offices): {} snapshots to fit, {} to calibrate on {} days ({} … {})\n",
        s.trained_from,
        s.trained_to,
        s.offices.len(),
        s.train_rows,
        s.calibration_rows,
        s.calibration_days.len(),
        s.calibration_days.first().map_or("-".into(), |d| d.to_string()),
        s.calibration_days.last().map_or("-".into(), |d| d.to_string()),
    );
    let issue_name =
        if s.gbm_at_issue_appointments.is_some() { "gbm at issue, walk-ins" } else { "gbm at issue" };
    let boosters = [
        ("gbm", &s.gbm),
        (issue_name, &s.gbm_at_issue),
        ("gbm at issue, appointments", &s.gbm_at_issue_appointments),
    ];
    for (name, g) in boosters.iter().filter_map(|(n, g)| g.as_ref().map(|g| (n, g))) {
        out.push_str(&format!(
            "{name}: {} trees, {} leaves; held out {} snapshots from {}: MAE {:.2} min (constant {:.2}), R² {:.3}{}\n",
            g.trees,
            g.leaves,
            g.valid_rows,
            g.valid_from.map_or("-".into(), |d| d.to_string()),
            g.valid_mae,
            g.valid_mae_constant,
            g.valid_r2,
            if g.stopped_early { ", stopped early" } else { "" }
        ));
    }
    let a = &s.alarm;
    out.push_str(&format!(
        "alarm ({} min notice, rung at {} of the calibrated alarm) on the calibration days: offered to {:.1} % of {} tickets at issue, to {:.1} % of the {} that waited ≥ 20 min; {:.1} % late\n",
        a.notice_min,
        a.margin,
        100.0 * a.offered_share,
        a.tickets,
        100.0 * a.long_wait_offered_share,
        a.long_waits,
        100.0 * a.late_share
    ));
    if let Some(g) = &s.gate {
        out.push_str(&format!(
            "gate: MAE at issue {:.2} min{}, ZMS rule {:.2}, current model {} ({})\n",
            g.mae_new,
            g.mae_new_refit.map_or(String::new(), |m| format!(" (refitted with these days {m:.2})")),
            g.mae_zms,
            g.mae_current.map_or("-".into(), |m| format!("{m:.2}")),
            g.current
        ));
    }
    out
}
