//! One function per subcommand: settings and overrides → validated settings (and the store) →
//! one library call → what to print and the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use queuecast::settings::{Settings, ValidSettings};
use queuecast::store::Store;

use super::{EXIT_ERROR, EXIT_MODEL_REFUSED, EXIT_QUARANTINE, StoreArg, say, say_raw, tables};

/// The settings file as loaded (each command applies its flags and validates), and the span
/// timings of this run.
pub struct Setup {
    pub settings: Settings,
    pub timings: super::Timings,
}

impl Setup {
    /// The settings with this command's flags applied, validated.
    fn valid(&self, flags: impl FnOnce(&mut Settings)) -> Result<ValidSettings> {
        let mut settings = self.settings.clone();
        flags(&mut settings);
        Ok(settings.validate()?)
    }

    /// Validated settings with `--store` and the other flags applied.
    pub(super) fn with_store(
        &self,
        store: &StoreArg,
        flags: impl FnOnce(&mut Settings),
    ) -> Result<ValidSettings> {
        self.valid(|s| {
            if let Some(dir) = &store.store {
                s.store.path = dir.clone();
            }
            flags(s);
        })
    }

    /// Validated settings and the existing store, opened for reading (a missing store is an
    /// error that names it, not an empty result).
    fn reader(&self, store: &StoreArg, flags: impl FnOnce(&mut Settings)) -> Result<(ValidSettings, Store)> {
        let settings = self.with_store(store, flags)?;
        let store = Store::open_existing(&settings.store.path, settings.tz())?;
        Ok((settings, store))
    }
}

pub fn ingest(
    setup: &Setup,
    store: &StoreArg,
    files: &[PathBuf],
    max_quarantine_share: Option<f64>,
    format: Option<&str>,
    mapping: Option<&Path>,
) -> Result<ExitCode> {
    let settings = setup.with_store(store, |s| {
        if let Some(share) = max_quarantine_share {
            s.ingest.quarantine_threshold = share;
        }
    })?;
    let format = queuecast::ingest::InputFormat::from_cli(format, mapping, &settings)?;
    let store = Store::open(&settings.store.path, settings.tz())?;
    let report = queuecast::ingest::ingest_with(files, &format, &settings, &store)?;
    say_raw!("{report}");
    say!("\nstore {}:", store.root().display());
    say_raw!("{}", queuecast::store::summary::summarize(&store)?);
    let over = report.over_threshold();
    if over.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for f in over {
        eprintln!(
            "error: {}: {:.2} % of rows quarantined, above the threshold of {:.2} % (good rows were stored; see {})",
            f.file.display(),
            100.0 * f.quarantine_share(),
            100.0 * report.threshold,
            f.quarantine_file.as_ref().map_or("the quarantine folder".into(), |p| p.display().to_string())
        );
    }
    Ok(ExitCode::from(EXIT_QUARANTINE))
}

