//! Writing a file's kept rows into the store: every partition encoded and written under its
//! temp name on all cores (partitions are independent), then all of them committed together.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::ingest::IngestError;
use crate::ingest::batch::{Batch, Partition};
use crate::ingest::summary::FileReport;
use crate::ingest::validate::Rules;
use crate::store::{PartitionKey, StagedPartition, Store, StoreError};

/// Stages every partition the batch touches, then switches them all in with one commit. The
/// counts, and the first error if any, are those of partition order whatever thread finished
/// first, so the report and the files are the same on any number of cores.
pub fn write_partitions(
    batch: &Batch,
    rules: &Rules,
    store: &Store,
    report: &mut FileReport,
) -> Result<(), IngestError> {
    let parts = batch.partitions();
    let staged = stage_all(&parts, rules, store)?;
    let mut offices = BTreeSet::new();
    for (part, staged) in parts.iter().zip(&staged) {
        let (lo, hi) = part.days();
        report.first_day = Some(report.first_day.map_or(lo, |d| d.min(lo)));
        report.last_day = Some(report.last_day.map_or(hi, |d| d.max(hi)));
        report.stored += staged.write.rows_written as u64;
        report.office_days_written += staged.write.days_written as u64;
        report.office_days_replaced += staged.write.days_replaced as u64;
        offices.insert(part.office.to_string());
    }
    store.commit_partitions(staged)?;
    report.offices = offices.into_iter().collect();
    Ok(())
}

/// Stages the partitions on up to as many threads as there are cores, each taking the next
/// partition not yet taken; returns them in partition order.
fn stage_all(
    parts: &[Partition<'_>],
    rules: &Rules,
    store: &Store,
) -> Result<Vec<StagedPartition>, StoreError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(parts.len());
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<StagedPartition, StoreError>>>> =
        parts.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(part) = parts.get(i) else { break };
            let key = PartitionKey { office_id: part.office.to_string(), year: part.year, month: part.month };
            let result = store.stage_office_days(&key, part.rows(rules));
            let failed = result.is_err();
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            if failed {
                // No new work after an error: the staged files are dropped (and removed) anyway.
                next.store(parts.len(), Ordering::Relaxed);
            }
        }
    };
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 1..threads {
                s.spawn(work);
            }
            work();
        });
    }
    let mut staged = Vec::with_capacity(parts.len());
    for slot in slots {
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(result) => staged.push(result?),
            // Skipped after another partition failed; that error comes first in order below.
            None => continue,
        }
    }
    Ok(staged)
}
