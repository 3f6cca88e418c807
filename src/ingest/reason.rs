//! Why a row was quarantined: a stable reason code plus a message that names the field and value.

use std::fmt;

/// Stable codes written to the quarantine file and counted in the summary.
///
/// `NonexistentLocalTime`, `AmbiguousLocalTime` and `BadNumber` only arise from vendor exports
/// (naive local times and numbers written as text), never from the canonical log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    BlankLine,
    InvalidUtf8,
    MalformedRecord,
    MissingFields,
    ExtraFields,
    MissingValue,
    InvalidOfficeId,
    BadTimestamp,
    ImpossibleTimestamp,
    NonexistentLocalTime,
    AmbiguousLocalTime,
    BadNumber,
    UnknownChannel,
    UnknownOutcome,
    UnknownService,
    MissingCalledAt,
    MissingFinishedAt,
    MissingCounter,
    CancelledButCalled,
    CalledBeforeIssued,
    FinishedBeforeCalled,
    FinishedBeforeIssued,
    WaitTooLong,
    ServiceTooLong,
    ConflictingDuplicate,
}

impl Reason {
    /// Every reason, in the order the summary lists them.
    pub const ALL: [Reason; 25] = [
        Reason::BlankLine,
        Reason::InvalidUtf8,
        Reason::MalformedRecord,
        Reason::MissingFields,
        Reason::ExtraFields,
        Reason::MissingValue,
        Reason::InvalidOfficeId,
        Reason::BadTimestamp,
        Reason::ImpossibleTimestamp,
        Reason::NonexistentLocalTime,
        Reason::AmbiguousLocalTime,
        Reason::BadNumber,
        Reason::UnknownChannel,
        Reason::UnknownOutcome,
        Reason::UnknownService,
        Reason::MissingCalledAt,
        Reason::MissingFinishedAt,
        Reason::MissingCounter,
        Reason::CancelledButCalled,
        Reason::CalledBeforeIssued,
        Reason::FinishedBeforeCalled,
        Reason::FinishedBeforeIssued,
        Reason::WaitTooLong,
        Reason::ServiceTooLong,
        Reason::ConflictingDuplicate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::BlankLine => "blank_line",
            Reason::InvalidUtf8 => "invalid_utf8",
            Reason::MalformedRecord => "malformed_record",
            Reason::MissingFields => "missing_fields",
            Reason::ExtraFields => "extra_fields",
            Reason::MissingValue => "missing_value",
            Reason::InvalidOfficeId => "invalid_office_id",
            Reason::BadTimestamp => "bad_timestamp",
            Reason::ImpossibleTimestamp => "impossible_timestamp",
            Reason::NonexistentLocalTime => "nonexistent_local_time",
            Reason::AmbiguousLocalTime => "ambiguous_local_time",
            Reason::BadNumber => "bad_number",
            Reason::UnknownChannel => "unknown_channel",
            Reason::UnknownOutcome => "unknown_outcome",
            Reason::UnknownService => "unknown_service",
            Reason::MissingCalledAt => "missing_called_at",
            Reason::MissingFinishedAt => "missing_finished_at",
            Reason::MissingCounter => "missing_counter",
            Reason::CancelledButCalled => "cancelled_but_called",
            Reason::CalledBeforeIssued => "called_before_issued",
            Reason::FinishedBeforeCalled => "finished_before_called",
            Reason::FinishedBeforeIssued => "finished_before_issued",
            Reason::WaitTooLong => "wait_too_long",
            Reason::ServiceTooLong => "service_too_long",
            Reason::ConflictingDuplicate => "conflicting_duplicate",
        }
    }

    /// Position in [`Reason::ALL`], for counting in an array.
    pub fn index(self) -> usize {
        Reason::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A row-level problem: the row goes to quarantine, the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: Reason,
    /// The canonical field at fault, empty when the whole row is at fault.
    pub field: &'static str,
    pub message: String,
    /// The offending value where the summary lists values (unknown service names and codes).
    pub value: Option<String>,
}

impl Rejection {
    pub fn new(reason: Reason, field: &'static str, message: impl Into<String>) -> Rejection {
        Rejection { reason, field, message: message.into(), value: None }
    }

    pub fn row(reason: Reason, message: impl Into<String>) -> Rejection {
        Rejection::new(reason, "", message)
    }

    /// The same rejection, remembering the offending value for the summary.
    pub fn with_value(mut self, value: impl Into<String>) -> Rejection {
        self.value = Some(value.into());
        self
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.reason, self.message)
        } else {
            write!(f, "{} (field {}): {}", self.reason, self.field, self.message)
        }
    }
}
