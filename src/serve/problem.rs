//! RFC 9457 problem details: every error response of the API is `application/problem+json`
//! with a `type`, a `title`, the `status` and a `detail` that names the bad value.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem document (RFC 9457).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// URI naming the kind of problem, e.g. `urn:queuecast:problem:impossible-event`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem (the same for every occurrence).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, naming the value.
    pub detail: String,
    /// The events of a batch that could not be applied (422 of the events endpoint only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<EventProblem>>,
}

/// One rejected event of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventProblem {
    /// Position of the event in the batch (0 for a single event).
    pub index: usize,
    /// Why, as a code: e.g. `called_before_issued`, `conflicting_duplicate`, `not_today`.
    pub reason: String,
    pub detail: String,
}

/// An error of a handler, turned into a problem response.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{} event(s) of the batch cannot be applied; nothing was changed", .0.len())]
    ImpossibleEvents(Vec<EventProblem>),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) | ApiError::ImpossibleEvents(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        let kind = match self {
            ApiError::ImpossibleEvents(_) => "impossible-event",
            ApiError::Unprocessable(_) => "unprocessable",
            _ => slug(status),
        };
        let errors = match self {
            ApiError::ImpossibleEvents(e) => Some(e.clone()),
            _ => None,
        };
        Problem {
            kind: format!("urn:queuecast:problem:{kind}"),
            title: title(status).to_string(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = problem_response(&self.problem());
        if matches!(self, ApiError::Unauthorized(_)) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"queuecast\""));
        }
        response
    }
}

/// The response carrying `p`.
pub fn problem_response(p: &Problem) -> Response {
    let body = serde_json::to_vec(p).unwrap_or_else(|_| b"{}".to_vec());
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn slug(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        404 => "not-found",
        405 => "method-not-allowed",
        408 => "timeout",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        422 => "unprocessable",
        503 => "unavailable",
        _ => "error",
    }
}

fn title(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

/// Middleware: an error response that is not yet a problem document (a rejection by axum's
/// extractors, the body limit, the timeout, an unknown route or method) becomes one, keeping
/// the original message as the detail.
pub async fn ensure_problem(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let detail = match (status.as_u16(), text.is_empty()) {
        (404, true) => "no such resource".to_string(),
        (405, true) => "method not allowed for this resource".to_string(),
        (408 | 503, true) => "the request took too long".to_string(),
        (413, _) => format!("the request body is larger than the limit ({text})"),
        (_, true) => title(status).to_string(),
        (_, false) => text,
    };
    let problem = Problem {
        kind: format!("urn:queuecast:problem:{}", slug(status)),
        title: title(status).to_string(),
        status: status.as_u16(),
        detail,
        errors: None,
    };
    let mut out = problem_response(&problem);
    for (name, value) in parts.headers.iter() {
        if name == header::ALLOW || name.as_str().starts_with("access-control-") || name == header::VARY {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_carry_status_type_and_the_batch_errors() {
        let e = ApiError::ImpossibleEvents(vec![EventProblem {
            index: 2,
            reason: "called_before_issued".into(),
            detail: "called 08:00 before issued 08:05".into(),
        }]);
        let p = e.problem();
        assert_eq!((p.status, p.kind.as_str()), (422, "urn:queuecast:problem:impossible-event"));
        assert_eq!(p.errors.as_ref().map(Vec::len), Some(1));
        assert!(p.detail.starts_with("1 event(s)"), "{}", p.detail);
        let json = serde_json::to_value(ApiError::NotFound("no office x".into()).problem()).unwrap();
        assert_eq!(json["type"], "urn:queuecast:problem:not-found");
        assert_eq!(json["title"], "Not Found");
        assert!(json.get("errors").is_none());
    }
}
