//! The tracing subscriber of the command line: span timings kept for the printed summaries
//! ([`Timings`]), and spans and events written to stderr at the level `QUEUECAST_LOG` names
//! (`off`, `error`, `warn` (default), `info`, `debug`, `trace`; `info` shows every span's time).
//! `queuecast serve` logs at `info` by default (its access log) and keeps no timings.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tracing::Subscriber;
use tracing::span::{Attributes, Id};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The environment variable with the log level of stderr.
pub const LOG_ENV: &str = "QUEUECAST_LOG";

/// One closed span and how long it was open.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub target: &'static str,
    pub name: &'static str,
    pub secs: f64,
}

/// The closed spans of this run, in the order they closed.
#[derive(Debug, Clone, Default)]
pub struct Timings(Arc<Mutex<Vec<Timing>>>);

impl Timings {
    /// Seconds of the last closed span `name` of `target` (0 if there was none).
    pub fn secs(&self, target: &str, name: &str) -> f64 {
        self.of(target).into_iter().rev().find(|t| t.name == name).map_or(0.0, |t| t.secs)
    }

    /// The closed spans of `target`, in closing order.
    pub fn of(&self, target: &str) -> Vec<Timing> {
        let spans = self.0.lock().map(|v| v.clone()).unwrap_or_default();
        spans.into_iter().filter(|t| t.target == target).collect()
    }
}

struct Opened(Instant);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Timings {
    fn on_new_span(&self, _: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Opened(Instant::now()));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(opened) = span.extensions().get::<Opened>().map(|o| o.0) else { return };
        let meta = span.metadata();
        let timing =
            Timing { target: meta.target(), name: meta.name(), secs: opened.elapsed().as_secs_f64() };
        if let Ok(mut spans) = self.0.lock() {
            spans.push(timing);
        }
    }
}

/// How log lines look on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One plain text line per event (what cron mails and journald keep).
    #[default]
    Plain,
    /// One JSON object per line, for log collectors.
    Json,
}

/// What a command logs: the level and format of stderr's lines (`QUEUECAST_LOG` overrides the
/// level), and whether it is the long-running server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    pub level: LevelFilter,
    pub format: LogFormat,
    /// The server: events (one access line per request) but no span lines and no timings,
    /// which would grow with every request.
    pub server: bool,
}

impl Default for LogOptions {
    /// A batch command: warnings, each span's time at `info`, timings kept.
    fn default() -> Self {
        LogOptions { level: LevelFilter::WARN, format: LogFormat::Plain, server: false }
    }
}

impl LogOptions {
    /// `queuecast serve`: the access log at `info`.
    pub fn server() -> Self {
        LogOptions { level: LevelFilter::INFO, format: LogFormat::Plain, server: true }
    }
}

/// Installs the subscriber for this process; returns the timings it collects (none for the
/// server).
pub fn install_subscriber(opts: LogOptions) -> Timings {
    let timings = Timings::default();
    let level =
        std::env::var(LOG_ENV).ok().and_then(|v| LevelFilter::from_str(&v).ok()).unwrap_or(opts.level);
    let spans = if opts.server { FmtSpan::NONE } else { FmtSpan::CLOSE };
    let plain = (opts.format == LogFormat::Plain).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_span_events(spans.clone())
            .with_filter(level)
    });
    let json = (opts.format == LogFormat::Json).then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_span_events(spans)
            .with_filter(level)
    });
    let kept = (!opts.server).then(|| timings.clone());
    // A second subscriber (only possible in tests) keeps the first; timings then stay empty.
    let _ = tracing_subscriber::registry().with(plain).with(json).with(kept).try_init();
    timings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_spans_are_timed_by_target_and_name() {
        let timings = Timings::default();
        let subscriber = tracing_subscriber::registry().with(timings.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info_span!("outer").in_scope(|| {
                let _inner = tracing::info_span!("inner").entered();
                std::thread::sleep(std::time::Duration::from_millis(20));
            });
        });
        let target = module_path!();
        let names: Vec<&str> = timings.of(target).iter().map(|t| t.name).collect();
        assert_eq!(names, ["inner", "outer"]);
        assert!(timings.secs(target, "inner") >= 0.02);
        assert!(timings.secs(target, "outer") >= timings.secs(target, "inner"));
        assert_eq!(timings.secs(target, "missing"), 0.0);
    }
}
