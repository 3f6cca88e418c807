//! The handlers of health and of the exported data: straight from the current generation,
//! with `ETag` and `Cache-Control` (the live routes are in `live_routes`, the router in
//! `router`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::export::office::{BestDoc, OpeningDay, WeekdayBestDoc};
use crate::forecast::Level;
use crate::serve::cache::Cached;
use crate::serve::generation::{GenerationData, OfficeData};
use crate::serve::now::slot_now;
use crate::serve::problem::{ApiError, Problem};
use crate::serve::state::{AppState, ModelInfo};
use crate::time::MS_PER_SECOND;
use crate::timezones::format_rfc3339;

/// `GET /healthz`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves.
    pub status: String,
}

/// `GET /readyz`: what is loaded, and how old it is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ready {
    /// A generation and a model are loaded.
    pub ready: bool,
    pub generation: Option<GenerationStatus>,
    pub model: Option<ModelStatus>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GenerationStatus {
    pub id: String,
    pub created_at: String,
    /// Seconds since `created_at`.
    pub age_seconds: i64,
    pub data_until: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModelStatus {
    pub info: ModelInfo,
    /// Seconds since the model file was written.
    pub age_seconds: i64,
}

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "A generation and a model are loaded", body = Ready),
    (status = 503, description = "Not ready yet", body = Ready)))]
