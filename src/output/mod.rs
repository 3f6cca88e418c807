//! Writing outputs: the one place that turns typed rows (serde structs) into bytes — CSV
//! ([`table`]), JSON ([`json`]) and Parquet ([`frame`]) — with small-cell suppression on the
//! typed rows ([`table::Suppressible`]), and writes rendered files atomically ([`atomic`]).
//!
//! Stages render their results into [`OutputFile`]s; a command writes them into a directory
//! ([`write_files`]), the export adds them to a generation. The same result gives the same bytes.

pub mod atomic;
pub mod frame;
pub mod json;
pub mod record;
pub mod table;
pub mod text;

use std::path::{Path, PathBuf};

pub use record::{Plain, RowError};
pub use table::{Suppressible, Table};
pub use text::TextTable;

/// Errors rendering or writing an output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Row(#[from] RowError),
    #[error("table has no column {column}")]
    NoColumn { column: &'static str },
    #[error("cannot encode JSON")]
    Json(#[from] serde_json::Error),
    #[error("cannot build or encode a table")]
    Polars(#[from] polars::prelude::PolarsError),
    #[error("cannot write {path}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// A rendered file: its name (relative, `/`-separated), bytes and data rows (for tables).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub rows: Option<u64>,
}

impl OutputFile {
    pub fn new(name: &str, bytes: Vec<u8>, rows: Option<usize>) -> OutputFile {
        OutputFile { name: name.to_string(), bytes, rows: rows.map(|r| r as u64) }
    }

    /// A CSV file of a table.
    pub fn csv(name: &str, table: &Table, decimals: usize) -> OutputFile {
        OutputFile::new(name, table.csv(decimals), Some(table.len()))
    }
}

/// Writes every file into `dir` (created if needed), each atomically; returns the paths.
pub fn write_files(dir: &Path, files: &[OutputFile]) -> Result<Vec<PathBuf>, OutputError> {
    files
        .iter()
        .map(|f| {
            let path = dir.join(&f.name);
            atomic::write_atomic(&path, |w| std::io::Write::write_all(w, &f.bytes))
                .map_err(|source| OutputError::Io { path: path.clone(), source })?;
            Ok(path)
        })
        .collect()
}
