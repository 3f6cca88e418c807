//! The store's write path: a partition's new office-days merged with the days it keeps,
//! encoded to Parquet under a temp name ([`Store::stage_office_days`]), then a whole set of
//! partitions made durable together and switched in by renames ([`Store::commit_partitions`]).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::output::atomic;
use crate::schema::Ticket;
use crate::store::{PartitionKey, PartitionWrite, Store, StoreError, table};
use crate::timezones::local_parts;

/// One partition's new file, written under its temp name and not yet visible.
#[derive(Debug)]
pub struct StagedPartition {
    pub key: PartitionKey,
    pub write: PartitionWrite,
    file: atomic::Staged,
}

impl Store {
    /// Replaces the office-days present in `tickets` (all of `key`'s office and month) and
    /// keeps the partition's other days; one atomic file write.
    pub fn replace_office_days(
        &self,
        key: &PartitionKey,
        tickets: Vec<Ticket>,
    ) -> Result<PartitionWrite, StoreError> {
        let staged = self.stage_office_days(key, tickets)?;
        let write = staged.write.clone();
        self.commit_partitions(vec![staged])?;
        Ok(write)
    }

    /// Writes the partition `key` would hold after [`Store::replace_office_days`] to its temp
    /// name; nothing changes for readers until [`Store::commit_partitions`].
    pub fn stage_office_days(
        &self,
        key: &PartitionKey,
        mut tickets: Vec<Ticket>,
    ) -> Result<StagedPartition, StoreError> {
        let path = self.partition_path(key);
        let days: BTreeSet<NaiveDate> =
            tickets.iter().map(|t| local_parts(t.issued_at, self.tz).date).collect();
        let existing = self.read_partition(key)?;
        let existing_days: BTreeSet<NaiveDate> =
            existing.iter().map(|t| local_parts(t.issued_at, self.tz).date).collect();
        let kept: Vec<Ticket> = existing
            .into_iter()
            .filter(|t| !days.contains(&local_parts(t.issued_at, self.tz).date))
            .collect();
        let write = PartitionWrite {
            days_written: days.len(),
            days_replaced: days.intersection(&existing_days).count(),
            rows_written: tickets.len(),
            rows_kept: kept.len(),
        };
        tickets.extend(kept);
        let perr = |source: PolarsError| StoreError::Parquet { path: path.clone(), source };
        let mut df = table::tickets_to_frame(&mut tickets, self.tz).map_err(perr)?;
        let mut result = Ok(());
        let staged = atomic::stage(&path, |w| {
            result = write_parquet(w, &mut df);
            // The polars error itself stays in `result`, reported first below.
            result.as_ref().map_err(|_| std::io::Error::other("Parquet write failed")).map(|_| ())
        });
        result.map_err(perr)?;
        let file = staged.map_err(|source| StoreError::Io { path: path.clone(), source })?;
        Ok(StagedPartition { key: key.clone(), write, file })
    }

    /// Switches staged partitions in, in order: their bytes are made durable together, then
    /// each is renamed into place, then the renames are made durable. Killed at any point,
    /// every partition holds its old rows or its new ones (the checkpoints
    /// `store:partitions-staged`, before the first rename, and `store:partition-written`,
    /// after each, let the kill tests stop there).
    pub fn commit_partitions(&self, staged: Vec<StagedPartition>) -> Result<(), StoreError> {
        let files = staged.into_iter().map(|s| s.file).collect();
        atomic::publish(
            files,
            self.root(),
            || crate::checkpoint::reached("store:partitions-staged"),
            |_| crate::checkpoint::reached("store:partition-written"),
        )
        .map_err(|e| StoreError::Io { path: e.path, source: e.source })
    }
}

/// The store's Parquet encoding: ZSTD, full statistics.
fn write_parquet(w: &mut impl std::io::Write, df: &mut DataFrame) -> PolarsResult<()> {
    ParquetWriter::new(w)
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions::full())
        .finish(df)
        .map(|_| ())
}
