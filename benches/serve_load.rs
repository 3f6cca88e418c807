//! Bounded load test of `queuecast serve` on loopback: requests per second and latency
//! percentiles for (1) cached forecast reads and (2) ETAs while the office's ticket system
//! pushes events at 50 per second.
//!
//! `cargo bench --bench serve_load` (release). It builds a fixture like `tests/serve` (six
//! weeks of one sample office, a trained model, an export), starts the server in this process
//! on its own 2-thread runtime, and drives it from a second 2-thread runtime through
//! keep-alive HTTP/1.1 connections with a minimal client (so the generator's own cost stays
//! small; both share the machine's cores, as a co-located load generator would). Phase 2
//! replays the sample day 2025-02-24 on a clock running fast enough that its events arrive at
//! 50/s; every ETA asks for a ticket waiting at that moment. `QUEUECAST_LOAD_SECONDS` sets
//! each phase's length (default 10), `QUEUECAST_LOAD_CONNECTIONS` the connections (32).

use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use queuecast::schema::EpochMs;
use queuecast::serve::{Clock, ServeConfig, Server};
use queuecast::settings::Settings;
use queuecast::timezones::parse_rfc3339;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The binary's allocator, so the in-process server allocates as `queuecast serve` does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OFFICE: &str = "neuss-mitte";
const DAY: &str = "2025-02-24";
const TOKEN: &str = "load-test-token";
const EVENTS_PER_SECOND: f64 = 50.0;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A clock at `start` that runs `speed` times faster than the wall clock once started.
struct FastClock {
    start: EpochMs,
    /// Wall-clock ms when it started running (0: not yet).
    origin: std::sync::atomic::AtomicI64,
    speed: f64,
}

fn wall_ms() -> EpochMs {
    chrono::Utc::now().timestamp_millis()
}

impl FastClock {
    fn run(&self) {
        self.origin.store(wall_ms(), Ordering::SeqCst);
    }
}

impl Clock for FastClock {
    fn now_ms(&self) -> EpochMs {
        let origin = self.origin.load(Ordering::SeqCst);
        let elapsed = if origin == 0 { 0 } else { wall_ms() - origin };
        self.start + (elapsed as f64 * self.speed) as EpochMs
    }
}

/// One keep-alive HTTP/1.1 connection; responses must carry a Content-Length.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: std::net::SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Conn { stream, buf: Vec::with_capacity(16 * 1024) }
    }

    /// Sends one request and reads the whole response; returns the status.
    async fn request(&mut self, method: &str, path: &str, body: Option<&str>) -> u16 {
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: load\r\n");
        if let Some(b) = body {
            req.push_str(&format!(
                "authorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        if let Some(b) = body {
            req.push_str(b);
        }
        self.stream.write_all(req.as_bytes()).await.expect("write");
        self.buf.clear();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                    })
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + length {
                    let n = self.stream.read(&mut chunk).await.expect("read");
                    assert!(n > 0, "connection closed");
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                return status;
            }
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// CPU seconds this process has used (user + system, all threads), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (the state); clock ticks are 1/100 s on Linux.
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// What one phase measured.
struct Phase {
    name: &'static str,
    requests: usize,
    errors: usize,
    seconds: f64,
    /// CPU seconds of the whole process (server and load generator) during the phase.
    cpu: f64,
    latencies_us: Vec<u32>,
}

impl Phase {
    fn percentile(&self, p: f64) -> f64 {
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us.get(i).map_or(f64::NAN, |&v| f64::from(v) / 1000.0)
    }

    fn print(&self) {
        println!(
            "{:<30} {:>7} req {:>5} err {:>7.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  CPU {:>4.0} µs/req",
            self.name,
            self.requests,
            self.errors,
            self.requests as f64 / self.seconds,
            self.percentile(0.50),
            self.percentile(0.99),
            self.latencies_us.last().map_or(f64::NAN, |&v| f64::from(v) / 1000.0),
            self.cpu * 1e6 / self.requests.max(1) as f64,
        );
    }
}

/// Runs `connections` loops of `path_of(i)` requests for `seconds`: as fast as answers come
/// (`rate` None), or at `rate` requests per second in all, each request due at its time and
/// its latency counted from then (a server that falls behind is not hidden by the client
/// waiting for it: no coordinated omission).
async fn drive(
    name: &'static str,
    addr: std::net::SocketAddr,
    connections: usize,
    seconds: u64,
    rate: Option<f64>,
    path_of: Arc<dyn Fn(usize) -> Option<String> + Send + Sync>,
) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    for c in 0..connections {
        let (stop, path_of) = (stop.clone(), path_of.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let (mut lat, mut errors, mut i) = (Vec::new(), 0usize, c);
            let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r));
            let mut due =
                start + interval.map_or(Duration::ZERO, |d| d.mul_f64(c as f64 / connections as f64));
            while !stop.load(Ordering::Relaxed) {
                let Some(path) = path_of(i) else {
                    // Nothing to ask for now (no ticket waiting): not a request.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    if let Some(d) = interval {
                        due += d;
                    }
                    continue;
                };
                i += connections;
                let t = match interval {
                    Some(d) => {
                        tokio::time::sleep_until(due).await;
                        let t = due;
                        due += d;
                        t
                    }
                    None => tokio::time::Instant::now(),
                };
                let status = conn.request("GET", &path, None).await;
                lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                if status != 200 {
                    errors += 1;
                    if errors == 1 {
                        eprintln!("{name}: {path} answered {status}");
                    }
                }
            }
            (lat, errors)
        }));
    }
    let (started, cpu) = (Instant::now(), cpu_seconds());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut phase = Phase { name, requests: 0, errors: 0, seconds: 0.0, cpu: 0.0, latencies_us: Vec::new() };
    for t in tasks {
        let (lat, errors) = t.await.expect("client task");
        phase.requests += lat.len();
        phase.errors += errors;
        phase.latencies_us.extend(lat);
    }
    phase.seconds = started.elapsed().as_secs_f64();
    phase.cpu = cpu_seconds() - cpu;
    phase.latencies_us.sort_unstable();
    phase
}

