//! The vocabulary of a mapping file: its serde form ([`MappingFile`] and its sections), the
//! vendor formats, text encodings and line endings, where fields and times come from, and its
//! errors. [`super::mapping`] merges a
//! file over its format's preset and checks it; the presets ([`super::zms`], [`super::qmatic`],
//! the custom one) and the checks ([`super::keys`]) build on these types.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Errors of a mapping file; each names the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("cannot read mapping file {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("mapping file {path}")]
    Parse { path: String, source: toml::de::Error },
    #[error("mapping {path}: missing required key {key}: {what}")]
    Missing { path: String, key: &'static str, what: &'static str },
    #[error("mapping {path}: {key} = {value}: {expected}")]
    Invalid { path: String, key: String, value: String, expected: String },
    #[error("mapping {path}: {message}")]
    Conflict { path: String, message: String },
}

/// The export formats a mapping can describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VendorFormat {
    /// Any delimited export: the mapping names every column.
    Custom,
    /// ZMS / eappointment statistics archive (`buergerarchiv`).
    Zms,
    /// Qmatic Orchestra / Data Connect visit export.
    Qmatic,
}

impl VendorFormat {
    pub fn parse(name: &str) -> Option<VendorFormat> {
        match name {
            "custom" => Some(VendorFormat::Custom),
            "zms" => Some(VendorFormat::Zms),
            "qmatic" => Some(VendorFormat::Qmatic),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            VendorFormat::Custom => "custom",
            VendorFormat::Zms => "zms",
            VendorFormat::Qmatic => "qmatic",
        }
    }
}

/// One column name, or several accepted spellings (the first present in the header is used).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Names {
    One(String),
    Many(Vec<String>),
}

impl Names {
    pub fn list(&self) -> Vec<String> {
        match self {
            Names::One(s) => vec![s.clone()],
            Names::Many(v) => v.clone(),
        }
    }
}

/// The mapping file as written. Every key is optional here; [`Mapping::build`] says which
/// are required once the preset is merged in.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    pub format: Option<VendorFormat>,
    pub encoding: Option<TextEncoding>,
    /// One character, or `"auto"` (the one of `; , TAB |` that splits the header most).
    pub delimiter: Option<String>,
    pub line_ending: Option<LineEnding>,
    /// `"point"` or `"comma"`: the decimal mark of minute values.
    pub decimal: Option<String>,
    /// IANA zone of times without offset (`"UTC"` for exports in UTC).
    pub timezone: Option<String>,
    pub date_format: Option<Names>,
    pub time_format: Option<Names>,
    pub datetime_format: Option<Names>,
    /// Office id for every row, when the export has no office column.
    pub office: Option<String>,
    /// Channel for every row (`walk_in` or `appointment`), when the export has no channel column.
    pub channel: Option<String>,
    /// Text between several service names in one cell, e.g. `","`. A trailing ` +N` (ZMS)
    /// always counts N further services.
    pub service_separator: Option<String>,
    #[serde(default)]
    pub columns: Columns,
    #[serde(default)]
    pub values: Values,
    /// Service name in the export → configured service code.
    #[serde(default)]
    pub services: BTreeMap<String, String>,
    /// Office name or number in the export → office id.
    #[serde(default)]
    pub offices: BTreeMap<String, String>,
}

/// Which export column holds each canonical field.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    pub office_id: Option<Names>,
    pub ticket_id: Option<Names>,
    pub service: Option<Names>,
    pub channel: Option<Names>,
    pub counter: Option<Names>,
    pub outcome: Option<Names>,
    /// Date for the `*_time` columns.
    pub date: Option<Names>,
    pub issued_time: Option<Names>,
    pub called_time: Option<Names>,
    pub finished_time: Option<Names>,
    /// Date and time in one column.
    pub issued_at: Option<Names>,
    pub called_at: Option<Names>,
    pub finished_at: Option<Names>,
    /// Minutes from issue to call, and from call to end (fractional).
    pub wait_minutes: Option<Names>,
    pub service_minutes: Option<Names>,
}

/// Export values → canonical values.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    #[serde(default)]
    pub channel: BTreeMap<String, String>,
    #[serde(default)]
    pub outcome: BTreeMap<String, String>,
}

/// Where a text field comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Column(Vec<String>),
    Const(String),
}

/// Where an event time comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeSource {
    /// Date and time in one column.
    At(Vec<String>),
    /// Time of day, with the date from `columns.date`.
    Time { date: Vec<String>, time: Vec<String> },
    /// Minutes after the previous event.
    Minutes(Vec<String>),
}

/// Lower-cased, trimmed key for value lookups (exports vary in case and padding).
pub fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Character encoding of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TextEncoding {
    /// UTF-8; a byte order mark at the start is skipped.
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// Windows-1252 (what "ANSI" means in a German Windows export; a superset of Latin-1's letters).
    #[serde(rename = "windows-1252", alias = "cp1252", alias = "Windows-1252")]
    Windows1252,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

/// Line endings an export must have (`auto` accepts both, line by line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    Auto,
    Crlf,
    Lf,
}
