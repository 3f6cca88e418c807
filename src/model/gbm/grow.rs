//! One regression tree grown leaf-wise (best gain first) on binned features from gradients
//! with hessian 1 per row (squared loss: prediction − truth; absolute loss: its sign): per leaf a histogram of gradient
//! sums and row counts per feature and bin; a split builds the smaller child's histogram and
//! gets the larger one's by subtraction. Gains and leaf values carry an L2 penalty.

use crate::model::gbm::bins::Bins;
use crate::model::gbm::tree::{Forest, LEAF};

/// Histograms of fewer rows are built on one thread (spawning costs more than it saves).
const PARALLEL_ROWS: usize = 8192;
/// Bins per feature in a histogram (bin 0 = missing, 255 = above every edge).
const B: usize = 256;

/// Tree shape and regularisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowParams {
    pub max_leaves: usize,
    pub max_depth: usize,
    pub min_leaf: usize,
    pub l2: f64,
    pub learning_rate: f64,
    pub threads: usize,
}

/// Binned rows, row-major: `bins[row * n_features + feature]`.
pub struct Binned<'a> {
    pub bins: &'a [u8],
    pub n_features: usize,
    /// Value bins of each feature (`1..=n`).
    pub n_bins: Vec<usize>,
}

impl Binned<'_> {
    /// The bins of row `r`.
    pub fn row(&self, r: u32) -> &[u8] {
        let at = r as usize * self.n_features;
        &self.bins[at..at + self.n_features]
    }
}

/// A grown tree in bin space (`bin`: the last bin going left), before it joins a [`Forest`].
#[derive(Debug, Clone, Default)]
pub struct Tree {
    feature: Vec<u16>,
    bin: Vec<u8>,
    missing_left: Vec<bool>,
    left: Vec<u32>,
    right: Vec<u32>,
    value: Vec<f64>,
}

impl Tree {
    fn leaf(&mut self, value: f64) -> u32 {
        self.feature.push(LEAF);
        self.bin.push(0);
        self.missing_left.push(false);
        self.left.push(0);
        self.right.push(0);
        self.value.push(value);
        (self.feature.len() - 1) as u32
    }

    /// The leaf value a binned row reaches.
    pub fn predict_binned(&self, row: &[u8]) -> f64 {
        let mut k = 0usize;
        while self.feature[k] != LEAF {
            let b = row[self.feature[k] as usize];
            let go_left = if b == 0 { self.missing_left[k] } else { b <= self.bin[k] };
            k = if go_left { self.left[k] } else { self.right[k] } as usize;
        }
        self.value[k]
    }

    /// Replaces the value of leaf `node` (absolute loss: the leaf's median residual).
    pub fn set_value(&mut self, node: u32, value: f64) {
        self.value[node as usize] = value;
    }

    pub fn leaves(&self) -> usize {
        self.feature.iter().filter(|&&f| f == LEAF).count()
    }

    /// Appends the tree to `forest`, thresholds as raw values (the split bin's upper edge).
    pub fn append_to(&self, forest: &mut Forest, bins: &Bins) {
        let offset = forest.n_nodes() as u32;
        forest.roots.push(offset);
        for k in 0..self.feature.len() {
            let f = self.feature[k];
            let threshold = if f == LEAF { 0.0 } else { bins.edges[f as usize][self.bin[k] as usize - 1] };
            let node = forest.push(f, threshold, self.missing_left[k], self.value[k]);
            if f != LEAF {
                forest.left[node as usize] = self.left[k] + offset;
                forest.right[node as usize] = self.right[k] + offset;
            }
        }
    }
}

/// Gradient sums and counts per feature × bin.
struct Hist {
    g: Vec<f64>,
    n: Vec<u32>,
}

impl Hist {
    fn build(data: &Binned<'_>, rows: &[u32], grad: &[f64], threads: usize) -> Hist {
        let nf = data.n_features;
        let mut h = Hist { g: vec![0.0; nf * B], n: vec![0; nf * B] };
        let threads = if rows.len() < PARALLEL_ROWS { 1 } else { threads.clamp(1, nf) };
        let per = nf.div_ceil(threads);
        std::thread::scope(|s| {
            let parts = h.g.chunks_mut(per * B).zip(h.n.chunks_mut(per * B)).enumerate();
            for (t, (g, n)) in parts {
                let (f0, f1) = (t * per, ((t + 1) * per).min(nf));
                let mut fill = move || {
                    for &r in rows {
                        let row = data.row(r);
                        let gr = grad[r as usize];
                        for (j, &b) in row[f0..f1].iter().enumerate() {
                            let at = j * B + b as usize;
                            g[at] += gr;
                            n[at] += 1;
                        }
                    }
                };
                if threads == 1 {
                    fill()
                } else {
                    s.spawn(fill);
                }
            }
        });
        h
    }

    fn minus(mut self, other: &Hist) -> Hist {
        self.g.iter_mut().zip(&other.g).for_each(|(a, b)| *a -= b);
        self.n.iter_mut().zip(&other.n).for_each(|(a, b)| *a -= b);
        self
    }
}

#[derive(Debug, Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    bin: u8,
    missing_left: bool,
    g_left: f64,
    n_left: usize,
}

struct Leaf {
    start: usize,
    end: usize,
    depth: usize,
    node: u32,
    g: f64,
    hist: Hist,
    best: Option<Split>,
}

/// A grown tree and where each of its leaves' rows sit in the reordered `rows`.
pub struct Grown {
    pub tree: Tree,
    /// (leaf node, start, end): the leaf's rows are `rows[start..end]`.
    pub leaves: Vec<(u32, usize, usize)>,
}

