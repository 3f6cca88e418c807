//! Best times to come: the open slots with the lowest score (expected wait when the slot-wait
//! estimates are given, else expected arrivals), per office and day and per weekday in general.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::forecast::arrivals::SlotForecast;
use crate::slots::{SLOTS, slot_start};

/// How many best slots are reported.
pub const BEST_COUNT: usize = 3;

/// One recommended slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestSlot {
    pub slot: u8,
    /// `HH:MM`.
    pub start: String,
    /// The score it was chosen by (minutes of expected wait, or expected arrivals).
    pub score: f64,
}

/// Best slots of one office on one date (or, for [`best_times_by_weekday`], one ISO weekday).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekdayBest {
    pub office_id: String,
    /// ISO weekday, 1 = Monday.
    pub weekday: u8,
    pub slots: Vec<BestSlot>,
}

/// Indices of the `n` open slots with the lowest score; ties go to the earlier slot.
pub fn best_slots(open: &[bool], score: &[f64], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> =
        (0..open.len().min(score.len())).filter(|&s| open[s] && score[s].is_finite()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]).then(a.cmp(&b)));
    idx.truncate(n);
    idx
}

/// Best slots of the rows of one office, service group and date (in slot order, 96 rows).
/// `waits` are expected waits per slot of that day in minutes; without them the expected
/// arrivals are the score.
pub fn best_times_for_day(day: &[SlotForecast], waits: Option<&[f64]>) -> Vec<BestSlot> {
    let open: Vec<bool> = day.iter().map(|r| r.open).collect();
    let arrivals: Vec<f64> = day.iter().map(|r| r.expected).collect();
    let score = waits.filter(|w| w.len() == day.len()).unwrap_or(&arrivals);
    best_slots(&open, score, BEST_COUNT)
        .into_iter()
        .map(|s| BestSlot { slot: day[s].slot, start: slot_start(usize::from(day[s].slot)), score: score[s] })
        .collect()
}

/// Best slots per office and weekday over all forecast days of the all-services group: the
/// score of a weekday's slot is its mean over the open days of that weekday. `waits`, if given,
/// run parallel to `rows`.
pub fn best_times_by_weekday(rows: &[SlotForecast], waits: Option<&[f64]>) -> Vec<WeekdayBest> {
    let waits = waits.filter(|w| w.len() == rows.len());
    // (office, weekday) → per slot (sum of scores, open days)
    let mut cells: BTreeMap<(&str, u8), Vec<(f64, usize)>> = BTreeMap::new();
    for (i, r) in
        rows.iter().enumerate().filter(|(_, r)| r.service == crate::forecast::history::ALL && r.open)
    {
        let weekday = r.date.weekday().number_from_monday() as u8;
        let cell = cells.entry((r.office_id.as_str(), weekday)).or_insert_with(|| vec![(0.0, 0); SLOTS]);
        let score = waits.map_or(r.expected, |w| w[i]);
        let c = &mut cell[usize::from(r.slot).min(SLOTS - 1)];
        *c = (c.0 + score, c.1 + 1);
    }
    cells
        .into_iter()
        .map(|((office, weekday), cell)| {
            let open: Vec<bool> = cell.iter().map(|c| c.1 > 0).collect();
            let mean: Vec<f64> =
                cell.iter().map(|c| if c.1 > 0 { c.0 / c.1 as f64 } else { f64::NAN }).collect();
            let slots = best_slots(&open, &mean, BEST_COUNT)
                .into_iter()
                .map(|s| BestSlot { slot: s as u8, start: slot_start(s), score: mean[s] })
                .collect();
            WeekdayBest { office_id: office.to_string(), weekday, slots }
        })
        .collect()
}

