//! Historical office-days turned into simulation inputs: real arrivals, measured service
//! durations, patience of those who left, and the counters the replay saw per 15-minute slot.
//! Also the wait statistics every table of this part reports.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use crate::occupancy::day_occupancy;
use crate::planning::PlanningError;
use crate::planning::queue_sim::{Class, CounterPlan, SimTicket};
use crate::replay::{OfficeDay, ReplayParams, office_days, timeline};
use crate::schema::{Channel, Outcome};
use crate::slots::{SLOT_MINUTES, SLOTS, slot_index, slot_starts};
use crate::stats::quantile_sorted;
use crate::store::Store;
use crate::store::columns::{TicketColumns, load_columns};
use crate::time::{EpochMs, MS_PER_MINUTE, ms_to_minutes};

/// Appointment slots lie on this grid; a booked citizen is due at the grid point at or after
/// their arrival (the log has no booking time, and they usually come a few minutes early).
pub const APPOINTMENT_GRID_MS: i64 = SLOT_MINUTES as i64 * MS_PER_MINUTE;
/// Service time assumed for a cancelled ticket the simulation calls before it left, when the
/// day has no served ticket to take the mean from.
const FALLBACK_SERVICE_MS: i64 = 10 * MS_PER_MINUTE;

/// One historical office-day, ready to re-simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryDay {
    pub office: u32,
    pub date: NaiveDate,
    /// ISO weekday, 1 = Monday.
    pub weekday: u8,
    /// Instants at which the 96 wall-clock slots start, plus the end of the day.
    pub bounds: Vec<EpochMs>,
    /// Tickets in issue order, parallel to `slot`, `channel` and `actual_wait_ms`.
    pub tickets: Vec<SimTicket>,
    /// Wall-clock 15-minute slot (0–95) of each arrival.
    pub slot: Vec<u8>,
    pub channel: Vec<Channel>,
    /// Measured wait of called tickets (served or no-show).
    pub actual_wait_ms: Vec<Option<i64>>,
    /// Measured counter time of each served ticket.
    pub served_service_ms: Vec<i64>,
    /// Measured call gaps: a counter's finish to its next call, where that next ticket was
    /// already waiting at the finish (so the gap is the counter's own delay), up to
    /// [`MAX_CALL_GAP_MS`] (longer ones are breaks, not gaps).
    pub call_gaps_ms: Vec<i64>,
    /// Active counters integrated over each slot (counter-seconds) and the seconds observed.
    pub active_s: [f64; SLOTS],
    pub observed_s: [f64; SLOTS],
    /// Counters per slot for the simulation: the time-averaged active counters, rounded (at
    /// least one in a slot where somebody was called).
    pub plan: CounterPlan,
}

impl HistoryDay {
    /// The wall-clock slot of an instant of this day (clamped to the day).
    pub fn slot_of(&self, t: EpochMs) -> u8 {
        slot_index(&self.bounds, t)
    }
}

/// Stored office-days replayed as simulation inputs, with the office ids their indices name.
/// Invariant (checked by [`ReplayedDays::new`]): at least one day, and every day's office index
/// names one of the offices.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayedDays {
    offices: Vec<String>,
    days: Vec<HistoryDay>,
    from: NaiveDate,
    to: NaiveDate,
}

impl ReplayedDays {
    /// Checks that there are days and that every office index is in range.
    pub fn new(offices: Vec<String>, days: Vec<HistoryDay>) -> Result<ReplayedDays, PlanningError> {
        if let Some(d) = days.iter().find(|d| d.office as usize >= offices.len()) {
            return Err(PlanningError::UnknownOffice {
                index: d.office,
                date: d.date,
                offices: offices.len(),
            });
        }
        let from = days.iter().map(|d| d.date).min().ok_or(PlanningError::NoDays)?;
        let to = days.iter().map(|d| d.date).max().ok_or(PlanningError::NoDays)?;
        Ok(ReplayedDays { offices, days, from, to })
    }

    /// Loads and replays the whole store.
    pub fn load(store: &Store, replay: ReplayParams) -> Result<ReplayedDays, PlanningError> {
        let cols = load_columns(store, None, None, false)?;
        if cols.is_empty() {
            return Err(PlanningError::Empty(store.root().to_path_buf()));
        }
        ReplayedDays::of(&cols, store.tz(), replay)
    }

