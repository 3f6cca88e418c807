//! Discrete-event simulation of one office on one open day.
//!
//! Closing policy: the ticket dispenser closes [`DISPENSER_CLOSES_BEFORE_MIN`] minutes before
//! closing, and earlier for anyone whose estimated wait would run past closing (they are turned
//! away without a ticket). Counters call nobody at or after closing; a service in progress is
//! finished. Tickets still waiting at closing are cancelled by staff shortly after closing.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use chrono::{Datelike, NaiveDate};

use super::clock::DayClock;
use super::demand::DayDemand;
use super::offices::{Hours, Minute, OfficePreset, hm};
use super::services::SERVICES;
use crate::random::{
    DayRng, chance, lognormal, poisson_thinning, stochastic_round, uniform_i64, weighted_index,
};
use crate::schema::{Channel, Outcome, Ticket};
use crate::time::{MS_PER_MINUTE, MS_PER_SECOND};

/// The dispenser stops issuing walk-in numbers this long before closing.
pub const DISPENSER_CLOSES_BEFORE_MIN: u32 = 30;
/// Appointment slots lie on this grid (minutes); the last slot starts 30 minutes before closing.
pub const SLOT_MIN: u32 = 15;

/// Longest counter time; the lognormal tail is cut here.
pub(super) const MAX_SERVICE: i64 = 120 * MS_PER_MINUTE;

/// One office on one open day, with the settings that shape it.
#[derive(Debug, Clone, Copy)]
pub struct OfficeDay<'a> {
    pub office: &'a OfficePreset,
    pub date: NaiveDate,
    pub hours: Hours,
    pub scale: f64,
}

/// What one office-day produced.
#[derive(Debug, Clone, Default)]
pub struct DayResult {
    /// Tickets sorted by `issued_at`, then `ticket_id`.
    pub tickets: Vec<Ticket>,
    /// Walk-ins refused a number because the queue would not be served before closing.
    pub turned_away: u32,
    /// Booked appointments nobody came to (they leave no ticket).
    pub missed_appointments: u32,
}

/// A citizen with a ticket, times in ms since local midnight.
#[derive(Debug, Clone)]
pub(super) struct Visitor {
    pub(super) channel: Channel,
    pub(super) service: usize,
    pub(super) issued: i64,
    /// Earliest call: the slot for appointments (the issue time if they come late), the issue
    /// time for walk-ins.
    pub(super) due: i64,
    /// The booked slot (appointments; the issue time for walk-ins).
    pub(super) slot: i64,
    pub(super) service_ms: i64,
    /// When the citizen stops waiting (`i64::MAX`: never).
    pub(super) gives_up: i64,
    /// Whether giving up voids the ticket (cancelled) or they just leave (no-show when called).
    pub(super) voids: bool,
    /// Not at the counter when called, whatever the wait.
    pub(super) absent: bool,
    pub(super) called: Option<(i64, u32)>,
    pub(super) finished: i64,
    pub(super) outcome: Outcome,
}

/// A counter time of a service: lognormal, its tail cut at [`MAX_SERVICE`].
pub(super) fn draw_service_ms(rng: &mut DayRng, service: usize) -> i64 {
    let p = &SERVICES[service];
    ((lognormal(rng, p.median_min, p.sigma) * MS_PER_MINUTE as f64) as i64)
        .clamp(MS_PER_MINUTE / 2, MAX_SERVICE)
}

/// When a walk-in stops waiting, and whether they void the ticket: patience has a median of 80
/// minutes; half of those who leave void their ticket in the app.
pub(super) fn patience(rng: &mut DayRng, issued: i64) -> (i64, bool) {
    (issued + (lognormal(rng, 80.0, 0.45) * MS_PER_MINUTE as f64) as i64, chance(rng, 0.5))
}

/// Whether the citizen is not at the counter when called, whatever the wait.
pub(super) fn absence(rng: &mut DayRng, channel: Channel) -> bool {
    chance(rng, if channel == Channel::WalkIn { 0.025 } else { 0.015 })
}

