//! Live events as the ticket system posts them, checked into typed events, and the rules of
//! one ticket's story: which event may follow which, what is a duplicate, what is impossible.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::schema::{Channel, EpochMs, Outcome, Ticket};
use crate::timezones::{format_rfc3339, local_parts, parse_rfc3339};

/// What happened to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The number was drawn (needs `service` and `channel`; appointments may give `appointment_at`).
    Issued,
    /// A counter called it (needs `counter`).
    Called,
    /// Service ended (`outcome` served, the default, or `no_show`).
    Finished,
    /// Voided without being called.
    Cancelled,
}

/// Channel of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelIn {
    WalkIn,
    Appointment,
}

/// How a called ticket ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinishOutcome {
    Served,
    NoShow,
}

/// One live event (`POST /v1/offices/{id}/events` takes one or an array of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    pub kind: EventKind,
    /// The drawn number, e.g. `A017` (1–32 letters, digits, `.`, `_`, `-`; numbers restart daily).
    pub ticket: String,
    /// When it happened (RFC 3339); must be today in the offices' timezone.
    pub at: String,
    /// Service code (`issued` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `walk_in` or `appointment` (`issued` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelIn>,
    /// Start of the booked slot (`issued` appointments only; default: the next quarter hour at
    /// or after `at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_at: Option<String>,
    /// The counter that called (`called` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<String>,
    /// `served` (default) or `no_show` (`finished` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<FinishOutcome>,
}

/// A checked event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    pub ticket: String,
    pub at: EpochMs,
    pub data: EventData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    Issued { service: String, channel: Channel, slot: Option<EpochMs> },
    Called { counter: String },
    Finished { outcome: Outcome },
    Cancelled,
}

/// Why an event was refused: a reason code and a sentence naming the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: &'static str,
    pub detail: String,
}

fn reject(reason: &'static str, detail: String) -> Rejection {
    Rejection { reason, detail }
}

/// What the events endpoint needs to check an event.
#[derive(Debug, Clone, Copy)]
pub struct EventRules<'a> {
    pub tz: Tz,
    /// Today's local date: the only date events are accepted for.
    pub today: NaiveDate,
    /// Latest accepted instant (now plus the clock-skew tolerance).
    pub latest: EpochMs,
    pub services: &'a [String],
}

