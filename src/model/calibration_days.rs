//! Which days calibrate the quantiles and the alarm before an origin: the last N open days
//! with a normal load. A closure (no tickets) is no day at all, and a day far below the usual
//! load of its weekday (the days between Christmas and New Year, a half-day closure) is
//! skipped: calibrated there, the alarm factors came out empty and the app offered no alarm
//! for weeks. Skipped days still train the point models; calibration days never do.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

/// | Name | Default | Purpose |
/// | `days` | 56 | open days that calibrate (at most half of the open days before the origin) |
/// | `min_load` | 0.75 | a day with fewer tickets than this share of its weekday's usual load is skipped |
/// | `reference_weeks` | 8 | the usual load of a weekday: the median ticket count of its open days in the weeks before |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationDays {
    pub days: u32,
    pub min_load: f64,
    pub reference_weeks: u32,
}

impl Default for CalibrationDays {
    /// The settings' defaults (`[model] calibration_days` and `calibration_min_load`), written once there.
    fn default() -> Self {
        let model = crate::settings::ModelSettings::default();
        CalibrationDays {
            days: model.calibration_days,
            min_load: model.calibration_min_load,
            reference_weeks: 8,
        }
    }
}

impl CalibrationDays {
    /// The calibration days before `until` (ascending) from the tickets per date (all
    /// offices; dates without tickets are left out): going back from the last date, every
    /// open date whose count is at least `min_load` × the median count of the same weekday's
    /// open dates in the `reference_weeks` weeks before it (a date with fewer than two such
    /// dates counts as normal), until `days` are found, or half of the open dates before
    /// `until`: a short history keeps as many days to fit the models on as it calibrates on
    /// (the fit before calibrating sees only the others). The earliest date is never taken.
    pub fn choose(&self, daily: &BTreeMap<NaiveDate, usize>, until: NaiveDate) -> Vec<NaiveDate> {
        let first = daily.keys().next().copied();
        let open = daily.range(..until).filter(|(_, n)| **n > 0).count();
        let wanted = (self.days as usize).min(open / 2).max(1);
        let mut out = Vec::new();
        for (&d, &n) in daily.range(..until).rev() {
            if out.len() >= wanted {
                break;
            }
            if Some(d) == first {
                break;
            }
            let from = d - Days::new(7 * self.reference_weeks as u64);
            let mut same: Vec<usize> = daily
                .range(from..d)
                .filter(|(x, c)| x.weekday() == d.weekday() && **c > 0)
                .map(|(_, c)| *c)
                .collect();
            let normal = if same.len() < 2 {
                true
            } else {
                same.sort_unstable();
                let m = same.len();
                let median = if m % 2 == 1 {
                    same[m / 2] as f64
                } else {
                    (same[m / 2 - 1] + same[m / 2]) as f64 / 2.0
                };
                n as f64 >= self.min_load * median
            };
            if normal && n > 0 {
                out.push(d);
            }
        }
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn closures_and_quiet_days_are_skipped() {
        // Ten weeks of Monday–Friday with 100 tickets (Fridays 50), then a Christmas week:
        // Mon 22 Dec 90 (normal), Tue 23 Dec 40 (quiet), closed 24–26, Sat 27 5 (first
        // Saturday: no reference, normal), Mon 29 60 (quiet: < 0.75 × 100).
        let mut daily = BTreeMap::new();
        let mut d = date("2025-10-13");
        while d < date("2025-12-20") {
            match d.weekday().num_days_from_monday() {
                0..=3 => _ = daily.insert(d, 100),
                4 => _ = daily.insert(d, 50),
                _ => {}
            }
            d = d + Days::new(1);
        }
        daily.extend([
            (date("2025-12-22"), 90),
            (date("2025-12-23"), 40),
            (date("2025-12-27"), 5),
            (date("2025-12-29"), 60),
        ]);
        let p = CalibrationDays { days: 6, ..CalibrationDays::default() };
        let got = p.choose(&daily, date("2025-12-31"));
        // 29 and 23 Dec are quiet, 24–26 closed; 27 Dec has no same-weekday reference, so
        // it counts as normal.
        let want = ["2025-12-16", "2025-12-17", "2025-12-18", "2025-12-19", "2025-12-22", "2025-12-27"];
        assert_eq!(got, want.iter().map(|s| date(s)).collect::<Vec<_>>());
        // A Friday at half the Monday load is normal for a Friday.
        assert!(got.contains(&date("2025-12-19")));
        // `until` is exclusive, and the earliest date is never taken.
        assert_eq!(p.choose(&daily, date("2025-12-23")).last(), Some(&date("2025-12-22")));
        let two: BTreeMap<NaiveDate, usize> = [(date("2025-01-06"), 10), (date("2025-01-07"), 10)].into();
        assert_eq!(p.choose(&two, date("2025-02-01")), [date("2025-01-07")]);
    }

    #[test]
    fn a_short_history_calibrates_on_at_most_half_its_open_days() {
        // Eleven open days (a closed Sunday between), all normal: 56 wanted, 5 taken.
        let daily: BTreeMap<NaiveDate, usize> = (1..=12u32)
            .filter(|&d| d != 7)
            .map(|d| (NaiveDate::from_ymd_opt(2025, 9, d).unwrap(), 100))
            .collect();
        let p = CalibrationDays { days: 56, ..CalibrationDays::default() };
        let got = p.choose(&daily, date("2025-10-01"));
        let want: Vec<NaiveDate> =
            [8, 9, 10, 11, 12].map(|d| NaiveDate::from_ymd_opt(2025, 9, d).unwrap()).into();
        assert_eq!(got, want);
        // Days before `until` only count: with six open days before it, three.
        assert_eq!(
            p.choose(&daily, date("2025-09-07")),
            [date("2025-09-04"), date("2025-09-05"), date("2025-09-06")]
        );
        // Fewer wanted than half: as many as wanted.
        assert_eq!(CalibrationDays { days: 2, ..p }.choose(&daily, date("2025-10-01")).len(), 2);
    }
}
