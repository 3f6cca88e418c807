//! Vendor exports (ZMS, Qmatic, any delimited file described by a mapping): each row is
//! translated into the nine canonical text fields, then validated, deduplicated, quarantined
//! and stored exactly like the canonical log. Line numbers and raw lines are the original
//! file's (raw lines decoded to UTF-8).

pub mod decode;
mod keys;
pub mod local_time;
pub mod mapping;
pub mod qmatic;
pub mod row;
pub mod sequence;
pub mod spec;
pub mod zms;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::ingest::error::IngestError;
use crate::ingest::reason::{Reason, Rejection};
use crate::ingest::source::{Record, each_line, is_gzip, strip_line_end};
use crate::ingest::split::split_line;
use crate::settings::Settings;

pub use mapping::Mapping;
use row::Layout;
pub use spec::{MappingError, MappingFile, VendorFormat};

/// What `ingest` reads: the canonical log, or a vendor export through a mapping.
#[derive(Debug, Clone)]
pub enum InputFormat {
    Canonical,
    Vendor(Box<Mapping>),
}

/// Names accepted by `--format`.
pub const FORMAT_NAMES: [&str; 4] = ["canonical", "zms", "qmatic", "custom"];

impl InputFormat {
    /// Turns `--format` and `--mapping` into a checked input format, before any file is read.
    ///
    /// No flags: canonical. `--mapping` alone: the file's `format` key (default `custom`).
    /// `--format zms` alone: the ZMS preset. `qmatic` and `custom` need a mapping file.
    pub fn from_cli(
        format: Option<&str>,
        mapping: Option<&Path>,
        settings: &Settings,
    ) -> Result<InputFormat, MappingError> {
        let conflict = |message: String| MappingError::Conflict { path: "command line".into(), message };
        let vendor = match format {
            None | Some("canonical") => None,
            Some(name) => Some(VendorFormat::parse(name).ok_or_else(|| {
                conflict(format!("unknown --format {name} (expected {})", FORMAT_NAMES.join(", ")))
            })?),
        };
        match (format, vendor, mapping) {
            (None, _, None) | (Some("canonical"), _, None) => Ok(InputFormat::Canonical),
            (Some("canonical"), _, Some(_)) => Err(conflict(
                "--mapping describes a vendor export; --format canonical reads the canonical log".into(),
            )),
            (_, v, Some(path)) => Ok(InputFormat::Vendor(Box::new(Mapping::load(path, v, settings)?))),
            (_, Some(v), None) => {
                let origin = format!("--format {} (no --mapping)", v.name());
                let m = Mapping::build(v, MappingFile::default(), origin, settings)?;
                Ok(InputFormat::Vendor(Box::new(m)))
            }
            (Some(_), None, None) => Ok(InputFormat::Canonical), // unreachable: names were checked above
        }
    }
}

/// A vendor export on disk, read through its mapping.
#[derive(Debug, Clone)]
pub struct VendorFile<'m> {
    pub path: PathBuf,
    gzip: bool,
    mapping: &'m Mapping,
    store_tz: Tz,
}

/// Callback over `(line, raw text, split fields or why not, layout)`.
type RowFn<'f> = dyn FnMut(u64, &[u8], Result<&[Cow<'_, str>], Rejection>, &Layout<'_>) + 'f;

