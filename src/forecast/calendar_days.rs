//! The forecast calendar: for each office and date, whether the office is closed (NRW public
//! holiday, a configured closure) and the calendar features the model sees (school holidays,
//! first working day after a closure, bridge day, the days between Christmas and New Year).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

use crate::calendar::nrw_public_holidays;
use crate::forecast::ForecastError;
use crate::settings::{ForecastSettings, parse_month_day};

/// The built-in copy of the NRW school-holiday file (used when no file is configured, so the
/// binary works from any directory).
pub const BUILT_IN_SCHOOL_HOLIDAYS: &str = include_str!("../../data/calendar/school-holidays-nw.toml");

/// School-holiday periods of one region.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolHolidays {
    /// KMK region code, e.g. `NW`.
    pub region: String,
    pub periods: Vec<SchoolPeriod>,
}

/// One holiday period, first and last day inclusive.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolPeriod {
    pub name: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl SchoolHolidays {
    /// Parses a school-holiday file; `source` names it in errors.
    pub fn parse(text: &str, source: &Path) -> Result<SchoolHolidays, ForecastError> {
        let err = |message: String| ForecastError::SchoolHolidays { path: source.to_path_buf(), message };
        let parsed: SchoolHolidays = toml::from_str(text)
            .map_err(|e| ForecastError::SchoolHolidaysToml { path: source.to_path_buf(), source: e })?;
        if let Some(p) = parsed.periods.iter().find(|p| p.last < p.first) {
            return Err(err(format!("period '{}' ends ({}) before it starts ({})", p.name, p.last, p.first)));
        }
        Ok(parsed)
    }

    /// The configured file (or the built-in one), checked against the configured region.
    pub fn load(settings: &ForecastSettings) -> Result<SchoolHolidays, ForecastError> {
        let (text, path) = if settings.school_holidays_file.as_os_str().is_empty() {
            (BUILT_IN_SCHOOL_HOLIDAYS.to_string(), PathBuf::from("data/calendar/school-holidays-nw.toml"))
        } else {
            let path = settings.school_holidays_file.clone();
            let text = std::fs::read_to_string(&path)
                .map_err(|source| ForecastError::SchoolHolidaysRead { path: path.clone(), source })?;
            (text, path)
        };
        let parsed = SchoolHolidays::parse(&text, &path)?;
        if parsed.region != settings.school_holiday_region {
            return Err(ForecastError::SchoolHolidays {
                path,
                message: format!(
                    "region is {}, but forecast.school_holiday_region is {}",
                    parsed.region, settings.school_holiday_region
                ),
            });
        }
        Ok(parsed)
    }

    /// Whether `date` lies in a holiday period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.periods.iter().any(|p| p.first <= date && date <= p.last)
    }
}

/// What the calendar says about one office on one date.
#[derive(Debug, Clone, PartialEq)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub weekday: Weekday,
    /// Name of the NRW public holiday on this date.
    pub holiday: Option<&'static str>,
    /// A configured closure (all offices or this one).
    pub closure: bool,
    pub school_holiday: bool,
    /// A Monday–Friday whose previous Monday–Friday was a holiday or closure (backlog day).
    pub after_closure: bool,
    /// A Friday after a Thursday holiday (many take the day off).
    pub bridge_day: bool,
    /// 27–30 December, between the Christmas and New Year closures ("zwischen den Jahren").
    pub between_years: bool,
}

impl DayInfo {
    /// An ordinary day: no holiday, closure or other calendar flag.
    pub fn ordinary(date: NaiveDate) -> DayInfo {
        DayInfo {
            date,
            weekday: date.weekday(),
            holiday: None,
            closure: false,
            school_holiday: false,
            after_closure: false,
            bridge_day: false,
            between_years: false,
        }
    }

    /// Closed by the calendar (weekdays the office never opens are decided by opening hours).
    pub fn closed(&self) -> bool {
        self.holiday.is_some() || self.closure
    }

    /// Why the calendar closes the day, for the output table.
    pub fn closed_reason(&self) -> Option<String> {
        match (self.holiday, self.closure) {
            (Some(name), _) => Some(format!("public holiday: {name}")),
            (None, true) => Some("closure".to_string()),
            (None, false) => None,
        }
    }
}

/// Holidays, closures and school holidays, asked per office and date.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    school: SchoolHolidays,
    closures: BTreeSet<NaiveDate>,
    annual: Vec<(u32, u32)>,
    office_closures: BTreeMap<String, BTreeSet<NaiveDate>>,
}

impl Calendar {
    pub fn new(
        school: SchoolHolidays,
        closures: BTreeSet<NaiveDate>,
        annual: Vec<(u32, u32)>,
        office_closures: BTreeMap<String, BTreeSet<NaiveDate>>,
    ) -> Calendar {
        Calendar { school, closures, annual, office_closures }
    }

    /// The calendar the settings describe (settings are validated, so month-days parse).
    pub fn from_settings(settings: &ForecastSettings) -> Result<Calendar, ForecastError> {
        let mut office_closures: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
        for c in &settings.office_closures {
            office_closures.entry(c.office.clone()).or_default().extend(c.dates.iter().copied());
        }
        Ok(Calendar::new(
            SchoolHolidays::load(settings)?,
            settings.closures.iter().copied().collect(),
            settings.annual_closures.iter().filter_map(|md| parse_month_day(md)).collect(),
            office_closures,
        ))
    }

