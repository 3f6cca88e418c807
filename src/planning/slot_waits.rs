//! Expected wait per 15-minute slot for someone arriving then: p50 and p90 from simulating the
//! day R times (seeded) with Poisson arrivals at the expected rates, the usual counters per
//! slot and counter times drawn from the office's measured ones; and a backtest of that
//! prediction against the history of the same weekday × slot (its mean, p50 and p90), which
//! [`crate::planning::wait_method`] publishes instead where the simulation does worse.
//!
//! Everyone is one first-come-first-served class that waits as long as it takes; arrivals are
//! the tickets that get called (a forecast of all tickets should be scaled by the office's
//! called share first). The backtest predicts each test day from the weeks before it only.

use std::collections::BTreeMap;

use chrono::Days;
use rand::Rng;
use serde::Serialize;

use crate::planning::OfficeScore;
use crate::planning::queue_sim::{CounterPlan, QueueSimError, SimParams, SimTicket, simulate};
use crate::planning::sim_day::{HistoryDay, ReplayedDays, mean_call_gap};
use crate::random::{day_rng, exponential};
use crate::slots::{SLOTS, slot_index, slot_starts};
use crate::stats::quantile_sorted;
use crate::time::{EpochMs, ms_to_minutes};
use crate::timezones::days_since_epoch;

/// Parameters. | Name | Default | Purpose |
/// | `replications` | 30 | simulated days per prediction |
/// | `seed` | 2025 | random stream (with the office and date) |
/// | `sim` | 30 s call gap | engine parameters (the backtest uses the history's measured call gap) |
/// | `history_weeks` | 8 | weeks before a day used to predict it (backtest) |
/// | `test_weeks` | 8 | last weeks of data backtested |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotWaitParams {
    pub replications: u32,
    pub seed: u64,
    pub sim: SimParams,
    pub history_weeks: u32,
    pub test_weeks: u32,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SlotWaitError {
    #[error("{what}: {len} values, expected {expected} (one per 15-minute slot{plus})")]
    Length { what: &'static str, len: usize, expected: usize, plus: &'static str },
    #[error("expected arrivals in slot {slot} should be finite and ≥ 0, but are {value}")]
    Arrivals { slot: usize, value: f64 },
    #[error("no measured service times: cannot draw counter times")]
    NoServiceTimes,
    #[error(transparent)]
    Sim(#[from] QueueSimError),
}

/// The predicted wait for an arrival in one slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotWait {
    pub slot: u8,
    pub expected_arrivals: f64,
    pub counters: u32,
    /// Waits the figures rest on: simulated called arrivals in the slot over all replications,
    /// or called tickets of the history (see [`crate::planning::wait_method`]).
    pub n: usize,
    /// NaN where no arrival was called.
    pub mean_min: f64,
    pub p50_min: f64,
    pub p90_min: f64,
}

/// Predicts p50/p90 wait per slot. `bounds`: the 97 slot starts of the day (see
/// `slots::slot_starts`); `arrivals` and `counters`: 96 values; `service_ms`:
/// measured counter times to draw from; `stream`: separates the random streams of days.
pub fn slot_waits(
    bounds: &[EpochMs],
    arrivals: &[f64],
    counters: &[u32],
    service_ms: &[i64],
    p: &SlotWaitParams,
    stream: (usize, i64),
) -> Result<Vec<SlotWait>, SlotWaitError> {
    let len = |what, len, expected, plus| SlotWaitError::Length { what, len, expected, plus };
    if bounds.len() != SLOTS + 1 {
        return Err(len("slot bounds", bounds.len(), SLOTS + 1, ", plus the end of the day"));
    }
    if arrivals.len() != SLOTS {
        return Err(len("arrivals", arrivals.len(), SLOTS, ""));
    }
    if counters.len() != SLOTS {
        return Err(len("counters", counters.len(), SLOTS, ""));
    }
    if let Some((slot, &value)) = arrivals.iter().enumerate().find(|(_, a)| !(a.is_finite() && **a >= 0.0)) {
        return Err(SlotWaitError::Arrivals { slot, value });
    }
    if service_ms.is_empty() {
        return Err(SlotWaitError::NoServiceTimes);
    }
    let plan = CounterPlan::new(bounds.to_vec(), counters.to_vec())?;
    let mut waits: Vec<Vec<f64>> = vec![Vec::new(); SLOTS];
    let mut rng = day_rng(p.seed, stream.0, stream.1);
    for _ in 0..p.replications {
        let tickets = draw_day(bounds, arrivals, service_ms, &mut rng);
        let called = simulate(&tickets, &plan, p.sim)?;
        for (t, c) in tickets.iter().zip(called) {
            if let Some(c) = c {
                waits[slot_index(bounds, t.arrival) as usize].push(ms_to_minutes(c - t.arrival));
            }
        }
    }
    Ok(waits
        .into_iter()
        .enumerate()
        .map(|(s, mut w)| {
            w.sort_by(f64::total_cmp);
            let mean = if w.is_empty() { f64::NAN } else { w.iter().sum::<f64>() / w.len() as f64 };
            SlotWait {
                slot: s as u8,
                expected_arrivals: arrivals[s],
                counters: counters[s],
                n: w.len(),
                mean_min: mean,
                p50_min: quantile_sorted(&w, 0.5).unwrap_or(f64::NAN),
                p90_min: quantile_sorted(&w, 0.9).unwrap_or(f64::NAN),
            }
        })
        .collect())
}

