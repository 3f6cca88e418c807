//! Posting live events: the token, idempotence, impossible events, malformed bodies.

use std::fs;
use std::time::Duration;

use queuecast::serve::ManualClock;
use serde_json::{Value, json};

use crate::fixture::*;
use crate::*;

fn event(kind: &str, ticket: &str, at: &str) -> Value {
    match kind {
        "issued" => json!({"kind": kind, "ticket": ticket, "at": at, "service": "PA", "channel": "walk_in"}),
        "called" => json!({"kind": kind, "ticket": ticket, "at": at, "counter": "4"}),
        _ => json!({"kind": kind, "ticket": ticket, "at": at}),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_need_the_token_are_idempotent_and_refused_when_impossible() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(ten_o_clock());
    let server = start(&fixture().exports, dir.path(), &clock).await;
    let api = Api::new(&server);
    let url = format!("{}/v1/offices/{OFFICE}/events", api.base);
    let log = dir.path().join(DAY).join(format!("{OFFICE}.events"));
    let a1 = event("issued", "A001", &format!("{DAY}T09:00:00+01:00"));

    // No token, a wrong one: 401, nothing changes.
    let none = api.send(api.http.post(&url).json(&a1)).await;
    assert_eq!((none.status, none.header("www-authenticate")), (401, "Bearer realm=\"queuecast\""));
    let wrong = api.send(api.http.post(&url).bearer_auth("guess").json(&a1)).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(api.get(&format!("/v1/offices/{OFFICE}/now")).await.json["waiting"], 0);
    assert_eq!(fs::read_to_string(&log).unwrap(), "");

    let first = api.post_events(&a1).await;
    assert_eq!((first.status, first.json["applied"].as_u64()), (200, Some(1)));
    let repeat = api.post_events(&json!([a1])).await;
    assert_eq!((repeat.json["applied"].as_u64(), repeat.json["duplicates"].as_u64()), (Some(0), Some(1)));
    assert_eq!(repeat.json["results"][0]["status"], "duplicate");

    // Out of order: the call before the issue is accepted.
    let batch = json!([
        event("called", "A002", &format!("{DAY}T09:20:00+01:00")),
        event("issued", "A002", &format!("{DAY}T09:05:00+01:00"))
    ]);
    assert_eq!(api.post_events(&batch).await.json["applied"], 2);
    let before = fs::read_to_string(&log).unwrap();
    assert_eq!(before.lines().count(), 3);

    // An impossible event refuses the whole batch with its reason and index.
    let bad = json!([
        event("issued", "A003", &format!("{DAY}T09:30:00+01:00")),
        event("called", "A001", &format!("{DAY}T08:59:00+01:00")),
        event("cancelled", "A002", &format!("{DAY}T09:40:00+01:00")),
    ]);
    let r = api.post_events(&bad).await;
    assert_eq!(r.status, 422, "{}", r.json);
    assert_eq!(r.header("content-type"), "application/problem+json");
    let errors: Vec<(u64, &str)> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, [(1, "called_before_issued"), (2, "cancelled_but_called")]);
    assert_eq!(fs::read_to_string(&log).unwrap(), before, "nothing written");
    assert_eq!(api.get(&format!("/v1/offices/{OFFICE}/tickets/A003/eta")).await.status, 404);
    let conflict = api.post_events(&event("issued", "A001", &format!("{DAY}T09:00:01+01:00"))).await;
    assert_eq!(conflict.json["errors"][0]["reason"], "conflicting_duplicate");
    let yesterday = api.post_events(&event("issued", "A009", "2025-02-23T09:00:00+01:00")).await;
    assert_eq!((yesterday.status, &yesterday.json["errors"][0]["reason"]), (422, &json!("not_today")));
    let future = api.post_events(&event("issued", "A009", &format!("{DAY}T10:05:00+01:00"))).await;
    assert_eq!(future.json["errors"][0]["reason"], "in_the_future");

    // Malformed bodies.
    let syntax = api.send(api.http.post(&url).bearer_auth(TOKEN).body("{\"kind\":")).await;
    assert_eq!((syntax.status, syntax.header("content-type")), (400, "application/problem+json"));
    let unknown = api.post_events(&json!({"kind": "teleported", "ticket": "A1", "at": "x"})).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.json["detail"].as_str().unwrap().contains("teleported"), "{}", unknown.json);
    let huge = api.send_oversized(api.http.post(&url).bearer_auth(TOKEN).body(vec![b' '; 70_000])).await;
    assert_eq!((huge.status, huge.header("content-type")), (413, "application/problem+json"));
    let many: Vec<Value> =
        (0..1001).map(|i| event("cancelled", &format!("X{i}"), "2025-02-24T09:00:00+01:00")).collect();
    let many = api
        .send_oversized(api.http.post(&url).bearer_auth(TOKEN).json(&many).timeout(Duration::from_secs(30)))
        .await;
    assert!(many.status == 413, "{}", many.json);

    // The finished A002 is in the canonical day log; the waiting A001 is not yet.
    api.post_events(&json!({"kind": "finished", "ticket": "A002", "at": format!("{DAY}T09:31:00+01:00")}))
        .await;
    let rows = day_log_rows(&dir.path().join(DAY).join(format!("{OFFICE}.csv")));
    assert_eq!(
        rows,
        [format!(
            "{OFFICE},A002,PA,walk_in,{DAY}T09:05:00+01:00,{DAY}T09:20:00+01:00,{DAY}T09:31:00+01:00,4,served"
        )]
    );
    server.stop().await.unwrap();
}
