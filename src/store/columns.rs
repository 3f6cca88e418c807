//! Stored tickets as plain typed columns (no polars types), for the stages that work in
//! ordinary Rust loops: the queue replay and the models.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::schema::{Channel, EpochMs, Outcome, col};
use crate::store::{PartitionKey, Store, StoreError};

/// Tickets of a date window, sorted by office, local date and issue time. `ticket_id` is
/// empty when the caller did not load the ids (see [`TicketColumns::from_frame`]). Strings are
/// dictionary-coded: `office[i]` indexes `offices`, `service[i]` indexes `services`,
/// `counter[i]` indexes `counters`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketColumns {
    pub offices: Vec<String>,
    pub services: Vec<String>,
    pub counters: Vec<String>,
    pub office: Vec<u32>,
    pub date: Vec<NaiveDate>,
    pub ticket_id: Vec<String>,
    pub service: Vec<u16>,
    pub channel: Vec<Channel>,
    pub issued: Vec<EpochMs>,
    pub called: Vec<Option<EpochMs>>,
    pub finished: Vec<Option<EpochMs>>,
    pub counter: Vec<Option<u32>>,
    pub outcome: Vec<Outcome>,
}

impl TicketColumns {
    pub fn len(&self) -> usize {
        self.issued.len()
    }

    pub fn is_empty(&self) -> bool {
        self.issued.is_empty()
    }

    /// The rows whose local date lies in `[from, to)`, with the same dictionaries.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> TicketColumns {
        let keep: Vec<usize> =
            (0..self.len()).filter(|&i| self.date[i] >= from && self.date[i] < to).collect();
        self.rows(&keep)
    }

    /// The rows at `rows` (in that order), with the same dictionaries.
    fn rows(&self, rows: &[usize]) -> TicketColumns {
        TicketColumns {
            offices: self.offices.clone(),
            services: self.services.clone(),
            counters: self.counters.clone(),
            office: pick(rows, &self.office),
            date: pick(rows, &self.date),
            ticket_id: rows.iter().filter_map(|&i| self.ticket_id.get(i).cloned()).collect(),
            service: pick(rows, &self.service),
            channel: pick(rows, &self.channel),
            issued: pick(rows, &self.issued),
            called: pick(rows, &self.called),
            finished: pick(rows, &self.finished),
            counter: pick(rows, &self.counter),
            outcome: pick(rows, &self.outcome),
        }
    }

    /// Whether rows are ordered by office name, local date, issue time and ticket id (if
    /// loaded).
    pub fn is_sorted(&self) -> bool {
        let no_id = String::new();
        (1..self.len()).all(|i| {
            let key = |j: usize| {
                let id = self.ticket_id.get(j).unwrap_or(&no_id);
                (&self.offices[self.office[j] as usize], self.date[j], self.issued[j], id)
            };
            key(i - 1) <= key(i)
        })
    }

    /// First and last local date, if any rows.
    pub fn date_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((*self.date.iter().min()?, *self.date.iter().max()?))
    }
}

/// Loads the stored tickets whose local date lies in `[from, to]` (either bound optional),
/// with their ids only when `ids` (only lookups of single tickets need them). Partitions are
/// read one at a time in key order: a frame of the whole store next to its columns was the
/// export's peak memory. Rows come in partition order, which is already the sorted order.
pub fn load_columns(
    store: &Store,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    ids: bool,
) -> Result<TicketColumns, StoreError> {
    let (lo, hi) = (from.unwrap_or(NaiveDate::MIN), to.unwrap_or(NaiveDate::MAX));
    let exprs = column_exprs_with(ids);
    let keys: Vec<PartitionKey> = store
        .partitions()?
        .into_iter()
        .filter(|key| {
            let first = NaiveDate::from_ymd_opt(key.year, key.month, 1).unwrap_or(NaiveDate::MIN);
            let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt());
            first <= hi && last.is_none_or(|last| last >= lo)
        })
        .collect();
    let perr = |key: &PartitionKey, source| StoreError::Parquet { path: store.partition_path(key), source };
    let read = |key: &PartitionKey| -> Result<DataFrame, StoreError> {
        store
            .scan_partition(key)?
            .filter(col(col::LOCAL_DATE).gt_eq(lit(lo)).and(col(col::LOCAL_DATE).lt_eq(lit(hi))))
            .select(exprs.clone())
            .collect()
            .map_err(|e| perr(key, e))
    };
    // A few partitions at a time on the available cores (small files keep one core busy each),
    // appended in key order: the dictionaries and rows are those of one read after the other.
    let mut cols = TicketColumns::default();
    let chunk = 4 * crate::parallel::threads_for(keys.len());
    crate::parallel::each_in_order(&keys, chunk, read, |key, frame| {
        cols.append_frame(&frame?).map_err(|e| perr(key, e))
    })?;
    Ok(cols.into_sorted())
}

