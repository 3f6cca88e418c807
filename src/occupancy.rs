//! Time-integrals of the replayed queue state per office-day and 15-minute wall-clock slot:
//! the raw material of "time-averaged number waiting", "active counters" and utilisation, which
//! the profiles report and the planning simulations take their counters from.

use chrono_tz::Tz;

use crate::replay::{OfficeDay, ReplayParams, Sweep};
use crate::slots::{SLOTS, slot_starts};
use crate::time::EpochMs;

/// Integrals over one office-day, per slot, in seconds (state × seconds for the counts).
#[derive(Debug, Clone, PartialEq)]
pub struct DayOccupancy {
    /// Seconds of the slot inside the day's observed span [first issue, last recorded instant].
    pub observed: [f64; SLOTS],
    pub waiting: [f64; SLOTS],
    pub active: [f64; SLOTS],
    pub busy: [f64; SLOTS],
    /// Row-major `SLOTS × n_services`.
    pub waiting_by_service: Vec<f64>,
    pub n_services: usize,
    pub max_waiting: u32,
    pub max_active: u32,
}

/// Replays `day` and integrates its state over the wall-clock slots.
pub fn day_occupancy(day: &OfficeDay, n_services: usize, tz: Tz, params: ReplayParams) -> DayOccupancy {
    let mut occ = DayOccupancy {
        observed: [0.0; SLOTS],
        waiting: [0.0; SLOTS],
        active: [0.0; SLOTS],
        busy: [0.0; SLOTS],
        waiting_by_service: vec![0.0; SLOTS * n_services],
        n_services,
        max_waiting: 0,
        max_active: 0,
    };
    integrate(day, n_services, &slot_starts(day.date, tz), params, &mut occ);
    occ
}

/// Integer-millisecond integrals over one office-day, per slot (state × milliseconds for the
/// counts): exact, so sums over many days do not depend on the order they are added in.
/// Reusable: [`DayOccupancyMs::replay`] clears it first.
#[derive(Debug, Clone, PartialEq)]
pub struct DayOccupancyMs {
    /// Milliseconds of the slot inside the day's observed span.
    pub observed: [i64; SLOTS],
    pub waiting: [i64; SLOTS],
    pub active: [i64; SLOTS],
    pub busy: [i64; SLOTS],
    /// Row-major `SLOTS × n_services`.
    pub waiting_by_service: Vec<i64>,
    pub n_services: usize,
    pub max_waiting: u32,
    pub max_active: u32,
}

impl DayOccupancyMs {
    pub fn new(n_services: usize) -> DayOccupancyMs {
        DayOccupancyMs {
            observed: [0; SLOTS],
            waiting: [0; SLOTS],
            active: [0; SLOTS],
            busy: [0; SLOTS],
            waiting_by_service: vec![0; SLOTS * n_services],
            n_services,
            max_waiting: 0,
            max_active: 0,
        }
    }

    /// Replays `day` into `self` (previous values are cleared).
    pub fn replay(&mut self, day: &OfficeDay, tz: Tz, params: ReplayParams) {
        self.replay_in(day, &slot_starts(day.date, tz), params);
    }

    /// [`Self::replay`] with the day's slot bounds ([`slot_starts`] of its date) given: they
    /// are the same for every office, so a caller replaying many offices computes them once.
    pub fn replay_in(&mut self, day: &OfficeDay, bounds: &[EpochMs], params: ReplayParams) {
        self.observed = [0; SLOTS];
        self.waiting = [0; SLOTS];
        self.active = [0; SLOTS];
        self.busy = [0; SLOTS];
        self.waiting_by_service.iter_mut().for_each(|w| *w = 0);
        self.max_waiting = 0;
        self.max_active = 0;
        integrate(day, self.n_services, bounds, params, self);
    }
}

/// Where [`integrate`] puts the state held over a piece of a slot, and the day's peaks.
trait SlotSink {
    /// State `s` held for `ms` milliseconds (> 0) inside slot `k`.
    fn hold(&mut self, k: usize, ms: i64, s: &crate::replay::QueueState);
    fn peak(&mut self, s: &crate::replay::QueueState);
}

impl SlotSink for DayOccupancy {
    fn hold(&mut self, k: usize, ms: i64, s: &crate::replay::QueueState) {
        let secs = ms as f64 / 1000.0;
        self.observed[k] += secs;
        self.waiting[k] += s.waiting as f64 * secs;
        self.active[k] += s.active_counters as f64 * secs;
        self.busy[k] += s.busy_counters as f64 * secs;
        for (j, w) in s.waiting_by_service.iter().enumerate() {
            self.waiting_by_service[k * self.n_services + j] += *w as f64 * secs;
        }
    }

    fn peak(&mut self, s: &crate::replay::QueueState) {
        self.max_waiting = self.max_waiting.max(s.waiting);
        self.max_active = self.max_active.max(s.active_counters);
    }
}

