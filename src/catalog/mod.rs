//! Service catalog: what each service code means for a citizen — name, LeiKa key, the
//! documents to bring, fees, typical duration, appointments, online alternative.
//!
//! Read from `data/services.toml` (one `[[service]]` table per code), checked once by
//! [`load`], then passed down as plain values. A leaf module: std, serde, chrono, thiserror.
//! Review age depends on today's date, so it is a separate, pure step ([`review_warnings`])
//! that reports warnings rather than failing the load.

mod money;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use money::Euro;

/// Errors loading the catalog; each names the file and, where there is one, the entry and field.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read service catalog {path}")]
    Read { path: PathBuf, source: std::io::Error },
    /// Not TOML at all (the cause carries line and column).
    #[error("service catalog {path}")]
    Toml { path: PathBuf, source: Box<toml::de::Error> },
    /// The top level is wrong.
    #[error("service catalog {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// An entry that does not deserialize: unknown key, missing key, wrong type.
    #[error("service catalog {path}: service {entry}")]
    Entry { path: PathBuf, entry: String, source: Box<toml::de::Error> },
    /// A value that parses but breaks a rule (bad LeiKa key, empty documents list, …).
    #[error("service catalog {path}: service {entry}: {field} = {value}: expected {expected}")]
    Invalid { path: PathBuf, entry: String, field: String, value: String, expected: &'static str },
    #[error("service catalog {path}: service code {code} appears more than once")]
    DuplicateCode { path: PathBuf, code: String },
}

/// The whole catalog, entries in file order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(rename = "service")]
    pub services: Vec<Service>,
}

/// One service as a citizen needs to know it before the visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Code as it appears in the ticket log's `service` column, e.g. `PA`.
    pub code: String,
    /// German name as the app shows it.
    pub name: String,
    /// One or two sentences: what the service is.
    pub description: String,
    /// 14-digit key of the national service catalogue (LeiKa), if one is known for sure.
    #[serde(default)]
    pub leika: Option<String>,
    /// Why no LeiKa key is given (required when `leika` is absent).
    #[serde(default)]
    pub leika_note: Option<String>,
    /// What to bring; never empty.
    pub documents: Vec<Document>,
    /// Fees with the conditions under which each applies; never empty (free services say so).
    pub fees: Vec<Fee>,
    /// Typical time at the counter, minutes.
    pub duration_minutes: u32,
    /// Whether the office serves this only with an appointment.
    pub appointment_required: bool,
    /// A way to do it without a visit, if there is one.
    #[serde(default)]
    pub online: Option<OnlineAlternative>,
    /// Further hints that save a second visit (deadlines, who may come instead).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Where the entry's facts were checked (https).
    pub source: String,
    /// When a person last checked the entry against the source, `YYYY-MM-DD`.
    pub reviewed: NaiveDate,
}

/// A document to bring, with the case in which it is needed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub name: String,
    /// E.g. "nur bei Minderjährigen"; absent means always.
    #[serde(default)]
    pub condition: Option<String>,
}

/// One fee. `eur` is absent only when the amount is set locally; `note` then says so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    #[serde(default)]
    pub eur: Option<Euro>,
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// An online service that replaces the visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlineAlternative {
    pub name: String,
    pub url: String,
}

/// Something a person should look at, but no reason to refuse the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogWarning {
    /// The entry was last reviewed more than the allowed number of days ago.
    StaleReview { code: String, reviewed: NaiveDate, age_days: i64, max_age_days: u32 },
    /// The review date lies after today: a typo, most likely.
    ReviewInFuture { code: String, reviewed: NaiveDate },
}

impl fmt::Display for CatalogWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogWarning::StaleReview { code, reviewed, age_days, max_age_days } => write!(
                f,
                "service {code}: last reviewed {reviewed}, {age_days} days ago (more than {max_age_days}); check it against its source"
            ),
            CatalogWarning::ReviewInFuture { code, reviewed } => {
                write!(f, "service {code}: review date {reviewed} lies in the future")
            }
        }
    }
}

