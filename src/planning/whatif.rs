//! Spreading the load: if a share s of the walk-ins in each day's busiest hours came in that
//! day's quietest open hours instead, what would waits have been, with that day's counters?
//!
//! Every historical day is re-simulated twice with the same engine (`queue_sim`): as it was
//! (baseline, s = 0) and with the moved walk-ins; comparing the two keeps the engine's own
//! error out of the difference.
//!
//! Definitions (per day): open hours are the local hours in which any ticket was issued.
//! Busy hours are open hours with more walk-ins than the day's median over open hours; quiet
//! hours are open hours with fewer, leaving out the day's last open hour (the dispenser closes
//! within it, so it looks quiet while the counters are clearing the queue). The walk-ins of
//! the busy hours are eligible; `round(s × eligible)` of them, the first ones of a seeded
//! permutation per office-day (so a larger share moves a superset), get a new arrival drawn
//! uniformly over the quiet hours (clipped to the day's first and last walk-in). A moved
//! citizen keeps their service time and patience. The engine's call gap is the office's
//! measured mean (`sim_day::call_gaps`), the configured one only where none was measured.

use std::collections::BTreeMap;

use rand::Rng;
use rand::seq::SliceRandom;

use crate::planning::queue_sim::{Calls, Class, QueueSimError, SimParams, SimTicket, simulate};
use crate::planning::sim_day::{HistoryDay, ReplayedDays, WaitMs, WaitStats, mean_call_gap, wait_ms};
use crate::random::day_rng;
use crate::schema::EpochMs;
use crate::stats::quantile_sorted;
use crate::time::{MS_PER_MINUTE, minutes_to_ms};
use crate::timezones::days_since_epoch;

/// What-if parameters. | Name | Default | Purpose |
/// | `shares` | 0.1, 0.2, 0.3 | shares of busy-hour walk-ins moved |
/// | `seed` | 2025 | choice of moved tickets and their new times |
/// | `threshold_min` | 15 | share waited within this is reported |
/// | `sim` | 30 s call gap | engine parameters where an office has no measured call gap |
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfParams {
    pub shares: Vec<f64>,
    pub seed: u64,
    pub threshold_min: f64,
    pub sim: SimParams,
}

/// Busy and quiet hours of one day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HourSplit {
    pub busy: Vec<u8>,
    pub quiet: Vec<u8>,
}

/// Splits a day's open hours by walk-ins per hour (see the module doc).
pub fn split_hours(walk_ins: &[u32; 24], open: &[bool; 24]) -> HourSplit {
    let hours: Vec<u8> = (0..24u8).filter(|&h| open[h as usize]).collect();
    let Some(&last) = hours.last() else { return HourSplit::default() };
    let mut counts: Vec<f64> = hours.iter().map(|&h| f64::from(walk_ins[h as usize])).collect();
    counts.sort_by(f64::total_cmp);
    let Some(median) = quantile_sorted(&counts, 0.5) else { return HourSplit::default() };
    let count = |h: &u8| f64::from(walk_ins[*h as usize]);
    HourSplit {
        busy: hours.iter().copied().filter(|h| count(h) > median).collect(),
        quiet: hours.iter().copied().filter(|h| count(h) < median && *h != last).collect(),
    }
}

/// A day's tickets after moving a share of busy-hour walk-ins.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub tickets: Vec<SimTicket>,
    pub eligible: usize,
    pub moved: usize,
}

/// Moves `share` of the busy-hour walk-ins of `day` into its quiet hours.
pub fn spread_day(day: &HistoryDay, share: f64, seed: u64) -> Spread {
    let mut tickets = day.tickets.clone();
    let (mut walk_ins, mut open) = ([0u32; 24], [false; 24]);
    for (t, &s) in day.tickets.iter().zip(&day.slot) {
        open[(s / 4) as usize] = true;
        walk_ins[(s / 4) as usize] += u32::from(t.class == Class::WalkIn);
    }
    let split = split_hours(&walk_ins, &open);
    let mut eligible: Vec<usize> = (0..tickets.len())
        .filter(|&i| tickets[i].class == Class::WalkIn && split.busy.contains(&(day.slot[i] / 4)))
        .collect();
    let n = (share * eligible.len() as f64).round() as usize;
    let windows = quiet_windows(day, &split.quiet);
    let total: i64 = windows.iter().map(|(a, b)| b - a).sum();
    if n == 0 || total <= 0 {
        return Spread { tickets, eligible: eligible.len(), moved: 0 };
    }
    let mut rng = day_rng(seed, day.office as usize, i64::from(days_since_epoch(day.date)));
    eligible.shuffle(&mut rng);
    for &i in &eligible[..n] {
        let at = place(&windows, rng.random_range(0..total));
        (tickets[i].arrival, tickets[i].due) = (at, at);
    }
    Spread { tickets, eligible: eligible.len(), moved: n }
}

