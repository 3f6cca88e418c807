//! `queuecast forecast`: counts the history, backtests the methods, picks one per office and
//! forecasts every office, service group, day and 15-minute slot of the horizon.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::forecast::ForecastError;
use crate::forecast::arrival_backtest::{self, ArrivalBacktest};
use crate::forecast::arrivals::{Forecaster, Method, SlotForecast};
use crate::forecast::calendar_days::{Calendar, DayInfo};
use crate::forecast::calendar_model::CalendarModel;
use crate::forecast::history::ArrivalHistory;
use crate::forecast::inputs::OfficeInputs;
use crate::forecast::levels::{Level, level_of, level_thresholds};
use crate::forecast::opening::{OfficeOpening, SlotMask};
use crate::settings::{ForecastSettings, ValidSettings};
use crate::slots::SLOTS;
use crate::store::Store;
use crate::store::columns::{TicketColumns, load_columns};

/// Level thresholds of one series (office × service group).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelThresholds {
    pub office_id: String,
    pub service: String,
    pub low_max: f64,
    pub medium_max: f64,
}

/// Everything one forecast run produced.
#[derive(Debug, Clone)]
pub struct ForecastRun {
    /// First forecast day.
    pub origin: NaiveDate,
    pub days: u32,
    pub history_first: NaiveDate,
    pub history_last: NaiveDate,
    /// Ordered by office, service group (`*` first), date, slot; 96 slots per day.
    pub slots: Vec<SlotForecast>,
    pub backtest: ArrivalBacktest,
    pub opening: BTreeMap<String, OfficeOpening>,
    pub thresholds: Vec<LevelThresholds>,
    /// The all-services calendar model of each office, as fitted for the forecast.
    pub models: BTreeMap<String, Option<CalendarModel>>,
}

/// Forecasts `forecast.days` days from `from` (default: the day after the newest stored day),
/// using only tickets before `from`.
pub fn run(
    store: &Store,
    settings: &ValidSettings,
    from: Option<NaiveDate>,
) -> Result<ForecastRun, ForecastError> {
    let to = from.and_then(|f| f.pred_opt());
    let cols = load_columns(store, None, to, false)?;
    run_on_columns(&cols, settings, from)
}

/// [`run`] on tickets already loaded (rows on or after `from` are ignored).
pub fn run_on_columns(
    cols: &TicketColumns,
    settings: &ValidSettings,
    from: Option<NaiveDate>,
) -> Result<ForecastRun, ForecastError> {
    let (tz, days) = (settings.tz(), settings.forecast.days);
    let newest = cols.date_range().map(|(_, last)| last);
    let origin = match (from, newest) {
        (Some(f), _) => f,
        (None, Some(last)) => last.succ_opt().unwrap_or(last),
        (None, None) => return Err(ForecastError::Empty("the end of the store".into())),
    };
    let history = ArrivalHistory::from_columns(cols, tz, origin)
        .ok_or_else(|| ForecastError::Empty(origin.to_string()))?;
    let fs = &settings.forecast;
    let calendar = Calendar::from_settings(fs)?;
    let inputs: Vec<OfficeInputs> = history
        .offices
        .iter()
        .map(|h| OfficeInputs::new(h.clone(), &history, &calendar, fs))
        .collect::<Result<_, _>>()?;
    let backtest = arrival_backtest::run(&inputs, fs.backtest_weeks as usize);
    let mut out = ForecastRun {
        origin,
        days,
        history_first: history.first,
        history_last: history.last(),
        slots: Vec::new(),
        backtest,
        opening: BTreeMap::new(),
        thresholds: Vec::new(),
        models: BTreeMap::new(),
    };
    // Offices are independent: forecast on the available cores, appended in office order.
    let per_office =
        crate::parallel::map_in_order(&inputs, |office| forecast_office(office, &calendar, fs, &out));
    for (office, f) in inputs.iter().zip(per_office) {
        out.slots.extend(f.slots);
        out.thresholds.extend(f.thresholds);
        out.models.insert(office.office.clone(), f.model);
        out.opening.insert(office.office.clone(), f.opening);
    }
    Ok(out)
}

/// The forecast of one office: its rows (every service group), level thresholds, fitted
/// all-services model and opening hours.
struct OfficeForecast {
    slots: Vec<SlotForecast>,
    thresholds: Vec<LevelThresholds>,
    model: Option<CalendarModel>,
    opening: OfficeOpening,
}

