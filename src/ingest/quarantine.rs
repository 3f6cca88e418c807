//! The quarantine file of one input: every rejected row with its line, reason, field,
//! message and raw text, streamed to a temp file and published by one rename; and the counts
//! of a store's quarantine files ([`count_quarantine`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::ingest::error::IngestError;
use crate::ingest::reason::{Reason, Rejection};
use crate::output::atomic::temp_path;

pub const HEADER: &str = "source_file,line,reason,field,message,raw";

/// Writes quarantine rows for one source file; nothing appears until [`QuarantineWriter::finish`]
/// names the file (its name holds the input's hash, known only once the input is read).
pub struct QuarantineWriter {
    tmp: PathBuf,
    source: String,
    out: Option<BufWriter<File>>,
    rows: u64,
}

impl QuarantineWriter {
    /// A writer whose rows wait in a temp file in `dir` named after `source`.
    pub fn new(dir: &Path, source: &Path) -> QuarantineWriter {
        let name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = temp_path(&dir.join(format!("{}.csv", safe_name(&name))));
        QuarantineWriter { tmp, source: source.display().to_string(), out: None, rows: 0 }
    }

    pub fn write(&mut self, line: u64, raw: &[u8], rejection: &Rejection) -> Result<(), IngestError> {
        let err = |source| IngestError::Quarantine { path: self.tmp.clone(), source };
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

    /// Publishes the file as `path` (when there were rows) and returns that path.
    pub fn finish(mut self, path: &Path) -> Result<Option<PathBuf>, IngestError> {
        let Some(out) = self.out.take() else {
            return Ok(None);
        };
        let err = |source| IngestError::Quarantine { path: path.to_path_buf(), source };
        let file = out.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_all().map_err(err)?;
        std::fs::rename(&self.tmp, path).map_err(err)?;
        Ok(Some(path.to_path_buf()))
    }
}

/// A file name with everything but ASCII letters, digits and `-_.` replaced by `_`.
pub fn safe_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
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

/// What a store's quarantine files hold: rows by reason code, and the unknown service codes or
/// names (each row's offending value, see [`unknown_value`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarantineCounts {
    pub by_reason: BTreeMap<String, u64>,
    pub unknown_services: BTreeMap<String, u64>,
}

/// Unknown values longer than this are not listed (free text, not a code or service name).
pub const MAX_UNKNOWN_LEN: usize = 32;

/// The columns of a quarantine row that are counted.
#[derive(Debug, serde::Deserialize)]
struct CountedRow {
    reason: String,
    message: String,
}

/// Counts the rows of every quarantine file (`*.csv`; hidden temp files are skipped) in `dir`;
/// a store without a quarantine directory has none.
pub fn count_quarantine(dir: &Path) -> Result<QuarantineCounts, IngestError> {
    let mut counts = QuarantineCounts::default();
    if !dir.is_dir() {
        return Ok(counts);
    }
    let open = |source| IngestError::Open { path: dir.to_path_buf(), source };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(open)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(open)?;
    paths.retain(|p| {
        p.extension().is_some_and(|x| x == "csv")
            && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
    });
    paths.sort();
    for path in paths {
        let err = |source: csv::Error| IngestError::QuarantineRead {
            path: path.clone(),
            line: source.position().map(|p| p.line()),
            source,
        };
        let mut reader = csv::Reader::from_path(&path).map_err(err)?;
        for row in reader.deserialize::<CountedRow>() {
            let row = row.map_err(err)?;
            if row.reason == Reason::UnknownService.code()
                && let Some(value) = unknown_value(&row.message).filter(|v| v.len() <= MAX_UNKNOWN_LEN)
            {
                *counts.unknown_services.entry(value.to_string()).or_default() += 1;
            }
            *counts.by_reason.entry(row.reason).or_default() += 1;
        }
    }
    Ok(counts)
}

/// The offending value of an `unknown_service` message: the last quoted text before "is not"
/// (`'XX' is not a configured service code …` of a canonical log, `column 'Dienst' names
/// 'Angeln', which is not in [services] …` of a vendor export).
pub fn unknown_value(message: &str) -> Option<&str> {
    let head = message.split(" is not").next()?;
    head.rsplit('\'').nth(1).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_of_canonical_and_vendor_messages() {
        assert_eq!(unknown_value("'XX' is not a configured service code (PA, RP)"), Some("XX"));
        let vendor = "column 'Dienst' names 'Angeln', which is not in [services] of the mapping file";
        assert_eq!(unknown_value(vendor), Some("Angeln"));
        assert_eq!(unknown_value("blank line"), None);
    }

    #[test]
    fn quarantine_rows_are_counted_by_reason_and_unknown_value() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("x-abc.csv"),
            format!(
                "{HEADER}\n\
                 x.csv,3,blank_line,,blank line,\n\
                 x.csv,4,unknown_service,service,\"'XX' is not a configured service code (PA, RP)\",\"a,b\"\n\
                 x.csv,5,unknown_service,service,'XX' is not known,a\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.path().join(".y.csv.tmp-1"), "junk").unwrap();
        let counts = count_quarantine(dir.path()).unwrap();
        let map = |v: &[(&str, u64)]| v.iter().map(|(k, n)| (k.to_string(), *n)).collect::<BTreeMap<_, _>>();
        assert_eq!(counts.by_reason, map(&[("blank_line", 1), ("unknown_service", 2)]));
        assert_eq!(counts.unknown_services, map(&[("XX", 2)]));
        assert_eq!(count_quarantine(&dir.path().join("none")).unwrap(), QuarantineCounts::default());
        std::fs::write(dir.path().join("z.csv"), "source_file,line\nx.csv,3\n").unwrap();
        match count_quarantine(dir.path()) {
            Err(IngestError::QuarantineRead { path, line: Some(2), .. }) => assert!(path.ends_with("z.csv")),
            other => panic!("{other:?}"),
        }
    }
}
