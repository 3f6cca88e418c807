//! Errors that stop an ingest (row-level problems are [`Rejection`](super::reason::Rejection)s instead).

use std::path::PathBuf;

use crate::ingest::formats::MappingError;
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
    Columns { path: PathBuf, source: crate::ingest::source::HeaderProblem },
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
    #[error(transparent)]
    Store(#[from] StoreError),
}
