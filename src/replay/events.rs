//! The events of an office-day, in the order the replay applies them.

use crate::replay::day::OfficeDay;
use crate::schema::EpochMs;

/// What happened. At the same instant a counter finishes before it calls the next number,
/// and a number is drawn before it is called or leaves ([`EventKind::rank`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    Finish,
    Issue,
    /// The ticket leaves the waiting queue without a call: voided, or its wait bound passed
    /// ([`crate::replay::stale`]).
    Cancel,
    Call,
    /// The call of a ticket that had already left the waiting queue at its wait bound: it
    /// enters service; the waiting count does not change.
    LateCall,
}

impl EventKind {
    /// Rank among events at one instant.
    pub fn rank(self) -> u8 {
        match self {
            EventKind::Finish => 0,
            EventKind::Issue => 1,
            EventKind::Cancel => 2,
            EventKind::Call | EventKind::LateCall => 3,
        }
    }

    /// Whether a counter calls the ticket (in time or late).
    pub fn is_call(self) -> bool {
        matches!(self, EventKind::Call | EventKind::LateCall)
    }
}

/// Rank of a ticket's own finish at the very instant of its call (zero service time): after
/// the call, or the counter would finish before it started.
const ZERO_LENGTH_FINISH: u8 = 4;

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

/// All events of a day, sorted by (instant, rank, ticket). A ticket called within its wait
/// bound has Issue, Call and Finish; one called later Issue, Cancel (at the bound), LateCall
/// and Finish; one never called Issue and Cancel (at [`OfficeDay::wait_end`]: its void time
/// or the bound).
pub fn day_events(day: &OfficeDay) -> Vec<Event> {
    let mut events = Vec::with_capacity(day.tickets.len() * 3);
    for (i, t) in day.tickets.iter().enumerate() {
        let ticket = i as u32;
        events.push(Event::new(t.issued, EventKind::Issue, ticket));
        let end = day.wait_end(i);
        match t.called {
            Some(called) => {
                if called > end {
                    events.push(Event::new(end, EventKind::Cancel, ticket));
                    events.push(Event::new(called, EventKind::LateCall, ticket));
                } else {
                    events.push(Event::new(called, EventKind::Call, ticket));
                }
                let finished = t.finished.unwrap_or(called).max(called);
                let mut finish = Event::new(finished, EventKind::Finish, ticket);
                if finished == called {
                    finish.rank = ZERO_LENGTH_FINISH;
                }
                events.push(finish);
            }
            None => events.push(Event::new(end, EventKind::Cancel, ticket)),
        }
    }
    events.sort_unstable();
    events
}
