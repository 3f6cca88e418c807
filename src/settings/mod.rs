//! Settings: one TOML file (`queuecast.toml`), every field defaulted and documented.
//!
//! Raw serde structs are read once, CLI flags override individual fields, and
//! [`Settings::validate`] ([`validate`]) turns them into [`ValidSettings`], the form every stage
//! takes; each stage converts them into its own parameters in one place.

mod nightly;
mod push;
mod serve;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use nightly::{InboxRule, NightlySettings};
pub use serve::{OfficeSettings, PushSettings, ServeSettings};
pub use validate::ValidSettings;

/// Most offices `simulate` generates (eight presets, then generated ones).
pub const MAX_SIMULATED_OFFICES: u32 = 999;

/// The settings file read when `--config` is not given and it exists in the working directory.
pub const DEFAULT_FILE: &str = "queuecast.toml";

/// Errors loading or checking settings.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("settings file {path}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("setting {field} = {value}: {expected}")]
    Invalid { field: &'static str, value: String, expected: &'static str },
}

/// All settings. | Name | Default | Purpose |
///
/// | `timezone` | `Europe/Berlin` | wall clock of the offices; profiles are by local weekday/hour |
/// | `services` | PA RP AB AN MB FZ KFZ FS | service codes accepted in ticket logs |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// IANA time zone of the offices' wall clock.
    pub timezone: String,
    /// Service codes a ticket log may use (the service catalog adds names and documents).
    pub services: Vec<ServiceCode>,
    pub store: StoreSettings,
    pub ingest: IngestSettings,
    pub profile: ProfileSettings,
    pub model: ModelSettings,
    pub forecast: ForecastSettings,
    pub simulate: SimulateSettings,
    pub staffing: StaffingSettings,
    pub catalog: CatalogSettings,
    pub export: ExportSettings,
    pub nightly: NightlySettings,
    pub serve: ServeSettings,
    /// Per office (`[offices.<id>]`): public name and address, event token, queues.
    pub offices: BTreeMap<String, OfficeSettings>,
}

/// One accepted service code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceCode {
    /// Short code as it appears in the `service` column, e.g. `PA`.
    pub code: String,
    /// Human-readable name, e.g. `Personalausweis`.
    pub name: String,
}

/// Where the Parquet store lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// Store directory (default `out/store`); `--store` overrides it.
    pub path: PathBuf,
}

/// Validation limits of `queuecast ingest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSettings {
    /// Share of quarantined rows (0–1) above which ingest exits non-zero (good rows are still stored).
    pub quarantine_threshold: f64,
    /// Longest plausible wait in hours; longer waits are quarantined (an office day is at most 14 h).
    pub max_wait_hours: f64,
    /// Longest plausible service time in hours.
    pub max_service_hours: f64,
}

/// Load profiles (`queuecast profile`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileSettings {
    /// Window of data profiled: the last N weeks up to the newest stored day (`--from/--to` override).
    pub window_weeks: u32,
    /// Service level threshold: the share of called tickets that waited at most this many minutes.
    pub service_level_minutes: f64,
    /// Cells with fewer tickets than this are suppressed in public tables (values null, flag set).
    pub min_cell_tickets: u32,
    /// A counter idle this many minutes stops counting as active.
    pub counter_idle_gap_minutes: f64,
}

impl Default for ProfileSettings {
    fn default() -> Self {
        ProfileSettings {
            window_weeks: 52,
            service_level_minutes: 15.0,
            min_cell_tickets: 5,
            counter_idle_gap_minutes: 30.0,
        }
    }
}

