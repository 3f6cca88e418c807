//! What every request reads: the configuration, the clock, the current generation and model
//! (each behind an atomic pointer, swapped whole by the reloader), and the offices' live queues.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::{ArcSwap, ArcSwapOption};
use axum::http::HeaderValue;
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;
use tokio::sync::watch;
use utoipa::ToSchema;

use crate::hashing::{sha256_file, sha256_hex};
use crate::model::file::ModelFile;
use crate::schema::is_valid_office_id;
use crate::serve::clock::Clock;
use crate::serve::error::ServeError;
use crate::serve::generation::GenerationData;
use crate::serve::live::{LiveConfig, OfficeLive};
use crate::serve::queues::QueueGroups;
use crate::settings::{OfficeSettings, ServeSettings, ValidSettings};
use crate::time::{EpochMs, MS_PER_SECOND};
use crate::timezones::local_parts;

/// The configuration of a server, from validated settings.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Export directory (holds `current`).
    pub exports: PathBuf,
    /// Model file (`queuecast train`'s output).
    pub model: PathBuf,
    pub addr: SocketAddr,
    pub tz: Tz,
    /// Configured service codes.
    pub services: Vec<String>,
    pub serve: ServeSettings,
    pub offices: BTreeMap<String, OfficeSettings>,
    /// Office → SHA-256 (lowercase hex) of its event token.
    pub token_sha256: BTreeMap<String, String>,
}

impl ServeConfig {
    /// The server's configuration: the export directory and model file of the command line,
    /// everything else from the validated settings (`[serve]`, `[offices.<id>]`).
    pub fn new(settings: &ValidSettings, exports: PathBuf, model: PathBuf) -> ServeConfig {
        ServeConfig {
            exports,
            model,
            addr: settings.serve_addr(),
            tz: settings.tz(),
            services: settings.services.iter().map(|s| s.code.clone()).collect(),
            serve: settings.serve.clone(),
            offices: settings.offices.clone(),
            token_sha256: settings.event_token_sha256().clone(),
        }
    }
}

/// Who the model is, as the API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ModelInfo {
    /// First 16 hex digits of the model file's SHA-256.
    pub id: String,
    pub queuecast_version: String,
    pub format: u32,
    pub trained_from: String,
    pub trained_to: String,
    pub predictor: String,
}

/// Size and modification time of a file: a change means "load it again".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub modified: SystemTime,
    pub len: u64,
}

impl FileStamp {
    pub fn of(path: &Path) -> Option<FileStamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(FileStamp { modified: m.modified().ok()?, len: m.len() })
    }
}

/// A model file in memory.
#[derive(Debug)]
pub struct LoadedModel {
    pub model: ModelFile,
    pub info: ModelInfo,
    pub stamp: FileStamp,
}

/// Loads the model file at `path` (through [`ModelFile::load`]) and identifies it by hash.
pub fn load_model(path: &Path) -> Result<LoadedModel, ServeError> {
    let read_err = |source| ServeError::ModelRead { path: path.to_path_buf(), source };
    let stamp = std::fs::metadata(path)
        .and_then(|m| Ok(FileStamp { modified: m.modified()?, len: m.len() }))
        .map_err(read_err)?;
    let (hash, _) = sha256_file(path).map_err(read_err)?;
    let model = ModelFile::load(path)?;
    if FileStamp::of(path) != Some(stamp) {
        return Err(ServeError::ModelChanged { path: path.to_path_buf() });
    }
    let info = ModelInfo {
        id: hash[..16].to_string(),
        queuecast_version: model.summary.queuecast_version.clone(),
        format: model.format,
        trained_from: model.summary.trained_from.to_string(),
        trained_to: model.summary.trained_to.to_string(),
        predictor: model.summary.default_predictor.clone(),
    };
    Ok(LoadedModel { model, info, stamp })
}

