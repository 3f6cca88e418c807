//! One office-day of tickets in typed form: the unit the replay sweeps.

use chrono::NaiveDate;

use crate::schema::{Channel, EpochMs, Outcome};
use crate::store::columns::TicketColumns;

/// A ticket as the replay sees it (indices refer to the day's [`TicketColumns`] dictionaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTicket {
    pub issued: EpochMs,
    pub called: Option<EpochMs>,
    pub finished: Option<EpochMs>,
    pub service: u16,
    pub counter: Option<u32>,
    pub channel: Channel,
    pub outcome: Outcome,
}

/// The tickets one office issued on one local date, sorted by issue time.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeDay {
    pub office: u32,
    pub date: NaiveDate,
    /// Row of each ticket in the source [`TicketColumns`], parallel to `tickets`.
    pub rows: Vec<usize>,
    pub tickets: Vec<DayTicket>,
}

impl OfficeDay {
    /// Builds a day from tickets in any order (sorted here by issue time, stably).
    pub fn new(office: u32, date: NaiveDate, mut tickets: Vec<(usize, DayTicket)>) -> OfficeDay {
        tickets.sort_by_key(|(row, t)| (t.issued, *row));
        let (rows, tickets) = tickets.into_iter().unzip();
        OfficeDay { office, date, rows, tickets }
    }

    /// The office's last call of the day, or its last issue on a day without calls: when a
    /// cancelled ticket with no recorded `finished_at` is taken to have left the queue
    /// (never before its own issue).
    pub fn closing_time(&self) -> EpochMs {
        let last_issue = self.tickets.iter().map(|t| t.issued).max().unwrap_or_default();
        self.tickets.iter().filter_map(|t| t.called).max().unwrap_or(last_issue)
    }
}

/// Splits columns (sorted by office and date, as `load_columns` returns them) into office-days.
pub fn office_days(c: &TicketColumns) -> Vec<OfficeDay> {
    let mut days = Vec::new();
    let mut start = 0;
    for i in 1..=c.len() {
        if i == c.len() || c.office[i] != c.office[start] || c.date[i] != c.date[start] {
            let tickets = (start..i)
                .map(|r| {
                    let t = DayTicket {
                        issued: c.issued[r],
                        called: c.called[r],
                        finished: c.finished[r],
                        service: c.service[r],
                        counter: c.counter[r],
                        channel: c.channel[r],
                        outcome: c.outcome[r],
                    };
                    (r, t)
                })
                .collect();
            days.push(OfficeDay::new(c.office[start], c.date[start], tickets));
            start = i;
        }
    }
    days
}
