//! How well can anyone know a wait at issue? A lower bound on the error of every predictor,
//! computed from the simulator itself.
//!
//! The bound predictor knows the day up to the issue instant exactly (who was called when, how
//! long each running service has lasted so far) and the simulator's own distributions. It
//! replays the rest of the day [`BoundSettings::replicas`] times, drawing what it does not know
//! afresh, and predicts the median replayed wait: the best point prediction under absolute
//! error for what it knows, up to Monte Carlo noise (which only raises its error slightly).
//! What it does not know, and so redraws:
//! - always: the counter times not ended yet (a running one longer than it has lasted), the
//!   short gaps before every call after the issue (also those drawn before it, as a free
//!   counter's next call, which the simulator decides before the citizen comes);
//! - unless [`Knowledge::Everything`]: the walk-ins still to come (the day's Poisson arrivals
//!   after the issue), the patience and presence of those waiting (given that they have not
//!   voided their ticket by then), and an appointment ticket's own booked slot (from its
//!   posterior given its issue time, the slot grid's capacity and the other bookings; with
//!   [`Knowledge::Log`] the slots of all those waiting are drawn jointly, given only what the
//!   log shows, in [`super::slot_posterior`]).
//!
//! It always knows more than a ticket log tells: the staffing plan, the booked appointments and
//! when they will come, whether the ticket will be called rather than voided. So a predictor
//! that sees only the log cannot have a lower mean absolute error over many tickets.

use chrono::{Datelike, Days, NaiveDate};
use rand::{Rng, SeedableRng};

use super::demand::DayDemand;
use super::engine::{
    Draws, MISSED_APPOINTMENT, OfficeDay, Run, Visitor, absence, appointment_fill, draw_day, draw_service_ms,
    draw_walk_ins_from, patience, slot_capacity, slots,
};
use super::offices::Minute;
use super::slot_posterior::{
    Slot, arrival_likelihood, count_probability, draw_later_booking, draw_waiting_slots,
};
use super::{SimulateError, check_params, county, demand};
use crate::random::{DayRng, day_rng, weighted_index};
use crate::schema::{Channel, Outcome};
use crate::settings::SimulateSettings;
use crate::time::MS_PER_MINUTE;
use crate::timezones::days_since_epoch;

/// Which tickets to bound and how many replays each.
#[derive(Debug, Clone, Copy)]
pub struct BoundSettings {
    /// Tickets issued from this local date …
    pub from: NaiveDate,
    /// … to this one (inclusive).
    pub to: NaiveDate,
    /// Replays per ticket (odd, so the median is one of them).
    pub replicas: u32,
    pub knowledge: Knowledge,
}

/// What the bound predictor knows of the day's future beyond the staffing plan and bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knowledge {
    /// Every arrival still to come, every patience and presence, every booked slot: a looser
    /// bound (only counter times and call gaps are unknown).
    Everything,
    /// The day's demand and bookings but not its draws: future walk-ins, patience and
    /// presence of those waiting, and the ticket's own slot are redrawn.
    DayPlan,
    /// Not even the bookings: the appointments not yet come are redrawn too, given the places
    /// of the slot grid that those come so far have taken. What a ticket log tells, plus the
    /// staffing plan, the day's demand and the simulator's distributions; the slots of the
    /// appointments already called are taken as they were (a log shows most of them: called
    /// at the slot's start, or at once when late).
    Log,
}

/// One called ticket: its true wait at issue and the bound predictor's.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundRow {
    pub office_id: String,
    pub date: NaiveDate,
    /// As in the simulated log (`A001`, `T001`, …).
    pub ticket_id: String,
    pub channel: Channel,
    pub actual_min: f64,
    /// The bound predictor's median, and its 10 % and 90 % quantiles (an honest interval's
    /// coverage is 80 % here).
    pub bound_min: f64,
    pub bound_p10_min: f64,
    pub bound_p90_min: f64,
}

/// Salt of the replays' random streams (the day's own stream stays the simulation's).
const REPLAY_SALT: u64 = 0x0042_4F55_4E44; // "BOUND"
/// Tries to draw a running service's length longer than it has lasted; then its true length.
const CONDITIONAL_TRIES: u32 = 10_000;

