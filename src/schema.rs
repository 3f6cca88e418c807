//! The canonical ticket log: column names, value enums and the ticket record, in one place.
//!
//! Every reader produces [`Ticket`]s, every writer consumes them; the store adds the
//! derived columns named in [`col`]. Nothing else in the crate spells a column name.

use std::fmt;

/// Header of a canonical ticket log, in canonical order.
pub const CANONICAL_COLUMNS: [&str; 9] = [
    col::OFFICE_ID,
    col::TICKET_ID,
    col::SERVICE,
    col::CHANNEL,
    col::ISSUED_AT,
    col::CALLED_AT,
    col::FINISHED_AT,
    col::COUNTER,
    col::OUTCOME,
];

/// Column names of the canonical log and of the stored table.
pub mod col {
    pub const OFFICE_ID: &str = "office_id";
    pub const TICKET_ID: &str = "ticket_id";
    pub const SERVICE: &str = "service";
    pub const CHANNEL: &str = "channel";
    pub const ISSUED_AT: &str = "issued_at";
    pub const CALLED_AT: &str = "called_at";
    pub const FINISHED_AT: &str = "finished_at";
    pub const COUNTER: &str = "counter";
    pub const OUTCOME: &str = "outcome";
    /// Number of services handled in the visit (the `service` column names the first); 1 for
    /// the canonical log, which has one service per ticket. Stored, not part of the canonical text.
    pub const SERVICE_COUNT: &str = "service_count";
    // Derived columns, added by the store.
    /// Local (Europe/Berlin) calendar date of `issued_at`.
    pub const LOCAL_DATE: &str = "local_date";
    /// ISO weekday of `local_date`, 1 = Monday … 7 = Sunday.
    pub const WEEKDAY: &str = "weekday";
    /// Local hour of `issued_at`, 0–23.
    pub const HOUR: &str = "hour";
    /// Local minute of the day of `issued_at`, 0–1439 (wall clock, so a DST day has a gap or repeat).
    pub const MINUTE_OF_DAY: &str = "minute_of_day";
    /// `called_at − issued_at` in seconds; null when never called.
    pub const WAIT_S: &str = "wait_s";
    /// `finished_at − called_at` in seconds, for served tickets only.
    pub const SERVICE_S: &str = "service_s";
    // Hive partition keys of the store (directory names, not file columns).
    pub const YEAR: &str = "year";
    pub const MONTH: &str = "month";
}

/// How the citizen came: drew a number at the door, or booked a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    WalkIn,
    Appointment,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::WalkIn, Channel::Appointment];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WalkIn => "walk_in",
            Channel::Appointment => "appointment",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How a ticket ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Called and served at a counter.
    Served,
    /// Called, but nobody came to the counter.
    NoShow,
    /// Never called: voided by the citizen or at closing.
    Cancelled,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Served, Outcome::NoShow, Outcome::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Served => "served",
            Outcome::NoShow => "no_show",
            Outcome::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Served and no-show tickets were called to a counter; cancelled ones were not.
    pub fn was_called(self) -> bool {
        !matches!(self, Outcome::Cancelled)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Instants are epoch milliseconds (defined with the time units in [`crate::time`]).
pub use crate::time::EpochMs;

/// Office ids name store directories and day-log files, so they are restricted to path-safe
/// characters (the ticket logs, the settings' `[offices.<id>]` and the API all check this one rule).
pub fn is_valid_office_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// One validated ticket of the canonical log.
///
/// Invariants (checked by ingest, kept by `simulate`): `called_at ≥ issued_at`,
/// `finished_at ≥ called_at`, served/no-show tickets have `called_at`, `finished_at` and a
/// counter, cancelled tickets have neither `called_at` nor a counter, `service_count ≥ 1`.
///
/// One exception: exports of systems that record no counter (ZMS) are stored with
/// `counter: None` on called tickets too. Counter-based statistics must treat such tickets as
/// "counter unknown", never as one shared counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub office_id: String,
    pub ticket_id: String,
    pub service: String,
    pub channel: Channel,
    pub issued_at: EpochMs,
    pub called_at: Option<EpochMs>,
    pub finished_at: Option<EpochMs>,
    pub counter: Option<String>,
    pub outcome: Outcome,
    /// Services handled in this visit; `service` is the first of them.
    pub service_count: u16,
}

impl Ticket {
    /// The nine canonical fields as text, times as RFC 3339 in the given zone's local offset.
    pub fn to_fields(&self, tz: chrono_tz::Tz) -> [String; 9] {
        let t = |ms: Option<EpochMs>| ms.map(|m| crate::timezones::format_rfc3339(m, tz)).unwrap_or_default();
        [
            self.office_id.clone(),
            self.ticket_id.clone(),
            self.service.clone(),
            self.channel.as_str().to_string(),
            t(Some(self.issued_at)),
            t(self.called_at),
            t(self.finished_at),
            self.counter.clone().unwrap_or_default(),
            self.outcome.as_str().to_string(),
        ]
    }

    /// Seconds waited until the call, if called.
    pub fn wait_s(&self) -> Option<i64> {
        self.called_at.map(|c| (c - self.issued_at) / 1000)
    }
}
