//! Row validation: nine canonical text fields in, a checked ticket (borrowing the text) or
//! a [`Rejection`] out. Pure, so every rule is unit- and property-testable.

use crate::ingest::reason::{Reason, Rejection};
use crate::schema::{Channel, EpochMs, Outcome, col};
use crate::settings::Settings;
use crate::time::{MS_PER_HOUR, ms_to_minutes};
use crate::timezones::{TimeError, parse_rfc3339};

/// The office-id rule lives with the canonical schema; ingest's readers use it from here.
pub use crate::schema::is_valid_office_id;

/// The limits validation needs, taken from the settings once.
#[derive(Debug, Clone)]
pub struct Rules {
    services: Vec<String>,
    max_wait_ms: i64,
    max_service_ms: i64,
    /// Whether called tickets must name their counter (false for exports that record none).
    counter_required: bool,
}

impl Rules {
    pub fn from_settings(settings: &Settings) -> Rules {
        Rules {
            services: settings.services.iter().map(|s| s.code.clone()).collect(),
            max_wait_ms: (settings.ingest.max_wait_hours * MS_PER_HOUR as f64) as i64,
            max_service_ms: (settings.ingest.max_service_hours * MS_PER_HOUR as f64) as i64,
            counter_required: true,
        }
    }

    /// The same rules for a source that records no counters (ZMS): called tickets may have an
    /// empty counter; a cancelled ticket with a counter is still rejected.
    pub fn counters_optional(mut self) -> Rules {
        self.counter_required = false;
        self
    }

    /// Index of a service code in the configured list.
    pub fn service_index(&self, code: &str) -> Option<u16> {
        self.services.iter().position(|s| s == code).map(|i| i as u16)
    }

    pub fn service_code(&self, index: u16) -> &str {
        &self.services[index as usize]
    }
}

/// A row that passed every check; strings borrow from the input line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow<'a> {
    pub office_id: &'a str,
    pub ticket_id: &'a str,
    pub service: u16,
    pub channel: Channel,
    pub issued_at: EpochMs,
    pub called_at: Option<EpochMs>,
    pub finished_at: Option<EpochMs>,
    pub counter: Option<&'a str>,
    pub outcome: Outcome,
    /// Services handled in the visit; 1 from [`validate`], set by readers that know more.
    pub service_count: u16,
}

/// Checks one row given as the nine canonical fields (already trimmed) in canonical order.
pub fn validate<'a>(f: [&'a str; 9], rules: &Rules) -> Result<ValidRow<'a>, Rejection> {
    let [office_id, ticket_id, service, channel, issued, called, finished, counter, outcome] = f;
    for (name, value) in [
        (col::OFFICE_ID, office_id),
        (col::TICKET_ID, ticket_id),
        (col::SERVICE, service),
        (col::CHANNEL, channel),
        (col::ISSUED_AT, issued),
        (col::OUTCOME, outcome),
    ] {
        if value.is_empty() {
            return Err(Rejection::new(Reason::MissingValue, name, format!("{name} is empty")));
        }
    }
    if !is_valid_office_id(office_id) {
        return Err(Rejection::new(
            Reason::InvalidOfficeId,
            col::OFFICE_ID,
            format!(
                "'{office_id}' is not a valid office id (letters, digits, '-', '_' and '.', not starting with '.')"
            ),
        ));
    }
    let channel = Channel::parse(channel).ok_or_else(|| {
        Rejection::new(
            Reason::UnknownChannel,
            col::CHANNEL,
            format!("'{channel}' is not a channel (expected walk_in or appointment)"),
        )
    })?;
    let outcome = Outcome::parse(outcome).ok_or_else(|| {
        Rejection::new(
            Reason::UnknownOutcome,
            col::OUTCOME,
            format!("'{outcome}' is not an outcome (expected served, no_show or cancelled)"),
        )
    })?;
    let service = rules.service_index(service).ok_or_else(|| {
        Rejection::new(
            Reason::UnknownService,
            col::SERVICE,
            format!("'{service}' is not a configured service code ({})", rules.services.join(", ")),
        )
        .with_value(service)
    })?;
    let issued_at = timestamp(col::ISSUED_AT, issued)?.unwrap_or_default();
    let called_at = timestamp(col::CALLED_AT, called)?;
    let finished_at = timestamp(col::FINISHED_AT, finished)?;
    let counter = (!counter.is_empty()).then_some(counter);
    check_outcome(outcome, called_at, finished_at, counter, rules.counter_required)?;
    check_order(issued_at, called_at, finished_at, rules)?;
    Ok(ValidRow {
        office_id,
        ticket_id,
        service,
        channel,
        issued_at,
        called_at,
        finished_at,
        counter,
        outcome,
        service_count: 1,
    })
}

