//! Replayed occupancy of the profile cells: every office-day is replayed (on all cores) and its
//! slot integrals are folded at once into dense sums indexed by office, service, weekday and
//! slot, in integer milliseconds.
//!
//! Why dense integer sums: the cells are few (offices × services × 7 × 96), while one row per
//! office-day, slot and service is ~16 M rows at 85 offices over two years. Integer sums are
//! exact, so neither the order in which days are added nor the number of threads can change a
//! figure; the hour cells are the sums of their four slots.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use polars::prelude::*;

use crate::occupancy::DayOccupancyMs;
use crate::profile::cells::{ALL_SERVICES, SLOT};
use crate::replay::{DayRange, OfficeDay, ReplayParams, WaitBounds, day_ranges};
use crate::schema::col;
use crate::slots::{SLOTS, SLOTS_PER_HOUR, slot_starts};
use crate::store::columns::TicketColumns;
use crate::time::EpochMs;
use crate::timezones::days_since_epoch;

const WEEKDAYS: usize = 7;
const HOURS: usize = SLOTS / SLOTS_PER_HOUR;

/// Occupancy sums per office × ISO weekday × slot (milliseconds, state × milliseconds), with
/// the waiting sums also per service: service index 0 is all services, code `s` is `s + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupancyCells {
    n_offices: usize,
    n_services: usize,
    observed: Vec<i64>,
    active: Vec<i64>,
    busy: Vec<i64>,
    waiting: Vec<i64>,
}

/// The daily figures of one replayed office-day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayFigures {
    pub office: u32,
    pub date: NaiveDate,
    pub max_waiting: u32,
    pub max_active: u32,
    /// Time-averaged active counters over the observed span (`None` if nothing was observed).
    pub mean_active: Option<f64>,
}

/// Seconds as the profile reports them, from exact milliseconds.
fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

impl OccupancyCells {
    pub fn new(n_offices: usize, n_services: usize) -> OccupancyCells {
        let cells = n_offices * WEEKDAYS * SLOTS;
        OccupancyCells {
            n_offices,
            n_services,
            observed: vec![0; cells],
            active: vec![0; cells],
            busy: vec![0; cells],
            waiting: vec![0; cells * (n_services + 1)],
        }
    }

    /// Index of (office, weekday 1–7, slot) in the office-level sums.
    fn at(office: usize, weekday: usize, slot: usize) -> usize {
        (office * WEEKDAYS + weekday - 1) * SLOTS + slot
    }

    /// Index of (office, service index, weekday 1–7, slot) in the waiting sums.
    fn at_service(&self, office: usize, service: usize, weekday: usize, slot: usize) -> usize {
        ((office * (self.n_services + 1) + service) * WEEKDAYS + weekday - 1) * SLOTS + slot
    }

    /// Adds one replayed office-day.
    pub fn add_day(&mut self, office: u32, weekday: usize, occ: &DayOccupancyMs) {
        let o = office as usize;
        let base = Self::at(o, weekday, 0);
        for k in 0..SLOTS {
            self.observed[base + k] += occ.observed[k];
            self.active[base + k] += occ.active[k];
            self.busy[base + k] += occ.busy[k];
        }
        let all = self.at_service(o, 0, weekday, 0);
        for k in 0..SLOTS {
            self.waiting[all + k] += occ.waiting[k];
        }
        for j in 0..self.n_services {
            let at = self.at_service(o, j + 1, weekday, 0);
            for k in 0..SLOTS {
                self.waiting[at + k] += occ.waiting_by_service[k * self.n_services + j];
            }
        }
    }

    /// Adds the sums of `other` (same shape).
    pub fn merge(&mut self, other: &OccupancyCells) {
        let add = |a: &mut Vec<i64>, b: &Vec<i64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.observed, &other.observed);
        add(&mut self.active, &other.active);
        add(&mut self.busy, &other.busy);
        add(&mut self.waiting, &other.waiting);
    }

    /// One row per office × service (and `*`) × weekday × key with observed time, keyed by
    /// `key` (`slot`, or `hour` summing `width` slots): `observed_s`, `waiting_s`, and on the
    /// all-services rows `active_s` and `busy_s` (null on the per-service rows).
    fn frame(
        &self,
        offices: &[String],
        services: &[String],
        key: &str,
        width: usize,
    ) -> PolarsResult<DataFrame> {
        let mut office: Vec<&str> = Vec::new();
        let mut service: Vec<&str> = Vec::new();
        let (mut weekday, mut keys) = (Vec::new(), Vec::new());
        let (mut observed, mut waiting) = (Vec::new(), Vec::new());
        let (mut active, mut busy) = (Vec::new(), Vec::new());
        let sum = |v: &[i64], at: usize| v[at..at + width].iter().sum::<i64>();
        for (o, office_name) in offices.iter().enumerate().take(self.n_offices) {
            for s in 0..=self.n_services {
                for wd in 1..=WEEKDAYS {
                    for k in 0..SLOTS / width {
                        let at = Self::at(o, wd, k * width);
                        let obs = sum(&self.observed, at);
                        if obs <= 0 {
                            continue;
                        }
                        office.push(office_name);
                        service.push(if s == 0 { ALL_SERVICES } else { services[s - 1].as_str() });
                        weekday.push(wd as i32);
                        keys.push(k as i32);
                        observed.push(secs(obs));
                        waiting.push(secs(sum(&self.waiting, self.at_service(o, s, wd, k * width))));
                        active.push((s == 0).then(|| secs(sum(&self.active, at))));
                        busy.push((s == 0).then(|| secs(sum(&self.busy, at))));
                    }
                }
            }
        }
        DataFrame::new(
            office.len(),
            vec![
                Column::new(col::OFFICE_ID.into(), office),
                Column::new(col::SERVICE.into(), service),
                Column::new(col::WEEKDAY.into(), weekday),
                Column::new(key.into(), keys),
                Column::new("observed_s".into(), observed),
                Column::new("waiting_s".into(), waiting),
                Column::new("active_s".into(), active),
                Column::new("busy_s".into(), busy),
            ],
        )
    }

    /// The weekday × 15-minute slot cells (see [`Self::frame`]).
    pub fn slot_frame(&self, offices: &[String], services: &[String]) -> PolarsResult<DataFrame> {
        self.frame(offices, services, SLOT, 1)
    }

    /// The weekday × hour cells: each the sum of its four slots.
    pub fn hour_frame(&self, offices: &[String], services: &[String]) -> PolarsResult<DataFrame> {
        debug_assert_eq!(HOURS * SLOTS_PER_HOUR, SLOTS);
        self.frame(offices, services, col::HOUR, SLOTS_PER_HOUR)
    }
}

