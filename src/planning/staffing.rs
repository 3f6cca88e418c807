//! Staffing suggestions: per office × ISO weekday × hour, the fewest counters at which the
//! Erlang C share of waits within the threshold reaches the target, with the counters the
//! replay observed beside it; and a validation of Erlang C against the replayed history.
//!
//! Inputs are plain: history days (arrivals, measured counter times, replayed counters) and an
//! optional table of arrival rates that replaces the historical ones (the arrival forecast).
//! Load is counted as called tickets (served and no-shows: both occupy a counter) and their
//! mean counter time plus the call gap, so λ/μ is the counter time actually needed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::planning::OfficeScore;
use crate::planning::erlang::{ErlangError, MMc};
use crate::planning::sim_day::{ReplayedDays, mean_call_gap};
use crate::slots::SLOTS;
use crate::time::{MS_PER_MINUTE, minutes_to_ms};

/// Below this many called tickets a cell's mean counter time falls back to the office's.
const MIN_CELL_SERVICES: usize = 30;

/// Staffing parameters. | Name | Default | Purpose |
/// | `target` | 0.8 | share to be called within `threshold_min` |
/// | `threshold_min` | 15 | wait threshold, minutes |
/// | `max_counters` | 200 | search bound |
/// | `min_validation_tickets` | 30 | smaller validation groups are left out |
/// | `call_gap_min` | 0.5 | added to each counter time where the office has no measured call gap |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaffingParams {
    pub target: f64,
    pub threshold_min: f64,
    pub max_counters: u32,
    pub min_validation_tickets: u32,
    pub call_gap_min: f64,
}

impl Default for StaffingParams {
    /// The documented defaults (those of `[staffing]`; `params` tests that they agree).
    fn default() -> Self {
        StaffingParams {
            target: 0.8,
            threshold_min: 15.0,
            max_counters: 200,
            min_validation_tickets: 30,
            call_gap_min: 0.5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StaffingError {
    #[error("office {office}, weekday {weekday}, hour {hour}")]
    Queue { office: String, weekday: u8, hour: u8, source: ErlangError },
    #[error("{arrivals_per_hour} arrivals per hour of {service_min} min each need more than {max} counters")]
    TooMany { arrivals_per_hour: f64, service_min: f64, max: u32 },
    #[error("arrival override for office {office}: weekday {weekday} / hour {hour} out of range")]
    OverrideKey { office: String, weekday: u8, hour: u8 },
}

/// The fewest counters meeting the target, and what Erlang C expects with them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suggestion {
    pub counters: u32,
    pub service_level: f64,
    pub mean_wait_min: f64,
}

/// The fewest counters `c` (0 when nobody comes) with P(W ≤ threshold) ≥ target; beyond
/// `max_counters` the answer is `max_counters + 1` with the service level at the bound.
pub fn fewest_counters(
    arrivals_per_hour: f64,
    service_min: f64,
    p: &StaffingParams,
) -> Result<Suggestion, ErlangError> {
    let q = |c| MMc::new(arrivals_per_hour / 60.0, 1.0 / service_min, c);
    let first = q(0)?;
    let start = if first.arrival_rate == 0.0 { 0 } else { first.offered_load().floor() as u32 + 1 };
    for c in start..=p.max_counters {
        let m = q(c)?;
        let sl = m.service_level(p.threshold_min);
        if sl >= p.target {
            return Ok(Suggestion {
                counters: c,
                service_level: sl,
                mean_wait_min: m.mean_wait().unwrap_or(f64::NAN),
            });
        }
    }
    let last = q(p.max_counters)?;
    Ok(Suggestion {
        counters: p.max_counters + 1,
        service_level: last.service_level(p.threshold_min),
        mean_wait_min: f64::NAN,
    })
}

/// Expected arrivals per hour replacing the historical rate of one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalOverride {
    pub office: String,
    /// ISO weekday 1–7.
    pub weekday: u8,
    /// Local hour 0–23.
    pub hour: u8,
    pub arrivals_per_hour: f64,
}

/// One row of the staffing table (and of `staffing.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct StaffingRow {
    #[serde(rename = "office_id")]
    pub office: String,
    pub weekday: u8,
    pub hour: u8,
    /// Historical days of this office on this weekday.
    pub open_days: u32,
    /// Time-averaged active counters while the office was observed (replay).
    pub observed_counters: f64,
    /// Called tickets per open day in this hour (or the override).
    pub arrivals_per_hour: f64,
    /// `history` or `override`.
    pub arrival_source: &'static str,
    /// Mean counter time of called tickets plus the office's mean call gap, minutes.
    pub service_min: f64,
    pub suggested_counters: u32,
    pub predicted_sl_suggested: f64,
    /// Erlang C service level at the observed counters rounded.
    pub predicted_sl_observed: f64,
    /// Measured share of called tickets waited within the threshold.
    pub measured_sl: f64,
}

