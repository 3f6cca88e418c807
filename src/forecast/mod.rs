//! Forecasts for the app and the planners: expected arrivals per office, service group and
//! 15-minute slot for the coming weeks, with their calendar, learned opening hours, backtest,
//! load levels and best times.
//!
//! The arrival pipeline: [`history`] counts tickets per slot, [`calendar_days`] says which days
//! are open and what kind of day each is, [`opening`] learns the open slots, [`arrivals`] holds
//! the forecast methods, [`arrival_backtest`] scores them on rolling origins and picks one per
//! office, [`run`] assembles the forecast and [`write`] stores it.
//!
//! For planners: expected waits per slot ([`slot_waits`]), staffing suggestions with Erlang C
//! ([`staffing`], checked by [`staffing_check`]) and the spreading-the-load what-if
//! ([`whatif`]), all on plain slices and the queue simulation in [`queue_sim`] fed by
//! [`sim_day`]; [`planning`] runs them on a store.

pub mod arrival_backtest;
pub mod arrivals;
pub mod best_times;
pub mod calendar_days;
pub mod calendar_model;
pub mod history;
pub mod intervals;
pub mod levels;
pub mod opening;
pub mod run;
pub mod write;

pub mod erlang;
pub mod planning;
pub mod queue_sim;
pub mod sim_day;
pub mod slot_waits;
pub mod staffing;
pub mod staffing_check;
pub mod whatif;

use std::path::PathBuf;

use crate::store::StoreError;

pub use arrivals::{Method, SlotForecast};
pub use best_times::{BestSlot, WeekdayBest, best_slots, best_times_by_weekday, best_times_for_day};
pub use levels::{Level, WaitBucket, level_of, level_thresholds, wait_bucket};
pub use run::{ForecastRun, run, run_on_columns};
pub use write::write_forecast;

/// Slots of 15 minutes in a (wall-clock) day.
pub const SLOTS: usize = 96;

/// Errors of the forecast stage.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("school holidays {path}: {message}")]
    SchoolHolidays { path: PathBuf, message: String },
    #[error("setting forecast.opening_hours (office {office}, weekday {weekday}): {message}")]
    Opening { office: String, weekday: String, message: String },
    #[error("the store holds no tickets before {0}: nothing to forecast from")]
    Empty(String),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// `HH:MM` of the start of a slot.
pub fn slot_start(slot: usize) -> String {
    format!("{:02}:{:02}", slot / 4, (slot % 4) * 15)
}