impl SlotSink for DayOccupancyMs {
    fn hold(&mut self, k: usize, ms: i64, s: &crate::replay::QueueState) {
        self.observed[k] += ms;
        self.waiting[k] += i64::from(s.waiting) * ms;
        self.active[k] += i64::from(s.active_counters) * ms;
        self.busy[k] += i64::from(s.busy_counters) * ms;
        let row = &mut self.waiting_by_service[k * self.n_services..(k + 1) * self.n_services];
        for (acc, w) in row.iter_mut().zip(&s.waiting_by_service) {
            *acc += i64::from(*w) * ms;
        }
    }

    fn peak(&mut self, s: &crate::replay::QueueState) {
        self.max_waiting = self.max_waiting.max(s.waiting);
        self.max_active = self.max_active.max(s.active_counters);
    }
}

/// Replays `day` and hands the state held over each piece of a wall-clock slot to `sink`.
fn integrate(
    day: &OfficeDay,
    n_services: usize,
    bounds: &[EpochMs],
    params: ReplayParams,
    sink: &mut impl SlotSink,
) {
    let sweep = Sweep::new(day, params);
    let Some(first) = sweep.events().first() else {
        return;
    };
    // The span ends with the last recorded instant: a stale ticket's bound may pass later.
    let (span_start, span_end) = (first.t, day.recorded_end());
    // The state in force since `since`, kept in one reused buffer (no allocation per step).
    let mut held =
        crate::replay::QueueState { waiting_by_service: vec![0; n_services], ..Default::default() };
    let mut since: Option<EpochMs> = None;
    let mut slot = 0usize;
    sweep.run(n_services, |t, state, _| {
        if let Some(from) = since {
            add(sink, bounds, &mut slot, from.max(span_start), t.min(span_end), &held);
        }
        if t <= span_end {
            sink.peak(state);
        }
        held.clone_from(state);
        since = Some(t);
    });
}

/// Adds state `s` held over [from, to) to the slots it spans; `slot` only moves forward.
fn add(
    sink: &mut impl SlotSink,
    bounds: &[EpochMs],
    slot: &mut usize,
    from: EpochMs,
    to: EpochMs,
    s: &crate::replay::QueueState,
) {
    if to <= from {
        return;
    }
    while *slot + 1 < bounds.len() && bounds[*slot + 1] <= from {
        *slot += 1;
    }
    let mut k = *slot;
    let mut a = from;
    while a < to && k < SLOTS {
        let b = to.min(bounds[k + 1]);
        if b > a {
            sink.hold(k, b - a, s);
        }
        a = b;
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::DayTicket;
    use crate::schema::{Channel, Outcome};
    use crate::timezones::{DEFAULT_TZ, parse_rfc3339};
    use chrono::NaiveDate;

    #[test]
    fn integrals_of_a_small_day() {
        let at = |s: &str| parse_rfc3339(s).unwrap();
        let t = |issued: &str, called: &str, finished: &str| DayTicket {
            issued: at(issued),
            called: Some(at(called)),
            finished: Some(at(finished)),
            service: 0,
            counter: Some(0),
            channel: Channel::WalkIn,
            outcome: Outcome::Served,
        };
        // 08:00 issue+call, served to 08:20; 08:10 issue, called 08:20, served to 08:25.
        let day = OfficeDay::new(
            0,
            NaiveDate::from_ymd_opt(2025, 5, 5).unwrap(),
            vec![
                (0, t("2025-05-05T08:00:00+02:00", "2025-05-05T08:00:00+02:00", "2025-05-05T08:20:00+02:00")),
                (1, t("2025-05-05T08:10:00+02:00", "2025-05-05T08:20:00+02:00", "2025-05-05T08:25:00+02:00")),
            ],
        );
        let occ = day_occupancy(&day, 1, DEFAULT_TZ, ReplayParams::default());
        // Slot 32 = 08:00–08:15, slot 33 = 08:15–08:30 (span ends 08:25).
        assert_eq!((occ.observed[32], occ.observed[33]), (900.0, 600.0));
        assert_eq!((occ.waiting[32], occ.waiting[33]), (300.0, 300.0));
        assert_eq!((occ.busy[32], occ.busy[33]), (900.0, 600.0));
        assert_eq!((occ.active[32], occ.active[33]), (900.0, 600.0));
        assert_eq!(occ.waiting_by_service[33], 300.0);
        assert_eq!((occ.max_waiting, occ.max_active), (1, 1));
        assert_eq!(occ.observed.iter().sum::<f64>(), 1500.0);
        // The integer version holds the same integrals in milliseconds, and can be reused.
        let mut ms = DayOccupancyMs::new(1);
        ms.replay(&day, DEFAULT_TZ, ReplayParams::default());
        ms.replay(&day, DEFAULT_TZ, ReplayParams::default());
        for k in 0..SLOTS {
            assert_eq!(ms.observed[k] as f64, occ.observed[k] * 1000.0);
            assert_eq!(ms.waiting[k] as f64, occ.waiting[k] * 1000.0);
            assert_eq!(ms.active[k] as f64, occ.active[k] * 1000.0);
            assert_eq!(ms.busy[k] as f64, occ.busy[k] * 1000.0);
            assert_eq!(ms.waiting_by_service[k] as f64, occ.waiting_by_service[k] * 1000.0);
        }
        assert_eq!((ms.max_waiting, ms.max_active), (1, 1));
    }
}