/// Per-cell sums over history.
#[derive(Debug, Clone, Default)]
struct Cell {
    days: u32,
    called: u64,
    within: u64,
    service_ms: Vec<i64>,
    active_s: f64,
    observed_s: f64,
}

type Key = (u32, u8, u8);

/// Builds the staffing table of the replayed days.
pub fn staffing_table(
    h: &ReplayedDays,
    overrides: &[ArrivalOverride],
    p: &StaffingParams,
) -> Result<Vec<StaffingRow>, StaffingError> {
    let threshold_ms = minutes_to_ms(p.threshold_min);
    let mut cells: BTreeMap<Key, Cell> = BTreeMap::new();
    let mut weekday_days: BTreeMap<(u32, u8), u32> = BTreeMap::new();
    let mut office_service: BTreeMap<u32, (f64, usize)> = BTreeMap::new();
    let days = h.days();
    for d in days {
        *weekday_days.entry((d.office, d.weekday)).or_default() += 1;
        let mut seen = [false; 24];
        for s in 0..SLOTS {
            if d.observed_s[s] > 0.0 {
                let c = cells.entry((d.office, d.weekday, (s / 4) as u8)).or_default();
                (c.active_s, c.observed_s) = (c.active_s + d.active_s[s], c.observed_s + d.observed_s[s]);
                seen[s / 4] = true;
            }
        }
        for (i, w) in d.actual_wait_ms.iter().enumerate() {
            let Some(w) = *w else { continue };
            let c = cells.entry((d.office, d.weekday, d.slot[i] / 4)).or_default();
            c.called += 1;
            c.within += u64::from(w <= threshold_ms);
            c.service_ms.push(d.tickets[i].service_ms);
            let o = office_service.entry(d.office).or_default();
            (o.0, o.1) = (o.0 + d.tickets[i].service_ms as f64, o.1 + 1);
        }
        for (h, _) in seen.iter().enumerate().filter(|(_, s)| **s) {
            cells.entry((d.office, d.weekday, h as u8)).or_default().days += 1;
        }
    }
    let overrides = override_map(overrides, h.offices())?;
    let gaps: BTreeMap<u32, Option<i64>> =
        office_service.keys().map(|&o| (o, mean_call_gap(days.iter().filter(|d| d.office == o)))).collect();
    let mut rows = Vec::with_capacity(cells.len());
    for (&(office, weekday, hour), c) in &cells {
        let name = h.office(office).to_string();
        let open_days = weekday_days.get(&(office, weekday)).copied().unwrap_or(0);
        let office_mean = office_service.get(&office).map_or(f64::NAN, |(s, n)| s / *n as f64);
        let service_ms = match c.service_ms.len() {
            n if n >= MIN_CELL_SERVICES => c.service_ms.iter().sum::<i64>() as f64 / n as f64,
            _ => office_mean,
        };
        if !service_ms.is_finite() || open_days == 0 {
            continue;
        }
        let gap_min =
            gaps.get(&office).copied().flatten().map_or(p.call_gap_min, |g| g as f64 / MS_PER_MINUTE as f64);
        let service_min = service_ms / MS_PER_MINUTE as f64 + gap_min;
        let (arrivals_per_hour, arrival_source) = match overrides.get(&(office, weekday, hour)) {
            Some(&a) => (a, "override"),
            None => (c.called as f64 / f64::from(open_days), "history"),
        };
        let err = |source| StaffingError::Queue { office: name.clone(), weekday, hour, source };
        let s = fewest_counters(arrivals_per_hour, service_min, p).map_err(err)?;
        let observed = if c.observed_s > 0.0 { c.active_s / c.observed_s } else { 0.0 };
        let at_observed = MMc::new(arrivals_per_hour / 60.0, 1.0 / service_min, observed.round() as u32)
            .map_err(err)?
            .service_level(p.threshold_min);
        rows.push(StaffingRow {
            office: name,
            weekday,
            hour,
            open_days,
            observed_counters: observed,
            arrivals_per_hour,
            arrival_source,
            service_min,
            suggested_counters: s.counters,
            predicted_sl_suggested: s.service_level,
            predicted_sl_observed: at_observed,
            measured_sl: if c.called > 0 { c.within as f64 / c.called as f64 } else { f64::NAN },
        });
    }
    Ok(rows)
}