/// Wait-time model (`queuecast backtest`, `train`, `predict`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelSettings {
    /// Rolling-origin test weeks of the backtest.
    pub backtest_weeks: u32,
    /// Minutes between training snapshots of a waiting ticket (besides the one at issue).
    pub snapshot_minutes: f64,
    /// Open days before each origin held out to calibrate the quantiles and the alarm (split
    /// conformal): the last ones with a normal load, at most half of the open days (a short
    /// history keeps as many to fit on). 56: on two or four weeks of a quiet December too few
    /// waits were long enough to vouch for small offices' alarms; trained to the end of
    /// December, the county's model offered alarms in 58 of 85 offices with 28 days, 72 with 56.
    pub calibration_days: u32,
    /// A day with fewer tickets than this share of its weekday's usual load (the median of
    /// the 8 weeks before) is skipped for calibration (it still trains the models); the same
    /// rule keeps such days out of the GBM's held-out days for early stopping.
    pub calibration_min_load: f64,
    /// After calibrating, fit the point models once more on every day, the calibration days
    /// included, and keep the calibration: the model then knows the latest weeks (MAE at issue
    /// 0.4–0.9 % lower on independent simulated data, for twice the fitting time).
    pub refit_with_calibration_days: bool,
    /// `train` refuses a model whose MAE at issue on the calibration days is more than this
    /// share worse than the model currently at `--out` (exit code 4).
    pub gate_max_worse: f64,
    /// Default notice the alarm gives, minutes.
    pub notice_minutes: f64,
    /// The alarm rings at this share of the alarm calibrated on the calibration days, in
    /// (0, 1]. The calls of one queue come early together on a day whose services run quick,
    /// and a few calibration days cannot foresee such a day: at 1.0 one office of 85 had 9.5 %
    /// of its alarms late in a backtest; at 0.85 no office of five independent simulated data
    /// sets went over 5 %, for 4.5–11 % fewer alarms (README, "Wait-time forecasts").
    pub alarm_margin: f64,
    /// Random seed of the learned models.
    pub seed: u64,
    /// Gradient boosting: boosting rounds (trees) at most; early stopping usually ends sooner.
    pub gbm_max_trees: usize,
    /// Gradient boosting: shrinkage of each tree, in (0, 1].
    pub gbm_learning_rate: f64,
    /// Gradient boosting: leaves per tree at most (grown best gain first), 2–1024.
    pub gbm_max_leaves: usize,
    /// Gradient boosting: splits from the root to a leaf at most, 1–32.
    pub gbm_max_depth: usize,
    /// Gradient boosting: training snapshots per leaf at least.
    pub gbm_min_leaf: usize,
    /// Gradient boosting: L2 penalty on the leaf values.
    pub gbm_l2: f64,
    /// Gradient boosting: share of the training snapshots drawn (with the seed) for each tree.
    pub gbm_subsample: f64,
    /// Gradient boosting stops once the loss on the held-out days has not improved for this
    /// many rounds, and keeps the trees up to its best round.
    pub gbm_early_stopping_rounds: usize,
    /// Last days of the training window held out for early stopping, skipping days of low
    /// load as the calibration does (the model is then refitted on all days with the number
    /// of trees found).
    pub gbm_valid_days: u32,
    /// At most this many training snapshots are used by each booster of the gradient
    /// boosting (at-issue snapshots kept up to half, the rest an even subsample of later ones;
    /// the at-issue booster: up to 90 % at issue).
    pub gbm_max_rows: usize,
    /// The number of offices `gbm_max_rows` is meant for: a training window with more offices
    /// grows the cap in proportion (0: never). Why: each office's queue has its own pace, and
    /// a fixed cap shared by 85 offices left each a few thousand snapshots.
    pub gbm_max_rows_offices: usize,
    /// Fit a second booster on snapshots 90 % at issue to predict snapshots at issue, when
    /// there are more snapshots than `gbm_max_rows` (twice the fitting time; MAE at issue
    /// −1.6 % on independent simulated data).
    pub gbm_at_issue_booster: bool,
    /// Split the at-issue booster's snapshots by channel: one booster for walk-ins, one for
    /// appointment tickets (each channel needs 2 000 snapshots, or one booster fits both).
    pub gbm_at_issue_by_channel: bool,
    /// Each at-issue booster the mean of two fits on the same rows, one from a constant and
    /// one from the queue replay's call time (twice their fitting time; MAE at issue 0.1–1.0 %
    /// lower on independent simulated data).
    pub gbm_at_issue_blend: bool,
    /// Threads of the gradient boosting fit (the trees are the same for any number).
    pub gbm_threads: usize,
    /// Gradient boosting: the loss each tree reduces, absolute (medians: what the MAE at issue
    /// rewards) or squared (means).
    pub gbm_loss: GbmLoss,
    /// A GBM that explains less than this share of the variance of the held-out days has
    /// collapsed: `train` refuses to write it (exit code 4).
    pub gbm_min_r2: f64,
}