/// Ingest, train and export six weeks of the sample office before `DAY`; returns the
/// settings text and the rows of `DAY`.
fn fixture(dir: &Path) -> (String, Vec<Vec<String>>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = String::new();
    let gz = std::fs::File::open(root.join("data/sample/tickets-2025.csv.gz")).expect("sample");
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).expect("gzip");
    let mut lines = text.lines();
    let mut train = vec![lines.next().unwrap_or_default().to_string()];
    let mut day = Vec::new();
    for line in lines.filter(|l| l.starts_with(OFFICE)) {
        let date = line.split(',').nth(4).map_or("", |d| &d[..10]);
        if ("2025-01-13".."2025-02-24").contains(&date) {
            train.push(line.to_string());
        } else if date == DAY {
            day.push(line.split(',').map(str::to_string).collect());
        }
    }
    std::fs::write(dir.join("train.csv"), train.join("\n") + "\n").expect("write");
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(TOKEN.as_bytes()));
    let config = format!(
        "[store]\npath = \"store\"\n[catalog]\npath = {:?}\n[serve]\nday_log_dir = \"live\"\n\
         future_tolerance_seconds = 0\n[offices.{OFFICE}]\ntoken_sha256 = \"{hash}\"\n",
        root.join("data/services.toml").display().to_string()
    );
    std::fs::write(dir.join("load.toml"), &config).expect("write");
    for args in [
        vec!["ingest", "train.csv"],
        vec!["train", "--out", "model.json"],
        vec![
            "export",
            "--out",
            "exports",
            "--days",
            "7",
            "--model",
            "model.json",
            "--at",
            "2025-02-23T03:00:00Z",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_queuecast"))
            .args(["--config", "load.toml"])
            .args(&args)
            .current_dir(dir)
            .output()
            .expect("run queuecast");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    (config, day)
}

/// The day's events as (instant, JSON), in time order.
fn events(day: &[Vec<String>]) -> Vec<(EpochMs, Value)> {
    let ms = |s: &str| parse_rfc3339(s).unwrap_or_default();
    let mut out = Vec::new();
    for r in day {
        out.push((
            ms(&r[4]),
            json!({"kind": "issued", "ticket": r[1], "at": r[4], "service": r[2], "channel": r[3]}),
        ));
        if !r[5].is_empty() {
            out.push((ms(&r[5]), json!({"kind": "called", "ticket": r[1], "at": r[5], "counter": r[7]})));
        }
        if r[6].is_empty() {
            continue;
        }
        let e = match r[8].as_str() {
            "cancelled" => json!({"kind": "cancelled", "ticket": r[1], "at": r[6]}),
            o => json!({"kind": "finished", "ticket": r[1], "at": r[6], "outcome": o}),
        };
        out.push((ms(&r[6]), e));
    }
    out.sort_by_key(|e| e.0);
    out
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` and `--list`: nothing to run quickly here
    }
    let seconds = env_or("QUEUECAST_LOAD_SECONDS", 10);
    let connections = env_or("QUEUECAST_LOAD_CONNECTIONS", 32) as usize;
    let read_rate = env_or("QUEUECAST_LOAD_READ_RATE", 20_000) as f64;
    let eta_rate = env_or("QUEUECAST_LOAD_ETA_RATE", 2_000) as f64;
    // The server logs as `queuecast serve` does (info level, one access line per request),
    // into a sink: the formatting is part of the measured cost.
    tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_writer(std::io::sink).init();
    let dir = tempfile::tempdir().expect("tempdir");
    let t = Instant::now();
    let (config, day) = fixture(dir.path());
    println!("fixture (ingest, train, export) {:.1} s", t.elapsed().as_secs_f64());
    let events = Arc::new(events(&day));
    // The ETA phases replay the day from 08:00 on, its events at 50/s.
    let first = parse_rfc3339(&format!("{DAY}T08:00:00+01:00")).unwrap_or_default();
    let rest = events.iter().filter(|e| e.0 > first).count();
    let span = events.last().map_or(0, |e| e.0) - first;
    let speed = span as f64 / (rest as f64 / EVENTS_PER_SECOND) / 1000.0;
    let clock = Arc::new(FastClock { start: first, origin: 0.into(), speed });

    let server_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let mut settings = Settings::from_toml(&config).expect("settings");
    settings.serve.day_log_dir = dir.path().join("live");
    settings.serve.addr = "127.0.0.1:0".into();
    let settings = settings.validate().expect("settings");
    let cfg = ServeConfig::new(&settings, dir.path().join("exports"), dir.path().join("model.json"));
    let server: Server = server_rt.block_on(Server::start(cfg, clock.clone())).expect("server");
    let addr = server.addr;
    let client_rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    println!(
        "server on {addr}: 2 worker threads; load generator: 2 threads, {connections} connections, {seconds} s per phase"
    );
    let forecast = format!("/v1/offices/{OFFICE}/forecast?date={DAY}");
    let read = Arc::new(move |_| Some(forecast.clone()));
    let run = |name, secs, rate, path: Arc<dyn Fn(usize) -> Option<String> + Send + Sync>| {
        let phase = client_rt.block_on(drive(name, addr, connections, secs, rate, path));
        phase.print();
    };
    run("cached forecast reads, max", seconds, None, read.clone());
    run("cached forecast reads, 20k/s", seconds, Some(read_rate), read);

    // The morning up to 08:00 is posted first; then the day's clock runs and its events are
    // pushed at 50/s (as one batch when several are due), while every ETA asks for a ticket
    // waiting after the events pushed so far (issued, not yet called or cancelled).
    let index = |ticket: &str, kinds: &[&str]| {
        events
            .iter()
            .position(|e| e.1["ticket"] == ticket && kinds.contains(&e.1["kind"].as_str().unwrap_or("")))
    };
    let rows: Arc<Vec<(String, usize, usize)>> = Arc::new(
        day.iter()
            .filter_map(|r| {
                let issue = index(&r[1], &["issued"])?;
                Some((r[1].clone(), issue, index(&r[1], &["called", "cancelled"]).unwrap_or(events.len())))
            })
            .collect(),
    );
    let morning = events.iter().take_while(|e| e.0 <= clock.start).count();
    let path = format!("/v1/offices/{OFFICE}/events");
    client_rt.block_on(async {
        let mut conn = Conn::open(addr).await;
        for chunk in events[..morning].chunks(200) {
            let batch = Value::Array(chunk.iter().map(|e| e.1.clone()).collect()).to_string();
            assert_eq!(conn.request("POST", &path, Some(&batch)).await, 200);
        }
    });
    clock.run();
    let (clock2, ev) = (clock.clone(), events.clone());
    let (stop_push, pushed) =
        (Arc::new(AtomicBool::new(false)), Arc::new(std::sync::atomic::AtomicUsize::new(morning)));
    let (stop2, pushed2) = (stop_push.clone(), pushed.clone());
    let pusher = client_rt.spawn(async move {
        let mut conn = Conn::open(addr).await;
        let mut next = pushed2.load(Ordering::SeqCst);
        while !stop2.load(Ordering::Relaxed) && next < ev.len() {
            let now = clock2.now_ms();
            let due = ev[next..].iter().take_while(|e| e.0 <= now).count();
            if due > 0 {
                let batch = Value::Array(ev[next..next + due].iter().map(|e| e.1.clone()).collect());
                assert_eq!(
                    conn.request("POST", &path, Some(&batch.to_string())).await,
                    200,
                    "events refused"
                );
                next += due;
                pushed2.store(next, Ordering::SeqCst);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let pushed_for_eta = pushed.clone();
    let eta_path = Arc::new(move |i: usize| {
        let p = pushed_for_eta.load(Ordering::SeqCst);
        let waiting: Vec<&(String, usize, usize)> = rows.iter().filter(|r| r.1 < p && r.2 >= p).collect();
        let ticket = waiting.get(i % waiting.len().max(1))?;
        Some(format!("/v1/offices/{OFFICE}/tickets/{}/eta", ticket.0))
    });
    let started = Instant::now();
    // The day after 08:00 lasts ~19 s at 50 events/s: room for both phases.
    run("ETAs at 2k/s, events at 50/s", seconds, Some(eta_rate), eta_path.clone());
    run("ETAs max, events at 50/s", seconds / 2, None, eta_path);
    stop_push.store(true, Ordering::Relaxed);
    let _ = client_rt.block_on(pusher);
    let sent = pushed.load(Ordering::Relaxed) - morning;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "events pushed: {sent} in {secs:.1} s ({:.1}/s); the day's clock ran {speed:.0}× real time from 08:00 to {}",
        sent as f64 / secs,
        queuecast::timezones::format_rfc3339(clock.now_ms(), queuecast::timezones::DEFAULT_TZ)
    );
    cost_breakdown(&server, parse_rfc3339(&format!("{DAY}T12:00:00+01:00")).unwrap_or_default());
    server_rt.block_on(server.stop()).expect("stop");
}

/// CPU cost of one ETA on this thread at `now` (noon), without HTTP: building the snapshot
/// from the live queue, and `predict` on it (parsing, replay, features, model), over every
/// ticket waiting then.
fn cost_breakdown(server: &Server, now: EpochMs) {
    let state = &server.state;
    let Some(office) = state.office(OFFICE) else { return };
    let tz = state.cfg.tz;
    let day = office.view(queuecast::timezones::local_parts(now, tz).date);
    let Some(model) = state.model.load_full() else { return };
    let waiting: Vec<&String> =
        day.tickets.iter().filter(|(_, t)| t.waiting_at(now)).map(|(id, _)| id).collect();
    let (mut build, mut predict, mut n) = (Duration::ZERO, Duration::ZERO, 0u32);
    for _ in 0..env_or("QUEUECAST_LOAD_COST_ROUNDS", 20) {
        for id in &waiting {
            let t = Instant::now();
            let snap = queuecast::serve::eta::snapshot(&day, now, tz, id, None);
            build += t.elapsed();
            let t = Instant::now();
            let p = queuecast::model::predict::predict(&model.model, &snap, None);
            predict += t.elapsed();
            assert!(p.is_ok(), "{p:?}");
            n += 1;
        }
    }
    let drawn = day.tickets.values().filter(|t| t.issued.as_ref().is_some_and(|i| i.at <= now)).count();
    println!(
        "one ETA in-process ({drawn} tickets drawn, {} waiting): snapshot {:.0} µs + predict {:.0} µs",
        waiting.len(),
        build.as_secs_f64() * 1e6 / f64::from(n.max(1)),
        predict.as_secs_f64() * 1e6 / f64::from(n.max(1)),
    );
}
