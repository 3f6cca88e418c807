//! The office right now: tickets waiting, counters at work, the forecast's level of the
//! current slot, and the expected wait of a ticket drawn now — `predict` for a walk-in added
//! to the live snapshot at this instant.

use chrono::Timelike;
use serde::Serialize;
use utoipa::ToSchema;

use crate::forecast::Level;
use crate::model::predict::{SnapshotTicket, predict};
use crate::schema::{Channel, EpochMs};
use crate::serve::eta::{RemainingMin, predict_error, snapshot};
use crate::serve::generation::OfficeData;
use crate::serve::live::LiveDay;
use crate::serve::state::{LoadedModel, ModelInfo};
use crate::slots::{SLOT_MINUTES, SLOTS_PER_HOUR};
use crate::timezones::{format_rfc3339, to_local};

/// Ticket id of the hypothetical ticket (never a real one: live ids have no parentheses).
const DRAWN_NOW: &str = "(now)";

/// `GET /v1/offices/{id}/now`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NowResponse {
    pub office_id: String,
    pub now: String,
    /// Tickets drawn today and neither called nor cancelled yet.
    pub waiting: u32,
    pub waiting_walk_ins: u32,
    pub waiting_appointments: u32,
    /// Counters that called someone within the idle gap, and counters serving now (the
    /// model's replay of today; null without a model).
    pub active_counters: Option<u32>,
    pub busy_counters: Option<u32>,
    /// Whether the current 15-minute slot is open in today's forecast (null: no forecast for today).
    pub open_now: Option<bool>,
    /// The forecast's load level of the current slot.
    pub level: Option<Level>,
    pub expected_wait: Option<ExpectedWait>,
    /// Why `expected_wait` is null.
    pub expected_wait_reason: Option<String>,
    /// Time of the newest live event today.
    pub last_event_at: Option<String>,
}

/// What a walk-in drawn now can expect.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExpectedWait {
    /// The service assumed (`?service=`, else today's most frequent).
    pub service: String,
    pub remaining_min: RemainingMin,
    pub call_p50: String,
    pub model: ModelInfo,
}

/// The forecast slot of `now`: (open, level), or `None` without a forecast for today.
pub fn slot_now(
    office: Option<&OfficeData>,
    now: EpochMs,
    tz: chrono_tz::Tz,
) -> Option<(bool, Option<Level>)> {
    let local = to_local(now, tz);
    let day = office?.day(local.date_naive())?;
    let slot = (local.hour() as usize * SLOTS_PER_HOUR + local.minute() as usize / SLOT_MINUTES) as u8;
    let s = day.slots.iter().find(|s| s.slot == slot);
    Some((s.is_some(), s.map(|s| s.level)))
}

/// The whole `now` answer.
pub fn now(
    day: &LiveDay,
    now: EpochMs,
    tz: chrono_tz::Tz,
    office: Option<&OfficeData>,
    model: Option<&LoadedModel>,
    service: Option<&str>,
) -> Result<NowResponse, crate::serve::problem::ApiError> {
    let waiting: Vec<_> = day.tickets.values().filter(|t| t.waiting_at(now)).collect();
    let appointments = waiting
        .iter()
        .filter(|t| t.issued.as_ref().is_some_and(|i| i.channel == Channel::Appointment))
        .count();
    let slot = slot_now(office, now, tz);
    let mut out = NowResponse {
        office_id: day.office.clone(),
        now: format_rfc3339(now, tz),
        waiting: waiting.len() as u32,
        waiting_walk_ins: (waiting.len() - appointments) as u32,
        waiting_appointments: appointments as u32,
        active_counters: None,
        busy_counters: None,
        open_now: slot.map(|s| s.0),
        level: slot.and_then(|s| s.1),
        expected_wait: None,
        expected_wait_reason: None,
        last_event_at: day.last_event.map(|t| format_rfc3339(t, tz)),
    };
    let Some(model) = model else {
        out.expected_wait_reason = Some("no wait-time model is loaded".into());
        return Ok(out);
    };
    let service = match service {
        Some(s) if !model.model.services.iter().any(|m| m == s) => {
            let known = model.model.services.join(", ");
            return Err(crate::serve::problem::ApiError::BadRequest(format!(
                "service {s:?} is not known to the model ({known})"
            )));
        }
        Some(s) => s.to_string(),
        None => usual_service(day, model),
    };
    let mut snap = snapshot(day, now, tz, DRAWN_NOW, None);
    snap.tickets.push(SnapshotTicket {
        ticket_id: DRAWN_NOW.to_string(),
        service: service.clone(),
        channel: Channel::WalkIn.as_str().to_string(),
        issued_at: format_rfc3339(now, tz),
        called_at: None,
        finished_at: None,
        counter: None,
        outcome: None,
    });
    match predict(&model.model, &snap, None) {
        Ok(p) => {
            let feature = |name: &str| {
                p.features.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v).map(|v| v.max(0.0) as u32)
            };
            out.active_counters = feature("active_counters");
            out.busy_counters = feature("busy_counters");
            let q = p.remaining_min;
            out.expected_wait = Some(ExpectedWait {
                service,
                remaining_min: RemainingMin { p10: q.p10, p50: q.p50, p90: q.p90 },
                call_p50: p.call_p50,
                model: model.info.clone(),
            });
        }
        Err(e) => out.expected_wait_reason = Some(predict_error(e).to_string()),
    }
    Ok(out)
}

/// Today's most frequent service, else the first the model knows for the office.
fn usual_service(day: &LiveDay, model: &LoadedModel) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for t in day.tickets.values() {
        if let Some(i) = &t.issued {
            *counts.entry(i.service.as_str()).or_default() += 1;
        }
    }
    let known = |s: &str| model.model.services.iter().any(|m| m == s);
    let best = counts.iter().filter(|(s, _)| known(s)).max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s)));
    match best {
        Some((s, _)) => s.to_string(),
        None => model
            .model
            .history
            .service_min
            .get(&day.office)
            .and_then(|m| m.keys().next().cloned())
            .or_else(|| model.model.services.first().cloned())
            .unwrap_or_default(),
    }
}
