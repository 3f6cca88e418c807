//! Errors of the serve stage that stop a start or a reload (request errors are
//! [`super::problem::ApiError`]); each names the file concerned and keeps its cause as the
//! source.

use std::path::PathBuf;

use crate::export::ExportError;
use crate::model::file::ModelFileError;
use crate::timezones::TimeError;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("no current export generation at {path}")]
    NoCurrent { path: PathBuf, source: std::io::Error },
    #[error("export generation {dir}")]
    Verify { dir: PathBuf, source: ExportError },
    #[error("export generation {dir} fails verification, refused: {}", problems.join("; "))]
    Refused { dir: PathBuf, problems: Vec<String> },
    #[error("cannot read export file {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("export file {path}")]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("export file {path}: schema_version {found}; this server reads version {known}")]
    SchemaVersion { path: PathBuf, found: u32, known: u32 },
    #[error("export file {path}: office_id {office_id:?} differs from the file name")]
    OfficeId { path: PathBuf, office_id: String },
    #[error("export manifest {path}: created_at")]
    CreatedAt { path: PathBuf, source: TimeError },
    #[error("cannot read model file {path}")]
    ModelRead { path: PathBuf, source: std::io::Error },
    #[error("model file {path} changed while it was read; trying again later")]
    ModelChanged { path: PathBuf },
    #[error(transparent)]
    Model(#[from] ModelFileError),
    #[error("day log {path}")]
    DayLog { path: PathBuf, source: std::io::Error },
    #[error("day log {path}, line {line}")]
    DayLogLine { path: PathBuf, line: usize, source: serde_json::Error },
    #[error("day log {path}: an event cannot be encoded")]
    DayLogEncode { path: PathBuf, source: serde_json::Error },
    #[error("the live state of {what} is poisoned (a thread panicked while changing it)")]
    Poisoned { what: &'static str },
    #[error("cannot listen on {addr}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("server runtime")]
    Runtime(#[from] std::io::Error),
    #[error("a server task failed")]
    Task(#[from] tokio::task::JoinError),
}

/// Attaches the day-log path to an I/O error.
pub(crate) fn day_log_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ServeError {
    let path = path.into();
    move |source| ServeError::DayLog { path, source }
}
