//! One nightly run at a time per state directory: an OS file lock (released by the kernel
//! when the holder dies, so a killed run never blocks the next one) plus a note naming the
//! holder, for the message a second run prints.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// File name of the lock inside the state directory.
pub const LOCK_FILE: &str = "nightly.lock";

/// Who holds (or held) the lock; written into the lock file after it is taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// RFC 3339 time the run started.
    pub started_at: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} on {} since {}", self.pid, self.host, self.started_at)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another nightly run holds {path} ({holder})")]
    Held { path: PathBuf, holder: String },
    #[error("cannot lock {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The held lock; dropping it releases the lock (the file stays, naming the last holder).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
    /// The previous holder when it died without releasing (its note was left behind).
    pub taken_over: Option<Holder>,
}

impl RunLock {
    /// Takes the lock in `dir` or fails at once, naming the holder.
    pub fn acquire(dir: &Path, me: Holder) -> Result<RunLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| LockError::Io { path: path.clone(), source };
        fs::create_dir_all(dir).map_err(io)?;
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder =
                    read_holder(&path).map_or_else(|| "holder unknown".to_string(), |h| h.to_string());
                return Err(LockError::Held { path, holder });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // The lock is ours: a note still in the file is a run that died holding it.
        let taken_over = read_holder(&path).filter(|h| *h != me);
        let note = serde_json::to_vec(&me).map_err(|e| io(std::io::Error::other(e)))?;
        file.set_len(0).map_err(io)?;
        file.write_all(&note).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(RunLock { _file: file, path, taken_over })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    /// Clears the note so the next run does not report a takeover; the OS lock goes with the file handle.
    fn drop(&mut self) {
        let _ = self._file.set_len(0);
    }
}

fn read_holder(path: &Path) -> Option<Holder> {
    let bytes = fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// This process as a lock holder.
pub fn this_process(started_at: &str) -> Holder {
    let host = fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    Holder {
        pid: std::process::id(),
        host: if host.is_empty() { "localhost".into() } else { host },
        started_at: started_at.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(pid: u32) -> Holder {
        Holder { pid, host: "h".into(), started_at: "2026-12-02T01:00:00Z".into() }
    }

    #[test]
    fn a_second_lock_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path(), holder(11)).unwrap();
        assert!(first.taken_over.is_none());
        match RunLock::acquire(dir.path(), holder(12)) {
            Err(LockError::Held { holder, .. }) => assert!(holder.contains("pid 11"), "{holder}"),
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        let again = RunLock::acquire(dir.path(), holder(13)).unwrap();
        assert!(again.taken_over.is_none(), "a released lock is no takeover");
    }

    #[test]
    fn a_dead_holders_note_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        // What a SIGKILLed run leaves: its note, but no OS lock.
        fs::write(dir.path().join(LOCK_FILE), serde_json::to_vec(&holder(4242)).unwrap()).unwrap();
        let lock = RunLock::acquire(dir.path(), holder(7)).unwrap();
        assert_eq!(lock.taken_over, Some(holder(4242)));
        assert_eq!(read_holder(lock.path()), Some(holder(7)));
    }
}
