//! `queuecast export`: computes forecasts, expected waits, profiles and planning tables from the
//! store and publishes them as one generation (see [`crate::export`]). The generation id and
//! `created_at` are parameters, so the same store, settings and id give the same bytes.
//!
//! Order of work: everything is computed first, then the files are written into the
//! `.partial` generation, so a failure in a stage leaves no directory behind, and a kill while
//! writing leaves the previous generation current.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};

use crate::catalog::CatalogError;
use crate::export::office::{OfficeWaits, office_json, open_day_arrivals, profile_json};
use crate::export::report::{ModelCard, ReportInputs, report_json};
use crate::export::tables::{CountOf, TableFile, add_staged, add_suppressed_csv, staging_dir};
use crate::export::{
    ExportError, Generation, GenerationWriter, ManifestMeta, SourceRange, combined_sha256, io_err,
};
use crate::forecast::planning::{self, History, PlanningError, StaffingReport};
use crate::forecast::run::ForecastRun;
use crate::forecast::slot_waits::{SlotBacktestScore, SlotWaitError, SlotWaitParams, slot_waits_for_day};
use crate::forecast::whatif::WhatIf;
use crate::forecast::{ForecastError, arrival_backtest};
use crate::profile::{ProfileError, ProfileParams, ProfileTables};
use crate::settings::Settings;
use crate::store::columns::{TicketColumns, load_columns};
use crate::store::manifest::Manifest;
use crate::store::{Store, StoreError};

