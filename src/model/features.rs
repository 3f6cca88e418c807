//! Wait-time features: one place names them; one sweep computes them for probe instants of
//! an office-day, from events before the probe only (the ticket's own call included: never).

use std::collections::VecDeque;

use chrono_tz::Tz;

use crate::model::booking_level;
use crate::model::dataset::{Dataset, ExampleMeta, FEATURES, Probe};
use crate::model::day_plan::{QUARTERS, due_minute};
use crate::model::fluid;
use crate::model::history::History;
use crate::model::sample::{Plan, probe_counts};
use crate::replay::{DayRange, EventKind, OfficeDay, ReplayParams, Replayer, Until, day_events, day_ranges};
use crate::schema::{Channel, EpochMs, Outcome};
use crate::slots::SLOT_MINUTES;
use crate::store::columns::TicketColumns;
use crate::timezones::DayClock;

/// Features that are codes, not quantities (the linear model leaves them out).
pub const CATEGORICAL: [&str; 3] = ["service", "channel", "office"];

const MIN: f64 = 60_000.0;
/// How many recent services the moving mean covers.
const RECENT_SERVED: usize = 10;

/// What the feature builder needs beyond the day itself.
pub struct Context<'a> {
    pub history: &'a History,
    /// Office ids as the model knows them (index = the `office` feature).
    pub offices: &'a [String],
    /// Service codes as the model knows them (index = the `service` feature).
    pub services: &'a [String],
    pub tz: Tz,
    pub replay: ReplayParams,
}

/// A request for features: ticket `ticket` of the day at instant `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProbeAt {
    pub t: EpochMs,
    pub ticket: usize,
    pub probe: Probe,
}

/// Probes of a day for training and backtests: every ticket that was called, at its issue
/// and every `every_ms` while it still waited.
pub fn training_probes(day: &OfficeDay, every_ms: EpochMs) -> Vec<ProbeAt> {
    let mut probes = Vec::new();
    for (i, t) in day.tickets.iter().enumerate() {
        let Some(called) = t.called else { continue };
        if !matches!(t.outcome, Outcome::Served | Outcome::NoShow) {
            continue;
        }
        probes.push(ProbeAt { t: t.issued, ticket: i, probe: Probe::AtIssue });
        let mut at = t.issued + every_ms;
        while every_ms > 0 && at < called {
            probes.push(ProbeAt { t: at, ticket: i, probe: Probe::Later });
            at += every_ms;
        }
    }
    probes.sort_unstable();
    probes
}

/// The `channel` feature's code: 0 for walk-ins, 1 for appointments.
pub fn channel_code(channel: Channel) -> f64 {
    match channel {
        Channel::WalkIn => 0.0,
        Channel::Appointment => 1.0,
    }
}

/// Fenwick tree over ticket positions (issue order) for "how many ahead of me" in O(log n).
struct Fenwick(Vec<f64>);

