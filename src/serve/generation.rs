//! One export generation loaded for serving: verified against its manifest, its app files
//! parsed into typed values, and the responses that never change while it is current
//! (forecast days, profiles, services) serialized once with their entity tags.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::export::{ExportManifest, MANIFEST, verify};
use crate::schema::EpochMs;
use crate::serve::cache::Cached;
use crate::serve::error::ServeError;
use crate::serve::types::{
    ForecastDay, OFFICE_SCHEMA_VERSION, OfficeFile, Profile, SERVICES_SCHEMA_VERSION, Service, ServicesFile,
};
use crate::timezones::parse_rfc3339;

/// `GET /v1/offices/{id}/forecast`: one forecast day of an office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastResponse {
    pub office_id: String,
    /// Export generation the day comes from.
    pub generation: String,
    pub day: ForecastDay,
}

/// `GET /v1/offices/{id}/profile`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileResponse {
    pub office_id: String,
    pub generation: String,
    pub profile: Profile,
}

/// `GET /v1/services`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServicesResponse {
    pub generation: String,
    pub services: Vec<Service>,
}

/// An office of the generation with its prepared responses.
#[derive(Debug, Clone)]
pub struct OfficeData {
    pub file: OfficeFile,
    pub profile: Cached,
    /// Forecast responses by local date.
    pub forecast: BTreeMap<NaiveDate, Cached>,
}

impl OfficeData {
    /// The forecast day of `date`, if the horizon has it.
    pub fn day(&self, date: NaiveDate) -> Option<&ForecastDay> {
        let text = date.to_string();
        self.file.days.iter().find(|d| d.date == text)
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
    std::fs::canonicalize(&current).map_err(|e| ServeError::File {
        path: current,
        message: format!("no current export generation ({e})"),
    })
}

/// Verifies the generation in `dir` (as `queuecast verify-export` does) and loads it; a
/// generation with a changed, missing or unlisted file is refused.
pub fn load_generation(dir: &Path) -> Result<GenerationData, ServeError> {
    let report = verify(dir)?;
    if !report.is_ok() {
        return Err(ServeError::Refused { dir: dir.to_path_buf(), problems: report.problems() });
    }
    let manifest = ExportManifest::load(&dir.join(MANIFEST))?;
    let id = manifest.generation.clone();
    let created_ms = parse_rfc3339(&manifest.created_at)
        .map_err(|e| ServeError::File { path: dir.join(MANIFEST), message: format!("created_at: {e}") })?;
    let services_path = dir.join("services.json");
    let services: ServicesFile = read_json(&services_path)?;
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
        let file: OfficeFile = read_json(&path)?;
        if file.schema_version != OFFICE_SCHEMA_VERSION {
            return Err(version_error(&path, file.schema_version, OFFICE_SCHEMA_VERSION));
        }
        if file.office_id != name {
            let message = format!("office_id {:?} differs from the file name", file.office_id);
            return Err(ServeError::File { path, message });
        }
        offices.insert(name.to_string(), office_data(file, &id, &path)?);
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

fn office_data(file: OfficeFile, generation: &str, path: &Path) -> Result<OfficeData, ServeError> {
    let mut forecast = BTreeMap::new();
    for day in &file.days {
        let date: NaiveDate = day.date.parse().map_err(|e| ServeError::File {
            path: path.to_path_buf(),
            message: format!("days: date {:?}: {e}", day.date),
        })?;
        let response = ForecastResponse {
            office_id: file.office_id.clone(),
            generation: generation.to_string(),
            day: day.clone(),
        };
        forecast.insert(date, Cached::json(&response));
    }
    let profile = Cached::json(&ProfileResponse {
        office_id: file.office_id.clone(),
        generation: generation.to_string(),
        profile: file.profile.clone(),
    });
    Ok(OfficeData { file, profile, forecast })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ServeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ServeError::File { path: path.to_path_buf(), message: e.to_string() })?;
    serde_json::from_str(&text)
        .map_err(|e| ServeError::File { path: path.to_path_buf(), message: e.to_string() })
}

fn version_error(path: &Path, found: u32, known: u32) -> ServeError {
    ServeError::File {
        path: path.to_path_buf(),
        message: format!("schema_version {found}; this server reads version {known}"),
    }
}
