//! One office-day of tickets in typed form: the unit the replay sweeps.

use chrono::NaiveDate;

use crate::replay::stale::{DEFAULT_BOUND_MS, WaitBounds};
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
    /// A ticket neither called nor voided this long after its issue has left the queue
    /// (see [`crate::replay::stale`]); [`crate::replay::stale::DEFAULT_BOUND_MS`] unless set.
    pub max_wait_ms: EpochMs,
}

impl OfficeDay {
    /// Builds a day from tickets in any order (sorted here by issue time, stably).
    pub fn new(office: u32, date: NaiveDate, mut tickets: Vec<(usize, DayTicket)>) -> OfficeDay {
        tickets.sort_by_key(|(row, t)| (t.issued, *row));
        let (rows, tickets) = tickets.into_iter().unzip();
        OfficeDay { office, date, rows, tickets, max_wait_ms: DEFAULT_BOUND_MS }
    }

    /// The day with its office's wait bound.
    pub fn with_max_wait(self, max_wait_ms: EpochMs) -> OfficeDay {
        OfficeDay { max_wait_ms, ..self }
    }

    /// When ticket `i` stops waiting: its call, its void time (`finished_at` of a ticket never
    /// called) or its issue plus the wait bound, whichever comes first; never before its issue.
    pub fn wait_end(&self, i: usize) -> EpochMs {
        let t = &self.tickets[i];
        let natural = match t.called {
            Some(called) => called,
            None => t.finished.unwrap_or(EpochMs::MAX),
        };
        natural.min(t.issued.saturating_add(self.max_wait_ms)).max(t.issued)
    }

    /// The last instant the log records for the day (issues, calls, finishes and void times):
    /// the end of its observed span.
    pub fn recorded_end(&self) -> EpochMs {
        let last =
            |t: &DayTicket| t.issued.max(t.called.unwrap_or(t.issued)).max(t.finished.unwrap_or(t.issued));
        self.tickets.iter().map(last).max().unwrap_or_default()
    }

    /// The office's last call of the day, or its last issue on a day without calls.
    pub fn closing_time(&self) -> EpochMs {
        let last_issue = self.tickets.iter().map(|t| t.issued).max().unwrap_or_default();
        self.tickets.iter().filter_map(|t| t.called).max().unwrap_or(last_issue)
    }
}

/// [`office_days`] with each office's wait bound from `bounds`.
pub fn office_days_bounded(c: &TicketColumns, bounds: &WaitBounds) -> Vec<OfficeDay> {
    office_days(c)
        .into_iter()
        .map(|d| {
            let bound = bounds.bound_ms(&c.offices[d.office as usize]);
            d.with_max_wait(bound)
        })
        .collect()
}

/// Splits columns (sorted by office and date, as `load_columns` returns them) into office-days
/// (with the default wait bound).
pub fn office_days(c: &TicketColumns) -> Vec<OfficeDay> {
    day_ranges(c).into_iter().map(|r| OfficeDay::from_rows(c, r)).collect()
}

/// The rows of each office-day of `c` (sorted by office and date): office, date and row range,
/// so a stage can build one [`OfficeDay`] at a time.
pub fn day_ranges(c: &TicketColumns) -> Vec<DayRange> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=c.len() {
        if i == c.len() || c.office[i] != c.office[start] || c.date[i] != c.date[start] {
            out.push(DayRange { office: c.office[start], date: c.date[start], rows: start..i });
            start = i;
        }
    }
    out
}

/// One office-day's place in a [`TicketColumns`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRange {
    pub office: u32,
    pub date: NaiveDate,
    pub rows: std::ops::Range<usize>,
}

impl OfficeDay {
    /// The day of rows `r` of `c` (with the default wait bound).
    pub fn from_rows(c: &TicketColumns, r: DayRange) -> OfficeDay {
        let tickets = r
            .rows
            .map(|i| {
                let t = DayTicket {
                    issued: c.issued[i],
                    called: c.called[i],
                    finished: c.finished[i],
                    service: c.service[i],
                    counter: c.counter[i],
                    channel: c.channel[i],
                    outcome: c.outcome[i],
                };
                (i, t)
            })
            .collect();
        OfficeDay::new(r.office, r.date, tickets)
    }
}