impl Visitor {
    pub(super) fn new(channel: Channel, service: usize, issued: i64, due: i64, rng: &mut DayRng) -> Visitor {
        let service_ms = draw_service_ms(rng, service);
        let (gives_up, voids) = match channel {
            Channel::WalkIn => patience(rng, issued),
            Channel::Appointment => (i64::MAX, false),
        };
        let absent = absence(rng, channel);
        Visitor {
            channel,
            service,
            issued,
            due,
            slot: due,
            service_ms,
            gives_up,
            voids,
            absent,
            called: None,
            finished: 0,
            outcome: Outcome::Cancelled,
        }
    }
}

/// Simulates one office-day; all randomness comes from `rng`, in a fixed order.
pub fn simulate_day(day: &OfficeDay, rng: &mut DayRng, clock: &DayClock) -> DayResult {
    let (run, missed_appointments) = run_day(day, rng);
    let turned_away = run.turned_away;
    DayResult { tickets: run.into_tickets(&day.office.id, clock), turned_away, missed_appointments }
}

/// Draws the day's citizens and runs the counters until everyone is served or cancelled.
fn run_day(day: &OfficeDay, rng: &mut DayRng) -> (Run, u32) {
    let (mut run, missed) = draw_day(day, rng);
    run.serve(&mut Draws::one(rng));
    run.close(rng);
    (run, missed)
}

/// The day's citizens drawn, before any counter calls (the wait bound replays from here), and
/// the missed appointments.
pub(super) fn draw_day(day: &OfficeDay, rng: &mut DayRng) -> (Run, u32) {
    let demand = DayDemand::new(day.office, day.date, day.hours, day.scale);
    let plan = day.office.staffing_plan(day.date.weekday(), day.hours, day.scale);
    let walk_ins = draw_walk_ins(day, &demand, rng);
    let (appointments, missed) = draw_appointments(day, &demand, &plan, rng);
    (Run::new(day.hours, plan, walk_ins, appointments, mean_ticket_ms(&demand)), missed)
}

/// The serve loop's random draws (call gaps, no-show times): one stream, or for the wait bound
/// a second stream from an instant on, so a replay keeps the day's past and redraws its future.
pub(super) struct Draws<'a> {
    before: &'a mut DayRng,
    after: Option<(i64, DayRng)>,
}

