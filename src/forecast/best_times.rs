//! Best times to come: the open slots with the lowest score (expected wait when the slot-wait
//! estimates are given, else expected arrivals), per office and day and per weekday in general.

use std::collections::BTreeMap;

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
