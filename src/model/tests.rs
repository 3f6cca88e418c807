//! Model tests: features never look ahead, models are deterministic, quantiles are sane.

use chrono::NaiveDate;
use proptest::prelude::*;

use crate::model::dataset::{FEATURES, Probe, feature};
use crate::model::day_plan::QUARTERS;
use crate::model::features::{Context, ProbeAt, day_features};
use crate::model::history::History;
use crate::replay::{ReplayParams, office_days};
use crate::schema::{Channel, EpochMs, Outcome};
use crate::store::columns::TicketColumns;
use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

const MIN: i64 = 60_000;

/// One office-day of generated tickets: (issue minute, wait, service minutes, counter, service, cancelled).
fn columns(raw: &[(i64, i64, i64, u32, u16, bool)]) -> TicketColumns {
    let base = parse_rfc3339("2025-06-02T08:00:00+02:00").unwrap();
    let mut sorted = raw.to_vec();
    sorted.sort_by_key(|r| r.0);
    let mut c = TicketColumns {
        offices: vec!["amt".into()],
        services: vec!["PA".into(), "MB".into(), "KFZ".into()],
        counters: vec!["1".into(), "2".into(), "3".into()],
        ..TicketColumns::default()
    };
    for (i, &(issue, wait, service, counter, s, cancelled)) in sorted.iter().enumerate() {
        let issued = base + issue * MIN;
        c.office.push(0);
        c.date.push(NaiveDate::from_ymd_opt(2025, 6, 2).unwrap());
        c.ticket_id.push(format!("A{i:03}"));
        c.service.push(s);
        c.channel.push(if i % 4 == 0 { Channel::Appointment } else { Channel::WalkIn });
        c.issued.push(issued);
        c.called.push((!cancelled).then_some(issued + wait * MIN));
        c.finished.push(Some(issued + (wait + service) * MIN));
        c.counter.push((!cancelled).then_some(counter));
        c.outcome.push(if cancelled { Outcome::Cancelled } else { Outcome::Served });
    }
    c
}

fn features_at(c: &TicketColumns, ticket: usize, t: EpochMs) -> Vec<u64> {
    features_with(c, ticket, t, &History::default(), 1.0)
}

/// The features of `ticket` at `t`, with `history` and the booking level `level`.
fn features_with(c: &TicketColumns, ticket: usize, t: EpochMs, history: &History, level: f64) -> Vec<u64> {
    let offices = vec!["amt".to_string()];
    let services = vec!["PA".to_string(), "MB".to_string(), "KFZ".to_string()];
    let ctx = Context {
        history,
        offices: &offices,
        services: &services,
        tz: DEFAULT_TZ,
        replay: ReplayParams::default(),
    };
    let day = office_days(c).remove(0);
    let position = day.rows.iter().position(|&r| r == ticket).unwrap();
    let x = day_features(&day, c, &[ProbeAt { t, ticket: position, probe: Probe::Later }], &ctx, level);
    (0..FEATURES.len()).map(|f| x.get(0, f).to_bits()).collect()
}

fn raw_day() -> impl Strategy<Value = Vec<(i64, i64, i64, u32, u16, bool)>> {
    proptest::collection::vec(
        (0i64..300, 0i64..60, 0i64..20, 0u32..3, 0u16..3, proptest::bool::weighted(0.1)),
        2..50,
    )
}

proptest! {
    /// Changing or deleting anything after t — including the ticket's own call — leaves its
    /// features at t bit-for-bit unchanged.
    #[test]
    fn features_never_look_ahead(raw in raw_day(), pick in 0usize..50, offset in 0i64..40, shift in 1i64..30, drop_later: bool) {
        let c = columns(&raw);
        let ticket = pick % c.len();
        let t = c.issued[ticket] + offset * MIN;
        prop_assume!(c.called[ticket].is_none_or(|called| called > t));
        let before = features_at(&c, ticket, t);
        let mut changed = c.clone();
        for i in 0..changed.len() {
            let later = |x: EpochMs| if x > t { x + shift * MIN } else { x };
            changed.called[i] = changed.called[i].map(later);
            changed.finished[i] = changed.finished[i].map(later);
            if drop_later && i != ticket && changed.issued[i] > t {
                changed.issued[i] += 1000 * MIN; // moved out of the day's future, effectively deleted
            }
        }
        // The ticket's own call moves too (it is after t): the target changes, the features must not.
        prop_assert_eq!(before, features_at(&changed, ticket, t));
    }
}

