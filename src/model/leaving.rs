//! Walk-ins who give up: the share of walk-ins still there after waiting a while, learned
//! per office from history. Where waits are long, the replay of the queue ([`crate::model::fluid`])
//! otherwise serves everyone ahead for their full counter time, and a ticket is called later in
//! the replay than it will be: some ahead void their ticket, others are not there when called.
//!
//! The curve is a Kaplan–Meier estimate over the walk-ins of the training window, on a grid of
//! [`STEP_MIN`] minutes: a void (a cancellation with its time) ends a wait at the void, a
//! no-show at its call (only then does the office learn they left), a served ticket is
//! censored at its call. A cancellation after the day's last call is the closing sweep, not a
//! citizen giving up: censored there. Offices with fewer than [`MIN_WALK_INS`] walk-ins get the
//! curve of all offices pooled; the grid ends where fewer than [`MIN_AT_RISK`] still wait.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::replay::day_ranges;
use crate::schema::{Channel, EpochMs, Outcome};
use crate::store::columns::TicketColumns;

/// Grid step of the curve, minutes.
pub const STEP_MIN: f64 = 5.0;
/// Longest wait the curve covers, minutes (beyond: its last value).
pub const MAX_MIN: f64 = 300.0;
/// Walk-ins an office needs for a curve of its own.
pub const MIN_WALK_INS: usize = 500;
/// Walk-ins still waiting a grid step needs to estimate its hazard.
pub const MIN_AT_RISK: f64 = 30.0;
/// Minutes between a counter's finish and its next call: the queue replay's (`fluid` takes it
/// from here, as it imports this module) and the cost of a no-show's call.
pub const GAP_MIN: f64 = 0.5;

/// Walk-ins' staying, per office (see the module text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Leaving {
    pub by_office: BTreeMap<String, LeavingCurve>,
    /// Curve of offices without one of their own (None: too few walk-ins anywhere).
    pub fallback: Option<LeavingCurve>,
}

/// One office's curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeavingCurve {
    /// Share of walk-ins neither voided nor gone at minute `k × STEP_MIN` of their wait,
    /// rounded to 1e-4 (the model file stays short; training and predict see the same values).
    pub staying: Vec<f64>,
    /// Counter minutes, the gap to the next call included, an office spends per walk-in who
    /// left: no-shows are still called, voided tickets are skipped.
    pub gone_min: f64,
}

impl LeavingCurve {
    /// Share staying after `waited` minutes (linear between grid points).
    pub fn staying_at(&self, waited: f64) -> f64 {
        let Some(&last) = self.staying.last() else { return 1.0 };
        let x = waited.max(0.0) / STEP_MIN;
        let k = x.floor() as usize;
        if k + 1 >= self.staying.len() {
            return last;
        }
        let f = x - k as f64;
        self.staying[k] * (1.0 - f) + self.staying[k + 1] * f
    }

    /// Chance that a walk-in who has waited `waited` minutes is still there `more` minutes on.
    pub fn still_there(&self, waited: f64, more: f64) -> f64 {
        let now = self.staying_at(waited);
        if now <= 0.0 {
            return 1.0;
        }
        (self.staying_at(waited + more.max(0.0)) / now).clamp(0.0, 1.0)
    }
}

/// How a walk-in's wait ended, for the estimate.
#[derive(Debug, Clone, Copy)]
struct Spell {
    minutes: f64,
    left: bool,
    no_show_counter_min: Option<f64>,
}

impl Leaving {
    /// Learns the curves from the walk-ins of `c` whose local date passes `keep`.
    pub fn learn_where(c: &TicketColumns, keep: impl Fn(chrono::NaiveDate) -> bool) -> Leaving {
        let mut per: Vec<Tally> = vec![Tally::default(); c.offices.len()];
        for day in day_ranges(c).into_iter().filter(|d| keep(d.date)) {
            let last = day.rows.clone().filter_map(|i| c.called[i]).max();
            for i in day.rows.filter(|&i| c.channel[i] != Channel::Appointment) {
                if let Some(spell) = spell(c, i, last) {
                    per[c.office[i] as usize].add(spell);
                }
            }
        }
        let mut pooled = Tally::default();
        per.iter().for_each(|t| pooled.merge(t));
        let fallback = (pooled.n >= MIN_WALK_INS).then(|| pooled.curve());
        let by_office = per
            .iter()
            .enumerate()
            .filter(|(_, t)| t.n >= MIN_WALK_INS)
            .map(|(o, t)| (c.offices[o].clone(), t.curve()))
            .collect();
        Leaving { by_office, fallback }
    }

    /// The curve of `office` (None: nobody is taken to leave).
    pub fn curve(&self, office: &str) -> Option<&LeavingCurve> {
        self.by_office.get(office).or(self.fallback.as_ref())
    }
}

/// The wait of walk-in `i` and how it ended; None when the log does not say.
fn spell(c: &TicketColumns, i: usize, last_call: Option<EpochMs>) -> Option<Spell> {
    let issued = c.issued[i];
    let minutes = |t: EpochMs| (t - issued).max(0) as f64 / 60_000.0;
    match (c.outcome[i], c.called[i], c.finished[i]) {
        (Outcome::Served, Some(called), _) => {
            Some(Spell { minutes: minutes(called), left: false, no_show_counter_min: None })
        }
        (Outcome::NoShow, Some(called), finished) => Some(Spell {
            minutes: minutes(called),
            left: true,
            no_show_counter_min: Some(finished.map_or(0.0, |f| (f - called).max(0) as f64 / 60_000.0)),
        }),
        (Outcome::Cancelled, _, Some(void)) => {
            let sweep = last_call.is_none_or(|l| void > l);
            Some(Spell { minutes: minutes(void), left: !sweep, no_show_counter_min: None })
        }
        _ => None,
    }
}

