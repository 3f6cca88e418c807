//! One prediction for a live queue snapshot: the function `queuecast predict` and the API
//! call. It builds the same features as training, through the same code.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::booking_level;
use crate::model::conformal::{Quantiles, alarm_offset};
use crate::model::dataset::{FEATURES, Probe};
use crate::model::features::{Context, ProbeAt, day_features};
use crate::model::file::ModelFile;
use crate::replay::{OfficeDay, ReplayParams, office_days_bounded};
use crate::schema::{Channel, EpochMs, Outcome};
use crate::store::columns::TicketColumns;
use crate::timezones::{format_rfc3339, local_parts, parse_rfc3339};

/// The queue of one office today, as a ticket system knows it at `now`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub office_id: String,
    /// The instant to predict at (RFC 3339). Events after it are ignored.
    pub now: String,
    /// The ticket to predict for.
    pub ticket_id: String,
    /// Minutes of notice the citizen wants before the call (default 10).
    #[serde(default)]
    pub notice_minutes: Option<f64>,
    /// Today's tickets so far; `called_at`/`finished_at` empty while not yet happened.
    pub tickets: Vec<SnapshotTicket>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotTicket {
    pub ticket_id: String,
    pub service: String,
    pub channel: String,
    pub issued_at: String,
    #[serde(default)]
    pub called_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub counter: Option<String>,
    /// `served`, `no_show` or `cancelled` once known.
    #[serde(default)]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    pub ticket_id: String,
    pub now: String,
    pub predictor: String,
    /// Remaining wait quantiles, minutes.
    pub remaining_min: Quantiles,
    /// Call time quantiles (RFC 3339).
    pub call_p10: String,
    pub call_p50: String,
    pub call_p90: String,
    pub notice_minutes: f64,
    /// When to notify; `None`: the call may come within the notice, so stay nearby.
    pub alarm_at: Option<String>,
    /// Feature values used (name → value; NaN shown as null).
    pub features: Vec<(String, Option<f64>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error("snapshot field {field}: {message}")]
    Field { field: String, message: String },
    #[error("ticket {0} is not in the snapshot")]
    UnknownTicket(String),
    #[error("ticket {0} was already called or cancelled at `now`")]
    NotWaiting(String),
    #[error("the model has no predictor named {0}")]
    UnknownPredictor(String),
    #[error("{field}: service '{code}' is not known to the model (trained for: {known})")]
    UnknownService { field: String, code: String, known: String },
    #[error(
        "ticket {ticket} was issued at {issued}, after the snapshot's now ({now}): predict for a ticket already drawn"
    )]
    IssuedAfterNow { ticket: String, issued: String, now: String },
    #[error("the model file names an unknown timezone '{0}'")]
    Timezone(String),
    #[error("office {office} is not known to the model (trained for: {known})")]
    UnknownOffice { office: String, known: String },
}

/// Far beyond any office day: stands for "has not happened yet" in a live snapshot.
const NOT_YET: EpochMs = 400 * 24 * 3_600_000;

/// Predicts when `snap.ticket_id` will be called; times are read and written in the
/// model's timezone.
pub fn predict(
    model: &ModelFile,
    snap: &Snapshot,
    predictor: Option<&str>,
) -> Result<Prediction, PredictError> {
    let tz = model.tz().ok_or_else(|| PredictError::Timezone(model.summary.timezone.clone()))?;
    let name = predictor.unwrap_or(&model.summary.default_predictor);
    let calibrated = model.predictor(name).ok_or_else(|| PredictError::UnknownPredictor(name.to_string()))?;
    if !model.summary.offices.contains(&snap.office_id) {
        return Err(PredictError::UnknownOffice {
            office: snap.office_id.clone(),
            known: model.summary.offices.join(", "),
        });
    }
    let notice = snap.notice_minutes.unwrap_or(model.settings.notice_min);
    if notice.is_nan() || notice < 0.0 {
        return Err(PredictError::Field {
            field: "notice_minutes".into(),
            message: format!("{notice} is not a number of minutes ≥ 0"),
        });
    }
    let now = time("now", &snap.now)?;
    let (cols, target) = columns(snap, now, tz, &model.services)?;
    let day: OfficeDay = office_days_bounded(&cols, &model.history.wait_bounds)
        .into_iter()
        .next()
        .ok_or_else(|| PredictError::UnknownTicket(snap.ticket_id.clone()))?;
    let position = day
        .rows
        .iter()
        .position(|&r| r == target)
        .ok_or_else(|| PredictError::UnknownTicket(snap.ticket_id.clone()))?;
    let t = &day.tickets[position];
    if t.called.is_some_and(|c| c <= now) || (t.called.is_none() && t.finished.is_some_and(|f| f <= now)) {
        return Err(PredictError::NotWaiting(snap.ticket_id.clone()));
    }
    let ctx = model_context(model, tz);
    let probe = ProbeAt {
        t: now,
        ticket: position,
        probe: if t.issued == now { Probe::AtIssue } else { Probe::Later },
    };
    let h = &model.history;
    let level = booking_level::day_level(&cols, day.office, day.date, &h.recent_bookings, &h.plan);
    let x = day_features(&day, &cols, &[probe], &ctx, level);
    let q = calibrated.predict(&x)[0];
    let at = |min: f64| format_rfc3339(now + (min * 60_000.0).round() as i64, tz);
    Ok(Prediction {
        ticket_id: snap.ticket_id.clone(),
        now: format_rfc3339(now, tz),
        predictor: name.to_string(),
        remaining_min: q,
        call_p10: at(q.p10),
        call_p50: at(q.p50),
        call_p90: at(q.p90),
        notice_minutes: notice,
        alarm_at: alarm_offset(&q, notice).map(at),
        features: FEATURES
            .iter()
            .enumerate()
            .map(|(f, n)| (n.to_string(), Some(x.get(0, f)).filter(|v| v.is_finite())))
            .collect(),
    })
}

