//! A deterministic replay of the queue from a snapshot: the counters open now take due
//! appointments first, then walk-ins in ticket order, each for its usual counter time (in
//! expectation: a walk-in likely to have given up by then takes a no-show's call). Its
//! call time for the ticket is a feature: it carries the queue's order of service, which the
//! counts alone do not.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::model::leaving::{GAP_MIN, LeavingCurve};

/// Minutes as a totally ordered heap key.
#[derive(Debug, Clone, Copy)]
struct Key(f64);
impl PartialEq for Key {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o).is_eq()
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// Counters on duty through the rest of the day: today's counters now, moved by the usual
/// plan's changes from this quarter hour on (lunch, late shift, closing).
#[derive(Debug, Clone, Copy, Default)]
pub struct Staffing<'a> {
    /// Local minute of the day now.
    pub now_minute: f64,
    /// Usual counters calling per quarter hour of the day (empty: today's count all day).
    pub usual: &'a [f64],
}

impl Staffing<'_> {
    fn usual_at(&self, t: f64) -> Option<f64> {
        if self.usual.is_empty() {
            return None;
        }
        let q = ((self.now_minute + t) / 15.0).floor().max(0.0) as usize;
        Some(self.usual.get(q).copied().unwrap_or(0.0))
    }

    /// Counters on duty `t` minutes from now, when `now` are on duty now: the usual plan's
    /// counters then, scaled up when more than usual are on duty now (at opening few have
    /// called yet, so fewer than usual say little).
    fn on_duty(&self, now: usize, t: f64) -> usize {
        match (self.usual_at(0.0), self.usual_at(t)) {
            (Some(u0), Some(u)) if u0 >= 1.0 => (u * (now as f64).max(u0) / u0).round() as usize,
            _ => now,
        }
    }

    /// The first instant at or after `t` at which counter `k` (0-based) is on duty, within
    /// the day.
    fn next_on_duty(&self, now: usize, k: usize, t: f64) -> Option<f64> {
        if k < self.on_duty(now, t) {
            return Some(t);
        }
        let mut q = ((self.now_minute + t) / 15.0).floor() + 1.0;
        while q * 15.0 < 24.0 * 60.0 {
            let at = q * 15.0 - self.now_minute;
            if k < self.on_duty(now, at) {
                return Some(at);
            }
            q += 1.0;
        }
        None
    }
}

/// A walk-in ahead: usual counter minutes, minutes waited so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkIn {
    pub minutes: f64,
    pub waited: f64,
}

impl WalkIn {
    /// Minutes a counter spends on this walk-in when it calls it `t` minutes from now: their
    /// service if they are still there, else the call of a no-show (in expectation).
    fn busy(&self, t: f64, leaving: Option<&LeavingCurve>) -> f64 {
        match leaving {
            None => self.minutes + GAP_MIN,
            Some(c) => {
                let p = c.still_there(self.waited, t);
                p * (self.minutes + GAP_MIN) + (1.0 - p) * c.gone_min
            }
        }
    }
}

/// The snapshot as the replay sees it; times in minutes from now.
#[derive(Debug, Clone, Default)]
pub struct Snapshot<'a> {
    /// Counters open now.
    pub counters: usize,
    pub staffing: Staffing<'a>,
    /// Expected remaining minutes of each running service.
    pub running: Vec<f64>,
    /// The walk-ins ahead of the ticket, in ticket order.
    pub walk_ins: Vec<WalkIn>,
    /// Walk-ins' staying by their wait (None: everyone ahead stays to be served).
    pub leaving: Option<&'a LeavingCurve>,
    /// Other appointment tickets waiting: (minutes until due, usual counter minutes).
    pub appointments: Vec<(f64, f64)>,
    /// Appointments still to be drawn (minutes until due, usual counter minutes): at an equal
    /// due time they go after the ticket (called by due time, then drawing order).
    pub to_come: Vec<(f64, f64)>,
    /// The ticket's own due time if it is an appointment (None: a walk-in).
    pub own_due: Option<f64>,
}

