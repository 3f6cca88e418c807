//! Settings of the HTTP API (`[serve]`) and of each office (`[offices.<id>]`: public name and
//! address, the ticket system's token, queues by hand).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::schema::is_valid_office_id;
use crate::settings::SettingsError;

/// `queuecast serve`. | Name | Default | Purpose |
///
/// | `addr` | `127.0.0.1:8080` | listen address (`--addr` overrides) |
/// | `day_log_dir` | `out/live` | per-day logs of the live events |
/// | `cors_origins` | none | origins of the web app allowed by CORS |
/// | `body_limit_bytes` | 65536 | largest request body |
/// | `request_timeout_seconds` | 10 | a request not answered by then gets 503 |
/// | `reload_seconds` | 5 | how often a new generation or model file is looked for |
/// | `cache_max_age_seconds` | 300 | `Cache-Control: max-age` of the exported data |
/// | `max_batch_events` | 1000 | events in one POST |
/// | `future_tolerance_seconds` | 120 | events this far after the server's clock are accepted |
/// | `queue_learning_days` | 28 | days of day logs from which shared counters are learned |
/// | `sse_keepalive_seconds` | 15 | comment lines that keep an idle event stream open |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeSettings {
    /// Address and port to listen on (`--addr` overrides).
    pub addr: String,
    /// Directory of the per-day logs of live events: `<date>/<office>.csv` in the canonical
    /// format (finished tickets, for `ingest`) and `<date>/<office>.events` (every accepted event).
    pub day_log_dir: PathBuf,
    /// Origins allowed to call the API from a browser (CORS), e.g. `https://app.example.org`;
    /// empty: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Largest accepted request body, bytes (413 beyond).
    pub body_limit_bytes: usize,
    /// A request not answered within this many seconds gets 503 (event streams excepted).
    pub request_timeout_seconds: u64,
    /// How often a new export generation or model file is looked for, seconds.
    pub reload_seconds: u64,
    /// `Cache-Control: max-age` of responses taken from the export generation, seconds.
    pub cache_max_age_seconds: u64,
    /// Most events in one POST.
    pub max_batch_events: usize,
    /// Events up to this many seconds after the server's clock are accepted (clock skew).
    pub future_tolerance_seconds: u64,
    /// Days of day logs (before today) from which the services that share counters are learned.
    pub queue_learning_days: u32,
    /// Seconds between keep-alive comments of an idle ETA event stream.
    pub sse_keepalive_seconds: u64,
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            addr: "127.0.0.1:8080".to_string(),
            day_log_dir: PathBuf::from("out/live"),
            cors_origins: Vec::new(),
            body_limit_bytes: 65_536,
            request_timeout_seconds: 10,
            reload_seconds: 5,
            cache_max_age_seconds: 300,
            max_batch_events: 1000,
            future_tolerance_seconds: 120,
            queue_learning_days: 28,
            sse_keepalive_seconds: 15,
        }
    }
}

/// One office, `[offices.<id>]`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfficeSettings {
    /// Public name, e.g. `Bürgerbüro Neuss-Mitte` (API and export office files).
    pub name: Option<String>,
    /// Postal address as one line.
    pub address: Option<String>,
    /// SHA-256 (64 hex digits) of the bearer token with which the office's ticket system posts
    /// live events; without it the office accepts none. Make one with
    /// `printf %s "$TOKEN" | sha256sum`.
    pub token_sha256: Option<String>,
    /// Services that share counters, one list per queue, e.g. `[["KFZ", "FS"], ["AB"]]`;
    /// empty: learned from the day logs (services called at the same counters share a queue).
    pub queues: Vec<Vec<String>>,
}

/// `[serve]` and `[offices.<id>]` as checked: the listen address parsed, and the SHA-256 of each
/// office's event token in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedServe {
    pub addr: SocketAddr,
    pub token_sha256: BTreeMap<String, String>,
}