/// One simulated day: Poisson arrivals per slot (exponential gaps), counter times resampled.
fn draw_day(bounds: &[EpochMs], arrivals: &[f64], service_ms: &[i64], rng: &mut impl Rng) -> Vec<SimTicket> {
    let mut out = Vec::new();
    for s in 0..SLOTS {
        let (a, b) = (bounds[s] as f64, bounds[s + 1] as f64);
        if arrivals[s] <= 0.0 || b <= a {
            continue;
        }
        let mut t = a;
        loop {
            t += exponential(rng, (b - a) / arrivals[s]);
            if t >= b {
                break;
            }
            let service = service_ms[rng.random_range(0..service_ms.len())];
            out.push(SimTicket::walk_in(t as EpochMs, service));
        }
    }
    out
}

/// Predicts the slot waits of `office` on `date` (future or past) from its days in the
/// `history_weeks` before it. `forecast`: expected tickets per slot (all tickets, e.g. the
/// arrival forecast; scaled here by the history's called share); `None`: the history's
/// same-weekday means.
pub fn slot_waits_for_day(
    days: &[HistoryDay],
    office: u32,
    date: chrono::NaiveDate,
    tz: chrono_tz::Tz,
    forecast: Option<&[f64]>,
    p: &SlotWaitParams,
) -> Result<Vec<SlotWait>, SlotWaitError> {
    let inp = inputs_for_day(days, office, date, p);
    let arrivals = inp.called_arrivals(forecast);
    let day_p =
        SlotWaitParams { sim: inp.call_gap_ms.map_or(p.sim, |call_gap_ms| SimParams { call_gap_ms }), ..*p };
    let bounds = slot_starts(date, tz);
    let stream = (office as usize, i64::from(days_since_epoch(date)));
    slot_waits(&bounds, &arrivals, &inp.counters, &inp.service_ms, &day_p, stream)
}

/// The inputs for `office` on `date` from its days in the `history_weeks` before it.
pub fn inputs_for_day(
    days: &[HistoryDay],
    office: u32,
    date: chrono::NaiveDate,
    p: &SlotWaitParams,
) -> SlotInputs {
    let from = date - Days::new(7 * u64::from(p.history_weeks));
    let history: Vec<&HistoryDay> =
        days.iter().filter(|d| d.office == office && d.date >= from && d.date < date).collect();
    let weekday = chrono::Datelike::weekday(&date).number_from_monday() as u8;
    history_inputs(&history, weekday)
}

/// One backtested office-day slot with at least one called ticket (a row of
/// `slot_wait_backtest.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct SlotBacktestRow {
    #[serde(rename = "office_id")]
    pub office: String,
    pub date: chrono::NaiveDate,
    pub slot: u8,
    pub actual_n: usize,
    pub actual_mean_min: f64,
    pub pred_p50_min: f64,
    pub pred_p90_min: f64,
    pub pred_mean_min: f64,
    /// Mean, p50 and p90 of the waits in this weekday × slot over the history window.
    pub baseline_mean_min: f64,
    pub baseline_p50_min: f64,
    pub baseline_p90_min: f64,
    /// Called tickets of the slot that waited at most the predicted p90.
    pub within_p90: usize,
    /// … at most the history's p90.
    pub baseline_within_p90: usize,
}

/// Errors of the slot-wait prediction against the actual slot mean (minutes): the
/// simulation's p50 and mean, and the history's mean and p50.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SlotBacktestScore {
    pub slots: usize,
    pub mae_p50: f64,
    pub mae_mean: f64,
    pub mae_baseline: f64,
    pub mae_baseline_p50: f64,
    /// Share of actual tickets that waited at most the simulated p90 (ideal 0.9).
    pub coverage_p90: f64,
    /// … at most the history's p90.
    pub coverage_baseline_p90: f64,
}

