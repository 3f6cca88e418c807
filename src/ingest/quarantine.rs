//! The quarantine file of one input: every rejected row with its line, reason, field,
//! message and raw text, streamed to a temp file and published by one rename.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::ingest::error::IngestError;
use crate::ingest::reason::Rejection;
use crate::output::atomic::temp_path;

pub const HEADER: &str = "source_file,line,reason,field,message,raw";

/// Writes quarantine rows for one source file; nothing appears until [`QuarantineWriter::finish`].
pub struct QuarantineWriter {
    path: PathBuf,
    tmp: PathBuf,
    source: String,
    out: Option<BufWriter<File>>,
    rows: u64,
}

impl QuarantineWriter {
    pub fn new(path: PathBuf, source: &Path) -> QuarantineWriter {
        let tmp = temp_path(&path);
        QuarantineWriter { path, tmp, source: source.display().to_string(), out: None, rows: 0 }
    }

    pub fn write(&mut self, line: u64, raw: &[u8], rejection: &Rejection) -> Result<(), IngestError> {
        let err = |source| IngestError::Quarantine { path: self.path.clone(), source };
        if self.out.is_none() {
            let file = File::create(&self.tmp).map_err(err)?;
            let mut out = BufWriter::new(file);
            writeln!(out, "{HEADER}").map_err(err)?;
            self.out = Some(out);
        }
        let raw = String::from_utf8_lossy(raw);
        let fields = [
            self.source.as_str(),
            &line.to_string(),
            rejection.reason.code(),
            rejection.field,
            &rejection.message,
            &raw,
        ];
        let record = fields.iter().map(|f| csv_quote(f)).collect::<Vec<_>>().join(",");
        if let Some(out) = self.out.as_mut() {
            writeln!(out, "{record}").map_err(err)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Publishes the file (when there were rows) and returns its path.
    pub fn finish(mut self) -> Result<Option<PathBuf>, IngestError> {
        let Some(out) = self.out.take() else {
            return Ok(None);
        };
        let err = |source| IngestError::Quarantine { path: self.path.clone(), source };
        let file = out.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_all().map_err(err)?;
        std::fs::rename(&self.tmp, &self.path).map_err(err)?;
        Ok(Some(self.path.clone()))
    }
}

impl Drop for QuarantineWriter {
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Quotes a CSV field when it holds a delimiter, quote or line break.
pub fn csv_quote(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\"")).into()
    } else {
        field.into()
    }
}
