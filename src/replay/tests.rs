//! Replay tests: a hand-computed office-day, and properties against a brute-force recount.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::schema::{Channel, EpochMs, Outcome};

const MIN: i64 = 60_000;
const GAP: i64 = 30 * MIN;
/// Wait bound of the property tests: shorter than some generated waits.
const BOUND: i64 = 60 * MIN;

fn ticket(
    issued: i64,
    called: Option<i64>,
    finished: Option<i64>,
    counter: Option<u32>,
    service: u16,
) -> DayTicket {
    let outcome = if called.is_some() { Outcome::Served } else { Outcome::Cancelled };
    DayTicket {
        issued: issued * MIN,
        called: called.map(|c| c * MIN),
        finished: finished.map(|f| f * MIN),
        service,
        counter,
        channel: Channel::WalkIn,
        outcome,
    }
}

fn day(tickets: Vec<DayTicket>) -> OfficeDay {
    OfficeDay::new(0, NaiveDate::from_ymd_opt(2025, 5, 5).unwrap(), tickets.into_iter().enumerate().collect())
}

/// Six tickets at two counters, minutes after opening; PA = service 0, MB = service 1.
fn hand_day() -> OfficeDay {
    day(vec![
        ticket(0, Some(0), Some(10), Some(1), 0),
        ticket(2, Some(10), Some(15), Some(1), 0),
        ticket(3, Some(5), Some(12), Some(2), 1),
        ticket(4, None, Some(9), None, 0),
        ticket(6, Some(15), Some(16), Some(1), 1),
        ticket(20, None, None, None, 0),
    ])
}

