//! Gradient-boosted regression trees for the remaining wait (absolute or squared loss), our own
//! compact histogram booster: explicit, bounded hyper-parameters, early stopping on a held-out time
//! split (the last days of normal load in the training window), a refit on all rows with the number of
//! trees found there, and a fitted model of flat tree arrays. Same data and seed, same trees
//! (for any thread count: threads split the histogram work by feature).
//!
//! Why not a crate: perpetual (3.0.0-rc.2) has one self-stopping "budget" knob and ended a
//! two-year fit after 16 stumps (a near-constant model) depending on where the window ended;
//! forust-ml 0.8 has the explicit knobs, and the comparison on the backtest is in docs/wait-model-measurements.md.

pub mod bins;
pub mod grow;
mod loss;
mod model;
pub mod tree;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::calibration_days::CalibrationDays;
use crate::model::dataset::{AT_ISSUE_SHARE, Dataset, FEATURES, MIXED_ISSUE_SHARE, feature};
use crate::model::gbm::bins::Bins;
use crate::model::gbm::grow::{Binned, GrowParams, Tree, grow};
pub use crate::model::gbm::loss::{Loss, Scale};
use crate::model::gbm::model::is_appointment;
pub use crate::model::gbm::model::{
    APPOINTMENTS_MAX_MAE_SHARE, AT_ISSUE_MAX_ELAPSED_MIN, Anchor, AtIssueBooster, Collapsed, GbmFit, GbmModel,
};
use crate::model::gbm::tree::Forest;
use crate::stats::median_in_place;

/// | Name | Default | Purpose | Range |
/// | `max_trees` | 500 | boosting rounds at most | 1–10 000 |
/// | `learning_rate` | 0.1 | shrinkage of each tree | (0, 1] |
/// | `max_leaves` | 31 | leaves per tree at most (grown best gain first) | 2–1024 |
/// | `max_depth` | 10 | splits from the root to a leaf at most | 1–32 |
/// | `min_leaf` | 40 | training rows per leaf at least | ≥ 1 |
/// | `l2` | 1.0 | L2 penalty on leaf values (in rows) | ≥ 0 |
/// | `subsample` | 0.8 | share of the rows drawn (with the seed) for each tree | (0, 1] |
/// | `max_bins` | 254 | value bins per feature | 2–254 |
/// | `early_stopping_rounds` | 100 | stop once the held-out loss has not improved for this many rounds | ≥ 1 |
/// | `valid_days` | 14 | last days of the training window held out for early stopping | 1–365 |
/// | `valid_min_load` | 0.75 | a day with fewer rows than this share of its weekday's usual count is not held out (it trains) | 0–1 |
/// | `max_rows` | 400 000 | training rows per booster at most ([`Dataset::subsample_share`] beyond that) | ≥ 1 000 |
/// | `at_issue_booster` | true | a second booster, fitted on rows 90 % at issue, predicts snapshots at issue (only when the cap drops rows) | bool |
/// | `at_issue_by_channel` | true | the at-issue booster's rows split by channel: one booster for walk-ins, one for appointments | bool |
/// | `at_issue_blend` | true | each at-issue booster the mean of two fits on the same rows: one from a constant, one from the queue replay's call time ([`BLEND_ANCHOR`]) | bool |
/// | `loss` | absolute | what each tree reduces: absolute error (the fit predicts medians, the MAE's own target) or squared error (means) | `absolute`, `squared` |
/// | `seed` | 2025 | seed of the row draws (`[model] seed`) | any |
/// | `threads` | 2 | threads of the histogram work (the trees do not depend on it) | 1–64 |
#[derive(Debug, Clone, PartialEq)]
pub struct GbmParams {
    pub max_trees: usize,
    pub learning_rate: f64,
    pub max_leaves: usize,
    pub max_depth: usize,
    pub min_leaf: usize,
    pub l2: f64,
    pub subsample: f64,
    pub max_bins: usize,
    pub early_stopping_rounds: usize,
    pub valid_days: u32,
    pub valid_min_load: f64,
    pub max_rows: usize,
    pub at_issue_booster: bool,
    pub at_issue_by_channel: bool,
    pub at_issue_blend: bool,
    pub loss: Loss,
    pub seed: u64,
    pub threads: usize,
}

impl Default for GbmParams {
    /// The settings' defaults (`[model] gbm_*`), written once there.
    fn default() -> Self {
        GbmParams::from(&crate::settings::ModelSettings::default())
    }
}

