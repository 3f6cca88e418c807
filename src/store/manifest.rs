//! The store's manifest: which files were ingested (hash, rows, when), written atomically.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::output::atomic::write_atomic;
use crate::store::StoreError;

/// Version of the stored table layout; bumped when columns change.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub schema_version: u32,
    /// One entry per distinct file content (by SHA-256), in first-ingest order.
    pub files: Vec<IngestedFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestedFile {
    /// Path as given on the command line at the last ingest.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub rows_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    /// Office-days this file wrote (replacing what the store held for them).
    pub office_days: u64,
    pub first_ingested_at: String,
    pub last_ingested_at: String,
}

impl Manifest {
    /// Reads the manifest, or an empty one when the store is new.
    pub fn load(path: &Path) -> Result<Manifest, StoreError> {
        if !path.exists() {
            return Ok(Manifest { schema_version: SCHEMA_VERSION, files: Vec::new() });
        }
        let text =
            std::fs::read_to_string(path).map_err(|source| StoreError::Io { path: path.into(), source })?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|source| StoreError::Corrupt { path: path.into(), source })?;
        if m.schema_version != SCHEMA_VERSION {
            return Err(StoreError::Version {
                path: path.into(),
                found: m.schema_version,
                expected: SCHEMA_VERSION,
            });
        }
        Ok(m)
    }

    /// Records an ingest; a file already known by hash keeps its first time and entry.
    pub fn record(&mut self, mut entry: IngestedFile) {
        match self.files.iter_mut().find(|f| f.sha256 == entry.sha256) {
            Some(known) => {
                entry.first_ingested_at = std::mem::take(&mut known.first_ingested_at);
                *known = entry;
            }
            None => self.files.push(entry),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|source| StoreError::Encode { path: path.into(), source })?;
        write_atomic(path, |w| std::io::Write::write_all(w, &json))
            .map_err(|source| StoreError::Io { path: path.into(), source })
    }
}