fn time(field: &str, s: &str) -> Result<EpochMs, PredictError> {
    parse_rfc3339(s).map_err(|e| PredictError::Field { field: field.to_string(), message: e.to_string() })
}

/// The snapshot's tickets as columns of one office-day, with everything after `now` erased;
/// returns them and the row of the target ticket.
fn columns(
    snap: &Snapshot,
    now: EpochMs,
    tz: Tz,
    known_services: &[String],
) -> Result<(TicketColumns, usize), PredictError> {
    let mut c = TicketColumns { offices: vec![snap.office_id.clone()], ..TicketColumns::default() };
    let mut target = None;
    let today = local_parts(now, tz).date;
    for (i, t) in snap.tickets.iter().enumerate() {
        let f = |name: &str| format!("tickets[{i}].{name}");
        let issued = time(&f("issued_at"), &t.issued_at)?;
        if t.ticket_id == snap.ticket_id && issued > now {
            return Err(PredictError::IssuedAfterNow {
                ticket: t.ticket_id.clone(),
                issued: format_rfc3339(issued, tz),
                now: format_rfc3339(now, tz),
            });
        }
        // Only today's queue up to now: numbers restart every day.
        if issued > now || local_parts(issued, tz).date != today {
            continue;
        }
        if !known_services.contains(&t.service) {
            return Err(PredictError::UnknownService {
                field: f("service"),
                code: t.service.clone(),
                known: known_services.join(", "),
            });
        }
        let opt = |name: &str, v: &Option<String>| -> Result<Option<EpochMs>, PredictError> {
            match v.as_deref().filter(|s| !s.is_empty()) {
                Some(s) => Ok(Some(time(&f(name), s)?).filter(|&x| x <= now)),
                None => Ok(None),
            }
        };
        let called = opt("called_at", &t.called_at)?;
        let finished = opt("finished_at", &t.finished_at)?;
        let outcome = t.outcome.as_deref().and_then(Outcome::parse);
        let channel = Channel::parse(&t.channel).ok_or_else(|| PredictError::Field {
            field: f("channel"),
            message: format!("'{}' is not a channel", t.channel),
        })?;
        let service = match c.services.iter().position(|s| *s == t.service) {
            Some(s) => s,
            None => {
                c.services.push(t.service.clone());
                c.services.len() - 1
            }
        };
        let counter = t.counter.as_ref().filter(|_| called.is_some()).map(|name| {
            c.counters.iter().position(|x| x == name).unwrap_or_else(|| {
                c.counters.push(name.clone());
                c.counters.len() - 1
            }) as u32
        });
        // Not yet called: waiting, unless it was cancelled by now or its wait bound passed
        // (no void time: the replay's rule for stale tickets, as in training).
        let (outcome, finished) = match (called, outcome, finished) {
            // A no-show's counter time is not service: keep the outcome when it is known.
            (Some(_), o, f) => {
                (o.filter(|o| o.was_called()).unwrap_or(Outcome::Served), Some(f.unwrap_or(now + NOT_YET)))
            }
            (None, Some(Outcome::Cancelled), Some(f)) => (Outcome::Cancelled, Some(f)),
            (None, _, _) => (Outcome::Cancelled, None),
        };
        if t.ticket_id == snap.ticket_id {
            target = Some(c.len());
        }
        c.office.push(0);
        c.date.push(local_parts(issued, tz).date);
        c.ticket_id.push(t.ticket_id.clone());
        c.service.push(service as u16);
        c.channel.push(channel);
        c.issued.push(issued);
        c.called.push(called);
        c.finished.push(finished);
        c.counter.push(counter);
        c.outcome.push(outcome);
    }
    let target = target.ok_or_else(|| PredictError::UnknownTicket(snap.ticket_id.clone()))?;
    Ok((c, target))
}

/// The feature context of a model file: its history, offices, services and replay settings, so
/// prediction and evaluation build features exactly as training did.
pub fn model_context(model: &ModelFile, tz: Tz) -> Context<'_> {
    Context {
        history: &model.history,
        offices: &model.summary.offices,
        services: &model.services,
        tz,
        replay: ReplayParams { idle_gap_ms: (model.settings.counter_idle_gap_min * 60_000.0) as i64 },
    }
}
