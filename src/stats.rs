//! Order statistics used by every stage: the one type-7 quantile.

/// The `q`-quantile of `sorted` (ascending) by linear interpolation between closest ranks
/// (Hyndman–Fan type 7, the default of numpy, pandas and polars' `QuantileMethod::Linear`): the
/// value at position `q·(n−1)`. `q` is clamped to [0, 1].
///
/// Empty input has no quantile: `None`. Callers decide what that means for them (a table cell
/// without data is null, a wait statistic of nobody is NaN).
///
/// The arithmetic is that of polars' linear quantile, operation for operation, so results are
/// bit-identical to it (tested against polars in `profile::cells`).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let pos = (n as f64 - 1.0) * q.clamp(0.0, 1.0);
    let lo = pos as usize;
    let hi = (pos.ceil() as usize).min(n - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    Some(if lo == hi || a == b { a } else { (pos - lo as f64) * (b - a) + a })
}

/// The median of `values` (the type-7 0.5-quantile: the mean of the two middle values when
/// their number is even), found by selection in O(n), reordering `values`; 0 when empty.
/// NaN sorts last (`total_cmp`), so the result does not depend on the input order.
pub fn median_in_place(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let (_, &mut hi, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return hi;
    }
    // The lower middle is the largest value left of the upper one.
    let lo = values[..n / 2].iter().copied().max_by(f64::total_cmp).unwrap_or(hi);
    if lo == hi { lo } else { 0.5 * (hi - lo) + lo }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_by_selection_equals_the_type7_median() {
        assert_eq!(median_in_place(&mut []), 0.0);
        assert_eq!(median_in_place(&mut [3.0]), 3.0);
        assert_eq!(median_in_place(&mut [9.0, 1.0, 5.0]), 5.0);
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        let mut x: Vec<f64> = (0..101).map(|i| ((i * 37) % 101) as f64 * 0.25 - 3.0).collect();
        for n in [2, 3, 10, 50, 101] {
            let mut sorted = x[..n].to_vec();
            sorted.sort_by(f64::total_cmp);
            assert_eq!(median_in_place(&mut x[..n]), quantile_sorted(&sorted, 0.5).unwrap_or(0.0), "n {n}");
        }
    }

    #[test]
    fn type7_by_hand() {
        // sorted 1 2 4 8 10: q 1/3 at position 4/3 → 2 + (4 − 2)/3; q 0.9 at 3.6 → 8 + 0.6·2.
        let v = [1.0, 2.0, 4.0, 8.0, 10.0];
        assert!((quantile_sorted(&v, 1.0 / 3.0).unwrap() - 8.0 / 3.0).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.9).unwrap() - 9.2).abs() < 1e-12);
        assert_eq!(quantile_sorted(&v, 0.5), Some(4.0));
        assert_eq!((quantile_sorted(&v, 0.0), quantile_sorted(&v, 1.0)), (Some(1.0), Some(10.0)));
        assert_eq!((quantile_sorted(&v, -1.0), quantile_sorted(&v, 2.0)), (Some(1.0), Some(10.0)));
        assert_eq!(quantile_sorted(&[7.0], 0.9), Some(7.0));
        // positions 0.5·3 = 1.5 → 2 + 0.5·(3 − 2); ties interpolate to themselves
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        assert_eq!(quantile_sorted(&[1.0, 2.0, 2.0, 9.0], 0.5), Some(2.0));
        assert_eq!(quantile_sorted(&[], 0.5), None);
    }
}
