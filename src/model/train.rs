//! Learning from one training window: history statistics, the point predictors, and their
//! calibration on the window's calibration days ([`CalibrationDays`]). The backtest calls it
//! once per origin, `train` once for the whole store.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::model::calibration_days::CalibrationDays;
use crate::model::conformal::{Calibrator, Examples, Quantiles};
use crate::model::dataset::{Dataset, ExampleMeta, Probe, at_issue_rows};
use crate::model::features::{Context, dataset_of};
use crate::model::history::History;
use crate::model::outcomes::{Outcomes, score_days};
use crate::model::predictors::{FitError, Fitted, PredictorParams};
use crate::model::sample::{Plan, probe_counts};
use crate::replay::{DayRange, ReplayParams, day_ranges};
use crate::store::columns::TicketColumns;

/// | Name | Default | Purpose |
/// | `weeks` | 8 | test weeks of the backtest (rolling origins) |
/// | `snapshot_min` | 5 | minutes between snapshots of a waiting ticket |
/// | `calibration` | 56 open days (at most half of them), load ≥ 0.75 × usual | the days that calibrate the quantiles and alarm |
/// | `notice_min` | 10 | notice the alarm is scored for |
/// | `alarm_margin` | 0.85 | share of the calibrated alarm at which it rings |
/// | `fit_rows` | 400 000 | snapshots built to fit on at most (the GBM's row cap) |
/// | `fit_rows_offices` | 20 | offices `fit_rows` is meant for; more grow the cap in proportion (0: never) |
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
    pub weeks: u32,
    pub snapshot_min: f64,
    pub calibration: CalibrationDays,
    pub notice_min: f64,
    pub alarm_margin: f64,
    pub seed: u64,
    pub replay: ReplayParams,
    pub services: Vec<String>,
    pub fit_rows: usize,
    pub fit_rows_offices: usize,
    /// Fit the point predictors again on all days after calibrating them ([`train_window`]).
    pub refit: bool,
}

impl TrainParams {
    pub fn every_ms(&self) -> i64 {
        (self.snapshot_min * 60_000.0) as i64
    }

    /// The row cap of a window of `offices` offices: `fit_rows`, grown in proportion beyond
    /// `fit_rows_offices` offices. On 10 M tickets of 85 offices, 1.6 M rows instead of 400 000
    /// cut the MAE at issue by about 1 % (docs/wait-model-measurements.md); with a few offices the
    /// cap already holds most at-issue snapshots and more rows gained nothing.
    pub fn row_cap(&self, offices: usize) -> usize {
        if self.fit_rows_offices == 0 || offices <= self.fit_rows_offices {
            return self.fit_rows;
        }
        let grown = self.fit_rows as u128 * offices as u128 / self.fit_rows_offices as u128;
        usize::try_from(grown).unwrap_or(usize::MAX)
    }
}

/// Why a window could not be trained.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("no tickets to train on before {until}")]
    NoTickets { until: NaiveDate },
    #[error("no calibration days before {until}: the data needs at least two open days")]
    NoCalibrationDays { until: NaiveDate },
    #[error("not enough called tickets before {until}: {fit} snapshots to fit, {calibrate} to calibrate")]
    NotEnough { until: NaiveDate, fit: usize, calibrate: usize },
    #[error("cannot fit {predictor}")]
    Fit {
        predictor: &'static str,
        #[source]
        source: FitError,
    },
}

/// A fitted predictor with its calibrator.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Calibrated {
    pub model: Fitted,
    pub calibrator: Calibrator,
}

impl Calibrated {
    /// `model` with `calibrator`, its point kept as the median at issue when the model fits
    /// that median itself. Decided for the model that is kept: the fit before the refit may
    /// lack the at-issue boosters (too few rows to need them) where the refit has them.
    fn settle(model: Fitted, calibrator: Calibrator) -> Calibrated {
        let calibrator = if model.fits_median_at_issue() {
            calibrator.with_point_as_median_at_issue()
        } else {
            calibrator
        };
        Calibrated { model, calibrator }
    }

    pub fn predict(&self, x: &Dataset) -> Vec<Quantiles> {
        self.quantiles(&self.model.predict(x), &x.meta)
    }

    /// The calibrated quantiles around point predictions `point` of the examples `meta`.
    fn quantiles(&self, point: &[f64], meta: &[ExampleMeta]) -> Vec<Quantiles> {
        point
            .iter()
            .zip(meta)
            .map(|(&p, m)| {
                let key = (m.weekday(), m.ahead);
                self.calibrator.quantiles_for(p, m.probe == Probe::AtIssue, &m.office, key, m.replay_min)
            })
            .collect()
    }
}

