//! Local wall-clock time of one office day → UTC instants, through chrono-tz.
//!
//! Offices are open in daytime, so a day's offset is normally constant: it is looked up once
//! (fast for millions of tickets) and only re-resolved per instant if the day has a switch.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Timelike};
use chrono_tz::Tz;

use crate::time::{EpochMs, MS_PER_MINUTE};

/// Converts milliseconds since local midnight of one date into instants.
#[derive(Debug, Clone, Copy)]
pub struct DayClock {
    midnight: NaiveDateTime,
    /// `midnight` read as if it were UTC, in epoch ms (the fast path adds the local time to it).
    midnight_ms: i64,
    tz: Tz,
    /// `local − UTC` in ms when it is the same over the whole simulated part of the day.
    fixed_offset_ms: Option<i64>,
}

impl DayClock {
    /// A clock for `date` whose times fall within local minutes `[from, to]`.
    pub fn new(date: NaiveDate, tz: Tz, from: u32, to: u32) -> DayClock {
        let midnight = date.and_time(chrono::NaiveTime::MIN);
        let midnight_ms = midnight.and_utc().timestamp_millis();
        let mut clock = DayClock { midnight, midnight_ms, tz, fixed_offset_ms: None };
        let at_from = clock.offset_at(i64::from(from) * MS_PER_MINUTE);
        let at_to = clock.offset_at(i64::from(to) * MS_PER_MINUTE);
        if at_from.is_some() && at_from == at_to {
            clock.fixed_offset_ms = at_from;
        }
        clock
    }

    /// `local − UTC` at a local time, if that wall time exists and is unambiguous.
    fn offset_at(&self, local_ms: i64) -> Option<i64> {
        let naive = self.midnight + TimeDelta::milliseconds(local_ms);
        let instant = self.tz.from_local_datetime(&naive).single()?;
        Some(naive.and_utc().timestamp_millis() - instant.timestamp_millis())
    }

    /// The instant of a local time (ms since local midnight). In a repeated autumn hour the
    /// earlier instant is taken; a wall time skipped in spring maps to the instant the clocks
    /// jumped, so a later wall time never maps to an earlier instant.
    pub fn instant(&self, local_ms: i64) -> EpochMs {
        if let Some(offset) = self.fixed_offset_ms {
            return self.midnight_ms + local_ms - offset;
        }
        let naive = self.midnight + TimeDelta::milliseconds(local_ms);
        if let Some(dt) = self.tz.from_local_datetime(&naive).earliest() {
            return dt.timestamp_millis();
        }
        let minute = naive.with_second(0).and_then(|n| n.with_nanosecond(0)).unwrap_or(naive);
        for back in 1..=24 * 60 {
            let probe = minute - TimeDelta::minutes(back);
            if let Some(dt) = self.tz.from_local_datetime(&probe).latest() {
                // The last wall minute before the gap, plus one minute: when the clocks jumped.
                return dt.timestamp_millis() + MS_PER_MINUTE;
            }
        }
        // Unreachable for real zones (no gap lasts a day); treat the wall time as UTC.
        naive.and_utc().timestamp_millis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MS_PER_HOUR;
    use crate::timezones::{DEFAULT_TZ, format_rfc3339};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn daytime_after_both_switches() {
        let spring = DayClock::new(d(2025, 3, 31), DEFAULT_TZ, 7 * 60, 20 * 60);
        assert_eq!(format_rfc3339(spring.instant(8 * MS_PER_HOUR), DEFAULT_TZ), "2025-03-31T08:00:00+02:00");
        let autumn = DayClock::new(d(2025, 10, 27), DEFAULT_TZ, 7 * 60, 20 * 60);
        assert_eq!(format_rfc3339(autumn.instant(8 * MS_PER_HOUR), DEFAULT_TZ), "2025-10-27T08:00:00+01:00");
    }

    #[test]
    fn switch_nights_never_panic_and_stay_ordered() {
        // A clock spanning the switch itself falls back to per-instant resolution.
        for date in [d(2025, 3, 30), d(2025, 10, 26)] {
            let clock = DayClock::new(date, DEFAULT_TZ, 0, 23 * 60);
            let times: Vec<EpochMs> = (0..24 * 4).map(|q| clock.instant(q * 15 * MS_PER_MINUTE)).collect();
            assert!(times.windows(2).all(|w| w[0] <= w[1]), "{date}");
        }
        let spring = DayClock::new(d(2025, 3, 30), DEFAULT_TZ, 0, 23 * 60);
        // 02:30 does not exist that night: it maps to the jump, 03:00 CEST.
        let gap = spring.instant(150 * MS_PER_MINUTE + 1234);
        assert_eq!(format_rfc3339(gap, DEFAULT_TZ), "2025-03-30T03:00:00+02:00");
        let autumn = DayClock::new(d(2025, 10, 26), DEFAULT_TZ, 0, 23 * 60);
        assert_eq!(
            format_rfc3339(autumn.instant(150 * MS_PER_MINUTE), DEFAULT_TZ),
            "2025-10-26T02:30:00+02:00"
        );
    }
}
