//! A per-office overview of what the store holds, computed by a lazy polars scan (which also
//! proves the store reads back as a Hive-partitioned dataset).

use std::fmt;

use polars::prelude::*;

use crate::schema::{Outcome, col};
use crate::store::{Store, StoreError};

/// One office's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeSummary {
    pub office_id: String,
    pub tickets: u64,
    pub open_days: u64,
    pub first_day: String,
    pub last_day: String,
    pub served: u64,
    pub no_show: u64,
    pub cancelled: u64,
    /// Mean wait of called tickets, minutes.
    pub mean_wait_min: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreSummary {
    pub offices: Vec<OfficeSummary>,
}

impl StoreSummary {
    pub fn tickets(&self) -> u64 {
        self.offices.iter().map(|o| o.tickets).sum()
    }
}

/// Summarises the store by office (empty store, empty summary).
pub fn summarize(store: &Store) -> Result<StoreSummary, StoreError> {
    if store.partitions()?.is_empty() {
        return Ok(StoreSummary::default());
    }
    let perr = |source: PolarsError| StoreError::Parquet { path: store.tickets_dir(), source };
    let count =
        |o: Outcome| col(col::OUTCOME).eq(lit(o.as_str())).sum().cast(DataType::UInt64).alias(o.as_str());
    let df = store
        .scan()?
        .group_by([col(col::OFFICE_ID)])
        .agg([
            len().cast(DataType::UInt64).alias("tickets"),
            col(col::LOCAL_DATE).n_unique().cast(DataType::UInt64).alias("open_days"),
            col(col::LOCAL_DATE).min().cast(DataType::String).alias("first_day"),
            col(col::LOCAL_DATE).max().cast(DataType::String).alias("last_day"),
            count(Outcome::Served),
            count(Outcome::NoShow),
            count(Outcome::Cancelled),
            (col(col::WAIT_S).mean() / lit(60.0)).alias("mean_wait_min"),
        ])
        .sort([col::OFFICE_ID], Default::default())
        .collect()
        .map_err(perr)?;
    let text = |name: &str| -> PolarsResult<Vec<String>> {
        Ok(df.column(name)?.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect())
    };
    let num = |name: &str| -> PolarsResult<Vec<u64>> {
        Ok(df.column(name)?.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
    };
    let build = || -> PolarsResult<Vec<OfficeSummary>> {
        let (ids, first, last) = (text(col::OFFICE_ID)?, text("first_day")?, text("last_day")?);
        let (tickets, days) = (num("tickets")?, num("open_days")?);
        let (served, no_show, cancelled) = (num("served")?, num("no_show")?, num("cancelled")?);
        let waits: Vec<Option<f64>> = df.column("mean_wait_min")?.f64()?.iter().collect();
        Ok((0..df.height())
            .map(|i| OfficeSummary {
                office_id: ids[i].clone(),
                tickets: tickets[i],
                open_days: days[i],
                first_day: first[i].clone(),
                last_day: last[i].clone(),
                served: served[i],
                no_show: no_show[i],
                cancelled: cancelled[i],
                mean_wait_min: waits[i],
            })
            .collect())
    };
    Ok(StoreSummary { offices: build().map_err(perr)? })
}

impl fmt::Display for StoreSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = crate::output::TextTable::new(&[
            "office",
            ">tickets",
            ">days",
            "first",
            "last",
            ">served",
            ">no_show",
            ">cancelled",
            ">wait_min",
        ]);
        for o in &self.offices {
            t.row([
                o.office_id.clone(),
                o.tickets.to_string(),
                o.open_days.to_string(),
                o.first_day.clone(),
                o.last_day.clone(),
                o.served.to_string(),
                o.no_show.to_string(),
                o.cancelled.to_string(),
                o.mean_wait_min.map_or("-".to_string(), |w| format!("{w:.1}")),
            ]);
        }
        f.write_str(&t.render(""))
    }
}