/// The columns (as expressions over a store scan) that [`TicketColumns::from_frame`] needs,
/// without the ticket ids unless `ids` (only lookups of single tickets need them).
pub fn column_exprs_with(ids: bool) -> Vec<Expr> {
    let ms = |name: &str| col(name).cast(DataType::Int64).alias(name);
    let mut exprs = vec![col(col::OFFICE_ID), col(col::LOCAL_DATE)];
    if ids {
        exprs.push(col(col::TICKET_ID));
    }
    exprs.extend([
        col(col::SERVICE),
        col(col::CHANNEL),
        ms(col::ISSUED_AT),
        ms(col::CALLED_AT),
        ms(col::FINISHED_AT),
        col(col::COUNTER),
        col(col::OUTCOME),
    ]);
    exprs
}

impl TicketColumns {
    /// Converts a collected frame with (at least) the [`column_exprs_with`] columns, sorted by
    /// office, local date, issue time and ticket id. Without a `ticket_id` column the ids stay
    /// empty (the replay does not need them).
    pub fn from_frame(df: &DataFrame) -> PolarsResult<TicketColumns> {
        let mut cols = TicketColumns::default();
        cols.append_frame(df)?;
        Ok(cols.into_sorted())
    }
}

/// The values of `v` at `keep`.
fn pick<T: Copy>(keep: &[usize], v: &[T]) -> Vec<T> {
    keep.iter().map(|&i| v[i]).collect()
}

impl TicketColumns {
    /// Appends the rows of a collected frame (the [`column_exprs_with`] columns, `ticket_id`
    /// optional), extending the dictionaries. Order is not checked: see [`Self::into_sorted`].
    pub fn append_frame(&mut self, df: &DataFrame) -> PolarsResult<()> {
        let bad = |what: &str| PolarsError::ComputeError(format!("stored {what} is invalid").into());
        for c in dict_codes(df.column(col::OFFICE_ID)?.str()?, &mut self.offices)? {
            self.office.push(c.ok_or_else(|| bad(col::OFFICE_ID))?);
        }
        for d in df.column(col::LOCAL_DATE)?.cast(&DataType::Int32)?.i32()?.iter() {
            let d = d.ok_or_else(|| bad(col::LOCAL_DATE))?;
            self.date.push(crate::timezones::date_from_days(d));
        }
        // Stages that never look a ticket up (the profile) leave the ids out of the frame.
        if let Ok(ids) = df.column(col::TICKET_ID) {
            self.ticket_id.extend(ids.str()?.iter().map(|v| v.unwrap_or_default().to_string()));
        }
        for c in dict_codes(df.column(col::SERVICE)?.str()?, &mut self.services)? {
            self.service.push(c.map(|c| c as u16).ok_or_else(|| bad(col::SERVICE))?);
        }
        self.channel.extend(parsed(df.column(col::CHANNEL)?.str()?, Channel::parse, || bad(col::CHANNEL))?);
        for v in df.column(col::ISSUED_AT)?.i64()?.iter() {
            self.issued.push(v.ok_or_else(|| bad(col::ISSUED_AT))?);
        }
        self.called.extend(df.column(col::CALLED_AT)?.i64()?.iter());
        self.finished.extend(df.column(col::FINISHED_AT)?.i64()?.iter());
        self.counter.extend(dict_codes(df.column(col::COUNTER)?.str()?, &mut self.counters)?);
        self.outcome.extend(parsed(df.column(col::OUTCOME)?.str()?, Outcome::parse, || bad(col::OUTCOME))?);
        Ok(())
    }

    /// The rows ordered by office name, local date, issue time and ticket id; no copy when
    /// they already are, which is the normal case for rows read in partition order.
    pub fn into_sorted(self) -> TicketColumns {
        if self.is_sorted() {
            return self;
        }
        let no_id = String::new();
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |j: usize| {
                let id = self.ticket_id.get(j).unwrap_or(&no_id);
                (&self.offices[self.office[j] as usize], self.date[j], self.issued[j], id)
            };
            key(a).cmp(&key(b))
        });
        self.rows(&order)
    }
}

