//! Accuracy, calibration and alarm metrics of one predictor on test examples, overall and
//! broken down by probe, office, hour and queue length.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::conformal::{Quantiles, alarm_offset};
use crate::model::dataset::Probe;
use crate::model::outcomes::Outcomes;
use crate::stats::quantile_sorted;

/// Metrics of a set of predictions (point estimate = p50). Minutes unless noted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub n: usize,
    pub mae: f64,
    pub rmse: f64,
    pub median_abs_error: f64,
    /// Share of predictions within ±5 minutes of the truth.
    pub within_5min: f64,
    pub pinball_p10: f64,
    pub pinball_p50: f64,
    pub pinball_p90: f64,
    /// Share of truths inside [p10, p90] (target 0.8).
    pub coverage_p10_p90: f64,
    /// Share of examples for which an alarm was offered (the rest: "stay, it is soon").
    pub alarm_share: f64,
    /// Among alarms offered: share called before alarm + notice (target ≤ 0.05).
    pub late_alarm_rate: f64,
    /// Among alarms offered: mean minutes from alarm to call.
    pub mean_alarm_lead_min: f64,
    /// Examples whose truth is a wait of at least [`LONG_WAIT_MIN`] minutes, and the share
    /// of them offered an alarm: the citizens the alarm is for.
    pub long_waits: usize,
    pub long_wait_alarm_share: f64,
}

/// A wait this long (minutes) is one the alarm should cover.
pub const LONG_WAIT_MIN: f64 = 20.0;

/// Computes metrics; `notice_min` is the notice the citizen asked for.
pub fn metrics(actual: &[f64], q: &[Quantiles], notice_min: f64) -> Metrics {
    let n = actual.len();
    if n == 0 {
        return Metrics::default();
    }
    let mut abs: Vec<f64> = actual.iter().zip(q).map(|(a, q)| (a - q.p50).abs()).collect();
    let pinball = |level: f64, pick: fn(&Quantiles) -> f64| {
        actual
            .iter()
            .zip(q)
            .map(|(a, q)| {
                let d = a - pick(q);
                if d >= 0.0 { level * d } else { (level - 1.0) * d }
            })
            .sum::<f64>()
            / n as f64
    };
    let (mut offered, mut late, mut lead) = (0usize, 0usize, 0.0);
    let (mut long, mut long_offered) = (0usize, 0usize);
    for (a, q) in actual.iter().zip(q) {
        let alarm = alarm_offset(q, notice_min);
        if *a >= LONG_WAIT_MIN {
            long += 1;
            long_offered += usize::from(alarm.is_some());
        }
        if let Some(offset) = alarm {
            offered += 1;
            if *a < offset + notice_min {
                late += 1;
            }
            lead += a - offset;
        }
    }
    let m = Metrics {
        n,
        mae: abs.iter().sum::<f64>() / n as f64,
        rmse: (abs.iter().map(|e| e * e).sum::<f64>() / n as f64).sqrt(),
        median_abs_error: 0.0,
        within_5min: abs.iter().filter(|e| **e <= 5.0).count() as f64 / n as f64,
        pinball_p10: pinball(0.1, |q| q.p10),
        pinball_p50: pinball(0.5, |q| q.p50),
        pinball_p90: pinball(0.9, |q| q.p90),
        coverage_p10_p90: actual.iter().zip(q).filter(|(a, q)| **a >= q.p10 && **a <= q.p90).count() as f64
            / n as f64,
        alarm_share: offered as f64 / n as f64,
        late_alarm_rate: if offered > 0 { late as f64 / offered as f64 } else { 0.0 },
        mean_alarm_lead_min: if offered > 0 { lead / offered as f64 } else { 0.0 },
        long_waits: long,
        long_wait_alarm_share: if long > 0 { long_offered as f64 / long as f64 } else { 0.0 },
    };
    abs.sort_by(f64::total_cmp);
    Metrics { median_abs_error: crate::model::conformal::quantile(&abs, 0.5), ..m }
}

/// Metrics overall and by probe, office, hour and queue-length bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Breakdown {
    pub overall: Metrics,
    pub at_issue: Metrics,
    pub later_snapshots: Metrics,
    pub by_office: BTreeMap<String, Metrics>,
    pub by_hour: BTreeMap<u8, Metrics>,
    pub by_queue_length: BTreeMap<String, Metrics>,
}

/// Queue-length bucket of `ahead` tickets.
pub fn queue_bucket(ahead: u32) -> &'static str {
    match ahead {
        0..=4 => "00-04",
        5..=9 => "05-09",
        10..=19 => "10-19",
        20..=39 => "20-39",
        _ => "40+",
    }
}

pub fn breakdown(test: &Outcomes, q: &[Quantiles], notice_min: f64) -> Breakdown {
    let subset = |keep: &dyn Fn(usize) -> bool| {
        let idx: Vec<usize> = (0..test.len()).filter(|&i| keep(i)).collect();
        let a: Vec<f64> = idx.iter().map(|&i| test.y[i]).collect();
        let qq: Vec<Quantiles> = idx.iter().map(|&i| q[i]).collect();
        metrics(&a, &qq, notice_min)
    };
    let offices: std::collections::BTreeSet<&str> = test.meta.iter().map(|m| m.office.as_ref()).collect();
    let hours: std::collections::BTreeSet<u8> = test.meta.iter().map(|m| m.hour).collect();
    let buckets: std::collections::BTreeSet<&str> = test.meta.iter().map(|m| queue_bucket(m.ahead)).collect();
    Breakdown {
        overall: subset(&|_| true),
        at_issue: subset(&|i| test.meta[i].probe == Probe::AtIssue),
        later_snapshots: subset(&|i| test.meta[i].probe == Probe::Later),
        by_office: offices
            .iter()
            .map(|o| (o.to_string(), subset(&|i| test.meta[i].office.as_ref() == *o)))
            .collect(),
        by_hour: hours.iter().map(|h| (*h, subset(&|i| test.meta[i].hour == *h))).collect(),
        by_queue_length: buckets
            .iter()
            .map(|b| (b.to_string(), subset(&|i| queue_bucket(test.meta[i].ahead) == *b)))
            .collect(),
    }
}

