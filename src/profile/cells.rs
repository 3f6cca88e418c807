//! Per-ticket statistics of the profile cells (counts, outcomes, wait mean and quantiles,
//! service level), computed in one pass over plain columns with dense cell indices.
//!
//! Why not polars `group_by`: on ten million tickets, grouping by the string keys four times
//! (weekday × hour, slot, day, month; each per service and for all services) cost most of the
//! profile's time. The cells are few and their keys small integers, so a dense index per table
//! and a vector of waits per cell do the same work several times faster. The semantics are those
//! of the polars expressions they replace (tested against them in `tests.rs`).

use polars::prelude::*;

use crate::schema::{Channel, Outcome, col};
use crate::stats::quantile_sorted;
use crate::store::columns::{dict_codes, parsed};

/// The service value of rows that cover all services.
pub const ALL_SERVICES: &str = "*";

/// The key column of the 15-minute slot of the day (0–95).
pub const SLOT: &str = "slot";

/// The window's tickets as plain columns, aligned row by row.
#[derive(Default)]
pub struct WindowRows {
    pub offices: Vec<String>,
    pub services: Vec<String>,
    pub office: Vec<u32>,
    pub service: Vec<u32>,
    pub channel: Vec<Channel>,
    pub outcome: Vec<Outcome>,
    pub date: Vec<i32>,
    pub weekday: Vec<i32>,
    pub hour: Vec<i32>,
    pub slot: Vec<i32>,
    pub year: Vec<i32>,
    pub month: Vec<i32>,
    pub wait_s: Vec<Option<i64>>,
    pub service_s: Vec<Option<i64>>,
}

impl WindowRows {
    /// Reads the columns of a collected window (names as in the store, `slot` = minute / 15).
    pub fn from_frame(df: &DataFrame, slot: &str) -> PolarsResult<WindowRows> {
        let mut rows = WindowRows::default();
        rows.append_frame(df, slot)?;
        Ok(rows)
    }

    /// Appends the rows of a collected frame, extending the dictionaries.
    pub fn append_frame(&mut self, df: &DataFrame, slot: &str) -> PolarsResult<()> {
        let bad = |what: &str| PolarsError::ComputeError(format!("stored {what} is invalid").into());
        let ints = |name: &str, out: &mut Vec<i32>| -> PolarsResult<()> {
            for v in df.column(name)?.cast(&DataType::Int32)?.i32()?.iter() {
                out.push(v.ok_or_else(|| bad(name))?);
            }
            Ok(())
        };
        let opt64 = |name: &str, out: &mut Vec<Option<i64>>| -> PolarsResult<()> {
            out.extend(df.column(name)?.cast(&DataType::Int64)?.i64()?.iter());
            Ok(())
        };
        for c in dict_codes(df.column(col::OFFICE_ID)?.str()?, &mut self.offices)? {
            self.office.push(c.ok_or_else(|| bad(col::OFFICE_ID))?);
        }
        for c in dict_codes(df.column(col::SERVICE)?.str()?, &mut self.services)? {
            self.service.push(c.ok_or_else(|| bad(col::SERVICE))?);
        }
        self.channel.extend(parsed(df.column(col::CHANNEL)?.str()?, Channel::parse, || bad(col::CHANNEL))?);
        self.outcome.extend(parsed(df.column(col::OUTCOME)?.str()?, Outcome::parse, || bad(col::OUTCOME))?);
        ints(col::LOCAL_DATE, &mut self.date)?;
        ints(col::WEEKDAY, &mut self.weekday)?;
        ints(col::HOUR, &mut self.hour)?;
        ints(slot, &mut self.slot)?;
        ints(col::YEAR, &mut self.year)?;
        ints(col::MONTH, &mut self.month)?;
        opt64(col::WAIT_S, &mut self.wait_s)?;
        opt64(col::SERVICE_S, &mut self.service_s)
    }

    pub fn len(&self) -> usize {
        self.office.len()
    }

    pub fn is_empty(&self) -> bool {
        self.office.is_empty()
    }
}

/// One integer key column of a cell table: its output name, dtype and per-row values.
pub struct Key<'a> {
    pub name: &'a str,
    pub dtype: DataType,
    pub values: &'a [i32],
}

