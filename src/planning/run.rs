//! The planners' runs over the store: staffing suggestions with their validation and the
//! slot-wait backtest (`queuecast staffing`), and the what-if (`queuecast whatif`); CSV
//! tables written atomically, and short text summaries for the terminal.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::output::atomic::write_atomic;
use crate::planning::queue_sim::{QueueSimError, SimParams};
use crate::planning::sim_day::{HistoryDay, history_day};
use crate::planning::slot_waits::{SlotBacktest, SlotWaitError, SlotWaitParams, backtest};
use crate::planning::staffing::{
    StaffingError, StaffingParams, StaffingRow, Validation, staffing_table, validate,
};
use crate::planning::staffing_check::{SuggestionCheck, check_suggestions};
use crate::planning::whatif::{WhatIf, WhatIfParams, what_if};
use crate::replay::{ReplayParams, office_days};
use crate::settings::Settings;
use crate::store::columns::{TicketColumns, load_columns};
use crate::store::{Store, StoreError};
use crate::time::minutes_to_ms;
use chrono_tz::Tz;

#[derive(Debug, thiserror::Error)]
pub enum PlanningError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store {0} holds no tickets")]
    Empty(PathBuf),
    #[error(transparent)]
    Staffing(#[from] StaffingError),
    #[error(transparent)]
    SlotWait(#[from] SlotWaitError),
    #[error("queue simulation: {0}")]
    Sim(#[from] QueueSimError),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Every stored office-day replayed as simulation input.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayedDays {
    pub offices: Vec<String>,
    pub days: Vec<HistoryDay>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Loads and replays the whole store.
pub fn load_history(store: &Store, replay: ReplayParams) -> Result<ReplayedDays, PlanningError> {
    let cols = load_columns(store, None, None)?;
    history_of(&cols, store.tz(), replay).ok_or_else(|| PlanningError::Empty(store.root().to_path_buf()))
}

/// Replays already loaded tickets into a history (`None` when there are none).
pub fn history_of(cols: &TicketColumns, tz: Tz, replay: ReplayParams) -> Option<ReplayedDays> {
    let (from, to) = cols.date_range()?;
    let days = office_days(cols).iter().map(|d| history_day(d, tz, replay)).collect();
    Some(ReplayedDays { offices: cols.offices.clone(), days, from, to })
}

pub fn replay_params(s: &Settings) -> ReplayParams {
    ReplayParams { idle_gap_ms: minutes_to_ms(s.profile.counter_idle_gap_minutes) }
}

pub fn sim_params(s: &Settings) -> SimParams {
    SimParams { call_gap_ms: (s.staffing.call_gap_seconds * 1000.0).round() as i64 }
}

/// Staffing table, its validation and the slot-wait backtest.
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

/// Runs the staffing suggestions (historical arrivals), their validation and the slot-wait backtest.
pub fn run_staffing(store: &Store, settings: &Settings) -> Result<StaffingReport, PlanningError> {
    staffing_report(&load_history(store, replay_params(settings))?, settings)
}

/// [`run_staffing`] on an already loaded history (the export loads it once for everything).
pub fn staffing_report(h: &ReplayedDays, settings: &Settings) -> Result<StaffingReport, PlanningError> {
    let params = StaffingParams::from_settings(settings);
    let table = staffing_table(&h.days, &h.offices, &[], &params)?;
    let validation = validate(&h.days, &table, &h.offices, &params);
    let st = &settings.staffing;
    let sw = SlotWaitParams {
        replications: st.slot_wait_replications,
        seed: st.seed,
        sim: sim_params(settings),
        history_weeks: st.slot_wait_history_weeks,
        test_weeks: st.slot_wait_backtest_weeks,
    };
    let slot_backtest = backtest(&h.days, &h.offices, &sw)?;
    let check = check_suggestions(&h.days, &table, &h.offices, params.threshold_min, sw.sim)?;
    Ok(StaffingReport { from: h.from, to: h.to, params, table, validation, slot_backtest, check })
}

/// Runs the what-if for `shares` (the settings' shares when `None`).
pub fn run_whatif(
    store: &Store,
    settings: &Settings,
    shares: Option<Vec<f64>>,
) -> Result<WhatIf, PlanningError> {
    whatif_report(&load_history(store, replay_params(settings))?, settings, shares)
}

/// [`run_whatif`] on an already loaded history.
pub fn whatif_report(
    h: &ReplayedDays,
    settings: &Settings,
    shares: Option<Vec<f64>>,
) -> Result<WhatIf, PlanningError> {
    let p = WhatIfParams {
        shares: shares.unwrap_or_else(|| settings.staffing.whatif_shares.clone()),
        seed: settings.staffing.seed,
        threshold_min: settings.staffing.wait_threshold_minutes,
        sim: sim_params(settings),
    };
    Ok(what_if(&h.days, &h.offices, &p)?)
}

/// A float to 4 decimals; empty for NaN or infinite (CSV null).
fn f(x: f64) -> String {
    if x.is_finite() { format!("{x:.4}") } else { String::new() }
}

fn write_csv(dir: &Path, name: &str, text: &str) -> Result<PathBuf, PlanningError> {
    let path = dir.join(name);
    write_atomic(&path, |w| std::io::Write::write_all(w, text.as_bytes()))
        .map_err(|source| PlanningError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// Writes `staffing.csv`, `staffing_validation.csv` and `slot_wait_backtest.csv` into `dir`.
pub fn write_staffing(r: &StaffingReport, dir: &Path) -> Result<Vec<PathBuf>, PlanningError> {
    let mut t = String::from(
        "office_id,weekday,hour,open_days,observed_counters,arrivals_per_hour,arrival_source,service_min,suggested_counters,predicted_sl_suggested,predicted_sl_observed,measured_sl\n",
    );
    for x in &r.table {
        let _ = writeln!(
            t,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            x.office,
            x.weekday,
            x.hour,
            x.open_days,
            f(x.observed_counters),
            f(x.arrivals_per_hour),
            x.arrival_source,
            f(x.service_min),
            x.suggested_counters,
            f(x.predicted_sl_suggested),
            f(x.predicted_sl_observed),
            f(x.measured_sl)
        );
    }
    let mut v = String::from(
        "office_id,weekday,hour,counters,day_hours,tickets,stable,predicted_sl,measured_sl,error\n",
    );
    for x in &r.validation.rows {
        let _ = writeln!(
            v,
            "{},{},{},{},{},{},{},{},{},{}",
            x.office,
            x.weekday,
            x.hour,
            x.counters,
            x.day_hours,
            x.tickets,
            x.stable,
            f(x.predicted_sl),
            f(x.measured_sl),
            f(x.predicted_sl - x.measured_sl)
        );
    }
    let mut b = String::from(
        "office_id,date,slot,actual_n,actual_mean_min,pred_p50_min,pred_p90_min,pred_mean_min,baseline_mean_min,within_p90\n",
    );
    for x in &r.slot_backtest.rows {
        let _ = writeln!(
            b,
            "{},{},{},{},{},{},{},{},{},{}",
            x.office,
            x.date,
            x.slot,
            x.actual_n,
            f(x.actual_mean_min),
            f(x.pred_p50_min),
            f(x.pred_p90_min),
            f(x.pred_mean_min),
            f(x.baseline_mean_min),
            x.within_p90
        );
    }
    let mut c = String::from(
        "office_id,days,counter_hours_observed,counter_hours_suggested,mean_wait_observed_min,mean_wait_suggested_min,share_within_observed,share_within_suggested\n",
    );
    for x in &r.check {
        let _ = writeln!(
            c,
            "{},{},{},{},{},{},{},{}",
            x.office,
            x.days,
            f(x.counter_hours_observed),
            f(x.counter_hours_suggested),
            f(x.observed.mean_min),
            f(x.suggested.mean_min),
            f(x.observed.share_within),
            f(x.suggested.share_within)
        );
    }
    Ok(vec![
        write_csv(dir, "staffing_check.csv", &c)?,
        write_csv(dir, "staffing.csv", &t)?,
        write_csv(dir, "staffing_validation.csv", &v)?,
        write_csv(dir, "slot_wait_backtest.csv", &b)?,
    ])
}

/// Writes `whatif.csv` (one row per office × share × hour, hour `all` for the totals) and
/// `whatif_reproduction.csv` into `dir`.
pub fn write_whatif(w: &WhatIf, dir: &Path) -> Result<Vec<PathBuf>, PlanningError> {
    let mut t = String::from(
        "office_id,share,hour,tickets,moved,not_called,mean_wait_min,p50_wait_min,p90_wait_min,share_within\n",
    );
    for x in &w.rows {
        let hour = x.hour.map_or("all".to_string(), |h| h.to_string());
        let s = &x.waits;
        let _ = writeln!(
            t,
            "{},{},{hour},{},{},{},{},{},{},{}",
            x.office,
            x.share,
            x.tickets,
            x.moved,
            x.not_called,
            f(s.mean_min),
            f(s.p50_min),
            f(s.p90_min),
            f(s.share_within)
        );
    }
    let mut r = String::from(
        "office_id,days,tickets,actual_mean_min,sim_mean_min,actual_p90_min,sim_p90_min,actual_share_within,sim_share_within,day_mean_mae_min,day_mean_bias_min,call_gap_s\n",
    );
    for (o, x) in &w.reproduction {
        let _ = writeln!(
            r,
            "{o},{},{},{},{},{},{},{},{},{},{},{}",
            x.days,
            x.actual.n,
            f(x.actual.mean_min),
            f(x.simulated.mean_min),
            f(x.actual.p90_min),
            f(x.simulated.p90_min),
            f(x.actual.share_within),
            f(x.simulated.share_within),
            f(x.day_mean_mae_min),
            f(x.day_mean_bias_min),
            f(x.call_gap_ms as f64 / 1000.0)
        );
    }
    Ok(vec![write_csv(dir, "whatif.csv", &t)?, write_csv(dir, "whatif_reproduction.csv", &r)?])
}

/// Terminal summary of a staffing run.
pub fn staffing_summary(r: &StaffingReport) -> String {
    let p = &r.params;
    let mut s = format!(
        "staffing {} … {}: {} office × weekday × hour cells, target {:.0} % within {} min\n",
        r.from,
        r.to,
        r.table.len(),
        100.0 * p.target,
        p.threshold_min
    );
    let _ = writeln!(s, "Erlang C validation (predicted − measured service level, ticket-weighted):");
    let _ = writeln!(s, "  {:<14} {:>6} {:>8} {:>8} {:>8}", "office", "groups", "tickets", "MAE", "bias");
    let v = &r.validation;
    let extra = [
        ("all".to_string(), v.overall),
        ("ρ < 1 only".to_string(), v.stable),
        ("ρ ≥ 1 only".to_string(), v.unstable),
    ];
    for (o, e) in v.by_office.iter().chain(extra.iter()) {
        let _ = writeln!(
            s,
            "  {o:<14} {:>6} {:>8} {:>7.1}% {:>+7.1}%",
            e.groups,
            e.tickets,
            100.0 * e.mae,
            100.0 * e.bias
        );
    }
    let _ = writeln!(
        s,
        "suggested counters re-simulated on every day (same engine, observed counters as reference):"
    );
    let _ = writeln!(
        s,
        "  {:<14} {:>12} {:>12} {:>9} {:>9} {:>9} {:>9}",
        "office", "cnt-h obs.", "cnt-h sugg.", "mean obs", "mean sug", "≤ th obs", "≤ th sug"
    );
    for x in &r.check {
        let _ = writeln!(
            s,
            "  {:<14} {:>12.0} {:>12.0} {:>9.2} {:>9.2} {:>8.1}% {:>8.1}%",
            x.office,
            x.counter_hours_observed,
            x.counter_hours_suggested,
            x.observed.mean_min,
            x.suggested.mean_min,
            100.0 * x.observed.share_within,
            100.0 * x.suggested.share_within
        );
    }
    let _ = writeln!(s, "slot-wait backtest (minutes; coverage = share of tickets within predicted p90):");
    let _ = writeln!(
        s,
        "  {:<14} {:>6} {:>9} {:>9} {:>12} {:>9}",
        "office", "slots", "MAE p50", "MAE mean", "MAE baseline", "cover p90"
    );
    let b = &r.slot_backtest;
    for (o, e) in b.by_office.iter().chain(std::iter::once(&("all".to_string(), b.overall))) {
        let _ = writeln!(
            s,
            "  {o:<14} {:>6} {:>9.2} {:>9.2} {:>12.2} {:>8.1}%",
            e.slots,
            e.mae_p50,
            e.mae_mean,
            e.mae_baseline,
            100.0 * e.coverage_p90
        );
    }
    s
}

/// Terminal summary of a what-if run: totals per office and share, and the reproduction error.
pub fn whatif_summary(w: &WhatIf) -> String {
    let mut s = String::from("what-if totals (share 0 = baseline simulation):\n");
    let _ = writeln!(
        s,
        "  {:<14} {:>5} {:>7} {:>6} {:>9} {:>8} {:>9} {:>10}",
        "office", "share", "tickets", "moved", "mean min", "p90 min", "≤ thresh", "not called"
    );
    for x in w.rows.iter().filter(|x| x.hour.is_none()) {
        let _ = writeln!(
            s,
            "  {:<14} {:>5.2} {:>7} {:>6} {:>9.2} {:>8.2} {:>8.1}% {:>10}",
            x.office,
            x.share,
            x.tickets,
            x.moved,
            x.waits.mean_min,
            x.waits.p90_min,
            100.0 * x.waits.share_within,
            x.not_called
        );
    }
    let _ = writeln!(s, "baseline simulation vs measured waits (called in both):");
    let _ = writeln!(
        s,
        "  {:<14} {:>5} {:>9} {:>9} {:>10} {:>10} {:>10} {:>7}",
        "office", "days", "actual", "simulated", "act. ≤ th", "sim ≤ th", "day MAE", "gap s"
    );
    for (o, r) in &w.reproduction {
        let _ = writeln!(
            s,
            "  {o:<14} {:>5} {:>9.2} {:>9.2} {:>9.1}% {:>9.1}% {:>10.2} {:>7.1}",
            r.days,
            r.actual.mean_min,
            r.simulated.mean_min,
            100.0 * r.actual.share_within,
            100.0 * r.simulated.share_within,
            r.day_mean_mae_min,
            r.call_gap_ms as f64 / 1000.0
        );
    }
    s
}
