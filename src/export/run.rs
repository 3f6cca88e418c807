//! `queuecast export`: computes forecasts, expected waits, profiles and planning tables from the
//! store and publishes them as one generation (see [`crate::export`]). The generation id and
//! `created_at` are parameters, so the same store, settings and id give the same bytes.
//!
//! Order of work: everything is computed and rendered first, then the files are written into
//! the `.partial` generation, so a failure in a stage leaves no directory behind, and a kill
//! while writing leaves the previous generation current.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

use crate::catalog::CatalogError;
use crate::export::office::{OfficeWaits, office_doc, open_day_arrivals, profile_doc};
use crate::export::report::{ModelCardJson, ReportInputs, TableRows, report_doc};
use crate::export::report_tables::{ReportTablesError, report_files};
use crate::export::{ExportError, ExportManifest, Generation, GenerationWriter, ManifestMeta, SourceRange};
use crate::forecast::arrival_backtest::ArrivalBacktest;
use crate::forecast::best_times::DayIndex;
use crate::forecast::{ForecastError, ForecastRun};
use crate::hashing::combined_sha256;
use crate::output::OutputFile;
use crate::planning::slot_waits::{SlotBacktestScore, SlotWaitError};
use crate::planning::wait_method::{WaitChoice, waits_for_day};
use crate::planning::whatif::WhatIf;
use crate::planning::{OfficeScore, PlanningError, PlanningParams, ReplayedDays, StaffingReport};
use crate::profile::{ProfileError, ProfileParams, ProfileTables};
use crate::settings::ValidSettings;
use crate::store::columns::load_columns;
use crate::store::manifest::Manifest;
use crate::store::{Store, StoreError};

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
    #[error("tables of the planners' report")]
    ReportTables(#[from] ReportTablesError),
    #[error("expected waits of office {office} on {date}")]
    SlotWait { office: String, date: NaiveDate, source: SlotWaitError },
    #[error("weekday × hour profile of office {office}")]
    ProfileCells { office: String, source: ProfileError },
    #[error("files added to the generation")]
    Extra(#[source] BoxError),
    #[error("the store {0} holds no tickets: nothing to export")]
    Empty(PathBuf),
}

/// What an export did, for the terminal.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub generation: Generation,
    pub offices: Vec<String>,
    /// First and last local date of the exported data.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Data rows of the table files.
    pub rows: Vec<TableRows>,
    pub arrival_backtest: ArrivalBacktest,
    /// The slot-wait backtest's scores per office, then `all`.
    pub slot_wait_backtest: Vec<OfficeScore<SlotBacktestScore>>,
    /// Per office: the method of its published expected waits, and why.
    pub wait_choices: Vec<OfficeScore<WaitChoice>>,
    pub missing_services: Vec<String>,
    pub review_warnings: Vec<String>,
    pub model_reason: Option<String>,
}

/// Everything computed before writing.
struct Computed {
    /// Office ids and service codes of the stored tickets (the tickets themselves are dropped
    /// once replayed).
    offices: Vec<String>,
    services: Vec<String>,
    source: (NaiveDate, NaiveDate),
    source_sha256: String,
    forecast: ForecastRun,
    staffing: StaffingReport,
    whatif: WhatIf,
    profile: ProfileTables,
    waits: Vec<OfficeWaits>,
}

/// Computes and publishes one generation `id` under `out`. The stages run in spans (see
/// [`compute`]); writing the generation is the span `write`.
pub fn export(
    store: &Store,
    settings: &ValidSettings,
    out: &Path,
    id: &str,
    created_at: DateTime<Utc>,
    model: Option<&Path>,
) -> Result<ExportSummary, RunError> {
    export_with(store, settings, out, id, created_at, model, &mut |_, _| Ok(Vec::new()))
}

/// Files a caller adds to a generation before it is finished, made from the generation as
/// written so far (its directory and manifest): `nightly` renders the planners' report there,
/// so the report is part of the generation and of its manifest.
pub type ExtraFiles<'a> = dyn FnMut(&Path, &ExportManifest) -> Result<Vec<OutputFile>, BoxError> + 'a;

