//! `manifest.json` of a generation: what it holds, where its data came from, and the SHA-256
//! and size of every file. Keys are declared in alphabetical order and files are sorted by
//! path, so the same inputs and `created_at` give the same bytes.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::export::{ExportError, io_err};

/// Version of the export layout (files and their JSON schemas); bumped when a consumer must change.
pub const EXPORT_SCHEMA_VERSION: u32 = 1;

/// The manifest as written and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportManifest {
    /// When the export was made, RFC 3339 UTC to the second (given by the caller, not read here).
    pub created_at: String,
    /// Every file of the generation except the manifest, sorted by path.
    pub files: Vec<FileEntry>,
    /// The generation id; equals the directory name.
    pub generation: String,
    pub schema_version: u32,
    /// The ticket data the export was computed from.
    pub source: SourceRange,
}

/// One file of a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub bytes: u64,
    /// Relative path inside the generation, `/`-separated.
    pub path: String,
    /// Data rows of a table file, when the writer gave them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Local dates of the first and last day of data, and a hash that identifies the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRange {
    pub from: NaiveDate,
    /// Lowercase hex SHA-256 identifying the source data (e.g. over the store manifest's file hashes).
    pub sha256: String,
    pub to: NaiveDate,
}

/// What the caller knows about a generation besides its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestMeta {
    pub created_at: DateTime<Utc>,
    pub source: SourceRange,
}

impl ManifestMeta {
    /// Checks the source hash and range before anything is renamed.
    pub fn check(&self) -> Result<(), ExportError> {
        if !is_sha256(&self.source.sha256) {
            return Err(ExportError::BadMeta {
                field: "source.sha256",
                value: self.source.sha256.clone(),
                expected: "64 lowercase hex digits",
            });
        }
        if self.source.from > self.source.to {
            return Err(ExportError::BadMeta {
                field: "source.from",
                value: self.source.from.to_string(),
                expected: "a date not after source.to",
            });
        }
        Ok(())
    }

    /// `created_at` as written: `2026-11-29T03:15:00Z`.
    pub fn created_at_text(&self) -> String {
        self.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

impl ExportManifest {
    /// Reads and parses a manifest file.
    pub fn load(path: &Path) -> Result<ExportManifest, ExportError> {
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        serde_json::from_str(&text).map_err(|source| ExportError::ManifestJson { path: path.into(), source })
    }

    /// Pretty JSON with a final newline: the exact bytes written.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ExportError> {
        crate::output::json::json(self).map_err(|source| ExportError::Json {
            name: crate::export::MANIFEST.to_string(),
            source: Box::new(source),
        })
    }
}

/// Lowercase hex SHA-256 and size of a file, read in blocks.
pub fn sha256_file(path: &Path) -> Result<(String, u64), ExportError> {
    crate::hashing::sha256_file(path).map_err(io_err(path))
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
