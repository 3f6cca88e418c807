//! Load levels as the app shows them (`closed`, `low`, `medium`, `high`, relative to an office's
//! own distribution of expected load) and expected waits as 15-minute buckets.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::stats::quantile_sorted;

/// Level of one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Closed,
    Low,
    Medium,
    High,
}

impl Level {
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Closed => "closed",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

/// Thresholds `(low_max, medium_max)`: the quantiles `q` (type 7, linear interpolation) of the
/// expected load of the open slots. `None` when there are no values.
pub fn level_thresholds(values: &[f64], q: [f64; 2]) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    Some((quantile_sorted(&v, q[0])?, quantile_sorted(&v, q[1])?))
}

/// The level of a slot: closed when not open; low up to the first threshold, high above the
/// second, medium between.
pub fn level_of(expected: f64, open: bool, thresholds: (f64, f64)) -> Level {
    match (open, expected) {
        (false, _) => Level::Closed,
        (true, x) if x <= thresholds.0 => Level::Low,
        (true, x) if x <= thresholds.1 => Level::Medium,
        _ => Level::High,
    }
}

/// Expected-wait bucket: 15-minute steps up to two hours, `[0, 15)` … `[105, 120)`, then
/// `> 120 min` (from 120 minutes on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct WaitBucket {
    /// 0 for `< 15 min` … 7 for `105–120 min`, 8 for `> 120 min`.
    pub index: u8,
}

impl WaitBucket {
    /// Lower bound in minutes.
    pub fn lower_minutes(&self) -> u32 {
        u32::from(self.index) * 15
    }

    /// The label the app shows.
    pub fn label(&self) -> String {
        match self.index {
            0 => "< 15 min".to_string(),
            8.. => "> 120 min".to_string(),
            i => format!("{}–{} min", u32::from(i) * 15, u32::from(i) * 15 + 15),
        }
    }
}

/// The bucket of a wait in minutes (negative or NaN waits count as 0).
pub fn wait_bucket(minutes: f64) -> WaitBucket {
    let m = if minutes.is_nan() { 0.0 } else { minutes.max(0.0) };
    WaitBucket { index: (m / 15.0).floor().min(8.0) as u8 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_type7_quantiles() {
        // sorted 1 2 4 8 10: q 1/3 at position 4/3 → 2 + (4-2)/3 = 2.6667; q 2/3 at 8/3 → 4 + 4·2/3 = 6.6667
        let (lo, hi) = level_thresholds(&[8.0, 1.0, 10.0, 4.0, 2.0], [1.0 / 3.0, 2.0 / 3.0]).unwrap();
        assert!((lo - 8.0 / 3.0).abs() < 1e-12 && (hi - 20.0 / 3.0).abs() < 1e-12, "{lo} {hi}");
        assert_eq!(level_thresholds(&[], [0.3, 0.6]), None);
        let t = (lo, hi);
        let levels: Vec<Level> =
            [1.0, 2.6, 2.7, 6.6, 6.7, 10.0].iter().map(|&x| level_of(x, true, t)).collect();
        use Level::*;
        assert_eq!(levels, [Low, Low, Medium, Medium, High, High]);
        assert_eq!(level_of(100.0, false, t), Closed);
        assert_eq!(Medium.as_str(), "medium");
    }

    #[test]
    fn wait_buckets() {
        let label = |m: f64| wait_bucket(m).label();
        assert_eq!(label(0.0), "< 15 min");
        assert_eq!(label(14.99), "< 15 min");
        assert_eq!(label(15.0), "15–30 min");
        assert_eq!(label(44.0), "30–45 min");
        assert_eq!(label(119.9), "105–120 min");
        assert_eq!(label(120.0), "> 120 min");
        assert_eq!(label(600.0), "> 120 min");
        assert_eq!(label(-3.0), "< 15 min");
        assert_eq!(wait_bucket(61.0).lower_minutes(), 60);
    }
}