    fn holiday(date: NaiveDate) -> Option<&'static str> {
        nrw_public_holidays(date.year()).into_iter().find(|&(d, _)| d == date).map(|(_, name)| name)
    }

    fn is_closure(&self, office: &str, date: NaiveDate) -> bool {
        self.closures.contains(&date)
            || self.annual.contains(&(date.month(), date.day()))
            || self.office_closures.get(office).is_some_and(|s| s.contains(&date))
    }

    /// Closed by a holiday or closure.
    fn shut(&self, office: &str, date: NaiveDate) -> bool {
        Calendar::holiday(date).is_some() || self.is_closure(office, date)
    }

    /// The calendar facts of `office` on `date`.
    pub fn day(&self, office: &str, date: NaiveDate) -> DayInfo {
        let weekday = date.weekday();
        let workday = weekday.num_days_from_monday() < 5;
        let back = if weekday == Weekday::Mon { 3 } else { 1 };
        let prev_workday = date.checked_sub_days(Days::new(back));
        let yesterday = date.checked_sub_days(Days::new(1));
        DayInfo {
            date,
            weekday,
            holiday: Calendar::holiday(date),
            closure: self.is_closure(office, date),
            school_holiday: self.school.contains(date),
            after_closure: workday && prev_workday.is_some_and(|d| self.shut(office, d)),
            bridge_day: weekday == Weekday::Fri && yesterday.and_then(Calendar::holiday).is_some(),
            between_years: date.month() == 12 && (27..=30).contains(&date.day()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn calendar() -> Calendar {
        Calendar::from_settings(&ForecastSettings::default()).unwrap()
    }

    #[test]
    fn easter_2026_and_christmas_are_closed() {
        let c = calendar();
        let kf = c.day("x", d(2026, 4, 3));
        assert_eq!(kf.holiday, Some("Karfreitag"));
        assert!(kf.closed());
        assert_eq!(c.day("x", d(2026, 4, 6)).holiday, Some("Ostermontag"));
        assert!(!c.day("x", d(2026, 4, 7)).closed());
        assert!(c.day("x", d(2026, 4, 7)).after_closure); // Tuesday after Ostermontag
        assert!(c.day("x", d(2026, 4, 2)).school_holiday); // Osterferien 30.03.–11.04.2026
        for day in [24, 25, 26, 31] {
            assert!(c.day("x", d(2025, 12, day)).closed(), "{day}");
        }
        assert_eq!(c.day("x", d(2025, 12, 24)).closed_reason().as_deref(), Some("closure"));
        assert!(!c.day("x", d(2025, 12, 23)).closed());
        assert!(!c.day("x", d(2025, 12, 27)).after_closure); // Saturday
        assert!(c.day("x", d(2025, 12, 29)).after_closure && c.day("x", d(2025, 12, 29)).between_years);
        assert!(!c.day("x", d(2025, 12, 23)).between_years);
    }

    #[test]
    fn school_holidays_2025_match_the_official_dates() {
        let c = calendar();
        let inside = [d(2025, 4, 14), d(2025, 4, 26), d(2025, 6, 10), d(2025, 7, 14), d(2025, 8, 26)];
        let outside = [d(2025, 4, 13), d(2025, 4, 27), d(2025, 6, 11), d(2025, 8, 27), d(2025, 10, 26)];
        assert!(inside.iter().all(|&x| c.day("x", x).school_holiday));
        assert!(outside.iter().all(|&x| !c.day("x", x).school_holiday));
        assert!(c.day("x", d(2026, 1, 6)).school_holiday && !c.day("x", d(2026, 1, 7)).school_holiday);
    }

    #[test]
    fn bridge_day_and_office_closures() {
        let closure = crate::settings::OfficeClosure { office: "a".into(), dates: vec![d(2025, 3, 3)] };
        let s = ForecastSettings { office_closures: vec![closure], ..Default::default() };
        let c = Calendar::from_settings(&s).unwrap();
        assert!(c.day("x", d(2025, 5, 30)).bridge_day); // Friday after Himmelfahrt
        assert!(c.day("x", d(2025, 5, 30)).after_closure);
        assert!(c.day("a", d(2025, 3, 3)).closed() && !c.day("b", d(2025, 3, 3)).closed());
        assert!(c.day("a", d(2025, 3, 4)).after_closure && !c.day("b", d(2025, 3, 4)).after_closure);
    }

    #[test]
    fn invalid_forecast_settings_are_rejected_with_the_field() {
        let check = |f: ForecastSettings| {
            let s = crate::settings::Settings { forecast: f, ..Default::default() };
            s.validate().unwrap_err().to_string()
        };
        let e = check(ForecastSettings { level_quantiles: [0.7, 0.3], ..Default::default() });
        assert!(e.contains("forecast.level_quantiles"), "{e}");
        let e = check(ForecastSettings { annual_closures: vec!["02-30".into()], ..Default::default() });
        assert!(e.contains("forecast.annual_closures") && e.contains("02-30"), "{e}");
        let e = check(ForecastSettings { opening_share: 1.0, ..Default::default() });
        assert!(e.contains("forecast.opening_share"), "{e}");
        let e = check(ForecastSettings { days: 0, ..Default::default() });
        assert!(e.contains("forecast.days"), "{e}");
        assert_eq!(crate::settings::parse_month_day("02-29"), Some((2, 29)));
    }

    #[test]
    fn school_file_errors_name_the_problem() {
        let bad =
            "region = \"NW\"\nperiods = [{ name = \"x\", first = \"2025-02-02\", last = \"2025-02-01\" }]\n";
        let e = SchoolHolidays::parse(bad, Path::new("f.toml")).unwrap_err().to_string();
        assert!(e.contains("f.toml") && e.contains("'x'"), "{e}");
        let s = ForecastSettings { school_holiday_region: "BY".into(), ..Default::default() };
        let e = SchoolHolidays::load(&s).unwrap_err().to_string();
        assert!(e.contains("BY") && e.contains("NW"), "{e}");
    }
}
