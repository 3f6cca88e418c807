//! Planning: what the queue will do with given arrivals and counters. A deterministic queue
//! simulation ([`queue_sim`]) fed by replayed history days ([`sim_day`]) gives the expected
//! wait per 15-minute slot ([`slot_waits`]), checks the Erlang C ([`erlang`]) staffing
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
pub mod whatif;

pub use run::{
    PlanningError, ReplayedDays, StaffingReport, history_of, load_history, replay_params, run_staffing,
    run_whatif, sim_params, staffing_report, staffing_summary, whatif_report, whatif_summary, write_staffing,
    write_whatif,
};