/// Test hook: when this environment variable is `1`, the export stops after writing its first
/// file into the `.partial` generation, prints [`PAUSE_MARKER`] to stderr and sleeps until
/// killed — so a test can SIGKILL it mid-export (tests/export_run.rs). Unset in production.
pub const PAUSE_ENV: &str = "QUEUECAST_EXPORT_PAUSE_AFTER_FIRST_FILE";
/// What the paused export prints.
pub const PAUSE_MARKER: &str = "queuecast-export-paused";

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Forecast(#[from] ForecastError),
    #[error(transparent)]
    Planning(#[from] PlanningError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("expected waits of office {office} on {date}: {source}")]
    SlotWait { office: String, date: NaiveDate, source: SlotWaitError },
    #[error("weekday × hour profile of office {office}: {message}")]
    ProfileJson { office: String, message: String },
    #[error("the store {0} holds no tickets: nothing to export")]
    Empty(PathBuf),
}

/// What an export did, for the terminal.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub generation: Generation,
    pub offices: Vec<String>,
    pub source: (NaiveDate, NaiveDate),
    /// (file, data rows) of the table files.
    pub rows: Vec<(String, u64)>,
    /// The arrival backtest as a text table.
    pub backtest_table: String,
    /// The slot-wait backtest's scores per office and `all`.
    pub slot_wait_backtest: Vec<(String, SlotBacktestScore)>,
    pub missing_services: Vec<String>,
    pub review_warnings: Vec<String>,
    pub model_reason: Option<String>,
    /// Seconds per stage (not written anywhere: exports stay byte-identical).
    pub timings: Vec<(&'static str, f64)>,
}

/// Everything computed before writing.
struct Computed {
    cols: TicketColumns,
    source: (NaiveDate, NaiveDate),
    source_sha256: String,
    forecast: ForecastRun,
    staffing: StaffingReport,
    whatif: WhatIf,
    profile: ProfileTables,
    waits: Vec<OfficeWaits>,
}

/// The slot-wait parameters of the settings (as the staffing run uses them).
pub fn slot_wait_params(settings: &Settings) -> SlotWaitParams {
    let st = &settings.staffing;
    SlotWaitParams {
        replications: st.slot_wait_replications,
        seed: st.seed,
        sim: planning::sim_params(settings),
        history_weeks: st.slot_wait_history_weeks,
        test_weeks: st.slot_wait_backtest_weeks,
    }
}

/// Computes and publishes one generation `id` under `out`.
pub fn export(
    store: &Store,
    settings: &Settings,
    out: &Path,
    id: &str,
    created_at: DateTime<Utc>,
    model: Option<&Path>,
) -> Result<ExportSummary, RunError> {
    let catalog = crate::catalog::load(&settings.catalog.path)?;
    let mut timings = Vec::new();
    let c = compute(store, settings, &mut timings)?;
    let warnings: Vec<String> = crate::catalog::review_warnings(
        &catalog,
        created_at.date_naive(),
        settings.catalog.max_review_age_days,
    )
    .iter()
    .map(ToString::to_string)
    .collect();
    let card = ModelCard::load(model);
    let started = Instant::now();
    let keep = settings.export.keep_generations as usize;
    let mut g = GenerationWriter::begin(out, id)?.keep(keep)?;
    let k = settings.profile.min_cell_tickets;
    for (i, office) in c.cols.offices.iter().enumerate() {
        let profile = profile_json(&c.profile.weekday_hour, office, c.profile.from, c.profile.to, k)
            .map_err(|e| RunError::ProfileJson { office: office.clone(), message: e.to_string() })?;
        let doc = office_json(&c.forecast, office, &c.waits[i], profile, &card.json());
        g.add_json(&format!("offices/{office}.json"), &doc)?;
        pause_if_asked();
    }
    g.add_json("services.json", &crate::export::services_json(&catalog))?;
    let mut rows = write_tables(&mut g, out, id, &c, k)?;
    rows.extend(crate::export::report_tables::add_report_tables(
        &mut g,
        store,
        &c.forecast.backtest,
        &card,
        k,
    )?);
    let report = report_json(&ReportInputs {
        generation: id,
        source: c.source,
        catalog_path: &settings.catalog.path,
        catalog: &catalog,
        seen_services: &c.cols.services,
        review_warnings: warnings.clone(),
        arrival_backtest: &c.forecast.backtest,
        slot_backtest: &c.staffing.slot_backtest,
        slot_wait_replications: settings.staffing.slot_wait_replications,
        model: &card,
        rows: &rows,
    });
    g.add_json("export_report.json", &report)?;
    let meta = ManifestMeta {
        created_at,
        source: SourceRange { from: c.source.0, sha256: c.source_sha256.clone(), to: c.source.1 },
    };
    let generation = g.finish(&meta)?;
    timings.push(("write", started.elapsed().as_secs_f64()));
    Ok(ExportSummary {
        generation,
        offices: c.cols.offices.clone(),
        source: c.source,
        rows,
        backtest_table: arrival_backtest::table(&c.forecast.backtest),
        slot_wait_backtest: slot_scores(&c.staffing),
        missing_services: crate::catalog::missing_services(
            &catalog,
            c.cols.services.iter().map(String::as_str),
        ),
        review_warnings: warnings,
        model_reason: card.reason,
        timings,
    })
}

/// The slot-wait backtest's scores per office, then `all`.
fn slot_scores(r: &StaffingReport) -> Vec<(String, SlotBacktestScore)> {
    let b = &r.slot_backtest;
    b.by_office.iter().cloned().chain(std::iter::once(("all".to_string(), b.overall))).collect()
}

/// Runs every stage on the store; records the seconds each took.
fn compute(
    store: &Store,
    settings: &Settings,
    timings: &mut Vec<(&'static str, f64)>,
) -> Result<Computed, RunError> {
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };
    let cols = load_columns(store, None, None)?;
    let source = cols.date_range().ok_or_else(|| RunError::Empty(store.root().to_path_buf()))?;
    let manifest = Manifest::load(&store.manifest_path())?;
    let source_sha256 = combined_sha256(manifest.files.iter().map(|f| f.sha256.as_str()));
    lap("load", timings);
    let forecast =
        crate::forecast::run_on_columns(&cols, store.tz(), settings, None, settings.forecast.days)?;
    lap("forecast", timings);
    let history = planning::history_of(&cols, store.tz(), planning::replay_params(settings))
        .ok_or_else(|| RunError::Empty(store.root().to_path_buf()))?;
    let staffing = planning::staffing_report(&history, settings)?;
    let whatif = planning::whatif_report(&history, settings, None)?;
    lap("staffing and what-if", timings);
    let params = ProfileParams { suppress: true, ..ProfileParams::from_settings(settings) };
    let profile = crate::profile::compute(store, &params)?;
    lap("profile", timings);
    let waits = expected_waits(&history, &forecast, store, settings)?;
    lap("expected waits", timings);
    Ok(Computed { cols, source, source_sha256, forecast, staffing, whatif, profile, waits })
}

/// Expected waits of every open forecast day of every office, from the forecast's expected
/// arrivals (see [`slot_waits_for_day`]).
fn expected_waits(
    history: &History,
    forecast: &ForecastRun,
    store: &Store,
    settings: &Settings,
) -> Result<Vec<OfficeWaits>, RunError> {
    let params = slot_wait_params(settings);
    let mut all = Vec::new();
    for (i, office) in history.offices.iter().enumerate() {
        let mut waits = OfficeWaits::new();
        for d in 0..forecast.days {
            let Some(date) = forecast.origin.checked_add_days(chrono::Days::new(u64::from(d))) else {
                continue;
            };
            let Some(arrivals) = open_day_arrivals(forecast, office, date) else { continue };
            let w = slot_waits_for_day(&history.days, i as u32, date, store.tz(), Some(&arrivals), &params)
                .map_err(|source| RunError::SlotWait { office: office.clone(), date, source })?;
            waits.insert(date, w);
        }
        all.push(waits);
    }
    Ok(all)
}

/// Writes the stages' tables into a staging directory and copies the public ones in.
fn write_tables(
    g: &mut GenerationWriter,
    out: &Path,
    id: &str,
    c: &Computed,
    k: u32,
) -> Result<Vec<(String, u64)>, RunError> {
    let staging = staging_dir(out, id);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    }
    let result = add_tables(g, &staging, c, k);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    }
    result
}

