//! Canonical CSV output of the simulator: plain or gzip, written atomically.
//!
//! The file appears complete or not at all: rows go to a temporary file in the target
//! directory, which is renamed over the target only after everything was flushed and synced.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use flate2::{Compression, GzBuilder, write::GzEncoder};

use super::SimulateError;
use crate::schema::{CANONICAL_COLUMNS, Ticket};

/// Plain or gzip-compressed buffered output.
enum Sink {
    Plain(BufWriter<File>),
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

impl Sink {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w,
        }
    }

    /// Flushes everything (writing the gzip trailer) and syncs the file to disk.
    fn finish(self) -> std::io::Result<()> {
        let buffered = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => (*w).finish()?,
        };
        let file = buffered.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }
}

/// A CSV file being written to a temporary name next to its target.
pub struct CsvFile {
    target: PathBuf,
    temp: PathBuf,
    sink: Option<Sink>,
    tz: Tz,
    line: String,
}

impl CsvFile {
    /// Creates the temporary file and writes the canonical header. Gzip when `target` ends
    /// in `.gz`; the gzip header has no name and mtime 0, so equal rows give equal bytes.
    pub fn create(target: &Path, tz: Tz) -> Result<CsvFile, SimulateError> {
        let temp = temp_path(target);
        let file = File::create(&temp).map_err(|source| SimulateError::Io { path: temp.clone(), source })?;
        let buffered = BufWriter::with_capacity(1 << 20, file);
        let gz = target.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
        let sink = if gz {
            let encoder =
                GzBuilder::new().mtime(0).operating_system(255).write(buffered, Compression::default());
            Sink::Gzip(Box::new(encoder))
        } else {
            Sink::Plain(buffered)
        };
        let mut csv =
            CsvFile { target: target.to_path_buf(), temp, sink: Some(sink), tz, line: String::new() };
        let header = CANONICAL_COLUMNS.join(",") + "\n";
        csv.write_raw(header.as_bytes())?;
        Ok(csv)
    }

    fn write_raw(&mut self, bytes: &[u8]) -> Result<(), SimulateError> {
        let result = match self.sink.as_mut() {
            Some(sink) => sink.writer().write_all(bytes),
            None => Err(std::io::Error::other("file already finished")),
        };
        result.map_err(|source| SimulateError::Io { path: self.temp.clone(), source })
    }

    /// Appends one ticket as a CSV line (canonical fields never contain commas or quotes).
    pub fn write_ticket(&mut self, ticket: &Ticket) -> Result<(), SimulateError> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        for (i, field) in ticket.to_fields(self.tz).iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(field);
        }
        line.push('\n');
        let result = self.write_raw(line.as_bytes());
        self.line = line;
        result
    }

    /// Completes the file and moves it to its target name.
    pub fn commit(mut self) -> Result<(), SimulateError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SimulateError::Io { path, source }
        };
        if let Some(sink) = self.sink.take() {
            sink.finish().map_err(io(&self.temp))?;
        }
        std::fs::rename(&self.temp, &self.target).map_err(io(&self.target))
    }
}

impl Drop for CsvFile {
    /// An abandoned (failed) file leaves no temporary behind; after `commit` it is gone already.
    fn drop(&mut self) {
        if self.sink.is_some() {
            self.sink = None;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// `dir/.name.tmp-<pid>`: same directory, so the final rename is atomic.
fn temp_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let temp = format!(".{name}.tmp-{}", std::process::id());
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(temp),
        _ => PathBuf::from(temp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Channel, Outcome};
    use crate::timezones::DEFAULT_TZ;

    fn ticket() -> Ticket {
        Ticket {
            office_id: "neuss-mitte".into(),
            ticket_id: "A001".into(),
            service: "PA".into(),
            channel: Channel::WalkIn,
            issued_at: 1_743_400_800_000, // 2025-03-31T08:00:00+02:00
            called_at: None,
            finished_at: Some(1_743_401_100_000),
            counter: None,
            outcome: Outcome::Cancelled,
            service_count: 1,
        }
    }

    #[test]
    fn plain_csv_has_header_and_empty_optional_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut csv = CsvFile::create(&path, DEFAULT_TZ).unwrap();
        csv.write_ticket(&ticket()).unwrap();
        csv.commit().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "office_id,ticket_id,service,channel,issued_at,called_at,finished_at,counter,outcome\n\
             neuss-mitte,A001,PA,walk_in,2025-03-31T08:00:00+02:00,,2025-03-31T08:05:00+02:00,,cancelled\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn abandoned_file_leaves_nothing_and_target_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv.gz");
        std::fs::write(&path, b"old").unwrap();
        let mut csv = CsvFile::create(&path, DEFAULT_TZ).unwrap();
        csv.write_ticket(&ticket()).unwrap();
        drop(csv);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_directory_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/t.csv");
        let err = CsvFile::create(&path, DEFAULT_TZ).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("no/such/dir"), "{err}");
    }
}
