//! `/openapi.json`: the OpenAPI 3.1 document generated from the handlers and types
//! (utoipa), so the description cannot drift from the code; `tests/serve.rs` checks real
//! responses against it.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::serve::{live_routes, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "queuecast API",
        description = "Forecasts and live waits of citizens' offices. Errors are RFC 9457 problem details (application/problem+json). Only aggregates and a ticket's own ETA of today are served."
    ),
    paths(
        routes::healthz,
        routes::readyz,
        routes::offices,
        routes::forecast,
        routes::profile,
        routes::best_times,
        routes::services,
        routes::service,
        live_routes::post_events,
        live_routes::now,
        live_routes::eta,
        live_routes::eta_stream,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "offices", description = "Exported forecasts, profiles and best times (cached, ETag)"),
        (name = "services", description = "The service catalog"),
        (name = "live", description = "Live events, the office now, a ticket's ETA")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The document as JSON text.
pub fn document() -> String {
    ApiDoc::openapi().to_json().unwrap_or_else(|_| "{}".to_string())
}
