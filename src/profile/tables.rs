//! Assembling the profile tables: ticket statistics joined with replayed occupancy.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use polars::prelude::*;

use crate::occupancy::day_occupancy;
use crate::profile::cells::{ALL_SERVICES, Key, WindowRows, aggregate, open_days};
use crate::profile::{ProfileError, ProfileParams};
use crate::schema::col;
use crate::slots::SLOTS;
use crate::store::Store;
use crate::store::columns::{TicketColumns, column_exprs};
use crate::timezones::days_since_epoch;

pub const SLOT: &str = "slot";
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
    // Read the window once, partition by partition (only the columns the tables use), into
    // the replay's columns and the cell statistics' rows; one partition's frame at a time is
    // in memory. Ticket ids are the costliest column and neither needs them.
    let exprs: Vec<Expr> = column_exprs()
        .into_iter()
        .filter(|e| *e != col(col::TICKET_ID))
        .chain([
            col(col::WEEKDAY),
            col(col::HOUR),
            col(col::WAIT_S),
            col(col::SERVICE_S),
            col(col::MINUTE_OF_DAY).floor_div(lit(15)).alias(SLOT),
        ])
        .collect();
    let reading = tracing::info_span!("read the store").entered();
    let mut cols = TicketColumns::default();
    let mut rows = WindowRows::default();
    for key in store.partitions()? {
        let (first, last) = month_bounds(key.year, key.month);
        if last < from || first > to {
            continue;
        }
        let part = store
            .scan_partition(&key)?
            .filter(col(col::LOCAL_DATE).gt_eq(lit(from)).and(col(col::LOCAL_DATE).lt_eq(lit(to))))
            .select(exprs.iter().cloned().chain([col(col::YEAR), col(col::MONTH)]).collect::<Vec<_>>())
            .collect()?;
        cols.append_frame(&part)?;
        rows.append_frame(&part, SLOT)?;
    }
    let cols = cols.into_sorted();
    drop(reading);
    let occ = occupancy_frames(&cols, store.tz(), params)?;
    let open_days = open_days(&rows)?.lazy();
    let sl = params.service_level_s;
    let int = |name, values| Key { name, dtype: DataType::Int32, values };

    let cell_table = |keys: &[&str], tickets: DataFrame, occ_keys: Vec<Expr>| -> PolarsResult<DataFrame> {
        let tickets = tickets.lazy();
        let occupancy = occ
            .slots
            .clone()
            .lazy()
            .with_columns(occ_keys)
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg([
                col("observed_s").sum(),
                col("waiting_s").sum(),
                col("active_s").sum(),
                col("busy_s").sum(),
            ]);
        let on: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
        let joined = tickets.join(
            occupancy,
            on.clone(),
            on,
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        );
        finish_cell_table(joined, open_days.clone(), keys)
    };
    let by_hour =
        aggregate(&rows, &[int(col::WEEKDAY, &rows.weekday), int(col::HOUR, &rows.hour)], true, true, sl)?;
    let weekday_hour =
        cell_table(&CELL_KEYS_WEEKDAY_HOUR, by_hour, vec![col(SLOT).floor_div(lit(4)).alias(col::HOUR)])?;
    let by_slot =
        aggregate(&rows, &[int(col::WEEKDAY, &rows.weekday), int(SLOT, &rows.slot)], true, true, sl)?;
    let slot15 = cell_table(&CELL_KEYS_SLOT15, by_slot, vec![])?;

    let date = Key { name: col::LOCAL_DATE, dtype: DataType::Date, values: &rows.date };
    let daily = aggregate(&rows, &[date], false, true, sl)?
        .lazy()
        .join(
            occ.days.clone().lazy(),
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

/// First and last day of a month (a partition's date range).
fn month_bounds(year: i32, month: u32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN);
    let next = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    let last =
        NaiveDate::from_ymd_opt(next.0, next.1, 1).and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX);
    (first, last)
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

/// Replayed occupancy: per office × date × weekday × slot × service (and `*`), and per office-day.
struct Occupancy {
    slots: DataFrame,
    days: DataFrame,
}

