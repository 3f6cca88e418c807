//! Writing the planners' tables: `staffing.csv`, `staffing_validation.csv`,
//! `slot_wait_backtest.csv`, `staffing_check.csv`, `whatif.csv` and `whatif_reproduction.csv`,
//! each atomically.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::output::atomic::write_atomic;
use crate::planning::PlanningError;
use crate::planning::run::StaffingReport;
use crate::planning::whatif::WhatIf;

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
    for x in &w.reproduction {
        let _ = writeln!(
            r,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            x.office,
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