    /// Replays already loaded tickets.
    pub fn of(cols: &TicketColumns, tz: Tz, replay: ReplayParams) -> Result<ReplayedDays, PlanningError> {
        let days = office_days(cols).iter().map(|d| history_day(d, tz, replay)).collect();
        ReplayedDays::new(cols.offices.clone(), days)
    }

    pub fn offices(&self) -> &[String] {
        &self.offices
    }

    pub fn days(&self) -> &[HistoryDay] {
        &self.days
    }

    /// The office id of a day of this set (its index is in range by construction).
    pub fn office_of(&self, day: &HistoryDay) -> &str {
        self.office(day.office)
    }

    /// The office id of office index `i` of this set's days.
    ///
    /// # Panics
    /// When `i` is not an office index of these days (a caller's bug: indices come from the days).
    pub fn office(&self, i: u32) -> &str {
        &self.offices[i as usize]
    }

    /// The first and last replayed date.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }
}

/// Builds the simulation input of one replayed day.
pub fn history_day(day: &OfficeDay, tz: Tz, replay: ReplayParams) -> HistoryDay {
    let bounds = slot_starts(day.date, tz);
    let occ = day_occupancy(day, 0, tz, replay);
    let served: Vec<i64> = day
        .tickets
        .iter()
        .filter(|t| t.outcome == Outcome::Served)
        .filter_map(|t| Some(t.finished? - t.called?))
        .collect();
    let mean_served = if served.is_empty() {
        FALLBACK_SERVICE_MS
    } else {
        served.iter().sum::<i64>() / served.len() as i64
    };
    let closing = day.closing_time();
    let mut called_in = [false; SLOTS];
    let mut h = HistoryDay {
        office: day.office,
        date: day.date,
        weekday: day.date.weekday().number_from_monday() as u8,
        bounds: Vec::new(),
        tickets: Vec::with_capacity(day.tickets.len()),
        slot: Vec::with_capacity(day.tickets.len()),
        channel: Vec::with_capacity(day.tickets.len()),
        actual_wait_ms: Vec::with_capacity(day.tickets.len()),
        served_service_ms: served,
        call_gaps_ms: call_gaps(day),
        active_s: occ.active,
        observed_s: occ.observed,
        plan: CounterPlan::uniform(0, 1, Vec::new()),
    };
    for t in &day.tickets {
        let (service_ms, patience_ms, wait) = match t.called {
            Some(called) => {
                called_in[slot_index(&bounds, called) as usize] = true;
                (t.finished.unwrap_or(called).max(called) - called, None, Some(called - t.issued))
            }
            None => (mean_served, Some(t.finished.unwrap_or(closing).max(t.issued) - t.issued), None),
        };
        let (class, due) = match t.channel {
            Channel::Appointment => (Class::Appointment, ceil_to(t.issued, APPOINTMENT_GRID_MS)),
            Channel::WalkIn => (Class::WalkIn, t.issued),
        };
        h.tickets.push(SimTicket { arrival: t.issued, due, service_ms, class, patience_ms });
        h.slot.push(slot_index(&bounds, t.issued));
        h.channel.push(t.channel);
        h.actual_wait_ms.push(wait);
    }
    let counters: Vec<u32> = if day.tickets.iter().any(|t| t.counter.is_some()) {
        (0..SLOTS)
            .map(|s| {
                let secs = (bounds[s + 1] - bounds[s]) as f64 / 1000.0;
                let avg = if secs > 0.0 { occ.active[s] / secs } else { 0.0 };
                let n = avg.round() as u32;
                if n == 0 && called_in[s] { 1 } else { n }
            })
            .collect()
    } else {
        // A log without counters (ZMS): the most tickets in service at once in each slot, a
        // lower bound of the staffed counters; its time-average stands in for "active".
        let (integral, peak) = in_service_by_slot(day, &bounds, replay);
        h.active_s = integral;
        peak.to_vec()
    };
    // 97 non-decreasing bounds for 96 slots: the shape `new` checks holds by construction.
    h.plan =
        CounterPlan::new(bounds.clone(), counters).unwrap_or_else(|_| CounterPlan::uniform(0, 1, Vec::new()));
    h.bounds = bounds;
    h
}