fn occupancy_frames(cols: &TicketColumns, tz: Tz, params: &ProfileParams) -> PolarsResult<Occupancy> {
    let n_services = cols.services.len();
    let days = crate::replay::office_days_bounded(cols, &crate::replay::WaitBounds::learn(cols));
    let occupancies = parallel_map(&days, |day| day_occupancy(day, n_services, tz, params.replay));
    let mut s = SlotRows::default();
    let mut d = DayRows::default();
    for (day, occ) in days.iter().zip(&occupancies) {
        let office = &cols.offices[day.office as usize];
        let weekday = day.date.weekday().number_from_monday() as i32;
        let date = days_since_epoch(day.date);
        for slot in 0..SLOTS {
            if occ.observed[slot] <= 0.0 {
                continue;
            }
            s.push(
                office,
                date,
                weekday,
                slot as i32,
                ALL_SERVICES,
                occ.observed[slot],
                occ.waiting[slot],
                Some((occ.active[slot], occ.busy[slot])),
            );
            for (j, name) in cols.services.iter().enumerate() {
                s.push(
                    office,
                    date,
                    weekday,
                    slot as i32,
                    name,
                    occ.observed[slot],
                    occ.waiting_by_service[slot * n_services + j],
                    None,
                );
            }
        }
        let observed: f64 = occ.observed.iter().sum();
        d.office.push(office.clone());
        d.date.push(date);
        d.max_waiting.push(occ.max_waiting);
        d.max_active.push(occ.max_active);
        d.mean_active.push((observed > 0.0).then(|| occ.active.iter().sum::<f64>() / observed));
    }
    Ok(Occupancy { slots: s.frame()?, days: d.frame()? })
}

/// `f` over `items` on the available cores, results in input order (so output is the same
/// however many threads ran). Office-days replay independently of each other.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

#[derive(Default)]
struct SlotRows {
    office: Vec<String>,
    date: Vec<i32>,
    weekday: Vec<i32>,
    slot: Vec<i32>,
    service: Vec<String>,
    observed: Vec<f64>,
    waiting: Vec<f64>,
    active: Vec<Option<f64>>,
    busy: Vec<Option<f64>>,
}

impl SlotRows {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        office: &str,
        date: i32,
        weekday: i32,
        slot: i32,
        service: &str,
        observed: f64,
        waiting: f64,
        counters: Option<(f64, f64)>,
    ) {
        self.office.push(office.to_string());
        self.date.push(date);
        self.weekday.push(weekday);
        self.slot.push(slot);
        self.service.push(service.to_string());
        self.observed.push(observed);
        self.waiting.push(waiting);
        self.active.push(counters.map(|c| c.0));
        self.busy.push(counters.map(|c| c.1));
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        office_day_frame(
            self.office,
            self.date,
            vec![
                Column::new(col::WEEKDAY.into(), self.weekday),
                Column::new(SLOT.into(), self.slot),
                Column::new(col::SERVICE.into(), self.service),
                Column::new("observed_s".into(), self.observed),
                Column::new("waiting_s".into(), self.waiting),
                Column::new("active_s".into(), self.active),
                Column::new("busy_s".into(), self.busy),
            ],
        )
    }
}

#[derive(Default)]
struct DayRows {
    office: Vec<String>,
    date: Vec<i32>,
    max_waiting: Vec<u32>,
    max_active: Vec<u32>,
    mean_active: Vec<Option<f64>>,
}

impl DayRows {
    fn frame(self) -> PolarsResult<DataFrame> {
        office_day_frame(
            self.office,
            self.date,
            vec![
                Column::new("max_waiting".into(), self.max_waiting),
                Column::new("max_active_counters".into(), self.max_active),
                Column::new("mean_active_counters".into(), self.mean_active),
            ],
        )
    }
}

/// A frame keyed by office and local date (days since 1970), then `rest`.
fn office_day_frame(office: Vec<String>, date: Vec<i32>, rest: Vec<Column>) -> PolarsResult<DataFrame> {
    let n = office.len();
    let mut columns = vec![
        Column::new(col::OFFICE_ID.into(), office),
        Column::new(col::LOCAL_DATE.into(), date).cast(&DataType::Date)?,
    ];
    columns.extend(rest);
    DataFrame::new(n, columns)
}
