//! Writing one generation: files into `generations/<id>.partial/`, then manifest, fsync,
//! rename to `generations/<id>/`, switch `current`, prune old generations.
//!
//! The generation directory is the atomic unit, so its files are plainly written (no temp
//! file and rename each, no fsync each as they come): nothing reads a `.partial` directory,
//! and [`GenerationWriter::finish`] makes them durable together — every file synced once,
//! back to back, then the directories — before the rename that publishes them. A generation
//! of a county (hundreds of files) thus waits for the disk once, not once per file.
//!
//! Why a `current` *symlink* (to `generations/<id>`) rather than a `CURRENT` pointer file:
//! consumers — a static file server, the API, a planner's script — open
//! `OUT/current/offices/x.json` as a plain path without reading a pointer first, and
//! `rename(2)` of a new link over the old one is atomic on POSIX, so there is never a moment
//! without a complete current generation. The link is created under a temp name
//! (`.current.tmp-PID`) and renamed over `current`; a killed run leaves at most that temp link
//! and a `.partial` directory, both removed by the next [`GenerationWriter::begin`].
//! One export at a time per output directory (the nightly job runs them in sequence): `begin`
//! clears every `.partial` it finds.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::export::manifest::{EXPORT_SCHEMA_VERSION, ExportManifest, FileEntry, ManifestMeta};
use crate::export::names::{check_id, check_name};
use crate::export::{CURRENT, DEFAULT_KEEP, ExportError, GENERATIONS, MANIFEST, PARTIAL_SUFFIX, io_err};
use crate::hashing::{sha256_hex, sha256_stream};

/// Prefix of the temporary link that replaces `current`.
const CURRENT_TMP_PREFIX: &str = ".current.tmp-";

/// A generation being written. Dropping it without [`finish`](Self::finish) leaves the
/// `.partial` directory, which is never current and is removed by the next `begin`.
#[derive(Debug)]
pub struct GenerationWriter {
    out_dir: PathBuf,
    id: String,
    partial: PathBuf,
    files: BTreeMap<String, FileEntry>,
    keep: usize,
}

/// A finished, current generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub id: String,
    /// `OUT/generations/<id>`.
    pub dir: PathBuf,
    pub manifest: ExportManifest,
    /// Ids of older generations deleted after the switch.
    pub removed: Vec<String>,
}

impl GenerationWriter {
    /// Starts generation `id` under `out_dir`, after removing what killed runs left behind.
    pub fn begin(out_dir: &Path, id: &str) -> Result<GenerationWriter, ExportError> {
        check_id(id)?;
        let generations = out_dir.join(GENERATIONS);
        fs::create_dir_all(&generations).map_err(io_err(&generations))?;
        remove_leftovers(out_dir)?;
        let final_dir = generations.join(id);
        if final_dir.exists() {
            return Err(ExportError::Exists { id: id.to_string(), dir: generations });
        }
        let partial = generations.join(format!("{id}{PARTIAL_SUFFIX}"));
        fs::create_dir(&partial).map_err(io_err(&partial))?;
        Ok(GenerationWriter {
            out_dir: out_dir.to_path_buf(),
            id: id.to_string(),
            partial,
            files: BTreeMap::new(),
            keep: DEFAULT_KEEP,
        })
    }

    /// How many complete generations to keep, the new one included (default 3).
    pub fn keep(mut self, generations: usize) -> Result<GenerationWriter, ExportError> {
        if generations == 0 {
            return Err(ExportError::BadKeep);
        }
        self.keep = generations;
        Ok(self)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The directory files are written to until `finish`.
    pub fn partial_dir(&self) -> &Path {
        &self.partial
    }

    /// Writes `value` as pretty JSON with sorted keys and a final newline ([`crate::output::json`]).
    pub fn add_json<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), ExportError> {
        let bytes = crate::output::json::json(value)
            .map_err(|source| ExportError::Json { name: name.to_string(), source: Box::new(source) })?;
        self.add_bytes(name, &bytes)
    }