/// Running statistics of one cell. Its waits sit in the table's one wait buffer, at
/// `waits_at .. waits_at + waits` (see [`aggregate`]).
#[derive(Default, Clone)]
struct Acc {
    tickets: u32,
    walk_in: u32,
    appointment: u32,
    served: u32,
    no_show: u32,
    cancelled: u32,
    waits: u32,
    waits_at: usize,
    waited_within: u32,
    service_sum_min: f64,
    service_n: u32,
}

impl Acc {
    /// Counts row `i` (its wait is placed in the buffer by a second pass).
    fn add(&mut self, rows: &WindowRows, i: usize, service_level_s: f64) {
        self.tickets += 1;
        match rows.channel[i] {
            Channel::WalkIn => self.walk_in += 1,
            Channel::Appointment => self.appointment += 1,
        }
        match rows.outcome[i] {
            Outcome::Served => self.served += 1,
            Outcome::NoShow => self.no_show += 1,
            Outcome::Cancelled => self.cancelled += 1,
        }
        if let Some(w) = rows.wait_s[i] {
            self.waits += 1;
            self.waited_within += u32::from(w as f64 <= service_level_s);
        }
        if let Some(s) = rows.service_s[i] {
            self.service_sum_min += s as f64 / 60.0;
            self.service_n += 1;
        }
    }
}

/// Aggregates the rows by `office × keys` (and, with `per_service`, additionally by service,
/// stacked with the all-services rows whose service is `*`). Columns: `office_id`, [`service`],
/// the keys, `tickets`, [outcome counts], wait mean/median/p90 and service mean in minutes,
/// `service_level` (share of called tickets that waited at most `service_level_s`). Only
/// cells with tickets appear; rows are ordered by office, service code order, then keys.
pub fn aggregate(
    rows: &WindowRows,
    keys: &[Key],
    per_service: bool,
    with_outcomes: bool,
    service_level_s: f64,
) -> PolarsResult<DataFrame> {
    let n_services = if per_service { rows.services.len() + 1 } else { 1 };
    let ranges: Vec<(i32, usize)> = keys
        .iter()
        .map(|k| {
            let lo = k.values.iter().copied().min().unwrap_or(0);
            let hi = k.values.iter().copied().max().unwrap_or(0);
            (lo, (hi - lo) as usize + 1)
        })
        .collect();
    let key_cells: usize = ranges.iter().map(|r| r.1).product();
    let cells = rows.offices.len() * n_services * key_cells;
    let mut accs: Vec<Acc> = vec![Acc::default(); cells];
    let cell_of = |i: usize| {
        let mut k = 0usize;
        for (key, (lo, len)) in keys.iter().zip(&ranges) {
            k = k * len + (key.values[i] - lo) as usize;
        }
        // Service index 0 is "all services"; service code s is index s + 1.
        let base = rows.office[i] as usize * n_services;
        let service = per_service.then(|| (base + rows.service[i] as usize + 1) * key_cells + k);
        (base * key_cells + k, service)
    };
    for i in 0..rows.len() {
        let (all, service) = cell_of(i);
        accs[all].add(rows, i, service_level_s);
        if let Some(s) = service {
            accs[s].add(rows, i, service_level_s);
        }
    }
    // The waits of all cells in one buffer, cell after cell (no vector per cell): a second pass
    // puts each wait, in whole seconds, at its cell's next free place.
    let mut next = 0usize;
    for acc in &mut accs {
        acc.waits_at = next;
        next += acc.waits as usize;
    }
    let mut waits = vec![0i64; next];
    let mut fill: Vec<usize> = accs.iter().map(|a| a.waits_at).collect();
    for i in 0..rows.len() {
        let Some(w) = rows.wait_s[i] else { continue };
        let (all, service) = cell_of(i);
        for cell in std::iter::once(all).chain(service) {
            waits[fill[cell]] = w;
            fill[cell] += 1;
        }
    }
    frame(rows, keys, &ranges, &accs, &mut waits, n_services, per_service, with_outcomes)
}