/// The error of an [`ExtraFiles`] callback.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// [`export`], with `extra` files added last (before the manifest).
pub fn export_with(
    store: &Store,
    settings: &ValidSettings,
    out: &Path,
    id: &str,
    created_at: DateTime<Utc>,
    model: Option<&Path>,
    extra: &mut ExtraFiles<'_>,
) -> Result<ExportSummary, RunError> {
    let catalog = crate::catalog::load_configured(&settings.catalog.path)?;
    let c = compute(store, settings)?;
    let warnings: Vec<String> = crate::catalog::review_warnings(
        &catalog,
        created_at.date_naive(),
        settings.catalog.max_review_age_days,
    )
    .iter()
    .map(ToString::to_string)
    .collect();
    let card = ModelCardJson::load(model);
    let writing = tracing::info_span!("write").entered();
    let k = settings.profile.min_cell_tickets;
    let mut tables = table_files(&c, k)?;
    tables.extend(report_files(store, &c.forecast.backtest, &card, k)?);
    let keep = settings.export.keep_generations as usize;
    let mut g = GenerationWriter::begin(out, id)?.keep(keep)?;
    let index = DayIndex::new(&c.forecast.slots);
    for (i, office) in c.offices.iter().enumerate() {
        let cells = crate::profile::hours::office_hours(&c.profile.weekday_hour, office)
            .map_err(|source| RunError::ProfileCells { office: office.clone(), source })?;
        let profile = profile_doc(&cells, c.profile.from, c.profile.to, k);
        let doc = office_doc(&c.forecast, &index, office, &c.waits[i], profile, &card)
            .with_identity(settings.offices.get(office.as_str()));
        g.add_json(&format!("offices/{office}.json"), &doc)?;
        crate::checkpoint::reached("export:file-written");
    }
    g.add_json("services.json", &crate::export::services_json(&catalog))?;
    let mut rows = Vec::new();
    for f in &tables {
        g.add_bytes(&f.name, &f.bytes)?;
        if let Some(n) = f.rows {
            g.set_rows(&f.name, n)?;
            rows.push(TableRows { path: f.name.clone(), rows: n });
        }
    }
    let choices = wait_choices(&c);
    let report = report_doc(&ReportInputs {
        generation: id,
        source: c.source,
        catalog_path: &settings.catalog.path,
        catalog: &catalog,
        seen_services: &c.services,
        review_warnings: &warnings,
        arrival_backtest: &c.forecast.backtest,
        slot_backtest: &c.staffing.slot_backtest,
        wait_choices: &choices,
        slot_wait_replications: settings.staffing.slot_wait_replications,
        model: &card,
        rows: &rows,
    });
    g.add_json("export_report.json", &report)?;
    let meta = ManifestMeta {
        created_at,
        source: SourceRange { from: c.source.0, sha256: c.source_sha256.clone(), to: c.source.1 },
    };
    let files = extra(g.partial_dir(), &g.manifest(&meta)).map_err(RunError::Extra)?;
    for f in &files {
        g.add_bytes(&f.name, &f.bytes)?;
        crate::checkpoint::reached("export:file-written");
    }
    let generation = g.finish(&meta)?;
    drop(writing);
    Ok(ExportSummary {
        generation,
        offices: c.offices.clone(),
        from: c.source.0,
        to: c.source.1,
        rows,
        arrival_backtest: c.forecast.backtest.clone(),
        slot_wait_backtest: slot_scores(&c.staffing),
        wait_choices: choices,
        missing_services: crate::catalog::missing_services(&catalog, c.services.iter().map(String::as_str)),
        review_warnings: warnings,
        model_reason: card.reason,
    })
}

/// The slot-wait backtest's scores per office, then `all`.
fn slot_scores(r: &StaffingReport) -> Vec<OfficeScore<SlotBacktestScore>> {
    let b = &r.slot_backtest;
    let all = OfficeScore { office: "all".to_string(), score: b.overall };
    b.by_office.iter().cloned().chain(std::iter::once(all)).collect()
}

/// The method of each office's published waits.
fn wait_choices(c: &Computed) -> Vec<OfficeScore<WaitChoice>> {
    c.offices
        .iter()
        .zip(&c.waits)
        .map(|(o, w)| OfficeScore { office: o.clone(), score: w.choice.clone() })
        .collect()
}

/// Runs every stage on the store, each in its own span (target `queuecast::export::run`):
/// `profile`, `load`, `forecast`, `staffing and what-if`, `expected waits`. The profile reads the
/// store on its own, so it runs before the tickets are loaded, and the tickets are dropped once
/// replayed: at 10 M tickets of 85 offices the three overlapping set the export's peak memory.
fn compute(store: &Store, settings: &ValidSettings) -> Result<Computed, RunError> {
    let params = ProfileParams { suppress: true, ..ProfileParams::from_settings(settings) };
    let profile = tracing::info_span!("profile").in_scope(|| crate::profile::compute(store, &params))?;
    let (cols, source, source_sha256) = tracing::info_span!("load").in_scope(|| -> Result<_, RunError> {
        let cols = load_columns(store, None, None, false)?;
        let source = cols.date_range().ok_or_else(|| RunError::Empty(store.root().to_path_buf()))?;
        let manifest = Manifest::load(&store.manifest_path())?;
        Ok((cols, source, combined_sha256(manifest.files.iter().map(|f| f.sha256.as_str()))))
    })?;
    let forecast = tracing::info_span!("forecast")
        .in_scope(|| crate::forecast::run_on_columns(&cols, settings, None))?;
    let planning = PlanningParams::from_settings(settings);
    let (offices, services) = (cols.offices.clone(), cols.services.clone());
    let (history, staffing, whatif) =
        tracing::info_span!("staffing and what-if").in_scope(|| -> Result<_, RunError> {
            let history = ReplayedDays::of(&cols, store.tz(), planning.replay)?;
            drop(cols);
            let staffing = crate::planning::staffing_report(&history, &planning)?;
            let whatif = crate::planning::whatif_report(&history, &planning)?;
            Ok((history, staffing, whatif))
        })?;
    let waits = tracing::info_span!("expected waits")
        .in_scope(|| expected_waits(&history, &forecast, &staffing, store, &planning))?;
    Ok(Computed { offices, services, source, source_sha256, forecast, staffing, whatif, profile, waits })
}

