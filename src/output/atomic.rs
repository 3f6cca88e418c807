//! Atomic file replacement: write a hidden temp file beside the target, sync, rename.
//!
//! A reader sees the old file or the new one, never half of one; a killed writer leaves
//! only a hidden `.NAME.tmp-PID` file, which no `*.parquet` glob matches and
//! [`remove_stale_temps`] clears.
//!
//! Many files at once (the store's partitions): [`stage`] each one under its temp name, then
//! [`publish`] them together: one flush of all their bytes, the renames, one flush of the
//! renames. Each file still switches atomically; the flushes are paid once, not per file.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// Writes `path` atomically with the bytes `write` produces.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = temp_path(path);
    let result = (|| {
        let mut out = BufWriter::new(File::create(&tmp)?);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        File::open(dir).and_then(|d| d.sync_all()).or(Ok(()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// [`write_atomic`] for a polars writer (Parquet, CSV): its error is wrapped in the I/O error
/// (kept whole, so its message is not lost), and callers map one error type.
pub fn write_atomic_polars(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> polars::prelude::PolarsResult<()>,
) -> io::Result<()> {
    write_atomic(path, |w| write(w).map_err(io::Error::other))
}

/// A file written under its temp name and not yet visible; [`publish`] switches it in.
/// Dropped unpublished (an error, a failed sibling), its temp file is removed.
#[derive(Debug)]
pub struct Staged {
    tmp: Option<PathBuf>,
    target: PathBuf,
}

impl Staged {
    /// Where the file will appear.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Writes the bytes `write` produces to `path`'s temp name (creating its directory), without
/// syncing: [`publish`] makes a whole set durable at once.
pub fn stage(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>) -> io::Result<Staged> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let staged = Staged { tmp: Some(temp_path(path)), target: path.to_path_buf() };
    let tmp = staged.tmp.as_deref().unwrap_or(path);
    let mut out = BufWriter::new(File::create(tmp)?);
    write(&mut out)?;
    out.into_inner().map_err(|e| e.into_error())?;
    Ok(staged)
}

/// Why [`publish`] stopped, and at which file.
#[derive(Debug, thiserror::Error)]
#[error("{path}")]
pub struct PublishError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// Switches staged files in, in order: first every temp file's bytes are made durable (then
/// `durable` runs), then each is renamed over its target (then `renamed` runs with it: the kill
/// tests pause in these two), then the renames are made durable. Killed at any point, every target holds its old
/// bytes or its new ones. `root` is a directory on the same filesystem as the files (on Linux
/// one `syncfs` of it replaces a sync per file and per directory). On an error the files not
/// yet renamed keep their old bytes and their temps are removed.
pub fn publish(
    staged: Vec<Staged>,
    root: &Path,
    durable: impl FnOnce(),
    mut renamed: impl FnMut(&Path),
) -> Result<(), PublishError> {
    let err = |path: PathBuf| move |source| PublishError { path, source };
    let temps: Vec<&Path> = staged.iter().filter_map(|s| s.tmp.as_deref()).collect();
    sync_all_of(root, &temps).map_err(|(p, e)| err(p)(e))?;
    durable();
    let mut dirs = Vec::new();
    for mut s in staged {
        let Some(tmp) = s.tmp.take() else { continue };
        if let Err(e) = fs::rename(&tmp, &s.target) {
            s.tmp = Some(tmp);
            return Err(err(s.target.clone())(e));
        }
        if let Some(dir) = s.target.parent() {
            dirs.push(dir.to_path_buf());
        }
        renamed(&s.target);
    }
    dirs.sort();
    dirs.dedup();
    let dirs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    sync_all_of(root, &dirs).map_err(|(p, e)| err(p)(e))
}

/// Makes the files and directories `paths` durable: one `syncfs` of `root`'s filesystem on
/// Linux, elsewhere a sync of each.
fn sync_all_of(root: &Path, paths: &[&Path]) -> Result<(), (PathBuf, io::Error)> {
    if paths.is_empty() {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        let _ = paths;
        syncfs(root).map_err(|e| (root.to_path_buf(), e))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = root;
        for p in paths {
            File::open(p).and_then(|f| f.sync_all()).map_err(|e| (p.to_path_buf(), e))?;
        }
        Ok(())
    }
}

/// `syncfs(2)`: writes out every dirty page and inode of the filesystem holding `dir` and waits
/// for it (reporting write-back errors since Linux 5.8).
#[cfg(target_os = "linux")]
fn syncfs(dir: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let d = File::open(dir)?;
    // SAFETY: `d` is an open descriptor for the duration of the call; syncfs reads nothing else.
    if unsafe { libc::syncfs(d.as_raw_fd()) } == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// The temp name used for `path`: hidden, and not ending in the target's extension.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Deletes temp files that a killed run left under `dir` (recursively); returns how many.
pub fn remove_stale_temps(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    if !dir.is_dir() {
        return Ok(0);
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            removed += remove_stale_temps(&path)?;
        } else if entry.file_name().to_string_lossy().starts_with('.')
            && entry.file_name().to_string_lossy().contains(".tmp-")
        {
            fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a/b.txt");
        write_atomic(&target, |w| w.write_all(b"one")).unwrap();
        write_atomic(&target, |w| w.write_all(b"two")).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        assert_eq!(fs::read_dir(target.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.txt");
        write_atomic(&target, |w| w.write_all(b"old")).unwrap();
        let err = write_atomic(&target, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("killed"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn staged_files_appear_only_when_published_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("x/a.txt"), dir.path().join("y/b.txt"));
        write_atomic(&a, |w| w.write_all(b"old a")).unwrap();
        let staged = vec![
            stage(&a, |w| w.write_all(b"new a")).unwrap(),
            stage(&b, |w| w.write_all(b"new b")).unwrap(),
        ];
        assert_eq!(fs::read(&a).unwrap(), b"old a", "not visible before publish");
        assert!(!b.exists());
        let mut order = Vec::new();
        publish(staged, dir.path(), || {}, |p| order.push(p.to_path_buf())).unwrap();
        assert_eq!(order, [a.clone(), b.clone()]);
        assert_eq!((fs::read(&a).unwrap(), fs::read(&b).unwrap()), (b"new a".to_vec(), b"new b".to_vec()));
        assert_eq!(remove_stale_temps(dir.path()).unwrap(), 0, "no temp left");
    }

    #[test]
    fn dropped_or_failed_stages_keep_the_old_files_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        write_atomic(&a, |w| w.write_all(b"old")).unwrap();
        drop(stage(&a, |w| w.write_all(b"new")).unwrap());
        assert!(
            stage(&a, |w| {
                w.write_all(b"half")?;
                Err(io::Error::other("killed"))
            })
            .is_err()
        );
        assert_eq!(fs::read(&a).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_temps_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("x")).unwrap();
        fs::write(dir.path().join("x/.part.parquet.tmp-99"), b"junk").unwrap();
        fs::write(dir.path().join("x/part.parquet"), b"keep").unwrap();
        assert_eq!(remove_stale_temps(dir.path()).unwrap(), 1);
        assert!(dir.path().join("x/part.parquet").exists());
    }
}
