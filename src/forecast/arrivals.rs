//! Arrival forecast methods for one series (office × service group) from its history before
//! the origin: seasonal naive, the seasonal baseline and the calendar model (daily total ×
//! slot shape), with negative-binomial p10–p90 intervals.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use crate::forecast::calendar_days::DayInfo;
use crate::forecast::calendar_model::{CalendarModel, MONTH_MIN_DAYS, ModelParams};
use crate::forecast::history::{DayCounts, total};
use crate::forecast::intervals::{count_quantile, dispersion};
use crate::forecast::levels::Level;
use crate::forecast::opening::SlotMask;
use crate::slots::SLOTS;

/// A forecast method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The same slot one week earlier (the last observed same weekday).
    SeasonalNaive,
    /// Mean of the same weekday and slot over the last n open weeks.
    Baseline,
    /// Calendar model of the daily total × the weekday's slot shape.
    Model,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::SeasonalNaive => "seasonal_naive",
            Method::Baseline => "baseline",
            Method::Model => "model",
        }
    }
}

/// One row of the forecast table: one office, service group, date and 15-minute slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotForecast {
    pub office_id: String,
    /// Service code, or `*` for all services.
    pub service: String,
    pub date: NaiveDate,
    /// 0 = 00:00–00:15 … 95 (local wall clock).
    pub slot: u8,
    /// Days ahead: 1 = the first forecast day (the origin), as in the backtest.
    pub horizon_days: u32,
    /// The office is open in this slot (day not closed and slot within opening hours).
    pub open: bool,
    /// Why the whole day is closed (public holiday, closure, weekday closed).
    pub closed_reason: Option<String>,
    /// Expected tickets issued in the slot (0 when not open).
    pub expected: f64,
    pub p10: f64,
    pub p90: f64,
    pub method: Method,
    pub level: Level,
}

/// A series before its origin: `counts[i]` is day `first + i`; `usable[i]` says the office was
/// open that day (calendar open and tickets issued), so averages skip closed days.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub first: NaiveDate,
    pub counts: &'a [DayCounts],
    pub usable: &'a [bool],
}

impl Series<'_> {
    fn weekday(&self, i: usize) -> Weekday {
        (self.first + chrono::Days::new(i as u64)).weekday()
    }

    /// The newest `n` usable days of `weekday`, newest first.
    pub fn same_weekday(&self, weekday: Weekday, n: usize) -> Vec<usize> {
        (0..self.counts.len())
            .rev()
            .filter(|&i| self.usable[i] && self.weekday(i) == weekday)
            .take(n)
            .collect()
    }
}

/// Same slot one week earlier: the newest observed day `target − 7k`, whatever it was.
pub fn seasonal_naive(s: &Series, target: NaiveDate) -> DayCounts {
    let end = s.counts.len() as i64;
    let t = (target - s.first).num_days();
    if end == 0 || t < end {
        return [0.0; SLOTS];
    }
    let k = (t - end) / 7 + 1;
    let i = t - 7 * k;
    if i < 0 { [0.0; SLOTS] } else { s.counts[i as usize] }
}

/// Mean of the given days' slot counts (zeros if none).
fn mean_of(s: &Series, days: &[usize]) -> DayCounts {
    let mut out = [0.0; SLOTS];
    for &i in days {
        out.iter_mut().zip(&s.counts[i]).for_each(|(o, c)| *o += c);
    }
    if !days.is_empty() {
        out.iter_mut().for_each(|o| *o /= days.len() as f64);
    }
    out
}

/// Seasonal baseline: mean of the same weekday and slot over the last `n` usable weeks.
pub fn seasonal_baseline(s: &Series, weekday: Weekday, n: usize) -> DayCounts {
    mean_of(s, &s.same_weekday(weekday, n))
}

/// Share of a weekday's tickets in each slot over its last `n` usable days (zeros if none).
pub fn slot_shape(s: &Series, weekday: Weekday, n: usize) -> DayCounts {
    let mean = seasonal_baseline(s, weekday, n);
    let sum = total(&mean);
    if sum > 0.0 { mean.map(|m| m / sum) } else { [0.0; SLOTS] }
}

/// What a forecaster needs besides the series.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodParams {
    /// Weeks the baseline averages.
    pub baseline_weeks: usize,
    /// Weeks the model's slot shape averages (longer: shares are noisier than means).
    pub shape_weeks: usize,
    pub model: ModelParams,
}

/// Everything fitted for one series at one origin.
#[derive(Debug, Clone)]
pub struct Forecaster<'a> {
    series: Series<'a>,
    baseline: [DayCounts; 7],
    shape: [DayCounts; 7],
    model: Option<CalendarModel>,
    /// Dispersion of the interval (variance / mean of slot counts).
    pub phi: f64,
}