/// The bound predictor's wait for every ticket called (served or no-show) in the date range,
/// on the days `params` simulates, in the simulation's order.
pub fn wait_bound(params: &SimulateSettings, bound: &BoundSettings) -> Result<Vec<BoundRow>, SimulateError> {
    let (first, last) = check_params(params)?;
    if bound.replicas == 0 || bound.replicas.is_multiple_of(2) {
        return Err(SimulateError::InvalidParams {
            field: "replicas",
            value: bound.replicas.to_string(),
            expected: "an odd number of replays",
        });
    }
    let chosen = county::roster(params.offices);
    let mut order: Vec<usize> = (0..chosen.len()).collect();
    order.sort_by(|&a, &b| chosen[a].id.cmp(&chosen[b].id));
    let mut days = Vec::new();
    let mut date = bound.from.max(first);
    while date <= bound.to.min(last) {
        if !demand::is_closing_day(date) {
            days.extend(order.iter().map(|&i| (date, i)));
        }
        let Some(next) = date.checked_add_days(Days::new(1)) else { break };
        date = next;
    }
    let per_day = crate::parallel::map_in_order(&days, |&(date, i)| {
        let office = &chosen[i];
        let Some(hours) = office.hours_on(date.weekday()) else { return Vec::new() };
        let day = OfficeDay { office, date, hours, scale: params.scale };
        let epoch_day = i64::from(days_since_epoch(date));
        let mut rng = day_rng(params.seed, i, epoch_day);
        let replays = day_rng(params.seed ^ REPLAY_SALT, i, epoch_day);
        bound_day(&day, &mut rng, replays, bound)
    });
    Ok(per_day.into_iter().flatten().collect())
}

/// The bound for the called tickets of one office-day.
fn bound_day(day: &OfficeDay, rng: &mut DayRng, mut replays: DayRng, bound: &BoundSettings) -> Vec<BoundRow> {
    let (start, _) = draw_day(day, rng);
    let serve_rng = rng.clone();
    let mut truth = start.clone();
    truth.serve(&mut Draws::one(&mut serve_rng.clone()));
    let ctx = Replay::new(day, &start, &truth, &serve_rng, bound.knowledge);
    let mut rows = Vec::new();
    for (target, id, channel) in ticket_ids(&truth) {
        let v = visitor(&truth, target);
        let Some((called, _)) = v.called else { continue };
        if !matches!(v.outcome, Outcome::Served | Outcome::NoShow) {
            continue;
        }
        let mut waits: Vec<i64> = (0..bound.replicas).map(|_| ctx.wait(target, &mut replays)).collect();
        waits.sort_unstable();
        rows.push(BoundRow {
            office_id: day.office.id.to_string(),
            date: day.date,
            ticket_id: id,
            channel,
            actual_min: minutes(called - v.issued),
            bound_min: minutes(quantile(&waits, 0.5)),
            bound_p10_min: minutes(quantile(&waits, 0.1)),
            bound_p90_min: minutes(quantile(&waits, 0.9)),
        });
    }
    rows
}

fn minutes(ms: i64) -> f64 {
    ms as f64 / MS_PER_MINUTE as f64
}

/// Nearest-rank quantile of sorted values (the median of an odd count is its middle one).
fn quantile(sorted: &[i64], q: f64) -> i64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// A visitor: walk-ins by index, then appointments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    WalkIn(usize),
    Appointment(usize),
}

fn visitor(run: &Run, target: Target) -> &Visitor {
    match target {
        Target::WalkIn(i) => &run.walk_ins[i],
        Target::Appointment(i) => &run.appointments[i],
    }
}

/// Ticket numbers as the simulator writes them: numbered walk-ins in issue order, then
/// appointments in issue order.
fn ticket_ids(run: &Run) -> Vec<(Target, String, Channel)> {
    let walk_ins = (0..run.walk_ins.len()).filter(|&i| !run.refused[i]).enumerate();
    let mut out: Vec<_> =
        walk_ins.map(|(n, i)| (Target::WalkIn(i), format!("A{:03}", n + 1), Channel::WalkIn)).collect();
    let mut appointments: Vec<usize> = (0..run.appointments.len()).collect();
    appointments.sort_by_key(|&i| run.appointments[i].issued);
    out.extend(
        appointments
            .into_iter()
            .enumerate()
            .map(|(n, i)| (Target::Appointment(i), format!("T{:03}", n + 1), Channel::Appointment)),
    );
    out
}