impl<'a> Draws<'a> {
    pub(super) fn one(rng: &'a mut DayRng) -> Draws<'a> {
        Draws { before: rng, after: None }
    }

    /// `rng` up to (not including) `from`, `after` from then on.
    pub(super) fn switching(rng: &'a mut DayRng, from: i64, after: DayRng) -> Draws<'a> {
        Draws { before: rng, after: Some((from, after)) }
    }

    /// The stream for a draw at instant `t` (the serve loop draws in time order).
    fn at(&mut self, t: i64) -> &mut DayRng {
        match &mut self.after {
            Some((from, rng)) if t >= *from => rng,
            _ => self.before,
        }
    }

    /// A delay in `lo..=hi` drawn at `t` for an event at `base` plus the delay. A draw made
    /// before the switch for an event after it (a free counter's next call, decided before the
    /// citizen it will call has come) is the future, which a replay must not know: the day's
    /// own draw is still taken, so that every later draw before the switch stays the day's
    /// own, but replaced by a fresh one given that the event has not happened by the switch.
    fn delay(&mut self, t: i64, base: i64, lo: i64, hi: i64) -> i64 {
        let drawn = uniform_i64(self.at(t), lo, hi);
        match &mut self.after {
            Some((from, rng)) if t < *from && base.saturating_add(drawn) >= *from => {
                uniform_i64(rng, lo.max(*from - base), hi)
            }
            _ => drawn,
        }
    }
}

/// Walk-in arrivals (a non-homogeneous Poisson process) until the dispenser closes.
fn draw_walk_ins(day: &OfficeDay, demand: &DayDemand, rng: &mut DayRng) -> Vec<Visitor> {
    draw_walk_ins_from(day, demand, f64::from(day.hours.open), rng)
}

/// Walk-in arrivals from local minute `from` until the dispenser closes (the wait bound
/// redraws a day's walk-ins from an instant on).
pub(super) fn draw_walk_ins_from(
    day: &OfficeDay,
    demand: &DayDemand,
    from: f64,
    rng: &mut DayRng,
) -> Vec<Visitor> {
    let until = day.hours.close.saturating_sub(DISPENSER_CLOSES_BEFORE_MIN).max(day.hours.open);
    let max_rate = demand.max_rate(until);
    let times = poisson_thinning(rng, from, f64::from(until), max_rate, |m| demand.rate(m));
    times
        .into_iter()
        .map(|m| {
            let issued = (m * MS_PER_MINUTE as f64) as i64;
            let service = weighted_index(rng, &demand.walk_in_weights);
            Visitor::new(Channel::WalkIn, service, issued, issued, rng)
        })
        .collect()
}

/// Share of booked appointments nobody comes to.
pub(super) const MISSED_APPOINTMENT: f64 = 0.08;
/// Share of those who come that come late, and by how much (minutes, uniform, inclusive).
pub(super) const LATE_ARRIVAL: f64 = 0.12;
pub(super) const LATE_BY_MIN: (i64, i64) = (1, 12);

/// How early the others come: lognormal minutes, capped.
pub(super) struct EarlyBy {
    pub(super) median_min: f64,
    pub(super) sigma: f64,
    pub(super) max_min: f64,
}
pub(super) const EARLY_BY: EarlyBy = EarlyBy { median_min: 6.0, sigma: 0.6, max_min: 25.0 };

/// Share of the appointment capacity that is booked on a day (higher in busy seasons).
pub(super) fn appointment_fill(demand: &DayDemand) -> f64 {
    (0.8 * demand.season).clamp(0.5, 0.97)
}

/// The appointment grid: every [`SLOT_MIN`] from opening; the last slot starts 30 minutes
/// before closing.
pub(super) fn slots(hours: Hours) -> impl Iterator<Item = Minute> {
    (hours.open..=hours.close.saturating_sub(2 * SLOT_MIN)).step_by(SLOT_MIN as usize)
}

/// Appointments bookable in a slot: a share of the counters' capacity.
pub(super) fn slot_capacity(
    day: &OfficeDay,
    demand: &DayDemand,
    plan: &[(Minute, Minute, u32)],
    slot: Minute,
) -> f64 {
    let mean_min = weighted_mean_min(&demand.appointment_weights) + 0.6;
    day.office.appointment_share * f64::from(counters_in(plan, slot)) * f64::from(SLOT_MIN) / mean_min
}

/// One bookable place of a slot.
pub(super) enum Booking {
    Free,
    /// Booked, and nobody came.
    Missed,
    Came(Visitor),
}

/// Whether a place of the slot at `slot_ms` is booked (with probability `fill`) and kept, and
/// when its citizen comes: a few minutes early, sometimes late.
pub(super) fn draw_booking(
    rng: &mut DayRng,
    demand: &DayDemand,
    fill: f64,
    slot_ms: i64,
    open: i64,
) -> Booking {
    if !chance(rng, fill) {
        return Booking::Free;
    }
    if chance(rng, MISSED_APPOINTMENT) {
        return Booking::Missed;
    }
    let arrival = if chance(rng, LATE_ARRIVAL) {
        slot_ms + uniform_i64(rng, LATE_BY_MIN.0 * MS_PER_MINUTE, LATE_BY_MIN.1 * MS_PER_MINUTE)
    } else {
        let early = lognormal(rng, EARLY_BY.median_min, EARLY_BY.sigma).min(EARLY_BY.max_min);
        slot_ms - (early * MS_PER_MINUTE as f64) as i64
    };
    let issued = arrival.max(open);
    let service = weighted_index(rng, &demand.appointment_weights);
    let mut v = Visitor::new(Channel::Appointment, service, issued, slot_ms.max(issued), rng);
    v.slot = slot_ms;
    Booking::Came(v)
}

/// Booked slots on the grid, a share of the counters' capacity; the citizen comes a few
/// minutes early (sometimes late, sometimes not at all).
fn draw_appointments(
    day: &OfficeDay,
    demand: &DayDemand,
    plan: &[(Minute, Minute, u32)],
    rng: &mut DayRng,
) -> (Vec<Visitor>, u32) {
    let fill = appointment_fill(demand);
    let open = i64::from(day.hours.open) * MS_PER_MINUTE;
    let (mut out, mut missed) = (Vec::new(), 0);
    for slot in slots(day.hours) {
        for _ in 0..stochastic_round(rng, slot_capacity(day, demand, plan, slot)) {
            match draw_booking(rng, demand, fill, i64::from(slot) * MS_PER_MINUTE, open) {
                Booking::Free => {}
                Booking::Missed => missed += 1,
                Booking::Came(v) => out.push(v),
            }
        }
    }
    out.sort_by_key(|v| (v.due, v.issued));
    (out, missed)
}

fn weighted_mean_min(weights: &[f64; 8]) -> f64 {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 10.0;
    }
    weights.iter().zip(SERVICES.iter()).map(|(w, s)| w * s.mean_min()).sum::<f64>() / total
}

/// Mean counter time of a walk-in ticket plus the call gap, for the dispenser's estimate.
fn mean_ticket_ms(demand: &DayDemand) -> i64 {
    ((weighted_mean_min(&demand.walk_in_weights) + 0.6) * MS_PER_MINUTE as f64) as i64
}

fn counters_in(plan: &[(Minute, Minute, u32)], minute: Minute) -> u32 {
    plan.iter().find(|(from, to, _)| (*from..*to).contains(&minute)).map_or(0, |p| p.2)
}

/// State of the event simulation.
#[derive(Debug, Clone)]
pub(super) struct Run {
    pub(super) close: i64,
    plan: Vec<(i64, i64, u32)>,
    pub(super) walk_ins: Vec<Visitor>,
    pub(super) appointments: Vec<Visitor>,
    mean_ticket_ms: i64,
    /// Walk-ins admitted so far (`walk_ins[..next_walk_in]`), and refused ones.
    next_walk_in: usize,
    pub(super) refused: Vec<bool>,
    /// Walk-ins issued up to this instant keep the dispenser's decision already in `refused`
    /// (a replay of the day must not refuse a number that was drawn).
    pub(super) decided_until: i64,
    turned_away: u32,
    next_appointment: usize,
    queue: VecDeque<usize>,
    /// Due appointments by (slot, issue time, index): served before any walk-in.
    due: BinaryHeap<Reverse<(i64, i64, usize)>>,
}

impl Run {
    fn new(
        hours: Hours,
        plan: Vec<(Minute, Minute, u32)>,
        walk_ins: Vec<Visitor>,
        appointments: Vec<Visitor>,
        mean_ticket_ms: i64,
    ) -> Run {
        let ms = |m: Minute| i64::from(m) * MS_PER_MINUTE;
        let refused = vec![false; walk_ins.len()];
        Run {
            close: ms(hours.close),
            plan: plan.into_iter().map(|(a, b, n)| (ms(a), ms(b), n)).collect(),
            walk_ins,
            appointments,
            mean_ticket_ms,
            next_walk_in: 0,
            refused,
            decided_until: i64::MIN,
            turned_away: 0,
            next_appointment: 0,
            queue: VecDeque::new(),
            due: BinaryHeap::new(),
        }
    }

