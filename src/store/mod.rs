//! The ticket store: Hive-partitioned Parquet (`tickets/office_id=…/year=…/month=…/part-0.parquet`),
//! a quarantine folder and a manifest. Writes replace whole office-days, atomically per partition.

pub mod columns;
pub mod manifest;
pub mod summary;
pub mod table;
pub mod window;
pub mod write;

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use polars::prelude::*;

use crate::schema::{Ticket, col};

pub use manifest::{IngestedFile, Manifest};
pub use write::StagedPartition;

const PART_FILE: &str = "part-0.parquet";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: Parquet error")]
    Parquet { path: PathBuf, source: PolarsError },
    #[error("{path}: unreadable store file")]
    Corrupt { path: PathBuf, source: serde_json::Error },
    #[error("{path}: unreadable partition")]
    Rows { path: PathBuf, source: table::TableError },
    #[error("{path}: schema_version {found} (this queuecast reads {expected})")]
    Version { path: PathBuf, found: u32, expected: u32 },
    #[error("cannot encode {path}")]
    Encode { path: PathBuf, source: serde_json::Error },
    #[error(
        "there is no store at {path} (ingest ticket logs into it first: queuecast ingest FILE --store {path})"
    )]
    Missing { path: PathBuf },
}

/// One partition: an office's tickets issued in one local month.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartitionKey {
    pub office_id: String,
    pub year: i32,
    pub month: u32,
}

/// What one partition write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionWrite {
    /// Office-days written by this batch (their previous rows, if any, are gone).
    pub days_written: usize,
    /// Of those, days the store already held.
    pub days_replaced: usize,
    pub rows_written: usize,
    pub rows_kept: usize,
}

/// A store directory, opened for a time zone (local dates decide partitions and office-days).
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    tz: Tz,
}

impl Store {
    /// Opens (creating if needed) a store and clears temp files a killed run left behind.
    pub fn open(root: &Path, tz: Tz) -> Result<Store, StoreError> {
        let store = Store { root: root.to_path_buf(), tz };
        for dir in [store.tickets_dir(), store.quarantine_dir()] {
            std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
            crate::output::atomic::remove_stale_temps(&dir)
                .map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        }
        Ok(store)
    }

    /// Opens a store that must exist already (for the commands that only read it): a mistyped
    /// `--store` is an error naming the directory, not an empty store.
    pub fn open_existing(root: &Path, tz: Tz) -> Result<Store, StoreError> {
        if !root.is_dir() {
            return Err(StoreError::Missing { path: root.to_path_buf() });
        }
        Store::open(root, tz)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn tickets_dir(&self) -> PathBuf {
        self.root.join("tickets")
    }

    pub fn quarantine_dir(&self) -> PathBuf {
        self.root.join("quarantine")
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.root.join("manifest.json")
    }

    pub fn partition_path(&self, key: &PartitionKey) -> PathBuf {
        self.tickets_dir()
            .join(format!("{}={}", col::OFFICE_ID, key.office_id))
            .join(format!("{}={}", col::YEAR, key.year))
            .join(format!("{}={:02}", col::MONTH, key.month))
            .join(PART_FILE)
    }

    /// The partition of a local date.
    pub fn key_for(office_id: &str, date: NaiveDate) -> PartitionKey {
        PartitionKey { office_id: office_id.to_string(), year: date.year(), month: date.month() }
    }

    /// The tickets of one partition (empty if it does not exist).
    pub fn read_partition(&self, key: &PartitionKey) -> Result<Vec<Ticket>, StoreError> {
        let path = self.partition_path(key);
        if !path.exists() {
            return Ok(Vec::new());
        }
        let file = File::open(&path).map_err(|source| StoreError::Io { path: path.clone(), source })?;
        let df = ParquetReader::new(file)
            .finish()
            .map_err(|source| StoreError::Parquet { path: path.clone(), source })?;
        table::frame_to_tickets(&df, &key.office_id).map_err(|source| StoreError::Rows { path, source })
    }

    /// Every partition in the store, sorted.
    pub fn partitions(&self) -> Result<Vec<PartitionKey>, StoreError> {
        let mut keys = Vec::new();
        for office in subdirs(&self.tickets_dir(), col::OFFICE_ID)? {
            for year in subdirs(&office.1, col::YEAR)? {
                for month in subdirs(&year.1, col::MONTH)? {
                    let (Ok(y), Ok(m)) = (year.0.parse(), month.0.parse()) else { continue };
                    if month.1.join(PART_FILE).is_file() {
                        keys.push(PartitionKey { office_id: office.0.clone(), year: y, month: m });
                    }
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// A lazy scan of one partition, with the same columns as [`Store::scan`]. Reading a large
    /// window partition by partition keeps only one partition's frame in memory at a time.
    pub fn scan_partition(&self, key: &PartitionKey) -> Result<LazyFrame, StoreError> {
        let path = self.partition_path(key);
        let lf = LazyFrame::scan_parquet(path.to_string_lossy().as_ref().into(), ScanArgsParquet::default())
            .map_err(|source| StoreError::Parquet { path, source })?;
        Ok(lf.with_columns([
            lit(key.office_id.clone()).alias(col::OFFICE_ID),
            lit(key.year).alias(col::YEAR),
            lit(key.month as i32).alias(col::MONTH),
        ]))
    }

    /// A lazy scan over all stored tickets, with `office_id`, `year` and `month` from the paths.
    pub fn scan(&self) -> Result<LazyFrame, StoreError> {
        let dir = self.tickets_dir();
        let hive_schema = Schema::from_iter([
            Field::new(col::OFFICE_ID.into(), DataType::String),
            Field::new(col::YEAR.into(), DataType::Int32),
            Field::new(col::MONTH.into(), DataType::Int32),
        ]);
        let args = ScanArgsParquet {
            hive_options: HiveOptions {
                enabled: Some(true),
                hive_start_idx: 0,
                schema: Some(Arc::new(hive_schema)),
                try_parse_dates: false,
            },
            ..Default::default()
        };
        let pattern = format!("{}/**/*.parquet", dir.display());
        LazyFrame::scan_parquet(pattern.as_str().into(), args)
            .map_err(|source| StoreError::Parquet { path: dir, source })
    }
}

/// `(value, path)` of the `name=value` subdirectories of `dir`, sorted.
fn subdirs(dir: &Path, name: &str) -> Result<Vec<(String, PathBuf)>, StoreError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(source) => return Err(StoreError::Io { path: dir.into(), source }),
    };
    let prefix = format!("{name}=");
    for entry in entries {
        let entry = entry.map_err(|source| StoreError::Io { path: dir.into(), source })?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if let Some(value) = file_name.strip_prefix(&prefix) {
            out.push((value.to_string(), entry.path()));
        }
    }
    out.sort();
    Ok(out)
}
