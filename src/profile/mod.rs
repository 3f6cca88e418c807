//! Load profiles: when is an office busy, by weekday and hour (and 15-minute slot, day and
//! month), per office and service, with suppression of small cells for public use.
//!
//! Ticket counts and wait statistics come from lazy polars aggregations over the store;
//! time-averaged queue length, active counters and utilisation from the queue replay.

pub mod cells;
pub mod hours;
pub mod occupancy;
pub mod peaks;
pub mod read;
pub mod suppress;
pub mod tables;
pub mod write;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::replay::ReplayParams;
use crate::settings::ValidSettings;
use crate::store::{Store, StoreError};
use crate::time::minutes_to_ms;

pub use hours::HourCell;
pub use write::{profile_files, write_tables};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("profile computation failed")]
    Polars(#[from] PolarsError),
    #[error("the store holds no tickets in the window {from} … {to}")]
    Empty { from: String, to: String },
    #[error("profile table {table} has no column {column}")]
    NoColumn { table: &'static str, column: &'static str },
    #[error("cannot render or write the profile tables")]
    Output(#[from] crate::output::OutputError),
}

/// What to profile and how. | Name | Default | Purpose |
/// | `window_weeks` | 52 | window ending at the newest stored day, unless `from`/`to` are set |
/// | `service_level_s` | 900 | wait threshold of the service level |
/// | `min_cell_tickets` | 5 | k of the k-anonymity suppression |
/// | `suppress` | true | suppress small cells (public tables) |
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileParams {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub window_weeks: u32,
    pub service_level_s: f64,
    pub min_cell_tickets: u32,
    pub suppress: bool,
    pub replay: ReplayParams,
}

impl ProfileParams {
    pub fn from_settings(settings: &ValidSettings) -> ProfileParams {
        let p = &settings.profile;
        ProfileParams {
            from: None,
            to: None,
            window_weeks: p.window_weeks,
            service_level_s: p.service_level_minutes * 60.0,
            min_cell_tickets: p.min_cell_tickets,
            suppress: true,
            replay: ReplayParams { idle_gap_ms: minutes_to_ms(p.counter_idle_gap_minutes) },
        }
    }
}

/// One profile table: its name (the file stem), the columns that key a cell, and the frame,
/// one row per cell. The constructor checks that the key columns are there.
#[derive(Debug, Clone)]
pub struct ProfileTable {
    name: &'static str,
    keys: &'static [&'static str],
    frame: DataFrame,
}

impl ProfileTable {
    pub fn new(
        name: &'static str,
        keys: &'static [&'static str],
        frame: DataFrame,
    ) -> Result<ProfileTable, ProfileError> {
        if let Some(column) = keys.iter().find(|k| frame.column(k).is_err()) {
            return Err(ProfileError::NoColumn { table: name, column });
        }
        Ok(ProfileTable { name, keys, frame })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The columns that say which cell a row is.
    pub fn keys(&self) -> &'static [&'static str] {
        self.keys
    }

    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// Cells (rows) of the table.
    pub fn height(&self) -> usize {
        self.frame.height()
    }
}

/// The profile tables of one window.
#[derive(Debug, Clone)]
pub struct ProfileTables {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub params: ProfileParams,
    /// office × service (and `*`) × ISO weekday × local hour.
    pub weekday_hour: ProfileTable,
    /// office × service (and `*`) × ISO weekday × 15-minute slot of the day (0–95).
    pub slot15: ProfileTable,
    /// office × local date.
    pub daily: ProfileTable,
    /// office × service (and `*`) × year × month.
    pub monthly: ProfileTable,
    /// office × weekday: busiest and quietest open hour.
    pub peaks: ProfileTable,
}

impl ProfileTables {
    /// Every table, in output order.
    pub fn all(&self) -> [&ProfileTable; 5] {
        [&self.weekday_hour, &self.slot15, &self.daily, &self.monthly, &self.peaks]
    }
}

/// Computes all profile tables from the store. Timed as the span `profile`, with the reading
/// of the window as the span `read the store` inside it (the rest is statistics).
pub fn compute(store: &Store, params: &ProfileParams) -> Result<ProfileTables, ProfileError> {
    let (from, to) = window(store, params)?;
    let _span = tracing::info_span!("profile").entered();
    let mut t = tables::build(store, from, to, params)?;
    if params.suppress {
        let k = params.min_cell_tickets;
        t.weekday_hour = suppress::suppress(t.weekday_hour, k, &tables::CELL_KEYS_WEEKDAY_HOUR)?;
        t.slot15 = suppress::suppress(t.slot15, k, &tables::CELL_KEYS_SLOT15)?;
        t.daily = suppress::suppress(t.daily, k, &tables::CELL_KEYS_DAILY)?;
        t.monthly = suppress::suppress(t.monthly, k, &tables::CELL_KEYS_MONTHLY)?;
    }
    let peaks = peaks::peaks(&t.weekday_hour)?;
    Ok(ProfileTables {
        from,
        to,
        params: params.clone(),
        weekday_hour: ProfileTable::new("weekday_hour", &tables::CELL_KEYS_WEEKDAY_HOUR, t.weekday_hour)?,
        slot15: ProfileTable::new("slot15", &tables::CELL_KEYS_SLOT15, t.slot15)?,
        daily: ProfileTable::new("daily", &tables::CELL_KEYS_DAILY, t.daily)?,
        monthly: ProfileTable::new("monthly", &tables::CELL_KEYS_MONTHLY, t.monthly)?,
        peaks: ProfileTable::new("peaks", &peaks::PEAK_KEYS, peaks)?,
    })
}

/// The profiled date range: `from`/`to` if given, else the last `window_weeks` up to the
/// newest stored day; either way clamped to the stored days, so the range printed and written
/// is the one the data covers (the same dates `summary` shows).
fn window(store: &Store, params: &ProfileParams) -> Result<(NaiveDate, NaiveDate), ProfileError> {
    let Some((first, last)) = stored_range(store)? else {
        return Err(ProfileError::Empty { from: "-".into(), to: "-".into() });
    };
    let to = params.to.unwrap_or(last);
    let from = params.from.unwrap_or(to - chrono::Days::new(7 * params.window_weeks as u64 - 1));
    let (from, to) = (from.max(first), to.min(last));
    if from > to {
        return Err(ProfileError::Empty { from: from.to_string(), to: to.to_string() });
    }
    Ok((from, to))
}

/// The first and last stored local day.
fn stored_range(store: &Store) -> Result<Option<(NaiveDate, NaiveDate)>, ProfileError> {
    Ok(crate::store::window::stored_date_range(store)?)
}
