//! `tables/quality/data_quality.json`: the store's data quality for the planners' report —
//! the ingest counts per file and in total (read = stored + duplicates + quarantined), the
//! quarantined rows by reason and the unknown service codes among them. File names only: no
//! local path leaves the store; and no ingest times, so the same data exports the same bytes
//! however often it was ingested.

use std::ops::AddAssign;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::ingest::IngestError;
use crate::ingest::quarantine::count_quarantine;
use crate::store::manifest::{IngestedFile, Manifest};
use crate::store::{Store, StoreError};

/// Version of the layout of the file.
pub const DATA_QUALITY_VERSION: u32 = 1;

/// The data-quality document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataQuality {
    pub schema_version: u32,
    pub files: Vec<QualityFile>,
    pub totals: IngestCounts,
    pub quarantine_by_reason: Vec<ReasonCount>,
    pub unknown_services: Vec<CodeCount>,
}

/// What the ingests did with the rows of one file or of all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestCounts {
    pub rows_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
}

impl AddAssign for IngestCounts {
    fn add_assign(&mut self, o: IngestCounts) {
        self.rows_read += o.rows_read;
        self.stored += o.stored;
        self.duplicates += o.duplicates;
        self.quarantined += o.quarantined;
    }
}

/// One ingested file of the store manifest, by its file name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityFile {
    pub file: String,
    #[serde(flatten)]
    pub counts: IngestCounts,
    pub office_days: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    pub reason: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeCount {
    pub code: String,
    pub rows: u64,
}

/// Why the data quality could not be read.
#[derive(Debug, thiserror::Error)]
pub enum QualityError {
    #[error("store manifest")]
    Manifest(#[source] StoreError),
    #[error(transparent)]
    Quarantine(#[from] IngestError),
}

impl QualityFile {
    fn of(f: &IngestedFile) -> QualityFile {
        let name = Path::new(&f.file).file_name().map(|n| n.to_string_lossy().into_owned());
        QualityFile {
            file: name.unwrap_or_else(|| f.file.clone()),
            counts: IngestCounts {
                rows_read: f.rows_read,
                stored: f.stored,
                duplicates: f.duplicates,
                quarantined: f.quarantined,
            },
            office_days: f.office_days,
        }
    }
}

impl DataQuality {
    /// The data quality of `store`: its manifest and its quarantine files.
    pub fn of(store: &Store) -> Result<DataQuality, QualityError> {
        let manifest = Manifest::load(&store.manifest_path()).map_err(QualityError::Manifest)?;
        let quarantine = count_quarantine(&store.quarantine_dir())?;
        let files: Vec<QualityFile> = manifest.files.iter().map(QualityFile::of).collect();
        let mut totals = IngestCounts::default();
        files.iter().for_each(|f| totals += f.counts);
        Ok(DataQuality {
            schema_version: DATA_QUALITY_VERSION,
            files,
            totals,
            quarantine_by_reason: (quarantine.by_reason.into_iter())
                .map(|(reason, rows)| ReasonCount { reason, rows })
                .collect(),
            unknown_services: (quarantine.unknown_services.into_iter())
                .map(|(code, rows)| CodeCount { code, rows })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_only_and_totals_add_up() {
        let f = |file: &str, rows_read, quarantined| IngestedFile {
            file: file.into(),
            sha256: String::new(),
            bytes: 0,
            rows_read,
            stored: rows_read - quarantined,
            duplicates: 0,
            quarantined,
            office_days: 2,
            first_ingested_at: String::new(),
            last_ingested_at: "2026-01-05T04:00:00Z".into(),
        };
        let files = [QualityFile::of(&f("/home/x/logs/a.csv", 10, 1)), QualityFile::of(&f("b.csv", 5, 0))];
        assert_eq!((files[0].file.as_str(), files[1].file.as_str()), ("a.csv", "b.csv"));
        let mut totals = IngestCounts::default();
        files.iter().for_each(|q| totals += q.counts);
        assert_eq!(totals, IngestCounts { rows_read: 15, stored: 14, duplicates: 0, quarantined: 1 });
        let json = serde_json::to_value(&files[0]).unwrap();
        assert_eq!((json["rows_read"].as_u64(), json["office_days"].as_u64()), (Some(10), Some(2)));
        assert_eq!(serde_json::from_value::<QualityFile>(json).unwrap(), files[0]);
    }
}
