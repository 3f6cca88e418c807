//! The predictors compared: today's fixed rules, queueing-theory baselines and two learned
//! models, behind one params → fit → fitted → predict shape. Predictions are point
//! estimates of the remaining wait in minutes; quantiles come from [`super::conformal`].

use serde::{Deserialize, Serialize};

use crate::model::dataset::{Dataset, feature};
use crate::model::gbm::{GbmError, GbmModel, GbmParams, Loss};
use crate::model::linear::{LinearError, LinearModel, LinearParams};

/// Why a predictor could not be fitted.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error(transparent)]
    Gbm(#[from] GbmError),
    #[error(transparent)]
    Linear(#[from] LinearError),
}

/// Which predictor, with its hyper-parameters: the unfitted side.
#[derive(Debug, Clone, PartialEq)]
pub enum PredictorParams {
    /// ZMS-style rule of deployed systems: people ahead × mean processing time ÷ counters.
    Zms,
    /// Historical mean wait of the office × weekday × hour of issue, minus time already waited.
    HistoricalMean,
    /// Last-to-enter-service: the wait of the most recently called ticket.
    Les,
    /// Head-of-line: how long the oldest waiting ticket has waited.
    Hol,
    /// Queue length: (people ahead + 1) × recent mean service time ÷ active counters.
    QueueLength,
    /// Deterministic replay of the queue: due appointments first, usual counter times.
    Fluid,
    /// Sparse linear model on queueing features (elastic net; the "Q-Lasso" idea).
    Linear(LinearParams),
    /// Gradient-boosted trees on all features.
    Gbm(GbmParams),
}

impl PredictorParams {
    /// The predictors of a backtest, baselines first, with the given boosting parameters.
    pub fn all(gbm: GbmParams) -> Vec<PredictorParams> {
        vec![
            PredictorParams::Zms,
            PredictorParams::HistoricalMean,
            PredictorParams::Les,
            PredictorParams::Hol,
            PredictorParams::QueueLength,
            PredictorParams::Fluid,
            PredictorParams::Linear(LinearParams::default()),
            PredictorParams::Gbm(gbm),
        ]
    }

    pub fn name(&self) -> &'static str {
        match self {
            PredictorParams::Zms => "zms_rule",
            PredictorParams::HistoricalMean => "historical_mean",
            PredictorParams::Les => "les",
            PredictorParams::Hol => "hol",
            PredictorParams::QueueLength => "queue_length",
            PredictorParams::Fluid => "fluid",
            PredictorParams::Linear(_) => "linear",
            PredictorParams::Gbm(_) => "gbm",
        }
    }

    /// The same predictor with the GBM's row cap at `rows` (others keep their own).
    pub fn with_row_cap(&self, rows: usize) -> PredictorParams {
        match self {
            PredictorParams::Gbm(g) => PredictorParams::Gbm(GbmParams { max_rows: rows, ..g.clone() }),
            other => other.clone(),
        }
    }

    /// Fits on `train` (rules need no fitting: they read history-based features).
    pub fn fit(&self, train: &Dataset) -> Result<Fitted, FitError> {
        Ok(match self {
            PredictorParams::Zms => Fitted::Zms,
            PredictorParams::HistoricalMean => Fitted::HistoricalMean,
            PredictorParams::Les => Fitted::Les,
            PredictorParams::Hol => Fitted::Hol,
            PredictorParams::QueueLength => Fitted::QueueLength,
            PredictorParams::Fluid => Fitted::Fluid,
            PredictorParams::Linear(p) => Fitted::Linear(p.fit(train)?),
            PredictorParams::Gbm(p) => Fitted::Gbm(Box::new(p.fit(train)?)),
        })
    }
}

/// A fitted predictor; serializable into the model file. `predict` is pure.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")] // externally tagged: internal tags buffer content and lose the trees' integer map keys
pub enum Fitted {
    Zms,
    HistoricalMean,
    Les,
    Hol,
    QueueLength,
    Fluid,
    Linear(LinearModel),
    Gbm(Box<GbmModel>),
}

impl Fitted {
    pub fn name(&self) -> &'static str {
        match self {
            Fitted::Zms => "zms_rule",
            Fitted::HistoricalMean => "historical_mean",
            Fitted::Les => "les",
            Fitted::Hol => "hol",
            Fitted::QueueLength => "queue_length",
            Fitted::Fluid => "fluid",
            Fitted::Linear(_) => "linear",
            Fitted::Gbm(_) => "gbm",
        }
    }

    /// Whether the point prediction at issue is itself a fitted median of at-issue waits: a
    /// GBM with absolute loss and its own at-issue booster. Its calibration then keeps the
    /// point as the median ([`super::conformal::Calibrator::with_point_as_median_at_issue`]).
    pub fn fits_median_at_issue(&self) -> bool {
        matches!(self, Fitted::Gbm(m) if m.at_issue.is_some() && m.fit.loss == Loss::Absolute)
    }

    /// Remaining wait in minutes for every example (never negative).
    pub fn predict(&self, x: &Dataset) -> Vec<f64> {
        let col = |name: &str| x.column(feature(name));
        let rule = |f: &dyn Fn(usize) -> f64| (0..x.len()).map(|i| f(i).max(0.0)).collect::<Vec<f64>>();
        match self {
            Fitted::Zms => {
                let (ahead, service, active) =
                    (col("ahead_total"), col("office_service_min"), col("active_counters"));
                rule(&|i| ahead[i] * service[i] / active[i].max(1.0))
            }
            Fitted::HistoricalMean => {
                let (hist, elapsed) = (col("hist_mean_wait_min"), col("elapsed_min"));
                rule(&|i| hist[i] - elapsed[i])
            }
            Fitted::Les => {
                let (les, hist, elapsed) = (col("les_min"), col("hist_mean_wait_min"), col("elapsed_min"));
                rule(&|i| if les[i].is_nan() { hist[i] - elapsed[i] } else { les[i] - elapsed[i] })
            }
            Fitted::Hol => {
                let (hol, elapsed) = (col("hol_min"), col("elapsed_min"));
                rule(&|i| hol[i] - elapsed[i])
            }
            Fitted::QueueLength => {
                let ql = col("ql_estimate_min");
                rule(&|i| ql[i])
            }
            Fitted::Fluid => {
                let f = col("fluid_call_min");
                rule(&|i| f[i])
            }
            Fitted::Linear(m) => m.predict(x).into_iter().map(|v| v.max(0.0)).collect(),
            Fitted::Gbm(m) => m.predict(x).into_iter().map(|v| v.max(0.0)).collect(),
        }
    }
}