fn override_map(o: &[ArrivalOverride], offices: &[String]) -> Result<BTreeMap<Key, f64>, StaffingError> {
    let mut map = BTreeMap::new();
    for r in o {
        if !(1..=7).contains(&r.weekday) || r.hour > 23 {
            return Err(StaffingError::OverrideKey {
                office: r.office.clone(),
                weekday: r.weekday,
                hour: r.hour,
            });
        }
        if let Some(i) = offices.iter().position(|x| *x == r.office) {
            map.insert((i as u32, r.weekday, r.hour), r.arrivals_per_hour);
        }
    }
    Ok(map)
}

/// One validation group: the day-hours of a cell in which the replayed counters rounded to `counters`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    pub office: String,
    pub weekday: u8,
    pub hour: u8,
    pub counters: u32,
    pub day_hours: u32,
    /// Called tickets issued in those day-hours.
    pub tickets: u64,
    /// Erlang C P(W ≤ threshold) at the group's own arrivals per hour and the cell's counter time.
    pub predicted_sl: f64,
    pub measured_sl: f64,
    /// Whether ρ < 1; Erlang C has no steady state otherwise and predicts 0.
    pub stable: bool,
}

/// Error of the predicted service level against the measured one (predicted − measured).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SlError {
    pub groups: usize,
    pub tickets: u64,
    /// Ticket-weighted mean absolute error, in share points (0–1).
    pub mae: f64,
    /// Ticket-weighted mean of predicted − measured.
    pub bias: f64,
}

impl SlError {
    fn of<'a>(rows: impl Iterator<Item = &'a ValidationRow>) -> SlError {
        let (mut e, mut abs, mut signed) = (SlError::default(), 0.0, 0.0);
        for r in rows {
            let w = r.tickets as f64;
            (e.groups, e.tickets) = (e.groups + 1, e.tickets + r.tickets);
            abs += w * (r.predicted_sl - r.measured_sl).abs();
            signed += w * (r.predicted_sl - r.measured_sl);
        }
        if e.tickets > 0 {
            (e.mae, e.bias) = (abs / e.tickets as f64, signed / e.tickets as f64);
        }
        e
    }
}

/// Validation of Erlang C against history: the table and the error overall and per office.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    pub rows: Vec<ValidationRow>,
    pub overall: SlError,
    pub by_office: Vec<OfficeScore<SlError>>,
    /// Groups with ρ < 1 only: the error of the M/M/c assumptions without overload.
    pub stable: SlError,
    /// Groups with ρ ≥ 1: morning overload, where the steady-state formula says 0.
    pub unstable: SlError,
}

