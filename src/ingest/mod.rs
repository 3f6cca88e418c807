//! Ingest: read ticket logs, validate every row, quarantine the bad ones with their reason,
//! handle duplicates, and write the good rows into the store, replacing whole office-days.
//! Vendor exports (ZMS, Qmatic, mapped CSV) are translated row by row in [`formats`] and
//! then take exactly the same path.

pub mod batch;
pub mod blocks;
pub mod clock;
pub mod error;
pub mod formats;
pub mod persist;
pub mod quarantine;
pub mod reason;
pub mod source;
pub mod split;
pub mod summary;
pub mod validate;

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::settings::ValidSettings;
use crate::store::{IngestedFile, Manifest, Store};

pub use error::IngestError;
pub use formats::{InputFormat, Mapping, VendorFile};
pub use reason::{Reason, Rejection};
pub use source::SourceFile;
pub use summary::{FileReport, IngestReport};

use batch::Batch;
use blocks::CheckedBlock;
use quarantine::QuarantineWriter;
use validate::{Rules, ValidRow, validate};

/// One input file: a canonical log or a vendor export read through its mapping.
#[derive(Debug, Clone)]
pub enum Input<'m> {
    Canonical(SourceFile),
    Vendor(VendorFile<'m>),
}

impl<'m> Input<'m> {
    pub fn open(path: &Path, format: &'m InputFormat, store_tz: Tz) -> Result<Input<'m>, IngestError> {
        match format {
            InputFormat::Canonical => SourceFile::new(path).map(Input::Canonical),
            InputFormat::Vendor(m) => Ok(Input::Vendor(VendorFile::new(path, m, store_tz))),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Input::Canonical(s) => &s.path,
            Input::Vendor(v) => &v.path,
        }
    }

    /// Calls `f` for every record, in file order.
    pub fn for_each(&self, f: &mut dyn FnMut(source::Record<'_>)) -> Result<(), IngestError> {
        match self {
            Input::Canonical(s) => s.for_each(f),
            Input::Vendor(v) => v.for_each(f),
        }
    }

    /// [`Input::for_each`], and the SHA-256 and size of the file's bytes (a canonical text
    /// log is hashed in the same read).
    pub fn for_each_hashed(
        &self,
        f: &mut dyn FnMut(source::Record<'_>),
    ) -> Result<(String, u64), IngestError> {
        match self {
            Input::Canonical(s) => s.for_each_hashed(f),
            Input::Vendor(v) => {
                let hash = source::hash_file(&v.path)?;
                v.for_each(f)?;
                Ok(hash)
            }
        }
    }
}

/// Ingests each canonical log in order (a directory stands for the log files in it) into `store`.
pub fn ingest_paths(
    paths: &[PathBuf],
    settings: &ValidSettings,
    store: &Store,
) -> Result<IngestReport, IngestError> {
    ingest_with(paths, &InputFormat::Canonical, settings, store)
}

/// Ingests each file in order, read as `format`, into `store`. Exports without counters (ZMS)
/// are validated without the `missing_counter` rule.
pub fn ingest_with(
    paths: &[PathBuf],
    format: &InputFormat,
    settings: &ValidSettings,
    store: &Store,
) -> Result<IngestReport, IngestError> {
    let rules = match format {
        InputFormat::Vendor(m) if !m.has_counters() => Rules::from_settings(settings).counters_optional(),
        _ => Rules::from_settings(settings),
    };
    let mut report = IngestReport { files: Vec::new(), threshold: settings.ingest.quarantine_threshold };
    for path in expand(paths, format)? {
        let input = Input::open(&path, format, store.tz())?;
        report.files.push(ingest_file(&input, &rules, store)?);
    }
    Ok(report)
}

/// Files named, with directories replaced by the recognised files they hold (sorted).
fn expand(paths: &[PathBuf], format: &InputFormat) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries =
                std::fs::read_dir(p).map_err(|source| IngestError::Open { path: p.clone(), source })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && match format {
                            InputFormat::Canonical => SourceFile::new(f).is_ok(),
                            InputFormat::Vendor(_) => VendorFile::is_export_name(f),
                        }
                })
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Ingests one file: validate → quarantine → dedup → replace office-days → manifest.
pub fn ingest_file(source: &Input<'_>, rules: &Rules, store: &Store) -> Result<FileReport, IngestError> {
    let path = source.path();
    let mut checked = Checked {
        report: FileReport::new(path.to_path_buf()),
        quarantine: QuarantineWriter::new(&store.quarantine_dir(), path),
        batch: Batch::new(store.tz()),
        write_err: None,
    };
    let (sha256, bytes) = match source {
        Input::Canonical(csv) if csv.container == source::Container::Csv => {
            checked.batch.reserve(csv.rows_hint());
            let apply = &mut |block, before| checked.block(&block, before);
            blocks::check_csv_hashed(csv, rules, store.tz(), apply)?
        }
        _ => source.for_each_hashed(&mut |rec| {
            let row = rec.fields.and_then(|f| validate(f, rules));
            checked.record(
                rec.line,
                rec.raw,
                row.map(|row| ValidRow { service_count: rec.service_count, ..row }),
            );
        })?,
    };
    let Checked { mut report, mut quarantine, mut batch, write_err } = checked;
    (report.sha256, report.bytes) = (sha256, bytes);
    if let Some(e) = write_err {
        return Err(e);
    }
    let qpath = store.quarantine_dir().join(quarantine_name(path, &report.sha256));
    let dedup = batch.dedup();
    report.duplicates = dedup.duplicates;
    quarantine_conflicts(source, &dedup.conflict_lines, &mut quarantine, &mut report)?;
    persist::write_partitions(&batch, rules, store, &mut report)?;
    // A re-ingest with no bad rows left must not leave an old quarantine file behind.
    report.quarantine_file = quarantine.finish(&qpath)?;
    if report.quarantine_file.is_none() && qpath.exists() {
        std::fs::remove_file(&qpath)
            .map_err(|e| IngestError::Quarantine { path: qpath.clone(), source: e })?;
    }
    record_in_manifest(store, &report)?;
    Ok(report)
}

/// The rows of one file as they are checked: the valid ones batched, the others quarantined
/// with their reason (the first quarantine write error is kept for after the read).
struct Checked {
    report: FileReport,
    quarantine: QuarantineWriter,
    batch: Batch,
    write_err: Option<IngestError>,
}

impl Checked {
    fn record(&mut self, line: u64, raw: &[u8], row: Result<ValidRow<'_>, Rejection>) {
        self.report.rows_read += 1;
        match row {
            Ok(row) => self.batch.push(&row, line),
            Err(rejection) => self.reject(line, raw, &rejection),
        }
    }

