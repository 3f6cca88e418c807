//! What the models learn from earlier days before predicting: typical service times,
//! usual closing minutes, historical mean waits, the usual day plan ([`DayPlan`]) and the
//! bookings of the last open days.
//! Computed from the training window only.

use std::collections::BTreeMap;

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::booking_level::{self, DailyBookings};
use crate::model::day_plan::DayPlan;
use crate::model::leaving::Leaving;
use crate::replay::WaitBounds;
use crate::schema::Outcome;
use crate::store::columns::TicketColumns;
use crate::timezones::to_local;

/// Fallback service time when nothing was observed (minutes).
pub const DEFAULT_SERVICE_MIN: f64 = 8.0;

/// Statistics of the training window, keyed by office id and service code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Mean service time (served tickets) per office and service, minutes.
    pub service_min: BTreeMap<String, BTreeMap<String, f64>>,
    /// Mean service time per office over all services, minutes.
    pub office_service_min: BTreeMap<String, f64>,
    /// Median of the daily last-issue minute of day per office and ISO weekday (1–7).
    pub closing_minute: BTreeMap<String, [Option<f64>; 7]>,
    /// Mean wait (called tickets) per office × weekday (1–7) × issue hour, minutes.
    pub mean_wait: BTreeMap<String, BTreeMap<u8, BTreeMap<u8, f64>>>,
    /// Mean wait per office over everything, minutes (fallback of `mean_wait`).
    pub office_mean_wait: BTreeMap<String, f64>,
    /// How long a ticket can wait before the replay takes it to have left the queue.
    pub wait_bounds: WaitBounds,
    /// Usual counters and booked tickets due per weekday and quarter hour.
    #[serde(default)]
    pub plan: DayPlan,
    /// Walk-ins' staying by how long they have waited (the replay's walk-ins who give up).
    #[serde(default)]
    pub leaving: Leaving,
    /// Booked tickets drawn on each office's last open days of the window: the booking level
    /// of a day after it ([`crate::model::booking_level`]).
    #[serde(default)]
    pub recent_bookings: DailyBookings,
}

impl History {
    /// Learns the statistics from `c` (the training window).
    pub fn learn(c: &TicketColumns, tz: Tz) -> History {
        History::learn_where(c, tz, |_| true)
    }

    /// Learns the statistics from the tickets of `c` whose local date passes `keep`.
    pub fn learn_where(c: &TicketColumns, tz: Tz, keep: impl Fn(chrono::NaiveDate) -> bool) -> History {
        let mut service: BTreeMap<(u32, u16), (f64, u64)> = BTreeMap::new();
        let mut office_service: BTreeMap<u32, (f64, u64)> = BTreeMap::new();
        let mut waits: BTreeMap<(u32, u8, u8), (f64, u64)> = BTreeMap::new();
        let mut office_waits: BTreeMap<u32, (f64, u64)> = BTreeMap::new();
        let mut last_issue: BTreeMap<(u32, chrono::NaiveDate), (u8, f64)> = BTreeMap::new();
        for i in (0..c.len()).filter(|&i| keep(c.date[i])) {
            let local = to_local(c.issued[i], tz);
            let weekday = local.weekday().number_from_monday() as u8;
            let minute = (local.hour() * 60 + local.minute()) as f64;
            let entry = last_issue.entry((c.office[i], c.date[i])).or_insert((weekday, minute));
            entry.1 = entry.1.max(minute);
            if let (Outcome::Served, Some(called), Some(finished)) =
                (c.outcome[i], c.called[i], c.finished[i])
            {
                let m = (finished - called) as f64 / 60_000.0;
                add(service.entry((c.office[i], c.service[i])).or_default(), m);
                add(office_service.entry(c.office[i]).or_default(), m);
            }
            if let Some(called) = c.called[i] {
                let w = (called - c.issued[i]) as f64 / 60_000.0;
                add(waits.entry((c.office[i], weekday, local.hour() as u8)).or_default(), w);
                add(office_waits.entry(c.office[i]).or_default(), w);
            }
        }
        let office = |o: u32| c.offices[o as usize].clone();
        let mut h = History {
            wait_bounds: WaitBounds::learn_where(c, &keep),
            plan: DayPlan::learn_where(c, tz, &keep),
            leaving: Leaving::learn_where(c, &keep),
            recent_bookings: booking_level::most_recent(&booking_level::daily_bookings(c, &keep)),
            ..History::default()
        };
        for ((o, s), (sum, n)) in service {
            h.service_min
                .entry(office(o))
                .or_default()
                .insert(c.services[s as usize].clone(), sum / n as f64);
        }
        for (o, (sum, n)) in office_service {
            h.office_service_min.insert(office(o), sum / n as f64);
        }
        for ((o, wd, hour), (sum, n)) in waits {
            h.mean_wait.entry(office(o)).or_default().entry(wd).or_default().insert(hour, sum / n as f64);
        }
        for (o, (sum, n)) in office_waits {
            h.office_mean_wait.insert(office(o), sum / n as f64);
        }
        let mut by_weekday: BTreeMap<(u32, u8), Vec<f64>> = BTreeMap::new();
        for ((o, _), (wd, minute)) in last_issue {
            by_weekday.entry((o, wd)).or_default().push(minute);
        }
        for ((o, wd), mut minutes) in by_weekday {
            minutes.sort_by(f64::total_cmp);
            let median = minutes[minutes.len() / 2];
            h.closing_minute.entry(office(o)).or_insert([None; 7])[wd as usize - 1] = Some(median);
        }
        h
    }

    /// Typical service time of `service` at `office`, minutes (falls back to the office mean).
    pub fn service_min(&self, office: &str, service: &str) -> f64 {
        self.service_min
            .get(office)
            .and_then(|m| m.get(service))
            .copied()
            .unwrap_or_else(|| self.office_service_min(office))
    }

    pub fn office_service_min(&self, office: &str) -> f64 {
        self.office_service_min.get(office).copied().unwrap_or(DEFAULT_SERVICE_MIN)
    }

    /// Historical mean wait at `office` for tickets drawn on `weekday` in `hour`.
    pub fn mean_wait(&self, office: &str, weekday: u8, hour: u8) -> f64 {
        self.mean_wait
            .get(office)
            .and_then(|m| m.get(&weekday))
            .and_then(|m| m.get(&hour))
            .copied()
            .or_else(|| self.office_mean_wait.get(office).copied())
            .unwrap_or(0.0)
    }

    /// Usual last-issue minute of the day, if the office opens on that weekday.
    pub fn closing_minute(&self, office: &str, weekday: u8) -> Option<f64> {
        self.closing_minute.get(office).and_then(|c| c[weekday as usize - 1])
    }
}

fn add(acc: &mut (f64, u64), v: f64) {
    acc.0 += v;
    acc.1 += 1;
}
