//! Queue replay: sweep one office-day's events in time order and report the queue state
//! (waiting, in service, active and busy counters) as a piecewise-constant timeline.
//!
//! The sweep never looks ahead: the state reported at instant t depends only on events at
//! or before t (and on the passage of time, for counters going idle and tickets passing
//! their wait bound, [`stale`]). The profiles and the wait-time model both build on it.

pub mod day;
pub mod events;
pub mod stale;
pub mod sweep;

pub use day::{DayRange, DayTicket, OfficeDay, day_ranges, office_days, office_days_bounded};
pub use events::{Event, EventKind, day_events};
pub use stale::WaitBounds;
pub use sweep::{QueueState, Replayer, Sweep, Timeline, Until, timeline};

#[cfg(test)]
mod tests;

/// Replay settings. | Name | Default | Purpose |
/// | `idle_gap_ms` | 30 min | a counter idle this long stops counting as active |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayParams {
    pub idle_gap_ms: i64,
}

impl Default for ReplayParams {
    fn default() -> Self {
        ReplayParams { idle_gap_ms: 30 * 60_000 }
    }
}
