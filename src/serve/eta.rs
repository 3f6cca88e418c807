//! A ticket's ETA from the live queue: the live state becomes the model's [`Snapshot`] and
//! goes through [`predict`] — the function `queuecast predict` and the backtest use — so the
//! API has no prediction code of its own. Around it: the ticket's status, its position in
//! its own queue, and why there is no alarm when there is none.

use chrono::Timelike;
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::predict::{PredictError, Prediction, Snapshot, SnapshotTicket, predict};
use crate::schema::{Channel, EpochMs, Outcome};
use crate::serve::events::LiveTicket;
use crate::serve::live::LiveDay;
use crate::serve::problem::ApiError;
use crate::serve::queues::QueueSource;
use crate::serve::state::LoadedModel;
use crate::slots::SLOT_MINUTES;
use crate::time::{MS_PER_MINUTE, MS_PER_SECOND};
use crate::timezones::{format_rfc3339, to_local};

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    Cancelled,
}

/// Remaining wait quantiles, minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct RemainingMin {
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// The place of a ticket in its own queue.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Position {
    /// 1 = next to be called in this queue.
    pub position: u32,
    /// Waiting walk-ins of the queue called first: for a walk-in, those drawn earlier; for an
    /// appointment, those the counters are expected to call before its turn.
    pub walk_ins_ahead: u32,
    /// Waiting appointments of the queue called first: for a walk-in, slots up to its
    /// expected call (p50); for an appointment, earlier slots.
    pub appointments_ahead: u32,
    /// Services known to share the ticket's counters (null: every service of the office);
    /// tickets of services not known yet (too few calls) count in every queue.
    pub queue: Option<Vec<String>>,
    pub queue_source: QueueSource,
}

/// `GET /v1/offices/{id}/tickets/{number}/eta`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EtaResponse {
    pub office_id: String,
    pub ticket: String,
    /// The instant the ETA is for.
    pub now: String,
    pub status: TicketStatus,
    pub service: String,
    /// When it was called and by which counter (status `called`).
    pub called_at: Option<String>,
    pub counter: Option<String>,
    /// The rest is null unless the ticket is waiting.
    pub position: Option<Position>,
    pub call_p10: Option<String>,
    pub call_p50: Option<String>,
    pub call_p90: Option<String>,
    pub remaining_min: Option<RemainingMin>,
    pub notice_minutes: Option<f64>,
    /// When to notify; null with `alarm_reason` when no alarm can be promised.
    pub alarm_at: Option<String>,
    /// `call_may_come_within_notice`: the call may come sooner than the notice, stay nearby;
    /// `no_calibrated_alarm`: the model's calibration cannot vouch for an alarm this time.
    pub alarm_reason: Option<String>,
    pub model: Option<crate::serve::state::ModelInfo>,
}

/// The snapshot `predict` takes: today's drawn tickets as the ticket system knows them at
/// `now` (later events left out), ordered by issue time and number, times in the zone `tz`.
pub fn snapshot(day: &LiveDay, now: EpochMs, tz: Tz, ticket: &str, notice: Option<f64>) -> Snapshot {
    let mut issued: Vec<(&String, &LiveTicket, EpochMs)> = day
        .tickets
        .iter()
        .filter_map(|(id, t)| t.issued.as_ref().filter(|i| i.at <= now).map(|i| (id, t, i.at)))
        .collect();
    issued.sort_by(|a, b| (a.2, a.0).cmp(&(b.2, b.0)));
    let seen = |t: Option<EpochMs>| t.filter(|&t| t <= now);
    let tickets = issued
        .into_iter()
        .map(|(id, t, at)| {
            let called = t.called.as_ref().filter(|c| c.0 <= now);
            let finished = seen(t.finished.map(|f| f.0));
            let cancelled = seen(t.cancelled);
            let outcome = match (finished, cancelled) {
                (Some(_), _) => t.finished.map(|f| f.1),
                (None, Some(_)) => Some(Outcome::Cancelled),
                (None, None) => None,
            };
            let issue = t.issued.as_ref();
            SnapshotTicket {
                ticket_id: id.clone(),
                service: issue.map(|i| i.service.clone()).unwrap_or_default(),
                channel: issue.map_or(Channel::WalkIn, |i| i.channel).as_str().to_string(),
                issued_at: format_rfc3339(at, tz),
                called_at: called.map(|c| format_rfc3339(c.0, tz)),
                finished_at: finished.or(cancelled).map(|f| format_rfc3339(f, tz)),
                counter: called.map(|c| c.1.clone()),
                outcome: outcome.map(|o| o.as_str().to_string()),
            }
        })
        .collect();
    Snapshot {
        office_id: day.office.clone(),
        now: format_rfc3339(now, tz),
        ticket_id: ticket.to_string(),
        notice_minutes: notice,
        tickets,
    }
}

