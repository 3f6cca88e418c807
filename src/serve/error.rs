//! Errors of the serve stage that stop a start or a reload (request errors are
//! [`super::problem::ApiError`]); each names the file or setting concerned.

use std::path::PathBuf;

use crate::export::ExportError;
use crate::model::file::ModelFileError;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("export generation {dir} fails verification, refused: {}", problems.join("; "))]
    Refused { dir: PathBuf, problems: Vec<String> },
    #[error("export file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error(transparent)]
    Model(#[from] ModelFileError),
    #[error("day log {path}: {cause}")]
    DayLog { path: PathBuf, cause: std::io::Error },
    #[error("day log {path}, line {line}: {message}")]
    DayLogLine { path: PathBuf, line: usize, message: String },
    #[error("setting {field}: {message}")]
    Setting { field: &'static str, message: String },
    #[error("cannot listen on {addr}: {cause}")]
    Bind { addr: String, cause: std::io::Error },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Attaches the day-log path to an I/O error.
pub(crate) fn day_log_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ServeError {
    let path = path.into();
    move |cause| ServeError::DayLog { path, cause }
}
