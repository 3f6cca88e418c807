//! The planners' tables of an export: profile tables (suppressed), the arrival forecast and its
//! backtest, staffing and what-if tables. They are written by their own stages into a staging
//! directory and copied into the generation from there, so the formats stay the stages' own.
//!
//! What is left out on purpose: `slot_wait_backtest.csv` (one row per office-date-slot, which
//! can rest on a single ticket). Tables whose rows count tickets of small groups get the
//! profiles' k-suppression here ([`suppress_csv`]): values nulled, keys kept, a `suppressed`
//! column added.

use std::path::{Path, PathBuf};

use crate::export::run::TableRows;
use crate::export::{ExportError, GenerationWriter, io_err};

/// A file of a stage's output directory and its name and data rows in the generation.
#[derive(Debug, Clone, PartialEq)]
pub struct TableFile {
    /// File name inside the staging directory.
    pub staged: String,
    /// Name inside the generation.
    pub name: String,
    /// Data rows (`None` for JSON metadata files).
    pub rows: Option<u64>,
}

impl TableFile {
    pub fn new(staged: &str, name: &str, rows: Option<usize>) -> TableFile {
        TableFile { staged: staged.to_string(), name: name.to_string(), rows: rows.map(|r| r as u64) }
    }
}

/// Copies `files` from `staging` into the generation with their row counts; returns the
/// (name, rows) of the table files.
pub fn add_staged(
    g: &mut GenerationWriter,
    staging: &Path,
    files: &[TableFile],
) -> Result<Vec<TableRows>, ExportError> {
    let mut rows = Vec::new();
    for f in files {
        g.add_file(&f.name, &staging.join(&f.staged))?;
        if let Some(r) = f.rows {
            g.set_rows(&f.name, r)?;
            rows.push(TableRows { path: f.name.clone(), rows: r });
        }
    }
    Ok(rows)
}

/// How [`suppress_csv`] finds a row's ticket count.
#[derive(Debug, Clone, Copy)]
pub enum CountOf<'a> {
    /// A column holding the count.
    Column(&'a str),
    /// The product of two columns (e.g. tickets per open day × open days), rounded.
    Product(&'a str, &'a str),
}

/// k-suppression of a CSV table (plain comma-separated, no quoted fields, as the planning
/// stage writes them): every row whose count is below `k` keeps its `keys` columns and gets
/// empty values elsewhere; a `suppressed` column is appended. Returns the new text and rows.
pub fn suppress_csv(text: &str, keys: &[&str], count: CountOf, k: u32) -> Result<(String, usize), String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty table")?.split(',').collect();
    let idx = |name: &str| header.iter().position(|h| *h == name).ok_or(format!("no column {name}"));
    let keep: Vec<usize> = keys.iter().map(|k| idx(k)).collect::<Result<_, _>>()?;
    let (a, b) = match count {
        CountOf::Column(c) => (idx(c)?, None),
        CountOf::Product(x, y) => (idx(x)?, Some(idx(y)?)),
    };
    let mut out = format!("{},suppressed\n", header.join(","));
    let mut rows = 0;
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != header.len() {
            return Err(format!("row {}: {} fields, expected {}", n + 2, cells.len(), header.len()));
        }
        let num = |i: usize| cells[i].parse::<f64>().unwrap_or(0.0);
        let tickets = b.map_or(num(a), |b| (num(a) * num(b)).round());
        let small = tickets < f64::from(k);
        let shown: Vec<&str> =
            cells.iter().enumerate().map(|(i, c)| if small && !keep.contains(&i) { "" } else { c }).collect();
        out.push_str(&format!("{},{small}\n", shown.join(",")));
        rows += 1;
    }
    Ok((out, rows))
}

/// Reads a staged CSV, suppresses it and adds it to the generation as `name`.
pub fn add_suppressed_csv(
    g: &mut GenerationWriter,
    staged: &Path,
    name: &str,
    keys: &[&str],
    count: CountOf,
    k: u32,
) -> Result<u64, ExportError> {
    let text = std::fs::read_to_string(staged).map_err(io_err(staged))?;
    let (text, rows) = suppress_csv(&text, keys, count, k)
        .map_err(|message| ExportError::Table { path: staged.to_path_buf(), message })?;
    g.add_bytes(name, text.as_bytes())?;
    g.set_rows(name, rows as u64)?;
    Ok(rows as u64)
}

/// The staging directory of generation `id`: `OUT/generations/.<id>-staging.partial`. Its
/// `.partial` suffix makes the next export's `begin` remove it if this run is killed.
pub fn staging_dir(out: &Path, id: &str) -> PathBuf {
    out.join(crate::export::GENERATIONS)
        .join(format!(".{id}-staging{}", crate::export::generation::PARTIAL_SUFFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_rows_lose_values_but_keep_keys() {
        let text = "office_id,hour,tickets,sl\na,8,4,0.5\na,9,5,0.75\n";
        let (out, rows) = suppress_csv(text, &["office_id", "hour"], CountOf::Column("tickets"), 5).unwrap();
        assert_eq!(rows, 2);
        assert_eq!(out, "office_id,hour,tickets,sl,suppressed\na,8,,,true\na,9,5,0.75,false\n");
        // 1.2 per day × 4 days = 4.8 → 5 tickets: kept; 1.0 × 4 = 4: suppressed.
        let text = "office_id,per_day,days\na,1.2,4\nb,1.0,4\n";
        let (out, _) =
            suppress_csv(text, &["office_id", "days"], CountOf::Product("per_day", "days"), 5).unwrap();
        assert_eq!(out, "office_id,per_day,days,suppressed\na,1.2,4,false\nb,,4,true\n");
        assert!(suppress_csv("a,b\n1\n", &["a"], CountOf::Column("b"), 5).is_err());
        assert!(suppress_csv("a,b\n", &["x"], CountOf::Column("b"), 5).is_err());
    }
}
