//! `queuecast nightly`: flags → parameters → one library run → the summary line and the exit
//! code that names what happened; a progress bar per step only on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Result;
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};

use queuecast::nightly::{NightlyError, NightlyParams, Observer, Step};

use super::commands::Setup;
use super::{EXIT_LOCKED, EXIT_MODEL_REFUSED, EXIT_QUARANTINE, StoreArg, say};

/// The flags of `nightly` that override `[nightly]`.
pub struct NightlyArgs {
    pub store: StoreArg,
    pub inbox: Option<PathBuf>,
    pub keep_inbox: bool,
    pub exports: Option<PathBuf>,
    pub model: Option<PathBuf>,
    pub state: Option<PathBuf>,
    pub at: Option<DateTime<Utc>>,
    pub dry_run: bool,
}

/// Exit code of a failed step: 10 + its position (lock 10, ingest 11, train 12, export 13, report 14).
pub fn step_exit_code(step: Step) -> u8 {
    10 + Step::ALL.iter().position(|s| *s == step).unwrap_or(0) as u8
}

pub fn nightly(setup: &Setup, args: NightlyArgs) -> Result<ExitCode> {
    let settings = setup.with_store(&args.store, |_| {})?;
    let at = args.at.unwrap_or_else(Utc::now);
    let at = DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at);
    let mut params = NightlyParams::from_settings(&settings, at);
    params.inbox = args.inbox.unwrap_or(params.inbox);
    params.export_dir = args.exports.unwrap_or(params.export_dir);
    params.model = args.model.unwrap_or(params.model);
    params.state_dir = args.state.unwrap_or(params.state_dir);
    params.keep_inbox = args.keep_inbox;
    params.dry_run = args.dry_run;
    let bars = Bars::new();
    match queuecast::nightly::run(&settings, &params, &bars) {
        Ok(report) => {
            bars.clear();
            say!("{}", queuecast::nightly::summary_line(&report, &params.export_dir));
            let code = if report.model_refused() {
                EXIT_MODEL_REFUSED
            } else if report.quarantine_over_threshold() {
                EXIT_QUARANTINE
            } else {
                0
            };
            Ok(ExitCode::from(code))
        }
        Err(e) => {
            bars.clear();
            eprintln!("error: {}", queuecast::errors::chain(&e));
            Ok(ExitCode::from(match &e {
                NightlyError::Locked(queuecast::nightly::LockError::Held { .. }) => EXIT_LOCKED,
                _ => step_exit_code(e.failed_step()),
            }))
        }
    }
}

/// One progress bar for the running step, drawn only when stderr is a terminal.
struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    terminal: bool,
}

impl Bars {
    fn new() -> Bars {
        Bars { bar: Mutex::new(None), terminal: std::io::stderr().is_terminal() }
    }

    fn clear(&self) {
        if let Some(bar) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Bars {
    fn step(&self, step: Step, started: bool, total: u64) {
        if !self.terminal {
            return;
        }
        self.clear();
        if started {
            let bar = match total {
                0 => ProgressBar::new_spinner(),
                n => ProgressBar::new(n),
            };
            let style = match total {
                0 => ProgressStyle::with_template("{spinner} {prefix} {elapsed}").ok(),
                _ => ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}").ok(),
            };
            if let Some(style) = style {
                bar.set_style(style);
            }
            bar.set_prefix(step.name());
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            if let Ok(mut b) = self.bar.lock() {
                *b = Some(bar);
            }
        }
    }

    fn advance(&self, what: &str) {
        if let Some(bar) = self.bar.lock().ok().as_ref().and_then(|b| b.as_ref()) {
            bar.set_message(what.to_string());
            bar.inc(1);
        }
    }
}
