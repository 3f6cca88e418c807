//! The sweep: apply events in order and report the queue state after each instant.
//!
//! [`Replayer`] is the steppable core (the wait-time features stop it just before a probe
//! instant); [`Sweep::run`] drives it through a whole day.

use std::collections::{HashMap, VecDeque};

use crate::replay::ReplayParams;
use crate::replay::day::OfficeDay;
use crate::replay::events::{Event, EventKind, day_events};
use crate::schema::EpochMs;

/// The queue at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueState {
    /// Tickets drawn and neither called nor cancelled yet.
    pub waiting: u32,
    /// `waiting` split by service (index = service dictionary code).
    pub waiting_by_service: Vec<u32>,
    /// Tickets called and not finished (served or being waited for as a no-show).
    pub in_service: u32,
    /// Counters with a ticket in service.
    pub busy_counters: u32,
    /// Counters that called someone and have not been idle for the idle gap since.
    pub active_counters: u32,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counter {
    open_tickets: u32,
    active: bool,
    /// Bumped on every call, so a stale idle timeout is recognised and ignored.
    generation: u64,
}

/// How far [`Replayer::advance`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Every event at or before the instant.
    Through(EpochMs),
    /// Events before the instant, and those at the instant that sort before the kind.
    Before(EpochMs, EventKind),
}

/// Replay state that can be advanced step by step; never applies an event past its limit.
pub struct Replayer<'a> {
    day: &'a OfficeDay,
    events: &'a [Event],
    params: ReplayParams,
    state: QueueState,
    counters: HashMap<u32, Counter>,
    /// Idle timeouts in expiry order: the gap is constant and finishes come in time order.
    timeouts: VecDeque<(EpochMs, u32, u64)>,
    next: usize,
}

impl<'a> Replayer<'a> {
    pub fn new(
        day: &'a OfficeDay,
        events: &'a [Event],
        n_services: usize,
        params: ReplayParams,
    ) -> Replayer<'a> {
        Replayer {
            day,
            events,
            params,
            state: QueueState { waiting_by_service: vec![0; n_services], ..QueueState::default() },
            counters: HashMap::new(),
            timeouts: VecDeque::new(),
            next: 0,
        }
    }

    pub fn state(&self) -> &QueueState {
        &self.state
    }

    /// The next event not yet applied.
    pub fn peek(&self) -> Option<&Event> {
        self.events.get(self.next)
    }

    /// The earliest pending idle timeout.
    pub fn next_timeout(&self) -> Option<EpochMs> {
        self.timeouts.front().map(|t| t.0)
    }

    /// Applies idle timeouts due by the limit's instant and every event within the limit,
    /// calling `on_event` after each event. Returns whether the state changed.
    pub fn advance(&mut self, until: Until, mut on_event: impl FnMut(&Event, &QueueState)) -> bool {
        let t = match until {
            Until::Through(t) | Until::Before(t, _) => t,
        };
        let mut changed = self.expire(t);
        while let Some(&e) = self.events.get(self.next) {
            let inside = match until {
                Until::Through(t) => e.t <= t,
                Until::Before(t, kind) => e.t < t || (e.t == t && e.rank < kind.rank()),
            };
            if !inside {
                break;
            }
            // Timeouts falling between earlier events must be applied in order.
            self.expire(e.t);
            self.apply(e);
            self.next += 1;
            changed = true;
            on_event(&e, &self.state);
        }
        // Timeouts started by the events just applied may also be due by the limit.
        changed |= self.expire(t);
        changed
    }

    fn expire(&mut self, t: EpochMs) -> bool {
        let mut changed = false;
        while let Some(&(expiry, c, generation)) = self.timeouts.front() {
            if expiry > t {
                break;
            }
            self.timeouts.pop_front();
            if let Some(counter) = self.counters.get_mut(&c)
                && counter.generation == generation
                && counter.open_tickets == 0
                && counter.active
            {
                counter.active = false;
                self.state.active_counters -= 1;
                changed = true;
            }
        }
        changed
    }

    fn apply(&mut self, e: Event) {
        let ticket = &self.day.tickets[e.ticket as usize];
        let state = &mut self.state;
        let service = ticket.service as usize;
        match e.kind {
            EventKind::Issue => {
                state.waiting += 1;
                if let Some(w) = state.waiting_by_service.get_mut(service) {
                    *w += 1;
                }
            }
            EventKind::Call | EventKind::Cancel | EventKind::LateCall => {
                // A late call's ticket left the waiting queue at its bound already.
                if e.kind != EventKind::LateCall {
                    state.waiting -= 1;
                    if let Some(w) = state.waiting_by_service.get_mut(service) {
                        *w -= 1;
                    }
                }
                if e.kind.is_call() {
                    state.in_service += 1;
                    if let Some(c) = ticket.counter {
                        let counter = self.counters.entry(c).or_default();
                        counter.generation += 1;
                        if counter.open_tickets == 0 {
                            state.busy_counters += 1;
                        }
                        counter.open_tickets += 1;
                        if !counter.active {
                            counter.active = true;
                            state.active_counters += 1;
                        }
                    }
                }
            }
            EventKind::Finish => {
                state.in_service -= 1;
                if let Some(c) = ticket.counter
                    && let Some(counter) = self.counters.get_mut(&c)
                {
                    counter.open_tickets -= 1;
                    if counter.open_tickets == 0 {
                        state.busy_counters -= 1;
                        self.timeouts.push_back((e.t + self.params.idle_gap_ms, c, counter.generation));
                    }
                }
            }
        }
    }
}

