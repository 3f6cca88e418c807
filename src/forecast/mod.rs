//! Forecasts for planners: expected waits per slot, staffing suggestions (Erlang C) and the
//! spreading-the-load what-if, all on plain slices and the queue simulation in `queue_sim`.

pub mod erlang;
pub mod planning;
pub mod queue_sim;
pub mod sim_day;
pub mod slot_waits;
pub mod staffing;
pub mod staffing_check;
pub mod whatif;