#[allow(clippy::too_many_arguments)]
fn frame(
    rows: &WindowRows,
    keys: &[Key],
    ranges: &[(i32, usize)],
    accs: &[Acc],
    waits: &mut [i64],
    n_services: usize,
    per_service: bool,
    with_outcomes: bool,
) -> PolarsResult<DataFrame> {
    let key_cells: usize = ranges.iter().map(|r| r.1).product();
    let mut office = Vec::new();
    let mut service = Vec::new();
    let mut key_values: Vec<Vec<i32>> = vec![Vec::new(); keys.len()];
    let mut counts: [Vec<u32>; 6] = Default::default();
    let mut floats: [Vec<Option<f64>>; 5] = Default::default();
    // One cell's waits in minutes, ascending (reused from cell to cell).
    let mut waits_min: Vec<f64> = Vec::new();
    for (cell, acc) in accs.iter().enumerate() {
        if acc.tickets == 0 {
            continue;
        }
        let (group, mut k) = (cell / key_cells, cell % key_cells);
        office.push(rows.offices[group / n_services].as_str());
        let s = group % n_services;
        service.push(if s == 0 { ALL_SERVICES } else { rows.services[s - 1].as_str() });
        for (j, (lo, len)) in ranges.iter().enumerate().rev() {
            key_values[j].push(lo + (k % len) as i32);
            k /= len;
        }
        for (v, c) in counts.iter_mut().zip([
            acc.tickets,
            acc.walk_in,
            acc.appointment,
            acc.served,
            acc.no_show,
            acc.cancelled,
        ]) {
            v.push(c);
        }
        // Seconds sort as their minutes do (w / 60 is monotonic), and integers sort faster.
        let cell_waits = &mut waits[acc.waits_at..acc.waits_at + acc.waits as usize];
        cell_waits.sort_unstable();
        waits_min.clear();
        waits_min.extend(cell_waits.iter().map(|&w| w as f64 / 60.0));
        let n = waits_min.len();
        // Summed in ascending order, as ever: the mean's last bit depends on the order.
        let mean = (n > 0).then(|| waits_min.iter().sum::<f64>() / n as f64);
        floats[0].push(mean);
        floats[1].push(quantile_sorted(&waits_min, 0.5));
        floats[2].push(quantile_sorted(&waits_min, 0.9));
        floats[3].push((acc.service_n > 0).then(|| acc.service_sum_min / acc.service_n as f64));
        floats[4].push((n > 0).then(|| acc.waited_within as f64 / n as f64));
    }
    let height = office.len();
    let mut columns = vec![Column::new(col::OFFICE_ID.into(), office)];
    if per_service {
        columns.push(Column::new(col::SERVICE.into(), service));
    }
    for (key, values) in keys.iter().zip(key_values) {
        columns.push(Column::new(key.name.into(), values).cast(&key.dtype)?);
    }
    let [tickets, walk_in, appointment, served, no_show, cancelled] = counts;
    columns.push(Column::new("tickets".into(), tickets));
    if with_outcomes {
        for (name, v) in [
            (Channel::WalkIn.as_str(), walk_in),
            (Channel::Appointment.as_str(), appointment),
            (Outcome::Served.as_str(), served),
            (Outcome::NoShow.as_str(), no_show),
            (Outcome::Cancelled.as_str(), cancelled),
        ] {
            columns.push(Column::new(name.into(), v));
        }
    }
    let names = ["wait_mean_min", "wait_median_min", "wait_p90_min", "service_mean_min", "service_level"];
    for (name, v) in names.iter().zip(floats) {
        columns.push(Column::new((*name).into(), v));
    }
    DataFrame::new(height, columns)
}

/// Open days per office and ISO weekday: distinct local dates with tickets.
pub fn open_days(rows: &WindowRows) -> PolarsResult<DataFrame> {
    // Rows come grouped by office-day, so only changes of (office, date) need the set.
    let mut seen = std::collections::BTreeSet::new();
    let mut last = None;
    for i in 0..rows.len() {
        let key = (rows.office[i], rows.weekday[i], rows.date[i]);
        if last != Some(key) {
            seen.insert(key);
            last = Some(key);
        }
    }
    let mut counts: std::collections::BTreeMap<(u32, i32), u32> = std::collections::BTreeMap::new();
    for (office, weekday, _) in seen {
        *counts.entry((office, weekday)).or_default() += 1;
    }
    let office: Vec<&str> = counts.keys().map(|(o, _)| rows.offices[*o as usize].as_str()).collect();
    let weekday: Vec<i32> = counts.keys().map(|(_, w)| *w).collect();
    let days: Vec<u32> = counts.values().copied().collect();
    DataFrame::new(
        office.len(),
        vec![
            Column::new(col::OFFICE_ID.into(), office),
            Column::new(col::WEEKDAY.into(), weekday),
            Column::new("open_days".into(), days),
        ],
    )
}

#[cfg(test)]
mod polars_oracle;
#[cfg(test)]
mod tests;
