//! Reading the profile's window: the window's partitions, read on all cores and converted on
//! the reading thread into the replay's columns and the cell statistics' rows, merged in
//! partition order (so every figure is the same however many threads read).

use chrono::NaiveDate;
use polars::prelude::*;

use crate::profile::ProfileError;
use crate::profile::cells::{SLOT, WindowRows};
use crate::schema::col;
use crate::slots::SLOT_MINUTES;
use crate::store::columns::{ColumnsAppender, MergedDict, TicketColumns};
use crate::store::window::for_each_partition;
use crate::store::{PartitionKey, Store, StoreError};
use crate::timezones::days_since_epoch;

/// The stored columns the profile reads (office, year and month are the partition's keys).
const READ: [&str; 13] = [
    col::LOCAL_DATE,
    col::SERVICE,
    col::CHANNEL,
    col::ISSUED_AT,
    col::CALLED_AT,
    col::FINISHED_AT,
    col::COUNTER,
    col::OUTCOME,
    col::WEEKDAY,
    col::HOUR,
    col::MINUTE_OF_DAY,
    col::WAIT_S,
    col::SERVICE_S,
];

/// The window's tickets: sorted columns for the replay, rows (in partition order) for the
/// ticket statistics.
pub struct Window {
    pub cols: TicketColumns,
    pub rows: WindowRows,
}

/// Reads the tickets whose local date lies in `[from, to]`.
pub fn read_window(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Window, ProfileError> {
    let mut cols = ColumnsAppender::default();
    let mut rows = RowsAppender::default();
    for_each_partition(
        store,
        from,
        to,
        &READ,
        |key, df| {
            convert(key, df).map_err(|source| {
                ProfileError::Store(StoreError::Parquet { path: store.partition_path(key), source })
            })
        },
        |(c, r)| {
            cols.append(c);
            rows.append(r);
            Ok::<(), ProfileError>(())
        },
    )?;
    Ok(Window { cols: cols.finish(), rows: rows.finish() })
}

/// One partition's frame (the [`READ`] columns) as columns and rows with dictionaries of
/// their own (office, year and month from the partition's key).
fn convert(key: &PartitionKey, mut df: DataFrame) -> PolarsResult<(TicketColumns, WindowRows)> {
    let n = df.height();
    for name in [col::ISSUED_AT, col::CALLED_AT, col::FINISHED_AT] {
        let ms = df.column(name)?.cast(&DataType::Int64)?;
        df.with_column(ms)?;
    }
    let minute = df.column(col::MINUTE_OF_DAY)?.cast(&DataType::Int32)?;
    let slot: Int32Chunked =
        minute.i32()?.iter().map(|m| m.map(|m| m.div_euclid(SLOT_MINUTES as i32))).collect();
    df.with_column(slot.with_name(SLOT.into()).into_column())?;
    df.with_column(Column::new(col::OFFICE_ID.into(), vec![key.office_id.as_str(); n]))?;
    let mut cols = TicketColumns::default();
    cols.append_frame(&df)?;
    // The rows share the codes and parsed values of the columns (same rows, same order).
    let rows = WindowRows {
        offices: cols.offices.clone(),
        services: cols.services.clone(),
        office: cols.office.clone(),
        service: cols.service.iter().map(|&s| u32::from(s)).collect(),
        channel: cols.channel.clone(),
        outcome: cols.outcome.clone(),
        date: cols.date.iter().map(|&d| days_since_epoch(d)).collect(),
        weekday: ints(&df, col::WEEKDAY)?,
        hour: ints(&df, col::HOUR)?,
        slot: ints(&df, SLOT)?,
        year: vec![key.year; n],
        month: vec![key.month as i32; n],
        wait_s: optional(&df, col::WAIT_S)?,
        service_s: optional(&df, col::SERVICE_S)?,
    };
    Ok((cols, rows))
}

/// A column that has no nulls, as `i32`.
fn ints(df: &DataFrame, name: &str) -> PolarsResult<Vec<i32>> {
    let bad = || PolarsError::ComputeError(format!("stored {name} is invalid").into());
    df.column(name)?.cast(&DataType::Int32)?.i32()?.iter().map(|v| v.ok_or_else(bad)).collect()
}

/// A column with nulls, as `i64`.
fn optional(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.iter().collect())
}

/// Builds one [`WindowRows`] from chunks with dictionaries of their own, appended in order.
#[derive(Default)]
struct RowsAppender {
    rows: WindowRows,
    offices: MergedDict,
    services: MergedDict,
}

impl RowsAppender {
    fn append(&mut self, chunk: WindowRows) {
        let office = self.offices.codes_of(&chunk.offices);
        let service = self.services.codes_of(&chunk.services);
        let r = &mut self.rows;
        r.office.extend(chunk.office.iter().map(|&o| office[o as usize]));
        r.service.extend(chunk.service.iter().map(|&s| service[s as usize]));
        r.channel.extend(chunk.channel);
        r.outcome.extend(chunk.outcome);
        r.date.extend(chunk.date);
        r.weekday.extend(chunk.weekday);
        r.hour.extend(chunk.hour);
        r.slot.extend(chunk.slot);
        r.year.extend(chunk.year);
        r.month.extend(chunk.month);
        r.wait_s.extend(chunk.wait_s);
        r.service_s.extend(chunk.service_s);
    }

    fn finish(self) -> WindowRows {
        let mut rows = self.rows;
        rows.offices = self.offices.into_values();
        rows.services = self.services.into_values();
        rows
    }
}