impl Default for ModelSettings {
    fn default() -> Self {
        ModelSettings {
            backtest_weeks: 8,
            snapshot_minutes: 5.0,
            calibration_days: 56,
            calibration_min_load: 0.75,
            refit_with_calibration_days: true,
            gate_max_worse: 0.25,
            notice_minutes: 10.0,
            alarm_margin: 0.85,
            seed: 2025,
            gbm_max_trees: 500,
            gbm_learning_rate: 0.1,
            gbm_max_leaves: 31,
            gbm_max_depth: 10,
            gbm_min_leaf: 40,
            gbm_l2: 1.0,
            gbm_subsample: 0.8,
            gbm_early_stopping_rounds: 100,
            gbm_valid_days: 14,
            gbm_max_rows: 400_000,
            gbm_max_rows_offices: 20,
            gbm_at_issue_booster: true,
            gbm_at_issue_by_channel: true,
            gbm_at_issue_blend: true,
            gbm_threads: 2,
            gbm_loss: GbmLoss::Absolute,
            gbm_min_r2: 0.2,
        }
    }
}

/// The loss of the gradient boosting (`model.gbm_loss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GbmLoss {
    Absolute,
    Squared,
}

/// Arrival forecast (`queuecast forecast`): calendar, opening hours, methods, levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForecastSettings {
    /// Days forecast after the last stored day (`--days` overrides).
    pub days: u32,
    /// Weeks of same-weekday history the seasonal baseline averages (closed days skipped).
    pub baseline_weeks: u32,
    /// Rolling daily origins over this many weeks before the newest stored day (backtest).
    pub backtest_weeks: u32,
    /// Weeks of history from which opening hours are learned.
    pub opening_weeks: u32,
    /// A slot is open when tickets were issued in it on more than this share of the open days
    /// of its weekday ("clear majority").
    pub opening_share: f64,
    /// Half-life in weeks of the weights of past days in the calendar model (recent days count more).
    pub model_halflife_weeks: f64,
    /// Ridge penalty of the calendar model's coefficients (not the intercept).
    pub model_ridge: f64,
    /// School-holiday region (KMK code, e.g. `NW`); must match the region of the data file.
    pub school_holiday_region: String,
    /// School-holiday TOML file; empty = the built-in copy of `data/calendar/school-holidays-nw.toml`.
    pub school_holidays_file: PathBuf,
    /// Dates on which every office is closed (besides the NRW public holidays).
    pub closures: Vec<NaiveDate>,
    /// Month-days (`MM-DD`) on which every office is closed each year.
    pub annual_closures: Vec<String>,
    /// Dates on which one office is closed.
    pub office_closures: Vec<OfficeClosure>,
    /// Opening hours set by hand, replacing the learned ones for an office and weekday.
    pub opening_hours: Vec<OpeningOverride>,
    /// Quantiles of an office's expected load over its open slots that separate low | medium | high.
    pub level_quantiles: [f64; 2],
}

/// Closure dates of one office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeClosure {
    pub office: String,
    pub dates: Vec<NaiveDate>,
}