/// Time-integral (ticket-seconds) and maximum of the tickets in service per slot.
fn in_service_by_slot(
    day: &OfficeDay,
    bounds: &[EpochMs],
    replay: ReplayParams,
) -> ([f64; SLOTS], [u32; SLOTS]) {
    let tl = timeline(day, 0, replay);
    let (mut integral, mut peak) = ([0.0; SLOTS], [0u32; SLOTS]);
    for i in 0..tl.len() {
        let (from, n) = (tl.t[i], tl.in_service[i]);
        let to = tl.t.get(i + 1).copied().unwrap_or(from);
        let mut s = slot_index(bounds, from) as usize;
        peak[s] = peak[s].max(n);
        while s < SLOTS && bounds[s] < to {
            let (a, b) = (bounds[s].max(from), bounds[s + 1].min(to));
            if b > a {
                integral[s] += f64::from(n) * (b - a) as f64 / 1000.0;
                peak[s] = peak[s].max(n);
            }
            s += 1;
        }
    }
    (integral, peak)
}

/// Gaps longer than this are pauses of the counter, not the time it takes to call.
pub const MAX_CALL_GAP_MS: i64 = 5 * MS_PER_MINUTE;

/// The day's call gaps (see [`HistoryDay::call_gaps_ms`]); tickets without a counter give none.
pub fn call_gaps(day: &OfficeDay) -> Vec<i64> {
    let mut calls: Vec<(u32, EpochMs, EpochMs, EpochMs)> = day
        .tickets
        .iter()
        .filter_map(|t| {
            let called = t.called?;
            Some((t.counter?, called, t.finished.unwrap_or(called).max(called), t.issued))
        })
        .collect();
    calls.sort_unstable();
    calls
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && w[1].3 <= w[0].2)
        .map(|w| w[1].1 - w[0].2)
        .filter(|g| (0..=MAX_CALL_GAP_MS).contains(g))
        .collect()
}

/// Mean call gap of some days (`None` without any measured gap).
pub fn mean_call_gap<'a>(days: impl Iterator<Item = &'a HistoryDay>) -> Option<i64> {
    let (sum, n) = days.flat_map(|d| &d.call_gaps_ms).fold((0i64, 0i64), |(s, n), g| (s + g, n + 1));
    (n > 0).then(|| sum / n)
}

/// `t` rounded up to a multiple of `grid`.
fn ceil_to(t: EpochMs, grid: i64) -> EpochMs {
    t.div_euclid(grid) * grid + if t.rem_euclid(grid) == 0 { 0 } else { grid }
}

/// Wait statistics of a set of called tickets, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WaitStats {
    pub n: usize,
    pub mean_min: f64,
    /// Linear interpolation between closest ranks (type 7), like the profiles.
    pub p50_min: f64,
    pub p90_min: f64,
    /// Share waited at most the threshold.
    pub share_within: f64,
}

/// A simulated wait in ms, kept in 4 bytes: the what-if and the staffing check hold one per
/// ticket and scenario (tens of millions at county scale). Waits within a day fit many times
/// over; a longer one would be clamped to 24.8 days.
pub type WaitMs = i32;

/// `ms` as a [`WaitMs`].
pub fn wait_ms(ms: i64) -> WaitMs {
    WaitMs::try_from(ms).unwrap_or(if ms < 0 { WaitMs::MIN } else { WaitMs::MAX })
}

