//! Quantiles by split-conformal calibration: residuals of a point predictor on a held-out
//! calibration period, taken per group (at issue / later snapshot) and per bucket of the
//! point prediction (Mondrian conformal), so short and long predicted waits, and fresh and
//! old tickets, each get their own spread.

use serde::{Deserialize, Serialize};

/// The quantile levels produced: p10, p50, p90 (the alarm quantile's level is chosen per group).
pub const LEVELS: [f64; 3] = [0.10, 0.50, 0.90];

/// Candidate levels of the alarm quantile, from the latest alarm to the most cautious.
const ALARM_LEVELS: [f64; 8] = [0.05, 0.04, 0.03, 0.02, 0.015, 0.01, 0.005, 0.0025];
/// Late-alarm share aimed at on the calibration days: under the 5 % target, with room for
/// the test weeks differing from the calibration weeks.
pub const ALARM_TARGET: f64 = 0.03;
/// Buckets of the point prediction.
const BUCKETS: usize = 5;
/// Fewest residuals a bucket needs to estimate its own tails.
const MIN_BUCKET: usize = 50;

/// Remaining-wait quantiles of one example, minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// The low quantile the alarm is set from (its level is [`Buckets::alarm_level`]).
    pub alarm: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// Residual quantiles per bucket of the point prediction, for one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Buckets {
    /// Upper edges of the point-prediction buckets (the last is +∞, left out).
    pub edges: Vec<f64>,
    /// Level of the alarm quantile: the largest candidate whose late-alarm share among the
    /// alarms offered on the calibration days is at most [`ALARM_TARGET`].
    pub alarm_level: f64,
    /// Residual (actual − point) quantiles per bucket: the alarm level, then [`LEVELS`].
    pub residuals: Vec<[f64; 4]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibrator {
    pub at_issue: Buckets,
    pub later: Buckets,
}

impl Calibrator {
    /// Learns residual quantiles from calibration predictions `point`, truths `actual` and
    /// whether each example is at issue; the alarm level is tuned for `notice_min`.
    pub fn fit(point: &[f64], actual: &[f64], at_issue: &[bool], notice_min: f64) -> Calibrator {
        let group = |g: bool| -> (Vec<f64>, Vec<f64>) {
            let idx = (0..point.len()).filter(|&i| at_issue[i] == g);
            idx.map(|i| (point[i], actual[i])).unzip()
        };
        let all = Buckets::fit(point, actual, &[], notice_min);
        let (pi, ai) = group(true);
        let (pl, al) = group(false);
        let fallback: Vec<f64> = point.iter().zip(actual).map(|(p, a)| a - p).collect();
        let pick = |p: &[f64], a: &[f64]| {
            if p.len() >= MIN_BUCKET { Buckets::fit(p, a, &fallback, notice_min) } else { all.clone() }
        };
        Calibrator { at_issue: pick(&pi, &ai), later: pick(&pl, &al) }
    }

    /// Quantiles around a point prediction: never negative, never crossing.
    pub fn quantiles(&self, point: f64, at_issue: bool) -> Quantiles {
        let b = if at_issue { &self.at_issue } else { &self.later };
        let r = b.residuals.get(bucket(&b.edges, point)).copied().unwrap_or([0.0; 4]);
        let mut q = r.map(|d| (point + d).max(0.0));
        for i in 1..q.len() {
            q[i] = q[i].max(q[i - 1]);
        }
        Quantiles { alarm: q[0], p10: q[1], p50: q[2], p90: q[3] }
    }
}

impl Buckets {
    /// Buckets by point-prediction quantiles; a bucket with too few residuals uses `fallback`
    /// (or the group's own residuals when no fallback is given). The alarm level is the
    /// largest candidate that keeps the calibration late-alarm share within the target.
    fn fit(point: &[f64], actual: &[f64], fallback: &[f64], notice_min: f64) -> Buckets {
        let mut chosen = None;
        for level in ALARM_LEVELS {
            let b = Buckets::at_level(point, actual, fallback, level);
            let c = Calibrator { at_issue: b.clone(), later: b.clone() };
            let (mut offered, mut late) = (0usize, 0usize);
            for (p, a) in point.iter().zip(actual) {
                if let Some(offset) = alarm_offset(&c.quantiles(*p, true), notice_min) {
                    offered += 1;
                    late += usize::from(*a < offset + notice_min);
                }
            }
            let ok = offered == 0 || late as f64 <= ALARM_TARGET * offered as f64;
            chosen = Some(b);
            if ok {
                break;
            }
        }
        chosen.unwrap_or_else(|| Buckets::at_level(point, actual, fallback, ALARM_LEVELS[0]))
    }

