//! The export's app files as typed values: what the API reads from a generation
//! (`offices/<id>.json`, `services.json`; schemas in `schemas/`) and serves again. Fields the
//! export adds later are ignored here until the API publishes them; a `schema_version` other
//! than the one known refuses the generation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The office file layout this server reads.
pub const OFFICE_SCHEMA_VERSION: u32 = 1;
/// The `services.json` layout this server reads.
pub const SERVICES_SCHEMA_VERSION: u32 = 1;

/// `offices/<id>.json` as far as the API uses it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OfficeFile {
    pub schema_version: u32,
    pub office_id: String,
    /// Public name and address (from `[offices.<id>]` at export time); absent in older files.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    pub opening_hours: Vec<OpeningDay>,
    pub days: Vec<ForecastDay>,
    pub best_times_by_weekday: Vec<WeekdayBest>,
    pub profile: Profile,
}

/// Opening hours of one weekday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OpeningDay {
    /// ISO weekday, 1 = Monday.
    pub weekday: u8,
    /// Local intervals `HH:MM-HH:MM`; empty: closed.
    pub hours: Vec<String>,
    /// `learned` from the recent weeks or `settings`.
    pub source: String,
}

/// Load level of a slot relative to the office's own open slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
}

/// One forecast day of an office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ForecastDay {
    /// Local date, YYYY-MM-DD.
    pub date: String,
    /// ISO weekday, 1 = Monday.
    pub weekday: u8,
    pub open: bool,
    /// Why the office is closed (holiday, closure, no opening hours); null when open.
    pub closed_reason: Option<String>,
    /// Expected tickets of the day.
    pub expected_tickets: f64,
    /// The three open slots with the lowest expected wait (p50).
    pub best_times: Vec<BestTime>,
    /// The open 15-minute slots.
    pub slots: Vec<Slot>,
}

/// One open 15-minute slot of a forecast day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Slot {
    /// Index of the slot of the day, 0 = 00:00 … 95 = 23:45.
    pub slot: u8,
    /// Local start `HH:MM`.
    pub start: String,
    /// Expected tickets issued in the slot, with its p10 and p90.
    pub expected: f64,
    pub p10: f64,
    pub p90: f64,
    pub level: Level,
    /// Expected wait of a ticket drawn in the slot, minutes (p50, p90); null where the
    /// simulation had no called arrival in it.
    pub wait_p50_min: Option<f64>,
    pub wait_p90_min: Option<f64>,
    /// Label of the 15-minute bucket of `wait_p50_min`, e.g. `15–30 min`.
    pub wait_bucket: Option<String>,
}

/// A slot with a low expected wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BestTime {
    pub slot: u8,
    pub start: String,
    pub wait_p50_min: Option<f64>,
}

/// The best times of one weekday over the forecast horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeekdayBest {
    pub weekday: u8,
    pub best_times: Vec<BestTime>,
}

/// Weekday × hour load profile over all services; small cells are suppressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    /// Profiled window, local dates.
    pub from: String,
    pub to: String,
    /// Cells with fewer tickets are suppressed (values null).
    pub min_cell_tickets: u32,
    pub cells: Vec<ProfileCell>,
}

/// One weekday × hour cell. `suppressed` cells have null values except `open_days`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProfileCell {
    pub weekday: u8,
    pub hour: u8,
    pub suppressed: bool,
    pub open_days: Option<f64>,
    pub tickets: Option<f64>,
    pub tickets_per_open_day: Option<f64>,
    pub wait_mean_min: Option<f64>,
    pub wait_median_min: Option<f64>,
    pub wait_p90_min: Option<f64>,
    /// Share of called tickets that waited at most the service-level minutes.
    pub service_level: Option<f64>,
    pub avg_waiting: Option<f64>,
    pub utilisation: Option<f64>,
}

/// `services.json`: the service catalog for the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServicesFile {
    pub schema_version: u32,
    pub services: Vec<Service>,
}

/// One service: what to bring, fees, typical duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Service {
    /// Code as in the ticket logs, e.g. `PA`.
    pub code: String,
    pub name: String,
    pub description: String,
    /// 14-digit key of the national service catalogue (LeiKa), when known for sure.
    pub leika: Option<String>,
    pub leika_note: Option<String>,
    pub documents: Vec<Document>,
    pub fees: Vec<Fee>,
    /// Typical time at the counter, minutes.
    pub duration_minutes: u32,
    pub appointment_required: bool,
    pub online: Option<Online>,
    pub notes: Vec<String>,
    /// Where the facts were checked (https URL).
    pub source: String,
    /// Date of the last check, YYYY-MM-DD.
    pub reviewed: String,
}

/// A document to bring, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Document {
    pub name: String,
    /// When it is needed; null: always.
    pub condition: Option<String>,
}

/// A fee in exact cents with its German text, e.g. 4600 and `46,00 €`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Fee {
    pub cents: Option<u64>,
    pub text: Option<String>,
    pub condition: Option<String>,
    pub note: Option<String>,
}

/// A way to do it online.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Online {
    pub name: String,
    pub url: String,
}
