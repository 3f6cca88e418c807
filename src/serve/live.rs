//! The live queue of each office today: events are checked as a batch (all or nothing),
//! logged and synced, and only then published as a new immutable [`LiveDay`] that readers
//! take without waiting for writers. A restart rebuilds today from the day log; days left
//! open are closed (tickets still waiting become cancelled rows).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use chrono::NaiveDate;
use chrono_tz::Tz;
use tokio::sync::watch;

use crate::schema::{EpochMs, Outcome, Ticket};
use crate::serve::daylog::{DayFiles, DayLog};
use crate::serve::error::ServeError;
use crate::serve::events::{Applied, EventIn, EventRules, LiveTicket};
use crate::serve::problem::{ApiError, EventProblem};
use crate::serve::queues::{CallCounts, QueueGroups, count_call};
use crate::timezones::local_parts;

/// The queue of one office on one day, as published to readers.
#[derive(Debug, Clone)]
pub struct LiveDay {
    pub office: String,
    pub date: NaiveDate,
    /// Every ticket with at least one event, by number.
    pub tickets: BTreeMap<String, LiveTicket>,
    /// Bumped by every change (also by the switch to a new day).
    pub version: u64,
    /// Instant of the newest event.
    pub last_event: Option<EpochMs>,
    /// Which services share a queue.
    pub queues: QueueGroups,
    /// Tickets whose canonical row is in the day log.
    logged: BTreeSet<String>,
}

impl LiveDay {
    fn empty(office: &str, date: NaiveDate, version: u64, queues: QueueGroups) -> LiveDay {
        LiveDay {
            office: office.to_string(),
            date,
            tickets: BTreeMap::new(),
            version,
            last_event: None,
            queues,
            logged: BTreeSet::new(),
        }
    }

    /// A day holding `tickets` (the position and ETA computations take it as it is).
    pub fn from_tickets(
        office: &str,
        date: NaiveDate,
        tickets: BTreeMap<String, LiveTicket>,
        queues: QueueGroups,
    ) -> LiveDay {
        LiveDay { tickets, ..LiveDay::empty(office, date, 0, queues) }
    }

    /// Calls of today per (service, counter).
    fn calls(&self) -> CallCounts {
        let mut calls = CallCounts::new();
        for t in self.tickets.values() {
            if let (Some(issue), Some((_, counter))) = (&t.issued, &t.called) {
                count_call(&mut calls, &issue.service, counter);
            }
        }
        calls
    }
}

/// What the live queues need from the server's configuration.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub log: DayLog,
    pub tz: Tz,
    /// Configured service codes.
    pub services: Vec<String>,
    pub tolerance_ms: EpochMs,
    pub learning_days: u32,
}

/// The result of one accepted event of a batch.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct EventResult {
    /// Position in the batch.
    pub index: usize,
    pub status: Applied,
}

/// One office's live state and its writer.
pub struct OfficeLive {
    pub office: String,
    day: ArcSwap<LiveDay>,
    writer: Mutex<Writer>,
    changed: watch::Sender<u64>,
}

struct Writer {
    files: DayFiles,
    /// Calls of the learning days before the current day.
    past_calls: CallCounts,
    configured: Option<QueueGroups>,
}

impl OfficeLive {
    /// Closes the office's open earlier days, rebuilds `today` from its day log and opens it.
    pub fn start(
        office: &str,
        today: NaiveDate,
        configured: Option<QueueGroups>,
        cfg: &LiveConfig,
    ) -> Result<OfficeLive, ServeError> {
        for date in cfg.log.open_days(office)?.into_iter().filter(|d| *d < today) {
            close_day(office, date, cfg)?;
        }
        let (files, past_calls, day) = open_day(office, today, 0, configured.as_ref(), cfg)?;
        let (changed, _) = watch::channel(day.version);
        Ok(OfficeLive {
            office: office.to_string(),
            day: ArcSwap::from_pointee(day),
            writer: Mutex::new(Writer { files, past_calls, configured }),
            changed,
        })
    }

    /// Today's queue (empty when the current day has not been opened yet).
    pub fn view(&self, today: NaiveDate) -> Arc<LiveDay> {
        let day = self.day.load_full();
        if day.date == today {
            day
        } else {
            Arc::new(LiveDay::empty(&self.office, today, day.version, day.queues.clone()))
        }
    }

