//! Planning: what the queue will do with given arrivals and counters. A deterministic queue
//! simulation ([`queue_sim`]) fed by replayed history days ([`sim_day`]) gives the expected
//! wait per 15-minute slot ([`slot_waits`]; [`wait_method`] chooses per office between it and
//! the history's slot waits), checks the Erlang C ([`erlang`]) staffing
//! suggestions ([`staffing`], [`staffing_check`]) and re-simulates the spreading-the-load
//! what-if ([`whatif`]); [`run`] runs them on a store.

pub mod erlang;
pub mod queue_sim;
pub mod run;
pub mod sim_day;
pub mod slot_waits;
pub mod staffing;
pub mod staffing_check;
#[cfg(test)]
mod test_days;
pub mod wait_method;
pub mod whatif;

pub mod params;
pub mod tables;

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::store::StoreError;

pub use params::PlanningParams;
pub use run::{StaffingReport, staffing_report, whatif_report};
pub use sim_day::ReplayedDays;
pub use tables::{public_staffing_files, staffing_files, whatif_files, write_staffing, write_whatif};

/// Days simulated at a time on the available cores by the day-by-day runs (what-if, the
/// staffing check): enough to keep two cores busy, few enough that their results are small.
pub(crate) const PARALLEL_DAYS: usize = 64;

/// Errors of the planning stage.
#[derive(Debug, thiserror::Error)]
pub enum PlanningError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store {0} holds no tickets")]
    Empty(PathBuf),
    #[error("no office-days to plan with")]
    NoDays,
    #[error("office index {index} of the day {date} is not among the {offices} offices")]
    UnknownOffice { index: u32, date: NaiveDate, offices: usize },
    #[error(transparent)]
    Staffing(#[from] staffing::StaffingError),
    #[error(transparent)]
    SlotWait(#[from] slot_waits::SlotWaitError),
    #[error("queue simulation")]
    Sim(#[from] queue_sim::QueueSimError),
    #[error("cannot render or write the planning tables")]
    Output(#[from] crate::output::OutputError),
}

/// A score of one office (or of `all` offices pooled).
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeScore<S> {
    pub office: String,
    pub score: S,
}