/// One office-day and what a replay starts from.
struct Replay<'a> {
    day: &'a OfficeDay<'a>,
    demand: DayDemand,
    /// The day's staffing plan (slot capacities follow it).
    plan: Vec<(Minute, Minute, u32)>,
    /// The day's citizens before any call, and the day as it went.
    start: &'a Run,
    truth: &'a Run,
    /// The day's own stream of the serve loop's draws.
    serve_rng: &'a DayRng,
    knowledge: Knowledge,
}

impl<'a> Replay<'a> {
    fn new(
        day: &'a OfficeDay<'a>,
        start: &'a Run,
        truth: &'a Run,
        serve_rng: &'a DayRng,
        knowledge: Knowledge,
    ) -> Self {
        let demand = DayDemand::new(day.office, day.date, day.hours, day.scale);
        let plan = day.office.staffing_plan(day.date.weekday(), day.hours, day.scale);
        Replay { day, demand, plan, start, truth, serve_rng, knowledge }
    }

    /// One replay of the day from the target's issue on: the past as it was, the unknown
    /// redrawn; returns the target's wait (until closing if not called).
    fn wait(&self, target: Target, rng: &mut DayRng) -> i64 {
        let t0 = visitor(self.truth, target).issued;
        let mut run = self.start.clone();
        run.refused.clone_from(&self.truth.refused);
        run.decided_until = t0;
        let pairs = run
            .walk_ins
            .iter_mut()
            .zip(&self.truth.walk_ins)
            .chain(run.appointments.iter_mut().zip(&self.truth.appointments));
        for (v, seen) in pairs {
            v.service_ms = redrawn_service_ms(seen, t0, rng);
        }
        let mut target = target;
        if let Target::WalkIn(i) = target {
            // Only called tickets are scored: the bound knows this one will not be voided.
            run.walk_ins[i].voids = false;
        }
        if self.knowledge != Knowledge::Everything {
            self.redraw_waiting(&mut run, target, t0, rng);
            self.redraw_future_walk_ins(&mut run, t0, rng);
            if self.knowledge == Knowledge::Log {
                target = self.redraw_appointments(&mut run, target, t0, rng);
            } else if let Target::Appointment(i) = target {
                self.draw_slot(&mut run, i, rng);
            }
            target = sort_appointments(&mut run, target);
        }
        let after = DayRng::seed_from_u64(rng.random());
        run.serve(&mut Draws::switching(&mut self.serve_rng.clone(), t0, after));
        let v = visitor(&run, target);
        v.called.map_or(run.close, |(t, _)| t) - v.issued
    }

    /// Patience and presence of the walk-ins waiting at `t0` (not called, not voided by then).
    fn redraw_waiting(&self, run: &mut Run, target: Target, t0: i64, rng: &mut DayRng) {
        for (i, (v, seen)) in run.walk_ins.iter_mut().zip(&self.truth.walk_ins).enumerate() {
            let waiting = seen.issued <= t0
                && seen.called.is_none_or(|(c, _)| c >= t0)
                && !(seen.voids && seen.gives_up <= t0)
                && target != Target::WalkIn(i);
            if !waiting {
                continue;
            }
            if let Some(p) =
                (0..CONDITIONAL_TRIES).map(|_| patience(rng, v.issued)).find(|p| !(p.1 && p.0 <= t0))
            {
                (v.gives_up, v.voids) = p;
            }
            v.absent = absence(rng, v.channel);
        }
    }

    /// The walk-ins after `t0`: a fresh draw of the day's arrivals from then until the
    /// dispenser closes.
    fn redraw_future_walk_ins(&self, run: &mut Run, t0: i64, rng: &mut DayRng) {
        let keep = run.walk_ins.partition_point(|v| v.issued <= t0);
        run.walk_ins.truncate(keep);
        run.refused.truncate(keep);
        let drawn = draw_walk_ins_from(self.day, &self.demand, t0 as f64 / MS_PER_MINUTE as f64, rng);
        run.refused.resize(keep + drawn.len(), false);
        run.walk_ins.extend(drawn);
    }

