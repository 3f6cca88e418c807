//! The versioned model file: everything `predict` needs, plus how it was made. JSON whose
//! first part, `summary`, is pretty-printed (features, training window, calibration days,
//! GBM fit, alarm and gate figures: `head -60 model.json` reads it); the rest is compact,
//! the trees as flat arrays. No timestamps, so the same data, settings and seed give the
//! same bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::dataset::FEATURES;
use crate::model::gate::{AlarmFigures, GateFigures};
use crate::model::gbm::GbmFit;
use crate::model::history::History;
use crate::model::predictors::Fitted;
use crate::model::train::Calibrated;

/// Bumped when the layout of the model file or the meaning of a feature changes.
/// Format 2 added `timezone`, the row counts and the per-group alarm factor; format 3 the
/// summary first, our own boosted trees as flat arrays, the wait bounds of the stale-ticket
/// rule, the calibration days and the gate figures; format 4 the recent bookings the queue
/// replay's booking level reads (the replay feature's meaning changed with it).
pub const MODEL_FORMAT: u32 = 4;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub format: u32,
    pub summary: ModelSummary,
    pub settings: ModelSettings,
    /// Service codes as the model knows them (index = the `service` feature).
    pub services: Vec<String>,
    pub history: History,
    pub predictors: Vec<NamedPredictor>,
}

/// What the model is, for people: read first, holds no parameters `predict` needs beyond
/// the feature names, offices, timezone and default predictor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSummary {
    pub queuecast_version: String,
    /// Feature names in matrix order; checked against this build's features on load.
    pub features: Vec<String>,
    pub trained_from: NaiveDate,
    pub trained_to: NaiveDate,
    /// IANA zone of the offices' wall clock the features (minute of day, weekday, history
    /// hours) were computed in; `predict` reads snapshots in the same zone.
    pub timezone: String,
    /// Office ids as the model knows them (index = the `office` feature).
    pub offices: Vec<String>,
    /// Name of the predictor `predict` uses unless told otherwise.
    pub default_predictor: String,
    /// Snapshots the predictors were fitted on, and calibrated on.
    pub train_rows: usize,
    pub calibration_rows: usize,
    /// The days that calibrated the quantiles and the alarm (normal open days).
    pub calibration_days: Vec<NaiveDate>,
    /// How the GBM fit went on its held-out days.
    pub gbm: Option<GbmFit>,
    /// How the GBM's at-issue booster fit went, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gbm_at_issue: Option<GbmFit>,
    /// How the at-issue booster of appointment tickets fit, when the at-issue rows were split
    /// by channel (`gbm_at_issue` is then the walk-ins').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gbm_at_issue_appointments: Option<GbmFit>,
    /// The default predictor's alarm on the calibration days.
    pub alarm: AlarmFigures,
    /// The quality gate's figures (the model was written, so it passed).
    pub gate: Option<GateFigures>,
    /// Backtest metrics summary (at issue and overall, per predictor), if a backtest ran.
    pub backtest: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    pub snapshot_min: f64,
    pub calibration_days: u32,
    pub calibration_min_load: f64,
    /// Whether the point models were fitted again with the calibration days after calibrating
    /// (absent in files written before: they were not).
    #[serde(default)]
    pub refit_with_calibration_days: bool,
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
    #[error("cannot read model file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("model file {path} is not a queuecast model file")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("model file {path} has format {found}; this queuecast reads format {MODEL_FORMAT}: retrain it")]
    Format { path: PathBuf, found: u32 },
    #[error("model file {path} was trained with other features ({found}); retrain it")]
    Features { path: PathBuf, found: String },
    #[error("model file {path} names an unknown timezone '{found}'")]
    Timezone { path: PathBuf, found: String },
    #[error("model file {path} holds damaged trees")]
    Trees {
        path: PathBuf,
        #[source]
        source: crate::model::gbm::tree::ForestError,
    },
    #[error("model file {path} starts a booster from feature {feature}, but there are {n_features}")]
    Anchor { path: PathBuf, feature: usize, n_features: usize },
    #[error("cannot write model file {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Just the format, read before the rest.
#[derive(Deserialize)]
struct FormatOnly {
    #[serde(default)]
    format: u32,
}

impl ModelFile {
    /// The offices' timezone (checked when the file is loaded).
    pub fn tz(&self) -> Option<chrono_tz::Tz> {
        crate::timezones::parse_tz(&self.summary.timezone)
    }

    pub fn predictor(&self, name: &str) -> Option<&Calibrated> {
        self.predictors.iter().find(|p| p.name == name).map(|p| &p.predictor)
    }

