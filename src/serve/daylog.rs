//! The per-day logs of the live feed, under `[serve] day_log_dir`:
//!
//! ```text
//! <date>/<office>.csv      canonical ticket log (`ingest` reads it): one row per ticket, appended
//!                          once its story is complete (called and finished, or cancelled)
//! <date>/<office>.events   every accepted event, one JSON line each, in the order applied: a
//!                          restart replays today's file to rebuild the live queue
//! <date>/<office>.closed   the day was closed: tickets still waiting were written as cancelled
//! ```
//!
//! The canonical format has one row per finished ticket, so events cannot be appended to it
//! one by one (a waiting ticket has no valid row yet); the `.events` file keeps them until
//! then. `queuecast ingest <day_log_dir>/<date>` takes the `.csv` files and skips the others.
//! Both files are appended and synced before a POST is answered; a line torn by a crash is
//! cut off when the file is opened again.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::schema::{CANONICAL_COLUMNS, Ticket, col};
use crate::serve::error::{ServeError, day_log_err};
use crate::serve::events::EventIn;
use crate::serve::queues::{CallCounts, count_call};

/// The day-log directory.
#[derive(Debug, Clone)]
pub struct DayLog {
    pub dir: PathBuf,
    pub tz: Tz,
}

/// The open files of one office-day, for appending.
#[derive(Debug)]
pub struct DayFiles {
    pub events: File,
    pub tickets: File,
    events_path: PathBuf,
    tickets_path: PathBuf,
}

impl DayLog {
    pub fn events_path(&self, date: NaiveDate, office: &str) -> PathBuf {
        self.dir.join(date.to_string()).join(format!("{office}.events"))
    }

    pub fn tickets_path(&self, date: NaiveDate, office: &str) -> PathBuf {
        self.dir.join(date.to_string()).join(format!("{office}.csv"))
    }

    pub fn closed_path(&self, date: NaiveDate, office: &str) -> PathBuf {
        self.dir.join(date.to_string()).join(format!("{office}.closed"))
    }

    /// Opens (creating) the two files of an office-day for appending, cutting a torn last
    /// line and writing the CSV header into a new ticket file.
    pub fn open(&self, date: NaiveDate, office: &str) -> Result<DayFiles, ServeError> {
        let dir = self.dir.join(date.to_string());
        std::fs::create_dir_all(&dir).map_err(day_log_err(&dir))?;
        let events_path = self.events_path(date, office);
        let tickets_path = self.tickets_path(date, office);
        let events = open_append(&events_path)?;
        let mut tickets = open_append(&tickets_path)?;
        if tickets.metadata().map_err(day_log_err(&tickets_path))?.len() == 0 {
            let header = CANONICAL_COLUMNS.join(",") + "\n";
            tickets.write_all(header.as_bytes()).map_err(day_log_err(&tickets_path))?;
        }
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(DayFiles { events, tickets, events_path, tickets_path })
    }

    /// The accepted events of an office-day in the order applied (none when there is no file).
    pub fn read_events(&self, date: NaiveDate, office: &str) -> Result<Vec<EventIn>, ServeError> {
        let path = self.events_path(date, office);
        let Ok(file) = File::open(&path) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (i, line) in complete_lines(file, &path)?.iter().enumerate() {
            let event = serde_json::from_str(line).map_err(|source| ServeError::DayLogLine {
                path: path.clone(),
                line: i + 1,
                source,
            })?;
            out.push(event);
        }
        Ok(out)
    }

    /// Ticket ids already in an office-day's canonical file.
    pub fn logged_tickets(&self, date: NaiveDate, office: &str) -> Result<BTreeSet<String>, ServeError> {
        let mut ids = BTreeSet::new();
        self.each_row(date, office, |fields, column| {
            if let Some(id) = fields.get(column(col::TICKET_ID)) {
                ids.insert(id.to_string());
            }
        })?;
        Ok(ids)
    }

    /// Calls per (service, counter) in the canonical files of an office over `dates`.
    pub fn calls(
        &self,
        office: &str,
        dates: impl Iterator<Item = NaiveDate>,
    ) -> Result<CallCounts, ServeError> {
        let mut calls = CallCounts::new();
        for date in dates {
            self.each_row(date, office, |fields, column| {
                let service = fields.get(column(col::SERVICE));
                let counter = fields.get(column(col::COUNTER)).filter(|c| !c.is_empty());
                if let (Some(s), Some(c)) = (service, counter) {
                    count_call(&mut calls, s, c);
                }
            })?;
        }
        Ok(calls)
    }

