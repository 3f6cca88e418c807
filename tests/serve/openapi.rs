//! `/openapi.json` against the real responses: each response's status and content type must
//! be documented for its route, and its body must validate against the documented schema —
//! made strict first (no undocumented field may appear in an object).

use std::time::Duration;

use queuecast::serve::ManualClock;
use serde_json::{Value, json};

use crate::fixture::*;
use crate::ten_o_clock;

/// Sets `additionalProperties: false` on every object schema that lists its properties.
fn strict(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

/// Validates `body` against the schema documented for (`route`, `method`, `status`,
/// `content_type`); Err names what does not match.
fn check(
    doc: &Value,
    route: &str,
    method: &str,
    status: u16,
    content_type: &str,
    body: &Value,
) -> Result<(), String> {
    let response = &doc["paths"][route][method]["responses"][status.to_string()];
    if response.is_null() {
        return Err(format!("{method} {route} documents no {status}"));
    }
    if status == 304 {
        return Ok(());
    }
    let Some(schema) = response["content"][content_type]["schema"].as_object() else {
        return Err(format!("{method} {route} {status}: no schema for {content_type}: {response}"));
    };
    let mut wrapper = schema.clone();
    wrapper.insert("components".into(), doc["components"].clone());
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let url = "urn:queuecast:response";
    compiler.add_resource(url, Value::Object(wrapper)).map_err(|e| format!("{e:#}"))?;
    let index = compiler.compile(url, &mut schemas).map_err(|e| format!("{e:#}"))?;
    schemas.validate(body, index).map_err(|e| format!("{method} {route} {status}: {e:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_matches_the_generated_openapi_document() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(ten_o_clock());
    let server = start(&f.exports, dir.path(), &clock).await;
    let api = Api::new(&server);
    let events = f.events();
    let mut next = 0;
    api.replay_until(&events, &mut next, ten_o_clock()).await;
    let mut doc = api.get("/openapi.json").await.json;
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    strict(&mut doc["components"]);

    let waiting = f.day.iter().find(|r| r.waiting_at(ten_o_clock())).unwrap();
    let called = f.day.iter().find(|r| r.called.as_deref().is_some_and(|c| ms(c) < ten_o_clock())).unwrap();
    let o = format!("/v1/offices/{OFFICE}");
    let gets: Vec<(String, &str)> = vec![
        ("/healthz".into(), "/healthz"),
        ("/readyz".into(), "/readyz"),
        ("/v1/offices".into(), "/v1/offices"),
        (format!("{o}/forecast?date={DAY}"), "/v1/offices/{id}/forecast"),
        (format!("{o}/forecast?date=2031-01-01"), "/v1/offices/{id}/forecast"),
        (format!("{o}/forecast?date=never"), "/v1/offices/{id}/forecast"),
        (format!("{o}/profile"), "/v1/offices/{id}/profile"),
        ("/v1/offices/nowhere/profile".into(), "/v1/offices/{id}/profile"),
        (format!("{o}/best-times?days=5"), "/v1/offices/{id}/best-times"),
        (format!("{o}/best-times?days=99"), "/v1/offices/{id}/best-times"),
        ("/v1/services".into(), "/v1/services"),
        ("/v1/services/KFZ".into(), "/v1/services/{code}"),
        ("/v1/services/NOPE".into(), "/v1/services/{code}"),
        (format!("{o}/now"), "/v1/offices/{id}/now"),
        (format!("{o}/now?service=XX"), "/v1/offices/{id}/now"),
        (
            format!("{o}/tickets/{}/eta?notify_before=15", waiting.ticket),
            "/v1/offices/{id}/tickets/{number}/eta",
        ),
        (format!("{o}/tickets/{}/eta", called.ticket), "/v1/offices/{id}/tickets/{number}/eta"),
        (format!("{o}/tickets/Q1/eta",), "/v1/offices/{id}/tickets/{number}/eta"),
        (format!("{o}/tickets/Q1/eta/stream"), "/v1/offices/{id}/tickets/{number}/eta/stream"),
    ];
    let mut statuses = std::collections::BTreeSet::new();
    for (path, route) in &gets {
        let r = api.get(path).await;
        let ct = r.header("content-type").to_string();
        check(&doc, route, "get", r.status, &ct, &r.json)
            .unwrap_or_else(|e| panic!("{path}: {e}\n{}", r.json));
        statuses.insert(r.status);
    }
    let url = format!("{}{o}/events", api.base);
    let posts = [
        (api.http.post(&url).bearer_auth(TOKEN).json(&events[next].1), 200),
        (api.http.post(&url).json(&events[next].1), 401),
        (
            api.http
                .post(&url)
                .bearer_auth(TOKEN)
                .json(&json!({"kind": "called", "ticket": "Q", "at": "2025-02-24T09:00:00Z"})),
            422,
        ),
        (api.http.post(&url).bearer_auth(TOKEN).body("[1,"), 400),
    ];
    for (req, expected) in posts {
        let r = api.send(req).await;
        assert_eq!(r.status, expected, "{}", r.json);
        let ct = r.header("content-type").to_string();
        check(&doc, "/v1/offices/{id}/events", "post", r.status, &ct, &r.json).unwrap();
        statuses.insert(r.status);
    }
    assert_eq!(statuses.into_iter().collect::<Vec<_>>(), [200, 400, 401, 404, 422]);

    // The stream's events carry the documented ETA.
    let stream = format!("{}{o}/tickets/{}/eta/stream", api.base, waiting.ticket);
    let mut response = api.http.get(stream).send().await.unwrap();
    let chunk =
        tokio::time::timeout(Duration::from_secs(10), response.chunk()).await.unwrap().unwrap().unwrap();
    let text = String::from_utf8_lossy(&chunk).to_string();
    let data = text.lines().find_map(|l| l.strip_prefix("data:")).unwrap();
    let eta: Value = serde_json::from_str(data.trim()).unwrap();
    check(&doc, "/v1/offices/{id}/tickets/{number}/eta/stream", "get", 200, "text/event-stream", &eta)
        .unwrap();
    // Strictness bites: an undocumented field is caught.
    let mut extra = eta.clone();
    extra["ticket_history"] = json!([]);
    assert!(
        check(&doc, "/v1/offices/{id}/tickets/{number}/eta", "get", 200, "application/json", &extra).is_err()
    );
    drop(response);
    server.stop().await.unwrap();
}