pub fn profile(
    setup: &Setup,
    store: &StoreArg,
    out: &Path,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    no_suppression: bool,
) -> Result<ExitCode> {
    let (settings, store) = setup.reader(store, |_| {})?;
    let mut params = queuecast::profile::ProfileParams::from_settings(&settings);
    (params.from, params.to, params.suppress) = (from, to, !no_suppression);
    let started = std::time::Instant::now();
    let tables = queuecast::profile::compute(&store, &params)?;
    let files = queuecast::profile::write_tables(&tables, out)?;
    let read = setup.timings.secs("queuecast::profile::tables", "read the store");
    let statistics = setup.timings.secs("queuecast::profile", "profile") - read;
    say!(
        "profiled {} … {} in {:.1} s (reading the store {:.1} s, statistics {:.1} s){}",
        tables.from,
        tables.to,
        started.elapsed().as_secs_f64(),
        read,
        statistics,
        if params.suppress { "" } else { " (no suppression)" }
    );
    for t in tables.all() {
        say!("  {:<13} {:>7} rows", t.name(), t.height());
    }
    say!("wrote {} files to {}", files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn backtest(setup: &Setup, store: &StoreArg, out: &Path, weeks: Option<u32>) -> Result<ExitCode> {
    let (settings, store) = setup.reader(store, |s| {
        if let Some(w) = weeks {
            s.model.backtest_weeks = w;
        }
    })?;
    let started = std::time::Instant::now();
    let result = queuecast::model::run::run_backtest(&store, &settings)?;
    let source = serde_json::json!({ "command": "backtest", "weeks": result.folds.len() });
    queuecast::model::output::write_results(&result, out, source)?;
    say!(
        "backtest: {} weeks, {} test snapshots, {:.1} s (notice {} min)",
        result.folds.len(),
        result.test.len(),
        started.elapsed().as_secs_f64(),
        settings.model.notice_minutes
    );
    say_raw!("{}", super::tables::wait_backtest(&result));
    say!("wrote {}/metrics.json and predictions.parquet", out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn train(setup: &Setup, store: &StoreArg, out: &Path, with_backtest: bool) -> Result<ExitCode> {
    let (settings, store) = setup.reader(store, |_| {})?;
    let started = std::time::Instant::now();
    let backtest = match with_backtest {
        true => Some(queuecast::model::run::run_backtest(&store, &settings)?),
        false => None,
    };
    let model = match queuecast::model::run::run_train(&store, &settings, backtest.as_ref(), out) {
        Err(queuecast::model::run::ModelError::Refused(r)) => {
            eprintln!("error: {r}; {} kept", out.display());
            return Ok(ExitCode::from(EXIT_MODEL_REFUSED));
        }
        other => other?,
    };
    model.save(out)?;
    say_raw!("{}", queuecast::model::run::train_summary(&model));
    say!("took {:.1} s; wrote {}", started.elapsed().as_secs_f64(), out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn evaluate(
    setup: &Setup,
    store: &StoreArg,
    model: &Path,
    from: NaiveDate,
    to: NaiveDate,
    out: &Path,
) -> Result<ExitCode> {
    let (_, store) = setup.reader(store, |_| {})?;
    let started = std::time::Instant::now();
    let file = queuecast::model::file::ModelFile::load(model)?;
    let result = queuecast::model::run::run_evaluate(&store, &file, from, to)?;
    let source = serde_json::json!({
        "command": "evaluate", "model": model.display().to_string(), "from": from, "to": to,
        "trained_from": file.summary.trained_from, "trained_to": file.summary.trained_to,
    });
    queuecast::model::output::write_results(&result, out, source)?;
    say!(
        "evaluated {} (trained {} … {}) on {from} … {to}: {} snapshots, {:.1} s (notice {} min)",
        model.display(),
        file.summary.trained_from,
        file.summary.trained_to,
        result.test.len(),
        started.elapsed().as_secs_f64(),
        result.notice_min
    );
    say_raw!("{}", super::tables::wait_backtest(&result));
    say!("wrote {}/metrics.json and predictions.parquet", out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn predict(setup: &Setup, model: &Path, snapshot: &Path, predictor: Option<&str>) -> Result<ExitCode> {
    setup.valid(|_| {})?;
    let model = queuecast::model::file::ModelFile::load(model)?;
    let text = if snapshot.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(snapshot).with_context(|| format!("cannot read {}", snapshot.display()))?
    };
    let snap: queuecast::model::predict::Snapshot =
        serde_json::from_str(&text).with_context(|| format!("snapshot {}", snapshot.display()))?;
    let p = queuecast::model::predict::predict(&model, &snap, predictor)?;
    say!("{}", serde_json::to_string_pretty(&p)?);
    Ok(ExitCode::SUCCESS)
}

pub fn forecast(
    setup: &Setup,
    store: &StoreArg,
    out: &Path,
    from: Option<NaiveDate>,
    days: Option<u32>,
) -> Result<ExitCode> {
    let (settings, store) = setup.reader(store, |s| {
        if let Some(d) = days {
            s.forecast.days = d;
        }
    })?;
    let started = std::time::Instant::now();
    let run = queuecast::forecast::run(&store, &settings, from)?;
    let files = queuecast::forecast::write_forecast(&run, out)?;
    say!(
        "forecast {} days from {} (history {} … {}): {} rows in {:.1} s",
        run.days,
        run.origin,
        run.history_first,
        run.history_last,
        run.slots.len(),
        started.elapsed().as_secs_f64()
    );
    say_raw!("{}", tables::arrival_backtest(&run.backtest));
    say!("wrote {} files to {}", files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn summary(setup: &Setup, store: &StoreArg) -> Result<ExitCode> {
    let (_, store) = setup.reader(store, |_| {})?;
    say_raw!("{}", queuecast::store::summary::summarize(&store)?);
    Ok(ExitCode::SUCCESS)
}

pub fn staffing(setup: &Setup, store: &StoreArg, out: &Path) -> Result<ExitCode> {
    let (settings, store) = setup.reader(store, |_| {})?;
    let started = std::time::Instant::now();
    let params = queuecast::planning::PlanningParams::from_settings(&settings);
    let days = queuecast::planning::ReplayedDays::load(&store, params.replay)?;
    let report = queuecast::planning::staffing_report(&days, &params)?;
    let files = queuecast::planning::write_staffing(&report, out)?;
    say_raw!("{}", tables::staffing(&report));
    say!("wrote {} files to {} in {:.1} s", files.len(), out.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub fn whatif(setup: &Setup, store: &StoreArg, out: &Path, shares: Option<Vec<f64>>) -> Result<ExitCode> {
    let (settings, store) = setup.reader(store, |s| {
        if let Some(shares) = shares {
            s.staffing.whatif_shares = shares;
        }
    })?;
    let started = std::time::Instant::now();
    let params = queuecast::planning::PlanningParams::from_settings(&settings);
    let days = queuecast::planning::ReplayedDays::load(&store, params.replay)?;
    let w = queuecast::planning::whatif_report(&days, &params)?;
    let files = queuecast::planning::write_whatif(&w, out)?;
    say_raw!("{}", tables::whatif(&w));
    say!("wrote {} files to {} in {:.1} s", files.len(), out.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub fn catalog(setup: &Setup, path: Option<PathBuf>) -> Result<ExitCode> {
    let settings = setup.valid(|s| {
        if let Some(p) = path {
            s.catalog.path = p;
        }
    })?;
    let path = &settings.catalog.path;
    let catalog = queuecast::catalog::load_configured(path)?;
    let today = chrono::Local::now().date_naive();
    let warnings = queuecast::catalog::review_warnings(&catalog, today, settings.catalog.max_review_age_days);
    let configured = settings.services.iter().map(|s| s.code.as_str());
    let missing = queuecast::catalog::missing_services(&catalog, configured);
    say!("service catalog {}: {} services", queuecast::catalog::source_name(path), catalog.services.len());
    for s in &catalog.services {
        let leika = s.leika.as_deref().unwrap_or("(no LeiKa key)");
        say!(
            "  {:<4} {:<32} {leika:<16} documents {:>2}, fees {}",
            s.code,
            s.name,
            s.documents.len(),
            s.fees.len()
        );
    }
    if !missing.is_empty() {
        say!("configured service codes without a catalog entry: {}", missing.join(", "));
    }
    for w in &warnings {
        say!("warning: {w}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(
    setup: &Setup,
    store: &StoreArg,
    out: &Path,
    days: Option<u32>,
    model: Option<PathBuf>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<ExitCode> {
    use chrono::{SubsecRound, Timelike};
    let (settings, store) = setup.reader(store, |s| {
        if let Some(d) = days {
            s.forecast.days = d;
        }
    })?;
    let default_model = PathBuf::from("out/model.json");
    let model = model.or_else(|| default_model.exists().then_some(default_model));
    let at = at.unwrap_or_else(chrono::Utc::now);
    let at = at.trunc_subsecs(0).with_nanosecond(0).unwrap_or(at);
    let id = queuecast::export::run::generation_id(at);
    let s = queuecast::export::run::export(&store, &settings, out, &id, at, model.as_deref())?;
    say_raw!("{}", tables::export(&s, &setup.timings.of("queuecast::export::run")));
    Ok(ExitCode::SUCCESS)
}

pub fn report(
    setup: &Setup,
    exports: PathBuf,
    out: PathBuf,
    lang: queuecast::report::Lang,
) -> Result<ExitCode> {
    setup.valid(|_| {})?;
    let r = queuecast::report::render(&queuecast::report::ReportParams { exports, out, lang })?;
    say_raw!("{}", tables::report(&r, &setup.timings.of("queuecast::report")));
    Ok(ExitCode::SUCCESS)
}

pub fn verify_export(dir: &Path) -> Result<ExitCode> {
    let report = queuecast::export::verify(dir)?;
    say_raw!("{report}");
    if report.is_ok() {
        return Ok(ExitCode::SUCCESS);
    }
    for problem in report.problems() {
        eprintln!("error: {}: {problem}", report.dir.display());
    }
    Ok(ExitCode::from(EXIT_ERROR))
}

pub fn serve(setup: &Setup, exports: PathBuf, model: PathBuf, addr: Option<String>) -> Result<ExitCode> {
    let settings = setup.valid(|s| {
        if let Some(a) = addr {
            s.serve.addr = a;
        }
    })?;
    queuecast::serve::run(queuecast::serve::ServeConfig::new(&settings, exports, model))?;
    Ok(ExitCode::SUCCESS)
}

pub fn vapid_keys(out: &Path) -> Result<ExitCode> {
    let public = queuecast::serve::push::keys::generate_file(out)
        .with_context(|| format!("cannot write the private key to {}", out.display()))?;
    say_raw!(
        "private key written to {} (set [serve.push] vapid_private_key_file)\npublic key: {public}\n",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The flags of `queuecast simulate`.
pub struct SimulateArgs {
    pub seed: Option<u64>,
    pub start: Option<NaiveDate>,
    pub days: Option<u32>,
    pub offices: Option<u32>,
    pub scale: Option<f64>,
}

pub fn simulate(setup: &Setup, out: &Path, a: SimulateArgs) -> Result<ExitCode> {
    let settings = setup.valid(|s| {
        let sim = &mut s.simulate;
        sim.seed = a.seed.unwrap_or(sim.seed);
        sim.start = a.start.unwrap_or(sim.start);
        sim.days = a.days.unwrap_or(sim.days);
        sim.offices = a.offices.unwrap_or(sim.offices);
        sim.scale = a.scale.unwrap_or(sim.scale);
    })?;
    let summary = queuecast::simulate::write_csv(&settings.simulate, &settings.services, settings.tz(), out)?;
    say!("wrote {}: {summary}", out.display());
    Ok(ExitCode::SUCCESS)
}
