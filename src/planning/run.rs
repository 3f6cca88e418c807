//! The planners' runs over the store: every stored office-day replayed once
//! ([`ReplayedDays`]), then the staffing suggestions with their validation, re-simulation
//! check and the slot-wait backtest (`queuecast staffing`), and the what-if (`queuecast whatif`).

use chrono::NaiveDate;

use crate::planning::PlanningError;
use crate::planning::params::PlanningParams;
use crate::planning::sim_day::ReplayedDays;
use crate::planning::slot_waits::{SlotBacktest, backtest};
use crate::planning::staffing::{StaffingParams, StaffingRow, Validation, staffing_table, validate};
use crate::planning::staffing_check::{SuggestionCheck, check_suggestions};
use crate::planning::whatif::{WhatIf, what_if};

/// Staffing table, its validation, the re-simulation check and the slot-wait backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub params: StaffingParams,
    pub table: Vec<StaffingRow>,
    pub validation: Validation,
    pub slot_backtest: SlotBacktest,
    /// The suggestions re-simulated on every historical day, per office.
    pub check: Vec<SuggestionCheck>,
}

/// Runs the staffing suggestions (historical arrivals), their validation, the re-simulation
/// check and the slot-wait backtest on replayed days.
pub fn staffing_report(h: &ReplayedDays, p: &PlanningParams) -> Result<StaffingReport, PlanningError> {
    let table = staffing_table(h, &[], &p.staffing)?;
    let validation = validate(h, &table, &p.staffing);
    let slot_backtest = backtest(h, &p.slot_waits)?;
    let check = check_suggestions(h, &table, p.staffing.threshold_min, p.sim)?;
    let (from, to) = (h.from(), h.to());
    Ok(StaffingReport { from, to, params: p.staffing, table, validation, slot_backtest, check })
}

/// Runs the what-if (baseline and every share of the parameters) on replayed days.
pub fn whatif_report(h: &ReplayedDays, p: &PlanningParams) -> Result<WhatIf, PlanningError> {
    Ok(what_if(h, &p.whatif)?)
}
