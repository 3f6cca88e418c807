//! Rolling-origin backtest: for each of the last W weeks, learn from everything before it
//! ([`train_window`]: history, model fits, calibration on the normal days before it) and
//! predict that week. Nothing from the test week or later is ever used.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::conformal::Quantiles;
use crate::model::features::Context;
use crate::model::gbm::GbmFit;
use crate::model::metrics::{Breakdown, breakdown};
use crate::model::outcomes::{Outcomes, score_days};
use crate::model::predictors::{Fitted, PredictorParams};
use crate::model::train::{TrainError, TrainParams, Trained, train_window};
use crate::replay::day_ranges;
use crate::store::columns::TicketColumns;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
    pub train_rows: usize,
    pub calibration_rows: usize,
    /// The calibration days (first, last, how many).
    pub calibration_from: NaiveDate,
    pub calibration_to: NaiveDate,
    pub calibration_days: usize,
    pub test_rows: usize,
    /// How the GBM fit went (trees, held-out figures), if one was fitted.
    pub gbm: Option<GbmFit>,
    /// How its at-issue booster's fit went, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gbm_at_issue: Option<GbmFit>,
    /// How the at-issue booster of appointment tickets fit, when the at-issue rows were split
    /// by channel (`gbm_at_issue` is then the walk-ins').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gbm_at_issue_appointments: Option<GbmFit>,
}

impl Fold {
    fn new(trained: &Trained, test_from: NaiveDate, test_to: NaiveDate, test_rows: usize) -> Fold {
        let dates = &trained.calibration_dates;
        let gbm = trained.predictors.iter().find_map(|c| match &c.model {
            Fitted::Gbm(m) => Some(m),
            _ => None,
        });
        Fold {
            test_from,
            test_to,
            train_rows: trained.train_rows,
            calibration_rows: trained.calibration_rows,
            calibration_from: dates.first().copied().unwrap_or(test_from),
            calibration_to: dates.last().copied().unwrap_or(test_from),
            calibration_days: dates.len(),
            test_rows,
            gbm: gbm.map(|m| m.fit.clone()),
            gbm_at_issue: gbm.and_then(|m| m.at_issue.as_ref()).map(|b| b.fit.clone()),
            gbm_at_issue_appointments: gbm
                .and_then(|m| m.at_issue_appointments.as_ref())
                .map(|b| b.fit.clone()),
        }
    }
}

/// Test examples with every predictor's quantiles, and their metrics: what `backtest` and
/// `evaluate` print and write.
pub struct BacktestResult {
    pub folds: Vec<Fold>,
    /// All test examples of all folds.
    pub test: Outcomes,
    /// Ticket id of each test example.
    pub ticket_ids: Vec<String>,
    /// Per predictor (in `PredictorParams::all` order): name and quantiles of every test example.
    pub predictions: Vec<(String, Vec<Quantiles>)>,
    pub metrics: BTreeMap<String, Breakdown>,
    /// Notice the alarms were scored for, minutes.
    pub notice_min: f64,
}

impl BacktestResult {
    /// An empty result for the predictors `names`.
    pub fn new(names: impl IntoIterator<Item = String>, notice_min: f64) -> BacktestResult {
        BacktestResult {
            folds: Vec::new(),
            test: Outcomes::default(),
            ticket_ids: Vec::new(),
            predictions: names.into_iter().map(|n| (n, Vec::new())).collect(),
            metrics: BTreeMap::new(),
            notice_min,
        }
    }

    /// Adds test examples (built from `cols`) and each predictor's quantiles for them.
    pub fn push(&mut self, cols: &TicketColumns, test: Outcomes, quantiles: Vec<Vec<Quantiles>>) {
        for (slot, q) in self.predictions.iter_mut().zip(quantiles) {
            slot.1.extend(q);
        }
        self.ticket_ids.extend(
            test.meta.iter().map(|m| cols.ticket_id.get(m.row as usize).cloned().unwrap_or_default()),
        );
        self.test.extend(test);
    }

    /// Computes the metrics of every predictor over all test examples.
    pub fn score(&mut self) {
        for (name, q) in &self.predictions {
            self.metrics.insert(name.clone(), breakdown(&self.test, q, self.notice_min));
        }
    }
}

/// Runs the rolling-origin backtest over the last `params.weeks` weeks of `cols`.
pub fn backtest(
    cols: &TicketColumns,
    params: &TrainParams,
    predictors: &[PredictorParams],
    tz: Tz,
) -> Result<BacktestResult, TrainError> {
    let Some((_, last)) = cols.date_range() else {
        return Err(TrainError::NoTickets { until: NaiveDate::MAX });
    };
    let end = last + Days::new(1);
    let ranges = day_ranges(cols);
    let mut result = BacktestResult::new(predictors.iter().map(|p| p.name().to_string()), params.notice_min);
    for k in (1..=params.weeks as u64).rev() {
        let test_from = end - Days::new(7 * k);
        let test_to = test_from + Days::new(7);
        let trained = train_window(cols, test_from, params, predictors, None, tz)?;
        let ctx = Context {
            history: &trained.history,
            offices: &trained.offices,
            services: &params.services,
            tz,
            replay: params.replay,
        };
        let days: Vec<_> =
            ranges.iter().filter(|r| r.date >= test_from && r.date < test_to).cloned().collect();
        let (test, quantiles) = score_days(cols, &days, &ctx, params.every_ms(), |d| {
            trained.predictors.iter().map(|c| c.predict(d)).collect()
        });
        result.folds.push(Fold::new(&trained, test_from, test_to - Days::new(1), test.len()));
        result.push(cols, test, quantiles);
    }
    result.score();
    Ok(result)
}
