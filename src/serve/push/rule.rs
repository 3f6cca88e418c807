//! When a subscribed ticket gets a Web Push reminder, from its current ETA (pure).
//!
//! The reminder is *due* when the ETA's `alarm_at` has been reached, or when the ETA says the
//! call may come within the notice (`alarm_reason = call_may_come_within_notice`). The first
//! time it is due, one reminder goes out (`alarm`). After that, another (`earlier`) only when
//! the expected call (p50) has moved at least `resend_earlier` before the one last announced.
//! A called or cancelled ticket gets nothing more: its subscriptions are dropped.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::serve::eta::{EtaResponse, TicketStatus};
use crate::time::EpochMs;
use crate::timezones::parse_rfc3339;

/// Why a reminder is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushKind {
    /// The first time the reminder is due.
    Alarm,
    /// The queue moved the expected call earlier than the one announced.
    Earlier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to send now.
    Wait,
    Send(PushKind),
    /// The ticket was called or cancelled: drop its subscriptions, send nothing.
    Drop,
}

/// Whether the ETA's reminder is due at `now`.
pub fn is_due(eta: &EtaResponse, now: EpochMs) -> bool {
    if eta.status != TicketStatus::Waiting {
        return false;
    }
    match &eta.alarm_at {
        Some(at) => parse_rfc3339(at).is_ok_and(|at| at <= now),
        None => eta.alarm_reason.as_deref() == Some("call_may_come_within_notice"),
    }
}

/// The decision for one subscription; `announced` is the call p50 of its last reminder.
pub fn decide(
    eta: &EtaResponse,
    now: EpochMs,
    announced: Option<EpochMs>,
    resend_earlier_ms: EpochMs,
) -> Decision {
    if eta.status != TicketStatus::Waiting {
        return Decision::Drop;
    }
    if !is_due(eta, now) {
        return Decision::Wait;
    }
    let Some(p50) = eta.call_p50.as_deref().and_then(|t| parse_rfc3339(t).ok()) else {
        return Decision::Wait;
    };
    match announced {
        None => Decision::Send(PushKind::Alarm),
        Some(before) if p50 <= before - resend_earlier_ms => Decision::Send(PushKind::Earlier),
        Some(_) => Decision::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eta(status: TicketStatus, p50: &str, alarm_at: Option<&str>, reason: Option<&str>) -> EtaResponse {
        EtaResponse {
            office_id: "o".into(),
            ticket: "A1".into(),
            now: "2025-02-24T10:00:00+01:00".into(),
            status,
            service: "PA".into(),
            called_at: None,
            counter: None,
            position: None,
            call_p10: Some(p50.into()),
            call_p50: Some(p50.into()),
            call_p90: Some(p50.into()),
            remaining_min: None,
            notice_minutes: Some(10.0),
            alarm_at: alarm_at.map(String::from),
            alarm_reason: reason.map(String::from),
            model: None,
        }
    }

    const T10: &str = "2025-02-24T10:00:00+01:00";

    #[test]
    fn one_reminder_when_due_another_only_when_the_call_moves_earlier_none_after_the_call() {
        let now = parse_rfc3339(T10).unwrap();
        let five = 5 * 60_000;
        let waiting = |p50, at, reason| eta(TicketStatus::Waiting, p50, at, reason);
        // An alarm time ahead: wait; reached: send.
        let ahead = waiting("2025-02-24T10:30:00+01:00", Some("2025-02-24T10:12:00+01:00"), None);
        assert_eq!(decide(&ahead, now, None, five), Decision::Wait);
        assert_eq!(decide(&ahead, now + 12 * 60_000, None, five), Decision::Send(PushKind::Alarm));
        // Within the notice: due now.
        let soon = waiting("2025-02-24T10:08:00+01:00", None, Some("call_may_come_within_notice"));
        assert_eq!(decide(&soon, now, None, five), Decision::Send(PushKind::Alarm));
        // Announced 10:08: 10:04 is not 5 minutes earlier, 10:03 is.
        let announced = Some(parse_rfc3339("2025-02-24T10:08:00+01:00").unwrap());
        let a = waiting("2025-02-24T10:04:00+01:00", None, Some("call_may_come_within_notice"));
        assert_eq!(decide(&a, now, announced, five), Decision::Wait);
        let b = waiting("2025-02-24T10:03:00+01:00", None, Some("call_may_come_within_notice"));
        assert_eq!(decide(&b, now, announced, five), Decision::Send(PushKind::Earlier));
        // Later again: nothing.
        let later = waiting("2025-02-24T10:20:00+01:00", None, Some("call_may_come_within_notice"));
        assert_eq!(decide(&later, now, announced, five), Decision::Wait);
        // No calibrated alarm and the call beyond the notice: wait.
        let uncalibrated = waiting("2025-02-24T10:40:00+01:00", None, Some("no_calibrated_alarm"));
        assert_eq!(decide(&uncalibrated, now, None, five), Decision::Wait);
        // Called or cancelled: drop, whatever was announced.
        for status in [TicketStatus::Called, TicketStatus::Cancelled] {
            let gone = eta(status, T10, None, Some("call_may_come_within_notice"));
            assert_eq!(decide(&gone, now, None, five), Decision::Drop);
            assert!(!is_due(&gone, now));
        }
    }
}