    fn reject(&mut self, line: u64, raw: &[u8], rejection: &Rejection) {
        self.report.count_rejection(rejection);
        if let Err(e) = self.quarantine.write(line, raw, rejection) {
            self.write_err.get_or_insert(e);
        }
    }

    /// A block checked on a worker, `before` lines into the file.
    fn block(&mut self, block: &CheckedBlock, before: u64) {
        self.report.rows_read += block.lines;
        self.batch.append(&block.batch, before);
        for (line, raw, rejection) in &block.rejected {
            self.reject(before + line, block.raw(raw), rejection);
        }
    }
}

/// Second pass over the file for the raw lines of conflicting duplicates (rare, so cheap).
fn quarantine_conflicts(
    source: &Input<'_>,
    lines: &[u64],
    quarantine: &mut QuarantineWriter,
    report: &mut FileReport,
) -> Result<(), IngestError> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut write_err = None;
    source.for_each(&mut |rec| {
        if lines.binary_search(&rec.line).is_ok() {
            let r = Rejection::row(
                Reason::ConflictingDuplicate,
                "another row has the same office, local date and ticket_id with different values",
            );
            report.count(r.reason);
            if let Err(e) = quarantine.write(rec.line, rec.raw, &r) {
                write_err.get_or_insert(e);
            }
        }
    })?;
    write_err.map_or(Ok(()), Err)
}

fn record_in_manifest(store: &Store, report: &FileReport) -> Result<(), IngestError> {
    let path = store.manifest_path();
    let mut manifest = Manifest::load(&path)?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    manifest.record(IngestedFile {
        file: report.file.display().to_string(),
        sha256: report.sha256.clone(),
        bytes: report.bytes,
        rows_read: report.rows_read,
        stored: report.stored,
        duplicates: report.duplicates,
        quarantined: report.quarantined,
        office_days: report.office_days_written,
        first_ingested_at: now.clone(),
        last_ingested_at: now,
    });
    manifest.save(&path)?;
    Ok(())
}

/// `<file name>-<first 12 hex of its hash>.csv`: one quarantine file per distinct input.
fn quarantine_name(path: &Path, sha256: &str) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{}-{}.csv", quarantine::safe_name(&name), &sha256[..12])
}