#[test]
fn features_count_the_queue_ahead() {
    // Three tickets drawn at 0, 1, 2 minutes; the first called at 3 on counter 1.
    let c = columns(&[(0, 3, 10, 0, 0, false), (1, 20, 5, 0, 0, false), (2, 30, 5, 1, 1, false)]);
    let at = parse_rfc3339("2025-06-02T08:05:00+02:00").unwrap();
    let f = features_at(&c, 2, at);
    let v = |name: &str| f64::from_bits(f[feature(name)]);
    assert_eq!(v("ahead_total"), 1.0); // ticket 1 still waits; ticket 0 was called
    assert_eq!(v("ahead_same_service"), 0.0); // ticket 1 is PA, ticket 2 is MB
    assert_eq!(v("waiting_total"), 2.0);
    assert_eq!(v("active_counters"), 1.0);
    assert_eq!(v("calls_last_15min"), 1.0);
    assert_eq!(v("les_min"), 3.0);
    assert_eq!(v("hol_min"), 4.0); // ticket 1 drawn at 08:01
    assert_eq!(v("elapsed_min"), 3.0);
    assert_eq!(v("minute_of_day"), 8.0 * 60.0 + 5.0);
    assert_eq!(v("weekday"), 1.0);
    assert_eq!(v("issued_minute_in_slot"), 2.0); // drawn at 08:02, in the 08:00 slot
}

/// Every fourth ticket is an appointment: those drawn at 08:00 (called 08:20) and at 08:07
/// (called 08:37); walk-ins at 08:01–08:03 and 08:08 (called 08:18).
fn booked_morning() -> TicketColumns {
    columns(&[
        (0, 20, 5, 0, 0, false),
        (1, 2, 5, 1, 0, false),
        (2, 3, 5, 2, 0, false),
        (3, 4, 5, 0, 0, false),
        (7, 30, 5, 1, 0, false),
        (8, 10, 5, 2, 0, false),
    ])
}

#[test]
fn features_count_the_booked_citizens_waiting() {
    let c = booked_morning();
    let at = |m: i64| parse_rfc3339("2025-06-02T08:00:00+02:00").unwrap() + m * MIN;
    let f = features_at(&c, 5, at(8));
    let v = |name: &str| f64::from_bits(f[feature(name)]);
    assert_eq!(v("appointments_waiting"), 2.0);
    // Drawn 7 minutes into the 08:00 quarter hour: most likely booked for 08:15.
    assert_eq!(v("appointments_waiting_drawn_late_in_slot"), 1.0);
    // The booked citizen drawn at 08:07 does not count itself; the one of 08:00 is called at 08:20.
    let f = features_at(&c, 4, at(7));
    assert_eq!(f64::from_bits(f[feature("appointments_waiting")]), 1.0);
    assert_eq!(f64::from_bits(f[feature("appointments_waiting_drawn_late_in_slot")]), 0.0);
    let f = features_at(&c, 5, at(21));
    assert_eq!(f64::from_bits(f[feature("appointments_waiting")]), 1.0);
}

#[test]
fn features_place_the_probe_against_the_ticket_s_own_slot() {
    // The booked citizen drawn at 08:07 (ticket 4) falls due at 08:15; the one drawn on the
    // quarter hour (ticket 0) at once. A walk-in (ticket 5) counts from the current quarter hour.
    let c = booked_morning();
    let at = |m: i64| parse_rfc3339("2025-06-02T08:00:00+02:00").unwrap() + m * MIN;
    let v = |ticket: usize, m: i64| {
        f64::from_bits(features_at(&c, ticket, at(m))[feature("minutes_into_own_slot")])
    };
    assert_eq!(v(4, 7), -8.0); // at issue: 8 minutes before its slot
    assert_eq!(v(4, 21), 6.0); // its slot began at 08:15
    assert_eq!(v(0, 5), 5.0); // drawn at 08:00: its slot began then
    assert_eq!(v(5, 8), 8.0); // a walk-in: 8 minutes into the 08:00 quarter hour
    assert_eq!(v(5, 16), 1.0);
}

