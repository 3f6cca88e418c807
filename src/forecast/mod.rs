//! Forecasts for the app and the planners: expected arrivals per office, service group and
//! 15-minute slot for the coming weeks, with their calendar, learned opening hours, backtest,
//! load levels and best times.
//!
//! The arrival pipeline: [`history`] counts tickets per slot, [`calendar_days`] says which days
//! are open and what kind of day each is, [`opening`] learns the open slots, [`arrivals`] holds
//! the forecast methods, [`arrival_backtest`] scores them on rolling origins and picks one per
//! office, [`run`] assembles the forecast and [`write`] stores it. [`inputs`] is what the
//! backtest and the forecast share: one office's counted history with its calendar.

pub mod arrival_backtest;
pub mod arrivals;
pub mod best_times;
pub mod calendar_days;
pub mod calendar_model;
pub mod history;
pub mod inputs;
pub mod intervals;
pub mod levels;
pub mod opening;
pub mod run;
pub mod write;

use std::path::PathBuf;

use crate::store::StoreError;

pub use arrivals::{Method, SlotForecast};
pub use best_times::{BestSlot, WeekdayBest, best_slots, best_times_by_weekday, best_times_for_day};
pub use levels::{Level, WaitBucket, level_of, level_thresholds, wait_bucket};
pub use run::{ForecastRun, run, run_on_columns};
pub use write::{forecast_files, write_forecast};

/// Errors of the forecast stage.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read school holidays {path}")]
    SchoolHolidaysRead { path: PathBuf, source: std::io::Error },
    #[error("school holidays {path}")]
    SchoolHolidaysToml { path: PathBuf, source: toml::de::Error },
    #[error("school holidays {path}: {message}")]
    SchoolHolidays { path: PathBuf, message: String },
    #[error("setting forecast.opening_hours (office {office}, weekday {weekday}): {message}")]
    Opening { office: String, weekday: String, message: String },
    #[error("the store holds no tickets before {0}: nothing to forecast from")]
    Empty(String),
    #[error("cannot render or write the forecast files")]
    Output(#[from] crate::output::OutputError),
}
