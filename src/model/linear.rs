//! Sparse linear model on queueing features: elastic net (linfa) on standardised inputs.

use linfa::prelude::*;
use linfa_elasticnet::ElasticNet;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::model::dataset::{Dataset, feature};

/// The queueing features the linear model sees (no categories: it stays interpretable).
pub const LINEAR_FEATURES: [&str; 13] = [
    "ahead_same_service",
    "ahead_total",
    "waiting_total",
    "work_ahead_min",
    "active_counters",
    "calls_last_15min",
    "calls_last_30min",
    "recent_service_min",
    "les_min",
    "hol_min",
    "elapsed_min",
    "ql_estimate_min",
    "hist_mean_wait_min",
];

/// | Name | Default | Purpose |
/// | `penalty` | 0.01 | overall regularisation strength (on standardised features) |
/// | `l1_ratio` | 0.5 | share of L1 in the penalty (1 = lasso) |
/// | `max_rows` | 50 000 | training rows used at most ([`Dataset::subsample`]): 13 coefficients need no more, and coordinate descent costs rows × iterations |
#[derive(Debug, Clone, PartialEq)]
pub struct LinearParams {
    pub penalty: f64,
    pub l1_ratio: f64,
    pub max_rows: usize,
}

impl Default for LinearParams {
    fn default() -> Self {
        LinearParams { penalty: 0.01, l1_ratio: 0.5, max_rows: 50_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    pub features: Vec<String>,
    /// Per feature: value used for missing inputs (training median), mean and scale.
    pub fill: Vec<f64>,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    pub coef: Vec<f64>,
    pub intercept: f64,
}

/// Why the elastic net could not be fitted.
#[derive(Debug, thiserror::Error)]
pub enum LinearError {
    #[error("l1_ratio should be in range [0, 1], but is {0}")]
    L1Ratio(f64),
    #[error("elastic net")]
    Fit(#[source] linfa_elasticnet::ElasticNetError),
}

impl LinearParams {
    pub fn fit(&self, train: &Dataset) -> Result<LinearModel, LinearError> {
        if !(0.0..=1.0).contains(&self.l1_ratio) {
            return Err(LinearError::L1Ratio(self.l1_ratio));
        }
        let train = &*train.subsample(self.max_rows.max(1));
        let idx: Vec<usize> = LINEAR_FEATURES.iter().map(|f| feature(f)).collect();
        let mut fill = Vec::new();
        let mut mean = Vec::new();
        let mut scale = Vec::new();
        for &f in &idx {
            let mut v: Vec<f64> = train.column(f).iter().copied().filter(|v| v.is_finite()).collect();
            v.sort_by(f64::total_cmp);
            let med = if v.is_empty() { 0.0 } else { v[v.len() / 2] };
            let m = v.iter().sum::<f64>() / v.len().max(1) as f64;
            let sd = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len().max(1) as f64).sqrt();
            fill.push(med);
            mean.push(m);
            scale.push(if sd > 1e-9 { sd } else { 1.0 });
        }
        let model = LinearModel {
            features: LINEAR_FEATURES.iter().map(|s| s.to_string()).collect(),
            fill,
            mean,
            scale,
            coef: Vec::new(),
            intercept: 0.0,
        };
        let x = model.design(train);
        let y = Array1::from_vec(train.y.clone());
        let data = linfa::Dataset::new(x, y);
        let fitted = ElasticNet::params()
            .penalty(self.penalty)
            .l1_ratio(self.l1_ratio)
            .max_iterations(1000)
            .tolerance(1e-6)
            .fit(&data)
            .map_err(LinearError::Fit)?;
        Ok(LinearModel { coef: fitted.hyperplane().to_vec(), intercept: fitted.intercept(), ..model })
    }
}

impl LinearModel {
    /// Standardised design matrix (rows × features), missing values filled.
    fn design(&self, x: &Dataset) -> Array2<f64> {
        let n = x.len();
        let mut a = Array2::zeros((n, self.features.len()));
        for (j, name) in self.features.iter().enumerate() {
            let col = x.column(feature(name));
            for i in 0..n {
                let v = if col[i].is_finite() { col[i] } else { self.fill[j] };
                a[[i, j]] = (v - self.mean[j]) / self.scale[j];
            }
        }
        a
    }

    pub fn predict(&self, x: &Dataset) -> Vec<f64> {
        let a = self.design(x);
        let coef = Array1::from_vec(self.coef.clone());
        (a.dot(&coef) + self.intercept).to_vec()
    }
}
