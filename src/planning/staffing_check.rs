//! Would the suggested counters have met the target? Every historical day is re-simulated
//! with, in each slot where the office had counters, the suggestion of that weekday × hour
//! instead (closed slots stay closed), and compared with the same engine on the day's own
//! counters. This checks the Erlang C suggestions with the time-varying load Erlang C ignores.

use std::collections::BTreeMap;

use crate::planning::queue_sim::{Calls, CounterPlan, QueueSimError, SimParams, simulate};
use crate::planning::sim_day::{HistoryDay, ReplayedDays, WaitMs, WaitStats, wait_ms};
use crate::planning::staffing::StaffingRow;
use crate::planning::whatif::office_sim_params;
use crate::slots::SLOTS;
use crate::time::{MS_PER_HOUR, minutes_to_ms};

/// One office: observed counters against suggested ones, both simulated.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestionCheck {
    pub office: String,
    pub days: usize,
    /// Counter-hours staffed over all days.
    pub counter_hours_observed: f64,
    pub counter_hours_suggested: f64,
    pub observed: WaitStats,
    pub suggested: WaitStats,
}

/// Per office: days, counter-hours (observed, suggested), waits (observed, suggested).
type Acc = (usize, f64, f64, Vec<WaitMs>, Vec<WaitMs>);

/// Re-simulates `days` with the suggested counters; `fallback` is the engine's call gap
/// where an office has none measured.
pub fn check_suggestions(
    h: &ReplayedDays,
    table: &[StaffingRow],
    threshold_min: f64,
    fallback: SimParams,
) -> Result<Vec<SuggestionCheck>, QueueSimError> {
    let threshold_ms = minutes_to_ms(threshold_min);
    let suggested: BTreeMap<(&str, u8, u8), u32> =
        table.iter().map(|r| ((r.office.as_str(), r.weekday, r.hour), r.suggested_counters)).collect();
    let sims = office_sim_params(h.days(), fallback);
    let mut acc: BTreeMap<u32, Acc> = BTreeMap::new();
    // Each day's two runs on the available cores, a block of days at a time, summed up in day
    // order (the same output as one day after the other).
    let runs = |d: &HistoryDay| -> Result<(CounterPlan, [Calls; 2]), QueueSimError> {
        let name = h.office_of(d);
        let counters: Vec<u32> = (0..SLOTS)
            .map(|s| match d.plan.counters()[s] {
                0 => 0,
                _ => suggested.get(&(name, d.weekday, (s / 4) as u8)).copied().unwrap_or(0).max(1),
            })
            .collect();
        let plan = CounterPlan::new(d.bounds.clone(), counters)?;
        let sim = sims.get(&d.office).copied().unwrap_or(fallback);
        let observed = simulate(&d.tickets, &d.plan, sim)?;
        let suggested = simulate(&d.tickets, &plan, sim)?;
        Ok((plan, [observed, suggested]))
    };
    crate::parallel::each_in_order(h.days(), crate::planning::PARALLEL_DAYS, runs, |d, r| {
        let (plan, [observed, suggested]) = r?;
        let a = acc.entry(d.office).or_default();
        a.0 += 1;
        a.1 += counter_hours(&d.plan);
        a.2 += counter_hours(&plan);
        for (called, waits) in [(observed, &mut a.3), (suggested, &mut a.4)] {
            waits.extend(d.tickets.iter().zip(called).filter_map(|(t, c)| Some(wait_ms(c? - t.arrival))));
        }
        Ok::<(), QueueSimError>(())
    })?;
    Ok(acc
        .into_iter()
        .map(|(o, (days, ho, hs, wo, ws))| SuggestionCheck {
            office: h.office(o).to_string(),
            days,
            counter_hours_observed: ho,
            counter_hours_suggested: hs,
            observed: WaitStats::of(&wo, threshold_ms),
            suggested: WaitStats::of(&ws, threshold_ms),
        })
        .collect())
}

/// Counters × hours of a plan.
fn counter_hours(plan: &CounterPlan) -> f64 {
    let s = plan.starts();
    plan.counters()
        .iter()
        .enumerate()
        .map(|(i, &c)| f64::from(c) * (s[i + 1] - s[i]) as f64 / MS_PER_HOUR as f64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suggestion_replaces_the_counters_of_staffed_slots() {
        use crate::planning::staffing::staffing_table;
        // The day of the staffing tests: A 08:00, B 08:02, C 08:03, 10 minutes each, one
        // counter in slots 08:00 and 08:15; the suggestion for Monday 8 h is 2 counters.
        let days = crate::planning::test_days::one_counter_monday();
        let table =
            staffing_table(&days, &[], &crate::planning::staffing::StaffingParams::default()).unwrap();
        let c = check_suggestions(&days, &table, 15.0, SimParams::default()).unwrap();
        // Observed (measured gap 0): waits 0, 8, 17 min. Suggested: B gets the second counter
        // at 08:02 (wait 0), C the first one free, A's at 08:10 (wait 7).
        assert_eq!((c[0].observed.mean_min, c[0].suggested.mean_min), (25.0 / 3.0, 7.0 / 3.0));
        assert_eq!((c[0].observed.share_within, c[0].suggested.share_within), (2.0 / 3.0, 1.0));
        assert_eq!((c[0].counter_hours_observed, c[0].counter_hours_suggested), (0.5, 1.0));
    }

    #[test]
    fn counter_hours_of_a_plan() {
        // 2 counters for 15 min, 4 for 30 min: 0.5 + 2 = 2.5 counter-hours.
        let plan = CounterPlan::new(vec![0, 900_000, 2_700_000], vec![2, 4]).unwrap();
        assert_eq!(counter_hours(&plan), 2.5);
    }
}