    /// Writes `bytes` as file `name` (a relative path such as `offices/neuss-mitte.json`).
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let target = self.prepare(name)?;
        let mut file = File::create(&target).map_err(io_err(&target))?;
        file.write_all(bytes).map_err(io_err(&target))?;
        self.record(name, sha256_hex(bytes), bytes.len() as u64);
        Ok(())
    }

    /// Copies the finished file `src` (e.g. a Parquet table) in as `name`, hashing while copying.
    pub fn add_file(&mut self, name: &str, src: &Path) -> Result<(), ExportError> {
        let target = self.prepare(name)?;
        let input = File::open(src).map_err(io_err(src))?;
        let mut output =
            NotingWrites { file: File::create(&target).map_err(io_err(&target))?, failed: false };
        let (sha256, total) = sha256_stream(input, Some(&mut output)).map_err(|e| {
            let path = if output.failed { &target } else { src };
            ExportError::Io { path: path.to_path_buf(), source: e }
        })?;
        self.record(name, sha256, total);
        Ok(())
    }

    /// Records the number of data rows of an added table file (listed in the manifest).
    pub fn set_rows(&mut self, name: &str, rows: u64) -> Result<(), ExportError> {
        let entry =
            self.files.get_mut(name).ok_or_else(|| ExportError::UnknownFile { name: name.to_string() })?;
        entry.rows = Some(rows);
        Ok(())
    }

    /// The manifest `finish` would write for `meta`.
    pub fn manifest(&self, meta: &ManifestMeta) -> ExportManifest {
        ExportManifest {
            created_at: meta.created_at_text(),
            files: self.files.values().cloned().collect(),
            generation: self.id.clone(),
            schema_version: EXPORT_SCHEMA_VERSION,
            source: meta.source.clone(),
        }
    }

    /// Writes the manifest, makes everything durable, publishes the generation as `current`
    /// with one atomic rename, and deletes generations beyond the kept number.
    pub fn finish(self, meta: &ManifestMeta) -> Result<Generation, ExportError> {
        meta.check()?;
        let manifest = self.manifest(meta);
        let manifest_path = self.partial.join(MANIFEST);
        let bytes = manifest.to_bytes()?;
        let mut file = File::create(&manifest_path).map_err(io_err(&manifest_path))?;
        file.write_all(&bytes).map_err(io_err(&manifest_path))?;
        drop(file);
        self.sync_files()?;
        sync_file(&manifest_path)?;
        sync_dirs(&self.partial)?;
        let generations = self.out_dir.join(GENERATIONS);
        let dir = generations.join(&self.id);
        fs::rename(&self.partial, &dir).map_err(io_err(&dir))?;
        sync_dir(&generations)?;
        switch_current(&self.out_dir, &self.id)?;
        let removed = prune(&self.out_dir, self.keep, &self.id)?;
        Ok(Generation { id: self.id, dir, manifest, removed })
    }

    /// Syncs every added file once (their data and sizes reach the disk before the rename).
    fn sync_files(&self) -> Result<(), ExportError> {
        self.files.keys().try_for_each(|name| sync_file(&self.partial.join(name)))
    }

    /// Validates `name`, refuses duplicates, creates parent directories; returns the target path.
    fn prepare(&mut self, name: &str) -> Result<PathBuf, ExportError> {
        check_name(name)?;
        if self.files.contains_key(name) {
            return Err(ExportError::Duplicate { name: name.to_string() });
        }
        let target = self.partial.join(name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        Ok(target)
    }

    fn record(&mut self, name: &str, sha256: String, bytes: u64) {
        let entry = FileEntry { bytes, path: name.to_string(), rows: None, sha256 };
        self.files.insert(name.to_string(), entry);
    }
}

/// A file that remembers whether a write to it failed, so a copy's error names the right file.
struct NotingWrites {
    file: File,
    failed: bool,
}

impl Write for NotingWrites {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf).inspect_err(|_| self.failed = true)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush().inspect_err(|_| self.failed = true)
    }
}

/// Removes `.partial` generations and temp links that killed runs left.
fn remove_leftovers(out_dir: &Path) -> Result<(), ExportError> {
    let generations = out_dir.join(GENERATIONS);
    for entry in fs::read_dir(&generations).map_err(io_err(&generations))? {
        let entry = entry.map_err(io_err(&generations))?;
        if entry.file_name().to_string_lossy().ends_with(PARTIAL_SUFFIX) {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(io_err(&path))?;
        }
    }
    for entry in fs::read_dir(out_dir).map_err(io_err(out_dir))? {
        let entry = entry.map_err(io_err(out_dir))?;
        if entry.file_name().to_string_lossy().starts_with(CURRENT_TMP_PREFIX) {
            let path = entry.path();
            fs::remove_file(&path).map_err(io_err(&path))?;
        }
    }
    Ok(())
}

/// Points `current` at `generations/<id>` with one rename of a fresh link over the old one.
fn switch_current(out_dir: &Path, id: &str) -> Result<(), ExportError> {
    let tmp = out_dir.join(format!("{CURRENT_TMP_PREFIX}{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let target = Path::new(GENERATIONS).join(id);
    symlink(&target, &tmp).map_err(io_err(&tmp))?;
    let current = out_dir.join(CURRENT);
    if let Err(source) = fs::rename(&tmp, &current) {
        let _ = fs::remove_file(&tmp);
        return Err(ExportError::Io { path: current, source });
    }
    sync_dir(out_dir)
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "export generations need a Unix file system"))
}

/// Deletes complete generations beyond the newest `keep` (by `created_at`, then id), never `current_id`.
/// Directories without a readable manifest are not ours to delete and stay.
fn prune(out_dir: &Path, keep: usize, current_id: &str) -> Result<Vec<String>, ExportError> {
    let generations = out_dir.join(GENERATIONS);
    let mut found = Vec::new();
    for entry in fs::read_dir(&generations).map_err(io_err(&generations))? {
        let entry = entry.map_err(io_err(&generations))?;
        let id = entry.file_name().to_string_lossy().into_owned();
        if id.starts_with('.') || id.ends_with(PARTIAL_SUFFIX) || !entry.path().is_dir() {
            continue;
        }
        if let Ok(m) = ExportManifest::load(&entry.path().join(MANIFEST)) {
            found.push((m.created_at, id));
        }
    }
    found.sort_unstable_by(|a, b| b.cmp(a));
    let mut removed = Vec::new();
    for (_, id) in found.into_iter().skip(keep) {
        if id == current_id {
            continue;
        }
        let path = generations.join(&id);
        fs::remove_dir_all(&path).map_err(io_err(&path))?;
        removed.push(id);
    }
    removed.sort_unstable();
    Ok(removed)
}

/// fsyncs `dir` and every directory below it, so new entries survive a crash.
fn sync_dirs(dir: &Path) -> Result<(), ExportError> {
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        if entry.file_type().map_err(io_err(entry.path()))?.is_dir() {
            sync_dirs(&entry.path())?;
        }
    }
    sync_dir(dir)
}

/// fsyncs a written file (opened again: its writer is gone).
fn sync_file(path: &Path) -> Result<(), ExportError> {
    File::open(path).and_then(|f| f.sync_all()).map_err(io_err(path))
}

fn sync_dir(dir: &Path) -> Result<(), ExportError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))
}
