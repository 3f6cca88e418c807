//! Sample data: a discrete-event simulation of citizens' offices that writes canonical ticket logs.
//!
//! Each office-day is simulated on its own random stream (seeded from seed, office and date),
//! and days are streamed in order, so memory is bounded by one day of all offices and the
//! same settings always give the same bytes.
//!
//! Closing policy (see [`engine`]): the dispenser closes 30 minutes before closing (earlier for
//! citizens who would not be served in time); counters call nobody after closing; tickets
//! still waiting then are cancelled by staff a few minutes after closing.
//!
//! [`bound`] replays simulated days to measure how well any wait prediction can do on them.

pub mod bound;
pub mod clock;
pub mod county;
pub mod demand;
pub mod engine;
pub mod offices;
pub mod services;
mod slot_posterior;
pub mod writer;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate};
use chrono_tz::Tz;

use crate::random;
use crate::schema::{Channel, Outcome, Ticket};
use crate::settings::{ServiceCode, SimulateSettings};
use crate::timezones::days_since_epoch;
use clock::DayClock;
use engine::{OfficeDay, latest_minute, simulate_day};
use offices::OfficePreset;
use services::SERVICES;

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("simulate.{field} = {value}: expected {expected}")]
    InvalidParams { field: &'static str, value: String, expected: &'static str },
    #[error("service code {code} (used by office {office}) is not among the configured services")]
    UnknownService { code: String, office: String },
    #[error("cannot write {path}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// What a simulation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulateSummary {
    /// Tickets emitted.
    pub tickets: u64,
    /// Office-days the offices were open.
    pub office_days: u64,
    pub offices: u32,
    /// First and last simulated date (inclusive).
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub served: u64,
    pub no_show: u64,
    pub cancelled: u64,
    pub walk_ins: u64,
    pub appointments: u64,
    /// Walk-ins the dispenser refused (no ticket) because they would not be served before closing.
    pub turned_away: u64,
    /// Booked appointments nobody came to (no ticket).
    pub missed_appointments: u64,
}

impl SimulateSummary {
    fn new(first_date: NaiveDate, last_date: NaiveDate, offices: u32) -> SimulateSummary {
        SimulateSummary {
            tickets: 0,
            office_days: 0,
            offices,
            first_date,
            last_date,
            served: 0,
            no_show: 0,
            cancelled: 0,
            walk_ins: 0,
            appointments: 0,
            turned_away: 0,
            missed_appointments: 0,
        }
    }

    /// Number of tickets with the given outcome.
    pub fn count(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Served => self.served,
            Outcome::NoShow => self.no_show,
            Outcome::Cancelled => self.cancelled,
        }
    }

    fn add(&mut self, t: &Ticket) {
        self.tickets += 1;
        match t.outcome {
            Outcome::Served => self.served += 1,
            Outcome::NoShow => self.no_show += 1,
            Outcome::Cancelled => self.cancelled += 1,
        }
        match t.channel {
            Channel::WalkIn => self.walk_ins += 1,
            Channel::Appointment => self.appointments += 1,
        }
    }
}

/// Simulates `params.days` days of the first `params.offices` offices ([`county::roster`]) and
/// hands every ticket to `sink`, ordered by local date, office id, issue time and ticket id.
pub fn simulate(
    params: &SimulateSettings,
    services: &[ServiceCode],
    tz: Tz,
    sink: &mut dyn FnMut(&Ticket) -> Result<(), SimulateError>,
) -> Result<SimulateSummary, SimulateError> {
    let (first, last) = check_params(params)?;
    let chosen = county::roster(params.offices);
    check_services(&chosen, services)?;
    // Output is by office id; the office's position stays the random stream's identity.
    let mut order: Vec<usize> = (0..chosen.len()).collect();
    order.sort_by(|&a, &b| chosen[a].id.cmp(&chosen[b].id));

    let mut summary = SimulateSummary::new(first, last, params.offices);
    let mut date = first;
    while date <= last {
        if !demand::is_closing_day(date) {
            for &i in &order {
                let office = &chosen[i];
                let Some(hours) = office.hours_on(date.weekday()) else { continue };
                let clock = DayClock::new(date, tz, hours.open, latest_minute(hours));
                let mut rng = random::day_rng(params.seed, i, i64::from(days_since_epoch(date)));
                let day = OfficeDay { office, date, hours, scale: params.scale };
                let result = simulate_day(&day, &mut rng, &clock);
                summary.office_days += 1;
                summary.turned_away += u64::from(result.turned_away);
                summary.missed_appointments += u64::from(result.missed_appointments);
                for t in &result.tickets {
                    sink(t)?;
                    summary.add(t);
                }
            }
        }
        match date.checked_add_days(Days::new(1)) {
            Some(next) => date = next,
            None => break,
        }
    }
    Ok(summary)
}

/// Simulates into a canonical CSV file (gzip when `out` ends in `.gz`), written atomically.
pub fn write_csv(
    params: &SimulateSettings,
    services: &[ServiceCode],
    tz: Tz,
    out: &Path,
) -> Result<SimulateSummary, SimulateError> {
    let mut csv = writer::CsvFile::create(out, tz)?;
    let summary = simulate(params, services, tz, &mut |t| csv.write_ticket(t))?;
    csv.commit()?;
    Ok(summary)
}

/// Checks the parameters once (the library may be called without `Settings::validate`) and
/// returns the first and last simulated date.
fn check_params(p: &SimulateSettings) -> Result<(NaiveDate, NaiveDate), SimulateError> {
    let invalid = |field, value: String, expected| SimulateError::InvalidParams { field, value, expected };
    if !(1..=county::MAX_OFFICES).contains(&p.offices) {
        return Err(invalid("offices", p.offices.to_string(), "1 to 999 offices"));
    }
    if !(p.scale.is_finite() && p.scale > 0.0 && p.scale <= 1000.0) {
        return Err(invalid("scale", p.scale.to_string(), "a multiplier in (0, 1000]"));
    }
    let last = (p.days >= 1)
        .then(|| p.start.checked_add_days(Days::new(u64::from(p.days) - 1)))
        .flatten()
        .filter(|d| crate::timezones::PLAUSIBLE_YEARS.contains(&d.year()))
        .filter(|_| crate::timezones::PLAUSIBLE_YEARS.contains(&p.start.year()));
    match last {
        Some(last) => Ok((p.start, last)),
        None => {
            Err(invalid("days", format!("{} from {}", p.days, p.start), "at least one day, within 2000–2099"))
        }
    }
}

/// Every service an office can draw must be a configured code.
fn check_services(offices: &[OfficePreset], services: &[ServiceCode]) -> Result<(), SimulateError> {
    for office in offices {
        for (weight, profile) in office.mix.iter().zip(SERVICES.iter()) {
            if *weight > 0.0 && !services.iter().any(|s| s.code == profile.code) {
                return Err(SimulateError::UnknownService {
                    code: profile.code.to_string(),
                    office: office.id.to_string(),
                });
            }
        }
    }
    Ok(())
}

impl std::fmt::Display for SimulateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} tickets, {} offices, {} office-days, {} … {} (served {}, no-show {}, cancelled {}; \
             walk-in {}, appointment {}; turned away {}, missed appointments {})",
            self.tickets,
            self.offices,
            self.office_days,
            self.first_date,
            self.last_date,
            self.served,
            self.no_show,
            self.cancelled,
            self.walk_ins,
            self.appointments,
            self.turned_away,
            self.missed_appointments
        )
    }
}