/// Opening hours of one office on one weekday, e.g. `{ office = "dormagen", weekday = "sat",
/// hours = ["09:00-12:30"] }`; an empty `hours` list closes the weekday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningOverride {
    pub office: String,
    /// `mon` … `sun`.
    pub weekday: String,
    /// Intervals `HH:MM-HH:MM` on the 15-minute grid.
    pub hours: Vec<String>,
}

impl Default for ForecastSettings {
    fn default() -> Self {
        ForecastSettings {
            days: 28,
            baseline_weeks: 8,
            backtest_weeks: 8,
            opening_weeks: 13,
            opening_share: 0.6,
            model_halflife_weeks: 6.0,
            model_ridge: 1.0,
            school_holiday_region: "NW".to_string(),
            school_holidays_file: PathBuf::new(),
            closures: Vec::new(),
            annual_closures: vec!["12-24".to_string(), "12-31".to_string()],
            office_closures: Vec::new(),
            opening_hours: Vec::new(),
            level_quantiles: [1.0 / 3.0, 2.0 / 3.0],
        }
    }
}

/// Parameters of `queuecast simulate` (sample data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimulateSettings {
    /// Random seed: the same seed gives the same bytes.
    pub seed: u64,
    /// First simulated day.
    pub start: NaiveDate,
    /// Number of simulated days.
    pub days: u32,
    /// Number of offices (1–999; the first eight are presets, the rest generated; each has its own
    /// size, hours and service mix).
    pub offices: u32,
    /// Demand multiplier (1.0 = realistic town; 10 gives ten times the tickets and counters).
    pub scale: f64,
}

/// Staffing suggestions, expected waits per slot and the what-if (`queuecast staffing`, `whatif`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffingSettings {
    /// Target service level: the share of citizens called within `wait_threshold_minutes`.
    pub target_service_level: f64,
    /// The wait threshold of the service level, minutes.
    pub wait_threshold_minutes: f64,
    /// Upper bound of the counters searched for a suggestion.
    pub max_counters: u32,
    /// Validation groups (office × weekday × hour × counters) with fewer tickets are left out.
    pub min_validation_tickets: u32,
    /// Seconds a counter needs after finishing before it calls the next number, where the log
    /// gives none to measure (no counter column).
    pub call_gap_seconds: f64,
    /// Shares of walk-ins moved from the busiest to the quietest hours in the what-if.
    pub whatif_shares: Vec<f64>,
    /// Random seed of the what-if's choice of tickets and of the slot-wait simulations.
    pub seed: u64,
    /// Simulated days per prediction of the expected wait per slot.
    pub slot_wait_replications: u32,
    /// Weeks of history before a day that its slot-wait prediction uses.
    pub slot_wait_history_weeks: u32,
    /// Last weeks of the data on which the slot-wait prediction is backtested.
    pub slot_wait_backtest_weeks: u32,
}

impl Default for StaffingSettings {
    fn default() -> Self {
        StaffingSettings {
            target_service_level: 0.8,
            wait_threshold_minutes: 15.0,
            max_counters: 200,
            min_validation_tickets: 30,
            call_gap_seconds: 30.0,
            whatif_shares: vec![0.1, 0.2, 0.3],
            seed: 2025,
            slot_wait_replications: 30,
            slot_wait_history_weeks: 8,
            slot_wait_backtest_weeks: 8,
        }
    }
}

/// Service catalog (`queuecast catalog`, `services.json` of the export).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogSettings {
    /// Catalog file; empty (the default) = the copy of `data/services.toml` built into the
    /// binary. `--path` overrides it.
    pub path: PathBuf,
    /// An entry last reviewed more than this many days ago gives a warning (not an error).
    pub max_review_age_days: u32,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        CatalogSettings { path: PathBuf::new(), max_review_age_days: 365 }
    }
}

/// Export generations (`queuecast export`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExportSettings {
    /// Complete generations kept under `generations/` (the current one included); older ones are deleted.
    pub keep_generations: u32,
}

