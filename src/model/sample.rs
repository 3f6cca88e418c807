//! Training rows chosen before their features are built. The fit uses at most `max_rows`
//! snapshots (every at-issue snapshot up to half of them, an even spread of the later ones:
//! [`Dataset::subsample_indices`]); counting the snapshots from the tickets alone and keeping
//! only the chosen ones while sweeping each office-day gives the same rows without building
//! the tens of millions of snapshots a large history holds.

use crate::model::dataset::{Dataset, Probe};
use crate::replay::DayRange;
use crate::schema::{EpochMs, Outcome};
use crate::store::columns::TicketColumns;

/// At-issue and later training snapshots of the days `days` of `c` (see
/// [`crate::model::features::training_probes`]), counted without building them.
pub fn probe_counts(c: &TicketColumns, days: &[DayRange], every_ms: EpochMs) -> (usize, usize) {
    let (mut issue, mut later) = (0usize, 0usize);
    for i in days.iter().flat_map(|d| d.rows.clone()) {
        let Some(called) = c.called[i] else { continue };
        if !matches!(c.outcome[i], Outcome::Served | Outcome::NoShow) {
            continue;
        }
        issue += 1;
        if every_ms > 0 && called > c.issued[i] {
            later += ((called - c.issued[i] - 1) / every_ms) as usize;
        }
    }
    (issue, later)
}

/// Which snapshots to keep, in the order they are built: the choice of
/// [`Dataset::subsample_indices`] among `issue` at-issue and `later` later snapshots.
#[derive(Debug, Clone)]
pub struct Plan {
    issue: Spread,
    later: Spread,
}

impl Plan {
    pub fn new(issue: usize, later: usize, max_rows: usize) -> Plan {
        let (qi, ql) = Dataset::quotas(issue, later, max_rows);
        Plan { issue: Spread::new(issue, qi), later: Spread::new(later, ql) }
    }

    /// Snapshots kept in all.
    pub fn kept(&self) -> usize {
        self.issue.k + self.later.k
    }

    /// Whether the next snapshot of kind `probe` is kept (call once per snapshot, in order).
    pub fn take(&mut self, probe: Probe) -> bool {
        match probe {
            Probe::AtIssue => self.issue.take(),
            Probe::Later => self.later.take(),
        }
    }
}

/// `k` of `len` items at `⌊j · len / k⌋`, j = 0 … k − 1 (all when `k ≥ len`), as
/// [`Dataset::subsample_indices`] spreads them.
#[derive(Debug, Clone)]
struct Spread {
    len: usize,
    k: usize,
    step: f64,
    seen: usize,
    next: usize,
}

impl Spread {
    fn new(len: usize, k: usize) -> Spread {
        let k = k.min(len);
        Spread { len, k, step: if k > 0 { len as f64 / k as f64 } else { 0.0 }, seen: 0, next: 0 }
    }

    fn take(&mut self) -> bool {
        let i = self.seen;
        self.seen += 1;
        if self.k >= self.len {
            return true;
        }
        if self.next < self.k && (self.next as f64 * self.step) as usize == i {
            self.next += 1;
            return true;
        }
        false
    }
}