/// Checks `[serve]` and every `[offices.<id>]` (office ids as the ticket logs spell them, service
/// codes against `services`).
pub(super) fn validate(
    serve: &ServeSettings,
    offices: &BTreeMap<String, OfficeSettings>,
    services: &[&str],
) -> Result<CheckedServe, SettingsError> {
    let invalid =
        |field: &'static str, value: String, expected| Err(SettingsError::Invalid { field, value, expected });
    let Ok(addr) = serve.addr.parse::<SocketAddr>() else {
        return invalid("serve.addr", serve.addr.clone(), "an address and port such as 127.0.0.1:8080");
    };
    if let Some(o) =
        serve.cors_origins.iter().find(|o| !(o.starts_with("http://") || o.starts_with("https://")))
    {
        return invalid("serve.cors_origins", o.clone(), "origins such as https://app.example.org");
    }
    if !(1024..=64 << 20).contains(&serve.body_limit_bytes) {
        return invalid(
            "serve.body_limit_bytes",
            serve.body_limit_bytes.to_string(),
            "1024 to 67108864 bytes",
        );
    }
    for (field, v) in [
        ("serve.request_timeout_seconds", serve.request_timeout_seconds),
        ("serve.reload_seconds", serve.reload_seconds),
        ("serve.sse_keepalive_seconds", serve.sse_keepalive_seconds),
    ] {
        if !(1..=3600).contains(&v) {
            return invalid(field, v.to_string(), "1 to 3600 seconds");
        }
    }
    if serve.future_tolerance_seconds > 3600 {
        return invalid(
            "serve.future_tolerance_seconds",
            serve.future_tolerance_seconds.to_string(),
            "0 to 3600 seconds",
        );
    }
    if serve.cache_max_age_seconds > 86_400 {
        return invalid(
            "serve.cache_max_age_seconds",
            serve.cache_max_age_seconds.to_string(),
            "0 to 86400 seconds",
        );
    }
    if !(1..=100_000).contains(&serve.max_batch_events) {
        return invalid("serve.max_batch_events", serve.max_batch_events.to_string(), "1 to 100000 events");
    }
    if serve.queue_learning_days > 366 {
        return invalid("serve.queue_learning_days", serve.queue_learning_days.to_string(), "0 to 366 days");
    }
    let mut token_sha256 = BTreeMap::new();
    for (id, o) in offices {
        if !is_valid_office_id(id) {
            return invalid("offices", id.clone(), "office ids of letters, digits, '-', '_' and '.'");
        }
        if let Some(text) = [&o.name, &o.address].into_iter().flatten().find(|t| t.trim().is_empty()) {
            return invalid(
                "offices.name",
                format!("{id}: {text:?}"),
                "a non-empty name and address when given",
            );
        }
        if let Some(h) = &o.token_sha256 {
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return invalid(
                    "offices.token_sha256",
                    format!("{id}: {h}"),
                    "64 hex digits (sha256sum of the token)",
                );
            }
            token_sha256.insert(id.clone(), h.to_ascii_lowercase());
        }
        let mut seen: Vec<&str> = Vec::new();
        for code in o.queues.iter().flatten() {
            if !services.contains(&code.as_str()) || seen.contains(&code.as_str()) {
                return invalid(
                    "offices.queues",
                    format!("{id}: {code}"),
                    "configured service codes, each in one queue",
                );
            }
            seen.push(code);
        }
    }
    Ok(CheckedServe { addr, token_sha256 })
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;

    fn check(toml: &str) -> Result<crate::settings::ValidSettings, String> {
        Settings::from_toml(toml).map_err(|e| e.to_string())?.validate().map_err(|e| e.to_string())
    }

    #[test]
    fn address_and_tokens_are_parsed_once() {
        let hash = "ABCDEF".repeat(10) + "0123";
        let s = check(&format!(
            "[serve]\naddr = \"0.0.0.0:9000\"\n[offices.neuss-mitte]\nname = \"Bürgerbüro\"\ntoken_sha256 = \"{hash}\"\n[offices.dormagen]\nqueues = [[\"KFZ\", \"FS\"], [\"PA\"]]\n"
        ))
        .unwrap();
        assert_eq!(s.serve_addr().port(), 9000);
        let tokens: Vec<(&str, &str)> =
            s.event_token_sha256().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(tokens, [("neuss-mitte", hash.to_ascii_lowercase().as_str())]);
    }

    #[test]
    fn bad_serve_and_office_settings_name_the_field_and_value() {
        for (toml, field, value) in [
            ("[serve]\naddr = \"localhost\"\n", "serve.addr", "localhost"),
            ("[serve]\ncors_origins = [\"app.example.org\"]\n", "serve.cors_origins", "app.example.org"),
            ("[serve]\nbody_limit_bytes = 10\n", "serve.body_limit_bytes", "10"),
            ("[serve]\nreload_seconds = 0\n", "serve.reload_seconds", "0"),
            ("[serve]\nfuture_tolerance_seconds = 7200\n", "serve.future_tolerance_seconds", "7200"),
            ("[serve]\ncache_max_age_seconds = 100000\n", "serve.cache_max_age_seconds", "100000"),
            ("[offices.\"../x\"]\nname = \"X\"\n", "offices", "../x"),
            ("[offices.a]\nname = \" \"\n", "offices.name", "a: \" \""),
            ("[offices.a]\ntoken_sha256 = \"abc\"\n", "offices.token_sha256", "a: abc"),
            ("[offices.a]\nqueues = [[\"KFZ\"], [\"KFZ\"]]\n", "offices.queues", "a: KFZ"),
            ("[offices.a]\nqueues = [[\"XX\"]]\n", "offices.queues", "a: XX"),
        ] {
            let e = check(toml).unwrap_err();
            assert!(e.contains(field) && e.contains(value), "{toml}: {e}");
        }
    }
}
