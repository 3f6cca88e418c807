//! Stored tickets as plain typed columns (no polars types), for the stages that work in
//! ordinary Rust loops: the queue replay and the models.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::schema::{Channel, EpochMs, Outcome, col};
use crate::store::{Store, StoreError};

/// Tickets of a date window, sorted by office, local date and issue time. Strings are
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
        TicketColumns {
            offices: self.offices.clone(),
            services: self.services.clone(),
            counters: self.counters.clone(),
            office: pick(&keep, &self.office),
            date: pick(&keep, &self.date),
            ticket_id: keep.iter().map(|&i| self.ticket_id[i].clone()).collect(),
            service: pick(&keep, &self.service),
            channel: pick(&keep, &self.channel),
            issued: pick(&keep, &self.issued),
            called: pick(&keep, &self.called),
            finished: pick(&keep, &self.finished),
            counter: pick(&keep, &self.counter),
            outcome: pick(&keep, &self.outcome),
        }
    }

    /// Whether rows are ordered by office name, local date, issue time and ticket id.
    pub fn is_sorted(&self) -> bool {
        (1..self.len()).all(|i| {
            let key = |j: usize| {
                (&self.offices[self.office[j] as usize], self.date[j], self.issued[j], &self.ticket_id[j])
            };
            key(i - 1) <= key(i)
        })
    }

    /// First and last local date, if any rows.
    pub fn date_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((*self.date.iter().min()?, *self.date.iter().max()?))
    }
}

/// Loads the stored tickets whose local date lies in `[from, to]` (either bound optional).
pub fn load_columns(
    store: &Store,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<TicketColumns, StoreError> {
    if store.partitions()?.is_empty() {
        return Ok(TicketColumns::default());
    }
    let perr = |e: PolarsError| StoreError::Parquet { path: store.tickets_dir(), message: e.to_string() };
    let mut lf = store.scan()?;
    if let Some(from) = from {
        lf = lf.filter(col(col::LOCAL_DATE).gt_eq(lit(from)));
    }
    if let Some(to) = to {
        lf = lf.filter(col(col::LOCAL_DATE).lt_eq(lit(to)));
    }
    let ms = |name: &str| col(name).cast(DataType::Int64).alias(name);
    let df = lf
        .select([
            col(col::OFFICE_ID),
            col(col::LOCAL_DATE).cast(DataType::Int32),
            col(col::TICKET_ID),
            col(col::SERVICE),
            col(col::CHANNEL),
            ms(col::ISSUED_AT),
            ms(col::CALLED_AT),
            ms(col::FINISHED_AT),
            col(col::COUNTER),
            col(col::OUTCOME),
        ])
        .collect()
        .map_err(perr)?;
    // Partitions are read in path order (office, year, month) and each file is sorted by
    // issue time, so the rows normally arrive in order; sorting by the string keys is the
    // costliest step of loading, so it only happens when the check finds them out of order.
    let cols = from_frame(&df).map_err(perr)?;
    if cols.is_sorted() {
        return Ok(cols);
    }
    let sorted = df
        .lazy()
        .sort_by_exprs(
            [col(col::OFFICE_ID), col(col::LOCAL_DATE), col(col::ISSUED_AT), col(col::TICKET_ID)],
            SortMultipleOptions::default(),
        )
        .collect()
        .map_err(perr)?;
    from_frame(&sorted).map_err(perr)
}

/// The values of `v` at `keep`.
fn pick<T: Copy>(keep: &[usize], v: &[T]) -> Vec<T> {
    keep.iter().map(|&i| v[i]).collect()
}

fn from_frame(df: &DataFrame) -> PolarsResult<TicketColumns> {
    let mut out = TicketColumns::default();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let dict = |values: &mut Vec<String>, v: &str| -> u32 {
        match values.iter().position(|x| x == v) {
            Some(i) => i as u32,
            None => {
                values.push(v.to_string());
                values.len() as u32 - 1
            }
        }
    };
    let bad = |what: &str| PolarsError::ComputeError(format!("stored {what} is invalid").into());
    let offices = df.column(col::OFFICE_ID)?.str()?;
    let dates = df.column(col::LOCAL_DATE)?.i32()?;
    let ids = df.column(col::TICKET_ID)?.str()?;
    let services = df.column(col::SERVICE)?.str()?;
    let channels = df.column(col::CHANNEL)?.str()?;
    let issued = df.column(col::ISSUED_AT)?.i64()?;
    let called = df.column(col::CALLED_AT)?.i64()?;
    let finished = df.column(col::FINISHED_AT)?.i64()?;
    let counters = df.column(col::COUNTER)?.str()?;
    let outcomes = df.column(col::OUTCOME)?.str()?;
    // Dictionary lookups by linear search are fine: offices, services and counters are few.
    let mut last_office: Option<(String, u32)> = None;
    for i in 0..df.height() {
        let office = offices.get(i).ok_or_else(|| bad(col::OFFICE_ID))?;
        let office_idx = match &last_office {
            Some((name, idx)) if name == office => *idx,
            _ => {
                let idx = dict(&mut out.offices, office);
                last_office = Some((office.to_string(), idx));
                idx
            }
        };
        out.office.push(office_idx);
        let days = dates.get(i).ok_or_else(|| bad(col::LOCAL_DATE))?;
        out.date.push(epoch + chrono::Days::new(days.max(0) as u64));
        out.ticket_id.push(ids.get(i).unwrap_or_default().to_string());
        let service = services.get(i).ok_or_else(|| bad(col::SERVICE))?;
        out.service.push(dict(&mut out.services, service) as u16);
        out.channel.push(channels.get(i).and_then(Channel::parse).ok_or_else(|| bad(col::CHANNEL))?);
        out.issued.push(issued.get(i).ok_or_else(|| bad(col::ISSUED_AT))?);
        out.called.push(called.get(i));
        out.finished.push(finished.get(i));
        out.counter.push(counters.get(i).map(|c| dict(&mut out.counters, c)));
        out.outcome.push(outcomes.get(i).and_then(Outcome::parse).ok_or_else(|| bad(col::OUTCOME))?);
    }
    Ok(out)
}