impl WaitStats {
    /// Statistics of waits in ms (any integer type: the simulations keep theirs as [`WaitMs`]);
    /// all NaN but `n` for an empty set. The order of the waits does not matter.
    pub fn of<W: Copy + Into<i64>>(waits_ms: &[W], threshold_ms: i64) -> WaitStats {
        if waits_ms.is_empty() {
            return WaitStats {
                n: 0,
                mean_min: f64::NAN,
                p50_min: f64::NAN,
                p90_min: f64::NAN,
                share_within: f64::NAN,
            };
        }
        let mut v: Vec<f64> = waits_ms.iter().map(|&w| ms_to_minutes(w.into())).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        WaitStats {
            n,
            mean_min: v.iter().sum::<f64>() / n as f64,
            p50_min: quantile_sorted(&v, 0.5).unwrap_or(f64::NAN),
            p90_min: quantile_sorted(&v, 0.9).unwrap_or(f64::NAN),
            share_within: waits_ms.iter().filter(|&&w| w.into() <= threshold_ms).count() as f64 / n as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::DayTicket;
    use crate::time::MS_PER_SECOND;
    use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

    #[test]
    fn without_counters_the_tickets_in_service_stand_in() {
        let at = |s: &str| parse_rfc3339(&format!("2025-05-05T{s}:00+02:00")).unwrap();
        let t = |issued, called, finished| DayTicket {
            issued: at(issued),
            called: Some(at(called)),
            finished: Some(at(finished)),
            service: 0,
            counter: None,
            channel: Channel::WalkIn,
            outcome: Outcome::Served,
        };
        // Two in service 08:00-08:10, one 08:10-08:20: slot 32 peaks at 2 and integrates
        // 2·600 + 1·300 s; slot 33 holds one for 300 s.
        let day = OfficeDay::new(
            0,
            NaiveDate::from_ymd_opt(2025, 5, 5).unwrap(),
            vec![(0, t("08:00", "08:00", "08:10")), (1, t("08:00", "08:00", "08:20"))],
        );
        let h = history_day(&day, DEFAULT_TZ, ReplayParams::default());
        assert_eq!(&h.plan.counters()[31..35], &[0, 2, 1, 0]);
        assert_eq!((h.active_s[32], h.active_s[33]), (1500.0, 300.0));
        assert!(h.call_gaps_ms.is_empty());
    }

    #[test]
    fn wait_stats_by_hand() {
        // Waits 0, 10, 20, 30 min: mean 15, p50 15, p90 = 20 + 0.7·10 = 27, ≤ 15 min: 2 of 4.
        let s = WaitStats::of(
            &[0, 10 * MS_PER_MINUTE, 20 * MS_PER_MINUTE, 30 * MS_PER_MINUTE],
            15 * MS_PER_MINUTE,
        );
        assert_eq!((s.n, s.mean_min, s.p50_min, s.share_within), (4, 15.0, 15.0, 0.5));
        assert!((s.p90_min - 27.0).abs() < 1e-12);
        assert!(WaitStats::of::<i64>(&[], 1).mean_min.is_nan());
    }

    #[test]
    fn a_small_day_becomes_simulation_input() {
        let at = |s: &str| parse_rfc3339(s).unwrap();
        let ticket = |issued, called: Option<&str>, finished, channel, outcome| DayTicket {
            issued: at(issued),
            called: called.map(at),
            finished: Some(at(finished)),
            service: 0,
            counter: called.map(|_| 0),
            channel,
            outcome,
        };
        let day = OfficeDay::new(
            0,
            NaiveDate::from_ymd_opt(2025, 5, 5).unwrap(),
            vec![
                (
                    0,
                    ticket(
                        "2025-05-05T08:00:00+02:00",
                        Some("2025-05-05T08:00:00+02:00"),
                        "2025-05-05T08:20:00+02:00",
                        Channel::WalkIn,
                        Outcome::Served,
                    ),
                ),
                (
                    1,
                    ticket(
                        "2025-05-05T08:07:00+02:00",
                        Some("2025-05-05T08:20:00+02:00"),
                        "2025-05-05T08:25:00+02:00",
                        Channel::Appointment,
                        Outcome::Served,
                    ),
                ),
                (
                    2,
                    ticket(
                        "2025-05-05T08:10:00+02:00",
                        None,
                        "2025-05-05T08:12:00+02:00",
                        Channel::WalkIn,
                        Outcome::Cancelled,
                    ),
                ),
            ],
        );
        let h = history_day(&day, DEFAULT_TZ, ReplayParams::default());
        assert_eq!(h.weekday, 1);
        assert_eq!(h.slot, vec![32, 32, 32]);
        assert_eq!(h.actual_wait_ms, vec![Some(0), Some(13 * MS_PER_MINUTE), None]);
        assert_eq!(h.served_service_ms, vec![20 * MS_PER_MINUTE, 5 * MS_PER_MINUTE]);
        // Counter 0 finishes the first at 08:20 and calls the appointment (waiting since
        // 08:07) at 08:20: one gap of 0.
        assert_eq!(h.call_gaps_ms, vec![0]);
        // The appointment is due at 08:15; the cancelled walk-in left after 2 minutes and
        // would be served for the day's mean served time, 12.5 minutes.
        assert_eq!(h.tickets[1].due, at("2025-05-05T08:15:00+02:00"));
        assert_eq!(
            (h.tickets[2].patience_ms, h.tickets[2].service_ms),
            (Some(2 * MS_PER_MINUTE), 12 * MS_PER_MINUTE + 30 * MS_PER_SECOND)
        );
        // One counter active from 08:00: all of slot 32, and 08:15-08:25 of slot 33 (the
        // replay's observed span ends at the last event): 10/15 rounds to 1. Nothing after.
        assert_eq!(&h.plan.counters()[31..36], &[0, 1, 1, 0, 0]);
    }
}
