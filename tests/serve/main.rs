//! The HTTP API on a loopback port (`queuecast::serve::Server`, a settable clock): every
//! endpoint and error, the token check, a real sample day replayed as live events with its
//! ETAs equal to `queuecast predict` on the same snapshot, the day log that `ingest` reads,
//! restart recovery, SSE updates, hot reload under load, and the OpenAPI document checked
//! against the real responses.

#[path = "../util/mod.rs"]
mod util;

mod events;
mod exported;
mod fixture;
mod openapi;
mod reload;
mod replay;
mod stream;

use std::fs;

use serde_json::Value;

use fixture::*;

/// 10:00 local on the replayed day.
fn ten_o_clock() -> i64 {
    ms(&format!("{DAY}T10:00:00+01:00"))
}

fn office_file() -> Value {
    let path = fixture().exports.join("current/offices").join(format!("{OFFICE}.json"));
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}