    fn staffed(&self, t: i64) -> u32 {
        self.plan.iter().find(|(from, to, _)| (*from..*to).contains(&t)).map_or(0, |p| p.2)
    }

    /// The first time at or after `t` (before closing) when counter `k` is staffed.
    fn next_shift(&self, k: u32, t: i64) -> Option<i64> {
        self.plan.iter().find(|(_, to, n)| *to > t && *n >= k).map(|(from, _, _)| (*from).max(t))
    }

    /// Lets everyone who arrived by `t` into the queues; the dispenser refuses walk-ins whose
    /// estimated wait would run past closing.
    fn admit(&mut self, t: i64) {
        while let Some(v) = self.walk_ins.get(self.next_walk_in).filter(|v| v.issued <= t) {
            let ahead = self.queue.len() + self.due.len();
            let counters = i64::from(self.staffed(v.issued).max(1));
            let estimate = ahead as i64 * self.mean_ticket_ms / counters;
            let refuse = if v.issued <= self.decided_until {
                self.refused[self.next_walk_in]
            } else {
                v.issued + estimate > self.close
            };
            if refuse {
                self.refused[self.next_walk_in] = true;
                self.turned_away += 1;
            } else {
                self.queue.push_back(self.next_walk_in);
            }
            self.next_walk_in += 1;
        }
        while let Some(a) = self.appointments.get(self.next_appointment).filter(|a| a.due <= t) {
            self.due.push(Reverse((a.due, a.issued, self.next_appointment)));
            self.next_appointment += 1;
        }
    }

