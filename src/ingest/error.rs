//! Errors that stop an ingest (row-level problems are [`Rejection`](super::reason::Rejection)s instead).

use std::path::PathBuf;

use crate::ingest::formats::spec::MappingError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot open {path}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("{path}, line {line}: read failed")]
    Read { path: PathBuf, line: u64, source: std::io::Error },
    #[error("{path}: the file is empty; a header line is required ({expected})")]
    Empty { path: PathBuf, expected: String },
    #[error("{path}, line 1 (header): {message}")]
    Header { path: PathBuf, message: String },
    #[error("{path}, line 1 (header)")]
    Columns { path: PathBuf, source: HeaderProblem },
    /// The file cannot be in the declared encoding or line endings (vendor exports).
    #[error("{path}, line {line}: {message}")]
    Decode { path: PathBuf, line: u64, message: String },
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(
        "{path}: cannot tell the format from the name; use .csv, .ndjson/.jsonl or .parquet (optionally .gz for text)"
    )]
    UnknownFormat { path: PathBuf },
    #[error("{path}: cannot read Parquet")]
    Parquet { path: PathBuf, source: polars::prelude::PolarsError },
    #[error("cannot write quarantine file {path}")]
    Quarantine { path: PathBuf, source: std::io::Error },
    #[error("cannot read quarantine file {path}{}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    QuarantineRead { path: PathBuf, line: Option<u64>, source: csv::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What is wrong with the header of a canonical log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderProblem {
    /// Canonical columns missing, others present, or one twice.
    #[error("{}", columns_message(.missing, .extra, .duplicate, .expected))]
    Columns { missing: Vec<String>, extra: Vec<String>, duplicate: Option<String>, expected: String },
    /// The header is one field separated by another delimiter: an export of a ticket system.
    #[error(
        "the columns are separated by {delimiter:?}, not ',': this looks like an export of a ticket system, not a canonical log; read it with --format custom --mapping FILE.toml (or --format zms / qmatic), see the README section \"Importing your ticket system's export\""
    )]
    VendorExport { delimiter: char },
}

fn columns_message(
    missing: &[String],
    extra: &[String],
    duplicate: &Option<String>,
    expected: &str,
) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing column(s) {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!("unexpected column(s) {}", extra.join(", ")));
    }
    if let Some(d) = duplicate {
        parts.push(format!("column {d} appears twice"));
    }
    format!("{}; expected {expected}", parts.join("; "))
}
