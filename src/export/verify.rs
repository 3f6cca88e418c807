//! Checking a published generation against its manifest: every listed file re-hashed, and
//! missing or unlisted files reported, so a consumer (or the nightly job) can trust `current`.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::export::manifest::{ExportManifest, sha256_file};
use crate::export::names::check_name;
use crate::export::{CURRENT, ExportError, MANIFEST, io_err};

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub generation: String,
    /// The generation directory checked (the target of `current`).
    pub dir: PathBuf,
    /// Files listed in the manifest.
    pub checked: usize,
    pub mismatched: Vec<Mismatch>,
    /// Listed but absent.
    pub missing: Vec<String>,
    /// Present but not listed (the manifest itself excluded).
    pub unlisted: Vec<String>,
}

/// A listed file whose bytes differ from the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub path: String,
    pub expected_sha256: String,
    pub actual_sha256: String,
    pub expected_bytes: u64,
    pub actual_bytes: u64,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.mismatched.is_empty() && self.missing.is_empty() && self.unlisted.is_empty()
    }

    /// One line per problem, naming the file.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .mismatched
            .iter()
            .map(|m| {
                format!(
                    "{}: content differs from the manifest (sha256 {} expected {}, {} bytes expected {})",
                    m.path, m.actual_sha256, m.expected_sha256, m.actual_bytes, m.expected_bytes
                )
            })
            .collect();
        out.extend(self.missing.iter().map(|p| format!("{p}: listed in the manifest but missing")));
        out.extend(self.unlisted.iter().map(|p| format!("{p}: present but not listed in the manifest")));
        out
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems = self.problems();
        writeln!(
            f,
            "generation {} ({}): {} files listed, {} problems",
            self.generation,
            self.dir.display(),
            self.checked,
            problems.len()
        )?;
        problems.iter().try_for_each(|p| writeln!(f, "  {p}"))
    }
}

/// Verifies the current generation of export directory `dir` (or `dir` itself when it is a
/// generation directory with a manifest).
pub fn verify(dir: &Path) -> Result<VerifyReport, ExportError> {
    let gen_dir = generation_dir(dir)?;
    let manifest_path = gen_dir.join(MANIFEST);
    let manifest = ExportManifest::load(&manifest_path)?;
    let corrupt = |message: String| ExportError::Manifest { path: manifest_path.clone(), message };
    let dir_name = gen_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if manifest.generation != dir_name {
        return Err(corrupt(format!("names generation {:?} but lives in {dir_name:?}", manifest.generation)));
    }
    let mut listed = BTreeSet::new();
    let (mut mismatched, mut missing) = (Vec::new(), Vec::new());
    for entry in &manifest.files {
        check_name(&entry.path)
            .map_err(|e| ExportError::ManifestName { path: manifest_path.clone(), source: Box::new(e) })?;
        if !listed.insert(entry.path.clone()) {
            return Err(corrupt(format!("lists {} twice", entry.path)));
        }
        let path = gen_dir.join(&entry.path);
        if !path.is_file() {
            missing.push(entry.path.clone());
            continue;
        }
        let (sha256, bytes) = sha256_file(&path)?;
        if sha256 != entry.sha256 || bytes != entry.bytes {
            mismatched.push(Mismatch {
                path: entry.path.clone(),
                expected_sha256: entry.sha256.clone(),
                actual_sha256: sha256,
                expected_bytes: entry.bytes,
                actual_bytes: bytes,
            });
        }
    }
    let mut present = Vec::new();
    list_files(&gen_dir, "", &mut present)?;
    let unlisted = present.into_iter().filter(|p| p != MANIFEST && !listed.contains(p)).collect();
    Ok(VerifyReport {
        generation: manifest.generation,
        dir: gen_dir,
        checked: manifest.files.len(),
        mismatched,
        missing,
        unlisted,
    })
}

/// The generation a reader of `dir` reads: the target of `dir/current`, or `dir` if it holds a
/// manifest itself.
pub fn generation_dir(dir: &Path) -> Result<PathBuf, ExportError> {
    let current = dir.join(CURRENT);
    if current.exists() {
        return fs::canonicalize(&current).map_err(io_err(&current));
    }
    if dir.join(MANIFEST).is_file() {
        return Ok(dir.to_path_buf());
    }
    Err(ExportError::NoCurrent { path: dir.to_path_buf() })
}

/// Every file below `dir` as a `/`-separated relative path, sorted.
fn list_files(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), ExportError> {
    let mut entries: Vec<_> =
        fs::read_dir(dir).map_err(io_err(dir))?.collect::<Result<_, _>>().map_err(io_err(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().map_err(io_err(entry.path()))?.is_dir() {
            list_files(&entry.path(), &format!("{name}/"), out)?;
        } else {
            out.push(name);
        }
    }
    Ok(())
}
