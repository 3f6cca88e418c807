//! The calendar model of daily arrival totals: a Poisson log-linear regression on weekday,
//! month, school holidays, first day after a closure, bridge day, the days between Christmas and
//! New Year and a linear trend, fitted by
//! iteratively reweighted least squares with a ridge penalty and weights that halve every
//! `halflife_days` into the past. Deterministic: no randomness, fixed iteration order.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::forecast::calendar_days::DayInfo;

/// Months of history needed before month effects are estimated: with less than a year and a
/// month, a target month may be one the model has never seen.
pub const MONTH_MIN_DAYS: i64 = 395;

/// | Name | Default | Purpose |
/// | `halflife_days` | 84 | weight of a day halves every this many days into the past |
/// | `ridge` | 1.0 | penalty on all coefficients but the intercept |
/// | `use_month` | history ≥ 395 days | estimate month effects |
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    pub halflife_days: f64,
    pub ridge: f64,
    pub use_month: bool,
}

/// A fitted model; `origin` is the first forecast day (trend is 0 there).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarModel {
    pub names: Vec<String>,
    pub coef: Vec<f64>,
    pub origin: NaiveDate,
    pub use_month: bool,
}

/// Feature names in the order of [`features`].
pub fn feature_names(use_month: bool) -> Vec<String> {
    let mut names = vec!["intercept".to_string()];
    names.extend(["tue", "wed", "thu", "fri", "sat", "sun"].iter().map(|w| format!("weekday_{w}")));
    if use_month {
        names.extend((2..=12).map(|m| format!("month_{m:02}")));
    }
    names.extend(
        ["school_holiday", "after_closure", "bridge_day", "between_years", "trend_years"].map(String::from),
    );
    names
}

/// The feature vector of a day.
pub fn features(day: &DayInfo, origin: NaiveDate, use_month: bool) -> Vec<f64> {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let w = day.weekday.num_days_from_monday() as usize;
    let mut x = vec![1.0];
    x.extend((1..7).map(|i| flag(w == i)));
    if use_month {
        x.extend((2..=12).map(|m| flag(day.date.month() == m)));
    }
    x.push(flag(day.school_holiday));
    x.push(flag(day.after_closure));
    x.push(flag(day.bridge_day));
    x.push(flag(day.between_years));
    x.push((day.date - origin).num_days() as f64 / 365.25);
    x
}

impl ModelParams {
    /// Fits on `(day, total)` pairs of open days; `None` when the totals are all zero.
    pub fn fit(&self, days: &[(DayInfo, f64)], origin: NaiveDate) -> Option<CalendarModel> {
        let xs: Vec<Vec<f64>> = days.iter().map(|(d, _)| features(d, origin, self.use_month)).collect();
        let ys: Vec<f64> = days.iter().map(|&(_, y)| y).collect();
        let ws: Vec<f64> = days
            .iter()
            .map(|(d, _)| 0.5f64.powf((origin - d.date).num_days().max(0) as f64 / self.halflife_days))
            .collect();
        let wsum: f64 = ws.iter().sum();
        let mean = ys.iter().zip(&ws).map(|(y, w)| y * w).sum::<f64>() / wsum;
        if mean.is_nan() || mean <= 0.0 {
            return None;
        }
        let p = feature_names(self.use_month).len();
        let mut beta = vec![0.0; p];
        beta[0] = mean.ln();
        // A tiny floor keeps weekdays never seen (Sunday) solvable when ridge = 0.
        let ridge = self.ridge.max(1e-6);
        // The features are flags plus the trend, so a day has few non-zero ones. A zero
        // feature's terms are ±0 and leave the sums' bits as they are: skipping them gives the
        // same coefficients bit for bit, with ~5² instead of 23² terms per day.
        let nonzero: Vec<Vec<usize>> = xs.iter().map(|x| (0..p).filter(|&i| x[i] != 0.0).collect()).collect();
        for _ in 0..100 {
            let mut a = vec![vec![0.0; p]; p];
            let mut b = vec![0.0; p];
            for (((x, nz), &y), &w) in xs.iter().zip(&nonzero).zip(&ys).zip(&ws) {
                let eta = dot(x, &beta).clamp(-30.0, 30.0);
                let mu = eta.exp();
                let (wi, z) = (w * mu, eta + (y - mu) / mu);
                for &i in nz {
                    let wx = wi * x[i];
                    b[i] += wx * z;
                    for &j in nz {
                        a[i][j] += wx * x[j];
                    }
                }
            }
            (1..p).for_each(|i| a[i][i] += ridge);
            let next = solve(a, b)?;
            let change = next.iter().zip(&beta).map(|(n, o)| (n - o).abs()).fold(0.0, f64::max);
            beta = next;
            if change < 1e-9 {
                break;
            }
        }
        Some(CalendarModel {
            names: feature_names(self.use_month),
            coef: beta,
            origin,
            use_month: self.use_month,
        })
    }
}