/// A hyper-parameter outside its range, or nothing to fit on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GbmError {
    #[error("gbm {name} should be in {range}, but is {value}")]
    Param { name: &'static str, value: String, range: &'static str },
    #[error("gbm: no training rows")]
    Empty,
    #[error("gbm: the target of training row {row} is not a finite number")]
    Target { row: usize },
}

/// The feature the second member of a blended at-issue booster starts from: the queue
/// replay's call time, the strongest single input ([`GbmParams::at_issue_blend`]).
pub const BLEND_ANCHOR: &str = "fluid_call_min";

/// Rows at least this many of each channel, or the at-issue booster is not split.
pub const MIN_CHANNEL_ROWS: usize = 2_000;

/// The rows of walk-ins and of appointment tickets, when each channel has
/// [`MIN_CHANNEL_ROWS`]. Why split: an appointment's wait is mostly the time to its booked
/// slot, a walk-in's the queue ahead; one booster of 31-leaf trees spends leaves on both,
/// two spend them on one each. On the same rows and features LightGBM's MAE at issue fell
/// 1.8–1.9 % with one booster per channel (docs/wait-model-measurements.md).
/// `idx` are rows of `data`; the split is of them.
fn split_by_channel(data: &Dataset, idx: &[usize]) -> Option<(Vec<usize>, Vec<usize>)> {
    let channel = feature("channel");
    let (appointments, walk_ins): (Vec<usize>, Vec<usize>) =
        idx.iter().partition(|&&i| is_appointment(data.get(i, channel)));
    (walk_ins.len() >= MIN_CHANNEL_ROWS && appointments.len() >= MIN_CHANNEL_ROWS)
        .then_some((walk_ins, appointments))
}

impl GbmParams {
    /// Checks every hyper-parameter against its range.
    pub fn check(&self) -> Result<(), GbmError> {
        let bad = |name, value: String, range| Err(GbmError::Param { name, value, range });
        if !(1..=10_000).contains(&self.max_trees) {
            return bad("max_trees", self.max_trees.to_string(), "1 to 10 000");
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return bad("learning_rate", self.learning_rate.to_string(), "(0, 1]");
        }
        if !(2..=1024).contains(&self.max_leaves) {
            return bad("max_leaves", self.max_leaves.to_string(), "2 to 1024");
        }
        if !(1..=32).contains(&self.max_depth) {
            return bad("max_depth", self.max_depth.to_string(), "1 to 32");
        }
        if self.min_leaf < 1 {
            return bad("min_leaf", self.min_leaf.to_string(), "1 or more rows");
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return bad("l2", self.l2.to_string(), "a finite number ≥ 0");
        }
        if !(self.subsample > 0.0 && self.subsample <= 1.0) {
            return bad("subsample", self.subsample.to_string(), "(0, 1]");
        }
        if !(2..=bins::MAX_BINS).contains(&self.max_bins) {
            return bad("max_bins", self.max_bins.to_string(), "2 to 254");
        }
        if self.early_stopping_rounds < 1 {
            return bad("early_stopping_rounds", self.early_stopping_rounds.to_string(), "1 or more");
        }
        if !(1..=365).contains(&self.valid_days) {
            return bad("valid_days", self.valid_days.to_string(), "1 to 365 days");
        }
        if self.max_rows < 1000 {
            return bad("max_rows", self.max_rows.to_string(), "1 000 or more");
        }
        if !(0.0..=1.0).contains(&self.valid_min_load) {
            return bad("valid_min_load", self.valid_min_load.to_string(), "0 to 1");
        }
        if !(1..=64).contains(&self.threads) {
            return bad("threads", self.threads.to_string(), "1 to 64");
        }
        Ok(())
    }

