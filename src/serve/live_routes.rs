//! The live routes: events from the ticket system (bearer token per office), the office
//! now, a ticket's ETA and its event stream.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa::{IntoParams, ToSchema};

use crate::serve::eta::{EtaResponse, TicketStatus, eta as compute_eta};
use crate::serve::events::EventIn;
use crate::serve::live::{EventResult, OfficeLive};
use crate::serve::now::{NowResponse, now as compute_now};
use crate::serve::problem::{ApiError, Problem};
use crate::serve::state::AppState;

fn live_office(s: &AppState, id: &str) -> Result<Arc<OfficeLive>, ApiError> {
    s.office(id).ok_or_else(|| ApiError::NotFound(format!("office {id:?} is not known to this server")))
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Answer of `POST /v1/offices/{id}/events`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventsResponse {
    /// Events that changed a ticket.
    pub applied: usize,
    /// Events that were already there (same ticket, kind and data).
    pub duplicates: usize,
    pub results: Vec<EventResult>,
}

#[utoipa::path(post, path = "/v1/offices/{id}/events", tag = "live",
    params(("id" = String, Path, description = "Office id")),
    request_body(content = Vec<EventIn>, description = "One event, or an array of events applied in order (all or none)"),
    security(("bearer" = [])),
    responses((status = 200, body = EventsResponse), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn post_events(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let office = live_office(&s, &id)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match token {
        _ if !s.has_token(&id) => {
            return Err(ApiError::Unauthorized(format!(
                "office {id} accepts no events: no token is configured"
            )));
        }
        Some(t) if s.token_ok(&id, t) => {}
        Some(_) => {
            return Err(ApiError::Unauthorized(format!("the bearer token is not valid for office {id}")));
        }
        None => return Err(ApiError::Unauthorized("an Authorization: Bearer token is required".into())),
    }
    let events = parse_events(&body, s.cfg.serve.max_batch_events)?;
    let now = s.now();
    let cfg = s.live_cfg.clone();
    let results = tokio::task::spawn_blocking(move || office.apply(&events, now, &cfg))
        .await
        .map_err(|e| ApiError::Internal(format!("event task failed: {e}")))??;
    let applied = results.iter().filter(|r| r.status == crate::serve::events::Applied::Applied).count();
    tracing::info!(office = %id, events = results.len(), applied, "live events");
    let duplicates = results.len() - applied;
    Ok(no_store(Json(EventsResponse { applied, duplicates, results }).into_response()))
}

/// One event object or an array of them; field errors name the event's index.
fn parse_events(body: &[u8], max: usize) -> Result<Vec<EventIn>, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("request body is not JSON: {e}")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    if items.is_empty() {
        return Err(ApiError::Unprocessable("the batch holds no events".into()));
    }
    if items.len() > max {
        return Err(ApiError::PayloadTooLarge(format!("{} events in one batch; at most {max}", items.len())));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| ApiError::Unprocessable(format!("event {i}: {e}")))
        })
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NowQuery {
    /// Service of the ticket that would be drawn now (default: today's most frequent).
    pub service: Option<String>,
}

