//! The push routes: the VAPID public key the app subscribes with, and a ticket's push
//! subscriptions (register, end).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::serve::eta::{TicketStatus, eta};
use crate::serve::problem::{ApiError, Problem};
use crate::serve::push::hub::SubscribeRequest;
use crate::serve::state::AppState;

/// `GET /v1/push/key`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PushKeyResponse {
    /// The VAPID public key (base64url, 65 bytes): the `applicationServerKey` to subscribe
    /// with; null when this server sends no Web Push.
    pub public_key: Option<String>,
}

/// Answer of a subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscribedResponse {
    pub office_id: String,
    pub ticket: String,
    pub notify_before: f64,
    /// The subscription ends with this day (or with the call).
    pub date: String,
}

/// Body of `DELETE`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeRequest {
    pub endpoint: String,
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[utoipa::path(get, path = "/v1/push/key", tag = "push", responses((status = 200, body = PushKeyResponse)))]
pub async fn push_key(State(s): State<AppState>) -> Response {
    no_store(Json(PushKeyResponse { public_key: s.push.public_key().map(String::from) }).into_response())
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("request body is not JSON: {e}")))?;
    serde_json::from_value(value).map_err(|e| ApiError::Unprocessable(e.to_string()))
}

#[utoipa::path(post, path = "/v1/offices/{id}/tickets/{number}/push", tag = "push",
    params(("id" = String, Path, description = "Office id"), ("number" = String, Path, description = "Ticket number")),
    request_body(content = SubscribeRequest, description = "The browser's push subscription and the notice"),
    responses((status = 201, body = SubscribedResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown office or ticket, or no Web Push on this server", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Ticket already called or cancelled, or an endpoint at no known push service", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn subscribe(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if s.push.public_key().is_none() {
        return Err(ApiError::NotFound(
            "this server sends no Web Push ([serve.push] vapid_private_key_file is not set)".into(),
        ));
    }
    let request: SubscribeRequest = parse(&body)?;
    let notice = request.notify_before.unwrap_or(10.0);
    if !(0.0..=240.0).contains(&notice) {
        return Err(ApiError::BadRequest(format!("notify_before = {notice}: expected 0 to 240 minutes")));
    }
    let office = s
        .office(&id)
        .ok_or_else(|| ApiError::NotFound(format!("office {id:?} is not known to this server")))?;
    let (now, today, tz) = (s.now(), s.today(), s.cfg.tz);
    let day = office.view(today);
    // Status only: the model is not needed to know whether the ticket still waits.
    let status = match eta(&day, &number, now, tz, None, Some(notice)) {
        Ok(e) => e.status,
        Err(ApiError::Unavailable(_)) => TicketStatus::Waiting,
        Err(e) => return Err(e),
    };
    if status != TicketStatus::Waiting {
        return Err(ApiError::Unprocessable(format!(
            "ticket {number} is {} already: no reminder will come",
            if status == TicketStatus::Called { "called" } else { "cancelled" }
        )));
    }
    s.push.subscribe(&id, &number, today, &request, notice)?;
    let answer =
        SubscribedResponse { office_id: id, ticket: number, notify_before: notice, date: today.to_string() };
    Ok(no_store((StatusCode::CREATED, Json(answer)).into_response()))
}

#[utoipa::path(delete, path = "/v1/offices/{id}/tickets/{number}/push", tag = "push",
    params(("id" = String, Path, description = "Office id"), ("number" = String, Path, description = "Ticket number")),
    request_body(content = UnsubscribeRequest),
    responses((status = 204, description = "The subscription ended"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn unsubscribe(
    State(s): State<AppState>,
    Path((id, number)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: UnsubscribeRequest = parse(&body)?;
    if s.push.unsubscribe(&id, &number, &request.endpoint) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::NotFound(format!("no push subscription of this endpoint for ticket {number} at {id}")))
    }
}