    /// Calls `f` with the fields of each complete row of a canonical file written here, and a
    /// lookup of a column's position by name.
    fn each_row(
        &self,
        date: NaiveDate,
        office: &str,
        mut f: impl FnMut(&[&str], &dyn Fn(&str) -> usize),
    ) -> Result<(), ServeError> {
        let path = self.tickets_path(date, office);
        let Ok(file) = File::open(&path) else { return Ok(()) };
        let lines = complete_lines(file, &path)?;
        let Some(header) = lines.first() else { return Ok(()) };
        let names: Vec<&str> = header.split(',').collect();
        let column = |name: &str| names.iter().position(|n| *n == name).unwrap_or(usize::MAX);
        for line in &lines[1..] {
            let fields: Vec<&str> = line.split(',').collect();
            f(&fields, &column);
        }
        Ok(())
    }

    /// Dates (directories) with an `.events` file of `office` that has no `.closed` marker.
    pub fn open_days(&self, office: &str) -> Result<Vec<NaiveDate>, ServeError> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(day_log_err(&self.dir))?;
            let Ok(date) = entry.file_name().to_string_lossy().parse::<NaiveDate>() else { continue };
            if self.events_path(date, office).is_file() && !self.closed_path(date, office).exists() {
                out.push(date);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Offices with files in the directory of `date`.
    pub fn offices_on(&self, date: NaiveDate) -> Vec<String> {
        let dir = self.dir.join(date.to_string());
        let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
        let mut out: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_string_lossy().strip_suffix(".events").map(str::to_string))
            .collect();
        out.sort_unstable();
        out
    }

    /// Marks an office-day closed.
    pub fn mark_closed(&self, date: NaiveDate, office: &str, note: &str) -> Result<(), ServeError> {
        let path = self.closed_path(date, office);
        crate::output::atomic::write_atomic(&path, |w| w.write_all(note.as_bytes()))
            .map_err(day_log_err(&path))
    }
}

impl DayFiles {
    /// Appends events as JSON lines and syncs them.
    pub fn append_events(&mut self, events: &[EventIn]) -> Result<(), ServeError> {
        let mut text = Vec::new();
        for e in events {
            serde_json::to_writer(&mut text, e)
                .map_err(|source| ServeError::DayLogEncode { path: self.events_path.clone(), source })?;
            text.push(b'\n');
        }
        append_synced(&mut self.events, &text, &self.events_path)
    }

    /// Appends canonical rows and syncs them (fields never hold commas: ids are checked).
    pub fn append_tickets(&mut self, tickets: &[Ticket], tz: Tz) -> Result<(), ServeError> {
        let mut text = String::new();
        for t in tickets {
            text.push_str(&t.to_fields(tz).join(","));
            text.push('\n');
        }
        append_synced(&mut self.tickets, text.as_bytes(), &self.tickets_path)
    }
}

fn append_synced(file: &mut File, bytes: &[u8], path: &Path) -> Result<(), ServeError> {
    if bytes.is_empty() {
        return Ok(());
    }
    file.write_all(bytes).and_then(|()| file.sync_data()).map_err(day_log_err(path))
}

/// Opens `path` for appending; a last line without its newline (torn by a crash, never
/// acknowledged) is cut off first.
fn open_append(path: &Path) -> Result<File, ServeError> {
    let mut file =
        OpenOptions::new().create(true).read(true).append(true).open(path).map_err(day_log_err(path))?;
    let len = file.metadata().map_err(day_log_err(path))?.len();
    if len > 0 {
        let mut text = Vec::new();
        file.seek(SeekFrom::Start(0)).and_then(|_| file.read_to_end(&mut text)).map_err(day_log_err(path))?;
        if text.last() != Some(&b'\n') {
            let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            file.set_len(keep as u64).and_then(|()| file.sync_data()).map_err(day_log_err(path))?;
        }
    }
    Ok(file)
}

/// The lines of a file that end with a newline.
fn complete_lines(file: File, path: &Path) -> Result<Vec<String>, ServeError> {
    let mut out = Vec::new();
    let mut reader = BufReader::new(file);
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(day_log_err(path))?;
        if n == 0 || !line.ends_with('\n') {
            break;
        }
        out.push(line.trim_end().to_string());
    }
    Ok(out)
}
