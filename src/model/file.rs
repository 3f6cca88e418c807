//! The versioned model file: everything `predict` needs, plus how it was made. No
//! timestamps, so the same data, settings and seed give the same bytes.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::backtest::Calibrated;
use crate::model::features::FEATURES;
use crate::model::history::History;

/// Bumped when the layout of the model file or the meaning of a feature changes.
/// Format 2 added `timezone`, the row counts and the per-group alarm factor.
pub const MODEL_FORMAT: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub format: u32,
    pub queuecast_version: String,
    /// Feature names in matrix order; checked against this build's features on load.
    pub features: Vec<String>,
    pub trained_from: NaiveDate,
    pub trained_to: NaiveDate,
    /// IANA zone of the offices' wall clock the features (minute of day, weekday, history
    /// hours) were computed in; `predict` reads snapshots in the same zone.
    pub timezone: String,
    /// Snapshots (examples) the predictors were fitted on, and calibrated on.
    pub train_rows: usize,
    pub calibration_rows: usize,
    pub settings: ModelSettings,
    pub offices: Vec<String>,
    pub services: Vec<String>,
    pub history: History,
    /// Name of the predictor `predict` uses unless told otherwise.
    pub default_predictor: String,
    pub predictors: Vec<NamedPredictor>,
    /// Backtest metrics summary (at issue and overall, per predictor), if a backtest ran.
    pub backtest: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    pub snapshot_min: f64,
    pub calibration_days: u32,
    pub notice_min: f64,
    pub seed: u64,
    pub counter_idle_gap_min: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedPredictor {
    pub name: String,
    pub predictor: Calibrated,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("cannot read model file {path}: {message}")]
    Read { path: String, message: String },
    #[error("model file {path} has format {found}; this queuecast reads format {MODEL_FORMAT}: retrain it")]
    Format { path: String, found: u32 },
    #[error("model file {path} was trained with other features ({found}); retrain it")]
    Features { path: String, found: String },
    #[error("model file {path} names an unknown timezone '{found}'")]
    Timezone { path: String, found: String },
    #[error("cannot write model file {path}: {message}")]
    Write { path: String, message: String },
}

impl ModelFile {
    /// The offices' timezone (checked when the file is loaded).
    pub fn tz(&self) -> Option<chrono_tz::Tz> {
        crate::timezones::parse_tz(&self.timezone)
    }

    pub fn predictor(&self, name: &str) -> Option<&Calibrated> {
        self.predictors.iter().find(|p| p.name == name).map(|p| &p.predictor)
    }

    pub fn load(path: &Path) -> Result<ModelFile, ModelFileError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ModelFileError::Read { path: p.clone(), message: e.to_string() })?;
        let version: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| ModelFileError::Read { path: p.clone(), message: e.to_string() })?;
        let found = version.get("format").and_then(|f| f.as_u64()).unwrap_or(0) as u32;
        if found != MODEL_FORMAT {
            return Err(ModelFileError::Format { path: p, found });
        }
        let model: ModelFile = serde_json::from_str(&text)
            .map_err(|e| ModelFileError::Read { path: p.clone(), message: e.to_string() })?;
        if model.features != FEATURES {
            return Err(ModelFileError::Features { path: p, found: model.features.join(",") });
        }
        if model.tz().is_none() {
            return Err(ModelFileError::Timezone { path: p, found: model.timezone });
        }
        Ok(model)
    }

    /// Writes the file atomically.
    pub fn save(&self, path: &Path) -> Result<(), ModelFileError> {
        let p = path.display().to_string();
        // Through a `Value` (sorted maps): the boosted trees keep their nodes in a HashMap,
        // whose order would otherwise make the bytes differ between identical fits.
        let value = serde_json::to_value(self)
            .map_err(|e| ModelFileError::Write { path: p.clone(), message: e.to_string() })?;
        let json = serde_json::to_vec(&value)
            .map_err(|e| ModelFileError::Write { path: p.clone(), message: e.to_string() })?;
        crate::output::atomic::write_atomic(path, |w| std::io::Write::write_all(w, &json))
            .map_err(|e| ModelFileError::Write { path: p, message: e.to_string() })
    }
}