    fn at_level(point: &[f64], actual: &[f64], fallback: &[f64], alarm_level: f64) -> Buckets {
        let mut sorted: Vec<f64> = point.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut edges: Vec<f64> =
            (1..BUCKETS).map(|b| quantile(&sorted, b as f64 / BUCKETS as f64)).collect();
        edges.dedup();
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); edges.len() + 1];
        for (p, a) in point.iter().zip(actual) {
            per[bucket(&edges, *p)].push(a - p);
        }
        let own: Vec<f64> = point.iter().zip(actual).map(|(p, a)| a - p).collect();
        let fallback = if fallback.is_empty() { &own } else { fallback };
        let residuals = per
            .into_iter()
            .map(|mut r| {
                if r.len() < MIN_BUCKET {
                    r = fallback.to_vec();
                }
                r.sort_by(f64::total_cmp);
                [
                    quantile(&r, alarm_level),
                    quantile(&r, LEVELS[0]),
                    quantile(&r, LEVELS[1]),
                    quantile(&r, LEVELS[2]),
                ]
            })
            .collect();
        Buckets { edges, alarm_level, residuals }
    }
}

fn bucket(edges: &[f64], p: f64) -> usize {
    edges.partition_point(|&e| e < p)
}

/// Linear-interpolation quantile of sorted values (type 7); 0 for none.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// When to notify a citizen who wants `notice_min` minutes' notice, as minutes from now:
/// `alarm quantile − notice`, or `None` when the call may come sooner than the notice (stay nearby).
pub fn alarm_offset(q: &Quantiles, notice_min: f64) -> Option<f64> {
    let offset = q.alarm - notice_min;
    (offset > 0.0).then_some(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type_7() {
        assert!((quantile(&[0.0, 2.0, 5.0, 5.0, 20.0], 0.9) - 14.0).abs() < 1e-12);
        assert_eq!(quantile(&[1.0], 0.3), 1.0);
        assert_eq!(quantile(&[1.0, 3.0], 0.5), 2.0);
    }

    #[test]
    fn calibrated_intervals_cover_their_share() {
        // Point prediction 10 everywhere, truth uniform 0..100 in steps: p10..p90 covers 80 %.
        let point = vec![10.0; 1001];
        let actual: Vec<f64> = (0..=1000).map(|i| i as f64 / 10.0).collect();
        let c = Calibrator::fit(&point, &actual, &vec![true; 1001], 10.0);
        let q = c.quantiles(10.0, true);
        assert!((q.p10 - 10.0).abs() < 1e-9 && (q.p90 - 90.0).abs() < 1e-9, "{q:?}");
        assert!((q.p50 - 50.0).abs() < 1e-9);
        // Alarms are offered only when alarm − 10 > 0: with level 5 % the alarm quantile is 5,
        // never offered, so the first candidate already meets the target.
        assert_eq!(c.at_issue.alarm_level, 0.05);
        assert!((q.alarm - 5.0).abs() < 1e-9);
        let covered = actual.iter().filter(|a| **a >= q.p10 && **a <= q.p90).count() as f64 / 1001.0;
        assert!((covered - 0.8).abs() < 0.01);
        // No later snapshots in calibration: they fall back to all residuals.
        assert_eq!(c.quantiles(10.0, false), q);
    }

    #[test]
    fn groups_get_their_own_spread() {
        let point = vec![10.0; 400];
        let at_issue: Vec<bool> = (0..400).map(|i| i < 200).collect();
        // At issue the truth is 10 ± 10, later exactly 10.
        let actual: Vec<f64> = (0..400).map(|i| if i < 200 { i as f64 / 10.0 } else { 10.0 }).collect();
        let c = Calibrator::fit(&point, &actual, &at_issue, 10.0);
        let early = c.quantiles(10.0, true);
        let later = c.quantiles(10.0, false);
        assert!(early.p90 - early.p10 > 10.0, "{early:?}");
        assert_eq!((later.p10, later.p90), (10.0, 10.0));
    }

    #[test]
    fn alarm_level_is_lowered_until_few_alarms_are_late() {
        // 8 % of calls come early, spread over 11–30 minutes; the rest at 40–79. A 5 %
        // quantile would put the alarm after some of those early calls.
        let n = 4000;
        let point = vec![40.0; n];
        let actual: Vec<f64> = (0..n)
            .map(|i| if i % 100 < 8 { 11.0 + 19.0 * (i / 100) as f64 / 40.0 } else { 40.0 + (i % 40) as f64 })
            .collect();
        let c = Calibrator::fit(&point, &actual, &vec![true; n], 10.0);
        let q = c.quantiles(40.0, true);
        let offset = alarm_offset(&q, 10.0).expect("an alarm is offered");
        let late = actual.iter().filter(|a| **a < offset + 10.0).count() as f64 / n as f64;
        assert!(late <= ALARM_TARGET + 1e-9, "late {late}, level {}", c.at_issue.alarm_level);
        assert!(c.at_issue.alarm_level < 0.05, "level {}", c.at_issue.alarm_level);
    }

    #[test]
    fn quantiles_never_negative_or_crossing() {
        let b = Buckets { edges: vec![], alarm_level: 0.05, residuals: vec![[-30.0, -40.0, 5.0, 1.0]] };
        let c = Calibrator { at_issue: b.clone(), later: b };
        let q = c.quantiles(10.0, true);
        assert_eq!((q.alarm, q.p10, q.p50, q.p90), (0.0, 0.0, 15.0, 15.0));
        assert_eq!(alarm_offset(&q, 10.0), None);
        let q = Quantiles { alarm: 25.0, p10: 30.0, p50: 40.0, p90: 60.0 };
        assert_eq!(alarm_offset(&q, 10.0), Some(15.0));
    }
}