impl CalendarModel {
    /// Expected total of a day.
    pub fn predict_total(&self, day: &DayInfo) -> f64 {
        dot(&features(day, self.origin, self.use_month), &self.coef).clamp(-30.0, 30.0).exp()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `a·x = b` by Gaussian elimination with partial pivoting; `None` if singular.
///
/// Why not linfa-linalg's Cholesky (the matrix is symmetric positive definite): tried for issue
/// 11, it solves the same systems with other rounding, so the coefficients differ in the last
/// bits and `arrivals.parquet`, `forecast.json` and the backtest figures would change bytes
/// (the 4-decimal CSVs do not). Outputs must stay byte-identical, so this stays; it is small,
/// tested, and the systems have at most 23 unknowns.
pub fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            let (upper, lower) = a.split_at_mut(row);
            lower[0][col..].iter_mut().zip(&upper[col][col..]).for_each(|(x, p)| *x -= f * p);
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn info(date: NaiveDate, after_closure: bool) -> DayInfo {
        DayInfo { after_closure, ..DayInfo::ordinary(date) }
    }

    #[test]
    fn solves_a_small_system() {
        let x = solve(vec![vec![0.0, 2.0], vec![4.0, 1.0]], vec![4.0, 6.0]).unwrap();
        assert_eq!(x, [1.0, 2.0]);
        assert_eq!(solve(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]), None);
    }

    /// The fit as it was before zero features were skipped: every term of every day.
    fn dense_fit(params: &ModelParams, days: &[(DayInfo, f64)], origin: NaiveDate) -> Vec<f64> {
        let xs: Vec<Vec<f64>> = days.iter().map(|(d, _)| features(d, origin, params.use_month)).collect();
        let ws: Vec<f64> = days
            .iter()
            .map(|(d, _)| 0.5f64.powf((origin - d.date).num_days().max(0) as f64 / params.halflife_days))
            .collect();
        let wsum: f64 = ws.iter().sum();
        let mean = days.iter().zip(&ws).map(|((_, y), w)| y * w).sum::<f64>() / wsum;
        let p = xs[0].len();
        let mut beta = vec![0.0; p];
        beta[0] = mean.ln();
        for _ in 0..100 {
            let mut a = vec![vec![0.0; p]; p];
            let mut b = vec![0.0; p];
            for ((x, (_, y)), &w) in xs.iter().zip(days).zip(&ws) {
                let eta = dot(x, &beta).clamp(-30.0, 30.0);
                let mu = eta.exp();
                let (wi, z) = (w * mu, eta + (y - mu) / mu);
                for i in 0..p {
                    b[i] += wi * x[i] * z;
                    for j in 0..p {
                        a[i][j] += wi * x[i] * x[j];
                    }
                }
            }
            (1..p).for_each(|i| a[i][i] += params.ridge.max(1e-6));
            let next = solve(a, b).unwrap();
            let change = next.iter().zip(&beta).map(|(n, o)| (n - o).abs()).fold(0.0, f64::max);
            beta = next;
            if change < 1e-9 {
                break;
            }
        }
        beta
    }

    #[test]
    fn skipping_zero_features_gives_the_dense_fits_bits() {
        // Two years of uneven totals with every flag and the trend, months on and off.
        let origin = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
        let days: Vec<(DayInfo, f64)> = (1..=730u64)
            .filter_map(|i| {
                let date = origin.checked_sub_days(chrono::Days::new(i))?;
                let day = DayInfo {
                    school_holiday: i % 11 < 3,
                    after_closure: i % 17 == 0,
                    bridge_day: i % 41 == 0,
                    between_years: i % 97 == 0,
                    ..DayInfo::ordinary(date)
                };
                (date.weekday() != Weekday::Sun).then(|| (day, ((i * 7919) % 83) as f64 + 0.5))
            })
            .collect();
        for use_month in [false, true] {
            for ridge in [0.0, 1.0] {
                let params = ModelParams { halflife_days: 84.0, ridge, use_month };
                let got = params.fit(&days, origin).unwrap().coef;
                let want = dense_fit(&params, &days, origin);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "use_month {use_month}, ridge {ridge}");
            }
        }
    }

    #[test]
    fn recovers_weekday_and_backlog_effects_without_ridge() {
        // Mondays 100, other weekdays 50, backlog days ×1.5: a saturated Poisson fit returns
        // exactly these means (the trend is absent because the level is constant).
        let origin = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
        let mut days = Vec::new();
        for i in 1..=70u64 {
            let date = origin.checked_sub_days(chrono::Days::new(i)).unwrap();
            if date.weekday() == Weekday::Sun {
                continue;
            }
            let backlog = date.weekday() == Weekday::Tue && i % 14 == 6;
            let base = if date.weekday() == Weekday::Mon { 100.0 } else { 50.0 };
            days.push((info(date, backlog), if backlog { base * 1.5 } else { base }));
        }
        assert!(days.iter().any(|(d, _)| d.after_closure));
        let params = ModelParams { halflife_days: 28.0, ridge: 0.0, use_month: false };
        let m = params.fit(&days, origin).unwrap();
        let monday = info(origin, false);
        let tuesday = info(origin.succ_opt().unwrap(), false);
        let backlog = info(origin.succ_opt().unwrap(), true);
        assert!((m.predict_total(&monday) - 100.0).abs() < 1e-4, "{}", m.predict_total(&monday));
        assert!((m.predict_total(&tuesday) - 50.0).abs() < 1e-3);
        assert!((m.predict_total(&backlog) - 75.0).abs() < 1e-3);
        assert_eq!(m.names.len(), m.coef.len());
        assert_eq!(params.fit(&[(monday, 0.0)], origin), None);
    }
}
