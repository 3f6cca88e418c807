//! Fixture of the API tests: six weeks of one sample office ingested, a model trained on them
//! and an export published (once per test run, ~20 s in a debug build), the sample day after
//! them as live events, and helpers to start servers and talk to them.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use queuecast::export::{ExportManifest, GenerationWriter, ManifestMeta};
use queuecast::serve::{ManualClock, ServeConfig, Server};
use queuecast::settings::Settings;
use queuecast::timezones::parse_rfc3339;
use serde_json::{Value, json};

use crate::util::Workdir;

pub const OFFICE: &str = "neuss-mitte";
/// The replayed day (a Monday) and the training weeks before it, from `data/sample`.
pub const DAY: &str = "2025-02-24";
const TRAIN_FROM: &str = "2025-01-13";
const TRAIN_TO: &str = "2025-02-23";
pub const TOKEN: &str = "test-token-of-neuss";
pub const ORIGIN: &str = "https://app.example.org";
const FIXTURE_PREFIX: &str = "serve-";

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One row of the canonical CSV log.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: String,
    pub ticket: String,
    pub service: String,
    pub channel: String,
    pub issued: String,
    pub called: Option<String>,
    pub finished: Option<String>,
    pub counter: Option<String>,
    pub outcome: String,
}

impl Row {
    pub fn parse(line: &str) -> Row {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 9, "{line}");
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Row {
            line: line.to_string(),
            ticket: f[1].into(),
            service: f[2].into(),
            channel: f[3].into(),
            issued: f[4].into(),
            called: opt(f[5]),
            finished: opt(f[6]),
            counter: opt(f[7]),
            outcome: f[8].into(),
        }
    }

    /// The ticket system's events of this ticket, as (instant, event JSON).
    pub fn events(&self) -> Vec<(i64, Value)> {
        let mut out = vec![(
            ms(&self.issued),
            json!({"kind": "issued", "ticket": self.ticket, "at": self.issued, "service": self.service, "channel": self.channel}),
        )];
        if let (Some(c), Some(counter)) = (&self.called, &self.counter) {
            out.push((ms(c), json!({"kind": "called", "ticket": self.ticket, "at": c, "counter": counter})));
        }
        if let Some(f) = &self.finished {
            let e = match self.outcome.as_str() {
                "cancelled" => json!({"kind": "cancelled", "ticket": self.ticket, "at": f}),
                o => json!({"kind": "finished", "ticket": self.ticket, "at": f, "outcome": o}),
            };
            out.push((ms(f), e));
        }
        out
    }

    /// Waiting at `now`: drawn, not called, not cancelled by then.
    pub fn waiting_at(&self, now: i64) -> bool {
        let by = |t: &Option<String>| t.as_deref().is_some_and(|t| ms(t) <= now);
        ms(&self.issued) <= now && !by(&self.called) && !(self.outcome == "cancelled" && by(&self.finished))
    }

    /// The ticket as a snapshot entry at `now` (later events erased), built from the log
    /// without the server.
    pub fn snapshot_at(&self, now: i64) -> Value {
        let seen = |v: &Option<String>| v.clone().filter(|s| ms(s) <= now);
        let (called, finished) = (seen(&self.called), seen(&self.finished));
        json!({
            "ticket_id": self.ticket, "service": self.service, "channel": self.channel, "issued_at": self.issued,
            "called_at": called, "finished_at": finished,
            "counter": self.counter.clone().filter(|_| called.is_some()),
            "outcome": finished.is_some().then(|| self.outcome.clone()),
        })
    }
}