/// A replay of one office-day.
pub struct Sweep<'a> {
    day: &'a OfficeDay,
    events: Vec<Event>,
    params: ReplayParams,
}

impl<'a> Sweep<'a> {
    pub fn new(day: &'a OfficeDay, params: ReplayParams) -> Sweep<'a> {
        Sweep { day, events: day_events(day), params }
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Calls `on_step(t, state, events_at_t)` once per distinct instant at which the state
    /// changes (events, and counters timing out), after applying everything at that instant.
    pub fn run(&self, n_services: usize, mut on_step: impl FnMut(EpochMs, &QueueState, &[Event])) {
        let mut r = Replayer::new(self.day, &self.events, n_services, self.params);
        loop {
            let t = match (r.peek().map(|e| e.t), r.next_timeout()) {
                (Some(e), Some(o)) => e.min(o),
                (Some(e), None) => e,
                (None, Some(o)) => o,
                (None, None) => break,
            };
            let start = r.next;
            // Stale timeouts (the counter called again meanwhile) change nothing: no step.
            if r.advance(Until::Through(t), |_, _| {}) {
                on_step(t, r.state(), &self.events[start..r.next]);
            }
        }
    }
}

/// The replayed state as parallel columns, one row per step; the state holds from `t[i]`
/// until `t[i + 1]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub t: Vec<EpochMs>,
    pub waiting: Vec<u32>,
    pub in_service: Vec<u32>,
    pub busy_counters: Vec<u32>,
    pub active_counters: Vec<u32>,
    /// Row-major `steps × n_services`.
    pub waiting_by_service: Vec<u32>,
    pub n_services: usize,
}

impl Timeline {
    /// Index of the step in force at instant `t` (the last step at or before it).
    pub fn step_at(&self, t: EpochMs) -> Option<usize> {
        self.t.partition_point(|&s| s <= t).checked_sub(1)
    }

    pub fn len(&self) -> usize {
        self.t.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }
}

/// Replays a day into a [`Timeline`].
pub fn timeline(day: &OfficeDay, n_services: usize, params: ReplayParams) -> Timeline {
    let mut tl = Timeline { n_services, ..Timeline::default() };
    Sweep::new(day, params).run(n_services, |t, s, _| {
        tl.t.push(t);
        tl.waiting.push(s.waiting);
        tl.in_service.push(s.in_service);
        tl.busy_counters.push(s.busy_counters);
        tl.active_counters.push(s.active_counters);
        tl.waiting_by_service.extend_from_slice(&s.waiting_by_service);
    });
    tl
}
