//! Backtest of the arrival methods on rolling origins: every day of the last N weeks whose
//! 28-day horizon lies inside the data is an origin; from the history before it, each method
//! forecasts the office's all-service slots 1, 7 and 28 days ahead. Scores: WAPE and MASE per
//! office, method and horizon, and p10–p90 coverage. The model is chosen per office only where
//! its backtest beats the baseline.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::forecast::arrivals::{Forecaster, Method, Series};
use crate::forecast::history::DayCounts;
use crate::forecast::inputs::OfficeInputs;
use crate::slots::SLOTS;

/// Horizons scored, in days after the last observed day.
pub const HORIZONS: [u32; 3] = [1, 7, 28];

const METHODS: [Method; 3] = [Method::SeasonalNaive, Method::Baseline, Method::Model];

/// Weighted absolute percentage error: Σ|y − ŷ| / Σy (`None` when Σy = 0).
pub fn wape(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let sum: f64 = actual.iter().sum();
    let err: f64 = actual.iter().zip(forecast).map(|(y, f)| (y - f).abs()).sum();
    (sum > 0.0).then(|| err / sum)
}

/// Mean absolute scaled error: mean |y − ŷ| / `scale` (`None` when the scale is 0 or no data).
pub fn mase(actual: &[f64], forecast: &[f64], scale: f64) -> Option<f64> {
    let n = actual.len();
    let err: f64 = actual.iter().zip(forecast).map(|(y, f)| (y - f).abs()).sum();
    (n > 0 && scale > 0.0).then(|| err / n as f64 / scale)
}

/// The in-sample MAE of seasonal naive: mean over all slots of the day pairs (t, t − 7) that are
/// both usable of |y_t − y_{t−7}|. `None` without such a pair.
pub fn naive_scale(s: &Series) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for t in 7..s.counts.len() {
        if s.usable[t] && s.usable[t - 7] {
            sum += s.counts[t].iter().zip(&s.counts[t - 7]).map(|(a, b)| (a - b).abs()).sum::<f64>();
            n += SLOTS;
        }
    }
    (n > 0).then(|| sum / n as f64)
}

/// Scores of one office (or `*` for all offices pooled), method and horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestRow {
    pub office_id: String,
    pub method: Method,
    pub horizon_days: u32,
    /// Open target days scored (one per origin at most).
    pub days: usize,
    pub actual_tickets: f64,
    pub wape: Option<f64>,
    /// WAPE of the daily totals (the calendar effects, without the slot noise).
    pub wape_daily: Option<f64>,
    /// Mean over scored slots of |error| / the origin's in-sample seasonal-naive MAE.
    pub mase: Option<f64>,
    /// Share of open slots with p10 ≤ actual ≤ p90 (seasonal naive has no interval).
    pub coverage_p10_p90: Option<f64>,
}

/// The method an office's forecast uses, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodChoice {
    pub office_id: String,
    pub method: Method,
    pub reason: String,
}

/// One scored target day: an office's all-service forecast total by one method at one
/// horizon, and the tickets that came (the planners' report draws forecast vs actual).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestDay {
    pub office_id: String,
    pub date: chrono::NaiveDate,
    pub method: Method,
    pub horizon_days: u32,
    pub expected: f64,
    pub actual: f64,
}

/// The whole backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArrivalBacktest {
    pub first_origin: Option<chrono::NaiveDate>,
    pub last_origin: Option<chrono::NaiveDate>,
    pub origins: usize,
    pub rows: Vec<BacktestRow>,
    pub choices: Vec<MethodChoice>,
    /// Every scored target day, ordered by office, date, method and horizon (not part of the
    /// summary files: the export writes them as their own table).
    #[serde(skip)]
    pub days: Vec<BacktestDay>,
}

#[derive(Debug, Clone, Default)]
struct Acc {
    days: usize,
    actual: f64,
    abs_err: f64,
    day_abs_err: f64,
    scaled: f64,
    slots: usize,
    open_slots: usize,
    covered: usize,
}

