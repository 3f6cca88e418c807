//! The usual shape of an office's day, learned per weekday and quarter hour: how many counters
//! call, and how many booked tickets fall due. The deterministic replay ([`super::fluid`])
//! reads the rest of the day from it: counters that leave for lunch or join for the late
//! shift, and appointments still to come that will go before a waiting walk-in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::schema::Channel;
use crate::slots::SLOT_MINUTES;
use crate::store::columns::TicketColumns;
use crate::timezones::to_local;

/// Quarter hours of a day.
pub const QUARTERS: usize = 24 * 60 / SLOT_MINUTES;

/// Per office and ISO weekday (1–7): the mean over that weekday's days of each quarter hour's
/// counters calling and booked tickets falling due (due: the quarter hour after the ticket was
/// drawn, see [`due_minute`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayPlan {
    pub counters: BTreeMap<String, BTreeMap<u8, Vec<f64>>>,
    pub appointments_due: BTreeMap<String, BTreeMap<u8, Vec<f64>>>,
}

/// The minute of the day a booked ticket drawn at local `minute` (with seconds as a fraction)
/// is taken to fall due: the start of the next quarter hour (citizens with an appointment come
/// a few minutes early), or at once when drawn on the quarter hour.
pub fn due_minute(minute: f64) -> f64 {
    let into = minute.rem_euclid(SLOT_MINUTES as f64);
    if into > 0.0 { minute - into + SLOT_MINUTES as f64 } else { minute }
}

impl DayPlan {
    /// Learns the plan from the tickets of `c` whose local date passes `keep`.
    pub fn learn_where(c: &TicketColumns, tz: Tz, keep: &impl Fn(chrono::NaiveDate) -> bool) -> DayPlan {
        let mut days: BTreeMap<(u32, u8), BTreeSet<chrono::NaiveDate>> = BTreeMap::new();
        let mut calling: BTreeSet<(u32, chrono::NaiveDate, u16, u32)> = BTreeSet::new();
        let mut due: BTreeMap<(u32, u8, u16), f64> = BTreeMap::new();
        let minute_of = |t| {
            let l = to_local(t, tz);
            (
                l.weekday().number_from_monday() as u8,
                f64::from(l.hour() * 60 + l.minute()) + f64::from(l.second()) / 60.0,
            )
        };
        for i in (0..c.len()).filter(|&i| keep(c.date[i])) {
            let (weekday, minute) = minute_of(c.issued[i]);
            days.entry((c.office[i], weekday)).or_default().insert(c.date[i]);
            if c.channel[i] == Channel::Appointment {
                let q = (due_minute(minute) as usize / SLOT_MINUTES).min(QUARTERS - 1) as u16;
                *due.entry((c.office[i], weekday, q)).or_default() += 1.0;
            }
            if let (Some(called), Some(counter)) = (c.called[i], c.counter[i]) {
                let (_, m) = minute_of(called);
                let q = (m as usize / SLOT_MINUTES).min(QUARTERS - 1) as u16;
                calling.insert((c.office[i], c.date[i], q, counter));
            }
        }
        let mut counts: BTreeMap<(u32, u8, u16), f64> = BTreeMap::new();
        for &(o, d, q, _) in &calling {
            *counts.entry((o, d.weekday().number_from_monday() as u8, q)).or_default() += 1.0;
        }
        let mut plan = DayPlan::default();
        let office = |o: u32| c.offices[o as usize].clone();
        // Means to a thousandth: the plan is stored in the model file for 85 offices and more.
        for (&(o, wd), dates) in &days {
            let n = dates.len() as f64;
            let per = |m: &BTreeMap<(u32, u8, u16), f64>| {
                (0..QUARTERS as u16)
                    .map(|q| (m.get(&(o, wd, q)).copied().unwrap_or(0.0) / n * 1000.0).round() / 1000.0)
                    .collect::<Vec<f64>>()
            };
            plan.counters.entry(office(o)).or_default().insert(wd, per(&counts));
            plan.appointments_due.entry(office(o)).or_default().insert(wd, per(&due));
        }
        plan
    }

    /// Usual counters calling at `office` on `weekday` in each quarter hour (empty: unknown).
    pub fn counters(&self, office: &str, weekday: u8) -> &[f64] {
        self.counters.get(office).and_then(|m| m.get(&weekday)).map_or(&[], |v| v.as_slice())
    }

    /// Usual booked tickets falling due in each quarter hour (empty: unknown).
    pub fn appointments_due(&self, office: &str, weekday: u8) -> &[f64] {
        self.appointments_due.get(office).and_then(|m| m.get(&weekday)).map_or(&[], |v| v.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::schema::Outcome;
    use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

    #[test]
    fn booked_tickets_fall_due_at_the_next_quarter_hour() {
        assert_eq!(due_minute(484.0), 495.0); // 08:04 -> 08:15
        assert_eq!(due_minute(480.5), 495.0); // 08:00:30
        assert_eq!(due_minute(495.0), 495.0); // on the quarter hour: at once
    }

    /// Two Mondays: counters 1 and 2 call from 08:00 on the first, counter 1 alone on the
    /// second; booked tickets drawn at 08:04 and 08:15 on the first.
    #[test]
    fn the_plan_averages_each_quarter_hour_over_the_weekday_s_days() {
        let mut c = TicketColumns {
            offices: vec!["amt".into()],
            services: vec!["PA".into()],
            counters: vec!["1".into(), "2".into()],
            ..TicketColumns::default()
        };
        let rows = [
            ("2025-06-02T08:01:00+02:00", Channel::WalkIn, Some(("2025-06-02T08:02:00+02:00", 0))),
            ("2025-06-02T08:03:00+02:00", Channel::WalkIn, Some(("2025-06-02T08:05:00+02:00", 1))),
            ("2025-06-02T08:04:00+02:00", Channel::Appointment, Some(("2025-06-02T08:16:00+02:00", 0))),
            ("2025-06-02T08:15:00+02:00", Channel::Appointment, None),
            ("2025-06-09T08:01:00+02:00", Channel::WalkIn, Some(("2025-06-09T08:01:30+02:00", 0))),
        ];
        for (issued, channel, call) in rows {
            let issued = parse_rfc3339(issued).unwrap();
            c.office.push(0);
            c.date.push(to_local(issued, DEFAULT_TZ).date_naive());
            c.service.push(0);
            c.channel.push(channel);
            c.issued.push(issued);
            c.called.push(call.map(|(t, _)| parse_rfc3339(t).unwrap()));
            c.finished.push(None);
            c.counter.push(call.map(|(_, k)| k));
            c.outcome.push(if call.is_some() { Outcome::Served } else { Outcome::Cancelled });
        }
        let all = DayPlan::learn_where(&c, DEFAULT_TZ, &|_| true);
        let counters = all.counters("amt", 1);
        assert_eq!(counters.len(), QUARTERS);
        assert_eq!((counters[31], counters[32], counters[33]), (0.0, 1.5, 0.5));
        let due = all.appointments_due("amt", 1);
        assert_eq!((due[32], due[33], due[34]), (0.0, 1.0, 0.0));
        assert!(all.counters("amt", 2).is_empty() && all.counters("other", 1).is_empty());
        // Only the second Monday kept: one day, one counter, nothing booked.
        let second = NaiveDate::from_ymd_opt(2025, 6, 9).unwrap();
        let kept = DayPlan::learn_where(&c, DEFAULT_TZ, &|d| d == second);
        assert_eq!((kept.counters("amt", 1)[32], kept.appointments_due("amt", 1)[33]), (1.0, 0.0));
    }
}