/// The rows of every service group of one office; `run` gives the origin, horizon and the
/// backtest's method choice.
fn forecast_office(
    office: &OfficeInputs,
    calendar: &Calendar,
    fs: &ForecastSettings,
    run: &ForecastRun,
) -> OfficeForecast {
    let opening = office.learn_opening(office.days.len());
    let mut out = OfficeForecast { slots: Vec::new(), thresholds: Vec::new(), model: None, opening };
    let method = run
        .backtest
        .choices
        .iter()
        .find(|c| c.office_id == office.office)
        .map_or(Method::Baseline, |c| c.method);
    let targets: Vec<(DayInfo, SlotMask, Option<String>)> = (0..run.days)
        .filter_map(|i| run.origin.checked_add_days(Days::new(u64::from(i))))
        .map(|date| {
            let info = calendar.day(&office.office, date);
            let mask = *out.opening.on(info.weekday);
            let reason = info
                .closed_reason()
                .or_else(|| mask.iter().all(|&m| !m).then(|| "weekday closed".to_string()));
            let open = if reason.is_some() { [false; SLOTS] } else { mask };
            (info, open, reason)
        })
        .collect();
    for (g, group) in office.groups.iter().enumerate() {
        let f = Forecaster::new(office.series(g), &office.days, run.origin, &office.params);
        if g == 0 {
            out.model = f.model().cloned();
        }
        let first_row = out.slots.len();
        for (info, open, reason) in &targets {
            let expected = f.expected(method, info, open);
            let horizon = (info.date - run.origin).num_days().max(0) as u32 + 1;
            for s in 0..SLOTS {
                let (p10, p90) = f.interval(expected[s]);
                out.slots.push(SlotForecast {
                    office_id: office.office.clone(),
                    service: group.clone(),
                    date: info.date,
                    slot: s as u8,
                    horizon_days: horizon,
                    open: open[s],
                    closed_reason: reason.clone(),
                    expected: expected[s],
                    p10,
                    p90,
                    method,
                    level: Level::Closed,
                });
            }
        }
        assign_levels(&mut out.slots[first_row..], fs.level_quantiles, &mut out.thresholds);
    }
    out
}

/// Levels of one series relative to the distribution of its own open slots' expected load.
fn assign_levels(rows: &mut [SlotForecast], q: [f64; 2], thresholds: &mut Vec<LevelThresholds>) {
    let open: Vec<f64> = rows.iter().filter(|r| r.open).map(|r| r.expected).collect();
    let Some(t) = level_thresholds(&open, q) else { return };
    rows.iter_mut().for_each(|r| r.level = level_of(r.expected, r.open, t));
    if let Some(r) = rows.first() {
        thresholds.push(LevelThresholds {
            office_id: r.office_id.clone(),
            service: r.service.clone(),
            low_max: t.0,
            medium_max: t.1,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Channel, Outcome};
    use chrono::{Datelike, TimeZone};
    use chrono_tz::Tz;

    /// Twelve weeks of one office, Monday–Friday, 10 + weekday tickets from 08:00 every 7 minutes.
    fn columns(tz: Tz) -> TicketColumns {
        let mut c = TicketColumns {
            offices: vec!["a".into()],
            services: vec!["PA".into(), "AN".into()],
            ..Default::default()
        };
        let start = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
        for d in 0..84u64 {
            let date = start + Days::new(d);
            let w = date.weekday().num_days_from_monday();
            if w >= 5 {
                continue;
            }
            for k in 0..(10 + w) {
                let local = date.and_hms_opt(8, 0, 0).unwrap() + chrono::Duration::minutes(7 * i64::from(k));
                c.office.push(0);
                c.date.push(date);
                c.ticket_id.push(format!("A{k:03}"));
                c.service.push((k % 2) as u16);
                c.channel.push(Channel::WalkIn);
                c.issued.push(tz.from_local_datetime(&local).single().unwrap().timestamp_millis());
                c.called.push(None);
                c.finished.push(None);
                c.counter.push(None);
                c.outcome.push(Outcome::Cancelled);
            }
        }
        c
    }

    #[test]
    fn from_uses_only_earlier_tickets_and_closes_good_friday() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let mut settings = crate::settings::Settings::default();
        settings.forecast.days = 40;
        let settings = settings.validate().unwrap();
        let full = columns(tz);
        let from = NaiveDate::from_ymd_opt(2025, 3, 17).unwrap();
        let a = run_on_columns(&full, &settings, Some(from)).unwrap();
        let b = run_on_columns(&full.between(NaiveDate::MIN, from), &settings, Some(from)).unwrap();
        assert_eq!(a.slots, b.slots);
        assert_eq!(a.slots.len(), 3 * 40 * SLOTS); // groups *, AN, PA
        assert_eq!((a.origin, a.history_last), (from, NaiveDate::from_ymd_opt(2025, 3, 14).unwrap()));
        let good_friday = NaiveDate::from_ymd_opt(2025, 4, 18).unwrap();
        let on = |date: NaiveDate| a.slots.iter().filter(move |r| r.date == date && r.service == "*");
        assert!(on(good_friday).all(|r| !r.open && r.expected == 0.0 && r.level == Level::Closed));
        assert_eq!(
            on(good_friday).next().and_then(|r| r.closed_reason.clone()).as_deref(),
            Some("public holiday: Karfreitag")
        );
        // An ordinary Monday: tickets at 08:00, 08:07 … 09:03 fill slots 32-36 (3, 2, 2, 2, 1), so
        // those are the learned hours, and a constant series forecasts its 10 tickets.
        let monday: Vec<&SlotForecast> = on(from).collect();
        let open: Vec<u8> = monday.iter().filter(|r| r.open).map(|r| r.slot).collect();
        assert_eq!(open, [32, 33, 34, 35, 36]);
        let total: f64 = monday.iter().map(|r| r.expected).sum();
        assert!((total - 10.0).abs() < 0.05, "{total}");
        assert_eq!(a.opening["a"].on(chrono::Weekday::Sat).iter().filter(|&&o| o).count(), 0);
    }
}