/// Minutes until the ticket is called in the replay.
pub fn call_in(s: &Snapshot) -> f64 {
    let mut free: BinaryHeap<Reverse<(Key, usize)>> = BinaryHeap::new();
    let now = s.counters.max(s.running.len()).max(1);
    let most = (0..24 * 4).map(|q| s.staffing.on_duty(now, q as f64 * 15.0)).max().unwrap_or(now).max(now);
    for k in 0..most {
        let ready = s.running.get(k).map_or(0.0, |&r| r.max(0.0) + GAP_MIN);
        if let Some(t) = s.staffing.next_on_duty(now, k, ready) {
            free.push(Reverse((Key(t), k)));
        }
    }
    let mut last = 0.0;
    // Appointments by due time, the ticket itself (when an appointment) among them; at an
    // equal due time: those drawn, the ticket, those still to come.
    let mut appts: Vec<(f64, f64, u8)> = s.appointments.iter().map(|&(d, m)| (d.max(0.0), m, 0)).collect();
    appts.extend(s.to_come.iter().map(|&(d, m)| (d.max(0.0), m, 2)));
    if let Some(d) = s.own_due {
        appts.push((d.max(0.0), 0.0, 1));
    }
    appts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    let (mut a, mut w) = (0usize, 0usize);
    let own_walk_in = s.own_due.is_none();
    while let Some(Reverse((Key(t), k))) = free.pop() {
        last = t;
        if k >= s.staffing.on_duty(now, t) {
            if let Some(next) = s.staffing.next_on_duty(now, k, t) {
                free.push(Reverse((Key(next), k)));
            }
            continue;
        }
        if a < appts.len() && appts[a].0 <= t {
            let (_, m, order) = appts[a];
            if order == 1 {
                return t;
            }
            a += 1;
            free.push(Reverse((Key(t + m + GAP_MIN), k)));
        } else if w < s.walk_ins.len() {
            free.push(Reverse((Key(t + s.walk_ins[w].busy(t, s.leaving)), k)));
            w += 1;
        } else if own_walk_in {
            return t;
        } else if a < appts.len() {
            // Nobody callable before the next appointment is due: the counter waits for it.
            free.push(Reverse((Key(appts[a].0), k)));
        } else {
            return t;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk_ins(minutes: &[f64]) -> Vec<WalkIn> {
        minutes.iter().map(|&minutes| WalkIn { minutes, waited: 0.0 }).collect()
    }

    #[test]
    fn walk_ins_likely_gone_take_a_no_show_call() {
        // Staying: 1 up to 20 min of wait, 0.5 from 25 min on; a leaver costs 1 counter minute.
        let curve = LeavingCurve { staying: vec![1.0, 1.0, 1.0, 1.0, 1.0, 0.5], gone_min: 1.0 };
        // The counter is free in 10 minutes; ahead, one walk-in has waited 20 minutes, one just came.
        let s = Snapshot {
            counters: 1,
            running: vec![9.5],
            walk_ins: vec![WalkIn { minutes: 9.5, waited: 20.0 }, WalkIn { minutes: 9.5, waited: 0.0 }],
            ..Snapshot::default()
        };
        // Everyone stays: 10, 20, then the ticket at 30.
        assert_eq!(call_in(&s), 30.0);
        // Reached at 30 minutes of wait, the first stays with chance 0.5: 0.5 × 10 + 0.5 × 1 =
        // 5.5 minutes. The second, reached at 15.5 minutes of wait, stays: 10.
        let leaving = Snapshot { leaving: Some(&curve), ..s };
        assert_eq!(call_in(&leaving), 10.0 + 5.5 + 10.0);
    }

    #[test]
    fn a_free_counter_calls_a_walk_in_at_once() {
        let s = Snapshot { counters: 2, running: vec![5.0], ..Snapshot::default() };
        assert_eq!(call_in(&s), 0.0);
    }

    #[test]
    fn walk_ins_wait_for_due_appointments_and_those_ahead() {
        // One counter busy 4 more minutes; one walk-in (10 min) ahead; an appointment due in 2.
        let s = Snapshot {
            counters: 1,
            running: vec![4.0],
            walk_ins: walk_ins(&[10.0]),
            appointments: vec![(2.0, 6.0)],
            ..Snapshot::default()
        };
        // 4.5: appointment (to 11), 11.0: walk-in (to 21.5), 21.5: the ticket.
        assert_eq!(call_in(&s), 21.5);
    }

    #[test]
    fn an_appointment_waits_for_its_slot_and_earlier_ones() {
        let s = Snapshot {
            counters: 1,
            running: vec![],
            walk_ins: walk_ins(&[3.0]),
            appointments: vec![(1.0, 5.0)],
            own_due: Some(2.0),
            ..Snapshot::default()
        };
        // 0: walk-in (to 3.5), 3.5: appointment due at 1 (to 9), 9: the ticket.
        assert_eq!(call_in(&s), 9.0);
        let early = Snapshot { walk_ins: vec![], appointments: vec![], ..s.clone() };
        assert_eq!(call_in(&early), 2.0);
        // Those still to come for the same slot go after the ticket, an earlier slot before.
        let later = Snapshot { to_come: vec![(2.0, 5.0)], ..s.clone() };
        assert_eq!(call_in(&later), 9.0);
        let before = Snapshot { to_come: vec![(1.5, 5.0)], ..s };
        assert_eq!(call_in(&before), 14.5);
    }

    #[test]
    fn a_counter_leaving_for_lunch_calls_nobody_until_it_is_back() {
        // 11:50, two counters until 12:00, one until 13:30, then two again until 16:00.
        let mut usual = vec![0.0; 96];
        usual[44..48].fill(2.0);
        usual[48..54].fill(1.0);
        usual[54..64].fill(2.0);
        let staffing = Staffing { now_minute: 710.0, usual: &usual };
        let s = Snapshot {
            counters: 2,
            staffing,
            walk_ins: walk_ins(&[10.0, 10.0, 10.0]),
            ..Snapshot::default()
        };
        // Both take a walk-in at once (to 10.5 = 12:00.5); then only one is on duty: it takes
        // the third (to 21.0), then the ticket.
        assert_eq!(call_in(&s), 21.0);
        assert_eq!(staffing.next_on_duty(2, 1, 10.5), Some(100.0));
        let all_day = Snapshot { staffing: Staffing::default(), ..s };
        assert_eq!(call_in(&all_day), 10.5);
    }

    #[test]
    fn nobody_calls_after_closing() {
        let mut usual = vec![0.0; 96];
        usual[60..64].fill(1.0); // 15:00-16:00
        let s = Snapshot {
            counters: 1,
            staffing: Staffing { now_minute: 950.0, usual: &usual },
            walk_ins: walk_ins(&[30.0]),
            ..Snapshot::default()
        };
        // The walk-in ahead ends at 30.5, after closing (at 10): the replay ends there.
        assert_eq!(call_in(&s), 30.5);
    }
}