pub async fn readyz(State(s): State<AppState>) -> Response {
    let now = s.now();
    let generation = s.generation.load_full().map(|g| GenerationStatus {
        id: g.id.clone(),
        created_at: g.created_at.clone(),
        age_seconds: (now - g.created_ms) / MS_PER_SECOND,
        data_until: g.data_until.clone(),
    });
    let model = s.model.load_full().map(|m| {
        let written =
            m.stamp.modified.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        ModelStatus { info: m.info.clone(), age_seconds: (now - written) / MS_PER_SECOND }
    });
    let ready = generation.is_some() && model.is_some();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut r = (status, Json(Ready { ready, generation, model })).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /v1/offices`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficesResponse {
    pub generation: String,
    pub offices: Vec<OfficeSummary>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeSummary {
    pub id: String,
    /// Public name (`[offices.<id>] name`; the id when none is set).
    pub name: String,
    pub address: Option<String>,
    pub opening_hours: Vec<OpeningDay>,
    pub freshness: Freshness,
    /// Whether the current slot is open in today's forecast (null: no forecast for today).
    pub open_now: Option<bool>,
    /// The forecast's load level of the current 15-minute slot.
    pub level_now: Option<Level>,
}

/// How current the data is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Freshness {
    pub generation: String,
    pub generated_at: String,
    /// Last day of ticket data behind the forecasts.
    pub data_until: String,
    /// Newest live event today, if the office's ticket system is connected.
    pub last_event_at: Option<String>,
}

pub(crate) fn current(s: &AppState) -> Result<std::sync::Arc<GenerationData>, ApiError> {
    s.generation.load_full().ok_or_else(|| ApiError::Unavailable("no export generation is loaded".into()))
}

fn office_of<'a>(g: &'a GenerationData, id: &str) -> Result<&'a OfficeData, ApiError> {
    g.offices
        .get(id)
        .ok_or_else(|| ApiError::NotFound(format!("office {id:?} is not in export generation {}", g.id)))
}

#[utoipa::path(get, path = "/v1/offices", tag = "offices", responses(
    (status = 200, body = OfficesResponse), (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn offices(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let g = current(&s)?;
    let (now, today, tz) = (s.now(), s.today(), s.cfg.tz);
    let offices = g
        .offices
        .iter()
        .map(|(id, o)| {
            let settings = s.cfg.offices.get(id);
            let slot = slot_now(Some(o), now, tz);
            let last = s.office(id).and_then(|l| l.view(today).last_event);
            OfficeSummary {
                id: id.clone(),
                name: settings
                    .and_then(|o| o.name.clone())
                    .or_else(|| o.file.name.clone())
                    .unwrap_or_else(|| id.clone()),
                address: settings.and_then(|o| o.address.clone()).or_else(|| o.file.address.clone()),
                opening_hours: o.file.opening_hours.clone(),
                freshness: Freshness {
                    generation: g.id.clone(),
                    generated_at: g.created_at.clone(),
                    data_until: g.data_until.clone(),
                    last_event_at: last.map(|t| format_rfc3339(t, tz)),
                },
                open_now: slot.map(|s| s.0),
                level_now: slot.and_then(|s| s.1),
            }
        })
        .collect();
    let body = Cached::json(&OfficesResponse { generation: g.id.clone(), offices });
    Ok(body.respond(&headers, &HeaderValue::from_static("no-cache")))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ForecastQuery {
    /// Local date YYYY-MM-DD (default: today).
    pub date: Option<String>,
}

#[utoipa::path(get, path = "/v1/offices/{id}/forecast", tag = "offices",
    params(("id" = String, Path, description = "Office id"), ForecastQuery),
    responses((status = 200, body = crate::serve::generation::ForecastResponse),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn forecast(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ForecastQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let date = match q.date.as_deref() {
        Some(d) => d
            .parse::<NaiveDate>()
            .map_err(|_| ApiError::BadRequest(format!("date {d:?}: expected YYYY-MM-DD")))?,
        None => s.today(),
    };
    let g = current(&s)?;
    let office = office_of(&g, &id)?;
    let cached = office.forecast.get(&date).ok_or_else(|| {
        let range = match (office.forecast.keys().next(), office.forecast.keys().next_back()) {
            (Some(a), Some(b)) => format!("{a} … {b}"),
            _ => "no days".to_string(),
        };
        ApiError::NotFound(format!(
            "no forecast of office {id} for {date} (generation {} covers {range})",
            g.id
        ))
    })?;
    Ok(cached.respond(&headers, &s.cache_control))
}

#[utoipa::path(get, path = "/v1/offices/{id}/profile", tag = "offices",
    params(("id" = String, Path, description = "Office id")),
    responses((status = 200, body = crate::serve::generation::ProfileResponse),
        (status = 304, description = "Not modified"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn profile(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let g = current(&s)?;
    Ok(office_of(&g, &id)?.profile.respond(&headers, &s.cache_control))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct BestTimesQuery {
    /// Days from today, 1–31 (default 7).
    pub days: Option<u32>,
}

/// `GET /v1/offices/{id}/best-times`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BestTimesResponse {
    pub office_id: String,
    pub generation: String,
    /// The forecast days from today on (as many as the export covers, at most `days`).
    pub days: Vec<DayBest>,
    /// Per weekday over the whole forecast horizon.
    pub by_weekday: Vec<WeekdayBestDoc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayBest {
    pub date: NaiveDate,
    pub weekday: u32,
    pub open: bool,
    pub best_times: Vec<BestDoc>,
}

#[utoipa::path(get, path = "/v1/offices/{id}/best-times", tag = "offices",
    params(("id" = String, Path, description = "Office id"), BestTimesQuery),
    responses((status = 200, body = BestTimesResponse), (status = 304, description = "Not modified"),
        (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn best_times(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<BestTimesQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let days = q.days.unwrap_or(7);
    if !(1..=31).contains(&days) {
        return Err(ApiError::BadRequest(format!("days = {days}: expected 1 to 31")));
    }
    let g = current(&s)?;
    let office = office_of(&g, &id)?;
    let today = s.today();
    let list = office
        .file
        .days
        .iter()
        .filter(|d| d.date >= today)
        .take(days as usize)
        .map(|d| DayBest { date: d.date, weekday: d.weekday, open: d.open, best_times: d.best_times.clone() })
        .collect();
    let body = Cached::json(&BestTimesResponse {
        office_id: id,
        generation: g.id.clone(),
        days: list,
        by_weekday: office.file.best_times_by_weekday.clone(),
    });
    Ok(body.respond(&headers, &s.cache_control))
}

#[utoipa::path(get, path = "/v1/services", tag = "services",
    responses((status = 200, body = crate::serve::generation::ServicesResponse), (status = 304, description = "Not modified")))]
pub async fn services(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    Ok(current(&s)?.services.respond(&headers, &s.cache_control))
}

#[utoipa::path(get, path = "/v1/services/{code}", tag = "services",
    params(("code" = String, Path, description = "Service code, e.g. PA")),
    responses((status = 200, body = crate::export::services::ServiceDoc), (status = 304, description = "Not modified"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn service(
    State(s): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let g = current(&s)?;
    let cached = g.service_by_code.get(&code).ok_or_else(|| {
        ApiError::NotFound(format!("service {code:?} is not in the catalog of generation {}", g.id))
    })?;
    Ok(cached.respond(&headers, &s.cache_control))
}
