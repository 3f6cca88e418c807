//! Test hook for kill-safety tests: a long-running command pauses at a named point when the
//! environment asks for it, so a test can SIGKILL it exactly there and check that a rerun
//! ends as an uninterrupted run would.
//!
//! `QUEUECAST_PAUSE_AT=NAME` (or `NAME#N`, the N-th time NAME is reached, counting from 1)
//! makes the process print `queuecast: paused at NAME` to stderr and sleep until killed.
//! Points are named `stage:what`, e.g. `nightly:after-ingest`, `store:partition-written`,
//! `export:file-written`; the README lists them. Unset, a checkpoint costs one env lookup.

use std::collections::HashMap;
use std::sync::Mutex;

/// The environment variable naming the point to pause at.
pub const PAUSE_ENV: &str = "QUEUECAST_PAUSE_AT";
/// What a paused process prints (followed by the point's name).
pub const PAUSE_MARKER: &str = "queuecast: paused at ";

static SEEN: Mutex<Option<HashMap<&'static str, u32>>> = Mutex::new(None);

/// Pauses forever if `QUEUECAST_PAUSE_AT` names this point (and this occurrence).
pub fn reached(name: &'static str) {
    let Ok(wanted) = std::env::var(PAUSE_ENV) else { return };
    let (point, nth) = match wanted.split_once('#') {
        Some((p, n)) => (p.to_string(), n.parse::<u32>().unwrap_or(1)),
        None => (wanted.clone(), 1),
    };
    if point != name {
        return;
    }
    let count = {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        let c = seen.get_or_insert_with(HashMap::new).entry(name).or_insert(0);
        *c += 1;
        *c
    };
    if count == nth {
        eprintln!("{PAUSE_MARKER}{name}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}
