use super::*;
use crate::planning::sim_day::history_day;
use crate::replay::{DayTicket, OfficeDay, ReplayParams};
use crate::schema::{Channel, Outcome};
use crate::timezones::{DEFAULT_TZ, parse_rfc3339};
use chrono::NaiveDate;

/// Walk-ins per local hour 8..=12: 10, 2, 1, 6, 3, spread evenly in the hour, plus one
/// appointment at 12:05. Each is called at issue and served for 5 minutes at counter 0.
fn day() -> HistoryDay {
    let eight = parse_rfc3339("2025-05-05T08:00:00+02:00").unwrap();
    let mut tickets = Vec::new();
    for (h, n) in [(0i64, 10i64), (1, 2), (2, 1), (3, 6), (4, 3)] {
        for j in 0..n {
            tickets.push((eight + h * 60 * MS_PER_MINUTE + j * 60 * MS_PER_MINUTE / n, Channel::WalkIn));
        }
    }
    tickets.push((eight + 4 * 60 * MS_PER_MINUTE + 5 * MS_PER_MINUTE, Channel::Appointment));
    let rows = tickets
        .into_iter()
        .enumerate()
        .map(|(i, (t, channel))| {
            let ticket = DayTicket {
                issued: t,
                called: Some(t),
                finished: Some(t + 5 * MS_PER_MINUTE),
                service: 0,
                counter: Some(0),
                channel,
                outcome: Outcome::Served,
            };
            (i, ticket)
        })
        .collect();
    let day = OfficeDay::new(0, NaiveDate::from_ymd_opt(2025, 5, 5).unwrap(), rows);
    history_day(&day, DEFAULT_TZ, ReplayParams::default())
}

#[test]
fn busy_and_quiet_hours_by_the_median() {
    // Open hours 8-11 with walk-ins 5, 1, 5, 0: median (1 + 5)/2 = 3; busy 8 and 10;
    // quiet 9 only, since 11 is the day's last open hour.
    let (mut walk_ins, mut open) = ([0u32; 24], [false; 24]);
    for (h, n) in [(8, 5), (9, 1), (10, 5), (11, 0)] {
        (walk_ins[h], open[h]) = (n, true);
    }
    assert_eq!(split_hours(&walk_ins, &open), HourSplit { busy: vec![8, 10], quiet: vec![9] });
    assert_eq!(split_hours(&[0; 24], &[false; 24]), HourSplit::default());
}

#[test]
fn moving_conserves_tickets_and_moves_the_rounded_share() {
    let d = day();
    // Walk-ins 10, 2, 1, 6, 3 in hours 8-12: median 3, busy 8 and 11 (16 eligible), quiet 9, 10.
    let small = spread_day(&d, 0.2, 7);
    let large = spread_day(&d, 0.3, 7);
    assert_eq!((small.eligible, small.moved), (16, 3)); // round(3.2)
    assert_eq!((large.eligible, large.moved), (16, 5)); // round(4.8)
    for s in [&small, &large] {
        assert_eq!(s.tickets.len(), d.tickets.len());
        let changed: Vec<usize> = (0..d.tickets.len()).filter(|&i| s.tickets[i] != d.tickets[i]).collect();
        assert_eq!(changed.len(), s.moved);
        for &i in &changed {
            assert!([8, 11].contains(&(d.slot[i] / 4)), "moved from a busy hour");
            assert!([9, 10].contains(&(d.slot_of(s.tickets[i].arrival) / 4)), "moved into a quiet hour");
            assert_eq!(s.tickets[i].arrival, s.tickets[i].due);
            assert_eq!(s.tickets[i].service_ms, d.tickets[i].service_ms);
        }
    }
    // The larger share moves a superset, to the same new times for the common tickets.
    for i in 0..d.tickets.len() {
        if small.tickets[i] != d.tickets[i] {
            assert_eq!(small.tickets[i].arrival, large.tickets[i].arrival);
        }
    }
    assert_eq!(spread_day(&d, 0.2, 7), small, "seeded: the same seed moves the same tickets");
}

#[test]
fn baseline_rows_count_every_ticket_once_per_hour_and_in_the_total() {
    let d = day();
    let p =
        WhatIfParams { shares: vec![0.3], seed: 7, threshold_min: 15.0, sim: SimParams { call_gap_ms: 0 } };
    let h = ReplayedDays::new(vec!["x".to_string()], vec![d.clone()]).unwrap();
    let w = what_if(&h, &p).unwrap();
    for share in [0.0, 0.3] {
        let rows: Vec<&WhatIfRow> = w.rows.iter().filter(|r| r.share == share).collect();
        let total = rows.iter().find(|r| r.hour.is_none()).unwrap();
        assert_eq!(total.tickets, d.tickets.len());
        assert_eq!(rows.iter().filter(|r| r.hour.is_some()).map(|r| r.tickets).sum::<usize>(), total.tickets);
        assert_eq!(total.moved, if share == 0.0 { 0 } else { 5 });
    }
    // Baseline hour 8: ten walk-ins one every 6 minutes, 5-minute services: nobody waits.
    let eight = w.rows.iter().find(|r| r.share == 0.0 && r.hour == Some(8)).unwrap();
    assert_eq!((eight.tickets, eight.not_called, eight.waits.mean_min), (10, 0, 0.0));
    // The engine reproduces every wait but the appointment's: issued 12:05 and called at once
    // in the log, the simulation holds it until its grid slot 12:15, 10 min over 23 tickets.
    assert!((w.reproduction[0].day_mean_bias_min - 10.0 / 23.0).abs() < 1e-12);
}