pub fn ms(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

/// Everything built once.
pub struct Fixture {
    pub work: Workdir,
    /// Settings text (day logs are set per server).
    pub config: String,
    /// The export directory the fixture published (tests publish into copies).
    pub exports: PathBuf,
    pub model: PathBuf,
    /// The replayed day's rows, in log order (issue time, then number).
    pub day: Vec<Row>,
    pub header: String,
}

impl Fixture {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.work.path(rel)
    }

    /// Every event of the day, by instant (stable: a ticket's own events keep their order).
    pub fn events(&self) -> Vec<(i64, Value)> {
        let mut all: Vec<(i64, Value)> = self.day.iter().flat_map(Row::events).collect();
        all.sort_by_key(|e| e.0);
        all
    }
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // Under the target directory (a static is never dropped); earlier runs' copies older
        // than an hour are removed.
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let hour = std::time::Duration::from_secs(3600);
        for e in fs::read_dir(parent).unwrap().map_while(Result::ok) {
            let old = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|a| a > hour));
            if e.file_name().to_string_lossy().starts_with(FIXTURE_PREFIX) && old {
                let _ = fs::remove_dir_all(e.path());
            }
        }
        let dir = tempfile::Builder::new().prefix(FIXTURE_PREFIX).tempdir_in(parent).unwrap();
        let work = Workdir { dir };
        let mut text = String::new();
        let gz = fs::File::open(root().join("data/sample/tickets-2025.csv.gz")).unwrap();
        flate2::read::GzDecoder::new(gz).read_to_string(&mut text).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap().to_string();
        let (mut train, mut day) = (vec![header.clone()], Vec::new());
        for line in lines.filter(|l| l.starts_with(&format!("{OFFICE},"))) {
            let date = &line.split(',').nth(4).unwrap()[..10];
            if (TRAIN_FROM..=TRAIN_TO).contains(&date) {
                train.push(line.to_string());
            } else if date == DAY {
                day.push(Row::parse(line));
            }
        }
        fs::write(work.path("train.csv"), train.join("\n") + "\n").unwrap();
        let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(TOKEN.as_bytes()));
        let config = format!(
            "[store]\npath = \"store\"\n[model]\ngbm_max_rows = 5000\n[catalog]\npath = {:?}\n\
             [serve]\nreload_seconds = 1\ncors_origins = [{ORIGIN:?}]\n\
             [offices.{OFFICE}]\nname = \"Bürgerbüro Neuss-Mitte\"\naddress = \"Markt 2, 41460 Neuss\"\ntoken_sha256 = \"{hash}\"\n",
            root().join("data/services.toml").display().to_string()
        );
        fs::write(work.path("test.toml"), &config).unwrap();
        let run = |args: &[&str]| {
            let mut all = vec!["--config", "test.toml"];
            all.extend_from_slice(args);
            work.run_ok(&all)
        };
        run(&["ingest", "train.csv"]);
        run(&["train", "--out", "model.json"]);
        run(&["export", "--out", "exports", "--days", "7", "--model", "model.json", "--at", "2025-02-23T03:00:00Z"]);
        Fixture {
            config,
            exports: work.path("exports"),
            model: work.path("model.json"),
            day,
            header,
            work,
        }
    })
}

/// Publishes the files of generation directory `from` as a new generation `id` of `out`.
pub fn publish(from: &Path, out: &Path, id: &str, created_at: DateTime<Utc>) {
    let manifest = ExportManifest::load(&from.join("manifest.json")).unwrap();
    let mut g = GenerationWriter::begin(out, id).unwrap().keep(2).unwrap();
    for f in &manifest.files {
        g.add_file(&f.path, &from.join(&f.path)).unwrap();
        if let Some(rows) = f.rows {
            g.set_rows(&f.path, rows).unwrap();
        }
    }
    g.finish(&ManifestMeta { created_at, source: manifest.source.clone() }).unwrap();
}

/// A fresh export directory holding a copy of the fixture's generation.
pub fn exports_copy(dir: &Path) -> PathBuf {
    let out = dir.join("exports");
    let from = fs::canonicalize(fixture().exports.join("current")).unwrap();
    let at = DateTime::parse_from_rfc3339("2025-02-23T03:00:00Z").unwrap().with_timezone(&Utc);
    publish(&from, &out, "20250223T030000Z", at);
    out
}

