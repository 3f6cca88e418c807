//! Input files of the canonical log (CSV, NDJSON, Parquet; text optionally gzipped), read
//! record by record with exact line numbers and raw lines for the quarantine.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::hashing::HashingReader;
use crate::ingest::error::{HeaderProblem, IngestError};
use crate::ingest::reason::{Reason, Rejection};
use crate::ingest::split::split_line;
use crate::schema::CANONICAL_COLUMNS;

/// Callback over `(line number, line bytes)`.
pub(crate) type LineFn<'f> = dyn FnMut(u64, &[u8]) -> Result<(), IngestError> + 'f;

/// Container of a canonical log, told by the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Csv,
    Ndjson,
    Parquet,
}

/// One record as read: its line (for Parquet, its 1-based row), its raw text, and either the
/// nine canonical fields in canonical order or why they could not be had.
pub struct Record<'a> {
    pub line: u64,
    /// The line as read (vendor exports: decoded to UTF-8).
    pub raw: &'a [u8],
    pub fields: Result<[&'a str; 9], Rejection>,
    /// Services handled in the visit (1 for the canonical log; vendor exports may list several).
    pub service_count: u16,
}

/// A canonical log file on disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub container: Container,
    gzip: bool,
}

impl SourceFile {
    /// Recognises the container from the extension (`.csv`, `.ndjson`/`.jsonl`, `.parquet`, plus `.gz`).
    pub fn new(path: &Path) -> Result<SourceFile, IngestError> {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        let (stem, gzip) = match name.strip_suffix(".gz") {
            Some(s) => (s.to_string(), true),
            None => (name, false),
        };
        let container = if stem.ends_with(".csv") || stem.ends_with(".txt") {
            Container::Csv
        } else if stem.ends_with(".ndjson") || stem.ends_with(".jsonl") {
            Container::Ndjson
        } else if stem.ends_with(".parquet") && !gzip {
            Container::Parquet
        } else {
            return Err(IngestError::UnknownFormat { path: path.to_path_buf() });
        };
        Ok(SourceFile { path: path.to_path_buf(), container, gzip })
    }

