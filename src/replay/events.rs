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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    pub t: EpochMs,
    pub kind: EventKind,
    /// Index of the ticket in [`OfficeDay::tickets`].
    pub ticket: u32,
}

/// All events of a day, sorted by (instant, kind, ticket). A called ticket has Issue, Call
/// and Finish; a cancelled one has Issue and Cancel (at `finished_at`, or the day's
/// [`OfficeDay::closing_time`] when that is missing).
pub fn day_events(day: &OfficeDay) -> Vec<Event> {
    let closing = day.closing_time();
    let mut events = Vec::with_capacity(day.tickets.len() * 3);
    for (i, t) in day.tickets.iter().enumerate() {
        let ticket = i as u32;
        events.push(Event { t: t.issued, kind: EventKind::Issue, ticket });
        match t.called {
            Some(called) => {
                events.push(Event { t: called, kind: EventKind::Call, ticket });
                events.push(Event { t: t.finished.unwrap_or(called), kind: EventKind::Finish, ticket });
            }
            None => {
                let left = t.finished.unwrap_or(closing).max(t.issued);
                events.push(Event { t: left, kind: EventKind::Cancel, ticket });
            }
        }
    }
    events.sort_unstable();
    events
}