impl Acc {
    fn row(&self, office_id: &str, method: Method, horizon_days: u32) -> BacktestRow {
        BacktestRow {
            office_id: office_id.to_string(),
            method,
            horizon_days,
            days: self.days,
            actual_tickets: self.actual,
            wape: (self.actual > 0.0).then(|| self.abs_err / self.actual),
            wape_daily: (self.actual > 0.0).then(|| self.day_abs_err / self.actual),
            mase: (self.slots > 0).then(|| self.scaled / self.slots as f64),
            coverage_p10_p90: (method != Method::SeasonalNaive && self.open_slots > 0)
                .then(|| self.covered as f64 / self.open_slots as f64),
        }
    }
}

type Key = (String, Method, u32);

/// Runs the backtest over `weeks` weeks of daily origins on each office's `*` series.
pub fn run(offices: &[OfficeInputs], weeks: usize) -> ArrivalBacktest {
    let days = offices.first().map_or(0, |o| o.days.len());
    let last_horizon = *HORIZONS.last().unwrap_or(&28) as usize;
    let hi = (days + 1).saturating_sub(last_horizon);
    let lo = hi.saturating_sub(7 * weeks).max(7 * 4);
    // Offices are independent: each on a core, its origins in order (so every sum adds in
    // the same order as one thread would); the days are sorted below either way.
    let per_office = crate::parallel::map_in_order(offices, |office| {
        let (mut accs, mut scored) = (BTreeMap::new(), Vec::new());
        for origin in lo..hi {
            score_origin(office, origin, &mut accs, &mut scored);
        }
        (accs, scored)
    });
    let mut accs: BTreeMap<Key, Acc> = BTreeMap::new();
    let mut scored = Vec::new();
    for (a, s) in per_office {
        accs.extend(a);
        scored.extend(s);
    }
    scored.sort_by(|a: &BacktestDay, b| {
        (&a.office_id, a.date, a.method, a.horizon_days).cmp(&(
            &b.office_id,
            b.date,
            b.method,
            b.horizon_days,
        ))
    });
    let mut rows: Vec<BacktestRow> = accs.iter().map(|((o, m, h), a)| a.row(o, *m, *h)).collect();
    let mut pooled: BTreeMap<(Method, u32), Acc> = BTreeMap::new();
    for ((_, m, h), a) in &accs {
        let p = pooled.entry((*m, *h)).or_default();
        p.days += a.days;
        p.actual += a.actual;
        p.abs_err += a.abs_err;
        p.day_abs_err += a.day_abs_err;
        p.scaled += a.scaled;
        p.slots += a.slots;
        p.open_slots += a.open_slots;
        p.covered += a.covered;
    }
    rows.extend(pooled.iter().map(|((m, h), a)| a.row("*", *m, *h)));
    let choices = offices.iter().map(|o| choose(&o.office, &rows)).collect();
    let date = |i: usize| offices.first().map(|o| o.days[i].date);
    ArrivalBacktest {
        first_origin: (lo < hi).then(|| date(lo)).flatten(),
        last_origin: (lo < hi).then(|| date(hi - 1)).flatten(),
        origins: hi.saturating_sub(lo),
        rows,
        choices,
        days: scored,
    }
}