    /// Calls `f` for every record, in file order.
    pub fn for_each(&self, f: &mut dyn FnMut(Record<'_>)) -> Result<(), IngestError> {
        self.records(false, f).map(|_| ())
    }

    /// [`SourceFile::for_each`], and the SHA-256 and size of the file's bytes (for text files
    /// taken in the same read).
    pub fn for_each_hashed(&self, f: &mut dyn FnMut(Record<'_>)) -> Result<(String, u64), IngestError> {
        match self.records(true, f)? {
            Some(hash) => Ok(hash),
            None => hash_file(&self.path),
        }
    }

    /// The records, and when `hash` and the file is text, its hash.
    fn records(
        &self,
        hash: bool,
        f: &mut dyn FnMut(Record<'_>),
    ) -> Result<Option<(String, u64)>, IngestError> {
        match self.container {
            Container::Csv => self.each_csv(hash, f),
            Container::Ndjson => self.each_ndjson(hash, f),
            Container::Parquet => self.each_parquet(f).map(|()| None),
        }
    }

    fn each_line(&self, hash: bool, f: &mut LineFn<'_>) -> Result<Option<(String, u64)>, IngestError> {
        let mut f = |line, bytes: &[u8]| f(line, strip_line_end(bytes));
        if hash {
            each_line_hashed(&self.path, self.gzip, &mut f).map(Some)
        } else {
            each_line(&self.path, self.gzip, &mut f).map(|()| None)
        }
    }

    fn each_csv(
        &self,
        hash: bool,
        f: &mut dyn FnMut(Record<'_>),
    ) -> Result<Option<(String, u64)>, IngestError> {
        let mut order: Option<[usize; 9]> = None;
        let hashed = self.each_line(hash, &mut |line, bytes| {
            let Some(order) = order else {
                order = Some(self.header(bytes)?);
                return Ok(());
            };
            let mut parts: Vec<Cow<'_, str>> = Vec::with_capacity(9);
            let fields = csv_fields(bytes, &order, &mut parts);
            f(Record { line, raw: bytes, fields, service_count: 1 });
            Ok(())
        })?;
        if order.is_none() {
            return Err(IngestError::Empty {
                path: self.path.clone(),
                expected: CANONICAL_COLUMNS.join(","),
            });
        }
        Ok(hashed)
    }

    /// Whether the file is gzipped (told by its name).
    pub(crate) fn is_gzipped(&self) -> bool {
        self.gzip
    }

    /// Rows to reserve room for: a canonical CSV line is rarely under 64 bytes, and room
    /// reserved but never filled is never touched, so it costs no memory.
    pub(crate) fn rows_hint(&self) -> usize {
        let bytes = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        // A gzipped log holds about ten times its size in text.
        let text = if self.gzip { bytes.saturating_mul(10) } else { bytes };
        usize::try_from(text / 64).unwrap_or(0)
    }

    /// Maps header names to positions: every canonical column exactly once, nothing else.
    pub(crate) fn header(&self, bytes: &[u8]) -> Result<[usize; 9], IngestError> {
        let err = |message: String| IngestError::Header { path: self.path.clone(), message };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|_| err("header is not valid UTF-8".into()))?;
        let mut names = Vec::new();
        split_line(text, b',', &mut names).ok_or_else(|| err("header has an unterminated quote".into()))?;
        let columns = |problem| IngestError::Columns { path: self.path.clone(), source: problem };
        column_order(names.iter().map(|n| n.as_ref()), &CANONICAL_COLUMNS).map_err(|problem| {
            // One "column" holding ';' or tabs: a vendor export given without its mapping.
            match (names.len(), other_delimiter(text)) {
                (1, Some(delimiter)) => columns(HeaderProblem::VendorExport { delimiter }),
                _ => columns(problem),
            }
        })
    }

    fn each_ndjson(
        &self,
        hash: bool,
        f: &mut dyn FnMut(Record<'_>),
    ) -> Result<Option<(String, u64)>, IngestError> {
        self.each_line(hash, &mut |line, bytes| {
            let owned = ndjson_fields(bytes);
            let fields = match &owned {
                Ok(v) => Ok(std::array::from_fn(|i| v[i].as_str())),
                Err(r) => Err(r.clone()),
            };
            f(Record { line, raw: bytes, fields, service_count: 1 });
            Ok(())
        })
    }

    fn each_parquet(&self, f: &mut dyn FnMut(Record<'_>)) -> Result<(), IngestError> {
        let perr = |source: PolarsError| IngestError::Parquet { path: self.path.clone(), source };
        let file =
            File::open(&self.path).map_err(|source| IngestError::Open { path: self.path.clone(), source })?;
        let df = ParquetReader::new(file).finish().map_err(perr)?;
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        let order = column_order(names.iter().copied(), &CANONICAL_COLUMNS)
            .map_err(|problem| IngestError::Columns { path: self.path.clone(), source: problem })?;
        let columns: Vec<Vec<Option<String>>> = order
            .iter()
            .map(|&i| column_as_text(&df.columns()[i]))
            .collect::<Result<_, _>>()
            .map_err(perr)?;
        #[allow(clippy::needless_range_loop)] // rows index nine columns at once
        for row in 0..df.height() {
            let values: [&str; 9] = std::array::from_fn(|c| columns[c][row].as_deref().unwrap_or(""));
            let raw = values.join(",");
            let fields = Ok(std::array::from_fn(|c| values[c].trim()));
            f(Record { line: row as u64 + 1, raw: raw.as_bytes(), fields, service_count: 1 });
        }
        Ok(())
    }
}

/// SHA-256 and size of a file's bytes (a pass of its own: for Parquet and vendor inputs).
pub(crate) fn hash_file(path: &Path) -> Result<(String, u64), IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Open { path: path.into(), source })?;
    crate::hashing::sha256_stream(file, None).map_err(|source| IngestError::Read {
        path: path.into(),
        line: 0,
        source,
    })
}

/// Opens a text file, gunzipping when `gzip`.
fn open_text(path: &Path, gzip: bool) -> Result<Box<dyn BufRead>, IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Open { path: path.into(), source })?;
    let inner: Box<dyn Read> =
        if gzip { Box::new(flate2::read::MultiGzDecoder::new(file)) } else { Box::new(file) };
    Ok(Box::new(BufReader::with_capacity(1 << 20, inner)))
}

/// Calls `f` with every line and its number, *with* its terminator (`\n`, `\r\n` or none
/// at the end of the file), so callers can check line endings; see [`strip_line_end`].
pub(crate) fn each_line(path: &Path, gzip: bool, f: &mut LineFn<'_>) -> Result<(), IngestError> {
    read_lines(&mut open_text(path, gzip)?, path, f)
}

/// [`each_line`], returning the SHA-256 and size of the file's bytes (compressed bytes for a
/// gzipped file), hashed as they are read.
pub(crate) fn each_line_hashed(
    path: &Path,
    gzip: bool,
    f: &mut LineFn<'_>,
) -> Result<(String, u64), IngestError> {
    read_hashed(path, gzip, |reader| read_lines(reader, path, f)).map(|((), hash)| hash)
}

/// Calls `read` with the text of a file (gunzipped when `gzip`), then gives its result and the
/// SHA-256 and size of the file's bytes: those `read` took, and whatever it left unread.
pub(crate) fn read_hashed<T>(
    path: &Path,
    gzip: bool,
    read: impl FnOnce(&mut (dyn BufRead + Send)) -> Result<T, IngestError>,
) -> Result<(T, (String, u64)), IngestError> {
    let file = File::open(path).map_err(|source| IngestError::Open { path: path.into(), source })?;
    let hashing = HashingReader::new(file);
    let (value, rest) = if gzip {
        let mut reader = BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(hashing));
        (read(&mut reader)?, reader.into_inner().into_inner())
    } else {
        let mut reader = BufReader::with_capacity(1 << 20, hashing);
        (read(&mut reader)?, reader.into_inner())
    };
    // Whatever follows the last line a decoder needed is part of the file's hash too.
    let hash = rest.finish().map_err(|source| IngestError::Read { path: path.into(), line: 0, source })?;
    Ok((value, hash))
}