    /// Fits on `train`: early stopping on its last `valid_days` dates, then a refit on all
    /// rows with the number of trees found. Without dates (or with no more than `valid_days`
    /// of them) no rows are held out and all `max_trees` rounds run.
    pub fn fit(&self, train: &Dataset) -> Result<GbmModel, GbmError> {
        self.check()?;
        if train.is_empty() {
            return Err(GbmError::Empty);
        }
        if let Some(row) = train.y.iter().position(|y| !y.is_finite()) {
            return Err(GbmError::Target { row });
        }
        // Each booster reads its rows of `train` through their indices: at county scale (85
        // offices) a copy of the mixed rows' features was 0.4 GB of `train`'s peak.
        let mixed = train.share_indices(self.max_rows, MIXED_ISSUE_SHARE);
        let (mut model, _) = self.fit_one(&self.prepare(train, &mixed), None)?;
        let issue = train.share_indices(self.max_rows, AT_ISSUE_SHARE);
        if self.at_issue_booster && issue != mixed {
            drop(mixed);
            let booster = |idx: &[usize]| self.fit_at_issue(train, idx);
            match self.at_issue_by_channel.then(|| split_by_channel(train, &issue)).flatten() {
                Some((walk_ins, appointments)) => {
                    drop(issue);
                    model.at_issue = Some(booster(&walk_ins)?);
                    model.at_issue_appointments = Some(booster(&appointments)?);
                }
                None => model.at_issue = Some(booster(&issue)?),
            }
        }
        Ok(model)
    }

    /// An at-issue booster on `data`: one fit, or with [`GbmParams::at_issue_blend`] the mean
    /// of a fit from a constant and one from the queue replay's call time. Why: the two err
    /// differently (trees from a constant build the replay's scale from steps; from the replay
    /// they only correct it), and on independent simulated data their mean cut the MAE at issue
    /// by 0.1–1.0 % where either alone moved it by ±0.8 % (docs/wait-model-measurements.md).
    fn fit_at_issue(&self, data: &Dataset, rows: &[usize]) -> Result<AtIssueBooster, GbmError> {
        let prepared = self.prepare(data, rows);
        let (plain, plain_held_out) = self.fit_one(&prepared, None)?;
        if !self.at_issue_blend {
            return Ok(plain.into());
        }
        let anchor = Anchor { feature: feature(BLEND_ANCHOR), weight: 1.0 };
        let (anchored, anchored_held_out) = self.fit_one(&prepared, Some(anchor))?;
        let scale = plain.scale;
        let held_out: Vec<f64> = plain_held_out
            .iter()
            .zip(&anchored_held_out)
            .map(|(&a, &b)| scale.back((scale.forward(a) + scale.forward(b)) / 2.0))
            .collect();
        let mut fit = GbmFit {
            trees: plain.fit.trees + anchored.fit.trees,
            leaves: plain.fit.leaves + anchored.fit.leaves,
            stopped_early: plain.fit.stopped_early || anchored.fit.stopped_early,
            ..plain.fit.clone()
        };
        let Split { fit: fit_rows, valid: valid_rows, .. } = &prepared.split;
        if !valid_rows.is_empty() {
            fit.set_scores(&held_out, valid_rows, &prepared.y, mean_of(&prepared.y, fit_rows));
        }
        Ok(AtIssueBooster {
            base: (plain.base + anchored.base) / 2.0,
            anchor: Some(Anchor { weight: 0.5, ..anchor }),
            forest: Forest::mean(&plain.forest, &anchored.forest),
            fit,
        })
    }

    /// The bins, binned rows and time split of the rows `rows` of `data` (ascending), learned
    /// once for every fit on them.
    fn prepare<'a>(&self, data: &'a Dataset, rows: &'a [usize]) -> Prepared<'a> {
        let bins = Bins::learn(data, rows, self.max_bins);
        let binned = bins.apply(data, rows);
        let dates: Option<Vec<NaiveDate>> =
            (data.meta.len() == data.len()).then(|| rows.iter().map(|&i| data.meta[i].date).collect());
        let (from, fit, valid) = self.time_split(rows.len(), dates.as_deref());
        let y = rows.iter().map(|&i| data.y[i]).collect();
        Prepared { data, rows, y, bins, binned, split: Split { from, fit, valid } }
    }

