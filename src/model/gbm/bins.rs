//! Feature binning: each feature's values map to at most [`MAX_BINS`] ordered bins by their
//! quantiles, bin 0 standing for a missing value (NaN). Trees are grown on the bins and
//! keep the raw upper edge of their split bin as threshold, so prediction needs no bins.

use crate::model::dataset::Dataset;

/// Value bins per feature at most (bin 0 is "missing", 255 "above every edge" for new data).
pub const MAX_BINS: usize = 254;

/// Ascending upper edges of each feature's bins: value `v` falls in bin `1 + k`, `k` the
/// first edge `≥ v`; the last edge is the largest value seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    pub edges: Vec<Vec<f64>>,
}

impl Bins {
    /// Learns up to `max_bins` (≤ [`MAX_BINS`]) edges per feature from the rows `rows` of `x`:
    /// every distinct value when there are no more, else cuts at equal-count quantiles.
    pub fn learn(x: &Dataset, rows: &[usize], max_bins: usize) -> Bins {
        let max_bins = max_bins.clamp(2, MAX_BINS);
        let edges = (0..x.n_features())
            .map(|f| {
                let col = x.column(f);
                let mut v: Vec<f64> = rows.iter().map(|&i| col[i]).filter(|v| !v.is_nan()).collect();
                v.sort_by(f64::total_cmp);
                edges_of(&v, max_bins)
            })
            .collect();
        Bins { edges }
    }

    /// Bins of the rows `rows` of `x`, row-major (`out[r * features + f]`).
    pub fn apply(&self, x: &Dataset, rows: &[usize]) -> Vec<u8> {
        let nf = self.edges.len();
        let mut out = vec![0u8; rows.len() * nf];
        for (f, edges) in self.edges.iter().enumerate() {
            let col = x.column(f);
            for (r, &i) in rows.iter().enumerate() {
                out[r * nf + f] = bin_of(edges, col[i]);
            }
        }
        out
    }

    /// Number of value bins of feature `f` (bins `1..=n`).
    pub fn n_bins(&self, f: usize) -> usize {
        self.edges[f].len()
    }
}

/// The bin of `v` given ascending `edges`: 0 for NaN, `1 + k` for the first edge `k ≥ v`,
/// `edges.len() + 1` above them all.
pub fn bin_of(edges: &[f64], v: f64) -> u8 {
    if v.is_nan() {
        return 0;
    }
    (1 + edges.partition_point(|&e| e < v)) as u8
}

/// Upper edges from sorted values: each distinct value when few, else a cut wherever the
/// running count reaches the next multiple of `n / max_bins` (never inside a run of one value).
fn edges_of(sorted: &[f64], max_bins: usize) -> Vec<f64> {
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &v in sorted {
        match distinct.last_mut() {
            Some((last, n)) if *last == v => *n += 1,
            _ => distinct.push((v, 1)),
        }
    }
    if distinct.len() <= max_bins {
        return distinct.into_iter().map(|(v, _)| v).collect();
    }
    let per_bin = sorted.len() as f64 / max_bins as f64;
    let mut edges = Vec::with_capacity(max_bins);
    let mut seen = 0usize;
    let mut next = per_bin;
    for (v, n) in &distinct {
        seen += n;
        if seen as f64 >= next {
            edges.push(*v);
            while next <= seen as f64 {
                next += per_bin;
            }
        }
    }
    let max = distinct[distinct.len() - 1].0;
    if edges.last() != Some(&max) {
        edges.push(max);
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_a_bin_each_and_nan_bin_zero() {
        let e = edges_of(&[1.0, 1.0, 2.0, 5.0], 10);
        assert_eq!(e, [1.0, 2.0, 5.0]);
        let bins: Vec<u8> = [f64::NAN, 0.5, 1.0, 1.5, 2.0, 5.0, 9.0].iter().map(|&v| bin_of(&e, v)).collect();
        assert_eq!(bins, [0, 1, 1, 2, 2, 3, 4]);
    }

    #[test]
    fn many_values_are_cut_at_equal_counts() {
        // 0..100 in 4 bins: cuts after 25, 50, 75 and 100 values.
        let v: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(edges_of(&v, 4), [24.0, 49.0, 74.0, 99.0]);
        // A heavy value is never split: 90 zeros and 1..=10 in 4 bins.
        let mut v = vec![0.0; 90];
        v.extend((1..=10).map(f64::from));
        assert_eq!(edges_of(&v, 4), [0.0, 10.0]);
    }
}
