//! Busiest and quietest open hour per office and weekday: the app's "good time to come".
//!
//! Ranked by the mean wait of tickets drawn in that hour (what a citizen arriving then
//! experienced); an hour counts as open when on average at least one ticket was drawn in it
//! per open day, and it is not suppressed. Ties go to the earlier hour.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::profile::cells::ALL_SERVICES;
use crate::schema::col;

#[derive(Debug, Clone, Copy)]
struct Hour {
    hour: i32,
    wait: f64,
    per_day: f64,
    avg_waiting: Option<f64>,
}

/// The columns that key a row of the peaks table.
pub const PEAK_KEYS: [&str; 2] = [col::OFFICE_ID, col::WEEKDAY];

/// Builds the peaks table from a (possibly suppressed) weekday × hour table.
pub fn peaks(weekday_hour: &DataFrame) -> PolarsResult<DataFrame> {
    let all = weekday_hour.clone().lazy().filter(col(col::SERVICE).eq(lit(ALL_SERVICES))).collect()?;
    let office = all.column(col::OFFICE_ID)?.str()?;
    let weekday = all.column(col::WEEKDAY)?.i32()?;
    let hour = all.column(col::HOUR)?.i32()?;
    let wait = all.column("wait_mean_min")?.f64()?;
    let per_day = all.column("tickets_per_open_day")?.f64()?;
    let avg_waiting = all.column("avg_waiting")?.f64()?;
    let mut cells: BTreeMap<(String, i32), Vec<Hour>> = BTreeMap::new();
    for i in 0..all.height() {
        let (Some(o), Some(w), Some(h), Some(m), Some(p)) =
            (office.get(i), weekday.get(i), hour.get(i), wait.get(i), per_day.get(i))
        else {
            continue; // suppressed or without called tickets
        };
        if p >= 1.0 {
            let entry = Hour { hour: h, wait: m, per_day: p, avg_waiting: avg_waiting.get(i) };
            cells.entry((o.to_string(), w)).or_default().push(entry);
        }
    }
    let mut rows = PeakRows::default();
    for ((office, weekday), hours) in cells {
        let busiest = hours.iter().fold(hours[0], |b, h| if h.wait > b.wait { *h } else { b });
        let quietest = hours.iter().fold(hours[0], |q, h| if h.wait < q.wait { *h } else { q });
        rows.office.push(office);
        rows.weekday.push(weekday);
        rows.open_hours.push(hours.len() as u32);
        rows.push(busiest, quietest);
    }
    rows.frame()
}

#[derive(Default)]
struct PeakRows {
    office: Vec<String>,
    weekday: Vec<i32>,
    open_hours: Vec<u32>,
    b_hour: Vec<i32>,
    b_wait: Vec<f64>,
    b_per_day: Vec<f64>,
    b_waiting: Vec<Option<f64>>,
    q_hour: Vec<i32>,
    q_wait: Vec<f64>,
    q_per_day: Vec<f64>,
    q_waiting: Vec<Option<f64>>,
}

impl PeakRows {
    fn push(&mut self, b: Hour, q: Hour) {
        self.b_hour.push(b.hour);
        self.b_wait.push(b.wait);
        self.b_per_day.push(b.per_day);
        self.b_waiting.push(b.avg_waiting);
        self.q_hour.push(q.hour);
        self.q_wait.push(q.wait);
        self.q_per_day.push(q.per_day);
        self.q_waiting.push(q.avg_waiting);
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        let n = self.office.len();
        DataFrame::new(
            n,
            vec![
                Column::new(col::OFFICE_ID.into(), self.office),
                Column::new(col::WEEKDAY.into(), self.weekday),
                Column::new("open_hours".into(), self.open_hours),
                Column::new("busiest_hour".into(), self.b_hour),
                Column::new("busiest_wait_mean_min".into(), self.b_wait),
                Column::new("busiest_tickets_per_open_day".into(), self.b_per_day),
                Column::new("busiest_avg_waiting".into(), self.b_waiting),
                Column::new("quietest_hour".into(), self.q_hour),
                Column::new("quietest_wait_mean_min".into(), self.q_wait),
                Column::new("quietest_tickets_per_open_day".into(), self.q_per_day),
                Column::new("quietest_avg_waiting".into(), self.q_waiting),
            ],
        )
    }
}