    /// The appointments not come by `t0` and the slots of those come and not called yet,
    /// given what the log shows at `t0` ([`super::slot_posterior`]): a log shows when they came,
    /// not for when they booked, and a slot's places taken hold nobody else.
    fn redraw_appointments(&self, run: &mut Run, target: Target, t0: i64, rng: &mut DayRng) -> Target {
        let keep = appointment_fill(&self.demand) * (1.0 - MISSED_APPOINTMENT);
        let open = i64::from(self.day.hours.open) * MS_PER_MINUTE;
        let grid: Vec<Slot> = slots(self.day.hours)
            .map(|m| {
                let capacity = slot_capacity(self.day, &self.demand, &self.plan, m);
                Slot::new(i64::from(m) * MS_PER_MINUTE, capacity, keep, t0, open)
            })
            .collect();
        let mut counts = vec![0; grid.len()];
        let mut waiting = Vec::new();
        let mut moved = target;
        let mut arrived = Vec::new();
        for (j, (v, seen)) in run.appointments.drain(..).zip(&self.truth.appointments).enumerate() {
            if v.issued > t0 {
                continue;
            }
            if target == Target::Appointment(j) {
                moved = Target::Appointment(arrived.len());
            }
            if seen.called.is_none_or(|(c, _)| c >= t0) {
                waiting.push(arrived.len());
            } else if let Some(k) = grid.iter().position(|s| s.start == v.slot) {
                counts[k] += 1;
            }
            arrived.push(v);
        }
        run.appointments = arrived;
        // In drawing order, ties (those who came before opening) broken at random: the day's
        // own order is by slot.
        let mut order: Vec<(i64, u64, usize)> =
            waiting.iter().map(|&j| (run.appointments[j].issued, rng.random(), j)).collect();
        order.sort_unstable();
        let waiting: Vec<usize> = order.iter().map(|o| o.2).collect();
        let issued: Vec<i64> = order.iter().map(|o| o.0).collect();
        let seated = draw_waiting_slots(&grid, &mut counts, &issued, open, rng);
        for (&j, k) in waiting.iter().zip(seated) {
            let v = &mut run.appointments[j];
            // No slot could have brought it then (the distributions' tails): called as soon as
            // a counter is free, like a late one.
            v.slot = k.map_or(v.issued, |k| grid[k].start);
            v.due = v.slot.max(v.issued);
        }
        for (slot, &n) in grid.iter().zip(&counts) {
            for _ in 0..slot.draw_later(n, rng) {
                run.appointments.extend(draw_later_booking(rng, &self.demand, slot.start, open, t0));
            }
        }
        moved
    }

    /// Draws appointment `target`'s slot from its posterior given when it came and the other
    /// bookings.
    fn draw_slot(&self, run: &mut Run, target: usize, rng: &mut DayRng) {
        let issued = run.appointments[target].issued;
        let keep = appointment_fill(&self.demand) * (1.0 - MISSED_APPOINTMENT);
        let open = i64::from(self.day.hours.open) * MS_PER_MINUTE;
        let candidates: Vec<i64> = slots(self.day.hours).map(|m| i64::from(m) * MS_PER_MINUTE).collect();
        let weights: Vec<f64> = slots(self.day.hours)
            .zip(&candidates)
            .map(|(m, &slot)| {
                let others = run
                    .appointments
                    .iter()
                    .enumerate()
                    .filter(|(j, a)| *j != target && a.slot == slot)
                    .count();
                let capacity = slot_capacity(self.day, &self.demand, &self.plan, m);
                let prior = count_probability(capacity, keep, others + 1)
                    / count_probability(capacity, keep, others).max(f64::MIN_POSITIVE);
                prior * arrival_likelihood(issued, slot, open)
            })
            .collect();
        // No slot could have brought this ticket at that time (the distributions' tails): it
        // is called as soon as a counter is free, like a late one.
        let slot =
            if weights.iter().any(|w| *w > 0.0) { candidates[weighted_index(rng, &weights)] } else { issued };
        let v = &mut run.appointments[target];
        v.slot = slot;
        v.due = slot.max(issued);
    }
}

/// Puts the appointments back in call order (slot, then arrival) and returns the target's
/// place among them.
fn sort_appointments(run: &mut Run, target: Target) -> Target {
    let mut order: Vec<usize> = (0..run.appointments.len()).collect();
    order.sort_by_key(|&j| (run.appointments[j].due, run.appointments[j].issued));
    run.appointments = order.iter().map(|&j| run.appointments[j].clone()).collect();
    match target {
        Target::Appointment(i) => Target::Appointment(order.iter().position(|&j| j == i).unwrap_or(i)),
        walk_in => walk_in,
    }
}

