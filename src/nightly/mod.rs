//! `queuecast nightly`: the cron job's one command. Inbox → ingest → train when due (behind the
//! model's quality gate) → profile, forecasts, staffing, what-if and the report in one export
//! generation, under a lock, safe to kill and rerun.
//!
//! Every step either finishes or leaves what it replaces intact (partitions, the model file and
//! the `current` generation are all swapped atomically), and every decision is a function of
//! data (content hashes, stored days), so a rerun after a kill does what the killed run would
//! have done and ends with the same store, model and export.

pub mod decide;
pub mod inbox;
mod intake;
pub mod lock;
mod publish;
mod retrain;
mod summary;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use decide::{ModelDecision, RetrainRule};
pub use inbox::Inbox;
pub use intake::{FileOutcome, FileStatus};
pub use lock::{Holder, LockError, RunLock};
pub use publish::Publication;
pub use retrain::ModelOutcome;

use crate::settings::ValidSettings;
use crate::store::Store;

/// What one nightly run is told: where things are (from `[nightly]`, overridable) and when it runs.
#[derive(Debug, Clone)]
pub struct NightlyParams {
    pub inbox: PathBuf,
    /// Leave every inbox file in place (the content hashes in the store's manifest keep them
    /// from being ingested twice), e.g. for the read-only bundled sample.
    pub keep_inbox: bool,
    pub state_dir: PathBuf,
    pub export_dir: PathBuf,
    pub model: PathBuf,
    pub retrain: RetrainRule,
    /// Time of the run: the new generation's id and `created_at`.
    pub at: DateTime<Utc>,
    /// Only say what would be done.
    pub dry_run: bool,
}

impl NightlyParams {
    /// The parameters `[nightly]` gives, for a run at `at`.
    pub fn from_settings(settings: &ValidSettings, at: DateTime<Utc>) -> NightlyParams {
        let n = &settings.nightly;
        NightlyParams {
            inbox: n.inbox.clone(),
            keep_inbox: false,
            state_dir: n.state_dir.clone(),
            export_dir: n.export_dir.clone(),
            model: n.model.clone(),
            retrain: RetrainRule { every_days: n.retrain_days, drift_ratio: n.drift_ratio },
            at,
            dry_run: false,
        }
    }
}

/// The steps, in order; a failed step names itself (and the exit code says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Lock,
    Ingest,
    Train,
    Export,
    Report,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Lock, Step::Ingest, Step::Train, Step::Export, Step::Report];

    pub fn name(self) -> &'static str {
        match self {
            Step::Lock => "lock",
            Step::Ingest => "ingest",
            Step::Train => "train",
            Step::Export => "export",
            Step::Report => "report",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A step that failed, with its cause; what earlier steps did stays done.
#[derive(Debug, thiserror::Error)]
pub enum NightlyError {
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("nightly step {step} failed")]
    Step { step: Step, source: Box<dyn std::error::Error + Send + Sync> },
}

impl NightlyError {
    fn step(step: Step, source: impl std::error::Error + Send + Sync + 'static) -> NightlyError {
        NightlyError::Step { step, source: Box::new(source) }
    }

    /// The step that failed (`Lock` for a held lock).
    pub fn failed_step(&self) -> Step {
        match self {
            NightlyError::Locked(_) => Step::Lock,
            NightlyError::Step { step, .. } => *step,
        }
    }
}

/// Hooks for the command line's progress display; the library only reports.
pub trait Observer {
    /// A step begins (`total` known units of work, e.g. inbox files) or ends.
    fn step(&self, _step: Step, _started: bool, _total: u64) {}
    /// One unit of the current step is done.
    fn advance(&self, _what: &str) {}
}

/// An observer that shows nothing.
pub struct Quiet;
impl Observer for Quiet {}

/// What a run did, for the closing summary and the state file.
#[derive(Debug, Clone, Serialize)]
pub struct NightlyReport {
    pub started_at: DateTime<Utc>,
    pub dry_run: bool,
    /// A stale lock of a killed run that this run took over.
    pub took_over: Option<Holder>,
    pub files: Vec<FileOutcome>,
    pub model: ModelOutcome,
    pub publication: Publication,
    /// Seconds per step, in order.
    pub seconds: Vec<(Step, f64)>,
}

impl NightlyReport {
    /// Whether a file's quarantine share exceeded the threshold (good rows were stored).
    pub fn quarantine_over_threshold(&self) -> bool {
        self.files.iter().any(|f| matches!(f.status, FileStatus::Ingested { over_threshold: true, .. }))
    }

    /// Whether the quality gate refused the newly trained model (the old one stays).
    pub fn model_refused(&self) -> bool {
        matches!(self.model, ModelOutcome::Refused { .. })
    }
}

/// Runs the nightly job once.
pub fn run(
    settings: &ValidSettings,
    params: &NightlyParams,
    observer: &dyn Observer,
) -> Result<NightlyReport, NightlyError> {
    let started = std::time::Instant::now();
    let mut seconds = Vec::new();
    let lap = |step: Step, seconds: &mut Vec<(Step, f64)>, since: &mut std::time::Instant| {
        seconds.push((step, since.elapsed().as_secs_f64()));
        *since = std::time::Instant::now();
    };
    let mut since = started;
    let lock = match params.dry_run {
        true => None,
        false => Some(RunLock::acquire(&params.state_dir, lock::this_process(&params.at.to_rfc3339()))?),
    };
    let took_over = lock.as_ref().and_then(|l| l.taken_over.clone());
    if let Some(h) = &took_over {
        tracing::warn!("took over the lock of a run that ended without releasing it ({h})");
    }
    crate::checkpoint::reached("nightly:locked");
    let store =
        Store::open(&settings.store.path, settings.tz()).map_err(|e| NightlyError::step(Step::Ingest, e))?;
    lap(Step::Lock, &mut seconds, &mut since);

    let files = intake::run(settings, params, &store, observer)?;
    lap(Step::Ingest, &mut seconds, &mut since);
    crate::checkpoint::reached("nightly:after-ingest");

    let model = retrain::run(settings, params, &store, observer)?;
    lap(Step::Train, &mut seconds, &mut since);
    crate::checkpoint::reached("nightly:after-train");

    let would_ingest = files.iter().any(|f| matches!(f.status, FileStatus::WouldIngest { .. }));
    let publication = publish::run(settings, params, &store, observer, &mut seconds, would_ingest)?;
    crate::checkpoint::reached("nightly:after-export");

    let report = NightlyReport {
        started_at: params.at,
        dry_run: params.dry_run,
        took_over,
        files,
        model,
        publication,
        seconds,
    };
    if !params.dry_run {
        summary::save_state(&params.state_dir, &report).map_err(|e| NightlyError::step(Step::Export, e))?;
    }
    drop(lock);
    Ok(report)
}

pub use summary::{STATE_FILE, summary_line};
