//! `offices/<office_id>.json` for the app (schema: `schemas/office.schema.json`): opening hours,
//! the coming days' slot forecasts with levels and expected waits, best times, the public
//! weekday × hour profile and the model card. Aggregates only: no ticket appears in it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use serde_json::{Value, json};

use crate::forecast::best_times::{best_times_by_weekday, best_times_for_day, day_rows};
use crate::forecast::history::ALL;
use crate::forecast::opening::intervals;
use crate::forecast::run::ForecastRun;
use crate::forecast::{BestSlot, SlotForecast, wait_bucket};
use crate::planning::slot_waits::SlotWait;
use crate::slots::{SLOTS, slot_start};

/// Version of the office file layout.
pub const OFFICE_SCHEMA_VERSION: u32 = 1;

/// Expected waits of one office: date → 96 slots (open forecast days only).
pub type OfficeWaits = BTreeMap<NaiveDate, Vec<SlotWait>>;

/// Profile columns published per weekday × hour cell, besides the keys and the flag.
pub const PROFILE_VALUES: [&str; 9] = [
    "open_days",
    "tickets",
    "tickets_per_open_day",
    "wait_mean_min",
    "wait_median_min",
    "wait_p90_min",
    "service_level",
    "avg_waiting",
    "utilisation",
];

/// A float rounded to 2 decimals for the app; `null` when not finite.
fn r2(x: f64) -> Value {
    if x.is_finite() { json!((x * 100.0).round() / 100.0) } else { Value::Null }
}

/// The whole office document.
pub fn office_json(
    run: &ForecastRun,
    office: &str,
    waits: &OfficeWaits,
    profile: Value,
    model: &Value,
) -> Value {
    let opening = run.opening.get(office).map(|o| {
        (0..7)
            .map(|w| json!({"weekday": w + 1, "hours": intervals(&o.week[w]), "source": o.source[w]}))
            .collect::<Vec<_>>()
    });
    let days: Vec<Value> = (0..run.days)
        .filter_map(|i| run.origin.checked_add_days(chrono::Days::new(u64::from(i))))
        .map(|date| day_json(day_rows(&run.slots, office, ALL, date), date, waits.get(&date)))
        .collect();
    json!({
        "schema_version": OFFICE_SCHEMA_VERSION,
        "office_id": office,
        "forecast": {
            "origin": run.origin.to_string(),
            "days": run.days,
            "history_first": run.history_first.to_string(),
            "history_last": run.history_last.to_string(),
            "method": run.backtest.choices.iter().find(|c| c.office_id == office).map(|c| c.method.as_str()),
        },
        "opening_hours": opening.unwrap_or_default(),
        "days": days,
        "best_times_by_weekday": weekday_best(run, office, waits),
        "profile": profile,
        "model": model,
    })
}

/// One forecast day: closed with its reason, or its open slots with waits and best times.
fn day_json(rows: &[SlotForecast], date: NaiveDate, waits: Option<&Vec<SlotWait>>) -> Value {
    let p50: Option<Vec<f64>> = waits.map(|w| w.iter().map(|s| s.p50_min).collect());
    let open = rows.iter().any(|r| r.open);
    let slots: Vec<Value> = rows
        .iter()
        .filter(|r| r.open)
        .map(|r| {
            let w = waits.and_then(|w| w.get(usize::from(r.slot)));
            let (p50, p90) = w.map_or((f64::NAN, f64::NAN), |w| (w.p50_min, w.p90_min));
            json!({
                "slot": r.slot,
                "start": slot_start(usize::from(r.slot)),
                "expected": r2(r.expected),
                "p10": r2(r.p10),
                "p90": r2(r.p90),
                "level": r.level.as_str(),
                "wait_p50_min": r2(p50),
                "wait_p90_min": r2(p90),
                "wait_bucket": p50.is_finite().then(|| wait_bucket(p50).label()),
            })
        })
        .collect();
    let best: Vec<Value> = best_times_for_day(rows, p50.as_deref()).iter().map(best_json).collect();
    json!({
        "date": date.to_string(),
        "weekday": date.weekday().number_from_monday(),
        "open": open,
        // A day without forecast rows (an office with no history before the origin) is closed too.
        "closed_reason": rows
            .first()
            .and_then(|r| r.closed_reason.clone())
            .or_else(|| (!open).then(|| "no forecast".to_string())),
        "expected_tickets": r2(rows.iter().map(|r| r.expected).sum()),
        "best_times": best,
        "slots": slots,
    })
}

fn best_json(b: &BestSlot) -> Value {
    json!({"slot": b.slot, "start": b.start, "wait_p50_min": r2(b.score)})
}

