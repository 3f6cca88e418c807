//! `offices/<office_id>.json` for the app (schema: `schemas/office.schema.json`): opening hours,
//! the coming days' slot forecasts with levels and expected waits, best times, the public
//! weekday × hour profile and the model card. Aggregates only: no ticket appears in it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::export::report::ModelCardJson;
use crate::forecast::best_times::{best_times_by_weekday, best_times_for_day, day_rows};
use crate::forecast::history::ALL;
use crate::forecast::opening::intervals;
use crate::forecast::{BestSlot, ForecastRun, SlotForecast, wait_bucket};
use crate::planning::slot_waits::SlotWait;
use crate::planning::wait_method::WaitChoice;
use crate::profile::HourCell;
use crate::slots::{SLOTS, slot_start};

/// Version of the office file layout.
pub const OFFICE_SCHEMA_VERSION: u32 = 1;

/// Expected waits of one office: how they were made, and date → 96 slots (open forecast days
/// only).
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeWaits {
    pub choice: WaitChoice,
    pub days: BTreeMap<NaiveDate, Vec<SlotWait>>,
}

/// The office document.
#[derive(Debug, Clone, Serialize)]
pub struct OfficeDoc<'a> {
    pub schema_version: u32,
    pub office_id: &'a str,
    pub forecast: ForecastSummary,
    pub opening_hours: Vec<OpeningDay>,
    pub days: Vec<DayDoc>,
    pub best_times_by_weekday: Vec<WeekdayBestDoc>,
    pub profile: ProfileDoc,
    pub model: &'a ModelCardJson,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForecastSummary {
    pub origin: NaiveDate,
    pub days: u32,
    pub history_first: NaiveDate,
    pub history_last: NaiveDate,
    pub method: Option<&'static str>,
    /// What produced the slots' `wait_p50_min`/`wait_p90_min`: `simulation` (the forecast day
    /// simulated) or `history` (the same weekday × slot's waits of the last weeks), whichever
    /// did better in the slot-wait backtest.
    pub wait_method: &'static str,
}

/// Opening hours of one ISO weekday.
#[derive(Debug, Clone, Serialize)]
pub struct OpeningDay {
    pub weekday: usize,
    pub hours: Vec<String>,
    pub source: &'static str,
}

/// One forecast day: closed with its reason, or its open slots with waits and best times.
#[derive(Debug, Clone, Serialize)]
pub struct DayDoc {
    pub date: NaiveDate,
    pub weekday: u32,
    pub open: bool,
    pub closed_reason: Option<String>,
    pub expected_tickets: Option<f64>,
    pub best_times: Vec<BestDoc>,
    pub slots: Vec<SlotDoc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlotDoc {
    pub slot: u8,
    pub start: String,
    pub expected: Option<f64>,
    pub p10: Option<f64>,
    pub p90: Option<f64>,
    pub level: &'static str,
    pub wait_p50_min: Option<f64>,
    pub wait_p90_min: Option<f64>,
    pub wait_bucket: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BestDoc {
    pub slot: u8,
    pub start: String,
    pub wait_p50_min: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeekdayBestDoc {
    pub weekday: u8,
    pub best_times: Vec<BestDoc>,
}

/// The public weekday × hour profile of the office.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileDoc {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub min_cell_tickets: u32,
    /// Values rounded to 2 decimals, null when suppressed.
    pub cells: Vec<HourCell>,
}

/// A float rounded to 2 decimals for the app; `None` (null) when not finite.
fn r2(x: f64) -> Option<f64> {
    x.is_finite().then(|| (x * 100.0).round() / 100.0)
}

/// The whole office document.
pub fn office_doc<'a>(
    run: &ForecastRun,
    office: &'a str,
    waits: &OfficeWaits,
    profile: ProfileDoc,
    model: &'a ModelCardJson,
) -> OfficeDoc<'a> {
    let opening = run.opening.get(office).map(|o| {
        (0..7)
            .map(|w| OpeningDay { weekday: w + 1, hours: intervals(&o.week[w]), source: o.source[w] })
            .collect()
    });
    let days = (0..run.days)
        .filter_map(|i| run.origin.checked_add_days(chrono::Days::new(u64::from(i))))
        .map(|date| day_doc(day_rows(&run.slots, office, ALL, date), date, waits.days.get(&date)))
        .collect();
    OfficeDoc {
        schema_version: OFFICE_SCHEMA_VERSION,
        office_id: office,
        forecast: ForecastSummary {
            origin: run.origin,
            days: run.days,
            history_first: run.history_first,
            history_last: run.history_last,
            method: run.backtest.choices.iter().find(|c| c.office_id == office).map(|c| c.method.as_str()),
            wait_method: waits.choice.method.as_str(),
        },
        opening_hours: opening.unwrap_or_default(),
        days,
        best_times_by_weekday: weekday_best(run, office, waits),
        profile,
        model,
    }
}