/// The quiet hours as instant ranges, clipped to the day's first and last walk-in.
fn quiet_windows(day: &HistoryDay, quiet: &[u8]) -> Vec<(EpochMs, EpochMs)> {
    let walk = day.tickets.iter().filter(|t| t.class == Class::WalkIn).map(|t| t.arrival);
    let (Some(first), Some(last)) = (walk.clone().min(), walk.max()) else { return Vec::new() };
    quiet
        .iter()
        .map(|&h| (day.bounds[4 * h as usize].max(first), day.bounds[4 * h as usize + 4].min(last + 1)))
        .filter(|(a, b)| b > a)
        .collect()
}

/// The instant `offset` ms into the concatenated windows.
fn place(windows: &[(EpochMs, EpochMs)], mut offset: i64) -> EpochMs {
    for &(a, b) in windows {
        if offset < b - a {
            return a + offset;
        }
        offset -= b - a;
    }
    windows.last().map_or(0, |w| w.1 - 1)
}

/// One row of the what-if table: an office, a share (0 = baseline) and an hour (`None`: all).
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfRow {
    pub office: String,
    pub share: f64,
    pub hour: Option<u8>,
    /// Tickets arriving in the hour (after the move), called or not.
    pub tickets: usize,
    pub moved: usize,
    /// Tickets that left or were never called in the simulation.
    pub not_called: usize,
    pub waits: WaitStats,
}

/// How well the baseline simulation reproduces the measured waits, per office.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reproduction {
    pub office: String,
    pub days: usize,
    pub actual: WaitStats,
    pub simulated: WaitStats,
    /// Mean absolute error of the day's mean wait (simulated − measured), minutes.
    pub day_mean_mae_min: f64,
    pub day_mean_bias_min: f64,
    /// The call gap the engine used for this office (measured, or the fallback).
    pub call_gap_ms: i64,
}

/// The what-if table and the baseline's reproduction error.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    pub rows: Vec<WhatIfRow>,
    pub reproduction: Vec<Reproduction>,
}

/// Measured waits, simulated waits (tickets called in both) and day-mean errors of an office.
type ReproAcc = (Vec<WaitMs>, Vec<WaitMs>, Vec<f64>);

/// The counts of an office, share and hour, and its waits (hours 0–23 only: the waits of all
/// hours are theirs together, gathered when the table is made rather than held twice).
#[derive(Default)]
struct Acc {
    tickets: usize,
    moved: usize,
    not_called: usize,
    waits: Vec<WaitMs>,
}