impl Fenwick {
    fn new(n: usize) -> Fenwick {
        Fenwick(vec![0.0; n + 1])
    }
    fn add(&mut self, i: usize, v: f64) {
        let mut i = i + 1;
        while i < self.0.len() {
            self.0[i] += v;
            i += i & i.wrapping_neg();
        }
    }
    /// Sum over positions `< i`.
    fn prefix(&self, i: usize) -> f64 {
        let (mut i, mut s) = (i, 0.0);
        while i > 0 {
            s += self.0[i];
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// Features of every training probe of every day in `cols` (see [`training_probes`]).
pub fn dataset(cols: &TicketColumns, ctx: &Context<'_>, every_ms: EpochMs) -> Dataset {
    dataset_of(cols, &day_ranges(cols), ctx, every_ms, None)
}

/// Features of the training probes of the office-days `days` of `cols`: all of them, or those
/// `plan` keeps (a plan made for exactly these days). One replay sweep per office-day, built
/// one day at a time into a matrix allocated once.
pub fn dataset_of(
    cols: &TicketColumns,
    days: &[DayRange],
    ctx: &Context<'_>,
    every_ms: EpochMs,
    plan: Option<&mut Plan>,
) -> Dataset {
    let levels = booking_level::levels(cols, days, &ctx.history.recent_bookings, &ctx.history.plan);
    dataset_with_levels(cols, days, &levels, ctx, every_ms, plan)
}

/// [`dataset_of`] with the days' booking levels given (`levels[i]` of `days[i]`), so that days
/// built in parts need the pass over every ticket that the levels take only once.
pub fn dataset_with_levels(
    cols: &TicketColumns,
    days: &[DayRange],
    levels: &[f64],
    ctx: &Context<'_>,
    every_ms: EpochMs,
    mut plan: Option<&mut Plan>,
) -> Dataset {
    let n = match plan.as_deref() {
        Some(p) => p.kept(),
        None => {
            let (issue, later) = probe_counts(cols, days, every_ms);
            issue + later
        }
    };
    let nf = FEATURES.len();
    let mut out = Dataset { x: vec![0.0; n * nf], y: Vec::with_capacity(n), meta: Vec::with_capacity(n) };
    for (r, &level) in days.iter().zip(levels) {
        let bound = ctx.history.wait_bounds.bound_ms(&cols.offices[r.office as usize]);
        let day = OfficeDay::from_rows(cols, r.clone()).with_max_wait(bound);
        let mut probes = training_probes(&day, every_ms);
        if let Some(plan) = plan.as_deref_mut() {
            probes.retain(|p| plan.take(p.probe));
        }
        if probes.is_empty() {
            continue;
        }
        let part = day_features(&day, cols, &probes, ctx, level);
        let (at, m) = (out.y.len(), part.len());
        for f in 0..nf {
            out.x[f * n + at..f * n + at + m].copy_from_slice(part.column(f));
        }
        out.y.extend(part.y);
        out.meta.extend(part.meta);
    }
    // The counts and the sweep agree by construction; should they not, close the gaps.
    let m = out.y.len();
    if m < n {
        for f in 1..nf {
            out.x.copy_within(f * n..f * n + m, f * m);
        }
        out.x.truncate(m * nf);
    }
    out
}

/// Computes the features of `probes` (sorted by time) for `day`, a day of `cols` (its wait
/// bound set from the history, as [`dataset_of`] does), whose booking level is `booking_level`
/// ([`booking_level::level`]).
pub fn day_features(
    day: &OfficeDay,
    cols: &TicketColumns,
    probes: &[ProbeAt],
    ctx: &Context<'_>,
    booking_level: f64,
) -> Dataset {
    let day_office = cols.offices[day.office as usize].as_str();
    let office_name: std::sync::Arc<str> = day_office.into();
    let day_services = &cols.services;
    let n = day.tickets.len();
    let events = day_events(day);
    let mut replayer = Replayer::new(day, &events, day_services.len(), ctx.replay);
    let typical: Vec<f64> = day_services.iter().map(|s| ctx.history.service_min(day_office, s)).collect();
    let mut all = Fenwick::new(n);
    let mut work = Fenwick::new(n);
    let mut walk_ins = Fenwick::new(n);
    let mut walk_in_work = Fenwick::new(n);
    let mut per_service: Vec<Fenwick> = (0..day_services.len()).map(|_| Fenwick::new(n)).collect();
    let mut waiting = vec![false; n];
    let mut oldest = 0usize;
    let mut issued_count = 0usize;
    let mut calls: VecDeque<EpochMs> = VecDeque::new();
    let mut appointments: VecDeque<EpochMs> = VecDeque::new();
    let mut served: VecDeque<f64> = VecDeque::new();
    let mut last_called_wait: Option<f64> = None;
    // Appointment tickets drawn and not called or cancelled yet, with their minute in slot.
    let mut booked_waiting: Vec<(usize, f64)> = Vec::new();
    // Services running now: (ticket, call instant).
    let mut running: Vec<(usize, EpochMs)> = Vec::new();
    // Booked tickets drawn so far per quarter hour they fall due in.
    let mut drawn_due = [0u16; QUARTERS];

    let office_idx = ctx.offices.iter().position(|o| o == day_office).map_or(f64::NAN, |i| i as f64);
    let service_idx: Vec<f64> = day_services
        .iter()
        .map(|s| ctx.services.iter().position(|c| c == s).map_or(f64::NAN, |i| i as f64))
        .collect();
    let mut rows: Vec<[f64; FEATURES.len()]> = Vec::with_capacity(probes.len());
    let mut y = Vec::with_capacity(probes.len());
    let mut meta = Vec::with_capacity(probes.len());
    let clock = DayClock::new(day.date, ctx.tz);
    for p in probes {
        // Everything strictly before the probe, plus finishes and issues at the probe instant;
        // calls and cancellations at the instant (possibly this ticket's own) stay unseen.
        replayer.advance(Until::Before(p.t, EventKind::Cancel), |e, _| {
            let i = e.ticket as usize;
            let tk = &day.tickets[i];
            let s = tk.service as usize;
            match e.kind {
                EventKind::Issue => {
                    waiting[i] = true;
                    issued_count = issued_count.max(i + 1);
                    all.add(i, 1.0);
                    work.add(i, typical[s]);
                    per_service[s].add(i, 1.0);
                    if tk.channel == Channel::Appointment {
                        appointments.push_back(e.t);
                        let local = clock.fields(e.t);
                        booked_waiting.push((i, minute_in_slot(local.minute, e.t)));
                        let m =
                            f64::from(local.hour * 60 + local.minute) + e.t.rem_euclid(60_000) as f64 / MIN;
                        let q = (due_minute(m) as usize / SLOT_MINUTES).min(QUARTERS - 1);
                        drawn_due[q] = drawn_due[q].saturating_add(1);
                    } else {
                        walk_ins.add(i, 1.0);
                        walk_in_work.add(i, typical[s]);
                    }
                }
                EventKind::Call | EventKind::Cancel | EventKind::LateCall => {
                    // A late call's ticket left the queue at its wait bound already.
                    if e.kind != EventKind::LateCall {
                        waiting[i] = false;
                        booked_waiting.retain(|&(j, _)| j != i);
                        all.add(i, -1.0);
                        work.add(i, -typical[s]);
                        if tk.channel != Channel::Appointment {
                            walk_ins.add(i, -1.0);
                            walk_in_work.add(i, -typical[s]);
                        }
                        per_service[s].add(i, -1.0);
                    }
                    if e.kind.is_call() {
                        if tk.outcome == Outcome::Served {
                            running.push((i, e.t));
                        }
                        calls.push_back(e.t);
                        last_called_wait = Some((e.t - tk.issued) as f64 / MIN);
                    }
                }
                EventKind::Finish => {
                    running.retain(|&(j, _)| j != i);
                    if let (Outcome::Served, Some(c)) = (tk.outcome, tk.called) {
                        served.push_back((e.t - c) as f64 / MIN);
                        if served.len() > RECENT_SERVED {
                            served.pop_front();
                        }
                    }
                }
            }
        });
        while oldest < issued_count && !waiting[oldest] {
            oldest += 1;
        }
        while calls.front().is_some_and(|&c| c < p.t - 30 * 60_000) {
            calls.pop_front();
        }
        while appointments.front().is_some_and(|&a| a < p.t - 30 * 60_000) {
            appointments.pop_front();
        }
        let tk = &day.tickets[p.ticket];
        let state = replayer.state();
        let local = clock.fields(p.t);
        let minute = (local.hour * 60 + local.minute) as f64;
        let weekday = local.weekday;
        let ahead = all.prefix(p.ticket);
        let active = state.active_counters as f64;
        let recent = if served.is_empty() {
            ctx.history.office_service_min(day_office)
        } else {
            served.iter().sum::<f64>() / served.len() as f64
        };
        let elapsed = (p.t - tk.issued) as f64 / MIN;
        let hol =
            if oldest < issued_count { (p.t - day.tickets[oldest].issued) as f64 / MIN } else { elapsed };
        let service_name = &day_services[tk.service as usize];
        let issue_local = clock.fields(tk.issued);
        let mut row = [0.0; FEATURES.len()];
        row[0] = per_service[tk.service as usize].prefix(p.ticket);
        row[1] = ahead;
        row[2] = state.waiting as f64;
        row[3] = work.prefix(p.ticket);
        row[4] = active;
        row[5] = state.busy_counters as f64;
        row[6] = calls.iter().filter(|&&c| c >= p.t - 15 * 60_000).count() as f64;
        row[7] = calls.len() as f64;
        row[8] = recent;
        row[9] = last_called_wait.unwrap_or(f64::NAN);
        row[10] = hol;
        row[11] = elapsed;
        row[12] = service_idx[tk.service as usize];
        row[13] = channel_code(tk.channel);
        row[14] = office_idx;
        row[15] = minute;
        row[16] = weekday as f64;
        row[17] = ctx.history.closing_minute(day_office, weekday).map_or(f64::NAN, |c| c - minute);
        row[18] = appointments.len() as f64;
        row[19] = (ahead + 1.0) * recent / active.max(1.0);
        row[20] = ctx.history.service_min(day_office, service_name);
        row[21] = ctx.history.mean_wait(day_office, issue_local.weekday, issue_local.hour as u8);
        row[22] = ctx.history.office_service_min(day_office);
        row[23] = minute_in_slot(issue_local.minute, tk.issued);
        // Others booked for the coming slots: drawn early in this slot (late in its quarter
        // hour, so most likely for the next one) or already waiting.
        let others = booked_waiting.iter().filter(|&&(j, _)| j != p.ticket);
        row[24] = others.clone().count() as f64;
        row[25] = others.filter(|&&(_, m)| m >= 5.0).count() as f64;
        row[26] = walk_ins.prefix(p.ticket);
        row[27] = walk_in_work.prefix(p.ticket);
        row[28] = row[26] - (active - state.busy_counters as f64);
        row[29] = fluid_call(
            day,
            p,
            ctx,
            day_office,
            &typical,
            &waiting,
            oldest,
            &running,
            &booked_waiting,
            &drawn_due,
            state.active_counters,
            minute + p.t.rem_euclid(60_000) as f64 / MIN,
            weekday,
            booking_level,
        );
        row[30] =
            minutes_into_own_slot(tk.channel, row[23], minute_in_slot(local.minute, p.t), tk.issued, p.t);
        rows.push(row);
        y.push(tk.called.map_or(f64::NAN, |c| (c - p.t) as f64 / MIN));
        meta.push(ExampleMeta {
            office: office_name.clone(),
            date: day.date,
            row: day.rows[p.ticket] as u32,
            t: p.t,
            probe: p.probe,
            hour: local.hour as u8,
            ahead: ahead as u32,
            replay_min: row[29],
        });
    }
    Dataset::from_rows(&rows, y, meta)
}

/// The deterministic replay's call time of the probe's ticket ([`crate::model::fluid`]):
/// running services end after their usual minutes (a quarter of them at least), booked
/// tickets are due at the quarter hour after they were drawn, the counters follow the usual
/// plan's changes, the usual bookings of the coming quarter hours (times the booking level)
/// not drawn yet join, and walk-ins ahead leave as the office's walk-ins did
/// ([`crate::model::leaving`]).
#[allow(clippy::too_many_arguments)]
fn fluid_call(
    day: &OfficeDay,
    p: &ProbeAt,
    ctx: &Context<'_>,
    office: &str,
    typical: &[f64],
    waiting: &[bool],
    oldest: usize,
    running: &[(usize, EpochMs)],
    booked: &[(usize, f64)],
    drawn_due: &[u16],
    active: u32,
    now_minute: f64,
    weekday: u8,
    booking_level: f64,
) -> f64 {
    let usual = |i: usize| typical[day.tickets[i].service as usize];
    let now = p.t as f64 / MIN;
    let due = |i: usize, m: f64| {
        let at = day.tickets[i].issued as f64 / MIN + if m > 0.0 { SLOT_MINUTES as f64 - m } else { 0.0 };
        at - now
    };
    let walk_ins = (oldest..p.ticket)
        .filter(|&i| waiting[i] && day.tickets[i].channel != Channel::Appointment)
        .map(|i| fluid::WalkIn { minutes: usual(i), waited: (p.t - day.tickets[i].issued) as f64 / MIN })
        .collect();
    let own = booked.iter().find(|&&(j, _)| j == p.ticket);
    let appointments: Vec<(f64, f64)> =
        booked.iter().filter(|&&(j, _)| j != p.ticket).map(|&(j, m)| (due(j, m), usual(j))).collect();
    // Bookings of the coming quarter hours still to be drawn.
    let plan = &ctx.history.plan;
    let usual_due = plan.appointments_due(office, weekday);
    let q_now = (now_minute / SLOT_MINUTES as f64).floor() as usize;
    let mean_min = ctx.history.office_service_min(office);
    let mut to_come = Vec::new();
    for (q, &expected) in usual_due.iter().enumerate().skip(q_now + 1) {
        let starts = (q * SLOT_MINUTES) as f64 - now_minute;
        let more = (expected * booking_level - f64::from(drawn_due[q])).round().max(0.0) as usize;
        to_come.extend(std::iter::repeat_n((starts, mean_min), more));
    }
    let snapshot = fluid::Snapshot {
        counters: active as usize,
        staffing: fluid::Staffing { now_minute, usual: plan.counters(office, weekday) },
        running: running
            .iter()
            .map(|&(i, c)| (usual(i) - (p.t - c) as f64 / MIN).max(0.25 * usual(i)))
            .collect(),
        walk_ins,
        leaving: ctx.history.leaving.curve(office),
        appointments,
        to_come,
        own_due: own.map(|&(j, m)| due(j, m)),
    };
    fluid::call_in(&snapshot)
}

/// Minutes since the start of the quarter-hour slot a ticket was drawn in. Appointments are
/// booked on that grid: a citizen who comes early waits for the slot's start, one who comes a
/// little late is called at once, so the wait of an appointment ticket turns on this phase
/// (on independent simulated data it cut LightGBM's MAE at issue by 5 %; the minute of the day
/// alone needs a split per slot to show it). Local offsets are whole minutes, so the seconds
/// are those of the UTC instant.
fn minute_in_slot(local_minute: u32, issued: EpochMs) -> f64 {
    let seconds = issued.rem_euclid(60_000) as f64 / 60_000.0;
    (local_minute as usize % SLOT_MINUTES) as f64 + seconds
}

/// Where the probe stands against the slot that decides the ticket's call: for an appointment
/// ticket, the minutes since its slot began (negative before; the slot is the quarter hour
/// after it was drawn, as [`due_minute`] takes it); for a walk-in, the minutes since the
/// current quarter hour began, when the appointments due in it went ahead. At issue the
/// drawing phase says as much, but a later probe would need the trees to add the minutes
/// waited to it: an appointment probed just after its slot began is called at once, one
/// probed just before waits for the slot. `drawn` and `probed` are the minutes into their
/// quarter hours of the issue and the probe at `t`.
fn minutes_into_own_slot(channel: Channel, drawn: f64, probed: f64, issued: EpochMs, t: EpochMs) -> f64 {
    match channel {
        Channel::WalkIn => probed,
        Channel::Appointment => {
            let due = issued + ((due_minute(drawn) - drawn) * MIN).round() as EpochMs;
            (t - due) as f64 / MIN
        }
    }
}

#[cfg(test)]
mod slot_phase_tests {
    use super::minute_in_slot;
    use crate::timezones::parse_rfc3339;

    #[test]
    fn minute_in_slot_counts_from_the_local_quarter_hour() {
        // 09:37:30 local (UTC+2 in summer, UTC+1 in winter): 7.5 minutes into the 09:30 slot.
        let summer = parse_rfc3339("2025-06-02T09:37:30+02:00").unwrap();
        assert_eq!(minute_in_slot(37, summer), 7.5);
        let winter = parse_rfc3339("2025-01-13T09:45:00+01:00").unwrap();
        assert_eq!(minute_in_slot(45, winter), 0.0);
        // Before 1970 the instant is negative: the seconds still count forward.
        assert_eq!(minute_in_slot(14, -15_000), 14.75);
    }
}
