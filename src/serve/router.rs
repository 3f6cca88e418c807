//! The router: every route of the API (health and exported data from `routes`, the live
//! routes, `/openapi.json`) and the layers every request passes (CORS, access log, problem
//! details, timeout, body limit).

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::routing::{get, post};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnRequest, MakeSpan, OnResponse, TraceLayer};

use crate::serve::cache::Cached;
use crate::serve::problem::{ApiError, ensure_problem};
use crate::serve::routes::{best_times, forecast, healthz, offices, profile, readyz, service, services};
use crate::serve::state::AppState;
use crate::serve::{live_routes, openapi};

/// Every route of the API, with its layers. The web app (static files, another issue) is
/// to be served at `/` by replacing the fallback with its router: `.fallback_service(web)`.
pub fn router(state: AppState) -> Router {
    let serve = &state.cfg.serve;
    let limit = serve.body_limit_bytes;
    let timeout = Duration::from_secs(serve.request_timeout_seconds);
    let openapi = Cached::from_bytes(openapi::document().into_bytes());
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/openapi.json",
            get(
                move |h: HeaderMap| async move { openapi.respond(&h, &HeaderValue::from_static("no-cache")) },
            ),
        )
        .route("/v1/offices", get(offices))
        .route("/v1/offices/{id}/forecast", get(forecast))
        .route("/v1/offices/{id}/profile", get(profile))
        .route("/v1/offices/{id}/best-times", get(best_times))
        .route("/v1/services", get(services))
        .route("/v1/services/{code}", get(service))
        .route("/v1/offices/{id}/events", post(live_routes::post_events))
        .route("/v1/offices/{id}/now", get(live_routes::now))
        .route("/v1/offices/{id}/tickets/{number}/eta", get(live_routes::eta))
        .route("/v1/offices/{id}/tickets/{number}/eta/stream", get(live_routes::eta_stream))
        .fallback(|| async { ApiError::NotFound("no such resource".into()) })
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(axum::middleware::map_response(ensure_problem))
        .layer(access_log());
    if !serve.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> =
            serve.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_NONE_MATCH])
                .expose_headers([header::ETAG]),
        );
    }
    app.with_state(state)
}

/// Access log at info level: method, route template (never the path itself, which holds
/// ticket numbers), status and latency.
fn access_log()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RouteSpan, DefaultOnRequest, LogResponse> {
    TraceLayer::new_for_http().make_span_with(RouteSpan).on_response(LogResponse)
}

/// The span of a request: method and route template.
#[derive(Debug, Clone, Copy)]
struct RouteSpan;

impl<B> MakeSpan<B> for RouteSpan {
    fn make_span(&mut self, req: &Request<B>) -> tracing::Span {
        let route = req.extensions().get::<MatchedPath>().map_or("(unmatched)", |p| p.as_str());
        tracing::info_span!("request", method = %req.method(), route = %route)
    }
}

/// The access-log line of a response.
#[derive(Debug, Clone, Copy)]
struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, res: &axum::http::Response<B>, latency: Duration, _span: &tracing::Span) {
        tracing::info!(status = res.status().as_u16(), latency_us = latency.as_micros() as u64, "served");
    }
}
