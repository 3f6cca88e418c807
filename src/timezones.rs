//! Instants and Europe/Berlin wall-clock time: parsing, formatting and local calendar parts.
//!
//! Ticket logs carry instants (RFC 3339 with an offset); profiles need the *local* date,
//! weekday and hour. All conversions go through chrono-tz so the daylight-saving switches
//! (last Sunday of March and of October) come out right.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::time::{EpochMs, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE};

/// The default zone of ticket logs.
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::Berlin;

/// Earliest and latest plausible years of a ticket: anything outside is a corrupt clock.
pub const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// Why a timestamp text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not RFC 3339 at all.
    #[error("'{0}' is not an RFC 3339 timestamp (expected e.g. 2025-03-31T08:03:12+02:00)")]
    Unparseable(String),
    /// Shaped like RFC 3339 but names a date or time that does not exist (Feb 30, 25:00).
    #[error("'{0}' names a date or time that does not exist")]
    Impossible(String),
    /// A real instant, but outside the years a ticket can plausibly have.
    #[error("'{value}' lies outside the plausible years {min}–{max}")]
    OutOfRange { value: String, min: i32, max: i32 },
}

/// Parses an RFC 3339 instant (`Z` or any offset) into epoch milliseconds.
pub fn parse_rfc3339(s: &str) -> Result<EpochMs, TimeError> {
    // chrono also takes a Unicode minus (U+2212) in the offset; RFC 3339 is ASCII only.
    if !s.is_ascii() {
        return Err(TimeError::Unparseable(s.to_string()));
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(dt) => {
            let year = dt.with_timezone(&Utc).year();
            if !PLAUSIBLE_YEARS.contains(&year) {
                return Err(TimeError::OutOfRange {
                    value: s.to_string(),
                    min: *PLAUSIBLE_YEARS.start(),
                    max: *PLAUSIBLE_YEARS.end(),
                });
            }
            Ok(dt.timestamp_millis())
        }
        Err(_) if has_rfc3339_shape(s) => Err(TimeError::Impossible(s.to_string())),
        Err(_) => Err(TimeError::Unparseable(s.to_string())),
    }
}

/// `YYYY-MM-DDTHH:MM:SS` with digits where digits belong, and something after: the text is
/// meant as a timestamp, so a failed parse means an impossible date or time.
fn has_rfc3339_shape(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    digits.iter().all(|&i| b[i].is_ascii_digit())
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':'
}

/// Formats an instant as RFC 3339 in the zone's local offset, with milliseconds only when
/// they are not zero (`2025-03-31T08:03:12+02:00`).
pub fn format_rfc3339(ms: EpochMs, tz: Tz) -> String {
    let dt = to_local(ms, tz);
    let fmt = if ms.rem_euclid(1000) == 0 { SecondsFormat::Secs } else { SecondsFormat::Millis };
    dt.to_rfc3339_opts(fmt, false)
}

/// The instant in the given zone.
pub fn to_local(ms: EpochMs, tz: Tz) -> DateTime<Tz> {
    tz.timestamp_millis_opt(ms).single().unwrap_or_else(|| {
        // Only out-of-range instants land here; parse_rfc3339 never produces them.
        tz.from_utc_datetime(&DateTime::<Utc>::UNIX_EPOCH.naive_utc())
    })
}

/// Local wall-clock fields of instants on one local day. On a day without a clock change every
/// instant of the day has the same UTC offset, so the fields follow by arithmetic instead of a
/// zone lookup per instant (the feature builder asks for them millions of times). Switch days
/// and instants outside the day fall back to [`to_local`]; the results are the same either way.
#[derive(Debug, Clone, Copy)]
pub struct DayClock {
    date: NaiveDate,
    tz: Tz,
    /// Local midnight as UTC milliseconds, when the day has one fixed offset.
    fixed: Option<EpochMs>,
}

/// Hour, minute, ISO weekday (1 = Monday) and month of an instant in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockFields {
    pub hour: u32,
    pub minute: u32,
    pub weekday: u8,
    pub month: u32,
}

impl DayClock {
    pub fn new(date: NaiveDate, tz: Tz) -> DayClock {
        let midnight = |d: NaiveDate| -> Option<EpochMs> {
            Some(tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single()?.timestamp_millis())
        };
        // A day of exactly 24 hours has no clock change (a switch makes it 23 or 25 hours).
        let fixed = match (midnight(date), date.succ_opt().and_then(midnight)) {
            (Some(start), Some(end)) if end - start == MS_PER_DAY => Some(start),
            _ => None,
        };
        DayClock { date, tz, fixed }
    }

    pub fn fields(&self, t: EpochMs) -> ClockFields {
        if let Some(start) = self.fixed {
            let ms = t - start;
            if (0..MS_PER_DAY).contains(&ms) {
                return ClockFields {
                    hour: (ms / MS_PER_HOUR) as u32,
                    minute: ((ms / MS_PER_MINUTE) % 60) as u32,
                    weekday: self.date.weekday().number_from_monday() as u8,
                    month: self.date.month(),
                };
            }
        }
        let local = to_local(t, self.tz);
        ClockFields {
            hour: local.hour(),
            minute: local.minute(),
            weekday: local.weekday().number_from_monday() as u8,
            month: local.month(),
        }
    }
}

