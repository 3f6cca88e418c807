//! `queuecast report`: the planners' report. Reads the current export generation
//! ([`load`]), builds the pages — an overview comparing the offices, then per office the
//! seven sections (load heatmaps, 15-minute profile, trends, forecast, wait-time model,
//! staffing, data quality) — with charts drawn by plotters ([`charts`]), each with a reading
//! aid computed from the data, in German or English ([`i18n`]), and writes one
//! self-contained HTML file ([`html`]) plus every chart as PNG and SVG.

pub mod charts;
pub mod doc;
pub mod html;
pub mod i18n;
pub mod load;
pub mod sections;

use std::path::{Path, PathBuf};

use crate::output::{OutputError, OutputFile};

pub use charts::ChartError;
pub use i18n::Lang;

/// Errors of the report; each names the file or chart concerned.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error("cannot read {path}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}")]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("{path}{}{}", line.map(|l| format!(", line {l}")).unwrap_or_default(), field.map(|f| format!(", field {}", f + 1)).unwrap_or_default())]
    Csv { path: PathBuf, line: Option<u64>, field: Option<u64>, source: csv::Error },
    #[error("{path}: no office files")]
    NoOffices { path: PathBuf },
    #[error("chart {chart}")]
    Chart { chart: String, source: ChartError },
    #[error("a thread drawing the pages panicked")]
    Panicked,
    #[error("cannot write the report")]
    Write(#[from] OutputError),
}

/// What to render, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportParams {
    /// Export directory (holding `current`) or one generation directory.
    pub exports: PathBuf,
    /// The HTML file; the charts go to `charts/` beside it.
    pub out: PathBuf,
    pub lang: Lang,
}

/// What a render wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    pub generation: String,
    pub html: PathBuf,
    pub html_bytes: u64,
    pub chart_dir: PathBuf,
    /// Chart ids, in the order they appear.
    pub charts: Vec<String>,
}

/// The directory the charts of `out` are written to.
pub fn chart_dir(out: &Path) -> PathBuf {
    out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("charts")
}

/// The rendered report in memory: the HTML page and every chart file (`<id>.png`,
/// `<id>.svg`), in the order they appear.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub generation: String,
    pub html: String,
    pub charts: Vec<OutputFile>,
}

/// Builds the report of loaded export data (the same data and language give the same bytes).
pub fn render_data(data: &load::ExportData, lang: Lang) -> Result<Rendered, ReportError> {
    let document = sections::build(data, lang)?;
    let mut charts = Vec::new();
    for c in document.charts() {
        charts.push(OutputFile::new(&format!("{}.png", c.id), c.drawn.png.clone(), None));
        charts.push(OutputFile::new(&format!("{}.svg", c.id), c.drawn.svg.clone().into_bytes(), None));
    }
    Ok(Rendered { generation: data.manifest.generation.clone(), html: html::html(&document), charts })
}

/// Reads the export, builds the report and writes the chart files and then the HTML (each
/// atomically). The same export and language give the same bytes. The steps run in the spans
/// `load`, `draw` and `write` (target `queuecast::report`).
pub fn render(params: &ReportParams) -> Result<ReportSummary, ReportError> {
    let data = tracing::info_span!("load").in_scope(|| load::load(&params.exports))?;
    let r = tracing::info_span!("draw").in_scope(|| render_data(&data, params.lang))?;
    let dir = chart_dir(&params.out);
    tracing::info_span!("write").in_scope(|| -> Result<(), OutputError> {
        crate::output::write_files(&dir, &r.charts)?;
        crate::output::atomic::write_atomic(&params.out, |w| std::io::Write::write_all(w, r.html.as_bytes()))
            .map_err(|source| OutputError::Io { path: params.out.clone(), source })
    })?;
    let charts = r.charts.iter().filter_map(|f| f.name.strip_suffix(".png")).map(String::from).collect();
    Ok(ReportSummary {
        generation: r.generation,
        html: params.out.clone(),
        html_bytes: r.html.len() as u64,
        chart_dir: dir,
        charts,
    })
}