impl SlotBacktestScore {
    fn of<'a>(rows: impl Iterator<Item = &'a SlotBacktestRow>) -> SlotBacktestScore {
        let (mut s, mut n, mut within, mut baseline_within) = (SlotBacktestScore::default(), 0, 0, 0);
        for r in rows {
            s.slots += 1;
            s.mae_p50 += (r.pred_p50_min - r.actual_mean_min).abs();
            s.mae_mean += (r.pred_mean_min - r.actual_mean_min).abs();
            s.mae_baseline += (r.baseline_mean_min - r.actual_mean_min).abs();
            s.mae_baseline_p50 += (r.baseline_p50_min - r.actual_mean_min).abs();
            (n, within, baseline_within) =
                (n + r.actual_n, within + r.within_p90, baseline_within + r.baseline_within_p90);
        }
        if s.slots > 0 {
            let k = s.slots as f64;
            (s.mae_p50, s.mae_mean) = (s.mae_p50 / k, s.mae_mean / k);
            (s.mae_baseline, s.mae_baseline_p50) = (s.mae_baseline / k, s.mae_baseline_p50 / k);
            s.coverage_p90 = within as f64 / n as f64;
            s.coverage_baseline_p90 = baseline_within as f64 / n as f64;
        }
        s
    }
}

/// The backtest table and its scores overall and per office.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotBacktest {
    pub rows: Vec<SlotBacktestRow>,
    pub overall: SlotBacktestScore,
    pub by_office: Vec<OfficeScore<SlotBacktestScore>>,
}

/// What a day's prediction takes from history: pass one office's days before the day.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotInputs {
    /// Mean called tickets per slot on the same weekday (the forecast replaces these).
    pub arrivals: Vec<f64>,
    /// Median of the same weekday's counters per slot (rounded).
    pub counters: Vec<u32>,
    /// Counter times of all called tickets in the history, to draw from.
    pub service_ms: Vec<i64>,
    /// Mean, p50 and p90 of the measured waits per slot on the same weekday (NaN where
    /// nobody was called), and how many waits they rest on.
    pub baseline: Vec<f64>,
    pub baseline_p50: Vec<f64>,
    pub baseline_p90: Vec<f64>,
    pub baseline_n: Vec<usize>,
    /// Mean measured call gap of the history, if any.
    pub call_gap_ms: Option<i64>,
    /// Share of the history's tickets that were called: scales a forecast of all tickets to
    /// the called ones these simulations expect (1 for an empty history).
    pub called_share: f64,
}

/// The inputs for a day of ISO `weekday` from one office's `history` days.
pub fn history_inputs(history: &[&HistoryDay], weekday: u8) -> SlotInputs {
    let same: Vec<&&HistoryDay> = history.iter().filter(|d| d.weekday == weekday).collect();
    let n = same.len().max(1) as f64;
    let mut arrivals = vec![0.0; SLOTS];
    let mut waits: Vec<Vec<f64>> = vec![Vec::new(); SLOTS];
    for d in &same {
        for (i, w) in d.actual_wait_ms.iter().enumerate() {
            if let Some(w) = w {
                let s = d.slot[i] as usize;
                arrivals[s] += 1.0 / n;
                waits[s].push(ms_to_minutes(*w));
            }
        }
    }
    let counters = (0..SLOTS)
        .map(|s| {
            let mut c: Vec<f64> = same.iter().map(|d| f64::from(d.plan.counters()[s])).collect();
            c.sort_by(f64::total_cmp);
            quantile_sorted(&c, 0.5).map_or(0, |m| m.round().max(0.0) as u32)
        })
        .collect();
    let service_ms: Vec<i64> = history
        .iter()
        .flat_map(|d| {
            d.tickets.iter().zip(&d.actual_wait_ms).filter(|(_, w)| w.is_some()).map(|(t, _)| t.service_ms)
        })
        .collect();
    for w in &mut waits {
        w.sort_by(f64::total_cmp);
    }
    let baseline = waits
        .iter()
        .map(|w| if w.is_empty() { f64::NAN } else { w.iter().sum::<f64>() / w.len() as f64 })
        .collect();
    let quantile = |level| waits.iter().map(|w| quantile_sorted(w, level).unwrap_or(f64::NAN)).collect();
    let (baseline_p50, baseline_p90) = (quantile(0.5), quantile(0.9));
    let baseline_n = waits.iter().map(Vec::len).collect();
    let call_gap_ms = mean_call_gap(history.iter().copied());
    let total: usize = history.iter().map(|d| d.tickets.len()).sum();
    let called_share = if total == 0 { 1.0 } else { service_ms.len() as f64 / total as f64 };
    SlotInputs {
        arrivals,
        counters,
        service_ms,
        baseline,
        baseline_p50,
        baseline_p90,
        baseline_n,
        call_gap_ms,
        called_share,
    }
}

