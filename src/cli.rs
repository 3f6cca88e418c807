//! Command-line flags (clap derive) and the dispatch of each subcommand to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use queuecast::settings::Settings;
use queuecast::store::Store;

/// Prints a line to stdout; a closed pipe (`queuecast … | head`) ends output quietly
/// instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Like [`say!`] without the newline.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Exit code of a failed run (bad input file, unreadable store, invalid settings).
pub const EXIT_ERROR: u8 = 1;
/// Exit code when good rows were stored but a file's quarantine share exceeded the threshold.
pub const EXIT_QUARANTINE: u8 = 3;
/// Exit code when `train`'s quality gate refused the new model (the old model file stays).
pub const EXIT_MODEL_REFUSED: u8 = 4;

/// queuecast: load profiles and wait-time forecasts for citizens' offices.
#[derive(Debug, Parser)]
#[command(name = "queuecast", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (TOML). Default: ./queuecast.toml if it exists, else built-in defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate ticket logs and store their good rows; bad rows go to quarantine with a reason.
    Ingest {
        /// Canonical ticket logs (.csv, .ndjson/.jsonl, optionally .gz; .parquet), vendor exports
        /// (with --format/--mapping; .csv, .txt, .tsv, optionally .gz), or directories of them.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Quarantine share (0-1) above which the run exits with code 3 (overrides [ingest] quarantine_threshold).
        #[arg(long, value_name = "SHARE")]
        max_quarantine_share: Option<f64>,
        /// Input format: canonical (default), zms, qmatic, or custom (any export, needs --mapping).
        #[arg(long, value_name = "NAME", value_parser = queuecast::ingest::formats::FORMAT_NAMES)]
        format: Option<String>,
        /// Mapping file (TOML) for a vendor export: columns, encoding, value and service maps.
        #[arg(long, value_name = "FILE.toml")]
        mapping: Option<PathBuf>,
    },
    /// Compute load profiles (weekday×hour, 15-min slots, daily, monthly, peaks) as Parquet and CSV.
    Profile {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Output directory for the tables.
        #[arg(long, value_name = "DIR", default_value = "out/profiles")]
        out: PathBuf,
        /// First local date of the window, YYYY-MM-DD (default: window_weeks before --to).
        #[arg(long, value_name = "DATE")]
        from: Option<NaiveDate>,
        /// Last local date of the window, YYYY-MM-DD (default: the newest stored day).
        #[arg(long, value_name = "DATE")]
        to: Option<NaiveDate>,
        /// Keep small cells (internal planner use): no k-anonymity suppression.
        #[arg(long)]
        no_suppression: bool,
    },
    /// Backtest the wait-time predictors (rolling origin over the last weeks) and print the comparison.
    Backtest {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Output directory for metrics.json and predictions.parquet.
        #[arg(long, value_name = "DIR", default_value = "out/backtest")]
        out: PathBuf,
        /// Number of test weeks (overrides [model] backtest_weeks).
        #[arg(long)]
        weeks: Option<u32>,
    },
    /// Fit the wait-time model on all stored data and write the versioned model file, unless
    /// the quality gate refuses it (exit code 4; the file at --out stays).
    Train {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Model file to write (the gate compares the new model with the one there).
        #[arg(long, value_name = "FILE", default_value = "out/model.json")]
        out: PathBuf,
        /// Also run the backtest and store its metrics in the model file.
        #[arg(long)]
        with_backtest: bool,
    },
    /// Score a model file on stored days with the backtest's metrics; print the table, write
    /// metrics.json and predictions.parquet.
    Evaluate {
        /// Model file written by `queuecast train`.
        #[arg(long, value_name = "FILE", default_value = "out/model.json")]
        model: PathBuf,
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// First local date scored, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        /// Last local date scored, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        to: NaiveDate,
        /// Output directory for metrics.json and predictions.parquet.
        #[arg(long, value_name = "DIR", default_value = "out/evaluate")]
        out: PathBuf,
    },
    /// Predict when a waiting ticket will be called, from a queue snapshot (JSON), and print JSON.
    Predict {
        /// Model file written by `queuecast train`.
        #[arg(long, value_name = "FILE", default_value = "out/model.json")]
        model: PathBuf,
        /// Queue snapshot JSON file (see README), or - for standard input.
        #[arg(long, value_name = "FILE")]
        snapshot: PathBuf,
        /// Predictor to use (default: the model's main one, gbm).
        #[arg(long)]
        predictor: Option<String>,
    },
    /// Forecast arrivals per office, service group and 15-minute slot for the coming days, with a backtest.
    Forecast {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Output directory for arrivals.parquet/.csv, backtest.csv/.json and forecast.json.
        #[arg(long, value_name = "DIR", default_value = "out/forecast")]
        out: PathBuf,
        /// First forecast day, YYYY-MM-DD; only tickets before it are used (default: the day after the newest stored day).
        #[arg(long, value_name = "DATE")]
        from: Option<NaiveDate>,
        /// Number of days to forecast (overrides [forecast] days).
        #[arg(long, value_name = "N")]
        days: Option<u32>,
    },
    /// Print what the store holds, per office.
    Summary {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
    },
    /// Staffing suggestions per office × weekday × hour (Erlang C), their validation against the
    /// replayed history, and the backtest of the expected wait per slot; CSV tables.
    Staffing {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Output directory for staffing.csv, staffing_validation.csv and slot_wait_backtest.csv.
        #[arg(long, value_name = "DIR", default_value = "out/staffing")]
        out: PathBuf,
    },
    /// What if a share of the walk-ins of each day's busiest hours came in its quietest hours?
    /// Re-simulates every stored day with its own counters; writes whatif.csv.
    Whatif {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Output directory for whatif.csv and whatif_reproduction.csv.
        #[arg(long, value_name = "DIR", default_value = "out/whatif")]
        out: PathBuf,
        /// Shares of busy-hour walk-ins to move, comma-separated (overrides [staffing] whatif_shares).
        #[arg(long, value_name = "S,S,...", value_delimiter = ',')]
        shares: Option<Vec<f64>>,
    },
    /// Check the service catalog (documents, fees, LeiKa keys) and print its entries and warnings.
    Catalog {
        /// Catalog file (overrides [catalog] path in the settings).
        #[arg(long, value_name = "FILE")]
        path: Option<PathBuf>,
    },
    /// Publish one export generation: per-office JSON for the app, services.json, planner tables
    /// (Parquet/CSV), export_report.json and manifest.json; `current` switches atomically.
    Export {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Export directory (holds `current` and `generations/`).
        #[arg(long, value_name = "DIR", default_value = "out/export")]
        out: PathBuf,
        /// Days to forecast (overrides [forecast] days).
        #[arg(long, value_name = "N")]
        days: Option<u32>,
        /// Model file for the model card (default: out/model.json if it exists; else the card is null).
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// Time of the export, RFC 3339 (default: now): sets created_at and the generation id
        /// (e.g. 20261129T041500Z); give it to reproduce an export byte for byte.
        #[arg(long, value_name = "TIME")]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Re-hash every file of the current export generation against its manifest.
    VerifyExport {
        /// Export directory (holding `current` and `generations/`), or one generation directory.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
    /// Write a simulated canonical ticket log (deterministic for a seed) as CSV (.csv or .csv.gz).
    Simulate {
        /// Output file; gzip-compressed when it ends in .gz.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Random seed (overrides [simulate] seed).
        #[arg(long)]
        seed: Option<u64>,
        /// First day, YYYY-MM-DD (overrides [simulate] start).
        #[arg(long, value_name = "DATE")]
        start: Option<NaiveDate>,
        /// Number of days (overrides [simulate] days).
        #[arg(long)]
        days: Option<u32>,
        /// Number of offices, 1-8 (overrides [simulate] offices).
        #[arg(long)]
        offices: Option<u32>,
        /// Demand multiplier (overrides [simulate] scale).
        #[arg(long)]
        scale: Option<f64>,
    },
}

/// Runs one command; `Ok` carries the exit code for runs that finished but need attention.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Ingest { files, store, max_quarantine_share, format, mapping } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            if let Some(share) = max_quarantine_share {
                settings.ingest.quarantine_threshold = share;
            }
            settings.validate()?;
            let format =
                queuecast::ingest::InputFormat::from_cli(format.as_deref(), mapping.as_deref(), &settings)?;
            ingest(&settings, &files, &format)
        }
        Command::Profile { store, out, from, to, no_suppression } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            let mut params = queuecast::profile::ProfileParams::from_settings(&settings);
            (params.from, params.to, params.suppress) = (from, to, !no_suppression);
            let started = std::time::Instant::now();
            let tables = queuecast::profile::compute(&store, &params)?;
            let files = queuecast::profile::write_tables(&tables, &out)?;
            say!(
                "profiled {} … {} in {:.1} s (reading the store {:.1} s, statistics {:.1} s){}",
                tables.from,
                tables.to,
                started.elapsed().as_secs_f64(),
                tables.read_s,
                tables.statistics_s,
                if params.suppress { "" } else { " (no suppression)" }
            );
            for (name, df) in tables.named() {
                say!("  {name:<13} {:>7} rows", df.height());
            }
            say!("wrote {} files to {}", files.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Backtest { store, out, weeks } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            if let Some(w) = weeks {
                settings.model.backtest_weeks = w;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            let started = std::time::Instant::now();
            let result = queuecast::model::run::run_backtest(&store, &settings)?;
            let source = serde_json::json!({ "command": "backtest", "weeks": result.folds.len() });
            queuecast::model::output::write_results(&result, &out, source)?;
            say!(
                "backtest: {} weeks, {} test snapshots, {:.1} s (notice {} min)",
                result.folds.len(),
                result.test.len(),
                started.elapsed().as_secs_f64(),
                settings.model.notice_minutes
            );
            say_raw!("{}", queuecast::model::output::table(&result));
            say!("wrote {}/metrics.json and predictions.parquet", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate { model, store, from, to, out } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            let started = std::time::Instant::now();
            let file = queuecast::model::file::ModelFile::load(&model)?;
            let result = queuecast::model::run::run_evaluate(&store, &file, from, to)?;
            let source = serde_json::json!({
                "command": "evaluate", "model": model.display().to_string(), "from": from, "to": to,
                "trained_from": file.summary.trained_from, "trained_to": file.summary.trained_to,
            });
            queuecast::model::output::write_results(&result, &out, source)?;
            say!(
                "evaluated {} (trained {} … {}) on {from} … {to}: {} snapshots, {:.1} s (notice {} min)",
                model.display(),
                file.summary.trained_from,
                file.summary.trained_to,
                result.test.len(),
                started.elapsed().as_secs_f64(),
                result.notice_min
            );
            say_raw!("{}", queuecast::model::output::table(&result));
            say!("wrote {}/metrics.json and predictions.parquet", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Train { store, out, with_backtest } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            let started = std::time::Instant::now();
            let backtest = match with_backtest {
                true => Some(queuecast::model::run::run_backtest(&store, &settings)?),
                false => None,
            };
            let model = match queuecast::model::run::run_train(&store, &settings, backtest.as_ref(), &out) {
                Err(queuecast::model::run::ModelError::Refused(r)) => {
                    eprintln!("error: {r}; {} kept", out.display());
                    return Ok(ExitCode::from(EXIT_MODEL_REFUSED));
                }
                other => other?,
            };
            model.save(&out)?;
            say_raw!("{}", queuecast::model::run::train_summary(&model));
            say!("took {:.1} s; wrote {}", started.elapsed().as_secs_f64(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Predict { model, snapshot, predictor } => {
            settings.validate()?;
            let model = queuecast::model::file::ModelFile::load(&model)?;
            let text = if snapshot.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&snapshot)
                    .with_context(|| format!("cannot read {}", snapshot.display()))?
            };
            let snap: queuecast::model::predict::Snapshot =
                serde_json::from_str(&text).with_context(|| format!("snapshot {}", snapshot.display()))?;
            let p = queuecast::model::predict::predict(&model, &snap, predictor.as_deref())?;
            say!("{}", serde_json::to_string_pretty(&p)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Forecast { store, out, from, days } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            if let Some(d) = days {
                settings.forecast.days = d;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            let started = std::time::Instant::now();
            let run = queuecast::forecast::run(&store, &settings, from, settings.forecast.days)?;
            let files = queuecast::forecast::write_forecast(&run, &out)?;
            say!(
                "forecast {} days from {} (history {} … {}): {} rows in {:.1} s",
                run.days,
                run.origin,
                run.history_first,
                run.history_last,
                run.slots.len(),
                started.elapsed().as_secs_f64()
            );
            say_raw!("{}", queuecast::forecast::arrival_backtest::table(&run.backtest));
            say!("wrote {} files to {}", files.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Summary { store } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            say_raw!("{}", queuecast::store::summary::summarize(&store)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Staffing { store, out } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            let started = std::time::Instant::now();
            let report = queuecast::forecast::planning::run_staffing(&store, &settings)?;
            let files = queuecast::forecast::planning::write_staffing(&report, &out)?;
            say_raw!("{}", queuecast::forecast::planning::staffing_summary(&report));
            say!(
                "wrote {} files to {} in {:.1} s",
                files.len(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Whatif { store, out, shares } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            if let Some(shares) = shares {
                settings.staffing.whatif_shares = shares;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            let started = std::time::Instant::now();
            let w = queuecast::forecast::planning::run_whatif(&store, &settings, None)?;
            let files = queuecast::forecast::planning::write_whatif(&w, &out)?;
            say_raw!("{}", queuecast::forecast::planning::whatif_summary(&w));
            say!(
                "wrote {} files to {} in {:.1} s",
                files.len(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog { path } => {
            if let Some(p) = path {
                settings.catalog.path = p;
            }
            settings.validate()?;
            catalog(&settings)
        }
        Command::Export { store, out, days, model, at } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            if let Some(d) = days {
                settings.forecast.days = d;
            }
            settings.validate()?;
            let default_model = PathBuf::from("out/model.json");
            let model = model.or_else(|| default_model.exists().then_some(default_model));
            export(&settings, &out, model.as_deref(), at.unwrap_or_else(chrono::Utc::now))
        }
        Command::VerifyExport { dir } => verify_export(&dir),
        Command::Simulate { out, seed, start, days, offices, scale } => {
            let sim = &mut settings.simulate;
            sim.seed = seed.unwrap_or(sim.seed);
            sim.start = start.unwrap_or(sim.start);
            sim.days = days.unwrap_or(sim.days);
            sim.offices = offices.unwrap_or(sim.offices);
            sim.scale = scale.unwrap_or(sim.scale);
            settings.validate()?;
            let tz = settings.tz().context("timezone")?;
            let summary = queuecast::simulate::write_csv(&settings.simulate, &settings.services, tz, &out)?;
            say!("wrote {}: {summary}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open_store(settings: &Settings) -> Result<Store> {
    let tz = settings.tz().context("timezone")?;
    Ok(Store::open(&settings.store.path, tz)?)
}

fn ingest(
    settings: &Settings,
    files: &[PathBuf],
    format: &queuecast::ingest::InputFormat,
) -> Result<ExitCode> {
    let store = open_store(settings)?;
    let report = queuecast::ingest::ingest_with(files, format, settings, &store)?;
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

fn catalog(settings: &Settings) -> Result<ExitCode> {
    let path = &settings.catalog.path;
    let catalog = queuecast::catalog::load(path)?;
    let today = chrono::Local::now().date_naive();
    let warnings = queuecast::catalog::review_warnings(&catalog, today, settings.catalog.max_review_age_days);
    let configured = settings.services.iter().map(|s| s.code.as_str());
    let missing = queuecast::catalog::missing_services(&catalog, configured);
    say!("service catalog {}: {} services", path.display(), catalog.services.len());
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

fn export(
    settings: &Settings,
    out: &std::path::Path,
    model: Option<&std::path::Path>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<ExitCode> {
    use chrono::{SubsecRound, Timelike};
    let store = open_store(settings)?;
    let at = at.trunc_subsecs(0).with_nanosecond(0).unwrap_or(at);
    let id = queuecast::export::run::generation_id(at);
    let s = queuecast::export::run::export(&store, settings, out, &id, at, model)?;
    let g = &s.generation;
    say!(
        "export generation {} of {} … {} ({} offices): {} files, current -> {}",
        g.id,
        s.source.0,
        s.source.1,
        s.offices.len(),
        g.manifest.files.len() + 1,
        g.dir.display()
    );
    for (name, rows) in &s.rows {
        say!("  {name:<44} {rows:>8} rows");
    }
    say_raw!("{}", s.backtest_table);
    say!("slot-wait backtest (minutes; coverage = share of tickets within predicted p90):");
    say!("  {:<14} {:>6} {:>9} {:>12} {:>9}", "office", "slots", "MAE p50", "MAE baseline", "cover p90");
    for (office, e) in &s.slot_wait_backtest {
        say!(
            "  {office:<14} {:>6} {:>9.2} {:>12.2} {:>8.1}%",
            e.slots,
            e.mae_p50,
            e.mae_baseline,
            100.0 * e.coverage_p90
        );
    }
    match s.missing_services.is_empty() {
        true => say!("every service code in the store has a catalog entry"),
        false => say!("service codes without a catalog entry: {}", s.missing_services.join(", ")),
    }
    for w in &s.review_warnings {
        say!("catalog warning: {w}");
    }
    if let Some(reason) = &s.model_reason {
        say!("model card: none ({reason})");
    }
    let timings: Vec<String> = s.timings.iter().map(|(n, t)| format!("{n} {t:.1} s")).collect();
    say!("took {}", timings.join(", "));
    if !g.removed.is_empty() {
        say!("removed old generations: {}", g.removed.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_export(dir: &std::path::Path) -> Result<ExitCode> {
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