/// Shared state of a running server (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub cfg: ServeConfig,
    pub live_cfg: LiveConfig,
    pub clock: Arc<dyn Clock>,
    pub generation: ArcSwapOption<GenerationData>,
    pub model: ArcSwapOption<LoadedModel>,
    /// Bumped when a new model is in place (event streams recompute).
    pub model_changed: watch::Sender<u64>,
    offices: ArcSwap<BTreeMap<String, Arc<OfficeLive>>>,
    /// Serializes adding offices.
    adding: Mutex<()>,
    pub shutdown: watch::Receiver<bool>,
    /// `Cache-Control` of the responses from the export.
    pub cache_control: HeaderValue,
    /// Web Push subscriptions of the app's reminders.
    pub push: Arc<crate::serve::push::hub::PushHub>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        cfg: ServeConfig,
        clock: Arc<dyn Clock>,
        generation: Option<GenerationData>,
        model: Option<LoadedModel>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<AppState, ServeError> {
        let live_cfg = LiveConfig {
            log: crate::serve::daylog::DayLog { dir: cfg.serve.day_log_dir.clone(), tz: cfg.tz },
            tz: cfg.tz,
            services: cfg.services.clone(),
            tolerance_ms: cfg.serve.future_tolerance_seconds as EpochMs * MS_PER_SECOND,
            learning_days: cfg.serve.queue_learning_days,
        };
        let cache_control =
            HeaderValue::from_str(&format!("public, max-age={}", cfg.serve.cache_max_age_seconds))
                .unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
        let push = Arc::new(crate::serve::push::hub::PushHub::new(&cfg.serve.push)?);
        let state = AppState(Arc::new(Inner {
            cfg,
            live_cfg,
            clock,
            generation: ArcSwapOption::from(generation.map(Arc::new)),
            model: ArcSwapOption::from(model.map(Arc::new)),
            model_changed: watch::channel(0).0,
            offices: ArcSwap::from_pointee(BTreeMap::new()),
            adding: Mutex::new(()),
            shutdown,
            cache_control,
            push,
        }));
        state.add_known_offices()?;
        Ok(state)
    }

    pub fn now(&self) -> EpochMs {
        self.clock.now_ms()
    }

    pub fn today(&self) -> NaiveDate {
        local_parts(self.now(), self.cfg.tz).date
    }

    /// The live queue of an office the server knows (from the settings, the generation, the
    /// model or today's day log).
    pub fn office(&self, id: &str) -> Option<Arc<OfficeLive>> {
        self.offices.load().get(id).cloned()
    }

    pub fn office_ids(&self) -> Vec<String> {
        self.offices.load().keys().cloned().collect()
    }

    /// Starts the live queue of every office known now that has none yet (at start and
    /// after a reload brought new offices).
    pub fn add_known_offices(&self) -> Result<(), ServeError> {
        let _guard = self.adding.lock().map_err(|_| ServeError::Poisoned { what: "the office list" })?;
        let today = self.today();
        let mut ids: Vec<String> = self.cfg.offices.keys().cloned().collect();
        if let Some(g) = self.generation.load_full() {
            ids.extend(g.offices.keys().cloned());
        }
        if let Some(m) = self.model.load_full() {
            ids.extend(m.model.summary.offices.iter().cloned());
        }
        ids.extend(self.live_cfg.log.offices_on(today));
        let current = self.offices.load_full();
        let mut next = (*current).clone();
        for id in ids {
            if next.contains_key(&id) || !is_valid_office_id(&id) {
                continue;
            }
            let configured = self
                .cfg
                .offices
                .get(&id)
                .filter(|o| !o.queues.is_empty())
                .map(|o| QueueGroups::from_settings(&o.queues));
            let live = OfficeLive::start(&id, today, configured, &self.live_cfg)?;
            next.insert(id, Arc::new(live));
        }
        if next.len() != current.len() {
            self.offices.store(Arc::new(next));
        }
        Ok(())
    }

    /// Whether `token` is the office's event token (compared by SHA-256, in constant time).
    pub fn token_ok(&self, office: &str, token: &str) -> bool {
        let Some(expected) = self.cfg.token_sha256.get(office) else { return false };
        let got = sha256_hex(token.as_bytes());
        got.len() == expected.len()
            && got.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    pub fn has_token(&self, office: &str) -> bool {
        self.cfg.token_sha256.contains_key(office)
    }
}
