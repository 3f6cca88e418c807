//! `offices/<office_id>.json` for the app (schema: `schemas/office.schema.json`): opening hours,
//! the coming days' slot forecasts with levels and expected waits, best times, the public
//! weekday × hour profile and the model card. Aggregates only: no ticket appears in it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::export::report::ModelCardJson;
use crate::forecast::best_times::{DayIndex, best_times_by_weekday, best_times_for_day};
use crate::forecast::history::ALL;
use crate::forecast::opening::intervals;
use crate::forecast::{BestSlot, ForecastRun, Level, SlotForecast, wait_bucket};
use crate::planning::slot_waits::SlotWait;
use crate::planning::wait_method::{WaitChoice, WaitMethod};
use crate::profile::HourCell;
use crate::settings::OfficeSettings;
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

/// The office document. One definition of the file's shape: the export writes it, the API
/// (`serve`) reads it back and serves its parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeDoc {
    pub schema_version: u32,
    pub office_id: String,
    /// Public name and postal address from `[offices.<id>]`; null when not set (and absent in
    /// files written before they were added).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    pub forecast: ForecastSummary,
    pub opening_hours: Vec<OpeningDay>,
    pub days: Vec<DayDoc>,
    pub best_times_by_weekday: Vec<WeekdayBestDoc>,
    pub profile: ProfileDoc,
    pub model: ModelCardJson,
}

/// The arrival forecast the days come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSummary {
    pub origin: NaiveDate,
    pub days: u32,
    pub history_first: NaiveDate,
    pub history_last: NaiveDate,
    pub method: Option<String>,
    /// What produced the slots' `wait_p50_min`/`wait_p90_min`: `simulation` (the forecast day
    /// simulated) or `history` (the same weekday × slot's waits of the last weeks), whichever
    /// did better in the slot-wait backtest (absent in files written before the choice).
    #[serde(default)]
    pub wait_method: Option<WaitMethod>,
}

/// Opening hours of one ISO weekday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OpeningDay {
    /// ISO weekday, 1 = Monday.
    pub weekday: u8,
    /// Local intervals `HH:MM-HH:MM`; empty: closed.
    pub hours: Vec<String>,
    /// `learned` from the recent weeks or `settings`.
    pub source: String,
}

/// One forecast day: closed with its reason, or its open slots with waits and best times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DayDoc {
    /// Local date.
    pub date: NaiveDate,
    /// ISO weekday, 1 = Monday.
    pub weekday: u32,
    pub open: bool,
    /// Why the office is closed (holiday, closure, no opening hours); null when open.
    pub closed_reason: Option<String>,
    /// Expected tickets of the day.
    pub expected_tickets: Option<f64>,
    /// The three open slots with the lowest expected wait (p50).
    pub best_times: Vec<BestDoc>,
    /// The open 15-minute slots.
    pub slots: Vec<SlotDoc>,
}

/// One open 15-minute slot of a forecast day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SlotDoc {
    /// Index of the slot of the day, 0 = 00:00 … 95 = 23:45.
    pub slot: u8,
    /// Local start `HH:MM`.
    pub start: String,
    /// Expected tickets issued in the slot, with its p10 and p90.
    pub expected: Option<f64>,
    pub p10: Option<f64>,
    pub p90: Option<f64>,
    /// Load level relative to the office's own open slots (never `closed` here).
    pub level: Level,
    /// Expected wait of a ticket drawn in the slot, minutes (p50, p90); null where the
    /// simulation had no called arrival in it.
    pub wait_p50_min: Option<f64>,
    pub wait_p90_min: Option<f64>,
    /// Label of the 15-minute bucket of `wait_p50_min`, e.g. `15–30 min`.
    pub wait_bucket: Option<String>,
}

/// A slot with a low expected wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BestDoc {
    pub slot: u8,
    pub start: String,
    pub wait_p50_min: Option<f64>,
}

/// The best times of one weekday over the forecast horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeekdayBestDoc {
    pub weekday: u8,
    pub best_times: Vec<BestDoc>,
}

/// The public weekday × hour profile of the office over all services; small cells are
/// suppressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProfileDoc {
    /// Profiled window, local dates.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Cells with fewer tickets are suppressed (values null).
    pub min_cell_tickets: u32,
    /// Values rounded to 2 decimals, null when suppressed.
    pub cells: Vec<HourCell>,
}

impl OfficeDoc {
    /// The document with the office's public name and address from `[offices.<id>]` (null
    /// when not set), as the app and the API show them.
    pub fn with_identity(self, settings: Option<&OfficeSettings>) -> OfficeDoc {
        OfficeDoc {
            name: settings.and_then(|o| o.name.clone()),
            address: settings.and_then(|o| o.address.clone()),
            ..self
        }
    }

    /// The forecast day of `date`, if the horizon has it.
    pub fn day(&self, date: NaiveDate) -> Option<&DayDoc> {
        self.days.iter().find(|d| d.date == date)
    }
}

/// A float rounded to 2 decimals for the app; `None` (null) when not finite.
fn r2(x: f64) -> Option<f64> {
    x.is_finite().then(|| (x * 100.0).round() / 100.0)
}

/// The whole office document (without name and address: see [`OfficeDoc::with_identity`]);
/// `index` indexes `run.slots`.
pub fn office_doc(
    run: &ForecastRun,
    index: &DayIndex<'_>,
    office: &str,
    waits: &OfficeWaits,
    profile: ProfileDoc,
    model: &ModelCardJson,
) -> OfficeDoc {
    let opening = run.opening.get(office).map(|o| {
        (0..7)
            .map(|w| OpeningDay {
                weekday: w as u8 + 1,
                hours: intervals(&o.week[w]),
                source: o.source[w].to_string(),
            })
            .collect()
    });
    let days = (0..run.days)
        .filter_map(|i| run.origin.checked_add_days(chrono::Days::new(u64::from(i))))
        .map(|date| day_doc(index.day(office, ALL, date), date, waits.days.get(&date)))
        .collect();
    OfficeDoc {
        schema_version: OFFICE_SCHEMA_VERSION,
        office_id: office.to_string(),
        name: None,
        address: None,
        forecast: ForecastSummary {
            origin: run.origin,
            days: run.days,
            history_first: run.history_first,
            history_last: run.history_last,
            method: run
                .backtest
                .choices
                .iter()
                .find(|c| c.office_id == office)
                .map(|c| c.method.as_str().to_string()),
            wait_method: Some(waits.choice.method),
        },
        opening_hours: opening.unwrap_or_default(),
        days,
        best_times_by_weekday: weekday_best(index, office, waits),
        profile,
        model: model.clone(),
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
                level: r.level,
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
fn weekday_best(index: &DayIndex<'_>, office: &str, waits: &OfficeWaits) -> Vec<WeekdayBestDoc> {
    let (rows, score): (Vec<SlotForecast>, Vec<f64>) = index
        .series(office, ALL)
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

/// The 96 expected arrivals of an office's all-services forecast on `date`, if it is open
/// (`index`: of the forecast's slots).
pub fn open_day_arrivals(index: &DayIndex<'_>, office: &str, date: NaiveDate) -> Option<Vec<f64>> {
    let rows = index.day(office, ALL, date);
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
