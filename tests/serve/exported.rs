//! The exported data: offices, forecasts, profiles, best times, services; ETags, CORS, problems.

use queuecast::serve::ManualClock;
use serde_json::{Value, json};

use crate::fixture::*;
use crate::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_data_is_served_with_etags_and_problems() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(ten_o_clock());
    let server = start(&fixture().exports, dir.path(), &clock).await;
    let api = Api::new(&server);
    let file = office_file();
    // The export wrote the settings' name and address into the office file.
    assert_eq!(
        (file["name"].as_str(), file["address"].as_str()),
        (Some("Bürgerbüro Neuss-Mitte"), Some("Markt 2, 41460 Neuss"))
    );

    let offices = api.get("/v1/offices").await;
    assert_eq!(offices.status, 200);
    let o = &offices.json["offices"][0];
    assert_eq!((o["id"].as_str(), o["name"].as_str()), (Some(OFFICE), Some("Bürgerbüro Neuss-Mitte")));
    assert_eq!(o["address"], "Markt 2, 41460 Neuss");
    assert_eq!(o["opening_hours"], file["opening_hours"]);
    assert_eq!(o["freshness"]["generation"], "20250223T030000Z");
    assert_eq!(o["freshness"]["data_until"], "2025-02-22");
    // 10:00 is slot 40 of the day; its level is the forecast's.
    let day = file["days"].as_array().unwrap().iter().find(|d| d["date"] == DAY).unwrap().clone();
    let slot40 = day["slots"].as_array().unwrap().iter().find(|s| s["slot"] == 40).unwrap();
    assert_eq!((o["open_now"].as_bool(), &o["level_now"]), (Some(true), &slot40["level"]));

    // Forecast of a date, of today by default; ETag, Cache-Control, 304.
    let f = api.get(&format!("/v1/offices/{OFFICE}/forecast?date={DAY}")).await;
    assert_eq!(f.status, 200);
    assert_eq!(f.json["day"], day);
    assert_eq!(f.header("cache-control"), "public, max-age=300");
    let etag = f.header("etag").to_string();
    assert!(etag.starts_with('"') && etag.len() == 22, "{etag}");
    assert_eq!(api.get(&format!("/v1/offices/{OFFICE}/forecast")).await.json, f.json);
    let url = format!("{}/v1/offices/{OFFICE}/forecast?date={DAY}", api.base);
    let again = api.send(api.http.get(&url).header("if-none-match", &etag)).await;
    assert_eq!((again.status, again.json.clone(), again.header("etag")), (304, Value::Null, etag.as_str()));
    let other = api.send(api.http.get(&url).header("if-none-match", "\"nope\"")).await;
    assert_eq!(other.status, 200);

    let p = api.get(&format!("/v1/offices/{OFFICE}/profile")).await;
    assert_eq!((p.status, &p.json["profile"]), (200, &file["profile"]));
    let b = api.get(&format!("/v1/offices/{OFFICE}/best-times?days=3")).await;
    let dates: Vec<&str> =
        b.json["days"].as_array().unwrap().iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(dates, [DAY, "2025-02-25", "2025-02-26"]);
    assert_eq!(b.json["days"][0]["best_times"], day["best_times"]);
    assert_eq!(b.json["by_weekday"], file["best_times_by_weekday"]);

    let services = api.get("/v1/services").await;
    assert_eq!(services.json["services"].as_array().unwrap().len(), 8);
    let pa = api.get("/v1/services/PA").await;
    assert_eq!((pa.json["code"].as_str(), pa.json["fees"][0]["cents"].as_u64()), (Some("PA"), Some(4600)));
    assert!(pa.header("etag").len() == 22);

    // Errors are problem documents naming the value.
    for (path, status, needle) in [
        (format!("/v1/offices/{OFFICE}/forecast?date=2030-01-01"), 404, "2030-01-01"),
        (format!("/v1/offices/{OFFICE}/forecast?date=24.02.2025"), 400, "24.02.2025"),
        (format!("/v1/offices/{OFFICE}/best-times?days=0"), 400, "days = 0"),
        (format!("/v1/offices/{OFFICE}/best-times?days=x"), 400, "days"),
        ("/v1/offices/atlantis/profile".to_string(), 404, "atlantis"),
        ("/v1/services/XYZ".to_string(), 404, "XYZ"),
        ("/v2/nothing".to_string(), 404, "no such resource"),
        (format!("/v1/offices/{OFFICE}/tickets/A001/eta?notify_before=999"), 400, "999"),
    ] {
        let r = api.get(&path).await;
        assert_eq!(r.status, status, "{path}: {}", r.json);
        assert_eq!(r.header("content-type"), "application/problem+json", "{path}");
        assert_eq!(r.json["status"], status, "{path}");
        assert!(r.json["detail"].as_str().unwrap().contains(needle), "{path}: {}", r.json);
        assert!(r.json["type"].as_str().unwrap().starts_with("urn:queuecast:problem:"), "{path}");
    }
    let wrong_method = api.send(api.http.delete(format!("{}/v1/services", api.base))).await;
    assert_eq!((wrong_method.status, wrong_method.header("content-type")), (405, "application/problem+json"));

    // CORS for the configured origin only.
    let pre = |origin: &'static str| {
        api.http
            .request(reqwest::Method::OPTIONS, format!("{}/v1/offices", api.base))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
    };
    let ok = api.send(pre(ORIGIN)).await;
    assert_eq!(ok.header("access-control-allow-origin"), ORIGIN);
    let other = api.send(pre("https://evil.example.com")).await;
    assert_eq!(other.header("access-control-allow-origin"), "");
    let health = api.get("/healthz").await;
    assert_eq!(health.json, json!({"status": "ok"}));
    let ready = api.get("/readyz").await;
    assert_eq!((ready.status, ready.json["ready"].as_bool()), (200, Some(true)));
    assert_eq!(ready.json["generation"]["id"], "20250223T030000Z");
    assert_eq!(ready.json["model"]["info"]["trained_to"], "2025-02-22");
    server.stop().await.unwrap();
}
