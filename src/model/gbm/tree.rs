//! The fitted trees as flat arrays (one entry per node, all trees concatenated): compact to
//! store and quick to load and walk.

use serde::{Deserialize, Serialize};

/// What is wrong with stored trees.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForestError {
    #[error("node arrays of different lengths: {nodes} features, others {others:?}")]
    Lengths { nodes: usize, others: Vec<usize> },
    #[error("tree roots out of order or beyond the nodes")]
    Roots,
    #[error("node {node} splits feature {feature}, but there are {n_features}")]
    Feature { node: usize, feature: u16, n_features: usize },
    #[error("node {node} has children {left} and {right} outside {node}..{nodes}")]
    Children { node: usize, left: usize, right: usize, nodes: usize },
}

/// `feature` of a leaf node.
pub const LEAF: u16 = u16::MAX;

/// Nodes of all trees. Node `k` is a leaf when `feature[k] == LEAF` (its prediction is
/// `value[k]`); otherwise a value `x[feature] ≤ threshold[k]` goes to `left[k]`, a larger
/// one to `right[k]`, a missing one (NaN) to `left[k]` when `missing_left[k] == 1`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// First node of each tree.
    pub roots: Vec<u32>,
    pub feature: Vec<u16>,
    pub threshold: Vec<f64>,
    pub missing_left: Vec<u8>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    /// Leaf outputs (learning rate applied); 0 for split nodes.
    pub value: Vec<f64>,
}

impl Forest {
    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    pub fn n_nodes(&self) -> usize {
        self.feature.len()
    }

    /// Leaves per tree.
    pub fn leaves(&self) -> Vec<usize> {
        let end = |t: usize| self.roots.get(t + 1).map_or(self.n_nodes(), |&r| r as usize);
        (0..self.n_trees())
            .map(|t| (self.roots[t] as usize..end(t)).filter(|&k| self.feature[k] == LEAF).count())
            .collect()
    }

    /// Appends a node; returns its index.
    pub fn push(&mut self, feature: u16, threshold: f64, missing_left: bool, value: f64) -> u32 {
        let k = self.feature.len() as u32;
        self.feature.push(feature);
        self.threshold.push(threshold);
        self.missing_left.push(u8::from(missing_left));
        self.left.push(0);
        self.right.push(0);
        self.value.push(value);
        k
    }

    /// The trees of `a` and of `b` with their leaf values halved: its sum is the mean of
    /// theirs (two boosters averaged as one, walked as fast as their trees in a row).
    pub fn mean(a: &Forest, b: &Forest) -> Forest {
        let mut out = Forest::default();
        for f in [a, b] {
            let offset = out.n_nodes() as u32;
            out.roots.extend(f.roots.iter().map(|r| r + offset));
            out.feature.extend_from_slice(&f.feature);
            out.threshold.extend_from_slice(&f.threshold);
            out.missing_left.extend_from_slice(&f.missing_left);
            let child = |k: usize, c: u32| if f.feature[k] == LEAF { c } else { c + offset };
            out.left.extend(f.left.iter().enumerate().map(|(k, &c)| child(k, c)));
            out.right.extend(f.right.iter().enumerate().map(|(k, &c)| child(k, c)));
            out.value.extend(f.value.iter().map(|v| v / 2.0));
        }
        out
    }

    /// Sum of the leaf values the trees `0..n` reach for one example (`x(f)` = feature `f`).
    pub fn sum(&self, n: usize, x: impl Fn(usize) -> f64) -> f64 {
        self.roots[..n.min(self.roots.len())]
            .iter()
            .map(|&root| {
                let mut k = root as usize;
                while self.feature[k] != LEAF {
                    let v = x(self.feature[k] as usize);
                    let go_left = if v.is_nan() { self.missing_left[k] == 1 } else { v <= self.threshold[k] };
                    k = if go_left { self.left[k] } else { self.right[k] } as usize;
                }
                self.value[k]
            })
            .sum()
    }

    /// Checks the arrays describe trees: equal lengths, children after their parent and
    /// inside the node range, roots ascending (a damaged model file fails here, not later).
    pub fn validate(&self, n_features: usize) -> Result<(), ForestError> {
        let n = self.n_nodes();
        let lens = [
            self.threshold.len(),
            self.missing_left.len(),
            self.left.len(),
            self.right.len(),
            self.value.len(),
        ];
        if lens.iter().any(|&l| l != n) {
            return Err(ForestError::Lengths { nodes: n, others: lens.to_vec() });
        }
        if self.roots.windows(2).any(|w| w[0] >= w[1]) || self.roots.last().is_some_and(|&r| r as usize >= n)
        {
            return Err(ForestError::Roots);
        }
        for k in 0..n {
            if self.feature[k] == LEAF {
                continue;
            }
            if self.feature[k] as usize >= n_features {
                return Err(ForestError::Feature { node: k, feature: self.feature[k], n_features });
            }
            let (left, right) = (self.left[k] as usize, self.right[k] as usize);
            if left <= k || right <= k || left >= n || right >= n {
                return Err(ForestError::Children { node: k, left, right, nodes: n });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_splits_and_missing_values() {
        // One tree: x0 ≤ 2 (missing → right) ? 1.0 : (x1 ≤ 5 (missing → left) ? 2.0 : 3.0);
        // a second tree: a single leaf 0.5.
        let mut f = Forest::default();
        f.roots.push(0);
        let root = f.push(0, 2.0, false, 0.0);
        let a = f.push(LEAF, 0.0, false, 1.0);
        let inner = f.push(1, 5.0, true, 0.0);
        let b = f.push(LEAF, 0.0, false, 2.0);
        let c = f.push(LEAF, 0.0, false, 3.0);
        (f.left[root as usize], f.right[root as usize]) = (a, inner);
        (f.left[inner as usize], f.right[inner as usize]) = (b, c);
        let single = f.push(LEAF, 0.0, false, 0.5);
        f.roots.push(single);
        assert_eq!(f.validate(2), Ok(()));
        assert_eq!(f.leaves(), [3, 1]);
        let at = |x0: f64, x1: f64| f.sum(2, |k| [x0, x1][k]);
        assert_eq!(at(2.0, 9.0), 1.5);
        assert_eq!(at(2.5, 5.0), 2.5);
        assert_eq!(at(f64::NAN, f64::NAN), 2.5);
        assert_eq!(at(3.0, 5.5), 3.5);
        assert_eq!(f.sum(1, |k| [3.0, 5.5][k]), 3.0);
        assert!(f.validate(1).is_err());
        // Averaged with a one-split tree (x1 ≤ 4, missing → left ? 4 : −2): the mean of sums.
        let mut g = Forest::default();
        g.roots.push(0);
        let split = g.push(1, 4.0, true, 0.0);
        let low = g.push(LEAF, 0.0, false, 4.0);
        let high = g.push(LEAF, 0.0, false, -2.0);
        (g.left[split as usize], g.right[split as usize]) = (low, high);
        let mean = Forest::mean(&f, &g);
        assert_eq!(mean.validate(2), Ok(()));
        assert_eq!(mean.leaves(), [3, 1, 2]);
        for x in [[2.0, 9.0], [2.5, 5.0], [f64::NAN, f64::NAN], [3.0, 3.5]] {
            let (fs, gs) = (f.sum(2, |k| x[k]), g.sum(1, |k| x[k]));
            assert_eq!(mean.sum(3, |k| x[k]), (fs + gs) / 2.0, "{x:?}");
        }
        f.left[0] = 0;
        assert!(f.validate(2).is_err());
    }
}