/// Everything learned from one training window.
pub struct Trained {
    pub history: History,
    pub offices: Vec<String>,
    pub predictors: Vec<Calibrated>,
    pub train_rows: usize,
    /// Snapshots of the calibration days (at issue and later) the calibrators learned from.
    pub calibration_rows: usize,
    pub calibration_dates: Vec<NaiveDate>,
    /// The at-issue examples of the calibration days and each predictor's quantiles on them:
    /// all the gate and the alarm figures of the model file read (the later snapshots, 60 % of
    /// the county's 2.2 M, are not kept through the refit).
    pub calibration: Outcomes,
    pub calibration_predictions: Vec<Vec<Quantiles>>,
    /// With the refit, the name and the quantiles on the calibration examples of the refitted
    /// predictor the gate judges (it compares them with the current model, which may have
    /// trained on the days too); `None` without the refit or when no predictor was named.
    pub refit_calibration_predictions: Option<(&'static str, Vec<Quantiles>)>,
}

/// Learns from the days of `cols` before `until`: the calibration days are chosen first
/// ([`CalibrationDays::choose`]); the history and the point predictors learn from all other
/// days (the predictors from at most `fit_rows` snapshots, chosen before they are built);
/// each predictor is then calibrated on the calibration days. With `refit`, the history and
/// the point predictors then learn once more from all days, and the calibration is kept: the
/// calibration days are the latest, and a model that never sees them predicts from weeks-old
/// data (the calibration figures, and the gate's MAE against the ZMS rule, stay those of the fit
/// that did not see them). `gated`: the predictor whose refitted quantiles on those days are
/// kept for the gate's comparison with the current model (`None` in the backtest, which has
/// no gate: the days' features are then not built a second time).
pub fn train_window(
    cols: &TicketColumns,
    until: NaiveDate,
    params: &TrainParams,
    predictors: &[PredictorParams],
    gated: Option<&str>,
    tz: Tz,
) -> Result<Trained, TrainError> {
    let ranges: Vec<DayRange> = day_ranges(cols).into_iter().filter(|r| r.date < until).collect();
    let window_offices: std::collections::BTreeSet<u32> = ranges.iter().map(|r| r.office).collect();
    let fit_rows = params.row_cap(window_offices.len());
    let grown: Vec<PredictorParams>;
    let predictors = if fit_rows > params.fit_rows {
        grown = predictors.iter().map(|p| p.with_row_cap(fit_rows)).collect();
        &grown[..]
    } else {
        predictors
    };
    let mut daily: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for r in &ranges {
        *daily.entry(r.date).or_default() += r.rows.len();
    }
    if daily.is_empty() {
        return Err(TrainError::NoTickets { until });
    }
    let cal_dates = params.calibration.choose(&daily, until);
    if cal_dates.is_empty() {
        return Err(TrainError::NoCalibrationDays { until });
    }
    let is_cal = |d: NaiveDate| cal_dates.binary_search(&d).is_ok();
    let history = History::learn_where(cols, tz, |d| d < until && !is_cal(d));
    let mut offices = cols.offices.clone();
    offices.sort();
    let ctx = Context {
        history: &history,
        offices: &offices,
        services: &params.services,
        tz,
        replay: params.replay,
    };
    let (cal_days, fit_days): (Vec<DayRange>, Vec<DayRange>) =
        ranges.into_iter().partition(|r| is_cal(r.date));
    let every = params.every_ms();
    let (cal_issue, cal_later) = probe_counts(cols, &cal_days, every);
    let train = sampled(cols, &fit_days, &ctx, every, fit_rows);
    if train.is_empty() || cal_issue + cal_later == 0 {
        return Err(TrainError::NotEnough { until, fit: train.len(), calibrate: cal_issue + cal_later });
    }
    let mut train_rows = train.len();
    let models = predictors
        .iter()
        .map(|p| p.fit(&train).map_err(|source| TrainError::Fit { predictor: p.name(), source }))
        .collect::<Result<Vec<Fitted>, TrainError>>()?;
    drop(train);
    // Each predictor's points on the calibration days, their features built a chunk at a time.
    let (cal, points) =
        score_days(cols, &cal_days, &ctx, every, |d| models.iter().map(|m| m.predict(d)).collect());
    let calibration_rows = cal.len();
    let issue_rows = at_issue_rows(&cal.meta);
    // Only the at-issue examples are judged later: the rest would be held through the refit.
    let issue = cal.select(&issue_rows);
    let (mut fitted, calibrators, cal_predictions) =
        calibrate(models, &points, &cal, (&issue_rows, &issue.meta), params);
    drop(points);
    drop(cal);
    let cal = issue;
    let mut refit_history = None;
    let mut refit_predictions = None;
    if params.refit {
        let mut days = fit_days;
        days.extend(cal_days.iter().cloned());
        days.sort_by_key(|r| r.rows.start);
        let all_history = History::learn_where(cols, tz, |d| d < until);
        let ctx = Context { history: &all_history, ..ctx };
        let all = sampled(cols, &days, &ctx, every, fit_rows);
        for ((p, c), calibrator) in predictors.iter().zip(&mut fitted).zip(calibrators) {
            let model = p.fit(&all).map_err(|source| TrainError::Fit { predictor: p.name(), source })?;
            *c = Calibrated::settle(model, calibrator);
        }
        train_rows = all.len();
        drop(all);
        if let Some(k) = gated.and_then(|name| predictors.iter().position(|p| p.name() == name)) {
            // The calibration examples again, their features from the refitted history.
            let (_, mut seen) = score_days(cols, &cal_days, &ctx, every, |d| {
                vec![fitted[k].predict(&d.select(&at_issue_rows(&d.meta)))]
            });
            refit_predictions = Some((predictors[k].name(), seen.pop().unwrap_or_default()));
        }
        refit_history = Some(all_history);
    }
    Ok(Trained {
        history: refit_history.unwrap_or(history),
        offices,
        predictors: fitted,
        train_rows,
        calibration_rows,
        calibration_dates: cal_dates,
        calibration: cal,
        calibration_predictions: cal_predictions,
        refit_calibration_predictions: refit_predictions,
    })
}

/// Calibrates each of `models` on its `points` at the calibration examples `cal`: the fitted
/// predictors, their calibrators (kept for the refit), and their quantiles at the at-issue
/// examples (`issue`: their rows in `cal` and their metadata).
fn calibrate(
    models: Vec<Fitted>,
    points: &[Vec<f64>],
    cal: &Outcomes,
    (issue_rows, issue_meta): (&[usize], &[ExampleMeta]),
    params: &TrainParams,
) -> (Vec<Calibrated>, Vec<Calibrator>, Vec<Vec<Quantiles>>) {
    let at_issue: Vec<bool> = cal.meta.iter().map(|m| m.probe == Probe::AtIssue).collect();
    let offices: Vec<&str> = cal.meta.iter().map(|m| m.office.as_ref()).collect();
    let tickets: Vec<u32> = cal.meta.iter().map(|m| m.row).collect();
    let weekdays: Vec<u8> = cal.meta.iter().map(ExampleMeta::weekday).collect();
    let ahead: Vec<u32> = cal.meta.iter().map(|m| m.ahead).collect();
    let days = office_days(&cal.meta);
    let mut fitted = Vec::new();
    let mut calibrators = Vec::new();
    let mut predictions = Vec::new();
    for (model, point) in models.into_iter().zip(points) {
        let examples = Examples {
            point,
            actual: &cal.y,
            at_issue: &at_issue,
            ticket: &tickets,
            office: &offices,
            weekday: &weekdays,
            ahead: &ahead,
            day: &days,
        };
        let calibrator = Calibrator::fit(&examples, params.notice_min)
            .with_office_alarms(&examples, params.notice_min)
            .with_alarm_margin(params.alarm_margin)
            .with_replay_cap();
        calibrators.push(calibrator.clone());
        let c = Calibrated::settle(model, calibrator);
        // The points are those the calibrator learned from: predicted once.
        let issue_points: Vec<f64> = issue_rows.iter().map(|&i| point[i]).collect();
        predictions.push(c.quantiles(&issue_points, issue_meta));
        fitted.push(c);
    }
    (fitted, calibrators, predictions)
}

/// A key per example that is the same for the examples of one office-day and differs between
/// office-days (the alarm bound's clusters).
fn office_days(meta: &[ExampleMeta]) -> Vec<u32> {
    let mut keys: std::collections::HashMap<(&str, NaiveDate), u32> = Default::default();
    meta.iter()
        .map(|m| {
            let next = keys.len() as u32;
            *keys.entry((m.office.as_ref(), m.date)).or_insert(next)
        })
        .collect()
}

/// The examples of `days` the point predictors fit on: at most `fit_rows` snapshots, chosen
/// before they are built ([`Plan`]).
fn sampled(cols: &TicketColumns, days: &[DayRange], ctx: &Context, every: i64, fit_rows: usize) -> Dataset {
    let (issue, later) = probe_counts(cols, days, every);
    let mut plan = Plan::new(issue, later, fit_rows);
    dataset_of(cols, days, ctx, every, Some(&mut plan))
}