/// Local calendar parts of an instant, as the profiles use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalParts {
    pub date: NaiveDate,
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    pub hour: u8,
    pub minute_of_day: u16,
}

/// Local date, weekday, hour and minute of day of an instant.
pub fn local_parts(ms: EpochMs, tz: Tz) -> LocalParts {
    let dt = to_local(ms, tz);
    LocalParts {
        date: dt.date_naive(),
        weekday: dt.weekday().number_from_monday() as u8,
        hour: dt.hour() as u8,
        minute_of_day: (dt.hour() * 60 + dt.minute()) as u16,
    }
}

/// Days since 1970-01-01 of a date (the Arrow/Parquet `Date32` value).
pub fn days_since_epoch(date: NaiveDate) -> i32 {
    (date - epoch()).num_days() as i32
}

/// 1970-01-01.
fn epoch() -> NaiveDate {
    DateTime::<Utc>::UNIX_EPOCH.date_naive()
}

/// The date `days` after 1970-01-01 (a stored `Date32`; days before 1970 are clamped to it).
pub fn date_from_days(days: i32) -> NaiveDate {
    epoch() + chrono::Days::new(days.max(0) as u64)
}

/// Parses an IANA zone name such as `Europe/Berlin`.
pub fn parse_tz(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_clock_equals_the_zone_lookup_on_every_kind_of_day() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // An ordinary day, both switch days of 2025, and instants outside the day.
        for date in ["2025-06-02", "2025-03-30", "2025-10-26", "2025-12-31"] {
            let date: NaiveDate = date.parse().unwrap();
            let clock = DayClock::new(date, tz);
            let start = tz.from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap()).earliest().unwrap();
            for k in -30..(27 * 12 + 30) {
                let t = start.timestamp_millis() + k * 5 * MS_PER_MINUTE + 17_123;
                let local = to_local(t, tz);
                let want = ClockFields {
                    hour: local.hour(),
                    minute: local.minute(),
                    weekday: local.weekday().number_from_monday() as u8,
                    month: local.month(),
                };
                assert_eq!(clock.fields(t), want, "{date} {k}");
            }
        }
    }

    fn ms(s: &str) -> EpochMs {
        parse_rfc3339(s).expect("valid")
    }

    #[test]
    fn offsets_name_the_same_instant() {
        assert_eq!(ms("2025-03-31T08:03:12+02:00"), ms("2025-03-31T06:03:12Z"));
        assert_eq!(ms("2025-03-31T08:03:12+02:00"), ms("2025-03-31T07:03:12+01:00"));
    }

    #[test]
    fn rejects_with_the_right_kind() {
        assert!(matches!(parse_rfc3339("yesterday"), Err(TimeError::Unparseable(_))));
        // Regression: a Unicode minus sign in the offset was accepted as '-'.
        assert!(matches!(parse_rfc3339("2025-05-05T08:00:00\u{2212}02:00"), Err(TimeError::Unparseable(_))));
        assert!(matches!(parse_rfc3339("2025-02-30T08:00:00+01:00"), Err(TimeError::Impossible(_))));
        assert!(matches!(parse_rfc3339("2025-03-31T25:00:00+02:00"), Err(TimeError::Impossible(_))));
        assert!(matches!(parse_rfc3339("1970-01-01T00:00:00Z"), Err(TimeError::OutOfRange { .. })));
    }

    #[test]
    fn local_parts_across_spring_switch() {
        // 2025-03-30: clocks go 02:00 CET -> 03:00 CEST.
        let before = local_parts(ms("2025-03-30T00:59:59Z"), DEFAULT_TZ);
        assert_eq!((before.hour, before.minute_of_day), (1, 119));
        let after = local_parts(ms("2025-03-30T01:00:00Z"), DEFAULT_TZ);
        assert_eq!((after.hour, after.minute_of_day), (3, 180));
        assert_eq!(after.weekday, 7);
        // Monday after the switch: 08:00 local is 06:00 UTC.
        let monday = local_parts(ms("2025-03-31T06:00:00Z"), DEFAULT_TZ);
        assert_eq!((monday.weekday, monday.hour), (1, 8));
    }

    #[test]
    fn repeated_hour_in_autumn_keeps_both_instants_apart() {
        // 2025-10-26: 02:30 happens twice, at 00:30Z (CEST) and 01:30Z (CET).
        let first = ms("2025-10-26T02:30:00+02:00");
        let second = ms("2025-10-26T02:30:00+01:00");
        assert_eq!(second - first, MS_PER_HOUR);
        assert_eq!(local_parts(first, DEFAULT_TZ).hour, 2);
        assert_eq!(local_parts(second, DEFAULT_TZ).hour, 2);
        assert_eq!(format_rfc3339(first, DEFAULT_TZ), "2025-10-26T02:30:00+02:00");
        assert_eq!(format_rfc3339(second, DEFAULT_TZ), "2025-10-26T02:30:00+01:00");
    }

    #[test]
    fn format_round_trips() {
        for s in ["2025-03-31T08:03:12+02:00", "2025-01-02T17:45:00.250+01:00"] {
            assert_eq!(format_rfc3339(ms(s), DEFAULT_TZ), s);
        }
    }
}