/// Replayed occupancy of a window: the cell sums and each office-day's figures.
pub struct Occupancy {
    pub cells: OccupancyCells,
    /// In office-day order of the columns.
    pub days: Vec<DayFigures>,
}

impl Occupancy {
    /// Replays every office-day of `cols` (sorted by office and date) with the wait bounds
    /// learned from `cols`, on the available cores (each thread folds its own share of the days;
    /// integer sums, so the result does not depend on the split).
    pub fn replay(cols: &TicketColumns, tz: Tz, params: ReplayParams) -> Occupancy {
        let bounds = WaitBounds::learn(cols);
        let office_bounds: Vec<i64> = cols.offices.iter().map(|o| bounds.bound_ms(o)).collect();
        let ranges = day_ranges(cols);
        let (n_offices, n_services) = (cols.offices.len(), cols.services.len());
        let fold = |part: &[DayRange]| {
            let mut cells = OccupancyCells::new(n_offices, n_services);
            let mut days = Vec::with_capacity(part.len());
            let mut occ = DayOccupancyMs::new(n_services);
            // Slot bounds per date: the same for every office, and costly (time-zone lookups).
            let mut slot_bounds: HashMap<NaiveDate, Vec<EpochMs>> = HashMap::new();
            for r in part {
                let day =
                    OfficeDay::from_rows(cols, r.clone()).with_max_wait(office_bounds[r.office as usize]);
                let bounds = slot_bounds.entry(day.date).or_insert_with(|| slot_starts(day.date, tz));
                occ.replay_in(&day, bounds, params);
                let weekday = day.date.weekday().number_from_monday() as usize;
                cells.add_day(day.office, weekday, &occ);
                let observed: i64 = occ.observed.iter().sum();
                days.push(DayFigures {
                    office: day.office,
                    date: day.date,
                    max_waiting: occ.max_waiting,
                    max_active: occ.max_active,
                    mean_active: (observed > 0)
                        .then(|| secs(occ.active.iter().sum::<i64>()) / secs(observed)),
                });
            }
            (cells, days)
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = ranges.len().div_ceil(threads).max(1);
        let parts: Vec<(OccupancyCells, Vec<DayFigures>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = ranges.chunks(chunk).map(|part| scope.spawn(move || fold(part))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        });
        let mut cells = OccupancyCells::new(n_offices, n_services);
        let mut days = Vec::with_capacity(ranges.len());
        for (c, d) in parts {
            cells.merge(&c);
            days.extend(d);
        }
        Occupancy { cells, days }
    }

    /// One row per office-day: `office_id`, `local_date`, `max_waiting`, `max_active_counters`,
    /// `mean_active_counters`.
    pub fn days_frame(&self, offices: &[String]) -> PolarsResult<DataFrame> {
        let d = &self.days;
        let office: Vec<&str> = d.iter().map(|x| offices[x.office as usize].as_str()).collect();
        let date: Vec<i32> = d.iter().map(|x| days_since_epoch(x.date)).collect();
        DataFrame::new(
            d.len(),
            vec![
                Column::new(col::OFFICE_ID.into(), office),
                Column::new(col::LOCAL_DATE.into(), date).cast(&DataType::Date)?,
                Column::new("max_waiting".into(), d.iter().map(|x| x.max_waiting).collect::<Vec<_>>()),
                Column::new("max_active_counters".into(), d.iter().map(|x| x.max_active).collect::<Vec<_>>()),
                Column::new(
                    "mean_active_counters".into(),
                    d.iter().map(|x| x.mean_active).collect::<Vec<_>>(),
                ),
            ],
        )
    }
}

#[cfg(test)]
mod tests;
