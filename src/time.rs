//! Instants as milliseconds since the Unix epoch, and the time-unit constants every stage
//! converts with (so `60_000` is written once, here).

/// Milliseconds since the Unix epoch (UTC): the one representation of an instant in memory.
pub type EpochMs = i64;

/// Milliseconds in a second.
pub const MS_PER_SECOND: i64 = 1_000;
/// Milliseconds in a minute.
pub const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
/// Milliseconds in an hour.
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
/// Milliseconds in a day of 24 hours (a daylight-saving switch day has 23 or 25).
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;
/// Seconds in a minute.
pub const SECONDS_PER_MINUTE: f64 = 60.0;

/// Milliseconds as (fractional) minutes.
pub fn ms_to_minutes(ms: i64) -> f64 {
    ms as f64 / MS_PER_MINUTE as f64
}

/// Minutes as whole milliseconds (truncated toward zero, as a settings value is converted).
pub fn minutes_to_ms(minutes: f64) -> i64 {
    (minutes * MS_PER_MINUTE as f64) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_conversions() {
        assert_eq!((MS_PER_MINUTE, MS_PER_HOUR, MS_PER_DAY), (60_000, 3_600_000, 86_400_000));
        assert_eq!(ms_to_minutes(90_000), 1.5);
        assert_eq!(minutes_to_ms(30.0), 1_800_000);
        assert_eq!(minutes_to_ms(0.000_01), 0);
    }
}
