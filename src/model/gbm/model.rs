//! The fitted booster: its trees, the at-issue boosters beside them, how each fit went on its
//! held-out days, and prediction.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::dataset::{Dataset, feature};
use crate::model::features::channel_code;
use crate::model::gbm::loss::{Loss, Scale};
use crate::model::gbm::tree::Forest;
use crate::schema::Channel;

/// How the fit went, measured on the held-out days before the refit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GbmFit {
    /// The loss boosted on (files written before it was a setting: squared).
    #[serde(default = "Loss::squared")]
    pub loss: Loss,
    /// Trees kept (the round with the lowest held-out loss) and their leaves in all.
    pub trees: usize,
    pub leaves: usize,
    /// Rows boosted on, and held out (0: too few days to hold out; no early stopping).
    pub fit_rows: usize,
    pub valid_rows: usize,
    /// First held-out day.
    pub valid_from: Option<NaiveDate>,
    /// Whether boosting stopped before `max_trees` because the held-out loss stalled.
    pub stopped_early: bool,
    /// Held-out MAE of the model and of the constant training mean, minutes.
    pub valid_mae: f64,
    pub valid_mae_constant: f64,
    /// Held-out share of variance explained: 1 − MSE(model) ÷ MSE(constant training mean).
    pub valid_r2: f64,
}

/// The fitted booster: `base + Σ tree(x)` on its scale, turned back into minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmModel {
    pub features: Vec<String>,
    #[serde(default)]
    pub scale: Scale,
    pub base: f64,
    /// A feature each row starts from besides `base` (boosters fitted without one: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    pub forest: Forest,
    pub fit: GbmFit,
    /// The booster for snapshots at issue, when one was fitted (files without it use `forest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_issue: Option<AtIssueBooster>,
    /// The at-issue booster of appointment tickets, when the at-issue rows were split by
    /// channel (`at_issue` then predicts walk-ins at issue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_issue_appointments: Option<AtIssueBooster>,
}

/// A second booster on the same features and scale, fitted on rows 90 % at issue: the MAE
/// at issue is the headline, and on rows half at issue the trees spend their leaves on how
/// long waits unfold. It predicts the snapshots whose wait has lasted less than
/// [`AT_ISSUE_MAX_ELAPSED_MIN`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtIssueBooster {
    pub base: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    pub forest: Forest,
    pub fit: GbmFit,
}

impl From<GbmModel> for AtIssueBooster {
    fn from(b: GbmModel) -> AtIssueBooster {
        AtIssueBooster { base: b.base, anchor: b.anchor, forest: b.forest, fit: b.fit }
    }
}

/// A feature a booster starts each row from: `weight × value` on the fit's scale (the root
/// of the minutes), a missing or negative value counting as 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    /// Column in [`FEATURES`](crate::model::dataset::FEATURES).
    pub feature: usize,
    pub weight: f64,
}

impl Anchor {
    /// This anchor's start for one row on `scale`.
    pub(super) fn start(&self, scale: Scale, value: f64) -> f64 {
        if value.is_finite() { self.weight * scale.forward(value.max(0.0)) } else { 0.0 }
    }
}

/// Whether a `channel` feature value is an appointment ticket's code.
pub(super) fn is_appointment(code: f64) -> bool {
    code == channel_code(Channel::Appointment)
}

/// The appointment tickets' at-issue booster passes the collapse check with a held-out MAE of
/// at most this share of the constant's, whatever its R² ([`GbmModel::check`]).
pub const APPOINTMENTS_MAX_MAE_SHARE: f64 = 0.8;

/// Snapshots whose wait has lasted less than this (minutes) count as at issue: nearer the
/// draw than the first later snapshot the boosters learn from (5 min by default).
pub const AT_ISSUE_MAX_ELAPSED_MIN: f64 = 2.5;

impl GbmFit {
    pub(super) fn set_scores(&mut self, pred: &[f64], rows: &[u32], y: &[f64], constant: f64) {
        let n = rows.len().max(1) as f64;
        let truth = || rows.iter().map(|&r| y[r as usize]);
        self.valid_mae = truth().zip(pred).map(|(a, p)| (a - p).abs()).sum::<f64>() / n;
        self.valid_mae_constant = truth().map(|a| (a - constant).abs()).sum::<f64>() / n;
        let mse = truth().zip(pred).map(|(a, p)| (a - p).powi(2)).sum::<f64>() / n;
        let mse_constant = truth().map(|a| (a - constant).powi(2)).sum::<f64>() / n;
        self.valid_r2 = if mse_constant > 0.0 { 1.0 - mse / mse_constant } else { 0.0 };
    }
}

