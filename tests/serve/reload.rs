//! Hot reload under load (new generations and model files, a corrupt generation refused)
//! without one failed request, and the real binary: start, access log, graceful SIGTERM.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use queuecast::serve::ManualClock;
use serde_json::Value;

use crate::fixture::*;
use crate::ten_o_clock;

/// Waits until `/readyz` shows generation `id` and model `model` (when given).
async fn wait_ready(api: &Api, generation: &str, model: Option<&str>) {
    for _ in 0..150 {
        let r = api.get("/readyz").await.json;
        if r["generation"]["id"] == generation && model.is_none_or(|m| r["model"]["info"]["id"] == m) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("generation {generation} / model {model:?} not picked up: {}", api.get("/readyz").await.json);
}

/// The same model with another version string: other bytes, so another model id.
fn model_variant(dir: &std::path::Path, tag: &str) -> std::path::PathBuf {
    let text = fs::read_to_string(&fixture().model).unwrap();
    // The model file's summary is pretty-printed (format 3).
    let needle = "\"queuecast_version\": \"";
    assert_eq!(text.matches(needle).count(), 1);
    let path = dir.join(format!("model-{tag}.json"));
    fs::write(&path, text.replacen(needle, &format!("{needle}{tag}-"), 1)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_generations_and_models_are_swapped_in_without_a_failed_request() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let exports = exports_copy(dir.path());
    let model = dir.path().join("model.json");
    fs::copy(&f.model, &model).unwrap();
    let clock = ManualClock::new(ten_o_clock());
    let server = start_with(&exports, &model, dir.path(), &clock).await;
    let api = Arc::new(Api::new(&server));
    let events = f.events();
    let mut next = 0;
    api.replay_until(&events, &mut next, ten_o_clock()).await;
    let waiting = f.day.iter().find(|r| r.waiting_at(ten_o_clock())).unwrap().ticket.clone();

    // Readers hammer cached forecasts, ETAs and the office list while files change.
    let stop = Arc::new(AtomicBool::new(false));
    let (served, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let seen_generations = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let mut readers = Vec::new();
    for i in 0..4 {
        let (api, stop, served, failed, seen) =
            (api.clone(), stop.clone(), served.clone(), failed.clone(), seen_generations.clone());
        let paths = [
            format!("/v1/offices/{OFFICE}/forecast?date={DAY}"),
            format!("/v1/offices/{OFFICE}/tickets/{waiting}/eta"),
            "/v1/offices".to_string(),
            "/v1/services/PA".to_string(),
        ];
        readers.push(tokio::spawn(async move {
            let mut k = i;
            while !stop.load(Ordering::Relaxed) {
                let r = api.get(&paths[k % paths.len()]).await;
                k += 1;
                if r.status == 200 {
                    served.fetch_add(1, Ordering::Relaxed);
                    if let Some(g) = r.json["generation"].as_str() {
                        seen.lock().unwrap().insert(g.to_string());
                    }
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    eprintln!("failed: {} {}", r.status, r.json);
                }
            }
        }));
    }
    let gen_dir = fs::canonicalize(f.exports.join("current")).unwrap();
    for (i, hour) in [4u32, 5, 6].into_iter().enumerate() {
        let id = format!("20250223T0{hour}0000Z");
        publish(&gen_dir, &exports, &id, Utc.with_ymd_and_hms(2025, 2, 23, hour, 0, 0).unwrap());
        let variant = model_variant(dir.path(), &format!("v{i}"));
        fs::rename(&variant, &model).unwrap();
        let expected = queuecast::serve::state::load_model(&model).unwrap().info.id;
        wait_ready(&api, &id, Some(&expected)).await;
    }
    // A generation whose file changed after publishing is refused; the last good one stays.
    // So is a model file that does not load.
    publish_corrupt(
        &gen_dir,
        &exports,
        "20250223T070000Z",
        Utc.with_ymd_and_hms(2025, 2, 23, 7, 0, 0).unwrap(),
    );
    let kept_model = api.get("/readyz").await.json["model"]["info"]["id"].clone();
    fs::write(dir.path().join("broken.json"), "{\"format\": 2}").unwrap();
    fs::rename(dir.path().join("broken.json"), &model).unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let ready = api.get("/readyz").await.json;
    assert_eq!(ready["generation"]["id"], "20250223T060000Z");
    assert_eq!(ready["model"]["info"]["id"], kept_model);
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
    let (served, failed) = (served.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    assert_eq!(failed, 0, "{failed} failed of {}", served + failed);
    assert!(served > 100, "{served} requests served");
    let seen = seen_generations.lock().unwrap().clone();
    assert!(seen.len() >= 3, "responses came from the generations {seen:?}");
    assert!(!seen.contains("20250223T070000Z"));
    server.stop().await.unwrap();
}

#[test]
fn the_binary_serves_logs_routes_not_tickets_and_stops_on_sigterm() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let exports = exports_copy(dir.path());
    let config = format!(
        "{}\n",
        f.config.replace("[serve]\n", &format!("[serve]\nday_log_dir = {:?}\n", dir.path().join("live")))
    );
    fs::write(dir.path().join("serve.toml"), config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .args(["--config", "serve.toml", "serve", "--exports", "exports", "--addr", "127.0.0.1:0", "--model"])
        .arg(&f.model)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let get = |path: &str| -> (u16, Value) {
        runtime.block_on(async {
            let r = reqwest::get(format!("{base}{path}")).await.unwrap();
            (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
        })
    };
    assert_eq!(get("/readyz").0, 200);
    assert_eq!(get(&format!("/v1/offices/{OFFICE}/tickets/SECRET42/eta")).0, 404);
    // A corrupt new generation: refused with a log line, the old one still served.
    let gen_dir = fs::canonicalize(f.exports.join("current")).unwrap();
    publish_corrupt(
        &gen_dir,
        &exports,
        "20250223T080000Z",
        Utc.with_ymd_and_hms(2025, 2, 23, 8, 0, 0).unwrap(),
    );
    let mut log = Vec::new();
    let refused = loop {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(l) if l.contains("refused") => break l,
            Ok(l) => log.push(l),
            Err(_) => panic!("no refusal logged: {log:?}"),
        }
    };
    assert!(refused.contains("services.json") && refused.contains("20250223T030000Z"), "{refused}");
    assert_eq!(get("/readyz").1["generation"]["id"], "20250223T030000Z");
    unsafe_sigterm(child.id());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    // The reader thread may still hold the last lines when the child has exited: take every
    // line up to the pipe's end (the thread then drops its sender), not only those sent so far.
    loop {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(l) => log.push(l),
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => panic!("stderr still open after the exit: {log:?}"),
        }
    }
    let access: Vec<&String> = log.iter().filter(|l| l.contains("served")).collect();
    assert!(
        access
            .iter()
            .any(|l| l.contains("route=/v1/offices/{id}/tickets/{number}/eta") && l.contains("status=404")),
        "{log:?}"
    );
    assert!(log.iter().all(|l| !l.contains("SECRET42")), "a ticket number in the log: {log:?}");
    assert!(log.iter().any(|l| l.contains("shutting down")));
}

/// Sends SIGTERM with the `kill` command (no libc binding needed).
fn unsafe_sigterm(pid: u32) {
    let ok = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success();
    assert!(ok);
}
