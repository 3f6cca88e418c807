//! A sample day replayed as live events: ETAs equal to `queuecast predict`, no look-ahead,
//! and a day log that `ingest` stores whole.

use std::collections::BTreeSet;
use std::fs;

use queuecast::serve::ManualClock;
use serde_json::{Value, json};

use crate::fixture::*;
use crate::*;

/// Runs `queuecast predict` on a snapshot file built from the log (not from the server).
fn predict_cli(snapshot: &Value) -> Value {
    let f = fixture();
    let work = util::Workdir::new();
    fs::write(work.path("snap.json"), snapshot.to_string()).unwrap();
    let model = f.model.display().to_string();
    let out = work.run_ok(&["predict", "--snapshot", "snap.json", "--model", &model]);
    serde_json::from_str(&out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_sample_day_gives_the_etas_of_predict_and_a_day_log_ingest_reads() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(ms(&format!("{DAY}T07:00:00+01:00")));
    let server = start(&f.exports, dir.path(), &clock).await;
    let api = Api::new(&server);
    let events = f.events();
    let mut next = 0;
    let mut compared = 0;
    let mut etas = BTreeSet::new();
    for minute in (8 * 60..=15 * 60).step_by(40) {
        let now = ms(&format!("{DAY}T{:02}:{:02}:00+01:00", minute / 60, minute % 60));
        clock.set(now);
        api.replay_until(&events, &mut next, now).await;
        let waiting: Vec<&Row> = f.day.iter().filter(|r| r.waiting_at(now)).collect();
        let walk_in = waiting.iter().find(|r| r.channel == "walk_in");
        let appointment = waiting.iter().find(|r| r.channel == "appointment");
        for row in walk_in.into_iter().chain(appointment) {
            let path = format!("/v1/offices/{OFFICE}/tickets/{}/eta?notify_before=5", row.ticket);
            let eta = api.get(&path).await;
            assert_eq!((eta.status, eta.json["status"].as_str()), (200, Some("waiting")), "{}", eta.json);
            let tickets: Vec<Value> =
                f.day.iter().filter(|r| ms(&r.issued) <= now).map(|r| r.snapshot_at(now)).collect();
            let snap = json!({"office_id": OFFICE, "now": eta.json["now"], "ticket_id": row.ticket, "notice_minutes": 5.0, "tickets": tickets});
            let cli = predict_cli(&snap);
            for key in ["call_p10", "call_p50", "call_p90", "alarm_at", "notice_minutes", "now"] {
                assert_eq!(eta.json[key], cli[key], "{key} of {} at {minute}", row.ticket);
            }
            for q in ["p10", "p50", "p90"] {
                assert_eq!(eta.json["remaining_min"][q], cli["remaining_min"][q], "{q}");
            }
            assert_eq!(eta.json["model"]["predictor"], cli["predictor"]);
            let position = eta.json["position"]["position"].as_u64().unwrap();
            assert!(position >= 1 && position as usize <= waiting.len(), "{}", eta.json);
            etas.insert(eta.json["call_p50"].as_str().unwrap().to_string());
            compared += 1;
        }
        // No look-ahead: an event stamped after now (within the clock tolerance) leaves the ETA alone.
        if let (Some(row), Some((at, e))) = (walk_in, events.get(next))
            && *at > now
            && *at <= now + 120_000
            && e["kind"] == "issued"
        {
            let path = format!("/v1/offices/{OFFICE}/tickets/{}/eta", row.ticket);
            let before = api.get(&path).await.json;
            api.post_events(e).await;
            next += 1;
            assert_eq!(api.get(&path).await.json, before);
        }
    }
    assert!(compared >= 15, "{compared} ETAs compared");
    assert!(etas.len() >= 10, "ETAs vary over the day: {etas:?}");

    // The rest of the day: every ticket's canonical row exactly as the sample logged it.
    clock.set(ms(&format!("{DAY}T23:00:00+01:00")));
    api.replay_until(&events, &mut next, i64::MAX).await;
    let log = dir.path().join(DAY).join(format!("{OFFICE}.csv"));
    let mut sample: Vec<String> = f.day.iter().map(|r| r.line.clone()).collect();
    sample.sort();
    assert_eq!(day_log_rows(&log), sample);
    server.stop().await.unwrap();
    let work = util::Workdir::new();
    let store = work.path("store").display().to_string();
    let day_dir = dir.path().join(DAY).display().to_string();
    let out = work.run_ok(&["ingest", "--store", &store, &day_dir]);
    assert_eq!(util::count(&out, "stored"), f.day.len() as u64, "{out}");
    assert_eq!(util::count(&out, "quarantined"), 0, "{out}");
}

/// Exact-match counts (tickets, API position, naive count) at issue, for walk-ins and
/// appointments.
type Shares = [(u32, u32, u32); 2];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_position_at_issue_counts_the_own_queue_better_than_everyone_drawn_earlier() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(ms(&format!("{DAY}T07:00:00+01:00")));
    let server = start(&f.exports, dir.path(), &clock).await;
    let api = Api::new(&server);
    let events = f.events();
    let mut next = 0;
    let mut shares: Shares = [(0, 0, 0); 2];
    for row in &f.day {
        let (now, Some(called)) = (ms(&row.issued), row.called.as_deref().map(ms)) else { continue };
        clock.set(now);
        api.replay_until(&events, &mut next, now).await;
        let eta = api.get(&format!("/v1/offices/{OFFICE}/tickets/{}/eta", row.ticket)).await;
        if eta.json["status"] != "waiting" {
            continue; // called in the second it was drawn
        }
        // The truth: tickets waiting at the issue that were called before it.
        let waiting = f.day.iter().filter(|o| o.ticket != row.ticket && o.waiting_at(now));
        let truth = waiting.clone().filter(|o| o.called.as_deref().is_some_and(|c| ms(c) < called)).count();
        let naive = waiting.filter(|o| (ms(&o.issued), &o.ticket) < (now, &row.ticket)).count();
        let position = eta.json["position"]["position"].as_u64().unwrap() as usize - 1;
        let k = usize::from(row.channel == "appointment");
        shares[k].0 += 1;
        shares[k].1 += u32::from(position == truth);
        shares[k].2 += u32::from(naive == truth);
    }
    let pct = |n: u32, of: u32| 100.0 * f64::from(n) / f64::from(of);
    let [w, a] = shares;
    println!(
        "position at issue exact: walk-ins {}: API {:.1} %, naive {:.1} %; appointments {}: API {:.1} %, naive {:.1} %",
        w.0,
        pct(w.1, w.0),
        pct(w.2, w.0),
        a.0,
        pct(a.1, a.0),
        pct(a.2, a.0)
    );
    assert!(w.0 > 150 && a.0 > 40, "{shares:?}");
    assert!(w.1 >= w.2 && a.1 > a.2, "the API's position is no better than the naive count: {shares:?}");
    server.stop().await.unwrap();
}