/// Predicted vs actual: the test examples grouped by their predicted p50 in bins of
/// `width` minutes (the last bin open-ended from `last` on); per bin the count, the mean
/// prediction and the mean, p10 and p90 of the actual waits. What the planners' report draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin (minutes of predicted p50).
    pub from_min: f64,
    pub n: usize,
    pub mean_predicted: f64,
    pub mean_actual: f64,
    pub actual_p10: f64,
    pub actual_p90: f64,
}

/// Bins of [`CalibrationBin`]; empty bins are left out.
pub fn calibration_bins(actual: &[f64], q: &[Quantiles], width: f64, last: f64) -> Vec<CalibrationBin> {
    let mut bins: BTreeMap<u32, (Vec<f64>, f64)> = BTreeMap::new();
    for (a, q) in actual.iter().zip(q) {
        let k = (q.p50.clamp(0.0, last) / width).floor() as u32;
        let bin = bins.entry(k).or_default();
        bin.0.push(*a);
        bin.1 += q.p50;
    }
    bins.into_iter()
        .map(|(k, (mut a, predicted))| {
            a.sort_by(f64::total_cmp);
            let n = a.len();
            // A bin holds at least one example, so its quantiles exist.
            let q = |level| quantile_sorted(&a, level).unwrap_or(f64::NAN);
            CalibrationBin {
                from_min: f64::from(k) * width,
                n,
                mean_predicted: predicted / n as f64,
                mean_actual: a.iter().sum::<f64>() / n as f64,
                actual_p10: q(0.1),
                actual_p90: q(0.9),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_metrics() {
        let q = |alarm, p10, p50, p90| Quantiles { alarm, p10, p50, p90 };
        let actual = [10.0, 20.0, 3.0, 40.0];
        let preds = [
            q(5.0, 6.0, 12.0, 20.0),
            q(15.0, 16.0, 18.0, 30.0),
            q(0.0, 0.0, 4.0, 9.0),
            q(22.0, 25.0, 30.0, 35.0),
        ];
        let m = metrics(&actual, &preds, 10.0);
        // Errors 2, 2, 1, 10.
        assert_eq!(m.mae, 15.0 / 4.0);
        assert!((m.rmse - (109.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert_eq!(m.median_abs_error, 2.0);
        assert_eq!(m.within_5min, 0.75);
        // Covered: 10 in [6,20], 20 in [16,30], 3 in [0,9]; 40 not in [25,35].
        assert_eq!(m.coverage_p10_p90, 0.75);
        // Alarms: alarm quantile − 10 > 0 for the 2nd (5) and 4th (12): calls at 20 ≥ 15 and 40 ≥ 22 → none late.
        assert_eq!((m.alarm_share, m.late_alarm_rate), (0.5, 0.0));
        // Waits of 20 min or more: the 2nd and 4th, both offered an alarm.
        assert_eq!((m.long_waits, m.long_wait_alarm_share), (2, 1.0));
        assert_eq!(m.mean_alarm_lead_min, ((20.0 - 5.0) + (40.0 - 12.0)) / 2.0);
        // Pinball p90: residuals 10−20 → 0.1·10, 20−30 → 0.1·10, 3−9 → 0.1·6, 40−35 → 0.9·5.
        assert!((m.pinball_p90 - (1.0 + 1.0 + 0.6 + 4.5) / 4.0).abs() < 1e-12);
        // The same long waits without an alarm.
        let m = metrics(&actual, &[preds[0], preds[2], preds[2], preds[2]], 10.0);
        assert_eq!((m.long_waits, m.long_wait_alarm_share), (2, 0.0));
    }

    #[test]
    fn calibration_bins_by_hand() {
        let q = |p50| Quantiles { alarm: 0.0, p10: 0.0, p50, p90: p50 };
        let actual = [1.0, 3.0, 8.0, 12.0, 50.0, 70.0];
        let preds = [q(2.0), q(4.0), q(6.0), q(9.0), q(40.0), q(90.0)];
        let bins = calibration_bins(&actual, &preds, 5.0, 30.0);
        // Bins 0–5: (1, 3), 5–10: (8, 12), 30+: (50, 70) — predictions above 30 are clamped to 30.
        assert_eq!(
            bins.iter().map(|b| (b.from_min, b.n)).collect::<Vec<_>>(),
            [(0.0, 2), (5.0, 2), (30.0, 2)]
        );
        assert_eq!((bins[0].mean_predicted, bins[0].mean_actual), (3.0, 2.0));
        assert!((bins[1].actual_p10 - 8.4).abs() < 1e-12 && (bins[1].actual_p90 - 11.6).abs() < 1e-12);
        assert_eq!(bins[2].mean_predicted, 65.0);
    }
}
