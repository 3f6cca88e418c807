//! Local date and minute of day of each row's issue instant, computed once when the row is
//! batched. The UTC window of the last local day seen is kept: on a day without a clock change
//! every instant has the same offset, so rows of that day (most rows follow one another in
//! time) need no zone lookup. Switch days and anything outside the window take the chrono-tz
//! path; the results are the same either way.

use chrono::TimeZone;
use chrono_tz::Tz;

use crate::time::{EpochMs, MS_PER_DAY, MS_PER_MINUTE};
use crate::timezones::{days_since_epoch, local_parts};

/// The local day (days since 1970-01-01) and minute of day of an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub day: i32,
    pub minute_of_day: u16,
}

/// Local time of instants in one zone, with the last fixed-offset day's UTC window cached.
#[derive(Debug, Clone)]
pub struct LocalClock {
    tz: Tz,
    /// `[start, end)` in UTC milliseconds of a local day of exactly 24 hours, and that day.
    window: Option<(EpochMs, EpochMs, i32)>,
}

impl LocalClock {
    pub fn new(tz: Tz) -> LocalClock {
        LocalClock { tz, window: None }
    }

    pub fn local(&mut self, t: EpochMs) -> LocalTime {
        if let Some((start, end, day)) = self.window
            && (start..end).contains(&t)
        {
            return LocalTime { day, minute_of_day: ((t - start) / MS_PER_MINUTE) as u16 };
        }
        let parts = local_parts(t, self.tz);
        let day = days_since_epoch(parts.date);
        let midnight = |d: chrono::NaiveDate| -> Option<EpochMs> {
            Some(self.tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single()?.timestamp_millis())
        };
        // A day of exactly 24 hours has no clock change (a switch makes it 23 or 25 hours).
        self.window = match (midnight(parts.date), parts.date.succ_opt().and_then(midnight)) {
            (Some(start), Some(end)) if end - start == MS_PER_DAY => Some((start, end, day)),
            _ => None,
        };
        LocalTime { day, minute_of_day: parts.minute_of_day }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

    #[test]
    fn equals_the_zone_lookup_across_both_switches_and_midnights() {
        // Every 7 minutes (and 13 s) from the Friday before to the Tuesday after each switch of
        // 2025, in time order (the cache's normal case), then backwards (its worst case).
        for start in ["2025-03-28T00:00:00+01:00", "2025-10-24T00:00:00+02:00"] {
            let start = parse_rfc3339(start).unwrap();
            let times: Vec<EpochMs> =
                (0..5 * 24 * 60 / 7).map(|k| start + k * 7 * MS_PER_MINUTE + 13_000).collect();
            for order in [times.clone(), times.iter().rev().copied().collect()] {
                let mut clock = LocalClock::new(DEFAULT_TZ);
                for t in order {
                    let p = local_parts(t, DEFAULT_TZ);
                    let want = LocalTime { day: days_since_epoch(p.date), minute_of_day: p.minute_of_day };
                    assert_eq!(clock.local(t), want, "{t}");
                }
            }
        }
    }

    #[test]
    fn switch_days_keep_their_wall_clock() {
        let mut clock = LocalClock::new(DEFAULT_TZ);
        let at = |clock: &mut LocalClock, s: &str| clock.local(parse_rfc3339(s).unwrap()).minute_of_day;
        // Spring: 01:59 CET is followed by 03:00 CEST.
        assert_eq!(at(&mut clock, "2025-03-30T01:59:00+01:00"), 119);
        assert_eq!(at(&mut clock, "2025-03-30T03:00:00+02:00"), 180);
        // Autumn: 02:30 happens twice, an hour apart.
        assert_eq!(at(&mut clock, "2025-10-26T02:30:00+02:00"), 150);
        assert_eq!(at(&mut clock, "2025-10-26T02:30:00+01:00"), 150);
        assert_eq!(at(&mut clock, "2025-10-26T23:59:00+01:00"), 1439);
    }
}