#[derive(Debug, Clone, Copy, Default)]
struct Group {
    day_hours: u32,
    called: u64,
    within: u64,
}

/// Compares, for every office × weekday × hour × observed counters, the Erlang C service
/// level with the measured one. Counters per day-hour are that hour's time-averaged active
/// counters rounded; the service time is the staffing table's for the cell.
pub fn validate(h: &ReplayedDays, table: &[StaffingRow], p: &StaffingParams) -> Validation {
    let threshold_ms = minutes_to_ms(p.threshold_min);
    let mut groups: BTreeMap<(u32, u8, u8, u32), Group> = BTreeMap::new();
    for d in h.days() {
        let mut hours = [(0.0f64, 0.0f64, 0u64, 0u64); 24];
        for s in 0..SLOTS {
            (hours[s / 4].0, hours[s / 4].1) =
                (hours[s / 4].0 + d.active_s[s], hours[s / 4].1 + d.observed_s[s]);
        }
        for (i, w) in d.actual_wait_ms.iter().enumerate() {
            if let Some(w) = *w {
                let h = &mut hours[(d.slot[i] / 4) as usize];
                (h.2, h.3) = (h.2 + 1, h.3 + u64::from(w <= threshold_ms));
            }
        }
        for (h, &(active, observed, called, within)) in
            hours.iter().enumerate().filter(|(_, x)| x.2 > 0 && x.1 > 0.0)
        {
            let g =
                groups.entry((d.office, d.weekday, h as u8, (active / observed).round() as u32)).or_default();
            (g.day_hours, g.called, g.within) = (g.day_hours + 1, g.called + called, g.within + within);
        }
    }
    let service: BTreeMap<(&str, u8, u8), f64> =
        table.iter().map(|r| ((r.office.as_str(), r.weekday, r.hour), r.service_min)).collect();
    let mut rows = Vec::new();
    for (&(office, weekday, hour, counters), g) in &groups {
        let name = h.office(office);
        let Some(&service_min) = service.get(&(name, weekday, hour)) else { continue };
        if g.called < u64::from(p.min_validation_tickets) {
            continue;
        }
        let per_hour = g.called as f64 / f64::from(g.day_hours);
        let Ok(q) = MMc::new(per_hour / 60.0, 1.0 / service_min, counters) else { continue };
        rows.push(ValidationRow {
            office: name.to_string(),
            weekday,
            hour,
            counters,
            day_hours: g.day_hours,
            tickets: g.called,
            predicted_sl: q.service_level(p.threshold_min),
            measured_sl: g.within as f64 / g.called as f64,
            stable: q.is_stable(),
        });
    }
    let overall = SlError::of(rows.iter());
    let by_office = h
        .offices()
        .iter()
        .map(|o| OfficeScore {
            office: o.clone(),
            score: SlError::of(rows.iter().filter(|r| &r.office == o)),
        })
        .filter(|s| s.score.groups > 0)
        .collect();
    let stable = SlError::of(rows.iter().filter(|r| r.stable));
    let unstable = SlError::of(rows.iter().filter(|r| !r.stable));
    Validation { rows, overall, by_office, stable, unstable }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::test_days::one_counter_monday;

    #[test]
    fn picks_the_hand_computed_counters() {
        // 12 arrivals per hour (0.2/min) of 10 minutes (μ = 0.1/min): a = 2 Erlangs.
        // c = 3: C = 4/9, P(W ≤ 15) = 1 − (4/9)·e^{−0.1·15} = 0.9008 ≥ 0.8.
        // c = 2 is too few: B(2) = 2·(2/3)/(2 + 4/3) = 0.4, C = 2·0.4/(2 − 2·0.6) = 1,
        // so the queue with ρ = 1 is unstable anyway; 3 is the answer.
        let p = StaffingParams { call_gap_min: 0.0, ..StaffingParams::default() };
        let s = fewest_counters(12.0, 10.0, &p).unwrap();
        assert_eq!(s.counters, 3);
        assert!((s.service_level - (1.0 - 4.0 / 9.0 * (-1.5f64).exp())).abs() < 1e-12);
        // A stricter target of 95 %: c = 4 gives a = 2, B(4) = 2/21, C = 4·(2/21)/(4 − 2·19/21)
        // = (8/21)/(46/21) = 4/23, P(W ≤ 15) = 1 − (4/23)·e^{−0.2·15} = 0.99134.
        let strict = StaffingParams { target: 0.95, ..p };
        let s = fewest_counters(12.0, 10.0, &strict).unwrap();
        assert_eq!(s.counters, 4);
        assert!((s.service_level - (1.0 - 4.0 / 23.0 * (-3.0f64).exp())).abs() < 1e-12);
        assert_eq!(fewest_counters(0.0, 10.0, &p).unwrap().counters, 0);
    }

    #[test]
    fn table_and_validation_of_a_hand_computed_day() {
        let days = one_counter_monday();
        let p = StaffingParams { min_validation_tickets: 1, ..StaffingParams::default() };
        let table = staffing_table(&days, &[], &p).unwrap();
        assert_eq!(table.len(), 1);
        let r = &table[0];
        assert_eq!((r.weekday, r.hour, r.open_days, r.arrival_source), (1, 8, 1, "history"));
        // 3 called per hour, 10-minute services plus the measured gap of 0, one counter active
        // over the whole observed half hour; 2 of 3 waited at most 15 minutes.
        assert_eq!((r.arrivals_per_hour, r.service_min, r.observed_counters), (3.0, 10.0, 1.0));
        assert!((r.measured_sl - 2.0 / 3.0).abs() < 1e-12);
        // a = 0.05/0.1 = 0.5. c = 1: C = ρ = 0.5, SL = 1 − 0.5·e^{−0.05·15} = 0.7638 < 0.8.
        // c = 2: B(2) = 1/13, C = (2/13)/(2 − 0.5·12/13) = 0.1, SL = 1 − 0.1·e^{−0.15·15} = 0.9895.
        let sl1 = 1.0 - 0.5 * (-0.75f64).exp();
        assert_eq!(r.suggested_counters, 2);
        assert!((r.predicted_sl_suggested - (1.0 - 0.1 * (-2.25f64).exp())).abs() < 1e-12);
        assert!((r.predicted_sl_observed - sl1).abs() < 1e-12);
        // One validation group (hour 8 at 1 counter): error 0.7638 − 0.6667.
        let v = validate(&days, &table, &p);
        assert_eq!(v.rows.len(), 1);
        assert_eq!((v.rows[0].counters, v.rows[0].tickets, v.rows[0].stable), (1, 3, true));
        assert!((v.overall.bias - (sl1 - 2.0 / 3.0)).abs() < 1e-12);
        assert_eq!((v.overall.mae, v.stable.groups, v.unstable.groups), (v.overall.bias, 1, 0));
    }

    #[test]
    fn an_override_replaces_the_historical_rate() {
        let days = one_counter_monday();
        let o = ArrivalOverride { office: "x".into(), weekday: 1, hour: 8, arrivals_per_hour: 12.0 };
        let r = &staffing_table(&days, std::slice::from_ref(&o), &StaffingParams::default()).unwrap()[0];
        // 12 per hour of 10 minutes: 3 counters (see picks_the_hand_computed_counters).
        assert_eq!((r.arrivals_per_hour, r.arrival_source, r.suggested_counters), (12.0, "override", 3));
        let bad = ArrivalOverride { hour: 24, ..o };
        assert!(matches!(
            staffing_table(&days, &[bad], &StaffingParams::default()),
            Err(StaffingError::OverrideKey { hour: 24, .. })
        ));
    }

    #[test]
    fn search_bound_is_reported() {
        let p = StaffingParams { max_counters: 5, call_gap_min: 0.0, ..StaffingParams::default() };
        assert_eq!(fewest_counters(120.0, 10.0, &p).unwrap().counters, 6);
    }
}