/// Scores every method at every horizon from one origin (day index) for one office.
fn score_origin(
    office: &OfficeInputs,
    origin: usize,
    accs: &mut BTreeMap<Key, Acc>,
    scored: &mut Vec<BacktestDay>,
) {
    let counts = &office.counts[0];
    let series =
        Series { first: office.days[0].date, counts: &counts[..origin], usable: &office.usable[..origin] };
    let Some(scale) = naive_scale(&series) else { return };
    let opening = office.learn_opening(origin);
    let forecaster =
        Forecaster::new(series, &office.days[..origin], office.days[origin].date, &office.params);
    for h in HORIZONS {
        let t = origin + h as usize - 1;
        let Some(day) = office.days.get(t) else { continue };
        let mask = opening.on(day.weekday);
        if day.closed() || mask.iter().all(|&m| !m) {
            continue;
        }
        let actual: &DayCounts = &counts[t];
        for method in METHODS {
            let f = forecaster.expected(method, day, mask);
            let acc = accs.entry((office.office.clone(), method, h)).or_default();
            acc.days += 1;
            let day_total: f64 = actual.iter().sum();
            acc.actual += day_total;
            acc.day_abs_err += (day_total - f.iter().sum::<f64>()).abs();
            scored.push(BacktestDay {
                office_id: office.office.clone(),
                date: day.date,
                method,
                horizon_days: h,
                expected: f.iter().sum(),
                actual: day_total,
            });
            for s in 0..SLOTS {
                let e = (actual[s] - f[s]).abs();
                acc.abs_err += e;
                acc.scaled += e / scale;
                acc.slots += 1;
                if mask[s] {
                    let (p10, p90) = forecaster.interval(f[s]);
                    acc.open_slots += 1;
                    acc.covered += usize::from(p10 <= actual[s] && actual[s] <= p90);
                }
            }
        }
    }
}

/// The model is used where its WAPE, averaged over the horizons, is below the baseline's.
fn choose(office: &str, rows: &[BacktestRow]) -> MethodChoice {
    let mean_wape = |m: Method| -> Option<f64> {
        let w: Vec<f64> =
            rows.iter().filter(|r| r.office_id == office && r.method == m).filter_map(|r| r.wape).collect();
        (w.len() == HORIZONS.len()).then(|| w.iter().sum::<f64>() / w.len() as f64)
    };
    let (model, baseline) = (mean_wape(Method::Model), mean_wape(Method::Baseline));
    let (method, reason) = match (model, baseline) {
        (Some(m), Some(b)) if m < b => {
            (Method::Model, format!("model mean WAPE {m:.4} < baseline {b:.4} (horizons 1, 7, 28)"))
        }
        (Some(m), Some(b)) => {
            (Method::Baseline, format!("model mean WAPE {m:.4} ≥ baseline {b:.4} (horizons 1, 7, 28)"))
        }
        _ => (Method::Baseline, "not enough history to backtest: baseline by default".to_string()),
    };
    MethodChoice { office_id: office.to_string(), method, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wape_and_mase_by_hand() {
        let y = [10.0, 0.0, 5.0, 5.0];
        let f = [8.0, 1.0, 5.0, 8.0];
        // |e| = 2 1 0 3 → Σ 6; Σy = 20 → WAPE 0.3; MAE 1.5 / scale 2 → 0.75
        assert_eq!(wape(&y, &f), Some(0.3));
        assert_eq!(mase(&y, &f, 2.0), Some(0.75));
        assert_eq!(wape(&[0.0], &[1.0]), None);
        assert_eq!(mase(&y, &f, 0.0), None);
    }

    #[test]
    fn naive_scale_uses_usable_pairs_only() {
        let mut counts = vec![[0.0; SLOTS]; 15];
        counts[0][10] = 4.0;
        counts[7][10] = 6.0; // pair (7, 0): |6 − 4| = 2 over 96 slots
        counts[8][10] = 50.0; // pair (8, 1) not usable
        counts[14][10] = 9.0; // pair (14, 7): 3
        let mut usable = vec![true; 15];
        usable[8] = false;
        let s = Series {
            first: chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(),
            counts: &counts,
            usable: &usable,
        };
        // Pairs (7,0), (9,2) … (14,7) except (8,1) and (15,…): t = 7, 9, 10, 11, 12, 13, 14 → 7 days.
        let got = naive_scale(&s).unwrap();
        assert!((got - 5.0 / (7.0 * 96.0)).abs() < 1e-15, "{got}");
    }
}