fn timestamp(field: &'static str, value: &str) -> Result<Option<EpochMs>, Rejection> {
    if value.is_empty() {
        return Ok(None);
    }
    parse_rfc3339(value).map(Some).map_err(|e| {
        let reason = match e {
            TimeError::Unparseable(_) => Reason::BadTimestamp,
            TimeError::Impossible(_) | TimeError::OutOfRange { .. } => Reason::ImpossibleTimestamp,
        };
        Rejection::new(reason, field, e.to_string())
    })
}

fn check_outcome(
    outcome: Outcome,
    called_at: Option<EpochMs>,
    finished_at: Option<EpochMs>,
    counter: Option<&str>,
    counter_required: bool,
) -> Result<(), Rejection> {
    if outcome.was_called() {
        if called_at.is_none() {
            return Err(Rejection::new(
                Reason::MissingCalledAt,
                col::CALLED_AT,
                format!("a {outcome} ticket was called, but called_at is empty"),
            ));
        }
        if finished_at.is_none() {
            return Err(Rejection::new(
                Reason::MissingFinishedAt,
                col::FINISHED_AT,
                format!("a {outcome} ticket must have finished_at"),
            ));
        }
        if counter_required && counter.is_none() {
            return Err(Rejection::new(
                Reason::MissingCounter,
                col::COUNTER,
                format!("a {outcome} ticket was called to a counter, but counter is empty"),
            ));
        }
    } else if called_at.is_some() || counter.is_some() {
        let field = if called_at.is_some() { col::CALLED_AT } else { col::COUNTER };
        return Err(Rejection::new(
            Reason::CancelledButCalled,
            field,
            "a cancelled ticket was never called: called_at and counter must be empty",
        ));
    }
    Ok(())
}

