//! Writing profile tables: Parquet for tools, CSV (floats to 4 decimals) for people, and a
//! `profile.json` that records the window and the definitions used. Every file is atomic.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::output::atomic::write_atomic_polars;
use crate::profile::{ProfileError, ProfileTables};
use crate::time::ms_to_minutes;

/// Writes every table as `NAME.parquet` and `NAME.csv` plus `profile.json` into `dir`.
pub fn write_tables(tables: &ProfileTables, dir: &Path) -> Result<Vec<PathBuf>, ProfileError> {
    let mut written = Vec::new();
    for (name, df) in tables.named() {
        let mut df = df.clone();
        let parquet = dir.join(format!("{name}.parquet"));
        write_file(&parquet, |w| {
            ParquetWriter::new(w).with_compression(ParquetCompression::Zstd(None)).finish(&mut df).map(|_| ())
        })?;
        let csv = dir.join(format!("{name}.csv"));
        write_file(&csv, |w| CsvWriter::new(w).with_float_precision(Some(4)).finish(&mut df))?;
        written.extend([parquet, csv]);
    }
    let meta = serde_json::json!({
        "from": tables.from.to_string(),
        "to": tables.to.to_string(),
        "service_level_minutes": tables.params.service_level_s / 60.0,
        "min_cell_tickets": tables.params.min_cell_tickets,
        "suppressed": tables.params.suppress,
        "counter_idle_gap_minutes": ms_to_minutes(tables.params.replay.idle_gap_ms),
        "quantiles": "linear interpolation between closest ranks (Hyndman-Fan type 7, numpy/pandas default)",
        "rows": tables.named().iter().map(|(n, df)| (n.to_string(), df.height())).collect::<std::collections::BTreeMap<_, _>>(),
    });
    let path = dir.join("profile.json");
    let text = serde_json::to_vec_pretty(&meta)
        .map_err(|e| ProfileError::Write { path: path.clone(), source: e.into() })?;
    write_file(&path, |w| std::io::Write::write_all(w, &text).map_err(PolarsError::from))?;
    written.push(path);
    Ok(written)
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> PolarsResult<()>,
) -> Result<(), ProfileError> {
    write_atomic_polars(path, write)
        .map_err(|source| ProfileError::Write { path: path.to_path_buf(), source })
}