/// The catalog shipped inside the binary (a copy of `data/services.toml` at build time), used
/// when `[catalog] path` is empty, so every command works from any working directory.
pub const BUILT_IN: &str = include_str!("../../data/services.toml");
/// How the built-in catalog is named in messages and in the export report.
pub const BUILT_IN_NAME: &str = "built-in data/services.toml";

/// The configured catalog: the file at `path`, or the built-in one when `path` is empty.
pub fn load_configured(path: &Path) -> Result<Catalog, CatalogError> {
    match path.as_os_str().is_empty() {
        true => parse(BUILT_IN, Path::new(BUILT_IN_NAME)),
        false => load(path),
    }
}

/// How the configured catalog is named: its path, or [`BUILT_IN_NAME`].
pub fn source_name(path: &Path) -> String {
    match path.as_os_str().is_empty() {
        true => BUILT_IN_NAME.to_string(),
        false => path.display().to_string(),
    }
}

/// Reads and checks the catalog file.
pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| CatalogError::Read { path: path.into(), source })?;
    parse(&text, path)
}

/// Parses catalog text; `path` only names the source in errors.
pub fn parse(text: &str, path: &Path) -> Result<Catalog, CatalogError> {
    let parse_err = |message: String| CatalogError::Parse { path: path.into(), message };
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| CatalogError::Toml { path: path.into(), source: Box::new(e) })?;
    let entries = match table.remove("service") {
        Some(toml::Value::Array(entries)) => entries,
        Some(_) => return Err(parse_err("`service` must be an array of tables ([[service]])".into())),
        None => return Err(parse_err("no [[service]] entries".into())),
    };
    if let Some(key) = table.keys().next() {
        return Err(parse_err(format!(
            "unknown top-level key `{key}` (only [[service]] tables belong here)"
        )));
    }
    // Entry by entry, so an error can name the entry (its code, or its position).
    let mut services = Vec::with_capacity(entries.len());
    for (i, value) in entries.into_iter().enumerate() {
        let entry = entry_name(&value, i);
        let service: Service = value.try_into().map_err(|source: toml::de::Error| CatalogError::Entry {
            path: path.into(),
            entry: entry.clone(),
            source: Box::new(source),
        })?;
        services.push(service);
    }
    let catalog = Catalog { services };
    validate::check(&catalog, path)?;
    Ok(catalog)
}

/// Warnings for entries reviewed more than `max_age_days` before `today`, or after it.
pub fn review_warnings(catalog: &Catalog, today: NaiveDate, max_age_days: u32) -> Vec<CatalogWarning> {
    let mut out = Vec::new();
    for s in &catalog.services {
        let age_days = (today - s.reviewed).num_days();
        if age_days < 0 {
            out.push(CatalogWarning::ReviewInFuture { code: s.code.clone(), reviewed: s.reviewed });
        } else if age_days > i64::from(max_age_days) {
            out.push(CatalogWarning::StaleReview {
                code: s.code.clone(),
                reviewed: s.reviewed,
                age_days,
                max_age_days,
            });
        }
    }
    out
}

/// Service codes seen (in ticket logs) that the catalog lacks: sorted, each once.
pub fn missing_services<'a>(catalog: &Catalog, seen_codes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let known: BTreeSet<&str> = catalog.services.iter().map(|s| s.code.as_str()).collect();
    let seen: BTreeSet<&str> = seen_codes.into_iter().collect();
    seen.difference(&known).map(|c| c.to_string()).collect()
}

/// Catalogued codes never seen (for information): sorted.
pub fn unseen_services<'a>(catalog: &Catalog, seen_codes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let known: BTreeSet<&str> = catalog.services.iter().map(|s| s.code.as_str()).collect();
    let seen: BTreeSet<&str> = seen_codes.into_iter().collect();
    known.difference(&seen).map(|c| c.to_string()).collect()
}

impl Catalog {
    /// The entry for a code.
    pub fn get(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }
}

/// `code` of an entry if it has a string one, else its 1-based position (`#3`).
fn entry_name(value: &toml::Value, index: usize) -> String {
    match value.get("code").and_then(toml::Value::as_str) {
        Some(code) => code.to_string(),
        None => format!("#{}", index + 1),
    }
}