    /// When the next citizen becomes callable, if anyone is still to come.
    fn next_arrival(&self) -> Option<i64> {
        let w = self.walk_ins.get(self.next_walk_in).map(|v| v.issued);
        let a = self.appointments.get(self.next_appointment).map(|v| v.due);
        w.into_iter().chain(a).min()
    }

    /// The next citizen to call at `t`: due appointments first, then walk-ins in ticket order,
    /// skipping tickets voided meanwhile.
    fn pick(&mut self, t: i64) -> Option<&mut Visitor> {
        if let Some(Reverse((_, _, i))) = self.due.pop() {
            return self.appointments.get_mut(i);
        }
        while let Some(i) = self.queue.pop_front() {
            let v = &self.walk_ins[i];
            if !(v.voids && v.gives_up <= t) {
                return self.walk_ins.get_mut(i);
            }
        }
        None
    }

    /// Runs the counters until closing: each calls the next citizen after a short gap.
    pub(super) fn serve(&mut self, draws: &mut Draws) {
        let mut counters: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
        let max_counters = self.plan.iter().map(|p| p.2).max().unwrap_or(0);
        let start = self.plan.first().map_or(self.close, |p| p.0);
        for k in 1..=max_counters {
            if let Some(t) = self.next_shift(k, start) {
                // Counters open within the first minute, not all at the same second.
                // Drawn before the first call: in a replay the day's own, unless the counter
                // opens after the switch.
                counters.push(Reverse((t + draws.delay(i64::MIN, t, 0, 60 * MS_PER_SECOND), k)));
            }
        }
        while let Some(Reverse((t, k))) = counters.pop() {
            if t >= self.close {
                continue;
            }
            if self.staffed(t) < k {
                if let Some(next) = self.next_shift(k, t).filter(|&n| n < self.close) {
                    counters.push(Reverse((next, k)));
                }
                continue;
            }
            self.admit(t);
            let Some(v) = self.pick(t) else {
                if let Some(next) = self.next_arrival() {
                    let wake = next.max(t);
                    counters.push(Reverse((
                        wake + draws.delay(t, wake, 3 * MS_PER_SECOND, 20 * MS_PER_SECOND),
                        k,
                    )));
                }
                continue;
            };
            let nobody_comes = v.absent || v.gives_up <= t;
            v.called = Some((t, k));
            (v.finished, v.outcome) = if nobody_comes {
                (t + draws.delay(t, t, 60 * MS_PER_SECOND, 120 * MS_PER_SECOND), Outcome::NoShow)
            } else {
                (t + v.service_ms, Outcome::Served)
            };
            let free = v.finished + draws.delay(t, v.finished, 15 * MS_PER_SECOND, 60 * MS_PER_SECOND);
            counters.push(Reverse((free, k)));
        }
    }

    /// After closing: tickets never called are cancelled — at the moment the citizen voided
    /// them, or by staff clearing the queue a few minutes after closing.
    fn close(&mut self, rng: &mut DayRng) {
        self.admit(self.close);
        let close = self.close;
        for v in self.walk_ins.iter_mut().chain(self.appointments.iter_mut()) {
            if v.called.is_none() {
                v.outcome = Outcome::Cancelled;
                v.finished = if v.voids && v.gives_up < close {
                    v.gives_up
                } else {
                    close + uniform_i64(rng, 0, 5 * MS_PER_MINUTE)
                };
            }
        }
    }