fn read_lines(
    reader: &mut (impl BufRead + ?Sized),
    path: &Path,
    f: &mut LineFn<'_>,
) -> Result<(), IngestError> {
    let mut buf = Vec::with_capacity(256);
    let mut line = 0u64;
    loop {
        buf.clear();
        line += 1;
        let n = reader.read_until(b'\n', &mut buf).map_err(|source| IngestError::Read {
            path: path.into(),
            line,
            source,
        })?;
        if n == 0 {
            return Ok(());
        }
        f(line, &buf)?;
    }
}

/// A line without its terminator (`\n` or `\r\n`).
pub(crate) fn strip_line_end(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// Whether a file name ends in `.gz` (any case).
pub(crate) fn is_gzip(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().to_lowercase().ends_with(".gz"))
}

/// The delimiter of a header line that has none of the canonical `,` but `;` or tabs.
fn other_delimiter(header: &str) -> Option<char> {
    [';', '\t', '|'].into_iter().find(|d| header.contains(*d))
}

/// Position of each canonical column among `names`; an error names what is missing or extra.
pub fn column_order<'a>(
    names: impl Iterator<Item = &'a str>,
    expected: &[&str; 9],
) -> Result<[usize; 9], HeaderProblem> {
    let names: Vec<&str> = names.map(|n| n.trim()).collect();
    let missing: Vec<&str> = expected.iter().copied().filter(|e| !names.contains(e)).collect();
    let extra: Vec<&str> = names.iter().copied().filter(|n| !expected.contains(n)).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    let dup = sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]);
    if !missing.is_empty() || !extra.is_empty() || dup.is_some() {
        let owned = |v: Vec<&str>| v.into_iter().map(String::from).collect();
        return Err(HeaderProblem::Columns {
            missing: owned(missing),
            extra: owned(extra),
            duplicate: dup.map(String::from),
            expected: expected.join(","),
        });
    }
    Ok(std::array::from_fn(|i| names.iter().position(|n| *n == expected[i]).unwrap_or(0)))
}

