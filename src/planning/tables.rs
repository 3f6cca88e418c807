//! The planners' tables as typed rows — `staffing.csv`, `staffing_validation.csv`,
//! `slot_wait_backtest.csv`, `staffing_check.csv`, `whatif.csv`, `whatif_reproduction.csv` —
//! rendered by [`crate::output`]; the public (export) versions suppress rows of few tickets.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::output::{self, OutputFile, Plain, Suppressible, Table};
use crate::planning::PlanningError;
use crate::planning::run::StaffingReport;
use crate::planning::slot_waits::SlotBacktestRow;
use crate::planning::staffing::{StaffingRow, ValidationRow};
use crate::planning::staffing_check::SuggestionCheck;
use crate::planning::whatif::{Reproduction, WhatIf, WhatIfRow};
use crate::time::MS_PER_SECOND;

/// Floats of the planners' CSV tables have four decimals.
const DECIMALS: usize = 4;

impl Suppressible for StaffingRow {
    const KEYS: &'static [&'static str] = &["office_id", "weekday", "hour", "open_days"];
    /// Called tickets: arrivals per open day × open days (0 when not a number).
    fn tickets(&self) -> f64 {
        let t = (self.arrivals_per_hour * f64::from(self.open_days)).round();
        if t.is_finite() { t } else { 0.0 }
    }
}

/// A row of `staffing_validation.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ValidationTableRow {
    pub office_id: String,
    pub weekday: u8,
    pub hour: u8,
    pub counters: u32,
    pub day_hours: u32,
    pub tickets: u64,
    pub stable: bool,
    pub predicted_sl: f64,
    pub measured_sl: f64,
    /// Predicted − measured service level.
    pub error: f64,
}

impl From<&ValidationRow> for ValidationTableRow {
    fn from(x: &ValidationRow) -> Self {
        ValidationTableRow {
            office_id: x.office.clone(),
            weekday: x.weekday,
            hour: x.hour,
            counters: x.counters,
            day_hours: x.day_hours,
            tickets: x.tickets,
            stable: x.stable,
            predicted_sl: x.predicted_sl,
            measured_sl: x.measured_sl,
            error: x.predicted_sl - x.measured_sl,
        }
    }
}

impl Suppressible for ValidationTableRow {
    const KEYS: &'static [&'static str] = &["office_id", "weekday", "hour", "counters", "day_hours"];
    fn tickets(&self) -> f64 {
        self.tickets as f64
    }
}

/// A row of `staffing_check.csv` (the planners' report reads it back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CheckTableRow {
    pub office_id: String,
    pub days: usize,
    pub counter_hours_observed: f64,
    pub counter_hours_suggested: f64,
    pub mean_wait_observed_min: f64,
    pub mean_wait_suggested_min: f64,
    pub share_within_observed: f64,
    pub share_within_suggested: f64,
}

impl From<&SuggestionCheck> for CheckTableRow {
    fn from(x: &SuggestionCheck) -> Self {
        CheckTableRow {
            office_id: x.office.clone(),
            days: x.days,
            counter_hours_observed: x.counter_hours_observed,
            counter_hours_suggested: x.counter_hours_suggested,
            mean_wait_observed_min: x.observed.mean_min,
            mean_wait_suggested_min: x.suggested.mean_min,
            share_within_observed: x.observed.share_within,
            share_within_suggested: x.suggested.share_within,
        }
    }
}

/// A row of `whatif.csv`: one office, share and hour (`all` for the day's totals).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct WhatIfTableRow {
    pub office_id: String,
    pub share: Plain,
    pub hour: String,
    pub tickets: usize,
    pub moved: usize,
    pub not_called: usize,
    pub mean_wait_min: f64,
    pub p50_wait_min: f64,
    pub p90_wait_min: f64,
    pub share_within: f64,
}

impl From<&WhatIfRow> for WhatIfTableRow {
    fn from(x: &WhatIfRow) -> Self {
        let s = &x.waits;
        WhatIfTableRow {
            office_id: x.office.clone(),
            share: Plain(x.share),
            hour: x.hour.map_or("all".to_string(), |h| h.to_string()),
            tickets: x.tickets,
            moved: x.moved,
            not_called: x.not_called,
            mean_wait_min: s.mean_min,
            p50_wait_min: s.p50_min,
            p90_wait_min: s.p90_min,
            share_within: s.share_within,
        }
    }
}

impl Suppressible for WhatIfTableRow {
    const KEYS: &'static [&'static str] = &["office_id", "share", "hour"];
    fn tickets(&self) -> f64 {
        self.tickets as f64
    }
}

