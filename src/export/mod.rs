//! Exports for the app and the planners, written as complete *generations*.
//!
//! A generation is a directory of files plus `manifest.json` (SHA-256 and size of every file).
//! It is written under `generations/<id>.partial/`, renamed to `generations/<id>/` when
//! complete, and then made current by one atomic rename of the `current` link, so a reader of
//! `OUT/current/...` sees the old generation or the new one, never a half-written one. The
//! generation core needs no polars: the caller hands it bytes, JSON values or finished files;
//! [`run`] computes what `queuecast export` publishes and hands it over.

pub mod generation;
pub mod manifest;
pub mod names;
pub mod office;
pub mod quality;
pub mod report;
pub mod report_tables;
pub mod run;
pub mod services;
pub mod verify;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use crate::hashing::{combined_sha256, sha256_hex};
pub use generation::{Generation, GenerationWriter};
pub use manifest::{EXPORT_SCHEMA_VERSION, ExportManifest, FileEntry, ManifestMeta, SourceRange};
pub use services::services_json;
pub use verify::{Mismatch, VerifyReport, generation_dir, verify};

/// Name of the link that points at the current generation.
pub const CURRENT: &str = "current";
/// Directory under the output directory that holds the generations.
pub const GENERATIONS: &str = "generations";
/// The manifest inside every generation.
pub const MANIFEST: &str = "manifest.json";
/// Suffix of a generation directory that is still being written.
pub const PARTIAL_SUFFIX: &str = ".partial";
/// Generations kept by default (the current one included).
pub const DEFAULT_KEEP: usize = 3;

/// Errors writing or verifying an export; each names the path or file concerned.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "invalid generation id {id:?}: expected 1-64 letters, digits, '-', '_' or '.', not starting with '.' and not ending in .partial"
    )]
    BadId { id: String },
    #[error("invalid export file name {name:?}: {reason}")]
    BadName { name: String, reason: &'static str },
    #[error("export file {name} was added twice")]
    Duplicate { name: String },
    #[error("row count given for {name}, which is not in the generation")]
    UnknownFile { name: String },
    #[error("generation {id} already exists in {dir}")]
    Exists { id: String, dir: PathBuf },
    #[error("cannot encode {name} as JSON")]
    Json { name: String, source: Box<crate::output::OutputError> },
    #[error("invalid manifest data: {field} = {value:?}: expected {expected}")]
    BadMeta { field: &'static str, value: String, expected: &'static str },
    #[error("{path}: no export generation here (neither a `current` link nor a manifest.json)")]
    NoCurrent { path: PathBuf },
    #[error("manifest {path}")]
    ManifestJson { path: PathBuf, source: serde_json::Error },
    #[error("manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("manifest {path}: a listed file")]
    ManifestName { path: PathBuf, source: Box<ExportError> },
    #[error("keep_generations must be at least 1")]
    BadKeep,
}

/// Attaches the path to an I/O error.
pub(crate) fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ExportError {
    let path = path.into();
    move |source| ExportError::Io { path, source }
}
