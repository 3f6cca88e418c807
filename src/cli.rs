//! Command-line flags (clap derive) and the dispatch of each subcommand to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use queuecast::settings::Settings;
use queuecast::store::Store;

/// Exit code of a failed run (bad input file, unreadable store, invalid settings).
pub const EXIT_ERROR: u8 = 1;
/// Exit code when good rows were stored but a file's quarantine share exceeded the threshold.
pub const EXIT_QUARANTINE: u8 = 3;

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
        /// Canonical ticket logs (.csv, .ndjson/.jsonl, optionally .gz; .parquet) or directories of them.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
        /// Quarantine share (0-1) above which the run exits with code 3 (overrides [ingest] quarantine_threshold).
        #[arg(long, value_name = "SHARE")]
        max_quarantine_share: Option<f64>,
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
    /// Print what the store holds, per office.
    Summary {
        /// Store directory (overrides [store] path in the settings).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
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
        Command::Ingest { files, store, max_quarantine_share } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            if let Some(share) = max_quarantine_share {
                settings.ingest.quarantine_threshold = share;
            }
            settings.validate()?;
            ingest(&settings, &files)
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
            println!(
                "profiled {} … {} in {:.1} s{}",
                tables.from,
                tables.to,
                started.elapsed().as_secs_f64(),
                if params.suppress { "" } else { " (no suppression)" }
            );
            for (name, df) in tables.named() {
                println!("  {name:<13} {:>7} rows", df.height());
            }
            println!("wrote {} files to {}", files.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Summary { store } => {
            if let Some(dir) = store {
                settings.store.path = dir;
            }
            settings.validate()?;
            let store = open_store(&settings)?;
            print!("{}", queuecast::store::summary::summarize(&store)?);
            Ok(ExitCode::SUCCESS)
        }
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
            println!("wrote {}: {summary}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open_store(settings: &Settings) -> Result<Store> {
    let tz = settings.tz().context("timezone")?;
    Ok(Store::open(&settings.store.path, tz)?)
}

fn ingest(settings: &Settings, files: &[PathBuf]) -> Result<ExitCode> {
    let store = open_store(settings)?;
    let report = queuecast::ingest::ingest_paths(files, settings, &store)?;
    print!("{report}");
    println!("\nstore {}:", store.root().display());
    print!("{}", queuecast::store::summary::summarize(&store)?);
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
