//! The 15-minute wall-clock grid every stage counts in: slot numbers, their `HH:MM` labels and
//! the instants at which the slots of a local day start (daylight-saving days included).

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::time::EpochMs;

/// Slots of 15 minutes in a (wall-clock) day.
pub const SLOTS: usize = 96;
/// Minutes per slot.
pub const SLOT_MINUTES: usize = 15;
/// Slots per hour.
pub const SLOTS_PER_HOUR: usize = 60 / SLOT_MINUTES;

/// `HH:MM` of the start of a slot (`slot` 96 is `24:00`).
pub fn slot_start(slot: usize) -> String {
    format!("{:02}:{:02}", slot / SLOTS_PER_HOUR, (slot % SLOTS_PER_HOUR) * SLOT_MINUTES)
}

/// Instants at which each wall-clock slot of `day` starts (97 values, the last is midnight
/// after). A slot skipped by the spring switch has zero length; in the repeated autumn hour
/// the first occurrence is used, so slot 02:45 then lasts 75 minutes.
pub fn slot_starts(day: NaiveDate, tz: Tz) -> Vec<EpochMs> {
    let midnight = day.and_time(NaiveTime::MIN);
    let mut out: Vec<EpochMs> = Vec::with_capacity(SLOTS + 1);
    for s in 0..=SLOTS as i64 {
        let local = midnight + Duration::minutes(SLOT_MINUTES as i64 * s);
        let instant = match tz.from_local_datetime(&local).earliest() {
            Some(dt) => dt.timestamp_millis(),
            // Inside the spring gap: the slot starts when the clocks jump, i.e. where the next
            // existing wall time starts; found by stepping forward a minute at a time.
            None => (1..=120)
                .find_map(|m| tz.from_local_datetime(&(local + Duration::minutes(m))).earliest())
                .map_or(0, |dt| dt.timestamp_millis()),
        };
        let prev = out.last().copied().unwrap_or(EpochMs::MIN);
        out.push(instant.max(prev));
    }
    out
}

/// The slot of `t` among 97 slot bounds (see [`slot_starts`]), clamped to 0–95.
pub fn slot_index(bounds: &[EpochMs], t: EpochMs) -> u8 {
    bounds.partition_point(|&s| s <= t).saturating_sub(1).min(SLOTS - 1) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{MS_PER_HOUR, MS_PER_MINUTE};
    use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

    #[test]
    fn labels() {
        assert_eq!(
            (slot_start(0), slot_start(33), slot_start(95)),
            ("00:00".into(), "08:15".into(), "23:45".into())
        );
        assert_eq!(slot_start(SLOTS), "24:00");
    }

    #[test]
    fn slots_on_switch_days() {
        let spring = slot_starts(NaiveDate::from_ymd_opt(2025, 3, 30).unwrap(), DEFAULT_TZ);
        // 02:00–02:45 do not exist: slots 8..=11 start where 03:00 starts.
        assert_eq!(spring[8], spring[12]);
        assert_eq!(spring[12], parse_rfc3339("2025-03-30T03:00:00+02:00").unwrap());
        assert_eq!(spring[96] - spring[0], 23 * MS_PER_HOUR);
        let autumn = slot_starts(NaiveDate::from_ymd_opt(2025, 10, 26).unwrap(), DEFAULT_TZ);
        assert_eq!(autumn[96] - autumn[0], 25 * MS_PER_HOUR);
        assert_eq!(autumn[12] - autumn[11], 75 * MS_PER_MINUTE);
        // An instant in the repeated hour's second 02:45 still belongs to slot 11.
        assert_eq!(slot_index(&autumn, parse_rfc3339("2025-10-26T02:50:00+01:00").unwrap()), 11);
        assert_eq!((slot_index(&autumn, autumn[0] - 1), slot_index(&autumn, autumn[96] + 1)), (0, 95));
    }
}