    /// A receiver that sees the version of every change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Checks every event of the batch against today's queue; applies all of them (logging
    /// first) or, if any is impossible, none.
    pub fn apply(
        &self,
        events: &[EventIn],
        now: EpochMs,
        cfg: &LiveConfig,
    ) -> Result<Vec<EventResult>, ApiError> {
        let today = local_parts(now, cfg.tz).date;
        let mut writer = self.writer.lock().map_err(|_| ApiError::Internal("live state poisoned".into()))?;
        self.roll_locked(&mut writer, today, cfg).map_err(internal)?;
        let current = self.day.load_full();
        let rules = EventRules { tz: cfg.tz, today, latest: now + cfg.tolerance_ms, services: &cfg.services };
        let mut tickets = current.tickets.clone();
        let (mut results, mut problems, mut applied) = (Vec::new(), Vec::new(), Vec::new());
        let mut last_event = current.last_event;
        for (index, input) in events.iter().enumerate() {
            let outcome = input.check(&rules).and_then(|e| {
                let status = tickets.entry(e.ticket.clone()).or_default().apply(&e, cfg.tz)?;
                Ok((e, status))
            });
            match outcome {
                Ok((e, status)) => {
                    if status == Applied::Applied {
                        last_event = Some(last_event.map_or(e.at, |l| l.max(e.at)));
                        applied.push(e);
                    }
                    results.push(EventResult { index, status });
                }
                Err(r) => {
                    problems.push(EventProblem { index, reason: r.reason.to_string(), detail: r.detail })
                }
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::ImpossibleEvents(problems));
        }
        if applied.is_empty() {
            return Ok(results);
        }
        let lines: Vec<EventIn> = applied.iter().map(|e| e.to_input(cfg.tz)).collect();
        writer.files.append_events(&lines).map_err(internal)?;
        let mut logged = current.logged.clone();
        let touched: BTreeSet<&str> = applied.iter().map(|e| e.ticket.as_str()).collect();
        let rows: Vec<Ticket> = touched
            .iter()
            .filter(|id| !logged.contains(**id))
            .filter_map(|id| tickets.get(*id)?.complete(&self.office, id))
            .collect();
        writer.files.append_tickets(&rows, cfg.tz).map_err(internal)?;
        logged.extend(rows.into_iter().map(|r| r.ticket_id));
        let mut day = LiveDay {
            office: self.office.clone(),
            date: current.date,
            tickets,
            version: current.version + 1,
            last_event,
            queues: QueueGroups::default(),
            logged,
        };
        day.queues = queues(writer.configured.as_ref(), &writer.past_calls, &day);
        let version = day.version;
        self.day.store(Arc::new(day));
        self.changed.send_replace(version);
        Ok(results)
    }

    /// Closes the current day and opens `today` if the date has changed (called by the
    /// server's ticker, so a day closes even when no event arrives after midnight).
    pub fn roll(&self, today: NaiveDate, cfg: &LiveConfig) -> Result<(), ServeError> {
        let mut writer = self.writer.lock().map_err(|_| ServeError::Poisoned { what: "an office's day" })?;
        self.roll_locked(&mut writer, today, cfg)
    }

    fn roll_locked(&self, writer: &mut Writer, today: NaiveDate, cfg: &LiveConfig) -> Result<(), ServeError> {
        let current = self.day.load_full();
        if current.date >= today {
            return Ok(());
        }
        close_open(&current, &mut writer.files, cfg)?;
        cfg.log.mark_closed(current.date, &self.office, &closing_note(&current))?;
        let (files, past_calls, day) =
            open_day(&self.office, today, current.version + 1, writer.configured.as_ref(), cfg)?;
        (writer.files, writer.past_calls) = (files, past_calls);
        let version = day.version;
        self.day.store(Arc::new(day));
        self.changed.send_replace(version);
        Ok(())
    }
}

fn internal(e: ServeError) -> ApiError {
    let text = crate::errors::chain(&e);
    tracing::error!(error = %text, "day log");
    ApiError::Internal(format!("the event could not be logged: {text}"))
}