/// One forecast day: closed with its reason, or its open slots with waits and best times.
fn day_doc(rows: &[SlotForecast], date: NaiveDate, waits: Option<&Vec<SlotWait>>) -> DayDoc {
    let p50: Option<Vec<f64>> = waits.map(|w| w.iter().map(|s| s.p50_min).collect());
    let open = rows.iter().any(|r| r.open);
    let slots = rows
        .iter()
        .filter(|r| r.open)
        .map(|r| {
            let w = waits.and_then(|w| w.get(usize::from(r.slot)));
            let (p50, p90) = w.map_or((f64::NAN, f64::NAN), |w| (w.p50_min, w.p90_min));
            SlotDoc {
                slot: r.slot,
                start: slot_start(usize::from(r.slot)),
                expected: r2(r.expected),
                p10: r2(r.p10),
                p90: r2(r.p90),
                level: r.level.as_str(),
                wait_p50_min: r2(p50),
                wait_p90_min: r2(p90),
                wait_bucket: p50.is_finite().then(|| wait_bucket(p50).label()),
            }
        })
        .collect();
    DayDoc {
        date,
        weekday: date.weekday().number_from_monday(),
        open,
        // A day without forecast rows (an office with no history before the origin) is closed too.
        closed_reason: rows
            .first()
            .and_then(|r| r.closed_reason.clone())
            .or_else(|| (!open).then(|| "no forecast".to_string())),
        expected_tickets: r2(rows.iter().map(|r| r.expected).sum()),
        best_times: best_times_for_day(rows, p50.as_deref()).iter().map(best_doc).collect(),
        slots,
    }
}

fn best_doc(b: &BestSlot) -> BestDoc {
    BestDoc { slot: b.slot, start: b.start.clone(), wait_p50_min: r2(b.score) }
}

/// Best times per weekday: the open slots with the lowest mean expected wait over the
/// forecast days of that weekday. Slots without a simulated wait on a day (no called arrival)
/// are left out of that day's mean instead of making it unknown.
fn weekday_best(run: &ForecastRun, office: &str, waits: &OfficeWaits) -> Vec<WeekdayBestDoc> {
    let (rows, score): (Vec<SlotForecast>, Vec<f64>) = run
        .slots
        .iter()
        .filter(|r| r.office_id == office && r.service == ALL)
        .filter_map(|r| {
            let w = waits.days.get(&r.date)?.get(usize::from(r.slot))?.p50_min;
            w.is_finite().then(|| (r.clone(), w))
        })
        .unzip();
    best_times_by_weekday(&rows, Some(&score))
        .into_iter()
        .map(|w| WeekdayBestDoc { weekday: w.weekday, best_times: w.slots.iter().map(best_doc).collect() })
        .collect()
}

/// The weekday × hour profile of one office over all services, from the suppressed table's
/// cells: suppressed cells keep weekday and hour, their values are null.
pub fn profile_doc(cells: &[HourCell], from: NaiveDate, to: NaiveDate, k: u32) -> ProfileDoc {
    ProfileDoc { from, to, min_cell_tickets: k, cells: cells.iter().map(|c| c.map_values(r2)).collect() }
}

/// The 96 expected arrivals of an office's all-services forecast on `date`, if it is open.
pub fn open_day_arrivals(run: &ForecastRun, office: &str, date: NaiveDate) -> Option<Vec<f64>> {
    let rows = day_rows(&run.slots, office, ALL, date);
    (rows.len() == SLOTS && rows.iter().any(|r| r.open)).then(|| rows.iter().map(|r| r.expected).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_two_decimals_and_turns_nan_into_null() {
        assert_eq!(r2(1.005_1), Some(1.01));
        assert_eq!(r2(12.345), Some(12.35));
        assert_eq!(r2(f64::NAN), None);
        assert_eq!(r2(f64::INFINITY), None);
    }

    #[test]
    fn a_suppressed_cell_keeps_its_keys_and_nothing_else() {
        let small = HourCell { weekday: Some(1), hour: Some(9), suppressed: true, ..Default::default() };
        let json = serde_json::to_value(small.map_values(r2)).unwrap();
        assert_eq!(json["hour"], 9);
        assert!(["tickets", "wait_p90_min", "utilisation"].iter().all(|n| json[*n].is_null()), "{json}");
    }
}