impl Default for ExportSettings {
    fn default() -> Self {
        ExportSettings { keep_generations: 3 }
    }
}

impl Default for Settings {
    fn default() -> Self {
        let services = [
            ("PA", "Personalausweis"),
            ("RP", "Reisepass"),
            ("AB", "Abholung von Dokumenten"),
            ("AN", "An-/Ummeldung"),
            ("MB", "Meldebescheinigung"),
            ("FZ", "Führungszeugnis"),
            ("KFZ", "Kfz-Zulassung"),
            ("FS", "Führerschein"),
        ];
        Settings {
            timezone: "Europe/Berlin".to_string(),
            services: services
                .iter()
                .map(|(code, name)| ServiceCode { code: code.to_string(), name: name.to_string() })
                .collect(),
            store: StoreSettings::default(),
            ingest: IngestSettings::default(),
            profile: ProfileSettings::default(),
            model: ModelSettings::default(),
            forecast: ForecastSettings::default(),
            simulate: SimulateSettings::default(),
            staffing: StaffingSettings::default(),
            catalog: CatalogSettings::default(),
            nightly: NightlySettings::default(),
            export: ExportSettings::default(),
            serve: ServeSettings::default(),
            offices: BTreeMap::new(),
        }
    }
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings { path: PathBuf::from("out/store") }
    }
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings { quarantine_threshold: 0.05, max_wait_hours: 14.0, max_service_hours: 14.0 }
    }
}

impl Default for SimulateSettings {
    fn default() -> Self {
        SimulateSettings {
            seed: 2025,
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
            days: 365,
            offices: 3,
            scale: 1.0,
        }
    }
}

impl Settings {
    /// Reads `path`, or `queuecast.toml` in the working directory if present, or the defaults.
    pub fn load(path: Option<&Path>) -> Result<Settings, SettingsError> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(Settings::default()),
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|source| SettingsError::Read { path: path.clone(), source })?;
        Settings::from_toml(&text).map_err(|source| SettingsError::Parse { path, source })
    }

    /// Parses settings from TOML text (unknown keys are an error).
    pub fn from_toml(text: &str) -> Result<Settings, toml::de::Error> {
        toml::from_str(text)
    }

    /// The configured zone (valid after [`Settings::validate`]).
    pub fn tz(&self) -> Option<Tz> {
        crate::timezones::parse_tz(&self.timezone)
    }

    /// Whether `code` is a configured service code.
    pub fn is_service(&self, code: &str) -> bool {
        self.services.iter().any(|s| s.code == code)
    }
}

/// Parses `MM-DD` (a day that exists in a leap year) into (month, day).
pub fn parse_month_day(text: &str) -> Option<(u32, u32)> {
    let (m, d) = text.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_documents_exactly_the_defaults() {
        let text = include_str!("../../queuecast.toml");
        let parsed = Settings::from_toml(text).expect("queuecast.toml parses");
        assert_eq!(parsed, Settings::default());
        parsed.validate().expect("defaults are valid");
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Settings::from_toml("[ingest]\nquarantine_treshold = 0.1\n").unwrap_err().to_string();
        assert!(err.contains("quarantine_treshold"), "{err}");
    }

    #[test]
    fn invalid_values_are_rejected_with_the_field() {
        let mut s = Settings::default();
        s.ingest.quarantine_threshold = 1.5;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("ingest.quarantine_threshold") && e.contains("1.5"), "{e}");
        let s = Settings { timezone: "Mars/Olympus".into(), ..Default::default() };
        assert!(s.validate().unwrap_err().to_string().contains("timezone"));
        for margin in [0.0, 1.2, f64::NAN] {
            let mut s = Settings::default();
            s.model.alarm_margin = margin;
            let e = s.validate().unwrap_err().to_string();
            assert!(e.contains("model.alarm_margin"), "{e}");
        }
        let mut s = Settings::default();
        s.model.alarm_margin = 1.0;
        assert!(s.validate().is_ok());
    }
}