/// The rows of one office and group on one date, if the slice holds them in order.
pub fn day_rows<'a>(
    rows: &'a [SlotForecast],
    office: &str,
    service: &str,
    date: NaiveDate,
) -> &'a [SlotForecast] {
    let start = rows.iter().position(|r| r.office_id == office && r.service == service && r.date == date);
    match start {
        Some(s) => &rows[s..(s + SLOTS).min(rows.len())],
        None => &[],
    }
}

/// Where each day (office, service group, date) of a slot table starts: the lookups of
/// [`day_rows`] without a scan of the whole table each (a county's table has millions of rows
/// and is looked up once per office and day).
#[derive(Debug, Clone)]
pub struct DayIndex<'a> {
    rows: &'a [SlotForecast],
    start: HashMap<(&'a str, &'a str, NaiveDate), usize>,
    /// First and last row of each office and service group.
    span: HashMap<(&'a str, &'a str), (usize, usize)>,
}

impl<'a> DayIndex<'a> {
    /// Indexes `rows` in one pass; the first row of a key is its day's start, as for [`day_rows`].
    pub fn new(rows: &'a [SlotForecast]) -> DayIndex<'a> {
        let same_series =
            |a: &SlotForecast, b: &SlotForecast| a.office_id == b.office_id && a.service == b.service;
        let (mut start, mut span) = (HashMap::new(), HashMap::<_, (usize, usize)>::new());
        let mut run_start = 0;
        for (i, r) in rows.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| &rows[p]);
            if prev.is_none_or(|p| !same_series(p, r)) {
                run_start = i;
            }
            if prev.is_none_or(|p| !same_series(p, r) || p.date != r.date) {
                start.entry((r.office_id.as_str(), r.service.as_str(), r.date)).or_insert(i);
            }
            // The end of a run of one series: the series spans from its first run's start.
            if rows.get(i + 1).is_none_or(|n| !same_series(n, r)) {
                let key = (r.office_id.as_str(), r.service.as_str());
                span.entry(key).and_modify(|s| s.1 = i).or_insert((run_start, i));
            }
        }
        DayIndex { rows, start, span }
    }

    /// The rows from the first to the last row of `office` and `service` (all of them, in
    /// table order; rows of other series only where the table interleaves them).
    pub fn series(&self, office: &str, service: &str) -> &'a [SlotForecast] {
        match self.span.get(&(office, service)) {
            Some(&(first, last)) => &self.rows[first..=last],
            None => &[],
        }
    }

    /// The same rows as [`day_rows`] on the indexed table.
    pub fn day(&self, office: &str, service: &str, date: NaiveDate) -> &'a [SlotForecast] {
        match self.start.get(&(office, service, date)) {
            Some(&s) => &self.rows[s..(s + SLOTS).min(self.rows.len())],
            None => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::arrivals::Method;
    use crate::forecast::levels::Level;

    fn rows(date: NaiveDate, expected: &[(usize, f64)]) -> Vec<SlotForecast> {
        (0..SLOTS)
            .map(|s| {
                let e = expected.iter().find(|(i, _)| *i == s).map(|&(_, v)| v);
                SlotForecast {
                    office_id: "a".into(),
                    service: "*".into(),
                    date,
                    slot: s as u8,
                    horizon_days: 1,
                    open: e.is_some(),
                    closed_reason: None,
                    expected: e.unwrap_or(0.0),
                    p10: 0.0,
                    p90: 0.0,
                    method: Method::Baseline,
                    level: Level::Low,
                }
            })
            .collect()
    }

    #[test]
    fn lowest_open_slots_with_ties_to_the_earlier() {
        assert_eq!(best_slots(&[true, false, true, true, true], &[3.0, 0.0, 1.0, 3.0, 2.0], 3), [2, 4, 0]);
        assert_eq!(best_slots(&[false, true], &[1.0, 2.0], 3), [1]);
        let mon = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
        let day = rows(mon, &[(32, 5.0), (33, 2.0), (34, 9.0), (35, 2.0), (36, 1.0)]);
        let got: Vec<(u8, String)> =
            best_times_for_day(&day, None).into_iter().map(|b| (b.slot, b.start)).collect();
        assert_eq!(got, [(36, "09:00".into()), (33, "08:15".into()), (35, "08:45".into())]);
        // With waits the waits decide (the closed slot 0 never counts).
        let mut waits = vec![0.0; SLOTS];
        waits[32] = 1.0;
        waits[33] = 30.0;
        waits[34] = 2.0;
        waits[35] = 40.0;
        waits[36] = 50.0;
        let got: Vec<u8> = best_times_for_day(&day, Some(&waits)).into_iter().map(|b| b.slot).collect();
        assert_eq!(got, [32, 34, 33]);
        assert_eq!(day_rows(&day, "a", "*", mon).len(), SLOTS);
    }

    #[test]
    fn the_index_finds_the_rows_the_scan_finds() {
        let mon = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
        let tue = mon.succ_opt().unwrap();
        let with = |office: &str, service: &str, mut day: Vec<SlotForecast>| {
            day.iter_mut().for_each(|r| (r.office_id, r.service) = (office.into(), service.into()));
            day
        };
        let mut table = Vec::new();
        for office in ["a", "b"] {
            for service in ["*", "PA"] {
                table.extend(with(office, service, rows(mon, &[(32, 1.0)])));
                table.extend(with(office, service, rows(tue, &[(40, 2.0)])));
            }
        }
        // A short day at the end: both give what is there.
        table.extend(with("c", "*", rows(mon, &[])).into_iter().take(10));
        let index = DayIndex::new(&table);
        for office in ["a", "b", "c", "x"] {
            for service in ["*", "PA", "AN"] {
                for date in [mon, tue] {
                    let (got, want) =
                        (index.day(office, service, date), day_rows(&table, office, service, date));
                    let at = |d: &[SlotForecast]| (d.len(), d.first().map(|r| r as *const SlotForecast));
                    assert_eq!(at(got), at(want), "{office} {service} {date}");
                }
            }
        }
        assert_eq!(index.day("b", "PA", tue).len(), SLOTS);
        assert_eq!(index.day("b", "PA", tue)[0].office_id, "b");
        assert_eq!(index.day("c", "*", mon).len(), 10);
        assert!(index.day("x", "*", mon).is_empty());
        let pa_of_b: Vec<&SlotForecast> =
            table.iter().filter(|r| r.office_id == "b" && r.service == "PA").collect();
        let series: Vec<&SlotForecast> = index.series("b", "PA").iter().collect();
        assert_eq!(series, pa_of_b);
        assert!(index.series("x", "*").is_empty());
        // Interleaved: the span reaches from the first to the last row of the series.
        let mut mixed = with("a", "*", rows(mon, &[]));
        mixed.extend(with("b", "*", rows(mon, &[])));
        mixed.extend(with("a", "*", rows(tue, &[])));
        let index = DayIndex::new(&mixed);
        assert_eq!(index.series("a", "*").len(), 3 * SLOTS);
        assert_eq!(index.day("a", "*", tue)[0].date, tue);
    }

    #[test]
    fn weekday_best_averages_over_dates() {
        let mon1 = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
        let mon2 = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        let mut all = rows(mon1, &[(32, 4.0), (33, 0.0), (34, 3.0), (35, 5.0)]);
        all.extend(rows(mon2, &[(32, 0.0), (33, 6.0), (34, 3.0), (35, 5.0)]));
        // means: 32 → 2, 33 → 3, 34 → 3, 35 → 5
        let best = best_times_by_weekday(&all, None);
        assert_eq!(best.len(), 1);
        assert_eq!(best[0].weekday, 1);
        let got: Vec<(u8, f64)> = best[0].slots.iter().map(|b| (b.slot, b.score)).collect();
        assert_eq!(got, [(32, 2.0), (33, 3.0), (34, 3.0)]);
    }
}