    /// Canonical tickets, numbered per day in issue order (`A001` walk-ins, `T001` appointments),
    /// with times on whole seconds as ticket systems log them (rounding keeps the order).
    fn into_tickets(self, office_id: &str, clock: &DayClock) -> Vec<Ticket> {
        let at = |ms: i64| clock.instant((ms + MS_PER_SECOND / 2).div_euclid(MS_PER_SECOND) * MS_PER_SECOND);
        let walk_ins = self.walk_ins.into_iter().zip(self.refused).filter(|(_, r)| !r).map(|(v, _)| v);
        let mut appointments = self.appointments;
        appointments.sort_by_key(|v| v.issued);
        let mut tickets = Vec::with_capacity(walk_ins.size_hint().1.unwrap_or(0) + appointments.len());
        for (prefix, visitors) in [("A", walk_ins.collect::<Vec<_>>()), ("T", appointments)] {
            for (n, v) in visitors.into_iter().enumerate() {
                tickets.push(Ticket {
                    office_id: office_id.to_string(),
                    ticket_id: format!("{prefix}{:03}", n + 1),
                    service: SERVICES[v.service].code.to_string(),
                    channel: v.channel,
                    issued_at: at(v.issued),
                    called_at: v.called.map(|(t, _)| at(t)),
                    finished_at: Some(at(v.finished)),
                    counter: v.called.map(|(_, k)| k.to_string()),
                    outcome: v.outcome,
                    service_count: 1,
                });
            }
        }
        tickets.sort_by(|a, b| (a.issued_at, &a.ticket_id).cmp(&(b.issued_at, &b.ticket_id)));
        tickets
    }
}

/// Latest local minute any simulated time of a day can reach (a service started just before
/// closing may take [`MAX_SERVICE`]); the day's clock is checked up to here.
pub fn latest_minute(hours: Hours) -> Minute {
    hours.close + hm(2, 30)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::day_rng;
    use crate::simulate::offices::PRESETS;

    /// Runs of neuss-mitte over four weeks of open weekdays.
    fn runs() -> Vec<Run> {
        let office = &PRESETS[0];
        let start = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
        start
            .iter_days()
            .take(28)
            .filter(|d| d.weekday().num_days_from_monday() < 5)
            .map(|date| {
                let hours = office.hours_on(date.weekday()).unwrap();
                let day = OfficeDay { office, date, hours, scale: 1.0 };
                run_day(&day, &mut day_rng(1, 0, date.num_days_from_ce().into())).0
            })
            .collect()
    }

    fn called(vs: &[Visitor]) -> impl Iterator<Item = (&Visitor, i64, u32)> {
        vs.iter().filter_map(|v| v.called.map(|(t, k)| (v, t, k)))
    }

    #[test]
    fn appointments_are_called_within_minutes_of_their_slot() {
        let delays: Vec<f64> =
            runs().iter().flat_map(|r| called(&r.appointments).map(|(v, t, _)| (t - v.due) as f64)).collect();
        let mean_min = delays.iter().sum::<f64>() / delays.len() as f64 / MS_PER_MINUTE as f64;
        assert!(delays.len() > 500 && mean_min < 5.0, "{} appointments, mean {mean_min} min", delays.len());
        assert!(delays.iter().all(|&d| d >= 0.0));
    }

    #[test]
    fn no_walk_in_is_called_while_a_due_appointment_waits() {
        for r in runs() {
            for (_, t, _) in called(&r.walk_ins) {
                let waiting =
                    r.appointments.iter().any(|a| a.due <= t && a.called.is_none_or(|(c, _)| c > t));
                assert!(!waiting, "walk-in called at {t} ms before a due appointment");
            }
        }
    }

    #[test]
    fn only_staffed_counters_call_and_none_after_closing() {
        for r in runs() {
            for (_, t, k) in called(&r.walk_ins).chain(called(&r.appointments)) {
                assert!(k <= r.staffed(t), "counter {k} called at {t} ms");
                assert!(t < r.close);
            }
            let turned_away_were_not_numbered = r.refused.iter().filter(|&&x| x).count() as u32;
            assert_eq!(turned_away_were_not_numbered, r.turned_away);
        }
    }

    #[test]
    fn uncalled_tickets_are_cancelled_when_voided_or_just_after_closing() {
        let mut at_closing = 0;
        for r in runs() {
            let numbered = r.walk_ins.iter().zip(&r.refused).filter(|(_, x)| !**x).map(|(v, _)| v);
            for v in numbered.chain(&r.appointments).filter(|v| v.called.is_none()) {
                assert_eq!(v.outcome, Outcome::Cancelled);
                if v.voids && v.gives_up < r.close {
                    assert_eq!(v.finished, v.gives_up);
                } else {
                    assert!((r.close..=r.close + 5 * MS_PER_MINUTE).contains(&v.finished));
                    at_closing += 1;
                }
            }
        }
        assert!(at_closing > 0, "some tickets are still waiting at closing in four weeks");
    }
}