/// Waits counted per grid interval (one pass over the rows, nothing kept per ticket).
#[derive(Debug, Clone, Default)]
struct Tally {
    /// Waits ending in grid interval k: (left, censored); the last one collects all longer.
    ended: Vec<(f64, f64)>,
    n: usize,
    leavers: usize,
    /// Counter minutes of the no-shows, each with its gap to the next call.
    no_show_min: f64,
}

impl Tally {
    fn grid(&mut self) -> &mut Vec<(f64, f64)> {
        if self.ended.is_empty() {
            self.ended = vec![(0.0, 0.0); (MAX_MIN / STEP_MIN) as usize + 1];
        }
        &mut self.ended
    }

    fn add(&mut self, s: Spell) {
        let last = (MAX_MIN / STEP_MIN) as usize;
        let k = ((s.minutes / STEP_MIN).floor() as usize).min(last);
        let cell = &mut self.grid()[k];
        if s.left {
            cell.0 += 1.0;
            self.leavers += 1;
        } else {
            cell.1 += 1.0;
        }
        self.n += 1;
        if let Some(m) = s.no_show_counter_min {
            self.no_show_min += m + GAP_MIN;
        }
    }

    fn merge(&mut self, o: &Tally) {
        if o.n == 0 {
            return;
        }
        for (a, b) in self.grid().iter_mut().zip(&o.ended) {
            a.0 += b.0;
            a.1 += b.1;
        }
        self.n += o.n;
        self.leavers += o.leavers;
        self.no_show_min += o.no_show_min;
    }

    /// Kaplan–Meier on the grid, and the counter minutes per leaver.
    fn curve(&self) -> LeavingCurve {
        let mut at_risk = self.n as f64;
        let mut staying = vec![1.0];
        let mut s = 1.0;
        let steps = (MAX_MIN / STEP_MIN) as usize;
        for &(left, censored) in self.ended.iter().take(steps) {
            if at_risk < MIN_AT_RISK {
                break;
            }
            s *= 1.0 - left / at_risk;
            staying.push((s * 1e4).round() / 1e4);
            at_risk -= left + censored;
        }
        let gone_min = if self.leavers == 0 { 0.0 } else { self.no_show_min / self.leavers as f64 };
        LeavingCurve { staying, gone_min: (gone_min * 1e4).round() / 1e4 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// Walk-ins of office 0 on one day, issued at minute 600: (outcome, called minute after
    /// issue, finished minute after issue).
    fn columns(rows: &[(Outcome, Option<i64>, Option<i64>)]) -> TicketColumns {
        let mut c = TicketColumns {
            offices: vec!["a".into()],
            services: vec!["PA".into()],
            ..TicketColumns::default()
        };
        let at = |m: i64| (600 + m) * 60_000;
        for (i, &(outcome, called, finished)) in rows.iter().enumerate() {
            c.office.push(0);
            c.date.push(NaiveDate::from_ymd_opt(2025, 6, 2).unwrap());
            c.ticket_id.push(format!("A{i}"));
            c.service.push(0);
            c.channel.push(Channel::WalkIn);
            c.issued.push(at(0));
            c.called.push(called.map(at));
            c.finished.push(finished.map(at));
            c.counter.push(None);
            c.outcome.push(outcome);
        }
        c
    }

    #[test]
    fn kaplan_meier_by_hand() {
        // 1000 walk-ins: 600 served after 2 min; 100 void after 7 min; 100 no-shows called
        // after 12 min (2 counter minutes each); 200 served after 22 min; and 50 cancelled
        // after the day's last call (minute 22), the closing sweep: censored at 40.
        let mut rows = vec![(Outcome::Served, Some(2), Some(10)); 600];
        rows.extend(vec![(Outcome::Cancelled, None, Some(7)); 100]);
        rows.extend(vec![(Outcome::NoShow, Some(12), Some(14)); 100]);
        rows.extend(vec![(Outcome::Served, Some(22), Some(30)); 200]);
        rows.extend(vec![(Outcome::Cancelled, None, Some(40)); 50]);
        let l = Leaving::learn_where(&columns(&rows), |_| true);
        let c = l.curve("a").unwrap();
        // At risk: 1050 in [0,5), 450 in [5,10) (100 leave: 1 − 100/450), 350 in [10,15)
        // (100 leave), 250 in [15,20), 250 in [20,25), 50 in [25,30) … 50 in [40,45).
        let s1 = 1.0 - 100.0 / 450.0;
        let s2 = s1 * (1.0 - 100.0 / 350.0);
        let r = |x: f64| (x * 1e4).round() / 1e4;
        assert_eq!(c.staying[..5], [1.0, 1.0, r(s1), r(s2), r(s2)]);
        // The grid ends when fewer than 30 wait: after [40,45) nobody does.
        assert_eq!(c.staying.len(), 10);
        // Per leaver: 100 no-shows × 2.5 counter minutes over 200 leavers.
        assert_eq!(c.gone_min, 1.25);
        assert_eq!(c.staying_at(12.5), (r(s1) + r(s2)) / 2.0);
        assert_eq!(c.still_there(0.0, 500.0), r(s2));
        assert_eq!(c.still_there(10.0, 5.0), r(s2) / r(s1));
        // Too few walk-ins: no curve at all.
        let few = Leaving::learn_where(&columns(&rows[..400]), |_| true);
        assert_eq!(few, Leaving::default());
    }
}