/// Expected waits of every open forecast day of every office, from the forecast's expected
/// arrivals, by the method its slot-wait backtest chose (see [`WaitChoice::of`]).
fn expected_waits(
    history: &ReplayedDays,
    forecast: &ForecastRun,
    staffing: &StaffingReport,
    store: &Store,
    planning: &PlanningParams,
) -> Result<Vec<OfficeWaits>, RunError> {
    let params = &planning.slot_waits;
    let scores = &staffing.slot_backtest.by_office;
    let index = DayIndex::new(&forecast.slots);
    let offices: Vec<(usize, &String)> = history.offices().iter().enumerate().collect();
    // Offices are independent (each day's simulation has its own seeded stream): on the
    // available cores, in office order; the first error in that order is the one reported.
    let office_waits = |&(i, office): &(usize, &String)| -> Result<OfficeWaits, RunError> {
        let choice = WaitChoice::of(scores.iter().find(|s| &s.office == office).map(|s| &s.score));
        let mut waits = OfficeWaits { choice, days: Default::default() };
        for d in 0..forecast.days {
            let Some(date) = forecast.origin.checked_add_days(chrono::Days::new(u64::from(d))) else {
                continue;
            };
            let Some(arrivals) = open_day_arrivals(&index, office, date) else { continue };
            let method = waits.choice.method;
            let w =
                waits_for_day(method, history.days(), i as u32, date, store.tz(), Some(&arrivals), params)
                    .map_err(|source| RunError::SlotWait { office: office.clone(), date, source })?;
            waits.days.insert(date, w);
        }
        Ok(waits)
    };
    crate::parallel::map_in_order(&offices, office_waits).into_iter().collect()
}

/// Name in the generation of a forecast file (the backtest is `arrival_backtest` there).
fn forecast_name(file: &str) -> String {
    let file =
        file.strip_prefix("backtest").map_or(file.to_string(), |rest| format!("arrival_backtest{rest}"));
    format!("tables/forecast/{file}")
}

/// Every table file of the generation, named as published, in the order they are listed:
/// profile tables (suppressed), the arrival forecast and its backtest, the staffing and what-if
/// tables with rows of fewer than `k` tickets suppressed (on the typed rows, see
/// [`crate::output::Suppressible`]). The planners' report's tables follow them in the
/// generation ([`report_files`]). Left out on purpose: `slot_wait_backtest.csv` (one row per
/// office-date-slot can rest on a single ticket); only its summary figures are in the report.
fn table_files(c: &Computed, k: u32) -> Result<Vec<OutputFile>, RunError> {
    let under = |dir: &str, files: Vec<OutputFile>| {
        files
            .into_iter()
            .map(move |f| OutputFile { name: format!("tables/{dir}/{}", f.name), ..f })
            .collect::<Vec<_>>()
    };
    let mut files = under("profile", crate::profile::profile_files(&c.profile)?);
    files.extend(
        crate::forecast::forecast_files(&c.forecast)?
            .into_iter()
            .map(|f| OutputFile { name: forecast_name(&f.name), ..f }),
    );
    files.extend(under("staffing", crate::planning::public_staffing_files(&c.staffing, k)?));
    files.extend(under("whatif", crate::planning::whatif_files(&c.whatif, Some(k))?));
    Ok(files)
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
    fn the_forecast_backtest_is_published_as_arrival_backtest() {
        assert_eq!(forecast_name("backtest.csv"), "tables/forecast/arrival_backtest.csv");
        assert_eq!(forecast_name("backtest.json"), "tables/forecast/arrival_backtest.json");
        assert_eq!(forecast_name("arrivals.parquet"), "tables/forecast/arrivals.parquet");
    }

    #[test]
    fn generation_id_is_the_utc_time_to_the_second() {
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 4, 15, 0).unwrap();
        assert_eq!(generation_id(t), "20261129T041500Z");
    }
}
