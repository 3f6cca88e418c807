//! The wait-time examples: a feature matrix with named columns ([`FEATURES`], the layout the
//! feature builder fills), the target, and the metadata that metrics break results down by.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use crate::schema::EpochMs;

/// Every model input, in matrix column order. The model file stores these names.
///
/// No month: two years of history hold each month once or twice, so a tree that splits on it
/// learns that month's luck of last year; the season's load already shows in the queue. Without
/// it the backtest's MAE over all snapshots fell 1.5–2.4 % on three independent simulated data
/// sets of three to five offices (at issue −0.9 to +0.4 %); on 85 offices, with many more days
/// per month, it moved by +0.2 % (docs/wait-model-measurements.md).
pub const FEATURES: [&str; 31] = [
    "ahead_same_service",
    "ahead_total",
    "waiting_total",
    "work_ahead_min",
    "active_counters",
    "busy_counters",
    "calls_last_15min",
    "calls_last_30min",
    "recent_service_min",
    "les_min",
    "hol_min",
    "elapsed_min",
    "service",
    "channel",
    "office",
    "minute_of_day",
    "weekday",
    "minutes_to_closing",
    "appointments_last_30min",
    "ql_estimate_min",
    "own_service_min",
    "hist_mean_wait_min",
    "office_service_min",
    "issued_minute_in_slot",
    "appointments_waiting",
    "appointments_waiting_drawn_late_in_slot",
    "walk_ins_ahead",
    "walk_in_work_ahead_min",
    "walk_ins_ahead_beyond_free_counters",
    "fluid_call_min",
    "minutes_into_own_slot",
];

/// The truth and metadata of the examples at `idx`, in that order: the part of a selection
/// that [`Dataset::select`] shares with `Outcomes::select`.
pub fn pick_outcomes(y: &[f64], meta: &[ExampleMeta], idx: &[usize]) -> (Vec<f64>, Vec<ExampleMeta>) {
    (idx.iter().map(|&i| y[i]).collect(), idx.iter().map(|&i| meta[i].clone()).collect())
}

/// Positions of the at-issue examples among `meta`, ascending.
pub fn at_issue_rows(meta: &[ExampleMeta]) -> Vec<usize> {
    meta.iter().enumerate().filter(|(_, m)| m.probe == Probe::AtIssue).map(|(i, _)| i).collect()
}

/// Column index of a feature name.
pub fn feature(name: &str) -> usize {
    FEATURES.iter().position(|f| *f == name).unwrap_or(usize::MAX)
}

/// Share of at-issue snapshots in the rows the GBM fits on: half, so it learns how waits
/// unfold as well (its predictions of later snapshots refresh a waiting citizen's ETA).
pub const MIXED_ISSUE_SHARE: f64 = 0.5;
/// Share of at-issue snapshots in the rows the GBM's at-issue booster fits on. Later
/// snapshots share its trees' leaves but not its use; with 0.9 the MAE at issue fell 1.6 %
/// on independent simulated data (docs/wait-model-measurements.md).
pub const AT_ISSUE_SHARE: f64 = 0.9;

/// At-issue and later examples kept of `issue` and `later` under a cap of `max_rows` (all of
/// them when there are no more): at-issue ones up to the share `share` of the cap, or more
/// when there are too few later ones.
pub fn share_quotas(issue: usize, later: usize, max_rows: usize, share: f64) -> (usize, usize) {
    if issue + later <= max_rows {
        return (issue, later);
    }
    let wanted = (max_rows as f64 * share).ceil() as usize;
    let issue_quota = issue.min(wanted).max(max_rows.saturating_sub(later));
    (issue_quota, max_rows - issue_quota)
}

/// Where a probe sits in a ticket's wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Probe {
    /// At the instant the number was drawn.
    AtIssue,
    /// A later snapshot while still waiting.
    Later,
}

/// Descriptive fields of one example (not model inputs); small, as training builds many.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleMeta {
    /// Office id (shared by all examples of an office).
    pub office: Arc<str>,
    pub date: NaiveDate,
    /// Row of the ticket in the [`crate::store::columns::TicketColumns`] the example was
    /// built from (its ticket id is there).
    pub row: u32,
    /// The probe instant.
    pub t: EpochMs,
    pub probe: Probe,
    /// Local hour of the probe instant.
    pub hour: u8,
    /// Tickets waiting ahead at the probe (for queue-length buckets).
    pub ahead: u32,
    /// The deterministic queue replay's call, minutes after the probe (`fluid_call_min`): the
    /// alarm never rings after it ([`crate::model::conformal::Calibrator::replay_cap`]).
    pub replay_min: f64,
}

impl ExampleMeta {
    /// ISO weekday (1 = Monday … 7) of the example's local date: the key of the alarm
    /// factors per weekday.
    pub fn weekday(&self) -> u8 {
        self.date.weekday().number_from_monday() as u8
    }
}

