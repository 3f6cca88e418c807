//! Rolling-origin backtest: for each of the last W weeks, learn from everything before it
//! (history, model fit, then conformal calibration on the last weeks before it) and predict
//! that week. Nothing from the test week or later is ever used.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::conformal::{Calibrator, Quantiles};
use crate::model::dataset::{Dataset, Probe};
use crate::model::features::{Context, dataset};
use crate::model::history::History;
use crate::model::metrics::{Breakdown, breakdown};
use crate::model::predictors::{Fitted, PredictorParams};
use crate::replay::ReplayParams;
use crate::store::columns::TicketColumns;

/// | Name | Default | Purpose |
/// | `weeks` | 8 | test weeks (rolling origins) |
/// | `snapshot_min` | 5 | minutes between snapshots of a waiting ticket |
/// | `calibration_days` | 14 | days before the origin held out for conformal calibration |
/// | `notice_min` | 10 | notice the alarm is scored for |
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
    pub weeks: u32,
    pub snapshot_min: f64,
    pub calibration_days: u32,
    pub notice_min: f64,
    pub seed: u64,
    pub replay: ReplayParams,
    pub services: Vec<String>,
}

/// A fitted predictor with its calibrator.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Calibrated {
    pub model: Fitted,
    pub calibrator: Calibrator,
}

impl Calibrated {
    pub fn predict(&self, x: &Dataset) -> Vec<Quantiles> {
        let point = self.model.predict(x);
        point
            .into_iter()
            .zip(&x.meta)
            .map(|(p, m)| self.calibrator.quantiles_for(p, m.probe == Probe::AtIssue, &m.office))
            .collect()
    }
}

/// Everything learned from one training window.
pub struct Trained {
    pub history: History,
    pub offices: Vec<String>,
    pub predictors: Vec<Calibrated>,
    pub train_rows: usize,
    pub calibration_rows: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
    pub train_rows: usize,
    pub calibration_rows: usize,
    pub test_rows: usize,
}

pub struct BacktestResult {
    pub folds: Vec<Fold>,
    /// All test examples of all folds.
    pub test: Dataset,
    /// Per predictor (in `PredictorParams::all` order): name and quantiles of every test example.
    pub predictions: Vec<(String, Vec<Quantiles>)>,
    pub metrics: BTreeMap<String, Breakdown>,
}

/// Learns history, fits every predictor on `[.., cal_from)` and calibrates on `[cal_from, until)`.
pub fn train_window(
    cols: &TicketColumns,
    until: NaiveDate,
    params: &TrainParams,
    predictors: &[PredictorParams],
    tz: Tz,
) -> Result<Trained, String> {
    let (first, _) = cols.date_range().ok_or("no tickets to train on")?;
    let cal_from = until - Days::new(params.calibration_days as u64);
    if cal_from <= first {
        return Err(format!(
            "training needs data before the {}-day calibration period: data starts {first}, calibration starts {cal_from}",
            params.calibration_days
        ));
    }
    let fit_cols = cols.between(first, cal_from);
    let cal_cols = cols.between(cal_from, until);
    let history = History::learn(&fit_cols, tz);
    let mut offices = cols.offices.clone();
    offices.sort();
    let ctx = Context {
        history: &history,
        offices: &offices,
        services: &params.services,
        tz,
        replay: params.replay,
    };
    let every = (params.snapshot_min * 60_000.0) as i64;
    let train = dataset(&fit_cols, &ctx, every);
    let cal = dataset(&cal_cols, &ctx, every);
    if train.is_empty() || cal.is_empty() {
        return Err(format!("not enough called tickets: {} to fit, {} to calibrate", train.len(), cal.len()));
    }
    let mut fitted = Vec::new();
    for p in predictors {
        let model = p.fit(&train)?;
        let at_issue: Vec<bool> = cal.meta.iter().map(|m| m.probe == Probe::AtIssue).collect();
        let offices: Vec<&str> = cal.meta.iter().map(|m| m.office.as_str()).collect();
        let point = model.predict(&cal);
        let calibrator = Calibrator::fit(&point, &cal.y, &at_issue, params.notice_min).with_office_alarms(
            &point,
            &cal.y,
            &at_issue,
            &offices,
            params.notice_min,
        );
        fitted.push(Calibrated { model, calibrator });
    }
    Ok(Trained { history, offices, predictors: fitted, train_rows: train.len(), calibration_rows: cal.len() })
}

/// Runs the rolling-origin backtest over the last `params.weeks` weeks of `cols`.
pub fn backtest(
    cols: &TicketColumns,
    params: &TrainParams,
    predictors: &[PredictorParams],
    tz: Tz,
) -> Result<BacktestResult, String> {
    let (_, last) = cols.date_range().ok_or("the store holds no tickets")?;
    let end = last + Days::new(1);
    let mut result = BacktestResult {
        folds: Vec::new(),
        test: Dataset::default(),
        predictions: predictors.iter().map(|p| (p.name().to_string(), Vec::new())).collect(),
        metrics: BTreeMap::new(),
    };
    for k in (1..=params.weeks as u64).rev() {
        let test_from = end - Days::new(7 * k);
        let test_to = test_from + Days::new(7);
        let trained =
            train_window(&cols.between(NaiveDate::MIN, test_from), test_from, params, predictors, tz)?;
        let ctx = Context {
            history: &trained.history,
            offices: &trained.offices,
            services: &params.services,
            tz,
            replay: params.replay,
        };
        let test = dataset(&cols.between(test_from, test_to), &ctx, (params.snapshot_min * 60_000.0) as i64);
        for (slot, c) in result.predictions.iter_mut().zip(&trained.predictors) {
            slot.1.extend(c.predict(&test));
        }
        result.folds.push(Fold {
            test_from,
            test_to: test_to - Days::new(1),
            train_rows: trained.train_rows,
            calibration_rows: trained.calibration_rows,
            test_rows: test.len(),
        });
        result.test.extend(test);
    }
    for (name, q) in &result.predictions {
        result.metrics.insert(name.clone(), breakdown(&result.test, q, params.notice_min));
    }
    Ok(result)
}