/// An id of a ticket or counter: safe in a CSV field and a log line.
fn valid_id(s: &str) -> bool {
    (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

impl EventIn {
    /// Checks the fields and turns them into a typed event.
    pub fn check(&self, rules: &EventRules<'_>) -> Result<LiveEvent, Rejection> {
        if !valid_id(&self.ticket) {
            let d = format!("ticket {:?}: expected 1–32 letters, digits, '.', '_' or '-'", self.ticket);
            return Err(reject("invalid_ticket", d));
        }
        let at = instant("at", &self.at)?;
        let date = local_parts(at, rules.tz).date;
        if date != rules.today {
            let d =
                format!("at {} is on {date}; events are accepted for today ({}) only", self.at, rules.today);
            return Err(reject("not_today", d));
        }
        if at > rules.latest {
            let d = format!(
                "at {} lies in the future (server clock plus tolerance: {})",
                self.at,
                format_rfc3339(rules.latest, rules.tz)
            );
            return Err(reject("in_the_future", d));
        }
        let kind = self.kind;
        let only = |field: &str, present: bool, allowed: bool| {
            if present && !allowed {
                Err(reject("field_not_allowed", format!("{field} is not a field of a {kind:?} event")))
            } else {
                Ok(())
            }
        };
        only("service", self.service.is_some(), kind == EventKind::Issued)?;
        only("channel", self.channel.is_some(), kind == EventKind::Issued)?;
        only("appointment_at", self.appointment_at.is_some(), self.channel == Some(ChannelIn::Appointment))?;
        only("counter", self.counter.is_some(), kind == EventKind::Called)?;
        only("outcome", self.outcome.is_some(), kind == EventKind::Finished)?;
        let missing = |field: &str| reject("missing_field", format!("a {kind:?} event needs {field}"));
        let data = match kind {
            EventKind::Issued => {
                let service = self.service.clone().ok_or_else(|| missing("service"))?;
                if !rules.services.contains(&service) {
                    let d = format!("service {service:?} is not configured ({})", rules.services.join(", "));
                    return Err(reject("unknown_service", d));
                }
                let channel = match self.channel.ok_or_else(|| missing("channel"))? {
                    ChannelIn::WalkIn => Channel::WalkIn,
                    ChannelIn::Appointment => Channel::Appointment,
                };
                let slot =
                    self.appointment_at.as_deref().map(|s| instant("appointment_at", s)).transpose()?;
                EventData::Issued { service, channel, slot }
            }
            EventKind::Called => {
                let counter = self.counter.clone().ok_or_else(|| missing("counter"))?;
                if !valid_id(&counter) {
                    let d = format!("counter {counter:?}: expected 1–32 letters, digits, '.', '_' or '-'");
                    return Err(reject("invalid_counter", d));
                }
                EventData::Called { counter }
            }
            EventKind::Finished => EventData::Finished {
                outcome: match self.outcome.unwrap_or(FinishOutcome::Served) {
                    FinishOutcome::Served => Outcome::Served,
                    FinishOutcome::NoShow => Outcome::NoShow,
                },
            },
            EventKind::Cancelled => EventData::Cancelled,
        };
        Ok(LiveEvent { ticket: self.ticket.clone(), at, data })
    }
}

fn instant(field: &str, text: &str) -> Result<EpochMs, Rejection> {
    parse_rfc3339(text).map_err(|e| reject("bad_timestamp", format!("{field}: {e}")))
}

impl LiveEvent {
    pub fn kind(&self) -> EventKind {
        match self.data {
            EventData::Issued { .. } => EventKind::Issued,
            EventData::Called { .. } => EventKind::Called,
            EventData::Finished { .. } => EventKind::Finished,
            EventData::Cancelled => EventKind::Cancelled,
        }
    }

    /// The event in the posted form, times in the offices' zone (the day log's line).
    pub fn to_input(&self, tz: Tz) -> EventIn {
        let mut e = EventIn {
            kind: self.kind(),
            ticket: self.ticket.clone(),
            at: format_rfc3339(self.at, tz),
            service: None,
            channel: None,
            appointment_at: None,
            counter: None,
            outcome: None,
        };
        match &self.data {
            EventData::Issued { service, channel, slot } => {
                e.service = Some(service.clone());
                e.channel = Some(match channel {
                    Channel::WalkIn => ChannelIn::WalkIn,
                    Channel::Appointment => ChannelIn::Appointment,
                });
                e.appointment_at = slot.map(|s| format_rfc3339(s, tz));
            }
            EventData::Called { counter } => e.counter = Some(counter.clone()),
            EventData::Finished { outcome } => {
                e.outcome = Some(if *outcome == Outcome::NoShow {
                    FinishOutcome::NoShow
                } else {
                    FinishOutcome::Served
                });
            }
            EventData::Cancelled => {}
        }
        e
    }
}

/// Issue data of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub at: EpochMs,
    pub service: String,
    pub channel: Channel,
    /// Booked slot, when the ticket system gave one.
    pub slot: Option<EpochMs>,
}

/// Everything known about one ticket of today; events may arrive in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveTicket {
    pub issued: Option<Issue>,
    pub called: Option<(EpochMs, String)>,
    pub finished: Option<(EpochMs, Outcome)>,
    pub cancelled: Option<EpochMs>,
}

/// The effect of an accepted event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// The ticket's story changed.
    Applied,
    /// The same event (same ticket, kind and data) was already there: nothing changed.
    Duplicate,
}