/// A counter time as known at `t0`: a finished service's own, a running one's redrawn longer
/// than it has lasted, any other redrawn.
fn redrawn_service_ms(seen: &Visitor, t0: i64, rng: &mut DayRng) -> i64 {
    match seen.called {
        Some((called, _)) if called < t0 => {
            if seen.outcome != Outcome::Served || seen.finished <= t0 {
                return seen.service_ms;
            }
            let lasted = t0 - called;
            (0..CONDITIONAL_TRIES)
                .map(|_| draw_service_ms(rng, seen.service))
                .find(|&ms| ms > lasted)
                .unwrap_or(seen.service_ms)
        }
        _ => draw_service_ms(rng, seen.service),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::offices::PRESETS;
    use crate::simulate::simulate;
    use crate::time::MS_PER_SECOND;
    use crate::timezones::DEFAULT_TZ;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn sim() -> SimulateSettings {
        SimulateSettings { seed: 5, start: d(2025, 3, 3), days: 5, offices: 3, scale: 1.0 }
    }

    fn bound(from: NaiveDate, to: NaiveDate, knowledge: Knowledge) -> Vec<BoundRow> {
        wait_bound(&sim(), &BoundSettings { from, to, replicas: 11, knowledge }).unwrap()
    }

    fn mae(rows: &[BoundRow]) -> f64 {
        rows.iter().map(|r| (r.actual_min - r.bound_min).abs()).sum::<f64>() / rows.len() as f64
    }

    #[test]
    fn rows_are_the_called_tickets_of_the_simulated_log_with_their_waits() {
        let services = crate::settings::Settings::default().services;
        let mut called = Vec::new();
        simulate(&sim(), &services, DEFAULT_TZ, &mut |t| {
            let date = crate::timezones::to_local(t.issued_at, DEFAULT_TZ).date_naive();
            if date == d(2025, 3, 4) && matches!(t.outcome, Outcome::Served | Outcome::NoShow) {
                let wait = (t.called_at.unwrap() - t.issued_at) as f64 / MS_PER_MINUTE as f64;
                called.push((t.office_id.clone(), t.ticket_id.clone(), t.channel, wait));
            }
            Ok(())
        })
        .unwrap();
        let mut rows = bound(d(2025, 3, 4), d(2025, 3, 4), Knowledge::Everything);
        rows.sort_by(|a, b| (&a.office_id, &a.ticket_id).cmp(&(&b.office_id, &b.ticket_id)));
        called.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        assert!(called.len() > 300, "{} tickets called", called.len());
        assert_eq!(rows.len(), called.len());
        for (r, (office, id, channel, wait)) in rows.iter().zip(&called) {
            assert_eq!((&r.office_id, &r.ticket_id, r.channel), (office, id, *channel));
            // The log keeps whole seconds.
            assert!((r.actual_min - wait).abs() <= 1.0 / 60.0, "{office} {id}: {} vs {wait}", r.actual_min);
            assert!(r.bound_p10_min <= r.bound_min && r.bound_min <= r.bound_p90_min);
        }
    }

    /// One simulated day of preset `preset` (2025-03-04): the citizens drawn, the day as it
    /// went, and the serve loop's stream.
    struct Day {
        day: OfficeDay<'static>,
        epoch_day: i64,
        start: Run,
        truth: Run,
        serve_rng: DayRng,
    }

    fn simulated_day(preset: usize) -> Day {
        let office = &PRESETS[preset];
        let date = d(2025, 3, 4);
        let hours = office.hours_on(date.weekday()).unwrap();
        let day = OfficeDay { office, date, hours, scale: 1.0 };
        let epoch_day = i64::from(days_since_epoch(date));
        let mut rng = day_rng(5, preset, epoch_day);
        let (start, _) = draw_day(&day, &mut rng);
        let serve_rng = rng.clone();
        let mut truth = start.clone();
        truth.serve(&mut Draws::one(&mut serve_rng.clone()));
        Day { day, epoch_day, start, truth, serve_rng }
    }

    #[test]
    fn a_replay_keeps_the_day_before_the_issue_and_knowing_less_costs_accuracy() {
        let Day { day, epoch_day, start, truth, serve_rng } = simulated_day(0);
        let mut replays = day_rng(99, 0, epoch_day);
        for knowledge in [Knowledge::Everything, Knowledge::DayPlan, Knowledge::Log] {
            let ctx = Replay::new(&day, &start, &truth, &serve_rng, knowledge);
            for i in (0..truth.walk_ins.len()).step_by(17).filter(|&i| !truth.refused[i]) {
                let t0 = truth.walk_ins[i].issued;
                let wait = ctx.wait(Target::WalkIn(i), &mut replays);
                assert!(wait >= 0 && t0 + wait <= truth.close, "{knowledge:?}: ticket {i} waits {wait} ms");
            }
        }
        // Everything known but counter times: the calls before the issue are the day's own.
        let ctx = Replay::new(&day, &start, &truth, &serve_rng, Knowledge::Everything);
        let i = truth.walk_ins.len() / 2;
        let t0 = truth.walk_ins[i].issued;
        let mut run = start.clone();
        run.refused.clone_from(&truth.refused);
        run.decided_until = t0;
        for (v, seen) in run.walk_ins.iter_mut().zip(&truth.walk_ins) {
            v.service_ms = redrawn_service_ms(seen, t0, &mut replays);
        }
        run.serve(&mut Draws::switching(&mut serve_rng.clone(), t0, day_rng(7, 7, 7)));
        let before = |r: &Run| -> Vec<Option<(i64, u32)>> {
            r.walk_ins.iter().chain(&r.appointments).map(|v| v.called.filter(|(t, _)| *t < t0)).collect()
        };
        assert_eq!(before(&run), before(&truth));
        assert!(ctx.wait(Target::WalkIn(i), &mut replays) >= 0);

        let (a, b) = (d(2025, 3, 3), d(2025, 3, 5));
        let (everything, plan) =
            (mae(&bound(a, b, Knowledge::Everything)), mae(&bound(a, b, Knowledge::DayPlan)));
        assert!(
            everything < plan,
            "knowing the future: {everything:.3} min, the day's plan only: {plan:.3} min"
        );
    }

    #[test]
    fn a_free_counters_next_call_is_not_known_before_the_citizen_comes() {
        // A free counter's next call is decided when it falls idle: the next arrival plus a
        // short gap, drawn before that citizen has come. A replay from the arrival must redraw
        // the gap, or it would know the wait of everyone who comes to a free counter exactly.
        let Day { day, epoch_day, start, truth, serve_rng } = simulated_day(0);
        let ctx = Replay::new(&day, &start, &truth, &serve_rng, Knowledge::Everything);
        let mut replays = day_rng(99, 0, epoch_day);
        let called_at_once: Vec<(usize, i64)> = (0..truth.walk_ins.len())
            .filter_map(|i| {
                let v = &truth.walk_ins[i];
                let wait = v.called?.0 - v.issued;
                (wait <= 20 * MS_PER_SECOND).then_some((i, wait))
            })
            .collect();
        assert!(called_at_once.len() >= 20, "{} called at once", called_at_once.len());
        let (mut exact, mut replayed) = (0, 0);
        for &(i, wait) in &called_at_once {
            for _ in 0..5 {
                exact += usize::from(ctx.wait(Target::WalkIn(i), &mut replays) == wait);
                replayed += 1;
            }
        }
        // A gap of 3–20 s drawn afresh hits the true one to the millisecond about never.
        assert!(exact * 4 < replayed, "{exact} of {replayed} replays hit the true wait exactly");
    }

    #[test]
    fn the_slots_of_those_waiting_are_not_known_from_the_log() {
        // What a waiting appointment ticket booked is not in the log: a replay that knows only
        // the log must replay alike whatever slots those waiting truly booked.
        let Day { day, epoch_day, start, truth, serve_rng } = simulated_day(1);
        let ctx = Replay::new(&day, &start, &truth, &serve_rng, Knowledge::Log);
        let mut checked = 0;
        for i in (0..truth.appointments.len()).step_by(3) {
            let t0 = truth.appointments[i].issued;
            let mut other = start.clone();
            for (v, seen) in other.appointments.iter_mut().zip(&truth.appointments) {
                if seen.issued <= t0 && seen.called.is_none_or(|(c, _)| c >= t0) {
                    v.slot += 15 * MS_PER_MINUTE;
                    v.due = v.slot.max(v.issued);
                }
            }
            let other_ctx = Replay::new(&day, &other, &truth, &serve_rng, Knowledge::Log);
            let replays = day_rng(99, i, epoch_day);
            let (a, b) = (
                ctx.wait(Target::Appointment(i), &mut replays.clone()),
                other_ctx.wait(Target::Appointment(i), &mut replays.clone()),
            );
            assert_eq!(a, b, "appointment {i}: {a} ms against {b} ms with other slots");
            checked += 1;
        }
        assert!(checked >= 10, "{checked} appointments");
    }
}