impl<'a> Forecaster<'a> {
    /// Fits the methods on `series`; `days[i]` is the calendar of day `i`, `origin` the first
    /// forecast day.
    pub fn new(series: Series<'a>, days: &[DayInfo], origin: NaiveDate, p: &MethodParams) -> Forecaster<'a> {
        let weekdays = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        let baseline = weekdays.map(|w| seasonal_baseline(&series, w, p.baseline_weeks));
        let shape = weekdays.map(|w| slot_shape(&series, w, p.shape_weeks));
        let train: Vec<(DayInfo, f64)> = (0..series.counts.len())
            .filter(|&i| series.usable[i])
            .map(|i| (days[i].clone(), total(&series.counts[i])))
            .collect();
        // Month effects only once a year and a month of history shows every target month.
        let mut model_params = p.model.clone();
        model_params.use_month &= series.counts.len() as i64 >= MONTH_MIN_DAYS;
        let model = model_params.fit(&train, origin);
        let phi = baseline_dispersion(&series, p.baseline_weeks);
        Forecaster { series, baseline, shape, model, phi }
    }

    /// Expected slot counts of `day` by `method`; zero outside `open`.
    pub fn expected(&self, method: Method, day: &DayInfo, open: &SlotMask) -> DayCounts {
        let w = day.weekday.num_days_from_monday() as usize;
        let raw = match method {
            Method::SeasonalNaive => seasonal_naive(&self.series, day.date),
            Method::Baseline => self.baseline[w],
            Method::Model => match &self.model {
                Some(m) => self.shape[w].map(|share| share * m.predict_total(day)),
                None => [0.0; SLOTS],
            },
        };
        let mut out = [0.0; SLOTS];
        (0..SLOTS).filter(|&s| open[s]).for_each(|s| out[s] = raw[s]);
        out
    }

    /// p10 and p90 of a slot with expectation `mu`.
    pub fn interval(&self, mu: f64) -> (f64, f64) {
        (count_quantile(mu, self.phi, 0.1), count_quantile(mu, self.phi, 0.9))
    }

    pub fn model(&self) -> Option<&CalendarModel> {
        self.model.as_ref()
    }
}

/// Dispersion of the baseline's own errors over the last `n` weeks: each usable day of that
/// window is forecast by the baseline of the `n` same-weekday usable days before it.
fn baseline_dispersion(s: &Series, n: usize) -> f64 {
    let len = s.counts.len();
    let start = len.saturating_sub(7 * n);
    let mut pairs = Vec::new();
    for d in (start..len).filter(|&d| s.usable[d]) {
        let before = Series { first: s.first, counts: &s.counts[..d], usable: &s.usable[..d] };
        let mu = seasonal_baseline(&before, s.weekday(d), n);
        pairs.extend(s.counts[d].iter().zip(mu).map(|(&y, m)| (y, m)));
    }
    dispersion(pairs.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, day).unwrap()
    }

    /// 2025-03-03 is a Monday. Day i has `v` tickets in slot 40 and `v/2` in slot 41.
    fn fixture(values: &[f64]) -> Vec<DayCounts> {
        values
            .iter()
            .map(|&v| {
                let mut c = [0.0; SLOTS];
                c[40] = v;
                c[41] = v / 2.0;
                c
            })
            .collect()
    }

    #[test]
    fn baseline_averages_usable_same_weekdays_by_hand() {
        // Three weeks of Mondays: 10, (closed) 99, 20; then Monday 30 → last 2 usable: 30, 20.
        let mut vals = vec![0.0; 22];
        vals[0] = 10.0;
        vals[7] = 99.0;
        vals[14] = 20.0;
        vals[21] = 30.0;
        let counts = fixture(&vals);
        let mut usable = vec![true; 22];
        usable[7] = false;
        let s = Series { first: d(3), counts: &counts, usable: &usable };
        let b = seasonal_baseline(&s, Weekday::Mon, 2);
        assert_eq!((b[40], b[41], b[39]), (25.0, 12.5, 0.0));
        let b3 = seasonal_baseline(&s, Weekday::Mon, 3);
        assert_eq!(b3[40], 20.0); // (30 + 20 + 10) / 3, the closed 99 skipped
        let shape = slot_shape(&s, Weekday::Mon, 3);
        assert!((shape[40] - 2.0 / 3.0).abs() < 1e-12 && (shape[41] - 1.0 / 3.0).abs() < 1e-12);
        // Seasonal naive for the next Monday (day 28) is day 21; for Monday day 35 still day 21.
        assert_eq!(seasonal_naive(&s, d(31))[40], 30.0);
        assert_eq!(seasonal_naive(&s, d(3) + chrono::Days::new(35))[40], 30.0);
        // The following Tuesday (day 22) looks back to day 15 (a Tuesday with 0).
        assert_eq!(seasonal_naive(&s, d(25))[40], 0.0);
    }

    #[test]
    fn expected_is_zero_outside_open_slots() {
        let counts = fixture(&[8.0; 14]);
        let usable = vec![true; 14];
        let s = Series { first: d(3), counts: &counts, usable: &usable };
        let days: Vec<DayInfo> = (0..14u64).map(|i| DayInfo::ordinary(d(3) + chrono::Days::new(i))).collect();
        let p = MethodParams {
            baseline_weeks: 2,
            shape_weeks: 4,
            model: ModelParams { halflife_days: 28.0, ridge: 1.0, use_month: false },
        };
        let f = Forecaster::new(s, &days, d(17), &p);
        let mut open = [false; SLOTS];
        open[40] = true;
        let target = DayInfo { date: d(17), weekday: Weekday::Mon, ..days[0].clone() };
        let b = f.expected(Method::Baseline, &target, &open);
        assert_eq!((b[40], b[41]), (8.0, 0.0));
        // Constant daily totals (12) with the shape 2/3 : 1/3 → model ≈ 8 in slot 40.
        let m = f.expected(Method::Model, &target, &open);
        assert!((m[40] - 8.0).abs() < 0.05, "{}", m[40]);
        assert_eq!(f.phi, 1.0); // no error at all: Poisson floor
        assert_eq!(f.interval(0.0), (0.0, 0.0));
    }
}
