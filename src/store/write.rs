//! The store's write path: a partition's new office-days merged with the days it keeps, built
//! into the stored frame straight from borrowed rows (no owned ticket per row), encoded to Parquet under a temp name ([`Store::stage_office_days`]), then a whole set of
//! partitions made durable together and switched in by renames ([`Store::commit_partitions`]).

use std::collections::BTreeSet;

use polars::prelude::*;

use crate::output::atomic;
use crate::schema::{Channel, EpochMs, Outcome, Ticket, col};
use crate::store::{PartitionKey, PartitionWrite, Store, StoreError};
use crate::timezones::{days_since_epoch, local_parts};

/// One partition's new file, written under its temp name and not yet visible.
#[derive(Debug)]
pub struct StagedPartition {
    pub key: PartitionKey,
    pub write: PartitionWrite,
    file: atomic::Staged,
}

/// A ticket on its way into the store: the canonical fields with borrowed strings (the ingest
/// batch's interned names, or a partition's stored tickets) and its local date and minute of
/// day, computed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketRow<'a> {
    pub ticket_id: &'a str,
    pub service: &'a str,
    pub channel: Channel,
    pub issued_at: EpochMs,
    pub called_at: Option<EpochMs>,
    pub finished_at: Option<EpochMs>,
    pub counter: Option<&'a str>,
    pub outcome: Outcome,
    pub service_count: u16,
    /// Local date of issue, days since 1970-01-01.
    pub day: i32,
    /// Local minute of day of issue (0..1440; the repeated autumn hour counts twice).
    pub minute_of_day: u16,
}