#[test]
fn hand_computed_day() {
    // A wait bound of 30 minutes: the ticket drawn at 20 and never called leaves at 50.
    let tl = timeline(&hand_day().with_max_wait(30 * MIN), 2, ReplayParams { idle_gap_ms: GAP });
    let minutes: Vec<i64> = tl.t.iter().map(|t| t / MIN).collect();
    assert_eq!(minutes, [0, 2, 3, 4, 5, 6, 9, 10, 12, 15, 16, 20, 42, 46, 50]);
    assert_eq!(tl.waiting, [0, 1, 2, 3, 2, 3, 2, 1, 1, 0, 0, 1, 1, 1, 0]);
    assert_eq!(tl.in_service, [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0]);
    assert_eq!(tl.busy_counters, [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0]);
    assert_eq!(tl.active_counters, [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 0]);
    let pa: Vec<u32> = tl.waiting_by_service.chunks(2).map(|c| c[0]).collect();
    let mb: Vec<u32> = tl.waiting_by_service.chunks(2).map(|c| c[1]).collect();
    assert_eq!(pa, [0, 1, 1, 2, 2, 2, 1, 0, 0, 0, 0, 1, 1, 1, 0]);
    assert_eq!(mb, [0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    // Time-integral of waiting = sum of individual waits (8 + 2 + 5 + 9 + 30 minutes).
    let integral: i64 = (0..tl.len() - 1).map(|i| tl.waiting[i] as i64 * (tl.t[i + 1] - tl.t[i])).sum();
    assert_eq!(integral, 54 * MIN);
    assert_eq!(tl.step_at(11 * MIN), Some(7));
    assert_eq!(tl.step_at(-1), None);
}

/// The stale-ticket rule on a hand-made day with a 60-minute bound: T0 never called and
/// never voided leaves at 60; T1 called at 100, after its bound (70), leaves the waiting
/// queue at 70 and is served from 100 (a late call); T2 voided at 150, after its bound,
/// leaves at 80; T3 voided at 40 leaves then; T4 is called at 55 as usual.
#[test]
fn stale_tickets_leave_the_queue_at_their_bound() {
    let d = day(vec![
        ticket(0, None, None, None, 0),
        ticket(10, Some(100), Some(110), Some(1), 0),
        ticket(20, None, Some(150), None, 1),
        ticket(30, None, Some(40), None, 0),
        ticket(50, Some(55), Some(65), Some(2), 1),
    ])
    .with_max_wait(60 * MIN);
    assert_eq!((0..5).map(|i| d.wait_end(i) / MIN).collect::<Vec<_>>(), [60, 70, 80, 40, 55]);
    assert_eq!(d.recorded_end(), 150 * MIN);
    let kinds: Vec<(i64, EventKind, u32)> =
        day_events(&d).iter().map(|e| (e.t / MIN, e.kind, e.ticket)).collect();
    assert!(kinds.contains(&(70, EventKind::Cancel, 1)) && kinds.contains(&(100, EventKind::LateCall, 1)));
    assert!(kinds.contains(&(80, EventKind::Cancel, 2)) && !kinds.iter().any(|k| k.0 == 150));
    let tl = timeline(&d, 2, ReplayParams { idle_gap_ms: GAP });
    let minutes: Vec<i64> = tl.t.iter().map(|t| t / MIN).collect();
    assert_eq!(minutes, [0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 80, 95, 100, 110, 140]);
    assert_eq!(tl.waiting, [1, 2, 3, 4, 3, 4, 3, 2, 2, 1, 0, 0, 0, 0, 0]);
    assert_eq!(tl.in_service, [0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(tl.active_counters, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0]);
    // Waiting time-integral = the waits up to each ticket's end: 60 + 60 + 60 + 10 + 5.
    let integral: i64 = (0..tl.len() - 1).map(|i| tl.waiting[i] as i64 * (tl.t[i + 1] - tl.t[i])).sum();
    assert_eq!(integral, 195 * MIN);
    // Without a learned bound the default (3 hours) applies: T0 would wait until 180.
    assert_eq!(day(vec![ticket(0, None, None, None, 0)]).wait_end(0), 180 * MIN);
}

/// Regression: a ticket finished at the instant it was called (zero service time) made the
/// counter finish before it started and underflowed the in-service count.
#[test]
fn zero_length_service_is_called_before_it_finishes() {
    let d = day(vec![ticket(0, Some(5), Some(5), Some(1), 0), ticket(1, Some(5), Some(9), Some(1), 0)]);
    let tl = timeline(&d, 1, ReplayParams::default());
    let i = tl.step_at(5 * MIN).unwrap();
    assert_eq!((tl.waiting[i], tl.in_service[i], tl.busy_counters[i], tl.active_counters[i]), (0, 1, 1, 1));
    let j = tl.step_at(9 * MIN).unwrap();
    assert_eq!((tl.in_service[j], tl.busy_counters[j], tl.active_counters[j]), (0, 0, 1));
}

/// Regression: a cancelled ticket without `finished_at` stayed "waiting" until the day's last
/// call (hours, for a ticket drawn in the morning); now it leaves at its wait bound.
#[test]
fn cancelled_without_finish_leaves_at_its_bound_not_the_last_call() {
    let d = day(vec![ticket(0, None, None, None, 0), ticket(1, Some(300), Some(310), Some(1), 0)])
        .with_max_wait(400 * MIN);
    let tl = timeline(&d.clone().with_max_wait(60 * MIN), 1, ReplayParams::default());
    assert_eq!(tl.waiting[tl.step_at(59 * MIN).unwrap()], 2);
    assert_eq!(tl.waiting[tl.step_at(60 * MIN).unwrap()], 1);
    // With a longer bound it outlasts the last call (300) and leaves at 400.
    let tl = timeline(&d, 1, ReplayParams::default());
    assert_eq!(tl.waiting[tl.step_at(300 * MIN).unwrap()], 1);
    assert_eq!(tl.waiting[tl.step_at(400 * MIN).unwrap()], 0);
}

/// Random valid days: issue times sorted, calls after issue, finishes after calls.
fn day_strategy() -> impl Strategy<Value = Vec<DayTicket>> {
    proptest::collection::vec((0i64..480, 0i64..90, 0i64..30, 0u32..4, 0u16..3, 0u8..10), 1..60).prop_map(
        |raw| {
            raw.into_iter()
                .map(|(issue, wait, service_time, counter, service, kind)| {
                    if kind == 0 {
                        ticket(issue, None, Some(issue + wait), None, service)
                    } else {
                        ticket(
                            issue,
                            Some(issue + wait),
                            Some(issue + wait + service_time),
                            Some(counter),
                            service,
                        )
                    }
                })
                .collect()
        },
    )
}

/// The state at `t` recounted from the tickets alone.
fn brute_force(tickets: &[DayTicket], t: EpochMs, gap: i64) -> (u32, u32, u32) {
    let leave = |x: &DayTicket| x.called.or(x.finished).unwrap_or(EpochMs::MAX).min(x.issued + BOUND);
    let waiting = tickets.iter().filter(|x| x.issued <= t && leave(x) > t).count() as u32;
    let in_service = tickets
        .iter()
        .filter(|x| x.called.is_some_and(|c| c <= t) && x.finished.is_some_and(|f| f > t))
        .count();
    let mut active = 0;
    for c in 0..4u32 {
        let at_c: Vec<&DayTicket> =
            tickets.iter().filter(|x| x.counter == Some(c) && x.called.unwrap() <= t).collect();
        let busy = at_c.iter().any(|x| x.finished.unwrap() > t);
        let last_finish = at_c.iter().map(|x| x.finished.unwrap()).filter(|f| *f <= t).max();
        if busy || last_finish.is_some_and(|f| t < f + gap) {
            active += 1;
        }
    }
    (waiting, in_service as u32, active)
}

proptest! {
    /// Regression: one `advance` over a long stretch missed the idle timeouts that the
    /// stretch's own finishes started, so a counter idle for longer than the gap still counted
    /// as active, and features depended on which other probes of the day were built.
    #[test]
    fn one_advance_equals_the_sweep(tickets in day_strategy(), probe in 0i64..700) {
        let d = day(tickets).with_max_wait(BOUND);
        let params = ReplayParams { idle_gap_ms: GAP };
        let tl = timeline(&d, 3, params);
        let events = day_events(&d);
        let mut r = Replayer::new(&d, &events, 3, params);
        let t = probe * MIN;
        r.advance(Until::Through(t), |_, _| {});
        let s = r.state();
        let got = (s.waiting, s.in_service, s.busy_counters, s.active_counters);
        let want = tl.step_at(t).map_or((0, 0, 0, 0), |i| (tl.waiting[i], tl.in_service[i], tl.busy_counters[i], tl.active_counters[i]));
        prop_assert_eq!(got, want);
    }

    #[test]
    fn sweep_matches_a_brute_force_recount(tickets in day_strategy(), probe in 0i64..700) {
        let d = day(tickets.clone()).with_max_wait(BOUND);
        let tl = timeline(&d, 3, ReplayParams { idle_gap_ms: GAP });
        let t = probe * MIN;
        let expected = brute_force(&tickets, t, GAP);
        let got = tl.step_at(t).map_or((0, 0, 0), |i| (tl.waiting[i], tl.in_service[i], tl.active_counters[i]));
        prop_assert_eq!(got, expected);
        if let Some(i) = tl.step_at(t) {
            let by_service: u32 = tl.waiting_by_service[i * 3..i * 3 + 3].iter().sum();
            prop_assert_eq!(by_service, tl.waiting[i]);
        }
    }

    #[test]
    fn state_at_t_ignores_everything_after_t(tickets in day_strategy(), probe in 0i64..600, shift in 1i64..50) {
        let t = probe * MIN;
        let base = timeline(&day(tickets.clone()).with_max_wait(BOUND), 3, ReplayParams { idle_gap_ms: GAP });
        // Move every instant after t later, and drop tickets drawn after t.
        let later = |x: EpochMs| if x > t { x + shift * MIN } else { x };
        let changed: Vec<DayTicket> = tickets
            .iter()
            .filter(|x| x.issued <= t)
            .map(|x| DayTicket { called: x.called.map(later), finished: x.finished.map(later), ..*x })
            .collect();
        let other = timeline(&day(changed).with_max_wait(BOUND), 3, ReplayParams { idle_gap_ms: GAP });
        let state = |tl: &Timeline| tl.step_at(t).map(|i| {
            (tl.waiting[i], tl.in_service[i], tl.busy_counters[i], tl.active_counters[i],
             tl.waiting_by_service[i * 3..i * 3 + 3].to_vec())
        });
        prop_assert_eq!(state(&base), state(&other));
    }
}
