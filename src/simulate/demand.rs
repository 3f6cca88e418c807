//! Walk-in arrival intensity and service choice for one office on one day.
//!
//! The rate is a product of plain factors (office size × weekday × hour of day × season ×
//! special day) so each effect stays visible and testable on its own.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::offices::{Hours, Minute, OfficePreset};
use super::services::SERVICES;
use crate::calendar::is_nrw_public_holiday;

/// Whether every office is closed: Sundays, NRW public holidays, Christmas Eve and New Year's Eve.
pub fn is_closing_day(date: NaiveDate) -> bool {
    date.weekday() == Weekday::Sun
        || is_nrw_public_holiday(date)
        || (date.month() == 12 && matches!(date.day(), 24 | 31))
}

/// Relative demand of a weekday: Monday busiest, Friday quieter.
pub fn weekday_factor(weekday: Weekday) -> f64 {
    match weekday {
        Weekday::Mon => 1.3,
        Weekday::Tue => 1.05,
        Weekday::Wed => 0.95,
        Weekday::Thu => 1.0,
        Weekday::Fri => 0.8,
        Weekday::Sat => 0.9,
        Weekday::Sun => 0.0,
    }
}

/// Hour-of-day shape, anchored at hh:30 for hh = 6 … 19 and linear in between: a morning
/// peak, a lunch dip and an after-work bump on the long Thursday.
const HOUR_ANCHORS: [f64; 14] = [0.8, 1.0, 1.3, 1.4, 1.3, 1.1, 0.75, 0.65, 0.8, 0.85, 0.95, 0.95, 0.6, 0.5];

/// Relative arrival intensity at a local minute of the day (continuous, so thinning is smooth).
pub fn hour_shape(minute: f64) -> f64 {
    let pos = (minute - (6.0 * 60.0 + 30.0)) / 60.0;
    let last = HOUR_ANCHORS.len() - 1;
    if pos <= 0.0 {
        return HOUR_ANCHORS[0];
    }
    let i = pos.floor() as usize;
    if i >= last {
        return HOUR_ANCHORS[last];
    }
    let frac = pos - i as f64;
    HOUR_ANCHORS[i] * (1.0 - frac) + HOUR_ANCHORS[i + 1] * frac
}

/// People who waited at the door arrive in the first minutes after opening.
fn door_factor(minutes_since_open: f64) -> f64 {
    if minutes_since_open < 10.0 { 2.5 } else { 1.0 }
}

/// Day-level exceptions: quiet days between Christmas and New Year and on bridge days, a
/// backlog on the first day after a weekday holiday.
pub fn special_day_factor(date: NaiveDate) -> f64 {
    let prev = |n: u64| date.checked_sub_days(Days::new(n));
    if date.month() == 12 && (27..=30).contains(&date.day()) {
        return 0.6;
    }
    let weekday = date.weekday();
    if weekday == Weekday::Fri && prev(1).is_some_and(is_nrw_public_holiday) {
        return 0.7;
    }
    let prev_workday = if weekday == Weekday::Mon { prev(3) } else { prev(1) };
    if weekday != Weekday::Sat && prev_workday.is_some_and(is_closing_day) {
        return 1.2;
    }
    1.0
}

/// Demand of one office on one open day.
#[derive(Debug, Clone)]
pub struct DayDemand {
    hours: Hours,
    /// Walk-ins per minute before the hour shape and door factor.
    base_per_min: f64,
    /// Walk-in service weights (mix × season), in `SERVICES` order.
    pub walk_in_weights: [f64; 8],
    /// Appointment service weights (mix × season × appointment affinity).
    pub appointment_weights: [f64; 8],
    /// Seasonal demand of this day's mix relative to an ordinary month (≈ 0.8–1.3).
    pub season: f64,
}

