//! The inbox and ingest steps: every new file read with its rule's format, ingested once (the
//! store's manifest records each content hash), then moved to `processed/`; a file that cannot
//! be read at all goes to `failed/` with its reason, and the run goes on.

use std::path::Path;

use serde::Serialize;

use crate::hashing::sha256_file;
use crate::ingest::{IngestError, InputFormat};
use crate::nightly::{Inbox, NightlyError, NightlyParams, Observer, Step};
use crate::settings::ValidSettings;
use crate::store::Store;
use crate::store::manifest::Manifest;

/// What happened to one inbox file.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub file: String,
    pub status: FileStatus,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FileStatus {
    Ingested {
        read: u64,
        stored: u64,
        duplicates: u64,
        quarantined: u64,
        over_threshold: bool,
    },
    /// Its content was ingested before (by this run's killed predecessor, or as another name).
    AlreadyIngested,
    /// Could not be read at all; moved to `failed/` with this reason.
    Failed {
        reason: String,
    },
    /// Dry run: would be ingested with this format.
    WouldIngest {
        format: String,
    },
}

/// Ingests the pending inbox files in name order.
pub fn run(
    settings: &ValidSettings,
    params: &NightlyParams,
    store: &Store,
    observer: &dyn Observer,
) -> Result<Vec<FileOutcome>, NightlyError> {
    let fail =
        |e: Box<dyn std::error::Error + Send + Sync>| NightlyError::Step { step: Step::Ingest, source: e };
    let inbox = Inbox::new(&params.inbox, settings.nightly.rules.clone(), &settings.nightly.ignore)
        .map_err(|e| fail(e.into()))?;
    // Every rule's format and mapping is checked before the first file is touched.
    let formats: Vec<InputFormat> = inbox
        .rules
        .iter()
        .map(|r| {
            let format = (r.format != "canonical").then_some(r.format.as_str());
            InputFormat::from_cli(format, r.mapping.as_deref(), settings)
        })
        .collect::<Result<_, _>>()
        .map_err(|e| fail(e.into()))?;
    let pending = inbox.pending().map_err(|e| fail(e.into()))?;
    observer.step(Step::Ingest, true, pending.len() as u64);
    let mut outcomes = Vec::new();
    for p in pending {
        let name = p.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let status = match p.rule {
            None => reject(&inbox, params, &p.path, "no [[nightly.rules]] pattern matches this file name")?,
            Some(r) if params.dry_run => FileStatus::WouldIngest { format: inbox.rules[r].format.clone() },
            Some(r) => {
                let status = ingest_one(settings, store, &p.path, &formats[r])?;
                match &status {
                    FileStatus::Failed { reason } => reject(&inbox, params, &p.path, reason)?,
                    _ => {
                        crate::checkpoint::reached("nightly:file-ingested");
                        if !(params.keep_inbox || inbox.rules[r].keep) {
                            inbox.mark_processed(&p.path).map_err(|e| fail(e.into()))?;
                        }
                        status
                    }
                }
            }
        };
        tracing::info!(file = %name, ?status, "inbox file");
        observer.advance(&name);
        outcomes.push(FileOutcome { file: name, status });
    }
    observer.step(Step::Ingest, false, 0);
    Ok(outcomes)
}

/// Moves an unreadable file to `failed/` (unless the inbox is kept) and says why.
fn reject(
    inbox: &Inbox,
    params: &NightlyParams,
    path: &Path,
    reason: &str,
) -> Result<FileStatus, NightlyError> {
    let kept = params.dry_run || params.keep_inbox;
    let whither = if kept { "left in place" } else { "moved to failed/" };
    tracing::warn!(file = %path.display(), reason, "inbox file cannot be read; {whither}");
    if !kept {
        inbox.mark_failed(path, reason).map_err(|e| NightlyError::step(Step::Ingest, e))?;
    }
    Ok(FileStatus::Failed { reason: reason.to_string() })
}

/// Ingests one file unless its content is in the store's manifest. A file that cannot be read
/// is a [`FileStatus::Failed`]; a store that cannot be written fails the step.
fn ingest_one(
    settings: &ValidSettings,
    store: &Store,
    path: &Path,
    format: &InputFormat,
) -> Result<FileStatus, NightlyError> {
    let fail =
        |e: Box<dyn std::error::Error + Send + Sync>| NightlyError::Step { step: Step::Ingest, source: e };
    let (sha, _) =
        sha256_file(path).map_err(|e| fail(Box::new(IngestError::Open { path: path.into(), source: e })))?;
    let manifest = Manifest::load(&store.manifest_path()).map_err(|e| fail(e.into()))?;
    if manifest.files.iter().any(|f| f.sha256 == sha) {
        return Ok(FileStatus::AlreadyIngested);
    }
    match crate::ingest::ingest_with(&[path.to_path_buf()], format, settings, store) {
        Ok(report) => {
            let over = !report.over_threshold().is_empty();
            let f = report.files.first();
            Ok(FileStatus::Ingested {
                read: f.map_or(0, |f| f.rows_read),
                stored: f.map_or(0, |f| f.stored),
                duplicates: f.map_or(0, |f| f.duplicates),
                quarantined: f.map_or(0, |f| f.quarantined),
                over_threshold: over,
            })
        }
        Err(e @ (IngestError::Store(_) | IngestError::Quarantine { .. })) => Err(fail(e.into())),
        Err(e) => Ok(FileStatus::Failed { reason: crate::errors::chain(&e) }),
    }
}
