//! `queuecast nightly`: the cron job's one command. Inbox → ingest → profile → train when due
//! (behind the model's quality gate) → forecasts, staffing, what-if → export → report, under a
//! lock, safe to kill and rerun.

pub mod decide;
pub mod inbox;
pub mod lock;