/// Dictionary-codes a string column (nulls stay null). Values of up to 15 bytes (every
/// office, service and counter code we have seen) are compared as packed integers: a
/// string comparison per row was the costliest step of loading.
pub(crate) fn dict_codes(values: &StringChunked, dict: &mut Vec<String>) -> PolarsResult<Vec<Option<u32>>> {
    let mut packed: std::collections::HashMap<u128, u32> =
        dict.iter().enumerate().filter_map(|(i, v)| Some((pack(v)?, i as u32))).collect();
    let mut last: Option<(u128, u32)> = None;
    let mut out = Vec::with_capacity(values.len());
    for v in values.iter() {
        let Some(v) = v else {
            out.push(None);
            continue;
        };
        let key = pack(v);
        // Runs of one value (an office, a busy counter) skip the lookup.
        if let (Some(k), Some((lk, code))) = (key, last)
            && k == lk
        {
            out.push(Some(code));
            continue;
        }
        let found = match key {
            Some(k) => packed.get(&k).copied(),
            None => dict.iter().position(|x| x == v).map(|i| i as u32),
        };
        let code = match found {
            Some(c) => c,
            None => {
                dict.push(v.to_string());
                let c = dict.len() as u32 - 1;
                if let Some(k) = key {
                    packed.insert(k, c);
                }
                c
            }
        };
        last = key.map(|k| (k, code));
        out.push(Some(code));
    }
    Ok(out)
}

/// A string of at most 15 bytes as one integer (bytes plus length), else `None`.
fn pack(v: &str) -> Option<u128> {
    let b = v.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    buf[15] = b.len() as u8;
    Some(u128::from_le_bytes(buf))
}

/// Parses a string column of a small closed vocabulary, caching the previous value.
pub(crate) fn parsed<T: Copy>(
    values: &StringChunked,
    parse: impl Fn(&str) -> Option<T>,
    bad: impl Fn() -> PolarsError,
) -> PolarsResult<Vec<T>> {
    let mut last: Option<(&str, T)> = None;
    values
        .iter()
        .map(|v| {
            let v = v.ok_or_else(&bad)?;
            if let Some((prev, t)) = last
                && prev == v
            {
                return Ok(t);
            }
            let t = parse(v).ok_or_else(&bad)?;
            last = Some((v, t));
            Ok(t)
        })
        .collect()
}

/// A dictionary merged from chunks that coded their strings with dictionaries of their own (one
/// per partition read on another thread): entries keep the order in which they first appear.
#[derive(Debug, Clone, Default)]
pub struct MergedDict {
    values: Vec<String>,
    index: std::collections::HashMap<String, u32>,
}

impl MergedDict {
    /// The merged code of each entry of `local`, adding the entries not seen yet.
    pub fn codes_of(&mut self, local: &[String]) -> Vec<u32> {
        local
            .iter()
            .map(|v| match self.index.get(v) {
                Some(&c) => c,
                None => {
                    let c = self.values.len() as u32;
                    self.values.push(v.clone());
                    self.index.insert(v.clone(), c);
                    c
                }
            })
            .collect()
    }

    pub fn values(&self) -> &[String] {
        &self.values
    }

    pub fn into_values(self) -> Vec<String> {
        self.values
    }
}

/// Builds one [`TicketColumns`] from chunks with dictionaries of their own, appended in order;
/// the merged dictionaries list values in order of first appearance, as if the rows of all
/// chunks had been appended to one [`TicketColumns`].
#[derive(Debug, Default)]
pub struct ColumnsAppender {
    cols: TicketColumns,
    offices: MergedDict,
    services: MergedDict,
    counters: MergedDict,
}

impl ColumnsAppender {
    pub fn append(&mut self, chunk: TicketColumns) {
        let office = self.offices.codes_of(&chunk.offices);
        let service = self.services.codes_of(&chunk.services);
        let counter = self.counters.codes_of(&chunk.counters);
        let c = &mut self.cols;
        c.office.extend(chunk.office.iter().map(|&o| office[o as usize]));
        c.service.extend(chunk.service.iter().map(|&s| service[s as usize] as u16));
        c.counter.extend(chunk.counter.iter().map(|k| k.map(|k| counter[k as usize])));
        c.date.extend(chunk.date);
        c.ticket_id.extend(chunk.ticket_id);
        c.channel.extend(chunk.channel);
        c.issued.extend(chunk.issued);
        c.called.extend(chunk.called);
        c.finished.extend(chunk.finished);
        c.outcome.extend(chunk.outcome);
    }

    /// The merged columns, sorted (see [`TicketColumns::into_sorted`]).
    pub fn finish(self) -> TicketColumns {
        let mut cols = self.cols;
        cols.offices = self.offices.into_values();
        cols.services = self.services.into_values();
        cols.counters = self.counters.into_values();
        cols.into_sorted()
    }
}