thread_local! {
    /// Per worker thread and office: the snapshot of the last queue version seen. While the
    /// queue does not change, requests reuse it with only `now`, the ticket and the notice
    /// replaced, instead of formatting every ticket's times again (`predict` takes it by
    /// reference and reads it as given).
    static SCRATCH: std::cell::RefCell<std::collections::HashMap<String, (chrono::NaiveDate, u64, Snapshot)>> =
        Default::default();
}

/// Calls `f` with the snapshot of `day` at `now` for ticket `id` — the same snapshot
/// [`snapshot`] builds: when no event lies after `now` (the usual case) leaving later events
/// out changes nothing, so a copy kept per queue version is used.
pub fn predict_live<T>(
    day: &LiveDay,
    now: EpochMs,
    tz: Tz,
    id: &str,
    notice: Option<f64>,
    f: impl FnOnce(&Snapshot) -> T,
) -> T {
    if day.last_event.is_some_and(|last| last > now) {
        return f(&snapshot(day, now, tz, id, notice));
    }
    SCRATCH.with(|cell| {
        let mut map = cell.borrow_mut();
        let fresh = |m: &(chrono::NaiveDate, u64, Snapshot)| m.0 == day.date && m.1 == day.version;
        if !map.get(&day.office).is_some_and(fresh) {
            map.insert(day.office.clone(), (day.date, day.version, snapshot(day, now, tz, id, notice)));
        }
        let entry = map.get_mut(&day.office).map(|e| &mut e.2);
        match entry {
            Some(snap) => {
                snap.now = format_rfc3339(now, tz);
                snap.ticket_id.clear();
                snap.ticket_id.push_str(id);
                snap.notice_minutes = notice;
                f(snap)
            }
            None => f(&snapshot(day, now, tz, id, notice)),
        }
    })
}

/// The booked slot of an appointment: as given, else the next quarter hour (local) at or
/// after its issue — appointments check in a few minutes before their slot.
pub fn slot_of(t: &LiveTicket, tz: Tz) -> Option<EpochMs> {
    let issue = t.issued.as_ref()?;
    if issue.channel != Channel::Appointment {
        return None;
    }
    issue.slot.or_else(|| {
        let local = to_local(issue.at, tz);
        let slot_ms = SLOT_MINUTES as i64 * MS_PER_MINUTE;
        let into_slot = i64::from(local.minute()) % SLOT_MINUTES as i64 * MS_PER_MINUTE
            + i64::from(local.second()) * MS_PER_SECOND
            + issue.at.rem_euclid(MS_PER_SECOND);
        Some(if into_slot == 0 { issue.at } else { issue.at - into_slot + slot_ms })
    })
}

/// Minutes of recent calls the walk-ins ahead of an appointment are estimated from.
const CALL_RATE_WINDOW_MIN: i64 = 30;

/// Position of waiting ticket `id` in its own queue at `now`; `expected_call` is its call p50.
///
/// Counters call due appointments first (by slot), then walk-ins in drawing order. So a
/// walk-in has ahead of it the queue's walk-ins drawn earlier and the waiting appointments
/// whose slot comes before its expected call; an appointment has the appointments with
/// earlier slots, and the waiting walk-ins that the counters will still call before its turn:
/// the queue's calls of the last 30 minutes, as a rate, over the time to its expected call,
/// less those earlier appointments (at most all waiting walk-ins).
pub fn position(day: &LiveDay, id: &str, now: EpochMs, expected_call: EpochMs, tz: Tz) -> Option<Position> {
    let me = day.tickets.get(id)?;
    let issue = me.issued.as_ref()?;
    let (queue, queue_source) = day.queues.queue_of(&issue.service);
    let in_queue =
        |t: &LiveTicket| t.issued.as_ref().is_some_and(|i| day.queues.same_queue(&issue.service, &i.service));
    let waiting =
        day.tickets.iter().filter(|(other, t)| other.as_str() != id && t.waiting_at(now) && in_queue(t));
    let (mut walk_ins, mut appointments, mut waiting_walk_ins) = (0u32, 0u32, 0u32);
    let my_key = (issue.at, id);
    let my_slot = slot_of(me, tz);
    // An appointment is called from its slot on; a walk-in around its expected call.
    let until = match issue.channel {
        Channel::Appointment => my_slot.unwrap_or(expected_call).max(now),
        Channel::WalkIn => expected_call.max(now),
    };
    for (other, t) in waiting {
        let Some(i) = t.issued.as_ref() else { continue };
        match (issue.channel, i.channel) {
            (Channel::WalkIn, Channel::WalkIn) => walk_ins += u32::from((i.at, other.as_str()) < my_key),
            (Channel::WalkIn, Channel::Appointment) => {
                appointments += u32::from(slot_of(t, tz).is_some_and(|s| s <= until));
            }
            (Channel::Appointment, Channel::Appointment) => {
                let key = (slot_of(t, tz), i.at, other.as_str());
                appointments += u32::from(key < (my_slot, issue.at, id));
            }
            (Channel::Appointment, Channel::WalkIn) => waiting_walk_ins += 1,
        }
    }
    if issue.channel == Channel::Appointment && waiting_walk_ins > 0 {
        let since = now - CALL_RATE_WINDOW_MIN * MS_PER_MINUTE;
        let calls = day
            .tickets
            .values()
            .filter(|t| in_queue(t) && t.called.as_ref().is_some_and(|c| c.0 > since && c.0 <= now))
            .count() as f64;
        let before_me = calls * (until - now) as f64 / (CALL_RATE_WINDOW_MIN * MS_PER_MINUTE) as f64;
        walk_ins = ((before_me - f64::from(appointments)).round().max(0.0) as u32).min(waiting_walk_ins);
    }
    Some(Position {
        position: walk_ins + appointments + 1,
        walk_ins_ahead: walk_ins,
        appointments_ahead: appointments,
        queue: queue.map(<[String]>::to_vec),
        queue_source,
    })
}

