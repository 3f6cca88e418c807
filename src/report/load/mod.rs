//! Reads the current export generation into typed rows: the CSV tables through serde
//! (`rows`), the JSON files into the export's own document types (office files, catalog) or
//! typed views (`docs`). Every error names the file, and for CSV the line and field.

pub mod docs;
pub mod rows;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::export::office::OfficeDoc;
use crate::export::quality::DataQuality;
use crate::export::report_tables::{BACKTEST_DAYS, DATA_QUALITY, MODEL_BACKTEST, ModelBacktestFile};
use crate::export::services::ServicesDoc;
use crate::planning::tables::CheckTableRow;
use crate::report::ReportError;
use docs::{ExportReportDoc, ManifestDoc, ProfileMetaDoc};
use rows::{ArrivalScoreRow, BacktestDayRow, DailyRow, MonthlyRow, StaffingRow, WeekdayHourRow, WhatIfRow};

/// Everything the report shows, read from one generation.
#[derive(Debug, Clone)]
pub struct ExportData {
    /// The generation directory read.
    pub dir: PathBuf,
    pub manifest: ManifestDoc,
    pub report: ExportReportDoc,
    /// The profile tables' window and k.
    pub profile: ProfileMetaDoc,
    /// Office ids in name order.
    pub offices: Vec<String>,
    pub office_docs: BTreeMap<String, OfficeDoc>,
    /// Service code → name, from the catalog.
    pub service_names: BTreeMap<String, String>,
    pub weekday_hour: Vec<WeekdayHourRow>,
    pub daily: Vec<DailyRow>,
    pub monthly: Vec<MonthlyRow>,
    pub staffing: Vec<StaffingRow>,
    /// `staffing_check.csv`, read into the row type that writes it.
    pub staffing_check: Vec<CheckTableRow>,
    pub whatif: Vec<WhatIfRow>,
    pub arrival_scores: Vec<ArrivalScoreRow>,
    /// Absent in generations written before the report existed.
    pub backtest_days: Option<Vec<BacktestDayRow>>,
    /// Present when the export had a model file with a backtest.
    pub model: Option<ModelBacktestFile>,
    /// Absent in generations written before the report existed.
    pub quality: Option<DataQuality>,
}

/// Reads the current generation under `dir`.
pub fn load(dir: &Path) -> Result<ExportData, ReportError> {
    let g = crate::export::generation_dir(dir)?;
    let manifest: ManifestDoc = read_json(&g.join(crate::export::MANIFEST))?;
    load_generation(&g, manifest)
}

/// Reads the files of generation directory `g` with its manifest data given: also works on
/// a generation still being written (no `manifest.json` yet), so a caller that publishes
/// the report inside the generation can render it before the generation is finished.
pub fn load_generation(g: &Path, manifest: ManifestDoc) -> Result<ExportData, ReportError> {
    let g = g.to_path_buf();
    let report: ExportReportDoc = read_json(&g.join("export_report.json"))?;
    let mut office_docs = BTreeMap::new();
    for path in office_files(&g.join("offices"))? {
        let doc: OfficeDoc = read_json(&path)?;
        office_docs.insert(doc.office_id.clone(), doc);
    }
    let services: ServicesDoc = read_json(&g.join("services.json"))?;
    let t = g.join("tables");
    let weekday_hour: Vec<WeekdayHourRow> = read_csv(&t.join("profile/weekday_hour.csv"))?;
    let offices: Vec<String> = office_docs.keys().cloned().collect();
    if offices.is_empty() {
        return Err(ReportError::NoOffices { path: g.join("offices") });
    }
    Ok(ExportData {
        manifest,
        report,
        profile: read_json(&t.join("profile/profile.json"))?,
        offices,
        office_docs,
        service_names: services.services.into_iter().map(|s| (s.code, s.name)).collect(),
        weekday_hour,
        daily: read_csv(&t.join("profile/daily.csv"))?,
        monthly: read_csv(&t.join("profile/monthly.csv"))?,
        staffing: read_csv(&t.join("staffing/staffing.csv"))?,
        staffing_check: read_csv(&t.join("staffing/staffing_check.csv"))?,
        whatif: read_csv(&t.join("whatif/whatif.csv"))?,
        arrival_scores: read_csv(&t.join("forecast/arrival_backtest.csv"))?,
        backtest_days: optional_csv(g.join(BACKTEST_DAYS))?,
        model: optional_json(g.join(MODEL_BACKTEST))?,
        quality: optional_json(g.join(DATA_QUALITY))?,
        dir: g,
    })
}

/// The `*.json` files of the offices directory, in name order.
fn office_files(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let io = |source| ReportError::Io { path: dir.to_path_buf(), source };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads a CSV table that older generations lack: `None` when the file is absent.
fn optional_csv<T: DeserializeOwned>(path: PathBuf) -> Result<Option<Vec<T>>, ReportError> {
    path.is_file().then(|| read_csv(&path)).transpose()
}

/// Reads a JSON file that may be absent.
fn optional_json<T: DeserializeOwned>(path: PathBuf) -> Result<Option<T>, ReportError> {
    path.is_file().then(|| read_json(&path)).transpose()
}

/// Reads a JSON file into `T`.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, ReportError> {
    let text = std::fs::read(path).map_err(|source| ReportError::Io { path: path.to_path_buf(), source })?;
    serde_json::from_slice(&text).map_err(|source| ReportError::Json { path: path.to_path_buf(), source })
}

/// Reads a CSV table (with a header line) into rows of `T`; columns `T` does not name are
/// ignored. An error names the line and the field.
pub fn read_csv<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, ReportError> {
    let mut r = csv::Reader::from_path(path).map_err(|e| csv_err(path, e))?;
    r.deserialize().map(|row| row.map_err(|e| csv_err(path, e))).collect()
}

fn csv_err(path: &Path, source: csv::Error) -> ReportError {
    let line = source.position().map(|p| p.line());
    let field = match source.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.field(),
        _ => None,
    };
    ReportError::Csv { path: path.to_path_buf(), line, field, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_with_empty_fields_and_errors_naming_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("wh.csv");
        std::fs::write(
            &p,
            "office_id,service,weekday,hour,open_days,tickets,tickets_per_open_day,wait_median_min,service_level,extra,suppressed\n\
             a,*,1,8,50,1527,30.54,6.64,0.776,x,false\n\
             a,*,3,13,50,,,,,,true\n",
        )
        .unwrap();
        let rows: Vec<WeekdayHourRow> = read_csv(&p).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].hour, rows[0].tickets_per_open_day), (8, Some(30.54)));
        assert_eq!((rows[1].tickets, rows[1].suppressed), (None, true));
        std::fs::write(&p, "office_id,service,weekday,hour,open_days,tickets,tickets_per_open_day,wait_median_min,service_level,suppressed\na,*,Mo,8,50,1,1,1,1,false\n").unwrap();
        match read_csv::<WeekdayHourRow>(&p) {
            Err(ReportError::Csv { line: Some(2), field: Some(2), .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_directory_without_a_generation_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        match load(dir.path()) {
            Err(ReportError::Export(crate::export::ExportError::NoCurrent { path })) => {
                assert_eq!(path, dir.path())
            }
            other => panic!("{other:?}"),
        }
    }
}