/// A fitted booster that learned next to nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the GBM collapsed: it explains {r2:.2} of the variance on the held-out days (at least {min_r2:.2} wanted), \
     {trees} trees with {leaves} leaves, held-out MAE {mae:.2} min against {mae_constant:.2} for a constant"
)]
pub struct Collapsed {
    pub r2: f64,
    pub min_r2: f64,
    pub trees: usize,
    pub leaves: usize,
    pub mae: f64,
    pub mae_constant: f64,
}

impl GbmModel {
    /// Remaining wait of every example in minutes (not clipped at 0 on the minutes scale; the
    /// root scale cannot go below). Rows are copied out of the column-major matrix before their
    /// trees are walked (a walk reads features in no order, and each column of 350 000
    /// calibration rows is 2.8 MB apart), and blocks of rows run on the available cores; each
    /// row's sum is the same whatever the block or thread.
    pub fn predict(&self, x: &Dataset) -> Vec<f64> {
        const BLOCK: usize = 4096;
        let n = self.forest.n_trees();
        let nf = x.n_features();
        let (elapsed, channel) = (feature("elapsed_min"), feature("channel"));
        let blocks: Vec<std::ops::Range<usize>> =
            (0..x.len()).step_by(BLOCK).map(|a| a..(a + BLOCK).min(x.len())).collect();
        let block = |rows: &std::ops::Range<usize>| {
            let mut row = vec![0.0; nf];
            rows.clone()
                .map(|i| {
                    for (f, v) in row.iter_mut().enumerate() {
                        *v = x.get(i, f);
                    }
                    let booster = if row[elapsed] < AT_ISSUE_MAX_ELAPSED_MIN {
                        match &self.at_issue_appointments {
                            Some(b) if is_appointment(row[channel]) => Some(b),
                            _ => self.at_issue.as_ref(),
                        }
                    } else {
                        None
                    };
                    let start = |a: &Option<Anchor>| a.map_or(0.0, |a| a.start(self.scale, row[a.feature]));
                    let sum = match booster {
                        Some(b) => b.base + start(&b.anchor) + b.forest.sum(b.forest.n_trees(), |f| row[f]),
                        None => self.base + start(&self.anchor) + self.forest.sum(n, |f| row[f]),
                    };
                    self.scale.back(sum)
                })
                .collect::<Vec<f64>>()
        };
        crate::parallel::map_in_order(&blocks, block).concat()
    }

    /// The held-out share of variance explained of the weakest booster the R² floor judges
    /// (all but the appointment tickets' one, see [`GbmModel::check`]).
    pub fn min_valid_r2(&self) -> f64 {
        self.r2_judged_fits().map(|f| f.valid_r2).fold(f64::INFINITY, f64::min)
    }

    /// The main booster's fit and the (walk-ins' or only) at-issue booster's.
    fn r2_judged_fits(&self) -> impl Iterator<Item = &GbmFit> {
        std::iter::once(&self.fit).chain(self.at_issue.iter().map(|b| &b.fit))
    }

    /// The at-issue boosters (walk-ins or all, then appointments).
    pub fn at_issue_boosters(&self) -> impl Iterator<Item = &AtIssueBooster> {
        self.at_issue.iter().chain(&self.at_issue_appointments)
    }

    /// Whether the fit learned something: each booster's held-out share of variance explained
    /// is at least `min_r2`. A model that fails this is not shipped ([`crate::model::gate`]).
    /// The appointment tickets' booster may instead cut the constant's held-out MAE to
    /// [`APPOINTMENTS_MAX_MAE_SHARE`] or less: their waits vary little around the booked slot,
    /// so a good fit explains a small share of little variance (R² 0.30 with half the
    /// constant's MAE on independent simulated data).
    pub fn check(&self, min_r2: f64) -> Result<(), Collapsed> {
        let learned = |f: &GbmFit| f.valid_r2 >= min_r2 && f.trees > 0;
        let cuts_mae =
            |f: &GbmFit| f.trees > 0 && f.valid_mae <= APPOINTMENTS_MAX_MAE_SHARE * f.valid_mae_constant;
        let weakest = self.r2_judged_fits().find(|f| !learned(f)).or_else(|| {
            self.at_issue_appointments.as_ref().map(|b| &b.fit).filter(|f| !(learned(f) || cuts_mae(f)))
        });
        let Some(f) = weakest else {
            return Ok(());
        };
        Err(Collapsed {
            r2: f.valid_r2,
            min_r2,
            trees: f.trees,
            leaves: f.leaves,
            mae: f.valid_mae,
            mae_constant: f.valid_mae_constant,
        })
    }
}
