//! Tickets ↔ the stored Parquet table: canonical columns plus the derived local-time and
//! duration columns. The office id and year/month are Hive directory keys, not file columns.

#[cfg(test)]
use chrono_tz::Tz;
use polars::prelude::*;

#[cfg(test)]
use crate::schema::EpochMs;
use crate::schema::{Channel, Outcome, Ticket, col};
#[cfg(test)]
use crate::timezones::{days_since_epoch, local_parts};

/// Builds the stored frame of one office's tickets (any order in, sorted out by
/// issued_at then ticket_id, so the same tickets always give the same bytes). The write path
/// builds it from borrowed rows ([`crate::store::write::rows_to_frame`]); this owned-ticket
/// builder it replaced stays only as the tests' independent oracle for it.
#[cfg(test)]
pub fn tickets_to_frame(tickets: &mut [Ticket], tz: Tz) -> PolarsResult<DataFrame> {
    tickets.sort_by(|a, b| (a.issued_at, &a.ticket_id).cmp(&(b.issued_at, &b.ticket_id)));
    let ptz = TimeZone::from_chrono(&tz);
    let parts: Vec<_> = tickets.iter().map(|t| local_parts(t.issued_at, tz)).collect();
    let dt = |name: &str, v: Vec<Option<EpochMs>>| -> PolarsResult<Column> {
        Ok(Int64Chunked::from_iter_options(name.into(), v.into_iter())
            .into_datetime(TimeUnit::Milliseconds, Some(ptz.clone()))
            .into_column())
    };
    let text = |name: &str, v: Vec<Option<&str>>| Column::new(name.into(), v);
    let int = |name: &str, v: Vec<i32>| Column::new(name.into(), v);
    let columns = vec![
        text(col::TICKET_ID, tickets.iter().map(|t| Some(t.ticket_id.as_str())).collect()),
        text(col::SERVICE, tickets.iter().map(|t| Some(t.service.as_str())).collect()),
        text(col::CHANNEL, tickets.iter().map(|t| Some(t.channel.as_str())).collect()),
        dt(col::ISSUED_AT, tickets.iter().map(|t| Some(t.issued_at)).collect())?,
        dt(col::CALLED_AT, tickets.iter().map(|t| t.called_at).collect())?,
        dt(col::FINISHED_AT, tickets.iter().map(|t| t.finished_at).collect())?,
        text(col::COUNTER, tickets.iter().map(|t| t.counter.as_deref()).collect()),
        text(col::OUTCOME, tickets.iter().map(|t| Some(t.outcome.as_str())).collect()),
        int(col::SERVICE_COUNT, tickets.iter().map(|t| i32::from(t.service_count)).collect()),
        Column::new(
            col::LOCAL_DATE.into(),
            parts.iter().map(|p| days_since_epoch(p.date)).collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)?,
        int(col::WEEKDAY, parts.iter().map(|p| p.weekday as i32).collect()),
        int(col::HOUR, parts.iter().map(|p| p.hour as i32).collect()),
        int(col::MINUTE_OF_DAY, parts.iter().map(|p| p.minute_of_day as i32).collect()),
        Column::new(col::WAIT_S.into(), tickets.iter().map(|t| t.wait_s()).collect::<Vec<_>>()),
        Column::new(col::SERVICE_S.into(), tickets.iter().map(service_s).collect::<Vec<_>>()),
    ];
    DataFrame::new(tickets.len(), columns)
}

/// Service time in seconds, for served tickets only (a no-show's counter time is not service).
#[cfg(test)]
fn service_s(t: &Ticket) -> Option<i64> {
    match (t.outcome, t.called_at, t.finished_at) {
        (Outcome::Served, Some(c), Some(f)) => Some((f - c).div_euclid(1000)),
        _ => None,
    }
}

/// Why a stored frame does not read back as tickets.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("column {column}")]
    Column { column: &'static str, source: PolarsError },
    #[error("column {column} is {found}, expected datetime[ms]")]
    NotMilliseconds { column: &'static str, found: String },
    #[error("row {row}: bad {column}")]
    Value { row: usize, column: &'static str },
}

/// Reads the canonical fields back from a stored frame of one office.
pub fn frame_to_tickets(df: &DataFrame, office_id: &str) -> Result<Vec<Ticket>, TableError> {
    let text = |name: &'static str| -> Result<Vec<Option<String>>, TableError> {
        let err = |source| TableError::Column { column: name, source };
        let s = df.column(name).and_then(|c| c.str().cloned()).map_err(err)?;
        Ok(s.iter().map(|v| v.map(str::to_string)).collect())
    };
    let ms = |name: &'static str| -> Result<Vec<Option<i64>>, TableError> {
        let err = |source| TableError::Column { column: name, source };
        let c = df.column(name).map_err(err)?;
        if !matches!(c.dtype(), DataType::Datetime(TimeUnit::Milliseconds, _)) {
            return Err(TableError::NotMilliseconds { column: name, found: c.dtype().to_string() });
        }
        let raw = c.cast(&DataType::Int64).map_err(err)?;
        Ok(raw.i64().map_err(err)?.iter().collect())
    };
    let (ids, services, channels, counters, outcomes) = (
        text(col::TICKET_ID)?,
        text(col::SERVICE)?,
        text(col::CHANNEL)?,
        text(col::COUNTER)?,
        text(col::OUTCOME)?,
    );
    let (issued, called, finished) = (ms(col::ISSUED_AT)?, ms(col::CALLED_AT)?, ms(col::FINISHED_AT)?);
    let counts = service_counts(df)?;
    (0..df.height())
        .map(|i| {
            let bad = |column: &'static str| TableError::Value { row: i + 1, column };
            Ok(Ticket {
                office_id: office_id.to_string(),
                ticket_id: ids[i].clone().ok_or_else(|| bad(col::TICKET_ID))?,
                service: services[i].clone().ok_or_else(|| bad(col::SERVICE))?,
                channel: channels[i].as_deref().and_then(Channel::parse).ok_or_else(|| bad(col::CHANNEL))?,
                issued_at: issued[i].ok_or_else(|| bad(col::ISSUED_AT))?,
                called_at: called[i],
                finished_at: finished[i],
                counter: counters[i].clone(),
                outcome: outcomes[i].as_deref().and_then(Outcome::parse).ok_or_else(|| bad(col::OUTCOME))?,
                service_count: counts[i].ok_or_else(|| bad(col::SERVICE_COUNT))?,
            })
        })
        .collect()
}

/// The `service_count` column as `u16` values (`None` where a value is null or out of range).
/// Partitions written before the column existed hold one service per ticket, so they read as 1.
fn service_counts(df: &DataFrame) -> Result<Vec<Option<u16>>, TableError> {
    let Ok(c) = df.column(col::SERVICE_COUNT) else {
        return Ok(vec![Some(1); df.height()]);
    };
    let err = |source| TableError::Column { column: col::SERVICE_COUNT, source };
    let raw = c.cast(&DataType::Int32).map_err(err)?;
    let values = raw.i32().map_err(err)?;
    Ok(values.iter().map(|v| v.and_then(|n| u16::try_from(n).ok()).filter(|n| *n >= 1)).collect())
}
