//! queuecast: analytics and wait-time forecasting for citizens' offices.
//!
//! Stages, each a module, with named types between them (see `ARCHITECTURE.md`):
//! ingest → store → replay → (profile, model, forecast, planning) → export → serve. Leaf modules
//! (`time`, `stats`, `slots`, `hashing`, `parallel`, `random`, `errors`, `schema`, `timezones`, `calendar`,
//! `settings`, `catalog`) import only other leaves; `tests/layering.rs` checks the arrows.

// Leaves.
pub mod calendar;
pub mod catalog;
pub mod checkpoint;
pub mod errors;
pub mod hashing;
pub mod parallel;
pub mod random;
pub mod schema;
pub mod settings;
pub mod slots;
pub mod stats;
pub mod time;
pub mod timezones;

// Infrastructure: writing files, the ticket store, the sample simulator.
pub mod output;
pub mod simulate;
pub mod store;

// Stages.
pub mod export;
pub mod forecast;
pub mod ingest;
pub mod model;
pub mod nightly;
pub mod occupancy;
pub mod planning;
pub mod profile;
pub mod replay;

// Above the stages: reads an export generation.
pub mod report;

// Above export: the HTTP API, reading generations and the model file.
pub mod serve;