/// A server on a free loopback port with its own day logs.
pub async fn start(exports: &Path, day_logs: &Path, clock: &ManualClock) -> Server {
    start_with(exports, &fixture().model, day_logs, clock).await
}

pub async fn start_with(exports: &Path, model: &Path, day_logs: &Path, clock: &ManualClock) -> Server {
    let mut settings = Settings::from_toml(&fixture().config).unwrap();
    settings.serve.day_log_dir = day_logs.to_path_buf();
    settings.serve.addr = "127.0.0.1:0".into();
    let settings = settings.validate().unwrap();
    let cfg = ServeConfig::new(&settings, exports.to_path_buf(), model.to_path_buf());
    Server::start(cfg, Arc::new(clock.clone())).await.unwrap()
}

/// A test's HTTP view of one server.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

/// Status, headers and JSON body of one response.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

impl Api {
    pub fn new(server: &Server) -> Api {
        Api { base: format!("http://{}", server.addr), http: reqwest::Client::new() }
    }

    /// Sends a request whose body the server refuses by its size. The server answers 413
    /// without reading the body and closes the connection; on a loaded machine the client can
    /// still be writing then and sees the connection end instead of the answer (hyper's
    /// `IncompleteMessage`). Such a transport error is retried a few times; any answer counts.
    pub async fn send_oversized(&self, req: reqwest::RequestBuilder) -> Reply {
        for _ in 0..5 {
            let attempt = req.try_clone().expect("a body that can be sent again");
            match attempt.send().await {
                Ok(r) => return Self::reply(r).await,
                Err(e) if e.is_request() => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                Err(e) => panic!("{e}"),
            }
        }
        self.send(req).await
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        Self::reply(req.send().await.unwrap()).await
    }

    async fn reply(r: reqwest::Response) -> Reply {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap();
        let json = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        Reply { status, headers, json }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    /// Posts events with the office's token.
    pub async fn post_events(&self, body: &Value) -> Reply {
        let url = format!("{}/v1/offices/{OFFICE}/events", self.base);
        self.send(self.http.post(url).bearer_auth(TOKEN).json(body)).await
    }

    /// Posts every event up to `until` that is not posted yet (`next` counts them).
    pub async fn replay_until(&self, events: &[(i64, Value)], next: &mut usize, until: i64) {
        let start = *next;
        while *next < events.len() && events[*next].0 <= until {
            *next += 1;
        }
        for chunk in events[start..*next].chunks(50) {
            let batch: Vec<Value> = chunk.iter().map(|e| e.1.clone()).collect();
            let r = self.post_events(&Value::Array(batch)).await;
            assert_eq!(r.status, 200, "{}", r.json);
        }
    }
}

/// The canonical rows of a day-log file, without the header, sorted.
pub fn day_log_rows(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    let mut rows: Vec<String> = text.lines().skip(1).map(str::to_string).collect();
    rows.sort();
    rows
}

/// Count of each key in a list (for "each ticket exactly once" checks).
pub fn counts<T: Ord + Clone>(items: &[T]) -> BTreeMap<T, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i.clone()).or_default() += 1;
    }
    m
}

/// Publishes a copy of generation `from` as `id` whose `services.json` was changed after its
/// manifest was written, and makes it current (as a damaged disk or a hand edit would).
pub fn publish_corrupt(from: &Path, out: &Path, id: &str, created_at: DateTime<Utc>) {
    let staging = out.with_extension("staging");
    publish(from, &staging, id, created_at);
    let generation = staging.join("generations").join(id);
    fs::write(generation.join("services.json"), "{}\n").unwrap();
    fs::rename(&generation, out.join("generations").join(id)).unwrap();
    let link = out.join(".current.corrupt");
    std::os::unix::fs::symlink(Path::new("generations").join(id), &link).unwrap();
    fs::rename(&link, out.join("current")).unwrap();
}