impl DayDemand {
    pub fn new(office: &OfficePreset, date: NaiveDate, hours: Hours, scale: f64) -> DayDemand {
        let month = date.month();
        let mut walk_in_weights = [0.0; 8];
        let mut appointment_weights = [0.0; 8];
        for (i, s) in SERVICES.iter().enumerate() {
            walk_in_weights[i] = office.mix[i] * s.season_factor(month);
            appointment_weights[i] = walk_in_weights[i] * s.appointment_affinity;
        }
        let mix_total: f64 = office.mix.iter().sum();
        let season = if mix_total > 0.0 { walk_in_weights.iter().sum::<f64>() / mix_total } else { 0.0 };
        let day = weekday_factor(date.weekday()) * special_day_factor(date) * season;
        DayDemand {
            hours,
            base_per_min: office.walk_ins_per_hour / 60.0 * scale * day,
            walk_in_weights,
            appointment_weights,
            season,
        }
    }

    /// Walk-in arrivals per minute at a local minute of the day.
    pub fn rate(&self, minute: f64) -> f64 {
        self.base_per_min * hour_shape(minute) * door_factor(minute - f64::from(self.hours.open))
    }

    /// An upper bound of [`DayDemand::rate`] over `[open, until)`: the maximum on a one-minute
    /// grid plus a margin for the slope between grid points (thinning needs a true bound).
    pub fn max_rate(&self, until: Minute) -> f64 {
        (self.hours.open..=until).map(|m| self.rate(f64::from(m))).fold(0.0, f64::max) * 1.05
    }

    /// Expected walk-in arrivals over `[open, until)` (for tests and calibration).
    pub fn expected_walk_ins(&self, until: Minute) -> f64 {
        (self.hours.open..until).map(|m| self.rate(f64::from(m) + 0.5)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::offices::{PRESETS, hm};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn closing_days() {
        assert!(is_closing_day(d(2025, 4, 18))); // Karfreitag
        assert!(is_closing_day(d(2025, 12, 24)));
        assert!(is_closing_day(d(2025, 12, 31)));
        assert!(is_closing_day(d(2025, 3, 30))); // Sunday
        assert!(!is_closing_day(d(2025, 3, 31)));
    }

    #[test]
    fn mornings_beat_lunch_and_the_shape_is_continuous() {
        assert!(hour_shape(f64::from(hm(9, 30))) > 1.3 * hour_shape(f64::from(hm(13, 0))));
        for m in hm(6, 0)..hm(20, 0) {
            let (a, b) = (hour_shape(f64::from(m)), hour_shape(f64::from(m) + 1.0));
            assert!((a - b).abs() < 0.02, "{m}");
        }
    }

    #[test]
    fn monday_busier_than_wednesday_and_june_passports_busier_than_december() {
        let p = &PRESETS[0];
        let h = p.hours[0].unwrap();
        let mon = DayDemand::new(p, d(2025, 6, 2), h, 1.0).expected_walk_ins(h.close);
        let wed = DayDemand::new(p, d(2025, 6, 4), h, 1.0).expected_walk_ins(h.close);
        assert!(mon > 1.2 * wed, "{mon} {wed}");
        let june = DayDemand::new(p, d(2025, 6, 11), h, 1.0);
        let dec = DayDemand::new(p, d(2025, 12, 10), h, 1.0);
        assert!(june.walk_in_weights[0] > 1.5 * dec.walk_in_weights[0]);
        assert!(june.season > dec.season);
    }

    #[test]
    fn max_rate_bounds_the_rate() {
        let p = &PRESETS[1];
        let h = p.hours[3].unwrap();
        let dd = DayDemand::new(p, d(2025, 1, 9), h, 3.0);
        let max = dd.max_rate(h.close);
        let mut m = f64::from(h.open);
        while m < f64::from(h.close) {
            assert!(dd.rate(m) <= max + 1e-12, "{m}");
            m += 0.37;
        }
    }

    #[test]
    fn special_days() {
        assert_eq!(special_day_factor(d(2025, 12, 29)), 0.6);
        assert_eq!(special_day_factor(d(2025, 5, 30)), 0.7); // Friday after Himmelfahrt
        assert_eq!(special_day_factor(d(2025, 4, 22)), 1.2); // Tuesday after Ostermontag
        assert_eq!(special_day_factor(d(2025, 3, 12)), 1.0);
    }
}
