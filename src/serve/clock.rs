//! The server's clock: the wall clock in production, a settable one for replays and tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::schema::EpochMs;

/// Where "now" comes from. Every live computation (today's date, the ETA's `now`, the check
/// that an event is not in the future) reads it here and nowhere else.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> EpochMs;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> EpochMs {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that stands still until set: replays a past day through the API as if it were
/// today (tests, demonstrations).
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(now: EpochMs) -> ManualClock {
        ManualClock(Arc::new(AtomicI64::new(now)))
    }

    pub fn set(&self, now: EpochMs) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> EpochMs {
        self.0.load(Ordering::SeqCst)
    }
}