impl<'m> VendorFile<'m> {
    pub fn new(path: &Path, mapping: &'m Mapping, store_tz: Tz) -> VendorFile<'m> {
        VendorFile { path: path.to_path_buf(), gzip: is_gzip(path), mapping, store_tz }
    }

    /// Whether a directory entry looks like an export (`.csv`, `.txt`, `.tsv`, optionally `.gz`).
    pub fn is_export_name(path: &Path) -> bool {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        let stem = name.strip_suffix(".gz").unwrap_or(&name);
        [".csv", ".txt", ".tsv"].iter().any(|e| stem.ends_with(e))
    }

    /// Calls `f` for every data row, in file order. Fails before the first row when the file
    /// cannot be in the declared encoding or its header lacks a mapped column.
    pub fn for_each(&self, f: &mut dyn FnMut(Record<'_>)) -> Result<(), IngestError> {
        let scan = decode::scan(&self.path, self.gzip)?;
        decode::check(&self.path, &scan, self.mapping.encoding, self.mapping.line_ending)?;
        let numbers = match self.mapping.ticket_id {
            Some(_) => None,
            None => Some(self.number_tickets()?),
        };
        self.rows(&mut |line, raw, fields, layout| {
            let derived = numbers.as_ref().and_then(|n| n.get(&line)).map(String::as_str);
            let translated = fields.and_then(|row| layout.translate(row, derived));
            let record = match &translated {
                Ok(t) => Record {
                    line,
                    raw,
                    fields: Ok(std::array::from_fn(|i| t.fields[i].as_str())),
                    service_count: t.service_count,
                },
                Err(r) => Record { line, raw, fields: Err(r.clone()), service_count: 1 },
            };
            f(record);
        })
    }

    /// First pass for exports without ticket numbers: line → derived number.
    fn number_tickets(&self) -> Result<HashMap<u64, String>, IngestError> {
        let mut arrivals = Vec::new();
        self.rows(&mut |line, raw, fields, layout| {
            if let Some((office, at)) = fields.ok().and_then(|row| layout.arrival(row)) {
                let raw = String::from_utf8_lossy(raw).into_owned();
                arrivals.push(sequence::Arrival { office, at, raw, line });
            }
        })?;
        Ok(sequence::number(arrivals))
    }

    /// Decodes and splits every line; the header (line 1) becomes the layout.
    fn rows(&self, each: &mut RowFn<'_>) -> Result<(), IngestError> {
        let m = self.mapping;
        let mut layout: Option<(Layout<'_>, u8)> = None;
        each_line(&self.path, self.gzip, &mut |line, bytes| {
            let bytes = strip_line_end(bytes);
            let text = decode::decode(bytes, line, m.encoding);
            let Some((layout, delim)) = &layout else {
                let header_err = |message: String| IngestError::Header { path: self.path.clone(), message };
                let text = text.map_err(|r| header_err(r.message))?;
                let delim = m.delimiter.unwrap_or_else(|| detect_delimiter(&text));
                let mut names = Vec::new();
                split_line(&text, delim, &mut names)
                    .ok_or_else(|| header_err("unterminated quote".into()))?;
                layout = Some((Layout::new(m, &names, self.store_tz).map_err(header_err)?, delim));
                return Ok(());
            };
            let text = match text {
                Ok(t) => t,
                Err(r) => {
                    each(line, bytes, Err(r), layout);
                    return Ok(());
                }
            };
            let mut parts = Vec::with_capacity(layout.width());
            let fields = split_row(&text, *delim, layout.width(), &mut parts).map(|()| parts.as_slice());
            each(line, text.as_bytes(), fields, layout);
            Ok(())
        })?;
        if layout.is_none() {
            return Err(IngestError::Empty {
                path: self.path.clone(),
                expected: format!("the header of a {} export", m.format.name()),
            });
        }
        Ok(())
    }
}

/// Splits a data line into exactly `width` fields, or says why not.
fn split_row<'a>(
    text: &'a str,
    delim: u8,
    width: usize,
    parts: &mut Vec<Cow<'a, str>>,
) -> Result<(), Rejection> {
    if text.trim().is_empty() {
        return Err(Rejection::row(Reason::BlankLine, "blank line"));
    }
    split_line(text, delim, parts)
        .ok_or_else(|| Rejection::row(Reason::MalformedRecord, "unterminated or stray quote"))?;
    match parts.len() {
        n if n == width => Ok(()),
        n if n < width => Err(Rejection::row(
            Reason::MissingFields,
            format!("expected {width} fields like the header, found {n}"),
        )),
        n => Err(Rejection::row(
            Reason::ExtraFields,
            format!("expected {width} fields like the header, found {n}"),
        )),
    }
}

/// The delimiter that splits the header into the most columns (`;`, `,`, tab, `|`; ties in that order).
pub fn detect_delimiter(header: &str) -> u8 {
    let mut parts = Vec::new();
    let mut best = (0, b',');
    for d in [b';', b',', b'\t', b'|'] {
        let n = split_line(header, d, &mut parts).map_or(0, |()| parts.len());
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_detected_from_the_header() {
        assert_eq!(detect_delimiter("Datum;Zeit;Anliegen, Sonstiges"), b';');
        assert_eq!(detect_delimiter("BRANCH,TICKET_ID,CALL_TIME"), b',');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("single"), b';');
    }

    #[test]
    fn cli_flags_become_a_checked_format() {
        let s = Settings::default();
        assert!(matches!(InputFormat::from_cli(None, None, &s), Ok(InputFormat::Canonical)));
        assert!(matches!(InputFormat::from_cli(Some("zms"), None, &s), Ok(InputFormat::Vendor(_))));
        let err = InputFormat::from_cli(Some("qmatic"), None, &s).unwrap_err().to_string();
        assert!(err.contains("--format qmatic") && err.contains("channel"), "{err}");
        let err = InputFormat::from_cli(Some("custom"), None, &s).unwrap_err().to_string();
        assert!(err.contains("missing required key"), "{err}");
        let err = InputFormat::from_cli(Some("canonical"), Some(Path::new("m.toml")), &s).unwrap_err();
        assert!(err.to_string().contains("--mapping"), "{err}");
        let err = InputFormat::from_cli(Some("sap"), None, &s).unwrap_err().to_string();
        assert!(err.contains("sap") && err.contains("zms"), "{err}");
    }
}