fn check_order(
    issued: EpochMs,
    called: Option<EpochMs>,
    finished: Option<EpochMs>,
    rules: &Rules,
) -> Result<(), Rejection> {
    let minutes = |ms: i64| format!("{:.1} min", ms_to_minutes(ms));
    if let Some(c) = called {
        if c < issued {
            return Err(Rejection::new(
                Reason::CalledBeforeIssued,
                col::CALLED_AT,
                format!("called_at is {} before issued_at", minutes(issued - c)),
            ));
        }
        if c - issued > rules.max_wait_ms {
            return Err(Rejection::new(
                Reason::WaitTooLong,
                col::CALLED_AT,
                format!(
                    "wait of {} exceeds the limit of {}",
                    minutes(c - issued),
                    minutes(rules.max_wait_ms)
                ),
            ));
        }
    }
    match (called, finished) {
        (Some(c), Some(f)) if f < c => Err(Rejection::new(
            Reason::FinishedBeforeCalled,
            col::FINISHED_AT,
            format!("finished_at is {} before called_at", minutes(c - f)),
        )),
        (Some(c), Some(f)) if f - c > rules.max_service_ms => Err(Rejection::new(
            Reason::ServiceTooLong,
            col::FINISHED_AT,
            format!("service of {} exceeds the limit of {}", minutes(f - c), minutes(rules.max_service_ms)),
        )),
        (None, Some(f)) if f < issued => Err(Rejection::new(
            Reason::FinishedBeforeIssued,
            col::FINISHED_AT,
            format!("finished_at is {} before issued_at", minutes(issued - f)),
        )),
        (None, Some(f)) if f - issued > rules.max_wait_ms => Err(Rejection::new(
            Reason::WaitTooLong,
            col::FINISHED_AT,
            format!(
                "cancelled after {}, beyond the limit of {}",
                minutes(f - issued),
                minutes(rules.max_wait_ms)
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::from_settings(&Settings::default())
    }

    const GOOD: [&str; 9] = [
        "neuss",
        "A017",
        "PA",
        "walk_in",
        "2025-03-31T08:03:12+02:00",
        "2025-03-31T08:20:00+02:00",
        "2025-03-31T08:31:30+02:00",
        "3",
        "served",
    ];

    fn reason_with(changes: &[(usize, &'static str)]) -> Reason {
        let mut f = GOOD;
        for &(i, v) in changes {
            f[i] = v;
        }
        validate(f, &rules()).expect_err("must be rejected").reason
    }

    #[test]
    fn good_row_passes_with_exact_values() {
        let row = validate(GOOD, &rules()).expect("valid");
        assert_eq!(row.called_at.unwrap() - row.issued_at, (16 * 60 + 48) * 1000);
        assert_eq!(row.finished_at.unwrap() - row.called_at.unwrap(), (11 * 60 + 30) * 1000);
        assert_eq!((row.counter, row.outcome, row.channel), (Some("3"), Outcome::Served, Channel::WalkIn));
    }

    #[test]
    fn cancelled_without_call_passes() {
        let mut f = GOOD;
        f[5] = "";
        f[7] = "";
        f[8] = "cancelled";
        assert!(validate(f, &rules()).is_ok());
        f[6] = "";
        assert!(validate(f, &rules()).is_ok());
    }

    #[test]
    fn each_rule_has_its_reason() {
        use Reason::*;
        assert_eq!(reason_with(&[(0, "")]), MissingValue);
        assert_eq!(reason_with(&[(0, "../etc")]), InvalidOfficeId);
        assert_eq!(reason_with(&[(3, "phone")]), UnknownChannel);
        assert_eq!(reason_with(&[(8, "done")]), UnknownOutcome);
        assert_eq!(reason_with(&[(2, "XX")]), UnknownService);
        assert_eq!(reason_with(&[(4, "31.03.2025 08:03")]), BadTimestamp);
        assert_eq!(reason_with(&[(4, "2025-02-30T08:03:12+01:00")]), ImpossibleTimestamp);
        assert_eq!(reason_with(&[(5, "")]), MissingCalledAt);
        assert_eq!(reason_with(&[(6, "")]), MissingFinishedAt);
        assert_eq!(reason_with(&[(7, "")]), MissingCounter);
        assert_eq!(reason_with(&[(8, "cancelled")]), CancelledButCalled);
        assert_eq!(reason_with(&[(5, "2025-03-31T08:00:00+02:00")]), CalledBeforeIssued);
        assert_eq!(reason_with(&[(6, "2025-03-31T08:10:00+02:00")]), FinishedBeforeCalled);
        assert_eq!(reason_with(&[(4, "2025-03-30T17:00:00+02:00")]), WaitTooLong);
        assert_eq!(reason_with(&[(6, "2025-04-01T08:31:30+02:00")]), ServiceTooLong);
        assert_eq!(
            reason_with(&[(5, ""), (7, ""), (8, "cancelled"), (6, "2025-03-31T08:00:00+02:00")]),
            FinishedBeforeIssued
        );
    }

    #[test]
    fn counters_optional_accepts_called_tickets_without_counter_only() {
        let mut f = GOOD;
        f[7] = "";
        let lenient = rules().counters_optional();
        assert_eq!(validate(f, &lenient).expect("no counter needed").counter, None);
        let cancelled = ["o", "A1", "PA", "walk_in", GOOD[4], "", "", "3", "cancelled"];
        assert_eq!(validate(cancelled, &lenient).unwrap_err().reason, Reason::CancelledButCalled);
    }

    #[test]
    fn unknown_service_remembers_the_code() {
        let mut f = GOOD;
        f[2] = "XX";
        assert_eq!(validate(f, &rules()).unwrap_err().value.as_deref(), Some("XX"));
    }

    #[test]
    fn messages_name_field_and_value() {
        let mut f = GOOD;
        f[4] = "yesterday";
        let r = validate(f, &rules()).unwrap_err();
        assert_eq!(r.field, "issued_at");
        assert!(r.message.contains("'yesterday'"), "{}", r.message);
    }
}