/// A row of `whatif_reproduction.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ReproductionTableRow {
    pub office_id: String,
    pub days: usize,
    pub tickets: usize,
    pub actual_mean_min: f64,
    pub sim_mean_min: f64,
    pub actual_p90_min: f64,
    pub sim_p90_min: f64,
    pub actual_share_within: f64,
    pub sim_share_within: f64,
    pub day_mean_mae_min: f64,
    pub day_mean_bias_min: f64,
    pub call_gap_s: f64,
}

impl From<&Reproduction> for ReproductionTableRow {
    fn from(x: &Reproduction) -> Self {
        ReproductionTableRow {
            office_id: x.office.clone(),
            days: x.days,
            tickets: x.actual.n,
            actual_mean_min: x.actual.mean_min,
            sim_mean_min: x.simulated.mean_min,
            actual_p90_min: x.actual.p90_min,
            sim_p90_min: x.simulated.p90_min,
            actual_share_within: x.actual.share_within,
            sim_share_within: x.simulated.share_within,
            day_mean_mae_min: x.day_mean_mae_min,
            day_mean_bias_min: x.day_mean_bias_min,
            call_gap_s: x.call_gap_ms as f64 / MS_PER_SECOND as f64,
        }
    }
}

impl Suppressible for ReproductionTableRow {
    const KEYS: &'static [&'static str] = &["office_id", "days"];
    fn tickets(&self) -> f64 {
        self.tickets as f64
    }
}

fn rows<'a, T: 'a, R: From<&'a T>>(items: &'a [T]) -> Vec<R> {
    items.iter().map(R::from).collect()
}

/// `staffing_check.csv`, `staffing.csv`, `staffing_validation.csv` and `slot_wait_backtest.csv`.
pub fn staffing_files(r: &StaffingReport) -> Result<Vec<OutputFile>, PlanningError> {
    let validation: Vec<ValidationTableRow> = rows(&r.validation.rows);
    Ok(vec![
        check_file(r)?,
        OutputFile::csv("staffing.csv", &Table::of(&r.table)?, DECIMALS),
        OutputFile::csv("staffing_validation.csv", &Table::of(&validation)?, DECIMALS),
        OutputFile::csv(
            "slot_wait_backtest.csv",
            &Table::of::<SlotBacktestRow>(&r.slot_backtest.rows)?,
            DECIMALS,
        ),
    ])
}

/// The staffing tables that are published: the check as it is, the table and its validation
/// with rows of fewer than `k` tickets suppressed; `slot_wait_backtest.csv` is left out (one row
/// per office-date-slot can rest on one ticket).
pub fn public_staffing_files(r: &StaffingReport, k: u32) -> Result<Vec<OutputFile>, PlanningError> {
    let validation: Vec<ValidationTableRow> = rows(&r.validation.rows);
    Ok(vec![
        check_file(r)?,
        OutputFile::csv("staffing.csv", &Table::suppressed(&r.table, k)?, DECIMALS),
        OutputFile::csv("staffing_validation.csv", &Table::suppressed(&validation, k)?, DECIMALS),
    ])
}

fn check_file(r: &StaffingReport) -> Result<OutputFile, PlanningError> {
    let check: Vec<CheckTableRow> = rows(&r.check);
    Ok(OutputFile::csv("staffing_check.csv", &Table::of(&check)?, DECIMALS))
}

/// `whatif.csv` (one row per office × share × hour, hour `all` for the totals) and
/// `whatif_reproduction.csv`; with `k`, rows of fewer than `k` tickets are suppressed.
pub fn whatif_files(w: &WhatIf, k: Option<u32>) -> Result<Vec<OutputFile>, PlanningError> {
    let table: Vec<WhatIfTableRow> = rows(&w.rows);
    let repro: Vec<ReproductionTableRow> = rows(&w.reproduction);
    let (table, repro) = match k {
        Some(k) => (Table::suppressed(&table, k)?, Table::suppressed(&repro, k)?),
        None => (Table::of(&table)?, Table::of(&repro)?),
    };
    Ok(vec![
        OutputFile::csv("whatif.csv", &table, DECIMALS),
        OutputFile::csv("whatif_reproduction.csv", &repro, DECIMALS),
    ])
}

/// Writes the staffing tables into `dir`.
pub fn write_staffing(r: &StaffingReport, dir: &Path) -> Result<Vec<PathBuf>, PlanningError> {
    Ok(output::write_files(dir, &staffing_files(r)?)?)
}

/// Writes the what-if tables into `dir`.
pub fn write_whatif(w: &WhatIf, dir: &Path) -> Result<Vec<PathBuf>, PlanningError> {
    Ok(output::write_files(dir, &whatif_files(w, None)?)?)
}