/// Runs the stages' writers into `staging` and adds the public files to the generation.
fn add_tables(
    g: &mut GenerationWriter,
    staging: &Path,
    c: &Computed,
    k: u32,
) -> Result<Vec<(String, u64)>, RunError> {
    let sub = |name: &str| -> Result<PathBuf, RunError> {
        let dir = staging.join(name);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        Ok(dir)
    };
    let (profile, forecast, staffing, whatif) =
        (sub("profile")?, sub("forecast")?, sub("staffing")?, sub("whatif")?);
    crate::profile::write_tables(&c.profile, &profile)?;
    crate::forecast::write_forecast(&c.forecast, &forecast)?;
    planning::write_staffing(&c.staffing, &staffing)?;
    planning::write_whatif(&c.whatif, &whatif)?;
    let mut rows = Vec::new();
    let mut files: Vec<TableFile> = Vec::new();
    for (name, df) in c.profile.named() {
        for ext in ["parquet", "csv"] {
            let file = format!("{name}.{ext}");
            files.push(TableFile::new(&file, &format!("tables/profile/{file}"), Some(df.height())));
        }
    }
    files.push(TableFile::new("profile.json", "tables/profile/profile.json", None));
    rows.extend(add_staged(g, &profile, &files)?);
    let n = c.forecast.slots.len();
    let files = [
        TableFile::new("arrivals.parquet", "tables/forecast/arrivals.parquet", Some(n)),
        TableFile::new("arrivals.csv", "tables/forecast/arrivals.csv", Some(n)),
        TableFile::new(
            "backtest.csv",
            "tables/forecast/arrival_backtest.csv",
            Some(c.forecast.backtest.rows.len()),
        ),
        TableFile::new("backtest.json", "tables/forecast/arrival_backtest.json", None),
        TableFile::new("forecast.json", "tables/forecast/forecast.json", None),
    ];
    rows.extend(add_staged(g, &forecast, &files)?);
    // The staffing tables: cells of few tickets are suppressed like the profiles'.
    let check = [TableFile::new(
        "staffing_check.csv",
        "tables/staffing/staffing_check.csv",
        Some(c.staffing.check.len()),
    )];
    rows.extend(add_staged(g, &staffing, &check)?);
    let tables: [(&Path, &str, &str, &[&str], CountOf); 4] = [
        (
            &staffing,
            "staffing.csv",
            "tables/staffing/staffing.csv",
            &["office_id", "weekday", "hour", "open_days"],
            CountOf::Product("arrivals_per_hour", "open_days"),
        ),
        (
            &staffing,
            "staffing_validation.csv",
            "tables/staffing/staffing_validation.csv",
            &["office_id", "weekday", "hour", "counters", "day_hours"],
            CountOf::Column("tickets"),
        ),
        (
            &whatif,
            "whatif.csv",
            "tables/whatif/whatif.csv",
            &["office_id", "share", "hour"],
            CountOf::Column("tickets"),
        ),
        (
            &whatif,
            "whatif_reproduction.csv",
            "tables/whatif/whatif_reproduction.csv",
            &["office_id", "days"],
            CountOf::Column("tickets"),
        ),
    ];
    for (dir, staged, name, keys, count) in tables {
        let n = add_suppressed_csv(g, &dir.join(staged), name, keys, count, k)?;
        rows.push((name.to_string(), n));
    }
    Ok(rows)
}

/// See [`PAUSE_ENV`].
fn pause_if_asked() {
    if std::env::var(PAUSE_ENV).as_deref() == Ok("1") {
        eprintln!("{PAUSE_MARKER}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

/// The generation id of a run at `t`: `20261129T041500Z`.
pub fn generation_id(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn generation_id_is_the_utc_time_to_the_second() {
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 4, 15, 0).unwrap();
        assert_eq!(generation_id(t), "20261129T041500Z");
    }
}
