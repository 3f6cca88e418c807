//! queuecast: analytics and wait-time forecasting for citizens' offices.
//!
//! Stages, each a module, with plain data types between them:
//! ingest → store → (profiles, models, forecasts, exports). Leaf modules (`schema`,
//! `settings`, `timezones`, `calendar`, `catalog`) import nothing above them.

pub mod calendar;
pub mod catalog;
pub mod export;
pub mod forecast;
pub mod ingest;
pub mod model;
pub mod profile;
pub mod replay;
pub mod report;
pub mod schema;
pub mod settings;
pub mod simulate;
pub mod store;
pub mod timezones;
