//! The model stage's parameters, converted from the validated settings in one place.

use crate::model::calibration_days::CalibrationDays;
use crate::model::gate::GateParams;
use crate::model::gbm::bins::MAX_BINS;
use crate::model::gbm::{GbmParams, Loss};
use crate::model::predictors::PredictorParams;
use crate::model::train::TrainParams;
use crate::replay::ReplayParams;
use crate::settings::{GbmLoss, ModelSettings, ValidSettings};
use crate::time::minutes_to_ms;

/// Everything backtest, train and the gate take from the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    pub train: TrainParams,
    /// The boosted trees' parameters (also inside `predictors`).
    pub gbm: GbmParams,
    /// Every predictor fitted and scored, the GBM last.
    pub predictors: Vec<PredictorParams>,
    pub gate: GateParams,
}

impl ModelParams {
    pub fn from_settings(s: &ValidSettings) -> ModelParams {
        let m = &s.model;
        let gbm = GbmParams::from(m);
        let train = TrainParams {
            weeks: m.backtest_weeks,
            snapshot_min: m.snapshot_minutes,
            calibration: CalibrationDays {
                days: m.calibration_days,
                min_load: m.calibration_min_load,
                ..CalibrationDays::default()
            },
            notice_min: m.notice_minutes,
            alarm_margin: m.alarm_margin,
            seed: m.seed,
            replay: ReplayParams { idle_gap_ms: minutes_to_ms(s.profile.counter_idle_gap_minutes) },
            services: s.services.iter().map(|s| s.code.clone()).collect(),
            fit_rows: m.gbm_max_rows,
            fit_rows_offices: m.gbm_max_rows_offices,
            refit: m.refit_with_calibration_days,
        };
        ModelParams {
            train,
            gbm: gbm.clone(),
            predictors: PredictorParams::all(gbm),
            gate: GateParams { max_worse: m.gate_max_worse, min_r2: m.gbm_min_r2 },
        }
    }
}

impl From<&ModelSettings> for GbmParams {
    /// The `[model] gbm_*` settings (and the calibration's `min_load` for the held-out days).
    fn from(m: &ModelSettings) -> GbmParams {
        GbmParams {
            max_trees: m.gbm_max_trees,
            learning_rate: m.gbm_learning_rate,
            max_leaves: m.gbm_max_leaves,
            max_depth: m.gbm_max_depth,
            min_leaf: m.gbm_min_leaf,
            l2: m.gbm_l2,
            subsample: m.gbm_subsample,
            max_bins: MAX_BINS,
            early_stopping_rounds: m.gbm_early_stopping_rounds,
            valid_days: m.gbm_valid_days,
            valid_min_load: m.calibration_min_load,
            max_rows: m.gbm_max_rows,
            at_issue_booster: m.gbm_at_issue_booster,
            at_issue_by_channel: m.gbm_at_issue_by_channel,
            at_issue_blend: m.gbm_at_issue_blend,
            loss: match m.gbm_loss {
                GbmLoss::Absolute => Loss::Absolute,
                GbmLoss::Squared => Loss::Squared,
            },
            seed: m.seed,
            threads: m.gbm_threads,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    #[test]
    fn defaults_convert_to_the_documented_parameters() {
        let p = ModelParams::from_settings(&Settings::default().validate().unwrap());
        let t = &p.train;
        assert_eq!(
            (t.weeks, t.snapshot_min, t.notice_min, t.seed, t.fit_rows, t.fit_rows_offices),
            (8, 5.0, 10.0, 2025, 400_000, 20)
        );
        assert_eq!((t.calibration.days, t.calibration.min_load), (56, 0.75));
        assert_eq!(t.alarm_margin, 0.85);
        assert_eq!(t.replay.idle_gap_ms, 30 * crate::time::MS_PER_MINUTE);
        assert_eq!(t.every_ms(), 5 * crate::time::MS_PER_MINUTE);
        let g = &p.gbm;
        assert_eq!((g.max_trees, g.max_leaves, g.max_depth, g.min_leaf), (500, 31, 10, 40));
        assert_eq!((g.learning_rate, g.l2, g.subsample), (0.1, 1.0, 0.8));
        assert_eq!((g.early_stopping_rounds, g.valid_days, g.max_rows, g.threads), (100, 14, 400_000, 2));
        assert_eq!(p.gate, GateParams { max_worse: 0.25, min_r2: 0.2 });
        assert_eq!(p.predictors.last(), Some(&PredictorParams::Gbm(p.gbm.clone())));
        assert_eq!(p.predictors.len(), 8);
    }

    #[test]
    fn the_row_cap_grows_in_proportion_beyond_its_offices() {
        let t = ModelParams::from_settings(&Settings::default().validate().unwrap()).train;
        assert_eq!([0, 1, 20, 21, 85].map(|n| t.row_cap(n)), [400_000, 400_000, 400_000, 420_000, 1_700_000]);
        let fixed = TrainParams { fit_rows_offices: 0, ..t };
        assert_eq!(fixed.row_cap(85), 400_000);
    }
}