/// Appointments (every fourth ticket) at 08:00 and 08:04; walk-ins at 08:01 and 08:03, both
/// still waiting at 08:14; a walk-in at 08:02 called at 08:03 on counter 3 and served until
/// 08:13; the probed walk-in (ticket 5) drawn at 08:06.
fn walk_ins_day() -> TicketColumns {
    columns(&[
        (0, 20, 5, 0, 0, false),
        (1, 30, 5, 1, 0, false),
        (2, 1, 10, 2, 0, false),
        (3, 40, 5, 0, 0, false),
        (4, 30, 5, 1, 0, false),
        (6, 50, 5, 1, 0, false),
    ])
}

#[test]
fn features_count_the_walk_ins_ahead_and_the_free_counters() {
    let c = walk_ins_day();
    let at = |m: i64| parse_rfc3339("2025-06-02T08:00:00+02:00").unwrap() + m * MIN;
    let typical = History::default().service_min("amt", "PA");
    let f = features_at(&c, 5, at(6));
    let v = |name: &str| f64::from_bits(f[feature(name)]);
    assert_eq!((v("ahead_total"), v("walk_ins_ahead")), (4.0, 2.0));
    assert_eq!(v("walk_in_work_ahead_min"), 2.0 * typical);
    // Counter 3 is the one active counter, and busy: no free counter to take the walk-ins.
    assert_eq!((v("active_counters"), v("busy_counters")), (1.0, 1.0));
    assert_eq!(v("walk_ins_ahead_beyond_free_counters"), 2.0);
    // At 08:14 it is free (and still active): one of the two walk-ins ahead can go at once.
    let f = features_at(&c, 5, at(14));
    let v = |name: &str| f64::from_bits(f[feature(name)]);
    assert_eq!((v("walk_ins_ahead"), v("busy_counters")), (2.0, 0.0));
    assert_eq!(v("walk_ins_ahead_beyond_free_counters"), 1.0);
}

#[test]
fn the_replay_feature_serves_due_appointments_before_the_walk_ins_ahead() {
    // Usual counter time 8 minutes (no history), call gap 0.5.
    let c = walk_ins_day();
    let at = |m: i64| parse_rfc3339("2025-06-02T08:00:00+02:00").unwrap() + m * MIN;
    let fluid = |t| f64::from_bits(features_at(&c, 5, t)[feature("fluid_call_min")]);
    // 08:06: counter 3 is 3 minutes into its service (free in 5.5); the booked ticket of 08:00
    // is due, the one of 08:04 falls due at 08:15 (in 9); then the walk-ins of 08:01 and 08:03:
    // 5.5 + 8.5 + 8.5 + 8.5 + 8.5.
    assert_eq!(fluid(at(6)), 39.5);
    // 08:14: the counter is free: 8.5 × 4.
    assert_eq!(fluid(at(14)), 34.0);
}

#[test]
fn the_replay_feature_scales_the_bookings_to_come_by_the_booking_level() {
    let c = walk_ins_day();
    let at = |m: i64| parse_rfc3339("2025-06-02T08:00:00+02:00").unwrap() + m * MIN;
    // Usually one booked ticket falls due at 08:15 on a Monday (2 June 2025 is one).
    let mut history = History::default();
    let mut due = vec![0.0; QUARTERS];
    due[33] = 1.0;
    history.plan.appointments_due.entry("amt".into()).or_default().insert(1, due);
    let fluid =
        |level| f64::from_bits(features_with(&c, 5, at(6), &history, level)[feature("fluid_call_min")]);
    // The ticket drawn at 08:04 is that one: none is still to come, as in the test above.
    assert_eq!(fluid(1.0), 39.5);
    assert_eq!(fluid(1.4), 39.5);
    // In a season of twice the usual bookings one more falls due at 08:15 and goes before the
    // walk-ins ahead: 8.5 minutes later.
    assert_eq!(fluid(2.0), 48.0);
}

