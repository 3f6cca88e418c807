//! Typed rows of the export's CSV tables, as far as the report reads them. Empty fields
//! (suppressed cells, undefined values) are `None`.

use chrono::NaiveDate;
use serde::Deserialize;

/// `tables/profile/weekday_hour.csv`: one office × service × weekday × hour.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WeekdayHourRow {
    pub office_id: String,
    pub service: String,
    pub weekday: u32,
    pub hour: u32,
    pub open_days: f64,
    pub tickets: Option<f64>,
    pub tickets_per_open_day: Option<f64>,
    pub wait_median_min: Option<f64>,
    pub service_level: Option<f64>,
    pub suppressed: bool,
}

/// `tables/profile/daily.csv`: one office-day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DailyRow {
    pub office_id: String,
    pub local_date: NaiveDate,
    pub tickets: Option<f64>,
    pub served: Option<f64>,
    pub no_show: Option<f64>,
    pub wait_mean_min: Option<f64>,
    pub service_level: Option<f64>,
    pub suppressed: bool,
}

impl DailyRow {
    /// Called tickets (served or no-show): the ones the mean wait is over.
    pub fn called(&self) -> Option<f64> {
        Some(self.served? + self.no_show?)
    }
}

/// `tables/profile/monthly.csv`: one office × service × month.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MonthlyRow {
    pub office_id: String,
    pub service: String,
    pub year: i32,
    pub month: u32,
    pub tickets: Option<f64>,
    pub wait_mean_min: Option<f64>,
    pub wait_median_min: Option<f64>,
    pub service_level: Option<f64>,
    pub suppressed: bool,
}

/// `tables/staffing/staffing.csv`: observed and suggested counters per office × weekday × hour.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StaffingRow {
    pub office_id: String,
    pub weekday: u32,
    pub hour: u32,
    pub open_days: f64,
    pub observed_counters: Option<f64>,
    pub arrivals_per_hour: Option<f64>,
    pub suggested_counters: Option<f64>,
    pub measured_sl: Option<f64>,
    pub suppressed: bool,
}

/// `tables/whatif/whatif.csv`: one office × share moved × hour (`all` for the day totals).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WhatIfRow {
    pub office_id: String,
    pub share: f64,
    pub hour: String,
    pub tickets: Option<f64>,
    pub moved: Option<f64>,
    pub mean_wait_min: Option<f64>,
    pub p90_wait_min: Option<f64>,
    pub share_within: Option<f64>,
    pub suppressed: bool,
}

impl WhatIfRow {
    /// The local hour, or `None` for the `all` row.
    pub fn hour(&self) -> Option<u32> {
        self.hour.parse().ok()
    }
}

/// `tables/forecast/arrival_backtest.csv`: scores per office, method and horizon.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ArrivalScoreRow {
    pub office_id: String,
    pub method: String,
    pub horizon_days: u32,
    pub days: f64,
    pub wape: Option<f64>,
    pub wape_daily: Option<f64>,
    pub coverage_p10_p90: Option<f64>,
}

/// `tables/forecast/arrival_backtest_days.csv`: one scored target day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BacktestDayRow {
    pub office_id: String,
    pub date: NaiveDate,
    pub method: String,
    pub horizon_days: u32,
    pub expected: Option<f64>,
    pub actual: Option<f64>,
    pub suppressed: bool,
}
