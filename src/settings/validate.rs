//! Checking settings once: [`Settings::validate`] turns raw settings into [`ValidSettings`], the
//! only form the stages accept, so every later stage can trust every field.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::Deref;

use chrono_tz::Tz;

use crate::settings::serve::CheckedServe;
use crate::settings::{Settings, SettingsError, parse_month_day};

/// Settings that passed [`Settings::validate`]: every field in its range and the time zone
/// parsed. Read-only; derefs to [`Settings`] for the fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSettings {
    settings: Settings,
    tz: Tz,
    serve: CheckedServe,
}

impl ValidSettings {
    /// The offices' time zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The checked settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The address `queuecast serve` listens on (`[serve] addr`).
    pub fn serve_addr(&self) -> SocketAddr {
        self.serve.addr
    }

    /// Office id → SHA-256 (lowercase hex) of the token its ticket system posts events with
    /// (`[offices.<id>] token_sha256`); offices without one accept no events.
    pub fn event_token_sha256(&self) -> &BTreeMap<String, String> {
        &self.serve.token_sha256
    }
}

impl Deref for ValidSettings {
    type Target = Settings;

    fn deref(&self) -> &Settings {
        &self.settings
    }
}

impl Settings {
    /// Checks every field once and returns the settings in the form the stages take.
    pub fn validate(&self) -> Result<ValidSettings, SettingsError> {
        let invalid = |field, value: String, expected| Err(SettingsError::Invalid { field, value, expected });
        let Some(tz) = self.tz() else {
            return invalid("timezone", self.timezone.clone(), "an IANA zone name such as Europe/Berlin");
        };
        if self.services.is_empty() {
            return invalid("services", "[]".into(), "at least one service code");
        }
        let mut codes: Vec<&str> = self.services.iter().map(|s| s.code.as_str()).collect();
        codes.sort_unstable();
        if let Some(w) = codes.windows(2).find(|w| w[0] == w[1]) {
            return invalid("services", w[0].to_string(), "each code once");
        }
        if let Some(s) = self.services.iter().find(|s| s.code.trim().is_empty() || s.code.trim() != s.code) {
            return invalid(
                "services.code",
                format!("'{}'", s.code),
                "a non-empty code without spaces around it",
            );
        }
        let q = self.ingest.quarantine_threshold;
        if !(0.0..=1.0).contains(&q) {
            return invalid("ingest.quarantine_threshold", q.to_string(), "a share between 0 and 1");
        }
        for (field, v) in [
            ("ingest.max_wait_hours", self.ingest.max_wait_hours),
            ("ingest.max_service_hours", self.ingest.max_service_hours),
        ] {
            if !(v > 0.0 && v <= 48.0) {
                return invalid(field, v.to_string(), "hours in (0, 48]");
            }
        }
        let p = &self.profile;
        if p.window_weeks == 0 || p.window_weeks > 520 {
            return invalid("profile.window_weeks", p.window_weeks.to_string(), "1 to 520 weeks");
        }
        for (field, v) in [
            ("profile.service_level_minutes", p.service_level_minutes),
            ("profile.counter_idle_gap_minutes", p.counter_idle_gap_minutes),
        ] {
            if !(v > 0.0 && v <= 24.0 * 60.0) {
                return invalid(field, v.to_string(), "minutes in (0, 1440]");
            }
        }
        self.validate_model()?;
        self.validate_forecast()?;
        let sim = &self.simulate;
        if !(1..=super::MAX_SIMULATED_OFFICES).contains(&sim.offices) {
            return invalid("simulate.offices", sim.offices.to_string(), "1 to 999 offices");
        }
        if sim.days == 0 || sim.days > 3660 {
            return invalid("simulate.days", sim.days.to_string(), "1 to 3660 days");
        }
        if !(sim.scale > 0.0 && sim.scale <= 1000.0) {
            return invalid("simulate.scale", sim.scale.to_string(), "a multiplier in (0, 1000]");
        }
        self.validate_staffing()?;
        self.validate_catalog_and_export()?;
        let services: Vec<&str> = self.services.iter().map(|s| s.code.as_str()).collect();
        let serve = super::serve::validate(&self.serve, &self.offices, &services)?;
        Ok(ValidSettings { settings: self.clone(), tz, serve })
    }