impl SlotInputs {
    /// Called arrivals per slot: `forecast` (all tickets) × the called share, or without a
    /// forecast the history's same-weekday means.
    pub fn called_arrivals(&self, forecast: Option<&[f64]>) -> Vec<f64> {
        match forecast {
            Some(f) => f.iter().map(|a| a * self.called_share).collect(),
            None => self.arrivals.clone(),
        }
    }
}

/// Backtests the last `test_weeks` of each office: each day predicted from the
/// `history_weeks` before it.
pub fn backtest(h: &ReplayedDays, p: &SlotWaitParams) -> Result<SlotBacktest, SlotWaitError> {
    let mut by_office: BTreeMap<u32, Vec<&HistoryDay>> = BTreeMap::new();
    for d in h.days() {
        by_office.entry(d.office).or_default().push(d);
    }
    // Offices are independent (each day has its own seeded stream): on the available cores,
    // rows in office order; the first error in that order is the one returned.
    let offices: Vec<(u32, Vec<&HistoryDay>)> = by_office.into_iter().collect();
    let per_office =
        crate::parallel::map_in_order(&offices, |(office, list)| office_backtest(h, *office, list, p));
    let mut rows = Vec::new();
    for office_rows in per_office {
        rows.extend(office_rows?);
    }
    let overall = SlotBacktestScore::of(rows.iter());
    let by_office = h
        .offices()
        .iter()
        .map(|o| OfficeScore {
            office: o.clone(),
            score: SlotBacktestScore::of(rows.iter().filter(|r| &r.office == o)),
        })
        .filter(|s| s.score.slots > 0)
        .collect();
    Ok(SlotBacktest { rows, overall, by_office })
}

/// The backtest rows of one office (index `office`, its replayed `days`): its last
/// `test_weeks`, each day predicted from the `history_weeks` before it.
fn office_backtest(
    h: &ReplayedDays,
    office: u32,
    days: &[&HistoryDay],
    p: &SlotWaitParams,
) -> Result<Vec<SlotBacktestRow>, SlotWaitError> {
    let mut list = days.to_vec();
    list.sort_by_key(|d| d.date);
    let mut rows = Vec::new();
    let Some(last) = list.last().map(|d| d.date) else { return Ok(rows) };
    let test_from = last - Days::new(7 * u64::from(p.test_weeks) - 1);
    for d in list.iter().filter(|d| d.date >= test_from) {
        let from = d.date - Days::new(7 * u64::from(p.history_weeks));
        let history: Vec<&HistoryDay> =
            list.iter().copied().filter(|h| h.date >= from && h.date < d.date).collect();
        let inp = history_inputs(&history, d.weekday);
        if inp.service_ms.is_empty() || !history.iter().any(|h| h.weekday == d.weekday) {
            continue;
        }
        let stream = (office as usize, i64::from(days_since_epoch(d.date)));
        let day_p = SlotWaitParams {
            sim: inp.call_gap_ms.map_or(p.sim, |call_gap_ms| SimParams { call_gap_ms }),
            ..*p
        };
        let pred = slot_waits(&d.bounds, &inp.arrivals, &inp.counters, &inp.service_ms, &day_p, stream)?;
        rows.extend(score_day(d, h.office_of(d), &pred, &inp));
    }
    Ok(rows)
}

/// The day's slots with called tickets where both predictions exist.
fn score_day(d: &HistoryDay, office: &str, pred: &[SlotWait], inp: &SlotInputs) -> Vec<SlotBacktestRow> {
    let baseline = &inp.baseline;
    let mut actual: Vec<Vec<f64>> = vec![Vec::new(); SLOTS];
    for (i, w) in d.actual_wait_ms.iter().enumerate() {
        if let Some(w) = w {
            actual[d.slot[i] as usize].push(ms_to_minutes(*w));
        }
    }
    (0..SLOTS)
        .filter(|&s| !actual[s].is_empty() && pred[s].p50_min.is_finite() && baseline[s].is_finite())
        .map(|s| SlotBacktestRow {
            office: office.to_string(),
            date: d.date,
            slot: s as u8,
            actual_n: actual[s].len(),
            actual_mean_min: actual[s].iter().sum::<f64>() / actual[s].len() as f64,
            pred_p50_min: pred[s].p50_min,
            pred_p90_min: pred[s].p90_min,
            pred_mean_min: pred[s].mean_min,
            baseline_mean_min: baseline[s],
            baseline_p50_min: inp.baseline_p50[s],
            baseline_p90_min: inp.baseline_p90[s],
            within_p90: actual[s].iter().filter(|&&w| w <= pred[s].p90_min).count(),
            baseline_within_p90: actual[s].iter().filter(|&&w| w <= inp.baseline_p90[s]).count(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