/// Best times per weekday: the open slots with the lowest mean expected wait over the
/// forecast days of that weekday. Slots without a simulated wait on a day (no called arrival)
/// are left out of that day's mean instead of making it unknown.
fn weekday_best(run: &ForecastRun, office: &str, waits: &OfficeWaits) -> Vec<Value> {
    let (rows, score): (Vec<SlotForecast>, Vec<f64>) = run
        .slots
        .iter()
        .filter(|r| r.office_id == office && r.service == ALL)
        .filter_map(|r| {
            let w = waits.get(&r.date)?.get(usize::from(r.slot))?.p50_min;
            w.is_finite().then(|| (r.clone(), w))
        })
        .unzip();
    best_times_by_weekday(&rows, Some(&score))
        .into_iter()
        .map(|w| json!({"weekday": w.weekday, "best_times": w.slots.iter().map(best_json).collect::<Vec<_>>()}))
        .collect()
}

/// The weekday × hour profile of one office over all services, from the suppressed
/// `weekday_hour` table: suppressed cells keep weekday and hour, their values are null.
pub fn profile_json(
    weekday_hour: &DataFrame,
    office: &str,
    from: NaiveDate,
    to: NaiveDate,
    k: u32,
) -> PolarsResult<Value> {
    let df = weekday_hour
        .clone()
        .lazy()
        .filter(col("office_id").eq(lit(office)).and(col("service").eq(lit(ALL))))
        .sort(["weekday", "hour"], Default::default())
        .collect()?;
    let int = |name: &str| -> PolarsResult<Vec<Option<i64>>> {
        Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.iter().collect())
    };
    let (weekday, hour) = (int("weekday")?, int("hour")?);
    let suppressed: Vec<Option<bool>> = df.column("suppressed")?.bool()?.iter().collect();
    let mut values = Vec::new();
    for name in PROFILE_VALUES {
        let v: Vec<Option<f64>> = df.column(name)?.cast(&DataType::Float64)?.f64()?.iter().collect();
        values.push((name, v));
    }
    let cells: Vec<Value> = (0..df.height())
        .map(|i| {
            let mut cell = serde_json::Map::new();
            cell.insert("weekday".into(), json!(weekday[i]));
            cell.insert("hour".into(), json!(hour[i]));
            cell.insert("suppressed".into(), json!(suppressed[i].unwrap_or(true)));
            for (name, v) in &values {
                cell.insert((*name).into(), v[i].map_or(Value::Null, r2));
            }
            Value::Object(cell)
        })
        .collect();
    Ok(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "min_cell_tickets": k,
        "cells": cells,
    }))
}

/// The 96 expected arrivals of an office's all-services forecast on `date`, if it is open.
pub fn open_day_arrivals(run: &ForecastRun, office: &str, date: NaiveDate) -> Option<Vec<f64>> {
    let rows = day_rows(&run.slots, office, ALL, date);
    (rows.len() == SLOTS && rows.iter().any(|r| r.open)).then(|| rows.iter().map(|r| r.expected).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A weekday_hour table as profile writes it after suppression (k = 5): one small cell.
    fn table() -> DataFrame {
        let n = 3;
        let mut df = df!(
            "office_id" => ["a", "a", "b"],
            "service" => ["*", "*", "*"],
            "weekday" => [1i8, 1, 1],
            "hour" => [9i8, 8, 8],
            "suppressed" => [true, false, false],
        )
        .unwrap();
        for name in PROFILE_VALUES {
            let v: Vec<Option<f64>> = vec![None, Some(12.345), Some(1.0)];
            df.with_column(Column::new(name.into(), v)).unwrap();
        }
        assert_eq!(df.height(), n);
        df
    }

    #[test]
    fn profile_cells_of_one_office_in_order_with_nulls_for_suppressed() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
        let v = profile_json(&table(), "a", d, d, 5).unwrap();
        let cells = v["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 2);
        assert_eq!((cells[0]["hour"].as_i64(), cells[0]["suppressed"].as_bool()), (Some(8), Some(false)));
        assert_eq!(cells[0]["tickets"], json!(12.35)); // 12.345 → 2 decimals
        assert_eq!(cells[1]["hour"], 9);
        assert!(PROFILE_VALUES.iter().all(|n| cells[1][*n].is_null()));
        assert_eq!(v["min_cell_tickets"], 5);
    }

    #[test]
    fn rounding_keeps_two_decimals_and_turns_nan_into_null() {
        assert_eq!(r2(1.005_1), json!(1.01));
        assert_eq!(r2(f64::NAN), Value::Null);
        assert_eq!(r2(f64::INFINITY), Value::Null);
    }
}