/// Runs baseline and scenarios over the replayed days.
pub fn what_if(h: &ReplayedDays, p: &WhatIfParams) -> Result<WhatIf, QueueSimError> {
    let days = h.days();
    let threshold_ms = minutes_to_ms(p.threshold_min);
    let shares: Vec<f64> = std::iter::once(0.0).chain(p.shares.iter().copied()).collect();
    // Keys: (office, share index, hour; 24 = all hours).
    let mut acc: BTreeMap<(u32, usize, u8), Acc> = BTreeMap::new();
    let mut repro: BTreeMap<u32, ReproAcc> = BTreeMap::new();
    let sims = office_sim_params(days, p.sim);
    // Days are simulated on the available cores, a block at a time (their results wait for the
    // block, not for the whole history), and summed up in day order: the same output as one
    // day after the other.
    let simulated = |d: &HistoryDay| -> Result<Vec<(Spread, Calls)>, QueueSimError> {
        let sim = sims.get(&d.office).copied().unwrap_or(p.sim);
        shares
            .iter()
            .map(|&share| {
                let spread = if share == 0.0 {
                    Spread { tickets: d.tickets.clone(), eligible: 0, moved: 0 }
                } else {
                    spread_day(d, share, p.seed)
                };
                let called = simulate(&spread.tickets, &d.plan, sim)?;
                Ok((spread, called))
            })
            .collect()
    };
    crate::parallel::each_in_order(days, crate::planning::PARALLEL_DAYS, simulated, |d, runs| {
        for (k, (spread, called)) in runs?.into_iter().enumerate() {
            let share = shares[k];
            for (t, c) in spread.tickets.iter().zip(&called) {
                for hour in [d.slot_of(t.arrival) / 4, 24] {
                    let a = acc.entry((d.office, k, hour)).or_default();
                    a.tickets += 1;
                    match c {
                        Some(c) if hour < 24 => a.waits.push(wait_ms(c - t.arrival)),
                        Some(_) => {}
                        None => a.not_called += 1,
                    }
                }
            }
            acc.entry((d.office, k, 24)).or_default().moved += spread.moved;
            if share == 0.0 {
                record_reproduction(repro.entry(d.office).or_default(), d, &called);
            }
        }
        Ok(())
    })?;
    let name = |o: u32| h.office(o).to_string();
    // Keys come in (office, share, hour) order: an office and share's hours, then its `24`.
    let mut all_hours: (Option<(u32, usize)>, Vec<WaitMs>) = (None, Vec::new());
    let rows = acc
        .into_iter()
        .map(|((o, k, h), a)| {
            if all_hours.0 != Some((o, k)) {
                all_hours = (Some((o, k)), Vec::new());
            }
            let waits = if h < 24 {
                all_hours.1.extend_from_slice(&a.waits);
                WaitStats::of(&a.waits, threshold_ms)
            } else {
                WaitStats::of(&std::mem::take(&mut all_hours.1), threshold_ms)
            };
            WhatIfRow {
                office: name(o),
                share: shares[k],
                hour: (h < 24).then_some(h),
                tickets: a.tickets,
                moved: a.moved,
                not_called: a.not_called,
                waits,
            }
        })
        .collect();
    let reproduction = repro
        .into_iter()
        .map(|(o, (actual, sim, day_err))| {
            let n = day_err.len().max(1) as f64;
            Reproduction {
                office: name(o),
                days: day_err.len(),
                actual: WaitStats::of(&actual, threshold_ms),
                simulated: WaitStats::of(&sim, threshold_ms),
                day_mean_mae_min: day_err.iter().map(|e| e.abs()).sum::<f64>() / n,
                day_mean_bias_min: day_err.iter().sum::<f64>() / n,
                call_gap_ms: sims.get(&o).copied().unwrap_or(p.sim).call_gap_ms,
            }
        })
        .collect();
    Ok(WhatIf { rows, reproduction })
}

/// Each office's engine parameters: its measured mean call gap, else `fallback`'s.
pub fn office_sim_params(days: &[HistoryDay], fallback: SimParams) -> BTreeMap<u32, SimParams> {
    let offices: std::collections::BTreeSet<u32> = days.iter().map(|d| d.office).collect();
    offices
        .into_iter()
        .map(|o| {
            let gap = mean_call_gap(days.iter().filter(|d| d.office == o));
            (o, gap.map_or(fallback, |call_gap_ms| SimParams { call_gap_ms }))
        })
        .collect()
}

/// Adds one day's measured and simulated waits (tickets called in both) and its day-mean error.
fn record_reproduction(r: &mut ReproAcc, d: &HistoryDay, called: &[Option<EpochMs>]) {
    let (mut a, mut s) = (Vec::new(), Vec::new());
    for ((t, actual), sim) in d.tickets.iter().zip(&d.actual_wait_ms).zip(called) {
        if let (Some(w), Some(c)) = (actual, sim) {
            a.push(wait_ms(*w));
            s.push(wait_ms(c - t.arrival));
        }
    }
    if !a.is_empty() {
        let mean = |v: &[WaitMs]| {
            v.iter().map(|&w| i64::from(w)).sum::<i64>() as f64 / v.len() as f64 / MS_PER_MINUTE as f64
        };
        r.2.push(mean(&s) - mean(&a));
    }
    r.0.extend(a);
    r.1.extend(s);
}

#[cfg(test)]
mod tests;
