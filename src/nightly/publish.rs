//! The export step: when the inputs changed (stored data, model file, settings, catalog), one
//! new generation with everything the app, the API and the planners read, made current only
//! when complete. Nothing new → no new generation.
//!
//! Kill safety: before exporting, the run records which inputs it is publishing under which
//! generation id (`publishing.json`); after, what is published (`published.json`). A rerun that
//! finds `current` already pointing to the recorded generation of the same inputs adopts it; a
//! complete but never-current generation of the same id (killed between rename and switch) is
//! removed and written again.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::export::ExportManifest;
use crate::export::run::{BoxError, export_with, generation_id};
use crate::export::{CURRENT, GENERATIONS};
use crate::hashing::{combined_sha256, sha256_file, sha256_hex};
use crate::nightly::decide::needs_publish;
use crate::nightly::{NightlyError, NightlyParams, Observer, Step};
use crate::output::OutputFile;
use crate::output::atomic::write_atomic;
use crate::report::Lang;
use crate::settings::ValidSettings;
use crate::store::Store;
use crate::store::manifest::Manifest;

/// The record of a publication in the state directory.
const PUBLISHING: &str = "publishing.json";
const PUBLISHED: &str = "published.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    inputs: String,
    generation: String,
}

/// What the export step did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "publication", rename_all = "snake_case")]
pub enum Publication {
    /// A new generation is current.
    Published { generation: String, files: usize, removed: Vec<String> },
    /// Inputs unchanged since the current generation.
    Unchanged { generation: String },
    /// Dry run: whether one would be published.
    WouldPublish { inputs_changed: bool },
}

impl Publication {
    pub fn generation(&self) -> Option<&str> {
        match self {
            Publication::Published { generation, .. } | Publication::Unchanged { generation } => {
                Some(generation)
            }
            Publication::WouldPublish { .. } => None,
        }
    }
}

/// Publishes a generation if the inputs changed.
pub fn run(
    settings: &ValidSettings,
    params: &NightlyParams,
    store: &Store,
    observer: &dyn Observer,
    seconds: &mut Vec<(Step, f64)>,
    would_ingest: bool,
) -> Result<Publication, NightlyError> {
    let fail =
        |e: Box<dyn std::error::Error + Send + Sync>| NightlyError::Step { step: Step::Export, source: e };
    let started = std::time::Instant::now();
    let inputs = inputs_sha256(settings, store, &params.model).map_err(fail)?;
    let published = read_record(&params.state_dir.join(PUBLISHED));
    let current = current_generation(&params.export_dir);
    let current_is_published = published.as_ref().is_some_and(|p| Some(&p.generation) == current.as_ref());
    if params.dry_run && would_ingest {
        return Ok(Publication::WouldPublish { inputs_changed: true });
    }
    if !needs_publish(&inputs, published.as_ref().map(|p| p.inputs.as_str()), current_is_published) {
        let generation = current.unwrap_or_default();
        tracing::info!(%generation, "inputs unchanged: no new generation");
        return Ok(Publication::Unchanged { generation });
    }
    if params.dry_run {
        return Ok(Publication::WouldPublish { inputs_changed: true });
    }
    observer.step(Step::Export, true, 0);
    let id = generation_id(params.at);
    let record = Record { inputs: inputs.clone(), generation: id.clone() };
    // A killed predecessor may have made this very generation current already.
    if read_record(&params.state_dir.join(PUBLISHING)).as_ref() == Some(&record)
        && current.as_deref() == Some(&id)
    {
        tracing::info!(generation = %id, "adopting the generation a killed run made current");
        save_record(&params.state_dir.join(PUBLISHED), &record).map_err(fail)?;
        return Ok(Publication::Published { generation: id, files: 0, removed: Vec::new() });
    }
    let orphan = params.export_dir.join(GENERATIONS).join(&id);
    if orphan.is_dir() && current.as_deref() != Some(&id) {
        tracing::warn!(dir = %orphan.display(), "removing a generation a killed run never made current");
        fs::remove_dir_all(&orphan).map_err(|e| fail(e.into()))?;
    }
    save_record(&params.state_dir.join(PUBLISHING), &record).map_err(fail)?;
    let model = params.model.exists().then_some(params.model.as_path());
    let lang = Lang::parse(&settings.nightly.report_lang).unwrap_or_default();
    let mut report_secs = None;
    let mut report = |dir: &Path, manifest: &ExportManifest| {
        observer.step(Step::Export, false, 0);
        observer.step(Step::Report, true, 0);
        let began = std::time::Instant::now();
        let files = report_files(dir, manifest, lang);
        report_secs = Some(began.elapsed().as_secs_f64());
        files
    };
    let summary = export_with(store, settings, &params.export_dir, &id, params.at, model, &mut report)
        .map_err(|e| match e {
            crate::export::run::RunError::Extra(source) => NightlyError::Step { step: Step::Report, source },
            e => fail(e.into()),
        })?;
    crate::checkpoint::reached("nightly:published");
    save_record(&params.state_dir.join(PUBLISHED), &record).map_err(fail)?;
    let report_secs = report_secs.unwrap_or(0.0);
    seconds.push((Step::Export, started.elapsed().as_secs_f64() - report_secs));
    seconds.push((Step::Report, report_secs));
    observer.step(Step::Report, false, 0);
    let g = summary.generation;
    Ok(Publication::Published { generation: g.id, files: g.manifest.files.len() + 1, removed: g.removed })
}

/// The planners' report rendered from the generation being written: `report/report.html` and
/// its charts as `report/charts/*.png|svg`.
fn report_files(dir: &Path, manifest: &ExportManifest, lang: Lang) -> Result<Vec<OutputFile>, BoxError> {
    let doc = serde_json::from_value(serde_json::to_value(manifest)?)?;
    let data = crate::report::load::load_generation(dir, doc)?;
    let rendered = crate::report::render_data(&data, lang)?;
    let mut files = vec![OutputFile::new(REPORT_HTML, rendered.html.into_bytes(), None)];
    files.extend(
        rendered.charts.into_iter().map(|c| OutputFile { name: format!("report/charts/{}", c.name), ..c }),
    );
    Ok(files)
}

/// Where the report lies inside a generation.
pub const REPORT_HTML: &str = "report/report.html";

/// One hash of everything a generation is computed from.
fn inputs_sha256(
    settings: &ValidSettings,
    store: &Store,
    model: &Path,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let manifest = Manifest::load(&store.manifest_path())?;
    let data = combined_sha256(manifest.files.iter().map(|f| f.sha256.as_str()));
    let model = match model.exists() {
        true => sha256_file(model)?.0,
        false => "no model".into(),
    };
    let catalog = match settings.catalog.path.as_os_str().is_empty() {
        true => sha256_hex(crate::catalog::BUILT_IN.as_bytes()),
        false => sha256_file(&settings.catalog.path)?.0,
    };
    let settings = sha256_hex(serde_json::to_string(settings.settings())?.as_bytes());
    let version = env!("CARGO_PKG_VERSION");
    Ok(combined_sha256([data.as_str(), model.as_str(), catalog.as_str(), settings.as_str(), version]))
}

/// The id of the generation `current` points to.
fn current_generation(export_dir: &Path) -> Option<String> {
    let target = fs::read_link(export_dir.join(CURRENT)).ok()?;
    target.file_name().map(|n| n.to_string_lossy().into_owned())
}

fn read_record(path: &Path) -> Option<Record> {
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

fn save_record(path: &Path, record: &Record) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let json = serde_json::to_vec_pretty(record)?;
    write_atomic(path, |w| std::io::Write::write_all(w, &json))?;
    Ok(())
}