    fn validate_model(&self) -> Result<(), SettingsError> {
        let invalid = |field, value: String, expected| Err(SettingsError::Invalid { field, value, expected });
        let m = &self.model;
        if m.backtest_weeks > 104 {
            return invalid("model.backtest_weeks", m.backtest_weeks.to_string(), "0 to 104 weeks");
        }
        if m.snapshot_minutes.is_nan() || m.snapshot_minutes <= 0.0 {
            return invalid(
                "model.snapshot_minutes",
                m.snapshot_minutes.to_string(),
                "a positive number of minutes",
            );
        }
        if m.calibration_days == 0 || m.calibration_days > 365 {
            return invalid("model.calibration_days", m.calibration_days.to_string(), "1 to 365 days");
        }
        if m.notice_minutes.is_nan() || m.notice_minutes < 0.0 {
            return invalid("model.notice_minutes", m.notice_minutes.to_string(), "minutes ≥ 0");
        }
        if !(m.alarm_margin > 0.0 && m.alarm_margin <= 1.0) {
            return invalid("model.alarm_margin", m.alarm_margin.to_string(), "a share in (0, 1]");
        }
        if !(0.0..=1.0).contains(&m.calibration_min_load) {
            return invalid(
                "model.calibration_min_load",
                m.calibration_min_load.to_string(),
                "a share in [0, 1]",
            );
        }
        if !(m.gate_max_worse >= 0.0 && m.gate_max_worse.is_finite()) {
            return invalid("model.gate_max_worse", m.gate_max_worse.to_string(), "a share ≥ 0");
        }
        let gbm_ranges: [(&str, String, bool, &str); 13] = [
            (
                "model.gbm_max_trees",
                m.gbm_max_trees.to_string(),
                (1..=10_000).contains(&m.gbm_max_trees),
                "1 to 10 000",
            ),
            (
                "model.gbm_learning_rate",
                m.gbm_learning_rate.to_string(),
                m.gbm_learning_rate > 0.0 && m.gbm_learning_rate <= 1.0,
                "(0, 1]",
            ),
            (
                "model.gbm_max_leaves",
                m.gbm_max_leaves.to_string(),
                (2..=1024).contains(&m.gbm_max_leaves),
                "2 to 1024",
            ),
            (
                "model.gbm_max_depth",
                m.gbm_max_depth.to_string(),
                (1..=32).contains(&m.gbm_max_depth),
                "1 to 32",
            ),
            ("model.gbm_min_leaf", m.gbm_min_leaf.to_string(), m.gbm_min_leaf >= 1, "1 or more snapshots"),
            (
                "model.gbm_l2",
                m.gbm_l2.to_string(),
                m.gbm_l2 >= 0.0 && m.gbm_l2.is_finite(),
                "a finite number ≥ 0",
            ),
            (
                "model.gbm_subsample",
                m.gbm_subsample.to_string(),
                m.gbm_subsample > 0.0 && m.gbm_subsample <= 1.0,
                "(0, 1]",
            ),
            (
                "model.gbm_early_stopping_rounds",
                m.gbm_early_stopping_rounds.to_string(),
                m.gbm_early_stopping_rounds >= 1,
                "1 or more rounds",
            ),
            (
                "model.gbm_valid_days",
                m.gbm_valid_days.to_string(),
                (1..=365).contains(&m.gbm_valid_days),
                "1 to 365 days",
            ),
            (
                "model.gbm_max_rows",
                m.gbm_max_rows.to_string(),
                m.gbm_max_rows >= 1000,
                "1 000 or more snapshots",
            ),
            (
                "model.gbm_max_rows_offices",
                m.gbm_max_rows_offices.to_string(),
                m.gbm_max_rows_offices <= 100_000,
                "0 (never grow the cap) to 100 000 offices",
            ),
            (
                "model.gbm_threads",
                m.gbm_threads.to_string(),
                (1..=64).contains(&m.gbm_threads),
                "1 to 64 threads",
            ),
            ("model.gbm_min_r2", m.gbm_min_r2.to_string(), (0.0..1.0).contains(&m.gbm_min_r2), "[0, 1)"),
        ];
        if let Some((field, value, _, range)) = gbm_ranges.into_iter().find(|r| !r.2) {
            return invalid(field, value, range);
        }
        Ok(())
    }