/// Examples in column-major order: `x[f * n + i]` is feature `f` of example `i`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub x: Vec<f64>,
    /// Remaining wait in minutes (NaN when unknown, e.g. in a live snapshot).
    pub y: Vec<f64>,
    pub meta: Vec<ExampleMeta>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    pub fn n_features(&self) -> usize {
        FEATURES.len()
    }

    /// Feature `f` of all examples.
    pub fn column(&self, f: usize) -> &[f64] {
        let n = self.len();
        &self.x[f * n..(f + 1) * n]
    }

    /// Value of feature `f` for example `i`.
    pub fn get(&self, i: usize, f: usize) -> f64 {
        self.x[f * self.len() + i]
    }

    /// Builds from row-major feature rows.
    pub fn from_rows(rows: &[[f64; FEATURES.len()]], y: Vec<f64>, meta: Vec<ExampleMeta>) -> Dataset {
        let n = rows.len();
        let mut x = vec![0.0; n * FEATURES.len()];
        for (i, r) in rows.iter().enumerate() {
            for (f, v) in r.iter().enumerate() {
                x[f * n + i] = *v;
            }
        }
        Dataset { x, y, meta }
    }

    /// The examples at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Dataset {
        let n = self.len();
        let m = idx.len();
        let mut x = vec![0.0; m * FEATURES.len()];
        for f in 0..FEATURES.len() {
            for (j, &i) in idx.iter().enumerate() {
                x[f * m + j] = self.x[f * n + i];
            }
        }
        let (y, meta) = pick_outcomes(&self.y, &self.meta, idx);
        Dataset { x, y, meta }
    }

    /// The rows built to fit on under a cap of `max_rows` per model: enough for both the GBM
    /// ([`MIXED_ISSUE_SHARE`] at issue) and its at-issue booster ([`AT_ISSUE_SHARE`]), so at
    /// most 1.4 × `max_rows`; each takes its own spread of them ([`Dataset::subsample_share`]).
    /// Indices ascend, so the order is kept.
    pub fn subsample_indices(&self, max_rows: usize) -> Vec<usize> {
        self.spread_indices(|issue, later| Dataset::quotas(issue, later, max_rows))
    }

    /// At most `max_rows` examples, deterministically: at-issue ones up to the share `share`
    /// of the cap, an even spread of each kind (all of them when there are no more).
    pub fn subsample_share(&self, max_rows: usize, share: f64) -> std::borrow::Cow<'_, Dataset> {
        self.select_cow(&self.share_indices(max_rows, share))
    }

    /// The indices [`Dataset::subsample_share`] keeps, ascending.
    pub fn share_indices(&self, max_rows: usize, share: f64) -> Vec<usize> {
        self.spread_indices(|issue, later| share_quotas(issue, later, max_rows, share))
    }

    /// The examples at ascending `idx`: borrowed when that is all of them, else a copy.
    pub fn select_cow(&self, idx: &[usize]) -> std::borrow::Cow<'_, Dataset> {
        if idx.len() == self.len() {
            std::borrow::Cow::Borrowed(self)
        } else {
            std::borrow::Cow::Owned(self.select(idx))
        }
    }

    fn spread_indices(&self, quotas: impl Fn(usize, usize) -> (usize, usize)) -> Vec<usize> {
        let n = self.len();
        let (issue, later): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| self.meta.get(i).is_some_and(|m| m.probe == Probe::AtIssue));
        let (issue_quota, later_quota) = quotas(issue.len(), later.len());
        if issue_quota + later_quota >= n {
            return (0..n).collect();
        }
        let mut idx = spread(&issue, issue_quota);
        idx.extend(spread(&later, later_quota));
        idx.sort_unstable();
        idx
    }

    /// At-issue and later examples built of `issue` and `later` under a cap of `max_rows` per
    /// model (all of them when there are no more): what the GBM and its at-issue booster need
    /// together, the larger of their [`share_quotas`].
    pub fn quotas(issue: usize, later: usize, max_rows: usize) -> (usize, usize) {
        let (mi, ml) = share_quotas(issue, later, max_rows, MIXED_ISSUE_SHARE);
        let (ii, il) = share_quotas(issue, later, max_rows, AT_ISSUE_SHARE);
        (mi.max(ii), ml.max(il))
    }

    /// The subsample of [`Dataset::subsample_indices`] (a copy only when it drops rows).
    pub fn subsample(&self, max_rows: usize) -> std::borrow::Cow<'_, Dataset> {
        if self.len() <= max_rows {
            std::borrow::Cow::Borrowed(self)
        } else {
            std::borrow::Cow::Owned(self.select(&self.subsample_indices(max_rows)))
        }
    }
}

/// `k` of `items`, evenly spread (all when `k ≥ len`).
fn spread(items: &[usize], k: usize) -> Vec<usize> {
    if k >= items.len() {
        return items.to_vec();
    }
    let step = items.len() as f64 / k as f64;
    (0..k).map(|j| items[(j as f64 * step) as usize]).collect()
}