/// Grows one tree on the rows `rows` (reordered in place: each leaf's rows end up contiguous).
pub fn grow(data: &Binned<'_>, grad: &[f64], rows: &mut [u32], p: &GrowParams) -> Grown {
    let mut tree = Tree::default();
    let g: f64 = rows.iter().map(|&r| grad[r as usize]).sum();
    let value = |g: f64, n: usize| -p.learning_rate * g / (n as f64 + p.l2);
    let root = tree.leaf(value(g, rows.len()));
    let hist = Hist::build(data, rows, grad, p.threads);
    let best = best_split(data, &hist, g, rows.len(), 0, p);
    let mut leaves = vec![Leaf { start: 0, end: rows.len(), depth: 0, node: root, g, hist, best }];
    let mut scratch: Vec<u32> = Vec::with_capacity(rows.len());
    while leaves.len() < p.max_leaves.max(1) {
        // The leaf with the largest gain (the first of equals: deterministic).
        let Some(pick) = (0..leaves.len())
            .filter(|&i| leaves[i].best.is_some())
            .reduce(|a, b| if leaves[b].best.unwrap().gain > leaves[a].best.unwrap().gain { b } else { a })
        else {
            break;
        };
        let leaf = leaves.swap_remove(pick);
        let Some(split) = leaf.best else { break };
        // Stable partition: left rows first.
        scratch.clear();
        let part = &mut rows[leaf.start..leaf.end];
        let goes_left = |r: u32| {
            let b = data.row(r)[split.feature];
            if b == 0 { split.missing_left } else { b <= split.bin }
        };
        scratch.extend(part.iter().copied().filter(|&r| goes_left(r)));
        let n_left = scratch.len();
        scratch.extend(part.iter().copied().filter(|&r| !goes_left(r)));
        part.copy_from_slice(&scratch);
        debug_assert_eq!(n_left, split.n_left);
        let mid = leaf.start + n_left;
        let (g_left, g_right) = (split.g_left, leaf.g - split.g_left);
        let n_right = leaf.end - mid;
        let k = leaf.node as usize;
        tree.feature[k] = split.feature as u16;
        tree.bin[k] = split.bin;
        tree.missing_left[k] = split.missing_left;
        tree.left[k] = tree.leaf(value(g_left, n_left));
        tree.right[k] = tree.leaf(value(g_right, n_right));
        let (small_hist, large_is_left) = if n_left <= n_right {
            (Hist::build(data, &rows[leaf.start..mid], grad, p.threads), false)
        } else {
            (Hist::build(data, &rows[mid..leaf.end], grad, p.threads), true)
        };
        let large_hist = leaf.hist.minus(&small_hist);
        let (left_hist, right_hist) =
            if large_is_left { (large_hist, small_hist) } else { (small_hist, large_hist) };
        let depth = leaf.depth + 1;
        let lb = best_split(data, &left_hist, g_left, n_left, depth, p);
        let rb = best_split(data, &right_hist, g_right, n_right, depth, p);
        leaves.push(Leaf {
            start: leaf.start,
            end: mid,
            depth,
            node: tree.left[k],
            g: g_left,
            hist: left_hist,
            best: lb,
        });
        leaves.push(Leaf {
            start: mid,
            end: leaf.end,
            depth,
            node: tree.right[k],
            g: g_right,
            hist: right_hist,
            best: rb,
        });
        // Keep the leaves in node order so that ties resolve the same way every run.
        leaves.sort_by_key(|l| l.node);
    }
    Grown { tree, leaves: leaves.iter().map(|l| (l.node, l.start, l.end)).collect() }
}

/// The best split of a leaf with gradient sum `g` over `n` rows, if any gains.
fn best_split(data: &Binned<'_>, h: &Hist, g: f64, n: usize, depth: usize, p: &GrowParams) -> Option<Split> {
    if depth >= p.max_depth || n < 2 * p.min_leaf.max(1) {
        return None;
    }
    let score = |g: f64, n: usize| g * g / (n as f64 + p.l2);
    let parent = score(g, n);
    let min_gain = 1e-12 * (1.0 + parent.abs());
    let mut best: Option<Split> = None;
    for f in 0..data.n_features {
        let (hg, hn) = (&h.g[f * B..(f + 1) * B], &h.n[f * B..(f + 1) * B]);
        let (g0, n0) = (hg[0], hn[0] as usize);
        let (mut gl, mut nl) = (0.0, 0usize);
        // Bin B − 1 never occurs in training rows (it is "above every edge").
        for b in 1..=data.n_bins[f].min(B - 2) {
            gl += hg[b];
            nl += hn[b] as usize;
            for missing_left in [false, true] {
                if missing_left && n0 == 0 {
                    continue;
                }
                let (g_left, n_left) = if missing_left { (gl + g0, nl + n0) } else { (gl, nl) };
                let n_right = n - n_left;
                if n_left < p.min_leaf.max(1) || n_right < p.min_leaf.max(1) {
                    continue;
                }
                let gain = score(g_left, n_left) + score(g - g_left, n_right) - parent;
                if gain > min_gain && best.is_none_or(|s| gain > s.gain) {
                    best = Some(Split { gain, feature: f, bin: b as u8, missing_left, g_left, n_left });
                }
            }
        }
    }
    // Without missing values at this node, new missing values follow the larger side.
    best.map(|mut s| {
        let f = s.feature;
        if h.n[f * B] == 0 {
            s.missing_left = s.n_left >= n - s.n_left;
        }
        s
    })
}