#[utoipa::path(get, path = "/v1/offices/{id}/now", tag = "live",
    params(("id" = String, Path, description = "Office id"), NowQuery),
    responses((status = 200, body = NowResponse), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn now(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<NowQuery>,
) -> Result<Response, ApiError> {
    let office = live_office(&s, &id)?;
    let (now, tz) = (s.now(), s.cfg.tz);
    let day = office.view(crate::timezones::local_parts(now, tz).date);
    let g = s.generation.load_full();
    let model = s.model.load_full();
    let out = compute_now(
        &day,
        now,
        tz,
        g.as_ref().and_then(|g| g.offices.get(&id)),
        model.as_deref(),
        q.service.as_deref(),
    )?;
    Ok(no_store(Json(out).into_response()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EtaQuery {
    /// Minutes of notice wanted before the call (0–240; default: the model's, 10).
    pub notify_before: Option<f64>,
}

fn notice(q: &EtaQuery) -> Result<Option<f64>, ApiError> {
    match q.notify_before {
        Some(n) if !(0.0..=240.0).contains(&n) => {
            Err(ApiError::BadRequest(format!("notify_before = {n}: expected 0 to 240 minutes")))
        }
        n => Ok(n),
    }
}

fn eta_now(
    s: &AppState,
    office: &OfficeLive,
    ticket: &str,
    notice: Option<f64>,
) -> Result<EtaResponse, ApiError> {
    let (now, tz) = (s.now(), s.cfg.tz);
    let day = office.view(crate::timezones::local_parts(now, tz).date);
    let model = s.model.load_full();
    compute_eta(&day, ticket, now, tz, model.as_deref(), notice)
}

#[utoipa::path(get, path = "/v1/offices/{id}/tickets/{number}/eta", tag = "live",
    params(("id" = String, Path, description = "Office id"), ("number" = String, Path, description = "Ticket number, e.g. A017"), EtaQuery),
    responses((status = 200, body = EtaResponse), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn eta(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, String)>,
    Query(q): Query<EtaQuery>,
) -> Result<Response, ApiError> {
    let office = live_office(&s, &id)?;
    let out = eta_now(&s, &office, &number, notice(&q)?)?;
    Ok(no_store(Json(out).into_response()))
}

#[utoipa::path(get, path = "/v1/offices/{id}/tickets/{number}/eta/stream", tag = "live",
    params(("id" = String, Path, description = "Office id"), ("number" = String, Path, description = "Ticket number"), EtaQuery),
    responses((status = 200, description = "Server-sent events: `eta` events carrying an EtaResponse, one now and one after every change of the queue, until the ticket is called or cancelled", content_type = "text/event-stream", body = EtaResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn eta_stream(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, String)>,
    Query(q): Query<EtaQuery>,
) -> Result<Response, ApiError> {
    let office = live_office(&s, &id)?;
    let notice = notice(&q)?;
    let first = eta_now(&s, &office, &number, notice)?;
    let keep_alive = Duration::from_secs(s.cfg.serve.sse_keepalive_seconds);
    let stream = EtaStream {
        changes: office.subscribe(),
        model: s.model_changed.subscribe(),
        shutdown: s.shutdown.clone(),
        state: s,
        office,
        ticket: number,
        notice,
        next: Some(Ok(first)),
    };
    let sse = Sse::new(futures_util::stream::unfold(stream, EtaStream::step))
        .keep_alive(KeepAlive::new().interval(keep_alive));
    Ok(no_store(sse.into_response()))
}

/// State of one ETA stream.
struct EtaStream {
    state: AppState,
    office: Arc<OfficeLive>,
    ticket: String,
    notice: Option<f64>,
    changes: watch::Receiver<u64>,
    model: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
    /// What to send next; `None` once the stream is to wait for a change.
    next: Option<Result<EtaResponse, ApiError>>,
}

impl EtaStream {
    /// Sends the pending ETA, or waits for a change of the queue or the model and computes
    /// a new one; ends after a final status, an error, or at shutdown.
    async fn step(mut self) -> Option<(Result<Event, Infallible>, EtaStream)> {
        if self.next.is_none() {
            if *self.shutdown.borrow() {
                return None;
            }
            tokio::select! {
                r = self.changes.changed() => r.ok()?,
                r = self.model.changed() => r.ok()?,
                _ = self.shutdown.changed() => return None,
            }
            self.next = Some(eta_now(&self.state, &self.office, &self.ticket, self.notice));
        }
        let event = match self.next.take()? {
            Ok(e) => {
                let last = e.status != TicketStatus::Waiting;
                let event = Event::default().event("eta").json_data(&e).unwrap_or_default();
                if last {
                    // Sent once more, then the stream ends (no further changes matter).
                    self.shutdown = watch::channel(true).1;
                }
                event
            }
            Err(e) => {
                let problem: Problem = e.problem();
                self.shutdown = watch::channel(true).1;
                Event::default().event("problem").json_data(&problem).unwrap_or_default()
            }
        };
        Some((Ok(event), self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_one_event_or_a_bounded_array_and_errors_name_the_event() {
        let one = br#"{"kind":"cancelled","ticket":"A1","at":"2025-03-03T08:00:00+01:00"}"#;
        assert_eq!(parse_events(one, 2).unwrap().len(), 1);
        let two = format!("[{},{}]", String::from_utf8_lossy(one), String::from_utf8_lossy(one));
        assert_eq!(parse_events(two.as_bytes(), 2).unwrap().len(), 2);
        let three = format!("[{0},{0},{0}]", String::from_utf8_lossy(one));
        assert!(
            matches!(parse_events(three.as_bytes(), 2), Err(ApiError::PayloadTooLarge(m)) if m.contains("3 events"))
        );
        assert!(matches!(parse_events(b"[]", 2), Err(ApiError::Unprocessable(_))));
        assert!(matches!(parse_events(b"{\"kind\"", 2), Err(ApiError::BadRequest(_))));
        let bad = format!("[{},{{\"kind\":\"called\",\"ticket\":\"A1\"}}]", String::from_utf8_lossy(one));
        match parse_events(bad.as_bytes(), 2) {
            Err(ApiError::Unprocessable(m)) => assert!(m.starts_with("event 1:") && m.contains("at"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
