//! The events of an office-day, in the order the replay applies them.

use crate::replay::day::OfficeDay;
use crate::schema::EpochMs;

/// What happened. The declaration order is the order of events at the same instant: a
/// counter finishes before it calls the next number, and a number is drawn before it is
/// called or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    Finish,
    Issue,
    Cancel,
    Call,
}

impl EventKind {
    /// Rank among events at one instant.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// Rank of a ticket's own finish at the very instant of its call (zero service time): after
/// the call, or the counter would finish before it started.
const ZERO_LENGTH_FINISH: u8 = EventKind::Call as u8 + 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    pub t: EpochMs,
    /// Order among events at the same instant (normally `kind.rank()`).
    pub rank: u8,
    pub kind: EventKind,
    /// Index of the ticket in [`OfficeDay::tickets`].
    pub ticket: u32,
}

impl Event {
    fn new(t: EpochMs, kind: EventKind, ticket: u32) -> Event {
        Event { t, rank: kind.rank(), kind, ticket }
    }
}

/// All events of a day, sorted by (instant, rank, ticket). A called ticket has Issue, Call
/// and Finish; a cancelled one has Issue and Cancel (at `finished_at`, or the day's
/// [`OfficeDay::closing_time`] when that is missing).
pub fn day_events(day: &OfficeDay) -> Vec<Event> {
    let closing = day.closing_time();
    let mut events = Vec::with_capacity(day.tickets.len() * 3);
    for (i, t) in day.tickets.iter().enumerate() {
        let ticket = i as u32;
        events.push(Event::new(t.issued, EventKind::Issue, ticket));
        match t.called {
            Some(called) => {
                events.push(Event::new(called, EventKind::Call, ticket));
                let finished = t.finished.unwrap_or(called).max(called);
                let mut finish = Event::new(finished, EventKind::Finish, ticket);
                if finished == called {
                    finish.rank = ZERO_LENGTH_FINISH;
                }
                events.push(finish);
            }
            None => {
                let left = t.finished.unwrap_or(closing).max(t.issued);
                events.push(Event::new(left, EventKind::Cancel, ticket));
            }
        }
    }
    events.sort_unstable();
    events
}
