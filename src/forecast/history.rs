//! Ticket counts per office, service group and local 15-minute slot of every day: the one
//! input of the arrival forecast. Group 0 of each office is all services (`*`).

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;

use crate::slots::SLOTS;
use crate::store::columns::TicketColumns;
use crate::timezones::local_parts;

/// The service group that stands for all services.
pub const ALL: &str = "*";

/// Slot counts of one day.
pub type DayCounts = [f64; SLOTS];

/// The counted history of one office.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeArrivals {
    pub office: String,
    /// `*` first, then the office's services sorted.
    pub groups: Vec<String>,
    /// `counts[group][day]`, days from [`ArrivalHistory::first`].
    pub counts: Vec<Vec<DayCounts>>,
}

/// Counts of all offices over the same consecutive dates.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalHistory {
    pub first: NaiveDate,
    pub days: usize,
    /// Sorted by office id.
    pub offices: Vec<OfficeArrivals>,
}

impl ArrivalHistory {
    /// Counts the tickets issued before `until` (local date). `None` if there are none.
    pub fn from_columns(cols: &TicketColumns, tz: Tz, until: NaiveDate) -> Option<ArrivalHistory> {
        // Row indices instead of a filtered copy: the columns may hold millions of tickets.
        let kept: Vec<usize> = (0..cols.len()).filter(|&i| cols.date[i] < until).collect();
        let first = kept.iter().map(|&i| cols.date[i]).min()?;
        let last = kept.iter().map(|&i| cols.date[i]).max()?;
        let days = (last - first).num_days() as usize + 1;
        let mut by_office: Vec<Vec<usize>> = vec![Vec::new(); cols.offices.len()];
        kept.iter().for_each(|&i| by_office[cols.office[i] as usize].push(i));
        let mut order: Vec<usize> = (0..cols.offices.len()).collect();
        order.sort_by(|&a, &b| cols.offices[a].cmp(&cols.offices[b]));
        let mut offices = Vec::new();
        for o in order {
            let rows = &by_office[o];
            if rows.is_empty() {
                continue;
            }
            let mut services: Vec<u16> = rows.iter().map(|&i| cols.service[i]).collect();
            services.sort_by(|&a, &b| cols.services[a as usize].cmp(&cols.services[b as usize]));
            services.dedup();
            let mut groups = vec![ALL.to_string()];
            groups.extend(services.iter().map(|&s| cols.services[s as usize].clone()));
            let mut counts = vec![vec![[0.0; SLOTS]; days]; groups.len()];
            for &i in rows {
                let day = (cols.date[i] - first).num_days() as usize;
                let slot = (local_parts(cols.issued[i], tz).minute_of_day as usize / 15).min(SLOTS - 1);
                let g = 1 + services.iter().position(|&s| s == cols.service[i]).unwrap_or(0);
                counts[0][day][slot] += 1.0;
                counts[g][day][slot] += 1.0;
            }
            offices.push(OfficeArrivals { office: cols.offices[o].clone(), groups, counts });
        }
        Some(ArrivalHistory { first, days, offices })
    }

    /// The date of day index `i`.
    pub fn date(&self, i: usize) -> NaiveDate {
        self.first.checked_add_days(Days::new(i as u64)).unwrap_or(NaiveDate::MAX)
    }

    /// The newest counted date.
    pub fn last(&self) -> NaiveDate {
        self.date(self.days.saturating_sub(1))
    }

    /// Index of `date` counted from the first day (may lie beyond the history).
    pub fn index(&self, date: NaiveDate) -> i64 {
        (date - self.first).num_days()
    }
}

/// Sum of a day's slots.
pub fn total(day: &DayCounts) -> f64 {
    day.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Channel, Outcome};
    use crate::time::MS_PER_MINUTE;

    #[test]
    fn counts_by_office_group_day_and_local_slot() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let d = |day| NaiveDate::from_ymd_opt(2025, 3, day).unwrap();
        // 2025-03-03 08:00 +01:00 = 07:00Z; 08:14 is the same slot, 08:15 the next one.
        let ms = |day: u32, h: i64, m: i64| {
            let base = chrono::NaiveDate::from_ymd_opt(2025, 3, day).unwrap().and_hms_opt(0, 0, 0).unwrap();
            base.and_utc().timestamp_millis() + ((h - 1) * 60 + m) * MS_PER_MINUTE
        };
        let cols = TicketColumns {
            offices: vec!["b".into(), "a".into()],
            services: vec!["PA".into(), "AN".into()],
            counters: vec![],
            office: vec![1, 1, 1, 0, 1],
            date: vec![d(3), d(3), d(3), d(4), d(5)],
            ticket_id: vec!["1".into(); 5],
            service: vec![0, 1, 0, 0, 0],
            channel: vec![Channel::WalkIn; 5],
            issued: vec![ms(3, 8, 0), ms(3, 8, 14), ms(3, 8, 15), ms(4, 9, 0), ms(5, 9, 0)],
            called: vec![None; 5],
            finished: vec![None; 5],
            counter: vec![None; 5],
            outcome: vec![Outcome::Cancelled; 5],
        };
        let h = ArrivalHistory::from_columns(&cols, tz, d(5)).unwrap();
        assert_eq!((h.first, h.days, h.last()), (d(3), 2, d(4)));
        assert_eq!(h.offices.iter().map(|o| o.office.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let a = &h.offices[0];
        assert_eq!(a.groups, ["*", "AN", "PA"]);
        assert_eq!((a.counts[0][0][32], a.counts[0][0][33]), (2.0, 1.0));
        assert_eq!((a.counts[1][0][32], a.counts[2][0][32], a.counts[2][0][33]), (1.0, 1.0, 1.0));
        assert_eq!(total(&a.counts[0][1]), 0.0);
        assert_eq!(h.offices[1].counts[0][1][36], 1.0);
    }
}
