//! Test fixtures of the planning stage: small replayed office-days written as wall-clock times.

use chrono::NaiveDate;

use crate::planning::sim_day::{HistoryDay, ReplayedDays, history_day};
use crate::replay::{DayTicket, OfficeDay, ReplayParams};
use crate::schema::{Channel, Outcome};
use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

/// A day of office 0 on `date` (`YYYY-MM-DD`, summer time) from (issued, called, finished) as
/// `HH:MM`: walk-ins served at counter 0; a ticket without a call is cancelled.
pub fn day(date: &str, tickets: &[(&str, Option<&str>, &str)]) -> HistoryDay {
    let at = |hm: &str| parse_rfc3339(&format!("{date}T{hm}:00+02:00")).unwrap();
    let rows = tickets
        .iter()
        .enumerate()
        .map(|(i, &(issued, called, finished))| {
            let t = DayTicket {
                issued: at(issued),
                called: called.map(at),
                finished: Some(at(finished)),
                service: 0,
                counter: called.map(|_| 0),
                channel: Channel::WalkIn,
                outcome: if called.is_some() { Outcome::Served } else { Outcome::Cancelled },
            };
            (i, t)
        })
        .collect();
    let day = OfficeDay::new(0, NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(), rows);
    history_day(&day, DEFAULT_TZ, ReplayParams::default())
}

/// Monday 2025-05-05, one counter: A 08:00 called 08:00, B 08:02 called 08:10, C 08:03
/// called 08:20, each served 10 minutes (waits 0, 8, 17 min; call gaps 0).
pub fn one_counter_monday() -> ReplayedDays {
    let tickets = [
        ("08:00", Some("08:00"), "08:10"),
        ("08:02", Some("08:10"), "08:20"),
        ("08:03", Some("08:20"), "08:30"),
    ];
    ReplayedDays::new(vec!["x".to_string()], vec![day("2025-05-05", &tickets)]).unwrap()
}