impl LiveTicket {
    /// Applies `e` (an event of this ticket) if it is possible; idempotent by kind.
    pub fn apply(&mut self, e: &LiveEvent, tz: Tz) -> Result<Applied, Rejection> {
        let t = |ms: EpochMs| format_rfc3339(ms, tz);
        let before = |what: &'static str, a: EpochMs, other: &str, b: EpochMs| {
            reject(what, format!("{} {} is before {other} {}", e.kind_name(), t(a), t(b)))
        };
        let same = match &e.data {
            EventData::Issued { service, channel, slot } => self
                .issued
                .as_ref()
                .map(|i| i.at == e.at && &i.service == service && i.channel == *channel && i.slot == *slot),
            EventData::Called { counter } => self.called.as_ref().map(|(at, c)| *at == e.at && c == counter),
            EventData::Finished { outcome } => self.finished.map(|(at, o)| at == e.at && o == *outcome),
            EventData::Cancelled => self.cancelled.map(|at| at == e.at),
        };
        match same {
            Some(true) => return Ok(Applied::Duplicate),
            Some(false) => {
                let d = format!("ticket {} already has a {} event with other data", e.ticket, e.kind_name());
                return Err(reject("conflicting_duplicate", d));
            }
            None => {}
        }
        let issued = self.issued.as_ref().map(|i| i.at);
        let called = self.called.as_ref().map(|c| c.0);
        let finished = self.finished.map(|f| f.0);
        match &e.data {
            EventData::Issued { .. } => {
                if let Some(c) = called.filter(|&c| c < e.at) {
                    return Err(reject(
                        "called_before_issued",
                        format!("called {} is before issued {}", t(c), t(e.at)),
                    ));
                }
                if let Some(f) = finished.or(self.cancelled).filter(|&f| f < e.at) {
                    return Err(reject(
                        "finished_before_issued",
                        format!("finished or cancelled {} is before issued {}", t(f), t(e.at)),
                    ));
                }
            }
            EventData::Called { .. } => {
                if self.cancelled.is_some() {
                    return Err(reject("cancelled_but_called", format!("ticket {} was cancelled", e.ticket)));
                }
                if let Some(i) = issued.filter(|&i| e.at < i) {
                    return Err(before("called_before_issued", e.at, "issued", i));
                }
                if let Some(f) = finished.filter(|&f| f < e.at) {
                    return Err(reject(
                        "finished_before_called",
                        format!("finished {} is before called {}", t(f), t(e.at)),
                    ));
                }
            }
            EventData::Finished { .. } => {
                if self.cancelled.is_some() {
                    return Err(reject(
                        "cancelled_but_finished",
                        format!("ticket {} was cancelled, not served", e.ticket),
                    ));
                }
                if let Some(c) = called.filter(|&c| e.at < c) {
                    return Err(before("finished_before_called", e.at, "called", c));
                }
                if let Some(i) = issued.filter(|&i| e.at < i) {
                    return Err(before("finished_before_issued", e.at, "issued", i));
                }
            }
            EventData::Cancelled => {
                if called.is_some() || finished.is_some() {
                    return Err(reject(
                        "cancelled_but_called",
                        format!("ticket {} was already called", e.ticket),
                    ));
                }
                if let Some(i) = issued.filter(|&i| e.at < i) {
                    return Err(before("cancelled_before_issued", e.at, "issued", i));
                }
            }
        }
        match &e.data {
            EventData::Issued { service, channel, slot } => {
                self.issued =
                    Some(Issue { at: e.at, service: service.clone(), channel: *channel, slot: *slot });
            }
            EventData::Called { counter } => self.called = Some((e.at, counter.clone())),
            EventData::Finished { outcome } => self.finished = Some((e.at, *outcome)),
            EventData::Cancelled => self.cancelled = Some(e.at),
        }
        Ok(Applied::Applied)
    }

    /// The canonical row once the story is complete (issued, and called and finished, or
    /// cancelled); `None` while it may still change.
    pub fn complete(&self, office: &str, id: &str) -> Option<Ticket> {
        let issue = self.issued.as_ref()?;
        let (called_at, counter, finished_at, outcome) = match (&self.called, self.finished, self.cancelled) {
            (Some((c, counter)), Some((f, o)), _) => (Some(*c), Some(counter.clone()), Some(f), o),
            (None, None, Some(at)) => (None, None, Some(at), Outcome::Cancelled),
            _ => return None,
        };
        Some(Ticket {
            office_id: office.to_string(),
            ticket_id: id.to_string(),
            service: issue.service.clone(),
            channel: issue.channel,
            issued_at: issue.at,
            called_at,
            finished_at,
            counter,
            outcome,
            service_count: 1,
        })
    }

    /// Waiting at `now`: drawn by then, and neither called, finished nor cancelled by then.
    pub fn waiting_at(&self, now: EpochMs) -> bool {
        let by_now = |t: Option<EpochMs>| t.is_some_and(|t| t <= now);
        self.issued.as_ref().is_some_and(|i| i.at <= now)
            && !by_now(self.called.as_ref().map(|c| c.0))
            && !by_now(self.finished.map(|f| f.0))
            && !by_now(self.cancelled)
    }
}

impl LiveEvent {
    fn kind_name(&self) -> &'static str {
        match self.kind() {
            EventKind::Issued => "issued",
            EventKind::Called => "called",
            EventKind::Finished => "finished",
            EventKind::Cancelled => "cancelled",
        }
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
