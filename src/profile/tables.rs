//! Assembling the profile tables: ticket statistics joined with replayed occupancy.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::profile::cells::{ALL_SERVICES, Key, aggregate, open_days};
use crate::profile::occupancy::Occupancy;
use crate::profile::read::{Window, read_window};
use crate::profile::{ProfileError, ProfileParams};
use crate::schema::col;
use crate::store::Store;

pub use crate::profile::cells::SLOT;
pub const CELL_KEYS_WEEKDAY_HOUR: [&str; 4] = [col::OFFICE_ID, col::SERVICE, col::WEEKDAY, col::HOUR];
pub const CELL_KEYS_SLOT15: [&str; 4] = [col::OFFICE_ID, col::SERVICE, col::WEEKDAY, SLOT];
pub const CELL_KEYS_DAILY: [&str; 2] = [col::OFFICE_ID, col::LOCAL_DATE];
pub const CELL_KEYS_MONTHLY: [&str; 4] = [col::OFFICE_ID, col::SERVICE, col::YEAR, col::MONTH];

/// The four cell tables before suppression.
pub struct Built {
    pub weekday_hour: DataFrame,
    pub slot15: DataFrame,
    pub daily: DataFrame,
    pub monthly: DataFrame,
}

/// Builds the unsuppressed tables for the window `[from, to]`.
pub fn build(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    params: &ProfileParams,
) -> Result<Built, ProfileError> {
    // Read the window once (only the columns the tables use) into the replay's columns and
    // the cell statistics' rows. Ticket ids are the costliest column and neither needs them.
    let reading = tracing::info_span!("read the store").entered();
    let Window { cols, rows } = read_window(store, from, to)?;
    drop(reading);
    let occ = Occupancy::replay(&cols, store.tz(), params.replay);
    let open_days = open_days(&rows)?.lazy();
    let sl = params.service_level_s;
    let int = |name, values| Key { name, dtype: DataType::Int32, values };

    let cell_table = |keys: &[&str], tickets: DataFrame, occupancy: DataFrame| -> PolarsResult<DataFrame> {
        let on: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
        let joined = tickets.lazy().join(
            occupancy.lazy(),
            on.clone(),
            on,
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        );
        finish_cell_table(joined, open_days.clone(), keys)
    };
    let by_hour =
        aggregate(&rows, &[int(col::WEEKDAY, &rows.weekday), int(col::HOUR, &rows.hour)], true, true, sl)?;
    let weekday_hour =
        cell_table(&CELL_KEYS_WEEKDAY_HOUR, by_hour, occ.cells.hour_frame(&cols.offices, &cols.services)?)?;
    let by_slot =
        aggregate(&rows, &[int(col::WEEKDAY, &rows.weekday), int(SLOT, &rows.slot)], true, true, sl)?;
    let slot15 =
        cell_table(&CELL_KEYS_SLOT15, by_slot, occ.cells.slot_frame(&cols.offices, &cols.services)?)?;

    let date = Key { name: col::LOCAL_DATE, dtype: DataType::Date, values: &rows.date };
    let daily = aggregate(&rows, &[date], false, true, sl)?
        .lazy()
        .join(
            occ.days_frame(&cols.offices)?.lazy(),
            [col(col::OFFICE_ID), col(col::LOCAL_DATE)],
            [col(col::OFFICE_ID), col(col::LOCAL_DATE)],
            JoinArgs::new(JoinType::Left),
        )
        .sort([col::OFFICE_ID, col::LOCAL_DATE], Default::default())
        .collect()?;
    let monthly =
        aggregate(&rows, &[int(col::YEAR, &rows.year), int(col::MONTH, &rows.month)], true, false, sl)?
            .sort(CELL_KEYS_MONTHLY, Default::default())?;
    Ok(Built { weekday_hour, slot15, daily, monthly })
}

/// Fills the derived columns of a weekday × hour/slot table and drops empty cells.
fn finish_cell_table(joined: LazyFrame, open_days: LazyFrame, keys: &[&str]) -> PolarsResult<DataFrame> {
    let ratio = |a: &str, b: &str| {
        when(col(b).gt(lit(0.0))).then(col(a) / col(b)).otherwise(lit(NULL).cast(DataType::Float64))
    };
    let counts = ["tickets", "walk_in", "appointment", "served", "no_show", "cancelled"];
    joined
        .join(
            open_days,
            [col(col::OFFICE_ID), col(col::WEEKDAY)],
            [col(col::OFFICE_ID), col(col::WEEKDAY)],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(counts.iter().map(|c| col(*c).fill_null(lit(0u32))).collect::<Vec<_>>())
        .with_columns([
            (col("tickets").cast(DataType::Float64) / col("open_days").cast(DataType::Float64))
                .alias("tickets_per_open_day"),
            ratio("waiting_s", "observed_s").alias("avg_waiting"),
            ratio("active_s", "observed_s").alias("avg_active_counters"),
            ratio("busy_s", "active_s").alias("utilisation"),
        ])
        // Counters serve every service: their figures exist only on the all-services rows.
        .with_columns(["avg_active_counters", "utilisation"].map(|c| {
            when(col(col::SERVICE).eq(lit(ALL_SERVICES)))
                .then(col(c))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias(c)
        }))
        .filter(col("tickets").gt(lit(0)).or(col("waiting_s").gt(lit(0.0))))
        .select(
            keys.iter()
                .map(|k| col(*k))
                .chain(["open_days", "tickets", "tickets_per_open_day"].iter().map(|c| col(*c)))
                .chain(counts[1..].iter().map(|c| col(*c)))
                .chain(
                    [
                        "wait_mean_min",
                        "wait_median_min",
                        "wait_p90_min",
                        "service_mean_min",
                        "service_level",
                        "avg_waiting",
                        "avg_active_counters",
                        "utilisation",
                    ]
                    .iter()
                    .map(|c| col(*c)),
                )
                .collect::<Vec<_>>(),
        )
        .sort(keys.to_vec(), Default::default())
        .collect()
}