    /// One booster on the prepared data (see [`GbmParams::fit`]), starting each row from
    /// `anchor` when given; with its predictions of the held-out rows (none when nothing is
    /// held out).
    fn fit_one(
        &self,
        prepared: &Prepared<'_>,
        anchor: Option<Anchor>,
    ) -> Result<(GbmModel, Vec<f64>), GbmError> {
        let Prepared { data, rows, y: minutes, bins, binned, split } = prepared;
        let n = rows.len();
        let scale = self.loss.scale();
        let y: Vec<f64> = minutes.iter().map(|&v| scale.forward(v)).collect();
        let offset: Vec<f64> = match anchor {
            Some(a) => rows.iter().map(|&i| a.start(scale, data.get(i, a.feature))).collect(),
            None => vec![0.0; n],
        };
        let target = Target { y: &y, offset: &offset, minutes };
        let view = Binned {
            bins: binned,
            n_features: FEATURES.len(),
            n_bins: (0..FEATURES.len()).map(|f| bins.n_bins(f)).collect(),
        };
        let Split { from: valid_from, fit: fit_rows, valid: valid_rows } = split;
        let mut fit = GbmFit {
            loss: self.loss,
            fit_rows: fit_rows.len(),
            valid_rows: valid_rows.len(),
            valid_from: *valid_from,
            ..GbmFit::default()
        };
        let (trees, base, held_out) = if valid_rows.is_empty() {
            let run = self.boost(&view, &target, fit_rows, &[], self.max_trees);
            let pred = run.predictions(&view, &offset, fit_rows, scale);
            fit.set_scores(&pred, fit_rows, minutes, mean_of(minutes, fit_rows));
            (run.trees, run.base, Vec::new())
        } else {
            let run = self.boost(&view, &target, fit_rows, valid_rows, self.max_trees);
            fit.stopped_early = run.trees.len() < self.max_trees;
            let pred = run.predictions(&view, &offset, valid_rows, scale);
            fit.set_scores(&pred, valid_rows, minutes, mean_of(minutes, fit_rows));
            let rounds = run.trees.len();
            let refit = self.boost(&view, &target, &all_u32(n), &[], rounds);
            (refit.trees, refit.base, pred)
        };
        let mut forest = Forest::default();
        for t in &trees {
            t.append_to(&mut forest, bins);
        }
        fit.trees = forest.n_trees();
        fit.leaves = forest.leaves().iter().sum();
        let model = GbmModel {
            features: FEATURES.iter().map(|s| s.to_string()).collect(),
            scale,
            base,
            anchor,
            forest,
            fit,
            at_issue: None,
            at_issue_appointments: None,
        };
        Ok((model, held_out))
    }

    /// Rows boosted on and held out, and the first held-out day: the last `valid_days` dates
    /// of normal load the rows hold ([`CalibrationDays::choose`] on the rows per date, with
    /// `valid_min_load`); nothing is held out when the rows hold no more than `valid_days`
    /// dates. Why normal days: a window ending with the Christmas weeks held out mostly the
    /// quiet days its calibration skips, and early stopping on them kept 36 trees where
    /// normal days keep hundreds. Quiet days between held-out ones are boosted on.
    /// `dates`: the date of each of the `n` rows (none when the rows carry no metadata).
    fn time_split(&self, n: usize, dates: Option<&[NaiveDate]>) -> (Option<NaiveDate>, Vec<u32>, Vec<u32>) {
        let all = || all_u32(n);
        let Some(dates) = dates.filter(|d| d.len() == n && n > 0) else { return (None, all(), Vec::new()) };
        let mut daily: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for d in dates {
            *daily.entry(*d).or_default() += 1;
        }
        let Some(last) = daily.keys().next_back().copied() else { return (None, all(), Vec::new()) };
        if daily.len() <= self.valid_days as usize {
            return (None, all(), Vec::new());
        }
        let days = CalibrationDays {
            days: self.valid_days,
            min_load: self.valid_min_load,
            ..CalibrationDays::default()
        };
        let held = days.choose(&daily, last + Days::new(1));
        let Some(&from) = held.first() else { return (None, all(), Vec::new()) };
        let (valid, fit): (Vec<u32>, Vec<u32>) =
            (0..n as u32).partition(|&i| held.binary_search(&dates[i as usize]).is_ok());
        (Some(from), fit, valid)
    }