impl<'a> TicketRow<'a> {
    /// A stored ticket's row, its local time looked up in `tz`.
    pub fn of(t: &'a Ticket, tz: chrono_tz::Tz) -> TicketRow<'a> {
        let local = local_parts(t.issued_at, tz);
        TicketRow {
            ticket_id: &t.ticket_id,
            service: &t.service,
            channel: t.channel,
            issued_at: t.issued_at,
            called_at: t.called_at,
            finished_at: t.finished_at,
            counter: t.counter.as_deref(),
            outcome: t.outcome,
            service_count: t.service_count,
            day: days_since_epoch(local.date),
            minute_of_day: local.minute_of_day,
        }
    }
}

impl Store {
    /// Writes partition `key` as it is after replacing the office-days present in `rows` (all
    /// of `key`'s office and month) and keeping its other days, to its temp name; nothing
    /// changes for readers until [`Store::commit_partitions`].
    pub fn stage_office_days(
        &self,
        key: &PartitionKey,
        new: Vec<TicketRow<'_>>,
    ) -> Result<StagedPartition, StoreError> {
        let path = self.partition_path(key);
        let days: BTreeSet<i32> = new.iter().map(|r| r.day).collect();
        let stored = self.read_partition(key)?;
        let existing: Vec<TicketRow<'_>> = stored.iter().map(|t| TicketRow::of(t, self.tz)).collect();
        let existing_days: BTreeSet<i32> = existing.iter().map(|r| r.day).collect();
        let written = new.len();
        let mut rows = new;
        rows.extend(existing.into_iter().filter(|r| !days.contains(&r.day)));
        let write = PartitionWrite {
            days_written: days.len(),
            days_replaced: days.intersection(&existing_days).count(),
            rows_written: written,
            rows_kept: rows.len() - written,
        };
        let perr = |source: PolarsError| StoreError::Parquet { path: path.clone(), source };
        let mut df = rows_to_frame(&mut rows, self.tz).map_err(perr)?;
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

/// The stored frame of one office's rows (any order in, sorted out by issued_at then
/// ticket_id, so the same tickets always give the same bytes): the canonical columns, then the
/// local-time and duration columns. The office id and year/month are Hive directory keys.
pub fn rows_to_frame(rows: &mut [TicketRow<'_>], tz: chrono_tz::Tz) -> PolarsResult<DataFrame> {
    rows.sort_by(|a, b| (a.issued_at, a.ticket_id).cmp(&(b.issued_at, b.ticket_id)));
    let ptz = TimeZone::from_chrono(&tz);
    let dt = |name: &str, v: Vec<Option<EpochMs>>| -> PolarsResult<Column> {
        Ok(Int64Chunked::from_iter_options(name.into(), v.into_iter())
            .into_datetime(TimeUnit::Milliseconds, Some(ptz.clone()))
            .into_column())
    };
    let text = |name: &str, v: Vec<Option<&str>>| Column::new(name.into(), v);
    let int = |name: &str, v: Vec<i32>| Column::new(name.into(), v);
    let columns = vec![
        text(col::TICKET_ID, rows.iter().map(|r| Some(r.ticket_id)).collect()),
        text(col::SERVICE, rows.iter().map(|r| Some(r.service)).collect()),
        text(col::CHANNEL, rows.iter().map(|r| Some(r.channel.as_str())).collect()),
        dt(col::ISSUED_AT, rows.iter().map(|r| Some(r.issued_at)).collect())?,
        dt(col::CALLED_AT, rows.iter().map(|r| r.called_at).collect())?,
        dt(col::FINISHED_AT, rows.iter().map(|r| r.finished_at).collect())?,
        text(col::COUNTER, rows.iter().map(|r| r.counter).collect()),
        text(col::OUTCOME, rows.iter().map(|r| Some(r.outcome.as_str())).collect()),
        int(col::SERVICE_COUNT, rows.iter().map(|r| i32::from(r.service_count)).collect()),
        Column::new(col::LOCAL_DATE.into(), rows.iter().map(|r| r.day).collect::<Vec<_>>())
            .cast(&DataType::Date)?,
        int(col::WEEKDAY, rows.iter().map(|r| weekday(r.day)).collect()),
        int(col::HOUR, rows.iter().map(|r| i32::from(r.minute_of_day / 60)).collect()),
        int(col::MINUTE_OF_DAY, rows.iter().map(|r| i32::from(r.minute_of_day)).collect()),
        Column::new(col::WAIT_S.into(), rows.iter().map(wait_s).collect::<Vec<_>>()),
        Column::new(col::SERVICE_S.into(), rows.iter().map(service_s).collect::<Vec<_>>()),
    ];
    DataFrame::new(rows.len(), columns)
}

/// ISO weekday (1 = Monday) of a date given as days since 1970-01-01 (a Thursday).
fn weekday(day: i32) -> i32 {
    (day + 3).rem_euclid(7) + 1
}

/// Seconds waited until the call, if called (as [`Ticket::wait_s`]).
fn wait_s(r: &TicketRow<'_>) -> Option<i64> {
    r.called_at.map(|c| (c - r.issued_at) / 1000)
}

/// Service time in seconds, for served tickets only (a no-show's counter time is not service).
fn service_s(r: &TicketRow<'_>) -> Option<i64> {
    match (r.outcome, r.called_at, r.finished_at) {
        (Outcome::Served, Some(c), Some(f)) => Some((f - c).div_euclid(1000)),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

    fn ticket(id: &str, issued: &str, called: Option<&str>, outcome: Outcome) -> Ticket {
        let ms = |s: &str| parse_rfc3339(s).unwrap();
        Ticket {
            office_id: "o1".into(),
            ticket_id: id.into(),
            service: "PA".into(),
            channel: Channel::WalkIn,
            issued_at: ms(issued),
            called_at: called.map(ms),
            finished_at: called.map(|c| ms(c) + 125_500),
            counter: called.map(|_| "3".to_string()),
            outcome,
            service_count: 1,
        }
    }

    #[test]
    fn rows_give_the_same_frame_as_the_tickets_they_borrow_from() {
        // Both switch days of 2025 and an ordinary Sunday, in no particular order.
        let tickets = [
            ticket("B2", "2025-10-26T02:30:00+01:00", Some("2025-10-26T02:40:00+01:00"), Outcome::Served),
            ticket("B1", "2025-10-26T02:30:00+02:00", None, Outcome::Cancelled),
            ticket("A1", "2025-03-30T03:10:00+02:00", Some("2025-03-30T03:11:00+02:00"), Outcome::NoShow),
            ticket("C1", "2025-06-01T23:59:59+02:00", Some("2025-06-02T00:10:00+02:00"), Outcome::Served),
        ];
        let mut rows: Vec<TicketRow<'_>> = tickets.iter().map(|t| TicketRow::of(t, DEFAULT_TZ)).collect();
        let df = rows_to_frame(&mut rows, DEFAULT_TZ).unwrap();
        let ids: Vec<_> = df.column(col::TICKET_ID).unwrap().str().unwrap().iter().flatten().collect();
        assert_eq!(ids, ["A1", "C1", "B1", "B2"], "sorted by instant");
        let ints = |name: &str| -> Vec<Option<i64>> {
            df.column(name).unwrap().cast(&DataType::Int64).unwrap().i64().unwrap().iter().collect()
        };
        assert_eq!(ints(col::WEEKDAY), [Some(7); 4]);
        assert_eq!(ints(col::HOUR), [Some(3), Some(23), Some(2), Some(2)]);
        assert_eq!(ints(col::MINUTE_OF_DAY), [Some(190), Some(1439), Some(150), Some(150)]);
        assert_eq!(ints(col::WAIT_S), [Some(60), Some(601), None, Some(600)]);
        assert_eq!(ints(col::SERVICE_S), [None, Some(125), None, Some(125)]);
        // 2025-03-30 is day 20177 after 1970-01-01.
        assert_eq!(ints(col::LOCAL_DATE)[0], Some(20177));
        // The ticket-based builder this one replaces gives the same frame.
        let mut owned = tickets.to_vec();
        let old = crate::store::table::tickets_to_frame(&mut owned, DEFAULT_TZ).unwrap();
        assert!(df.equals_missing(&old));
    }
}
