//! The planning stage's parameters, converted from the validated settings in one place.

use crate::planning::queue_sim::SimParams;
use crate::planning::slot_waits::SlotWaitParams;
use crate::planning::staffing::StaffingParams;
use crate::planning::whatif::WhatIfParams;
use crate::replay::ReplayParams;
use crate::settings::ValidSettings;
use crate::time::{MS_PER_SECOND, SECONDS_PER_MINUTE, minutes_to_ms};

/// Everything the planning runs take from the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningParams {
    /// Replay of the stored days (counter idle gap, from `[profile]`).
    pub replay: ReplayParams,
    /// The engine's call gap where an office has none measured.
    pub sim: SimParams,
    pub staffing: StaffingParams,
    pub slot_waits: SlotWaitParams,
    pub whatif: WhatIfParams,
}

impl PlanningParams {
    pub fn from_settings(s: &ValidSettings) -> PlanningParams {
        let st = &s.staffing;
        let sim = SimParams { call_gap_ms: (st.call_gap_seconds * MS_PER_SECOND as f64).round() as i64 };
        PlanningParams {
            replay: ReplayParams { idle_gap_ms: minutes_to_ms(s.profile.counter_idle_gap_minutes) },
            sim,
            staffing: StaffingParams {
                target: st.target_service_level,
                threshold_min: st.wait_threshold_minutes,
                max_counters: st.max_counters,
                min_validation_tickets: st.min_validation_tickets,
                call_gap_min: st.call_gap_seconds / SECONDS_PER_MINUTE,
            },
            slot_waits: SlotWaitParams {
                replications: st.slot_wait_replications,
                seed: st.seed,
                sim,
                history_weeks: st.slot_wait_history_weeks,
                test_weeks: st.slot_wait_backtest_weeks,
            },
            whatif: WhatIfParams {
                shares: st.whatif_shares.clone(),
                seed: st.seed,
                threshold_min: st.wait_threshold_minutes,
                sim,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    #[test]
    fn defaults_convert_to_the_documented_parameters() {
        let p = PlanningParams::from_settings(&Settings::default().validate().unwrap());
        assert_eq!(p.replay.idle_gap_ms, 30 * crate::time::MS_PER_MINUTE);
        assert_eq!(p.sim.call_gap_ms, 30 * MS_PER_SECOND);
        assert_eq!((p.staffing.target, p.staffing.threshold_min, p.staffing.call_gap_min), (0.8, 15.0, 0.5));
        assert_eq!(p.staffing, crate::planning::staffing::StaffingParams::default());
        assert_eq!((p.slot_waits.replications, p.slot_waits.seed, p.slot_waits.sim), (30, 2025, p.sim));
        assert_eq!(p.whatif.shares, [0.1, 0.2, 0.3]);
    }
}