    /// The default predictor.
    pub fn default(&self) -> Option<&Calibrated> {
        self.predictor(&self.summary.default_predictor)
    }

    pub fn load(path: &Path) -> Result<ModelFile, ModelFileError> {
        let p = || path.to_path_buf();
        let bytes = std::fs::read(path).map_err(|source| ModelFileError::Read { path: p(), source })?;
        let found = serde_json::from_slice::<FormatOnly>(&bytes)
            .map_err(|source| ModelFileError::Parse { path: p(), source })?
            .format;
        if found != MODEL_FORMAT {
            return Err(ModelFileError::Format { path: p(), found });
        }
        let model: ModelFile =
            serde_json::from_slice(&bytes).map_err(|source| ModelFileError::Parse { path: p(), source })?;
        if model.summary.features != FEATURES {
            return Err(ModelFileError::Features {
                path: p(),
                found: feature_difference(&model.summary.features),
            });
        }
        if model.tz().is_none() {
            return Err(ModelFileError::Timezone { path: p(), found: model.summary.timezone });
        }
        for named in &model.predictors {
            if let Fitted::Gbm(g) = &named.predictor.model {
                let boosters = std::iter::once((&g.forest, &g.anchor))
                    .chain(g.at_issue_boosters().map(|b| (&b.forest, &b.anchor)));
                for (forest, anchor) in boosters {
                    forest
                        .validate(FEATURES.len())
                        .map_err(|source| ModelFileError::Trees { path: p(), source })?;
                    if let Some(a) = anchor.filter(|a| a.feature >= FEATURES.len()) {
                        let n_features = FEATURES.len();
                        return Err(ModelFileError::Anchor { path: p(), feature: a.feature, n_features });
                    }
                }
            }
        }
        Ok(model)
    }

    /// The file's bytes: the summary pretty-printed first, then one compact line per part.
    pub fn to_bytes(&self) -> serde_json::Result<Vec<u8>> {
        let mut out = format!("{{\n\"format\": {},\n\"summary\": ", self.format).into_bytes();
        serde_json::to_writer_pretty(&mut out, &self.summary)?;
        for (key, value) in [
            ("settings", serde_json::to_vec(&self.settings)?),
            ("services", serde_json::to_vec(&self.services)?),
            ("history", serde_json::to_vec(&self.history)?),
            ("predictors", serde_json::to_vec(&self.predictors)?),
        ] {
            out.extend_from_slice(format!(",\n\"{key}\": ").as_bytes());
            out.extend_from_slice(&value);
        }
        out.extend_from_slice(b"\n}\n");
        Ok(out)
    }

    /// Writes the file atomically.
    pub fn save(&self, path: &Path) -> Result<(), ModelFileError> {
        let p = || path.to_path_buf();
        let bytes = self.to_bytes().map_err(|e| ModelFileError::Write { path: p(), source: e.into() })?;
        crate::output::atomic::write_atomic(path, |w| w.write_all(&bytes))
            .map_err(|source| ModelFileError::Write { path: p(), source })
    }
}

/// How a model file's features differ from this build's, briefly: the counts and the first
/// feature that differs (the whole list is long, and the message lands in reports and logs).
fn feature_difference(found: &[String]) -> String {
    let first = (0..found.len().max(FEATURES.len()))
        .find(|&i| found.get(i).map(String::as_str) != FEATURES.get(i).copied());
    let at = |i: usize| match (found.get(i), FEATURES.get(i)) {
        (Some(f), Some(b)) => format!("feature {} is {f} in the file, {b} here", i + 1),
        (Some(f), None) => format!("the file has {f} more"),
        (None, Some(b)) => format!("this build has {b} more"),
        (None, None) => String::new(),
    };
    format!("{} in the file, {} here; {}", found.len(), FEATURES.len(), first.map(at).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_difference_is_told_briefly() {
        let ours: Vec<String> = FEATURES.iter().map(|f| f.to_string()).collect();
        let older = &ours[..ours.len() - 1];
        assert_eq!(
            feature_difference(older),
            format!(
                "{} in the file, {} here; this build has {} more",
                older.len(),
                ours.len(),
                ours[ours.len() - 1]
            )
        );
        let mut renamed = ours.clone();
        renamed[1] = "queue".into();
        assert_eq!(
            feature_difference(&renamed),
            format!(
                "{0} in the file, {0} here; feature 2 is queue in the file, ahead_total here",
                ours.len()
            )
        );
    }
}
