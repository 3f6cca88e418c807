//! Public holidays of North Rhine-Westphalia and the few calendar rules the offices follow.
//!
//! A leaf module (imports only chrono): the simulator closes offices on these days, and
//! profiles can tell a holiday from an ordinary weekday.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of a Gregorian year (the "Anonymous Gregorian" / Meeus–Jones–Butcher algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31 by construction; the fallback only guards chrono's range.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

/// Statutory public holidays in NRW for `year`, sorted by date, with their German names.
pub fn nrw_public_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let from_easter = |days: i64| easter + chrono::Duration::days(days);
    let fixed = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN);
    let mut days = vec![
        (fixed(1, 1), "Neujahr"),
        (from_easter(-2), "Karfreitag"),
        (from_easter(1), "Ostermontag"),
        (fixed(5, 1), "Tag der Arbeit"),
        (from_easter(39), "Christi Himmelfahrt"),
        (from_easter(50), "Pfingstmontag"),
        (from_easter(60), "Fronleichnam"),
        (fixed(10, 3), "Tag der Deutschen Einheit"),
        (fixed(11, 1), "Allerheiligen"),
        (fixed(12, 25), "1. Weihnachtstag"),
        (fixed(12, 26), "2. Weihnachtstag"),
    ];
    // Tag der Arbeit can coincide with Himmelfahrt (e.g. 2008); keep both names, sorted.
    days.sort_by_key(|&(date, name)| (date, name));
    days
}

/// Whether `date` is a statutory public holiday in NRW.
pub fn is_nrw_public_holiday(date: NaiveDate) -> bool {
    nrw_public_holidays(date.year()).iter().any(|&(d, _)| d == date)
}

/// The last Sunday of a month: the EU daylight-saving switches fall on the last Sundays of
/// March and October. `None` for an invalid month.
pub fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month.checked_add(1)?, 1)
    };
    let last = first_of_next?.checked_sub_days(Days::new(1))?;
    let back = last.weekday().days_since(Weekday::Sun);
    last.checked_sub_days(Days::new(u64::from(back)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_known_dates() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        // Extremes of the range: earliest (22 March) and latest (25 April) possible dates.
        assert_eq!(easter_sunday(2285), d(2285, 3, 22));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
    }

    #[test]
    fn easter_is_always_a_sunday_in_march_or_april() {
        for year in 1900..2200 {
            let e = easter_sunday(year);
            assert_eq!(e.weekday(), Weekday::Sun, "{year}");
            assert!((d(year, 3, 22)..=d(year, 4, 25)).contains(&e), "{year}: {e}");
        }
    }

    #[test]
    fn movable_holidays_2025() {
        let h = nrw_public_holidays(2025);
        let date_of = |name: &str| h.iter().find(|(_, n)| *n == name).map(|(d, _)| *d);
        assert_eq!(date_of("Karfreitag"), Some(d(2025, 4, 18)));
        assert_eq!(date_of("Ostermontag"), Some(d(2025, 4, 21)));
        assert_eq!(date_of("Christi Himmelfahrt"), Some(d(2025, 5, 29)));
        assert_eq!(date_of("Pfingstmontag"), Some(d(2025, 6, 9)));
        assert_eq!(date_of("Fronleichnam"), Some(d(2025, 6, 19)));
    }

    #[test]
    fn holiday_list_is_sorted_and_complete() {
        for year in [2024, 2025, 2026, 2008] {
            let h = nrw_public_holidays(year);
            assert_eq!(h.len(), 11, "{year}");
            assert!(h.windows(2).all(|w| w[0].0 <= w[1].0), "{year}");
            assert!(h.iter().all(|(d, _)| d.year() == year));
        }
    }

    #[test]
    fn is_holiday_checks() {
        assert!(is_nrw_public_holiday(d(2025, 1, 1)));
        assert!(is_nrw_public_holiday(d(2025, 11, 1)));
        assert!(is_nrw_public_holiday(d(2025, 12, 26)));
        assert!(is_nrw_public_holiday(d(2024, 5, 30))); // Fronleichnam 2024
        assert!(!is_nrw_public_holiday(d(2025, 12, 24))); // closed at offices, but not statutory
        assert!(!is_nrw_public_holiday(d(2025, 4, 22)));
        assert!(!is_nrw_public_holiday(d(2025, 10, 31))); // Reformationstag is not a holiday in NRW
    }

    #[test]
    fn last_sundays_are_dst_switches() {
        assert_eq!(last_sunday(2025, 3), Some(d(2025, 3, 30)));
        assert_eq!(last_sunday(2025, 10), Some(d(2025, 10, 26)));
        assert_eq!(last_sunday(2024, 3), Some(d(2024, 3, 31)));
        assert_eq!(last_sunday(2025, 12), Some(d(2025, 12, 28)));
        assert_eq!(last_sunday(2025, 13), None);
    }
}