    /// Boosts on `train` rows for at most `rounds` trees, fitting `y` (the waits on the loss's
    /// scale) from `offset` (each row's anchor, 0 without one) plus a constant; with `valid`
    /// rows, keeps the trees up to the round of the lowest held-out loss in `minutes` (what the
    /// metrics score) and stops `early_stopping_rounds` after it.
    fn boost(
        &self,
        data: &Binned<'_>,
        target: &Target<'_>,
        train: &[u32],
        valid: &[u32],
        rounds: usize,
    ) -> Boosted {
        let Target { y, offset, minutes } = *target;
        let scale = self.loss.scale();
        let from_offset: Vec<f64> = y.iter().zip(offset).map(|(v, o)| v - o).collect();
        let base = self.start_value(&from_offset, train);
        let mut pred: Vec<f64> = offset.iter().map(|o| base + o).collect();
        let mut grad = vec![0.0; y.len()];
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let grow_params = GrowParams {
            max_leaves: self.max_leaves,
            max_depth: self.max_depth,
            min_leaf: self.min_leaf,
            l2: self.l2,
            learning_rate: self.learning_rate,
            threads: self.threads,
        };
        let mut trees: Vec<Tree> = Vec::new();
        let (mut best_loss, mut best_round) = (f64::INFINITY, 0usize);
        let mut rows: Vec<u32> = Vec::with_capacity(train.len());
        let mut scratch: Vec<f64> = Vec::new();
        for round in 0..rounds {
            for &r in train {
                let residual = pred[r as usize] - y[r as usize];
                grad[r as usize] = match self.loss {
                    Loss::Squared => residual,
                    Loss::Absolute => sign(residual),
                };
            }
            rows.clear();
            if self.subsample < 1.0 {
                rows.extend(train.iter().copied().filter(|_| rng.random::<f64>() < self.subsample));
            } else {
                rows.extend_from_slice(train);
            }
            let mut grown = grow(data, &grad, &mut rows, &grow_params);
            if self.loss == Loss::Absolute {
                for &(node, start, end) in &grown.leaves {
                    scratch.clear();
                    scratch.extend(rows[start..end].iter().map(|&r| y[r as usize] - pred[r as usize]));
                    grown.tree.set_value(node, self.learning_rate * median_in_place(&mut scratch));
                }
            }
            let tree = grown.tree;
            for &r in train.iter().chain(valid) {
                pred[r as usize] += tree.predict_binned(data.row(r));
            }
            trees.push(tree);
            if valid.is_empty() {
                continue;
            }
            let loss = valid
                .iter()
                .map(|&r| self.loss_of(scale.back(pred[r as usize]) - minutes[r as usize]))
                .sum::<f64>();
            if loss < best_loss {
                (best_loss, best_round) = (loss, round);
            } else if round - best_round >= self.early_stopping_rounds {
                break;
            }
        }
        if !valid.is_empty() {
            trees.truncate(best_round + 1);
        }
        Boosted { base, trees }
    }

    /// The constant the boosting starts from: the mean (squared loss) or median (absolute).
    fn start_value(&self, y: &[f64], train: &[u32]) -> f64 {
        match self.loss {
            Loss::Squared => mean_of(y, train),
            Loss::Absolute => {
                let mut v: Vec<f64> = train.iter().map(|&r| y[r as usize]).collect();
                median_in_place(&mut v)
            }
        }
    }

    fn loss_of(&self, residual: f64) -> f64 {
        match self.loss {
            Loss::Squared => residual * residual,
            Loss::Absolute => residual.abs(),
        }
    }
}

/// −1, 0 or 1: the absolute loss's gradient.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Mean of `y` over `rows`: the constant the held-out scores compare with, whatever the loss.
fn mean_of(y: &[f64], rows: &[u32]) -> f64 {
    rows.iter().map(|&r| y[r as usize]).sum::<f64>() / rows.len().max(1) as f64
}

fn all_u32(n: usize) -> Vec<u32> {
    (0..n as u32).collect()
}

/// A data set made ready for boosting: what the fits of an at-issue blend share, so its rows
/// are binned and split once.
struct Prepared<'a> {
    data: &'a Dataset,
    /// The rows of `data` fitted on, in the order of `y`, `binned` and `split`.
    rows: &'a [usize],
    /// Their waits in minutes.
    y: Vec<f64>,
    bins: Bins,
    binned: Vec<u8>,
    split: Split,
}

/// Rows boosted on and held out, and the first held-out day ([`GbmParams::time_split`]).
struct Split {
    from: Option<NaiveDate>,
    fit: Vec<u32>,
    valid: Vec<u32>,
}

/// What a booster fits: the waits on its scale, each row's start from its anchor (0 without
/// one) and the waits in minutes (what early stopping scores).
#[derive(Clone, Copy)]
struct Target<'a> {
    y: &'a [f64],
    offset: &'a [f64],
    minutes: &'a [f64],
}

struct Boosted {
    base: f64,
    trees: Vec<Tree>,
}

impl Boosted {
    /// Predictions in minutes.
    fn predictions(&self, data: &Binned<'_>, offset: &[f64], rows: &[u32], scale: Scale) -> Vec<f64> {
        rows.iter()
            .map(|&r| {
                let trees = self.trees.iter().map(|t| t.predict_binned(data.row(r))).sum::<f64>();
                scale.back(self.base + offset[r as usize] + trees)
            })
            .collect()
    }
}