/// Regression: a ticket drawn in the morning, never called and without a void time, stayed
/// "waiting" until the day's last call, so the head-of-line wait (the `hol` rule) of a ticket
/// drawn hours later read hundreds of minutes. It leaves at its wait bound (the default
/// 3 hours here), after which it counts neither ahead, nor waiting, nor as the oldest.
#[test]
fn a_stale_ticket_leaves_the_queue_features_at_its_bound() {
    // Stale ticket at 0 (cancelled, no finish); tickets at 200 and 201 called at 205 and 230.
    let mut c = columns(&[(0, 0, 0, 0, 0, true), (200, 5, 5, 0, 0, false), (201, 29, 5, 1, 0, false)]);
    c.finished[0] = None;
    let at = |m: i64| parse_rfc3339("2025-06-02T08:00:00+02:00").unwrap() + m * MIN;
    let f = features_at(&c, 2, at(202));
    let v = |name: &str| f64::from_bits(f[feature(name)]);
    assert_eq!(v("ahead_total"), 1.0); // ticket 1 only
    assert_eq!(v("waiting_total"), 2.0);
    assert_eq!(v("hol_min"), 2.0); // ticket 1 drawn at 200, not the stale one at 0
    // Before its bound the stale ticket still counts: at 179 minutes it is the oldest.
    let mut early = c.clone();
    for i in 1..3 {
        early.issued[i] -= 30 * MIN;
        early.called[i] = early.called[i].map(|t| t - 30 * MIN);
        early.finished[i] = early.finished[i].map(|t| t - 30 * MIN);
    }
    let f = features_at(&early, 2, at(172));
    let v = |name: &str| f64::from_bits(f[feature(name)]);
    assert_eq!((v("ahead_total"), v("waiting_total"), v("hol_min")), (2.0, 3.0, 172.0));
}

fn context_parts() -> (History, Vec<String>, Vec<String>) {
    (History::default(), vec!["amt".to_string()], vec!["PA".to_string(), "MB".to_string(), "KFZ".to_string()])
}

proptest! {
    /// Choosing the training rows before building them gives exactly the rows (and order) of
    /// building every snapshot and subsampling afterwards.
    #[test]
    fn planned_rows_equal_the_subsample_of_all_rows(raw in raw_day(), max_rows in 1usize..60) {
        use crate::model::features::{dataset, dataset_of};
        use crate::model::sample::{Plan, probe_counts};
        let c = columns(&raw);
        let (history, offices, services) = context_parts();
        let ctx = Context { history: &history, offices: &offices, services: &services, tz: DEFAULT_TZ, replay: ReplayParams::default() };
        let every = 5 * MIN;
        let all = dataset(&c, &ctx, every);
        let days = crate::replay::day_ranges(&c);
        let (issue, later) = probe_counts(&c, &days, every);
        prop_assert_eq!(issue + later, all.len());
        let mut plan = Plan::new(issue, later, max_rows);
        let planned = dataset_of(&c, &days, &ctx, every, Some(&mut plan));
        let expected = all.subsample(max_rows).into_owned();
        prop_assert_eq!(planned.len(), expected.len());
        prop_assert!(planned.x.iter().zip(&expected.x).all(|(a, b)| a.to_bits() == b.to_bits()));
        prop_assert_eq!(planned.y, expected.y);
        prop_assert_eq!(planned.meta, expected.meta);
    }
}

/// Three days (2–4 June 2025) of two offices, "amt" and "bib", each day the same 30 tickets
/// (two of them cancelled), with the office-days and a context's parts: for tests that need
/// several office-days.
pub(crate) fn fixture_context()
-> (TicketColumns, Vec<crate::replay::DayRange>, History, Vec<String>, Vec<String>) {
    let raw: Vec<_> = (0..30i64)
        .map(|i| (3 * i, (7 * i) % 25, 4 + i % 5, (i % 3) as u32, (i % 3) as u16, i % 11 == 5))
        .collect();
    let day = columns(&raw);
    let mut all = TicketColumns {
        offices: vec!["amt".into(), "bib".into()],
        services: day.services.clone(),
        counters: day.counters.clone(),
        ..TicketColumns::default()
    };
    for office in 0..2u32 {
        for d in 0..3i64 {
            let shift = d * 24 * 60 * MIN;
            for i in 0..day.issued.len() {
                all.office.push(office);
                all.date.push(day.date[i] + chrono::Days::new(d as u64));
                all.ticket_id.push(format!("{office}-{d}-{}", day.ticket_id[i]));
                all.service.push(day.service[i]);
                all.channel.push(day.channel[i]);
                all.issued.push(day.issued[i] + shift);
                all.called.push(day.called[i].map(|t| t + shift));
                all.finished.push(day.finished[i].map(|t| t + shift));
                all.counter.push(day.counter[i]);
                all.outcome.push(day.outcome[i]);
            }
        }
    }
    let ranges = crate::replay::day_ranges(&all);
    let (history, _, services) = context_parts();
    (all, ranges, history, vec!["amt".to_string(), "bib".to_string()], services)
}
