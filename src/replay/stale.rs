//! Stale tickets: how long a ticket can wait before the replay takes it to have left.
//!
//! Logs often leave a ticket that was never called without a void time (`finished_at`), or
//! void it only when the office closes; replayed literally, it stays "waiting" for hours and
//! inflates the queue length, the oldest wait and every average built on them. The rule, the
//! same for profiles, training, backtests and `predict`: a ticket waits from its issue until
//! its call, its void time or its issue plus the office's **wait bound**, whichever comes
//! first. The bound is knowable at any instant, so the replay still never looks ahead: a live
//! queue cannot tell a stale ticket from one that will still be called, so neither does the
//! replay of a past day (a ticket called after the bound is a "late call": it is served, but
//! left the waiting queue at the bound).
//!
//! The bound of an office is 1.5 × its p99 wait (nearest rank over its called tickets, whole
//! milliseconds, 3/2 rounded down), at least [`MIN_BOUND_MS`]; an office with fewer than
//! [`MIN_CALLED`] called tickets gets the bound of all offices pooled, and without enough
//! tickets at all [`DEFAULT_BOUND_MS`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::schema::EpochMs;
use crate::store::columns::TicketColumns;

/// Bound used where nothing was learned: 3 hours.
pub const DEFAULT_BOUND_MS: EpochMs = 180 * 60_000;
/// Smallest bound learned: 30 minutes.
pub const MIN_BOUND_MS: EpochMs = 30 * 60_000;
/// Called tickets an office needs for a bound of its own.
pub const MIN_CALLED: usize = 100;

/// Wait bounds per office, learned from history (see the module text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitBounds {
    /// Bound per office id, milliseconds.
    pub by_office: BTreeMap<String, EpochMs>,
    /// Bound of offices without one of their own, milliseconds.
    pub fallback: EpochMs,
}

impl Default for WaitBounds {
    fn default() -> Self {
        WaitBounds { by_office: BTreeMap::new(), fallback: DEFAULT_BOUND_MS }
    }
}

impl WaitBounds {
    /// Learns the bounds from the waits of the called tickets in `c`.
    pub fn learn(c: &TicketColumns) -> WaitBounds {
        WaitBounds::learn_where(c, |_| true)
    }

    /// Learns the bounds from the called tickets of `c` whose local date passes `keep`.
    pub fn learn_where(c: &TicketColumns, keep: impl Fn(chrono::NaiveDate) -> bool) -> WaitBounds {
        let mut per: Vec<Vec<EpochMs>> = vec![Vec::new(); c.offices.len()];
        for i in (0..c.len()).filter(|&i| keep(c.date[i])) {
            if let Some(called) = c.called[i] {
                per[c.office[i] as usize].push(called - c.issued[i]);
            }
        }
        let mut pooled: Vec<EpochMs> = per.iter().flatten().copied().collect();
        let fallback = bound_of(&mut pooled).unwrap_or(DEFAULT_BOUND_MS);
        let by_office = per
            .iter_mut()
            .enumerate()
            .filter_map(|(o, waits)| Some((c.offices[o].clone(), bound_of(waits)?)))
            .collect();
        WaitBounds { by_office, fallback }
    }

    /// The bound of `office`, milliseconds.
    pub fn bound_ms(&self, office: &str) -> EpochMs {
        self.by_office.get(office).copied().unwrap_or(self.fallback)
    }
}

/// 1.5 × the nearest-rank p99 of `waits`, at least [`MIN_BOUND_MS`]; `None` for too few.
fn bound_of(waits: &mut [EpochMs]) -> Option<EpochMs> {
    if waits.len() < MIN_CALLED {
        return None;
    }
    waits.sort_unstable();
    // Nearest rank: the ⌈0.99 n⌉-th smallest, in integers.
    let rank = (99 * waits.len()).div_ceil(100);
    let p99 = waits[rank - 1].max(0);
    Some((p99 * 3 / 2).max(MIN_BOUND_MS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn columns(waits_min: &[(u32, Option<i64>)]) -> TicketColumns {
        let mut c = TicketColumns {
            offices: vec!["a".into(), "b".into()],
            services: vec!["PA".into()],
            ..TicketColumns::default()
        };
        for (i, &(office, wait)) in waits_min.iter().enumerate() {
            c.office.push(office);
            c.date.push(NaiveDate::from_ymd_opt(2025, 6, 2).unwrap());
            c.ticket_id.push(format!("A{i}"));
            c.service.push(0);
            c.channel.push(crate::schema::Channel::WalkIn);
            c.issued.push(1000 * 60_000);
            c.called.push(wait.map(|w| (1000 + w) * 60_000));
            c.finished.push(None);
            c.counter.push(None);
            c.outcome.push(crate::schema::Outcome::Served);
        }
        c
    }

    #[test]
    fn bound_is_one_and_a_half_p99_with_fallbacks() {
        // Office a: 200 called tickets waiting 1 … 200 minutes; the nearest-rank p99 is the
        // 198th smallest, 198 minutes, so the bound is 297 minutes. Office b: 10 called, too
        // few, so it gets the pooled bound (210 waits: rank 208; the values 1…200 and b's ten
        // waits of 5 sort the 208th to 198 minutes). Never-called tickets do not count.
        let mut t: Vec<(u32, Option<i64>)> = (1..=200).map(|w| (0, Some(w))).collect();
        t.extend((0..10).map(|_| (1, Some(5))));
        t.extend((0..50).map(|_| (1, None)));
        let b = WaitBounds::learn(&columns(&t));
        assert_eq!(b.bound_ms("a"), 297 * 60_000);
        assert_eq!(b.by_office.get("b"), None);
        assert_eq!(b.bound_ms("b"), 297 * 60_000);
        assert_eq!(b.bound_ms("unknown"), b.fallback);
    }

    #[test]
    fn short_waits_get_the_minimum_and_no_history_the_default() {
        let t: Vec<(u32, Option<i64>)> = (0..150).map(|_| (0, Some(2))).collect();
        let b = WaitBounds::learn(&columns(&t));
        assert_eq!(b.bound_ms("a"), MIN_BOUND_MS);
        let none = WaitBounds::learn(&columns(&[(0, Some(3)), (1, None)]));
        assert_eq!((none.bound_ms("a"), none.bound_ms("b")), (DEFAULT_BOUND_MS, DEFAULT_BOUND_MS));
        assert_eq!(WaitBounds::default().bound_ms("x"), DEFAULT_BOUND_MS);
    }
}
