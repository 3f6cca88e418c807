//! The profile tables as files: Parquet for tools, CSV (floats to 4 decimals) for people, and a
//! `profile.json` that records the window and the definitions used; rendered by
//! [`crate::output`], written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::output::frame::{frame_csv, parquet};
use crate::output::json::json_without_final_newline;
use crate::output::{self, OutputFile};
use crate::profile::{ProfileError, ProfileTables};
use crate::time::ms_to_minutes;

/// `profile.json`: the window, the settings behind the figures and the rows of each table.
#[derive(Debug, Clone, Serialize)]
struct ProfileDoc {
    from: NaiveDate,
    to: NaiveDate,
    service_level_minutes: f64,
    min_cell_tickets: u32,
    suppressed: bool,
    counter_idle_gap_minutes: f64,
    quantiles: &'static str,
    rows: BTreeMap<&'static str, usize>,
}

/// Every table as `NAME.parquet` and `NAME.csv`, then `profile.json`.
pub fn profile_files(tables: &ProfileTables) -> Result<Vec<OutputFile>, ProfileError> {
    let mut files = Vec::new();
    for t in tables.all() {
        let mut df = t.frame().clone();
        let rows = Some(t.height());
        files.push(OutputFile::new(&format!("{}.parquet", t.name()), parquet(&mut df)?, rows));
        files.push(OutputFile::new(&format!("{}.csv", t.name()), frame_csv(&mut df)?, rows));
    }
    let p = &tables.params;
    let doc = ProfileDoc {
        from: tables.from,
        to: tables.to,
        service_level_minutes: p.service_level_s / 60.0,
        min_cell_tickets: p.min_cell_tickets,
        suppressed: p.suppress,
        counter_idle_gap_minutes: ms_to_minutes(p.replay.idle_gap_ms),
        quantiles: "linear interpolation between closest ranks (Hyndman-Fan type 7, numpy/pandas default)",
        rows: tables.all().iter().map(|t| (t.name(), t.height())).collect(),
    };
    files.push(OutputFile::new("profile.json", json_without_final_newline(&doc)?, None));
    Ok(files)
}

/// Writes every profile file into `dir`; returns the paths.
pub fn write_tables(tables: &ProfileTables, dir: &Path) -> Result<Vec<PathBuf>, ProfileError> {
    Ok(output::write_files(dir, &profile_files(tables)?)?)
}