/// The ETA of ticket `id` at `now` (`notice` minutes of alarm notice, default the model's).
pub fn eta(
    day: &LiveDay,
    id: &str,
    now: EpochMs,
    tz: Tz,
    model: Option<&LoadedModel>,
    notice: Option<f64>,
) -> Result<EtaResponse, ApiError> {
    let not_found =
        || ApiError::NotFound(format!("ticket {id} has not been drawn today at office {}", day.office));
    let t = day.tickets.get(id).ok_or_else(not_found)?;
    let issue = t.issued.as_ref().filter(|i| i.at <= now).ok_or_else(not_found)?;
    let called = t.called.as_ref().filter(|c| c.0 <= now);
    let status = match (called, t.cancelled.filter(|&c| c <= now), t.finished.filter(|f| f.0 <= now)) {
        (Some(_), _, _) | (None, None, Some(_)) => TicketStatus::Called,
        (None, Some(_), _) => TicketStatus::Cancelled,
        (None, None, None) => TicketStatus::Waiting,
    };
    let mut out = EtaResponse {
        office_id: day.office.clone(),
        ticket: id.to_string(),
        now: format_rfc3339(now, tz),
        status,
        service: issue.service.clone(),
        called_at: called.map(|c| format_rfc3339(c.0, tz)),
        counter: called.map(|c| c.1.clone()),
        position: None,
        call_p10: None,
        call_p50: None,
        call_p90: None,
        remaining_min: None,
        notice_minutes: None,
        alarm_at: None,
        alarm_reason: None,
        model: None,
    };
    if status != TicketStatus::Waiting {
        return Ok(out);
    }
    let model = model.ok_or_else(|| ApiError::Unavailable("no wait-time model is loaded".into()))?;
    let p = predict_live(day, now, tz, id, notice, |snap| predict(&model.model, snap, None))
        .map_err(predict_error)?;
    let expected_call = now + (p.remaining_min.p50 * MS_PER_MINUTE as f64).round() as EpochMs;
    out.position = position(day, id, now, expected_call, tz);
    out.alarm_reason = alarm_reason(&p);
    out.remaining_min =
        Some(RemainingMin { p10: p.remaining_min.p10, p50: p.remaining_min.p50, p90: p.remaining_min.p90 });
    (out.call_p10, out.call_p50, out.call_p90) = (Some(p.call_p10), Some(p.call_p50), Some(p.call_p90));
    out.notice_minutes = Some(p.notice_minutes);
    out.alarm_at = p.alarm_at;
    out.model = Some(model.info.clone());
    Ok(out)
}

/// Why `alarm_at` is null, from the prediction itself.
pub fn alarm_reason(p: &Prediction) -> Option<String> {
    if p.alarm_at.is_some() {
        return None;
    }
    let soon = p.remaining_min.alarm > 0.0 || p.remaining_min.p50 <= p.notice_minutes;
    Some(if soon { "call_may_come_within_notice" } else { "no_calibrated_alarm" }.to_string())
}

/// A prediction error as an API error: bad input is the client's; a model that does not
/// know the office or a service cannot answer yet.
pub fn predict_error(e: PredictError) -> ApiError {
    match e {
        PredictError::Field { .. } => ApiError::BadRequest(e.to_string()),
        PredictError::UnknownTicket(_) | PredictError::NotWaiting(_) => ApiError::NotFound(e.to_string()),
        _ => ApiError::Unavailable(format!("the wait-time model cannot answer: {e}")),
    }
}

#[cfg(test)]
#[path = "position_tests.rs"]
mod tests;
