//! One export generation loaded for serving: verified against its manifest, its app files
//! parsed into the export's own document types ([`OfficeDoc`], [`ServicesDoc`]: one definition
//! of each file's shape), and the responses that never change while it is current (forecast
//! days, profiles, services) serialized once with their entity tags.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::export::office::{DayDoc, OFFICE_SCHEMA_VERSION, OfficeDoc, ProfileDoc};
use crate::export::services::{SERVICES_SCHEMA_VERSION, ServiceDoc, ServicesDoc};
use crate::export::{ExportManifest, MANIFEST, verify};
use crate::serve::cache::Cached;
use crate::serve::error::ServeError;
use crate::time::EpochMs;
use crate::timezones::parse_rfc3339;

/// `GET /v1/offices/{id}/forecast`: one forecast day of an office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastResponse {
    pub office_id: String,
    /// Export generation the day comes from.
    pub generation: String,
    pub day: DayDoc,
}

/// `GET /v1/offices/{id}/profile`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileResponse {
    pub office_id: String,
    pub generation: String,
    pub profile: ProfileDoc,
}

/// `GET /v1/services`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServicesResponse {
    pub generation: String,
    pub services: Vec<ServiceDoc>,
}

/// An office of the generation with its prepared responses.
#[derive(Debug, Clone)]
pub struct OfficeData {
    pub file: OfficeDoc,
    pub profile: Cached,
    /// Forecast responses by local date.
    pub forecast: BTreeMap<NaiveDate, Cached>,
}

impl OfficeData {
    /// The forecast day of `date`, if the horizon has it.
    pub fn day(&self, date: NaiveDate) -> Option<&DayDoc> {
        self.file.day(date)
    }
}

/// A generation ready to serve.
#[derive(Debug, Clone)]
pub struct GenerationData {
    pub id: String,
    /// The generation directory it was read from (`OUT/generations/<id>`).
    pub dir: PathBuf,
    /// `created_at` of the manifest (RFC 3339) and as an instant.
    pub created_at: String,
    pub created_ms: EpochMs,
    /// Last local date of the data the export was computed from.
    pub data_until: String,
    pub offices: BTreeMap<String, OfficeData>,
    pub services: Cached,
    pub service_by_code: HashMap<String, Cached>,
}

/// The generation directory `current` points to under the export directory `exports`.
pub fn current_dir(exports: &Path) -> Result<PathBuf, ServeError> {
    let current = exports.join(crate::export::CURRENT);
    std::fs::canonicalize(&current).map_err(|source| ServeError::NoCurrent { path: current, source })
}

/// Verifies the generation in `dir` (as `queuecast verify-export` does) and loads it; a
/// generation with a changed, missing or unlisted file is refused.
pub fn load_generation(dir: &Path) -> Result<GenerationData, ServeError> {
    let verify_err = |source| ServeError::Verify { dir: dir.to_path_buf(), source };
    let report = verify(dir).map_err(verify_err)?;
    if !report.is_ok() {
        return Err(ServeError::Refused { dir: dir.to_path_buf(), problems: report.problems() });
    }
    let manifest = ExportManifest::load(&dir.join(MANIFEST)).map_err(verify_err)?;
    let id = manifest.generation.clone();
    let created_ms = parse_rfc3339(&manifest.created_at)
        .map_err(|source| ServeError::CreatedAt { path: dir.join(MANIFEST), source })?;
    let services_path = dir.join("services.json");
    let services: ServicesDoc = read_json(&services_path)?;
    if services.schema_version != SERVICES_SCHEMA_VERSION {
        return Err(version_error(&services_path, services.schema_version, SERVICES_SCHEMA_VERSION));
    }
    let service_by_code = services.services.iter().map(|s| (s.code.clone(), Cached::json(s))).collect();
    let services = Cached::json(&ServicesResponse { generation: id.clone(), services: services.services });
    let mut offices = BTreeMap::new();
    for entry in &manifest.files {
        let Some(name) = entry.path.strip_prefix("offices/").and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        let path = dir.join(&entry.path);
        let file: OfficeDoc = read_json(&path)?;
        if file.schema_version != OFFICE_SCHEMA_VERSION {
            return Err(version_error(&path, file.schema_version, OFFICE_SCHEMA_VERSION));
        }
        if file.office_id != name {
            return Err(ServeError::OfficeId { path, office_id: file.office_id });
        }
        offices.insert(name.to_string(), office_data(file, &id));
    }
    Ok(GenerationData {
        id,
        dir: dir.to_path_buf(),
        created_at: manifest.created_at,
        created_ms,
        data_until: manifest.source.to.to_string(),
        offices,
        services,
        service_by_code,
    })
}

fn office_data(file: OfficeDoc, generation: &str) -> OfficeData {
    let forecast = file
        .days
        .iter()
        .map(|day| {
            let response = ForecastResponse {
                office_id: file.office_id.clone(),
                generation: generation.to_string(),
                day: day.clone(),
            };
            (day.date, Cached::json(&response))
        })
        .collect();
    let profile = Cached::json(&ProfileResponse {
        office_id: file.office_id.clone(),
        generation: generation.to_string(),
        profile: file.profile.clone(),
    });
    OfficeData { file, profile, forecast }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ServeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ServeError::Read { path: path.to_path_buf(), source })?;
    serde_json::from_str(&text).map_err(|source| ServeError::Json { path: path.to_path_buf(), source })
}

fn version_error(path: &Path, found: u32, known: u32) -> ServeError {
    ServeError::SchemaVersion { path: path.to_path_buf(), found, known }
}