    fn validate_staffing(&self) -> Result<(), SettingsError> {
        let invalid = |field, value: String, expected| Err(SettingsError::Invalid { field, value, expected });
        let st = &self.staffing;
        if !(st.target_service_level > 0.0 && st.target_service_level < 1.0) {
            return invalid(
                "staffing.target_service_level",
                st.target_service_level.to_string(),
                "a share in (0, 1)",
            );
        }
        if !(st.wait_threshold_minutes > 0.0 && st.wait_threshold_minutes <= 24.0 * 60.0) {
            return invalid(
                "staffing.wait_threshold_minutes",
                st.wait_threshold_minutes.to_string(),
                "minutes in (0, 1440]",
            );
        }
        if st.max_counters == 0 || st.max_counters > 10_000 {
            return invalid("staffing.max_counters", st.max_counters.to_string(), "1 to 10000 counters");
        }
        if !(st.call_gap_seconds >= 0.0 && st.call_gap_seconds <= 3600.0) {
            return invalid(
                "staffing.call_gap_seconds",
                st.call_gap_seconds.to_string(),
                "seconds in [0, 3600]",
            );
        }
        if let Some(s) = st.whatif_shares.iter().find(|s| !(**s > 0.0 && **s <= 1.0)) {
            return invalid("staffing.whatif_shares", s.to_string(), "shares in (0, 1]");
        }
        if st.slot_wait_replications == 0 || st.slot_wait_replications > 10_000 {
            return invalid(
                "staffing.slot_wait_replications",
                st.slot_wait_replications.to_string(),
                "1 to 10000",
            );
        }
        for (field, v) in [
            ("staffing.slot_wait_history_weeks", st.slot_wait_history_weeks),
            ("staffing.slot_wait_backtest_weeks", st.slot_wait_backtest_weeks),
        ] {
            if v == 0 || v > 520 {
                return invalid(field, v.to_string(), "1 to 520 weeks");
            }
        }
        Ok(())
    }

    fn validate_forecast(&self) -> Result<(), SettingsError> {
        let invalid = |field, value: String, expected| Err(SettingsError::Invalid { field, value, expected });
        let f = &self.forecast;
        if f.days == 0 || f.days > 366 {
            return invalid("forecast.days", f.days.to_string(), "1 to 366 days");
        }
        for (field, v) in [
            ("forecast.baseline_weeks", f.baseline_weeks),
            ("forecast.backtest_weeks", f.backtest_weeks),
            ("forecast.opening_weeks", f.opening_weeks),
        ] {
            if v == 0 || v > 104 {
                return invalid(field, v.to_string(), "1 to 104 weeks");
            }
        }
        if !(f.opening_share > 0.0 && f.opening_share < 1.0) {
            return invalid("forecast.opening_share", f.opening_share.to_string(), "a share in (0, 1)");
        }
        if f.model_halflife_weeks.is_nan()
            || f.model_halflife_weeks <= 0.0
            || f.model_ridge.is_nan()
            || f.model_ridge < 0.0
        {
            return invalid(
                "forecast.model_halflife_weeks",
                format!("{} (ridge {})", f.model_halflife_weeks, f.model_ridge),
                "a positive half-life and a ridge penalty ≥ 0",
            );
        }
        let [lo, hi] = f.level_quantiles;
        if !(0.0 < lo && lo < hi && hi < 1.0) {
            return invalid("forecast.level_quantiles", format!("[{lo}, {hi}]"), "0 < low < high < 1");
        }
        if let Some(md) = f.annual_closures.iter().find(|md| parse_month_day(md).is_none()) {
            return invalid("forecast.annual_closures", md.clone(), "month-days MM-DD such as 12-24");
        }
        Ok(())
    }

    fn validate_catalog_and_export(&self) -> Result<(), SettingsError> {
        let invalid = |field, value: String, expected| Err(SettingsError::Invalid { field, value, expected });
        let age = self.catalog.max_review_age_days;
        if age == 0 || age > 3650 {
            return invalid("catalog.max_review_age_days", age.to_string(), "1 to 3650 days");
        }
        let keep = self.export.keep_generations;
        if keep == 0 || keep > 100 {
            return invalid("export.keep_generations", keep.to_string(), "1 to 100 generations");
        }
        self.validate_nightly()
    }

    fn validate_nightly(&self) -> Result<(), SettingsError> {
        let invalid = |field, value: String, expected| Err(SettingsError::Invalid { field, value, expected });
        let n = &self.nightly;
        if n.retrain_days == 0 || n.retrain_days > 366 {
            return invalid("nightly.retrain_days", n.retrain_days.to_string(), "1 to 366 days");
        }
        if !(n.drift_ratio.is_finite() && n.drift_ratio >= 1.0) {
            return invalid("nightly.drift_ratio", n.drift_ratio.to_string(), "a factor of at least 1");
        }
        if !matches!(n.report_lang.as_str(), "de" | "en") {
            return invalid("nightly.report_lang", n.report_lang.clone(), "de or en");
        }
        // Formats and mapping files are checked where they are read (nightly's start), like
        // `ingest --format/--mapping`.
        for rule in &n.rules {
            if glob::Pattern::new(&rule.pattern).is_err() {
                return invalid("nightly.rules.pattern", rule.pattern.clone(), "a glob such as zms-*.csv");
            }
        }
        Ok(())
    }
}