fn queues(configured: Option<&QueueGroups>, past: &CallCounts, day: &LiveDay) -> QueueGroups {
    if let Some(q) = configured {
        return q.clone();
    }
    let mut calls = past.clone();
    for (key, n) in day.calls() {
        *calls.entry(key).or_default() += n;
    }
    QueueGroups::learn(&calls)
}

/// Rebuilds an office-day from its events file, writes the canonical rows that are missing,
/// and returns the open files, the learning days' calls and the day.
fn open_day(
    office: &str,
    date: NaiveDate,
    version: u64,
    configured: Option<&QueueGroups>,
    cfg: &LiveConfig,
) -> Result<(DayFiles, CallCounts, LiveDay), ServeError> {
    let mut files = cfg.log.open(date, office)?;
    let mut day = rebuild(office, date, version, cfg)?;
    let rows: Vec<Ticket> = day
        .tickets
        .iter()
        .filter(|(id, _)| !day.logged.contains(*id))
        .filter_map(|(id, t)| t.complete(office, id))
        .collect();
    files.append_tickets(&rows, cfg.tz)?;
    day.logged.extend(rows.into_iter().map(|r| r.ticket_id));
    let from = date - chrono::Days::new(u64::from(cfg.learning_days));
    let past_calls = cfg.log.calls(office, from.iter_days().take_while(|d| *d < date))?;
    day.queues = queues(configured, &past_calls, &day);
    Ok((files, past_calls, day))
}

/// The day as its events file tells it; events that no longer pass (e.g. a service code
/// removed from the settings) are skipped with a warning.
fn rebuild(office: &str, date: NaiveDate, version: u64, cfg: &LiveConfig) -> Result<LiveDay, ServeError> {
    let mut day = LiveDay::empty(office, date, version, QueueGroups::default());
    let rules = EventRules { tz: cfg.tz, today: date, latest: EpochMs::MAX, services: &cfg.services };
    for (i, input) in cfg.log.read_events(date, office)?.iter().enumerate() {
        let result = input
            .check(&rules)
            .and_then(|e| day.tickets.entry(e.ticket.clone()).or_default().apply(&e, cfg.tz).map(|_| e.at));
        match result {
            Ok(at) => day.last_event = Some(day.last_event.map_or(at, |l| l.max(at))),
            Err(r) => {
                tracing::warn!(office, %date, line = i + 1, reason = r.reason, "day log event skipped: {}", r.detail)
            }
        }
    }
    day.logged = cfg.log.logged_tickets(date, office)?;
    Ok(day)
}

/// Closes an earlier day found open at start.
fn close_day(office: &str, date: NaiveDate, cfg: &LiveConfig) -> Result<(), ServeError> {
    let (mut files, _, day) = open_day(office, date, 0, None, cfg)?;
    close_open(&day, &mut files, cfg)?;
    cfg.log.mark_closed(date, office, &closing_note(&day))?;
    tracing::info!(office, %date, "closed the day log left open");
    Ok(())
}

/// Writes tickets still waiting at the end of the day as cancelled (when they left is
/// unknown, so `finished_at` stays empty). Called tickets that never finished have no valid
/// row and are left out (counted in the closing note).
fn close_open(day: &LiveDay, files: &mut DayFiles, cfg: &LiveConfig) -> Result<(), ServeError> {
    let rows: Vec<Ticket> = day
        .tickets
        .iter()
        .filter(|(id, t)| {
            !day.logged.contains(*id) && t.called.is_none() && t.finished.is_none() && t.cancelled.is_none()
        })
        .filter_map(|(id, t)| {
            let issue = t.issued.as_ref()?;
            Some(Ticket {
                office_id: day.office.clone(),
                ticket_id: id.clone(),
                service: issue.service.clone(),
                channel: issue.channel,
                issued_at: issue.at,
                called_at: None,
                finished_at: None,
                counter: None,
                outcome: Outcome::Cancelled,
                service_count: 1,
            })
        })
        .collect();
    files.append_tickets(&rows, cfg.tz)
}

fn closing_note(day: &LiveDay) -> String {
    let unfinished = day.tickets.values().filter(|t| t.called.is_some() && t.finished.is_none()).count();
    let unissued = day.tickets.values().filter(|t| t.issued.is_none()).count();
    format!(
        "closed {}: {} tickets; left out: {unfinished} called but never finished, {unissued} never issued\n",
        day.date,
        day.tickets.len()
    )
}