/// Splits one CSV data line and reorders it into canonical order (`parts` is scratch space
/// the fields are kept in, reused from line to line).
pub(crate) fn csv_fields<'a: 'p, 'p>(
    bytes: &'a [u8],
    order: &[usize; 9],
    parts: &'p mut Vec<Cow<'a, str>>,
) -> Result<[&'p str; 9], Rejection> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Rejection::row(Reason::InvalidUtf8, format!("invalid UTF-8 at byte {}", e.valid_up_to()))
    })?;
    if text.trim().is_empty() {
        return Err(Rejection::row(Reason::BlankLine, "blank line"));
    }
    split_line(text, b',', parts)
        .ok_or_else(|| Rejection::row(Reason::MalformedRecord, "unterminated or stray quote"))?;
    match parts.len() {
        9 => Ok(std::array::from_fn(|i| parts[order[i]].as_ref())),
        n if n < 9 => Err(Rejection::row(Reason::MissingFields, format!("expected 9 fields, found {n}"))),
        n => Err(Rejection::row(Reason::ExtraFields, format!("expected 9 fields, found {n}"))),
    }
}

/// Parses one NDJSON line into the nine canonical values (numbers become their text).
fn ndjson_fields(bytes: &[u8]) -> Result<Vec<String>, Rejection> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Rejection::row(Reason::InvalidUtf8, format!("invalid UTF-8 at byte {}", e.valid_up_to()))
    })?;
    if text.trim().is_empty() {
        return Err(Rejection::row(Reason::BlankLine, "blank line"));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Rejection::row(Reason::MalformedRecord, format!("not a JSON object: {e}")))?;
    let obj =
        value.as_object().ok_or_else(|| Rejection::row(Reason::MalformedRecord, "not a JSON object"))?;
    let missing: Vec<&str> = CANONICAL_COLUMNS.iter().copied().filter(|c| !obj.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(Rejection::row(Reason::MissingFields, format!("missing key(s) {}", missing.join(", "))));
    }
    let extra: Vec<&str> =
        obj.keys().map(|k| k.as_str()).filter(|k| !CANONICAL_COLUMNS.contains(k)).collect();
    if !extra.is_empty() {
        return Err(Rejection::row(Reason::ExtraFields, format!("unexpected key(s) {}", extra.join(", "))));
    }
    CANONICAL_COLUMNS
        .iter()
        .map(|c| match &obj[*c] {
            serde_json::Value::Null => Ok(String::new()),
            serde_json::Value::String(s) => Ok(s.trim().to_string()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            other => Err(Rejection::new(
                Reason::MalformedRecord,
                c,
                format!("{c} must be a string, number or null, found {other}"),
            )),
        })
        .collect()
}

/// A Parquet column as text: strings as they are, zoned or UTC datetimes as RFC 3339.
fn column_as_text(column: &Column) -> PolarsResult<Vec<Option<String>>> {
    match column.dtype() {
        DataType::Datetime(unit, _) => {
            let per_ms = match unit {
                TimeUnit::Milliseconds => 1,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Nanoseconds => 1_000_000,
            };
            let raw = column.cast(&DataType::Int64)?;
            Ok(raw
                .i64()?
                .iter()
                .map(|v| v.map(|v| crate::timezones::format_rfc3339(v.div_euclid(per_ms), chrono_tz::UTC)))
                .collect())
        }
        _ => {
            let s = column.cast(&DataType::String)?;
            Ok(s.str()?.iter().map(|v| v.map(str::to_string)).collect())
        }
    }
}
