//! `[nightly]`: where the cron job finds new ticket files, how it reads them, where it keeps its
//! state, and when it retrains the model.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// | Name | Default | Purpose |
/// | `inbox` | `inbox` | folder the offices' exports (or the API's day logs) arrive in |
/// | `state_dir` | `out/nightly` | the run lock and the last run's state |
/// | `export_dir` | `out/export` | export generations (`current`, `generations/`) |
/// | `model` | `out/model.json` | the model file trained and used |
/// | `retrain_days` | 7 | retrain when the store holds this many days past the model's window |
/// | `drift_ratio` | 1.25 | retrain when the MAE at issue since the window exceeds the model's own by this factor |
/// | `report_lang` | `de` | language of the report in each generation (`de`, `en`) |
/// | `rules` | canonical logs | inbox rules, first match wins |
/// | `ignore` | `README*`, `*.md`, `*.txt` | names never read (notes beside the exports) |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NightlySettings {
    /// Folder the offices' exports (or the API's day logs) arrive in; `--inbox` overrides it.
    pub inbox: PathBuf,
    /// The run lock and the state of the last run.
    pub state_dir: PathBuf,
    /// Export directory holding `current` and `generations/`.
    pub export_dir: PathBuf,
    /// Model file trained and used by the nightly run.
    pub model: PathBuf,
    /// Retrain when the store holds this many days past the end of the model's training window.
    pub retrain_days: u32,
    /// Retrain when the model's MAE at issue on the days since its window exceeds its own gate
    /// figure by this factor.
    pub drift_ratio: f64,
    /// Language of the planners' report in each generation: `de` or `en`.
    pub report_lang: String,
    /// How each inbox file is read: the first rule whose pattern matches its name wins.
    pub rules: Vec<InboxRule>,
    /// Globs of file names in the inbox that are never read: notes and readmes that travel with
    /// the exports. Any other file no rule matches goes to `failed/`.
    pub ignore: Vec<String>,
}

/// One inbox rule: which files (by name) are read how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxRule {
    /// Glob on the file name, e.g. `zms-*.csv` (`*`, `?`, `[abc]`).
    pub pattern: String,
    /// `canonical` (default), `zms`, `qmatic` or `custom`.
    #[serde(default = "canonical")]
    pub format: String,
    /// Mapping file for vendor exports (required for `custom` and `qmatic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<PathBuf>,
    /// Leave matched files in the inbox instead of moving them to `processed/` (for folders
    /// another program keeps writing, such as the API's day logs). Their content hash keeps them
    /// from being ingested twice; a file that grows is ingested again and replaces its days.
    #[serde(default)]
    pub keep: bool,
}

fn canonical() -> String {
    "canonical".into()
}

impl Default for NightlySettings {
    fn default() -> Self {
        let rules = ["*.csv", "*.csv.gz", "*.ndjson", "*.ndjson.gz", "*.jsonl", "*.jsonl.gz", "*.parquet"]
            .iter()
            .map(|p| InboxRule { pattern: p.to_string(), format: canonical(), mapping: None, keep: false })
            .collect();
        NightlySettings {
            inbox: PathBuf::from("inbox"),
            state_dir: PathBuf::from("out/nightly"),
            export_dir: PathBuf::from("out/export"),
            model: PathBuf::from("out/model.json"),
            retrain_days: 7,
            drift_ratio: 1.25,
            report_lang: "de".into(),
            rules,
            ignore: ["README*", "*.md", "*.txt"].iter().map(|p| p.to_string()).collect(),
        }
    }
}
