//! Command-line flags (clap derive) and the dispatch of each subcommand to [`commands`]; the
//! tables the commands print are in [`tables`].

mod commands;
mod nightly;
mod tables;
mod timing;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

pub use timing::{LogFormat, LogOptions, Timings, install_subscriber};

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

pub(crate) use {say, say_raw};

/// Exit code of a failed run (bad input file, unreadable store, invalid settings).
pub const EXIT_ERROR: u8 = 1;
/// Exit code when good rows were stored but a file's quarantine share exceeded the threshold.
pub const EXIT_QUARANTINE: u8 = 3;
/// Exit code when `train`'s quality gate refused the new model (the old model file stays).
pub const EXIT_MODEL_REFUSED: u8 = 4;
/// Exit code when another `nightly` run holds the lock.
pub const EXIT_LOCKED: u8 = 5;

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

/// `--store`, shared by every command that reads or writes the store.
#[derive(Debug, Clone, Args)]
pub struct StoreArg {
    /// Store directory (overrides [store] path in the settings).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate ticket logs and store their good rows; bad rows go to quarantine with a reason.
    Ingest {
        /// Canonical ticket logs (.csv, .ndjson/.jsonl, optionally .gz; .parquet), vendor exports
        /// (with --format/--mapping; .csv, .txt, .tsv, optionally .gz), or directories of them.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArg,
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
        #[command(flatten)]
        store: StoreArg,
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
        #[command(flatten)]
        store: StoreArg,
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
        #[command(flatten)]
        store: StoreArg,
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
        #[command(flatten)]
        store: StoreArg,
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
        #[command(flatten)]
        store: StoreArg,
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
        #[command(flatten)]
        store: StoreArg,
    },
    /// Staffing suggestions per office × weekday × hour (Erlang C), their validation against the
    /// replayed history, and the backtest of the expected wait per slot; CSV tables.
    Staffing {
        #[command(flatten)]
        store: StoreArg,
        /// Output directory for staffing.csv, staffing_validation.csv and slot_wait_backtest.csv.
        #[arg(long, value_name = "DIR", default_value = "out/staffing")]
        out: PathBuf,
    },
    /// What if a share of the walk-ins of each day's busiest hours came in its quietest hours?
    /// Re-simulates every stored day with its own counters; writes whatif.csv.
    Whatif {
        #[command(flatten)]
        store: StoreArg,
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
        #[command(flatten)]
        store: StoreArg,
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
    /// Render the planners' report from the current export generation: one self-contained HTML
    /// file (charts inline, no external links; prints on A4) plus every chart as PNG and SVG.
    Report {
        /// Export directory (holding `current` and `generations/`), or one generation directory.
        #[arg(long, value_name = "DIR", default_value = "out/export")]
        exports: PathBuf,
        /// HTML file to write; the charts go to a `charts/` directory beside it.
        #[arg(long, value_name = "FILE", default_value = "out/report/report.html")]
        out: PathBuf,
        /// Language of the report: de (German, default) or en (English).
        #[arg(long, value_name = "LANG", default_value = "de", value_parser = parse_lang)]
        lang: queuecast::report::Lang,
    },
    /// Re-hash every file of the current export generation against its manifest.
    VerifyExport {
        /// Export directory (holding `current` and `generations/`), or one generation directory.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
    /// The nightly job: ingest new inbox files, retrain the model when due (behind its quality
    /// gate), publish a new export generation with the report; safe to kill and rerun.
    Nightly {
        #[command(flatten)]
        store: StoreArg,
        /// Inbox folder of new ticket files (overrides [nightly] inbox).
        #[arg(long, value_name = "DIR")]
        inbox: Option<PathBuf>,
        /// Leave inbox files where they are instead of moving them to processed/ (their content
        /// hashes keep them from being ingested twice), e.g. for the bundled sample.
        #[arg(long)]
        keep_inbox: bool,
        /// Export directory holding `current` and `generations/` (overrides [nightly] export_dir).
        #[arg(long, value_name = "DIR")]
        exports: Option<PathBuf>,
        /// Model file trained and used (overrides [nightly] model).
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// State directory with the run lock and the last run's record (overrides [nightly] state_dir).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// Time of the run, RFC 3339 (default: now): the new generation's id and created_at.
        #[arg(long, value_name = "TIME")]
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// Say what would be done (files, model decision, publication) and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Log lines on stderr as plain text or as JSON objects (one per line).
        #[arg(long, value_enum, default_value = "plain", value_name = "FORMAT")]
        log_format: LogFormat,
        /// Log only warnings and errors (QUEUECAST_LOG overrides).
        #[arg(long, short, conflicts_with = "verbose")]
        quiet: bool,
        /// Log debug lines too (QUEUECAST_LOG overrides).
        #[arg(long, short)]
        verbose: bool,
    },
    /// Serve the HTTP API: exported forecasts, live queues fed by the ticket systems' events,
    /// and each waiting ticket's ETA; new generations and model files are picked up live.
    Serve {
        /// Export directory (holds `current`), as `queuecast export --out` writes it.
        #[arg(long, value_name = "DIR")]
        exports: PathBuf,
        /// Model file for the ETAs (loaded again whenever it changes).
        #[arg(long, value_name = "FILE", default_value = "out/model.json")]
        model: PathBuf,
        /// Address and port to listen on (overrides [serve] addr), e.g. 127.0.0.1:8080.
        #[arg(long, value_name = "ADDR")]
        addr: Option<String>,
    },
    /// Make a VAPID key pair for the app's Web Push reminders: writes the private key to FILE
    /// (mode 0600; never replaces a file) for [serve.push] vapid_private_key_file, and prints
    /// the public key.
    VapidKeys {
        /// Where to write the private key (base64url).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
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
        /// Number of offices, 1-999: eight presets, then generated offices (overrides [simulate] offices).
        #[arg(long)]
        offices: Option<u32>,
        /// Demand multiplier (overrides [simulate] scale).
        #[arg(long)]
        scale: Option<f64>,
    },
}

impl Cli {
    /// How this command logs: `nightly` reports each step at info level (its log is the cron
    /// job's record); the server logs every request at info level and keeps no span timings (it
    /// runs for weeks); every other command only warnings, unless `QUEUECAST_LOG` says otherwise.
    pub fn log_options(&self) -> LogOptions {
        use tracing_subscriber::filter::LevelFilter;
        match &self.command {
            Command::Nightly { log_format, quiet, verbose, .. } => LogOptions {
                level: match (quiet, verbose) {
                    (true, _) => LevelFilter::WARN,
                    (_, true) => LevelFilter::DEBUG,
                    _ => LevelFilter::INFO,
                },
                format: *log_format,
                server: false,
            },
            Command::Serve { .. } => LogOptions::server(),
            _ => LogOptions::default(),
        }
    }
}

/// `--lang`: `de` or `en`.
fn parse_lang(s: &str) -> Result<queuecast::report::Lang, String> {
    queuecast::report::Lang::parse(s).ok_or_else(|| format!("{s:?} is not a report language: use de or en"))
}

/// Runs one command; `Ok` carries the exit code for runs that finished but need attention.
/// `timings` are the spans the library closed (for the summaries that print durations).
pub fn run(cli: Cli, timings: Timings) -> Result<ExitCode> {
    use commands as c;
    let settings = queuecast::settings::Settings::load(cli.config.as_deref())?;
    let setup = c::Setup { settings, timings };
    match cli.command {
        Command::Ingest { files, store, max_quarantine_share, format, mapping } => {
            c::ingest(&setup, &store, &files, max_quarantine_share, format.as_deref(), mapping.as_deref())
        }
        Command::Profile { store, out, from, to, no_suppression } => {
            c::profile(&setup, &store, &out, from, to, no_suppression)
        }
        Command::Backtest { store, out, weeks } => c::backtest(&setup, &store, &out, weeks),
        Command::Train { store, out, with_backtest } => c::train(&setup, &store, &out, with_backtest),
        Command::Evaluate { model, store, from, to, out } => {
            c::evaluate(&setup, &store, &model, from, to, &out)
        }
        Command::Predict { model, snapshot, predictor } => {
            c::predict(&setup, &model, &snapshot, predictor.as_deref())
        }
        Command::Forecast { store, out, from, days } => c::forecast(&setup, &store, &out, from, days),
        Command::Summary { store } => c::summary(&setup, &store),
        Command::Staffing { store, out } => c::staffing(&setup, &store, &out),
        Command::Whatif { store, out, shares } => c::whatif(&setup, &store, &out, shares),
        Command::Catalog { path } => c::catalog(&setup, path),
        Command::Export { store, out, days, model, at } => c::export(&setup, &store, &out, days, model, at),
        Command::Report { exports, out, lang } => c::report(&setup, exports, out, lang),
        Command::VerifyExport { dir } => c::verify_export(&dir),
        Command::Nightly { store, inbox, keep_inbox, exports, model, state, at, dry_run, .. } => {
            let args = nightly::NightlyArgs { store, inbox, keep_inbox, exports, model, state, at, dry_run };
            nightly::nightly(&setup, args)
        }
        Command::Serve { exports, model, addr } => c::serve(&setup, exports, model, addr),
        Command::VapidKeys { out } => c::vapid_keys(&out),
        Command::Simulate { out, seed, start, days, offices, scale } => {
            c::simulate(&setup, &out, c::SimulateArgs { seed, start, days, offices, scale })
        }
    }
}
