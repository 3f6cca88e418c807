//! Live state over time: SSE updates as events arrive, a restart that rebuilds today from the
//! day log, and the close of a day at midnight.

use std::fs;
use std::time::Duration;

use queuecast::serve::ManualClock;
use serde_json::{Value, json};

use crate::fixture::*;

/// Reads server-sent events from a streaming response.
struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    /// The next event as (event name, JSON data); `None` when the stream ended.
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut data) = (String::new(), String::new());
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if name.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some((name, serde_json::from_str(&data).unwrap()));
            }
            let chunk =
                tokio::time::timeout(Duration::from_secs(20), self.response.chunk()).await.expect("no event");
            match chunk.unwrap() {
                Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                None => return None,
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eta_stream_sends_an_update_for_every_queue_change_until_the_call() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let now = ms(&format!("{DAY}T11:00:00+01:00"));
    let clock = ManualClock::new(now);
    let server = start(&f.exports, dir.path(), &clock).await;
    let api = Api::new(&server);
    let events = f.events();
    let mut next = 0;
    api.replay_until(&events, &mut next, now).await;
    // The waiting walk-in called last: several other events come before its call.
    let mine = f
        .day
        .iter()
        .filter(|r| r.waiting_at(now) && r.channel == "walk_in" && r.called.is_some())
        .max_by_key(|r| ms(r.called.as_deref().unwrap()))
        .unwrap();
    let url = format!("{}/v1/offices/{OFFICE}/tickets/{}/eta/stream", api.base, mine.ticket);
    let response = api.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut sse = SseReader { response, buffer: String::new() };
    let (name, first) = sse.next().await.unwrap();
    assert_eq!((name.as_str(), first["status"].as_str()), ("eta", Some("waiting")));
    assert_eq!(first, api.get(&format!("/v1/offices/{OFFICE}/tickets/{}/eta", mine.ticket)).await.json);

    // Each posted change brings one new ETA, computed at the server's now.
    let mut updates = 0;
    let called = ms(mine.called.as_deref().unwrap());
    while let Some(&(at, ref e)) = events.get(next) {
        if at >= called || updates == 3 {
            break;
        }
        clock.set(at);
        api.post_events(e).await;
        next += 1;
        let (name, update) = sse.next().await.unwrap();
        assert_eq!(name, "eta");
        assert_eq!(update["now"], queuecast::timezones::format_rfc3339(at, queuecast::timezones::DEFAULT_TZ));
        assert_eq!(update, api.get(&format!("/v1/offices/{OFFICE}/tickets/{}/eta", mine.ticket)).await.json);
        updates += 1;
    }
    assert_eq!(updates, 3);
    // The call ends the stream with the final status.
    clock.set(called);
    api.post_events(
        &json!({"kind": "called", "ticket": mine.ticket, "at": mine.called, "counter": mine.counter}),
    )
    .await;
    let (_, last) = sse.next().await.unwrap();
    assert_eq!(
        (last["status"].as_str(), last["counter"].as_str()),
        (Some("called"), mine.counter.as_deref())
    );
    assert!(sse.next().await.is_none(), "the stream ends after the call");
    let unknown = api.get(&format!("/v1/offices/{OFFICE}/tickets/Z999/eta/stream")).await;
    assert_eq!(unknown.status, 404);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_rebuilds_today_from_the_day_log_and_midnight_closes_it() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let noon = ms(&format!("{DAY}T12:00:00+01:00"));
    let clock = ManualClock::new(noon);
    let server = start(&f.exports, dir.path(), &clock).await;
    let api = Api::new(&server);
    let events = f.events();
    let mut next = 0;
    api.replay_until(&events, &mut next, noon).await;
    let waiting: Vec<&Row> = f.day.iter().filter(|r| r.waiting_at(noon)).collect();
    assert!(waiting.len() >= 3, "{} waiting at noon", waiting.len());
    let now_path = format!("/v1/offices/{OFFICE}/now");
    let eta_path = format!("/v1/offices/{OFFICE}/tickets/{}/eta", waiting[1].ticket);
    let (now_before, eta_before) = (api.get(&now_path).await.json, api.get(&eta_path).await.json);
    assert_eq!(now_before["waiting"], waiting.len());
    let rows_before = day_log_rows(&dir.path().join(DAY).join(format!("{OFFICE}.csv")));
    server.stop().await.unwrap();

    // A crash tore the last line of the events file: it is cut off, never applied.
    let events_file = dir.path().join(DAY).join(format!("{OFFICE}.events"));
    let mut text = fs::read_to_string(&events_file).unwrap();
    text.push_str("{\"kind\":\"issued\",\"ticket\":\"Z9");
    fs::write(&events_file, &text).unwrap();

    let server = start(&f.exports, dir.path(), &clock).await;
    let api = Api::new(&server);
    assert_eq!(api.get(&now_path).await.json, now_before);
    assert_eq!(api.get(&eta_path).await.json, eta_before);
    assert_eq!(api.get(&format!("/v1/offices/{OFFICE}/tickets/Z9/eta")).await.status, 404);
    assert!(fs::read_to_string(&events_file).unwrap().ends_with("}\n"));
    let log = dir.path().join(DAY).join(format!("{OFFICE}.csv"));
    assert_eq!(day_log_rows(&log), rows_before, "no row written twice");
    // Replaying the morning again changes nothing (idempotent), the afternoon completes the day.
    let mut again = 0;
    api.replay_until(&events, &mut again, noon).await;
    clock.set(ms(&format!("{DAY}T15:00:00+01:00")));
    api.replay_until(&events, &mut next, ms(&format!("{DAY}T15:00:00+01:00"))).await;
    let rows = day_log_rows(&log);
    assert!(counts(&rows).values().all(|&n| n == 1));

    // Midnight: the reloader's tick closes the day; tickets still waiting become cancelled.
    let open_at_three: Vec<&Row> =
        f.day.iter().filter(|r| r.waiting_at(ms(&format!("{DAY}T15:00:00+01:00")))).collect();
    assert!(!open_at_three.is_empty());
    clock.set(ms("2025-02-25T00:00:30+01:00"));
    let closed = dir.path().join(DAY).join(format!("{OFFICE}.closed"));
    for _ in 0..100 {
        if closed.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(closed.exists(), "day closed within 10 s");
    let rows = day_log_rows(&log);
    for r in &open_at_three {
        let line = format!("{OFFICE},{},{},{},{},,,,cancelled", r.ticket, r.service, r.channel, r.issued);
        assert!(rows.contains(&line), "{line}");
    }
    let new_day = api.get(&now_path).await.json;
    assert_eq!((new_day["waiting"].as_u64(), &new_day["last_event_at"]), (Some(0), &Value::Null));
    server.stop().await.unwrap();
}
