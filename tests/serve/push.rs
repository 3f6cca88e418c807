//! Web Push without the internet: the subscriptions' endpoints are a test server on loopback.
//! The sample day is replayed through the API with subscribed tickets; after every change
//! (an event, the clock) the hub checks, and an oracle applies the documented rule to the
//! ETAs the API gives at that moment. Every push is verified (VAPID signature, headers) and
//! decrypted with the subscription's private key by an RFC 8291 implementation of its own
//! (checked on the RFC's example), then compared with the oracle: exactly one push per
//! crossing, with the ticket, call time and notice, none after the call, none after the day.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use queuecast::serve::push::check::check;
use queuecast::serve::push::keys::{decode_b64, encode_b64, generate_file};
use queuecast::serve::{ManualClock, ServeConfig, Server};
use queuecast::settings::Settings;
use serde_json::{Value, json};

use crate::fixture::*;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// RFC 8291 §3.4 and RFC 8188, from the texts: one `aes128gcm` record encrypted for the
/// user agent's key `ua` and secret `auth`.
fn decrypt(body: &[u8], ua: &p256::SecretKey, auth: &[u8]) -> Vec<u8> {
    let (salt, rest) = body.split_at(16);
    let rs = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
    let idlen = rest[4] as usize;
    let (as_public, ciphertext) = rest[5..].split_at(idlen);
    assert!(ciphertext.len() <= rs, "one record");
    let as_key = p256::PublicKey::from_sec1_bytes(as_public).unwrap();
    let shared = p256::ecdh::diffie_hellman(ua.to_nonzero_scalar(), as_key.as_affine());
    let ua_public = ua.public_key().to_sec1_bytes();
    let prk_key = hmac(auth, &[shared.raw_secret_bytes().as_slice()]);
    let ikm = hmac(&prk_key, &[b"WebPush: info\0", &ua_public, as_public, &[1]]);
    let prk = hmac(salt, &[&ikm]);
    let cek = hmac(&prk, &[b"Content-Encoding: aes128gcm\0", &[1]]);
    let nonce = hmac(&prk, &[b"Content-Encoding: nonce\0", &[1]]);
    let plain = Aes128Gcm::new_from_slice(&cek[..16])
        .unwrap()
        .decrypt(Nonce::from_slice(&nonce[..12]), ciphertext)
        .expect("the record authenticates");
    let end = plain.iter().rposition(|&b| b != 0).unwrap();
    assert_eq!(plain[end], 2, "last record delimiter");
    plain[..end].to_vec()
}

#[test]
fn the_decryption_reads_the_example_of_rfc_8291() {
    let ua = p256::SecretKey::from_slice(&decode_b64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94").unwrap())
        .unwrap();
    let auth = decode_b64("BTBZMqHH6r4Tts7J_aSIgg").unwrap();
    let body = decode_b64(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
    )
    .unwrap();
    assert_eq!(decrypt(&body, &ua, &auth), b"When I grow up, I want to be a watermelon");
    assert_eq!(
        encode_b64(&ua.public_key().to_sec1_bytes()),
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    );
}

/// One request the push service received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// A push service on loopback: `/push/<n>` accepts (201), `/gone/<n>` says 410.
async fn push_service() -> (String, Inbox) {
    async fn take(
        State(inbox): State<Inbox>,
        UrlPath((kind, id)): UrlPath<(String, String)>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> StatusCode {
        inbox.lock().unwrap().push(Received { path: format!("/{kind}/{id}"), headers, body: body.to_vec() });
        if kind == "gone" { StatusCode::GONE } else { StatusCode::CREATED }
    }
    let inbox: Inbox = Arc::default();
    let app = axum::Router::new().route("/{kind}/{id}", axum::routing::post(take)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (origin, inbox)
}

/// A browser's subscription: its keys and what it registers.
struct Browser {
    endpoint: String,
    ua: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new(endpoint: String, seed: u8) -> Browser {
        let mut scalar = [seed; 32];
        scalar[0] = 0x11;
        Browser {
            endpoint,
            ua: p256::SecretKey::from_slice(&scalar).unwrap(),
            auth: [seed.wrapping_mul(7); 16],
        }
    }

    fn body(&self, notice: f64) -> Value {
        json!({"endpoint": self.endpoint, "expirationTime": null, "notify_before": notice,
            "keys": {"p256dh": encode_b64(&self.ua.public_key().to_sec1_bytes()), "auth": encode_b64(&self.auth)}})
    }
}

async fn start_push(
    day_logs: &std::path::Path,
    clock: &ManualClock,
    key: &std::path::Path,
    origin: &str,
) -> Server {
    let f = fixture();
    let mut settings = Settings::from_toml(&f.config).unwrap();
    settings.serve.day_log_dir = day_logs.to_path_buf();
    settings.serve.push.vapid_private_key_file = Some(key.to_path_buf());
    settings.serve.push.subject = "mailto:test@example.org".into();
    settings.serve.push.endpoints = vec![origin.to_string()];
    // The test checks after every change itself; the timer would only repeat those checks.
    settings.serve.push.check_seconds = 600;
    settings.serve.push.resend_earlier_minutes = RESEND_MIN;
    settings.serve.addr = "127.0.0.1:0".into();
    let settings = settings.validate().unwrap();
    let cfg = ServeConfig::new(&settings, f.exports.clone(), f.model.clone());
    Server::start(cfg, Arc::new(clock.clone())).await.unwrap()
}

/// Checks the VAPID header of a delivery: signed by `public`, for `audience`, not expired.
fn check_vapid(headers: &HeaderMap, public: &str, audience: &str) {
    let auth = headers["authorization"].to_str().unwrap();
    let (jwt, k) = auth.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(k, public);
    let parts: Vec<&str> = jwt.split('.').collect();
    let key = VerifyingKey::from_sec1_bytes(&decode_b64(k).unwrap()).unwrap();
    let sig = Signature::from_slice(&decode_b64(parts[2]).unwrap()).unwrap();
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).expect("VAPID signature");
    let claims: Value = serde_json::from_slice(&decode_b64(parts[1]).unwrap()).unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let exp = claims["exp"].as_u64().unwrap();
    assert!(exp > now && exp <= now + 24 * 3600, "{claims}");
    assert_eq!(
        (claims["aud"].as_str(), claims["sub"].as_str()),
        (Some(audience), Some("mailto:test@example.org"))
    );
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert_eq!(headers["ttl"], "900");
    assert_eq!(headers["urgency"], "high");
}

/// `[serve.push] resend_earlier_minutes` of the test (the default is 5): small enough that
/// the replay moves some call that much earlier after its reminder.
const RESEND_MIN: f64 = 2.0;

/// What the oracle expects of one subscription.
struct Expect {
    ticket: String,
    notice: f64,
    browser: usize,
    announced: Option<i64>,
    active: bool,
    /// Seen waiting with the reminder not due yet.
    seen_not_due: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_day_sends_one_push_per_crossing_and_none_after_the_call_or_the_day() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("vapid.key");
    let public = generate_file(&key).unwrap();
    let (origin, inbox) = push_service().await;
    let clock = ManualClock::new(ms(&format!("{DAY}T10:00:00+01:00")));
    let server = start_push(dir.path(), &clock, &key, &origin).await;
    let api = Api::new(&server);
    let hub = server.state.push.clone();
    assert_eq!(api.get("/v1/push/key").await.json["public_key"], public.as_str());

    let events = f.events();
    let mut next = 0;
    api.replay_until(&events, &mut next, ms(&format!("{DAY}T10:00:00+01:00"))).await;
    // Subscribed as they are drawn: the first ten walk-ins from 10:00 (a queue of about 20),
    // notices 5 to 20 minutes.
    let chosen: Vec<&Row> = f
        .day
        .iter()
        .filter(|r| r.channel == "walk_in" && r.issued.as_str() >= format!("{DAY}T10:00:00").as_str())
        .take(10)
        .collect();
    let notices = [5.0, 10.0, 15.0, 20.0, 5.0, 20.0, 10.0, 15.0, 20.0, 5.0];
    let browsers: Vec<Browser> =
        (0..12).map(|i| Browser::new(format!("{origin}/push/{i}"), i as u8 + 1)).collect();
    let path = |t: &str| format!("{}/v1/offices/{OFFICE}/tickets/{t}/push", api.base);
    let subscribe = |t: String, body: Value| {
        let url = path(&t);
        let http = api.http.clone();
        async move { http.post(url).json(&body).send().await.unwrap().status().as_u16() }
    };
    // The routes refuse what cannot be served.
    let waiting_now = f.day.iter().find(|r| r.waiting_at(clock_now(&clock))).unwrap();
    assert_eq!(subscribe("Z999".into(), browsers[0].body(5.0)).await, 404);
    let called =
        f.day.iter().find(|r| r.called.as_deref().is_some_and(|c| ms(c) < clock_now(&clock))).unwrap();
    assert_eq!(subscribe(called.ticket.clone(), browsers[0].body(5.0)).await, 422);
    let mut foreign = browsers[0].body(5.0);
    foreign["endpoint"] = json!("https://push.example.net/x");
    assert_eq!(subscribe(waiting_now.ticket.clone(), foreign).await, 422);
    let mut bad = browsers[0].body(5.0);
    bad["keys"]["auth"] = json!("AAAA");
    assert_eq!(subscribe(waiting_now.ticket.clone(), bad).await, 400);
    assert_eq!(hub.len(), 0);

    // A subscription whose push service says it is gone: one attempt, then dropped.
    let gone = Browser::new(format!("{origin}/gone/1"), 99);
    assert_eq!(subscribe(waiting_now.ticket.clone(), gone.body(240.0)).await, 201);
    let report = check(&server.state).await;
    assert_eq!((report.sent, report.dropped, hub.len()), (0, 1, 0), "{report:?}");

    let mut expect: Vec<Expect> = Vec::new();
    let mut wanted: Vec<(String, String, String, f64)> = Vec::new(); // (ticket, kind, call_p50, notice)
    let end_of_replay =
        |expect: &Vec<Expect>| expect.len() == chosen.len() && expect.iter().all(|e| !e.active);
    let mut now = clock_now(&clock);
    let mut steps = 0;
    while !end_of_replay(&expect) {
        // The next instant: the next event, or 30 s on.
        let t = events.get(next).map_or(now + 30_000, |e| e.0.min(now + 30_000)).max(now + 1);
        // Events at t are posted while the clock still shows the instant before (they are
        // in its tolerance and invisible until t), then the clock moves: every state a check
        // can see is one the ticket system could have produced.
        api.replay_until(&events, &mut next, t).await;
        clock.set(t);
        now = t;
        for (i, r) in chosen.iter().enumerate() {
            if expect.len() == i && ms(&r.issued) <= now {
                assert_eq!(subscribe(r.ticket.clone(), browsers[i].body(notices[i])).await, 201);
                expect.push(Expect {
                    ticket: r.ticket.clone(),
                    notice: notices[i],
                    browser: i,
                    announced: None,
                    active: true,
                    seen_not_due: false,
                });
            }
        }
        oracle(&api, &mut expect, &mut wanted, now).await;
        check(&server.state).await;
        steps += 1;
    }
    // One more ticket still waiting at the end, subscribed; then the day ends.
    let late = f
        .day
        .iter()
        .find(|r| r.waiting_at(now) && r.channel == "walk_in" && !chosen.iter().any(|c| c.ticket == r.ticket))
        .unwrap();
    assert_eq!(subscribe(late.ticket.clone(), browsers[11].body(5.0)).await, 201);
    expect.push(Expect {
        ticket: late.ticket.clone(),
        notice: 5.0,
        browser: 11,
        announced: None,
        active: true,
        seen_not_due: false,
    });
    oracle(&api, &mut expect, &mut wanted, now).await;
    check(&server.state).await;
    assert_eq!(hub.len(), 1);
    clock.set(ms("2025-02-25T00:00:30+01:00"));
    let report = check(&server.state).await;
    assert_eq!((report.sent, report.dropped, hub.len()), (0, 1, 0), "the day's end drops it: {report:?}");

    // Every delivery: to the subscription's endpoint, signed, decrypted as the oracle said.
    let got = inbox.lock().unwrap().clone();
    let pushes: Vec<&Received> = got.iter().filter(|r| r.path.starts_with("/push/")).collect();
    assert_eq!(got.iter().filter(|r| r.path.starts_with("/gone/")).count(), 1);
    let mut delivered = Vec::new();
    for r in &pushes {
        check_vapid(&r.headers, &public, &origin);
        let i: usize = r.path["/push/".len()..].parse().unwrap();
        let msg: Value =
            serde_json::from_slice(&decrypt(&r.body, &browsers[i].ua, &browsers[i].auth)).unwrap();
        let e = expect.iter().find(|e| e.browser == i).unwrap();
        assert_eq!(
            (msg["ticket"].as_str(), msg["office_id"].as_str()),
            (Some(e.ticket.as_str()), Some(OFFICE))
        );
        assert_eq!(msg["office_name"], "Bürgerbüro Neuss-Mitte");
        let row = f.day.iter().find(|row| row.ticket == e.ticket).unwrap();
        if let Some(c) = &row.called {
            assert!(ms(msg["now"].as_str().unwrap()) < ms(c), "no push after the call: {msg}");
        }
        for k in ["call_p10", "call_p90", "now"] {
            assert!(msg[k].as_str().is_some_and(|t| t.starts_with(DAY)), "{k}: {msg}");
        }
        delivered.push((
            msg["ticket"].as_str().unwrap().to_string(),
            msg["kind"].as_str().unwrap().to_string(),
            msg["call_p50"].as_str().unwrap().to_string(),
            msg["notice_minutes"].as_f64().unwrap(),
        ));
    }
    // One check sends its pushes together (the hub posts them concurrently), so they may
    // arrive in any order across tickets; each ticket's own pushes keep theirs.
    let per_ticket = |pushes: &[(String, String, String, f64)]| {
        let mut by: std::collections::BTreeMap<String, Vec<(String, String, String, f64)>> =
            Default::default();
        for p in pushes {
            by.entry(p.0.clone()).or_default().push(p.clone());
        }
        by
    };
    assert_eq!(delivered.len(), wanted.len(), "{delivered:?} against {wanted:?}");
    assert_eq!(
        per_ticket(&delivered),
        per_ticket(&wanted),
        "exactly the oracle's pushes, each ticket's in order ({steps} steps)"
    );
    // Every subscribed ticket of the replay got its reminder before its call.
    for e in &expect[..chosen.len()] {
        assert!(delivered.iter().any(|d| d.0 == e.ticket && d.1 == "alarm"), "{} had no reminder", e.ticket);
    }
    // The replay crosses the notice by time and queue (not only at subscription) and moves
    // a call earlier after its reminder.
    let crossed = expect.iter().filter(|e| e.seen_not_due && e.announced.is_some()).count();
    let earlier = delivered.iter().filter(|d| d.1 == "earlier").count();
    println!(
        "{} pushes ({earlier} earlier) for {} subscriptions, {crossed} crossed later, in {steps} steps: {delivered:?}",
        delivered.len(),
        expect.len()
    );
    assert!(crossed >= 3 && earlier >= 1, "crossed {crossed}, earlier {earlier}");
    server.stop().await.unwrap();
}

fn clock_now(clock: &ManualClock) -> i64 {
    use queuecast::serve::Clock;
    clock.now_ms()
}

/// The documented rule on the API's ETAs now: due (alarm time reached, or the call may come
/// within the notice) and nothing announced → `alarm`; announced and the p50 at least 5
/// minutes earlier → `earlier`; called or cancelled → nothing ever again.
async fn oracle(api: &Api, expect: &mut [Expect], wanted: &mut Vec<(String, String, String, f64)>, now: i64) {
    for e in expect.iter_mut().filter(|e| e.active) {
        let r = api
            .get(&format!("/v1/offices/{OFFICE}/tickets/{}/eta?notify_before={}", e.ticket, e.notice))
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
        let eta = &r.json;
        if eta["status"] != "waiting" {
            e.active = false;
            continue;
        }
        let due = match eta["alarm_at"].as_str() {
            Some(at) => ms(at) <= now,
            None => eta["alarm_reason"] == "call_may_come_within_notice",
        };
        e.seen_not_due |= !due;
        let p50_text = eta["call_p50"].as_str().unwrap().to_string();
        let p50 = ms(&p50_text);
        let kind = match e.announced {
            _ if !due => None,
            None => Some("alarm"),
            Some(before) if p50 <= before - (RESEND_MIN * 60_000.0) as i64 => Some("earlier"),
            Some(_) => None,
        };
        if let Some(kind) = kind {
            e.announced = Some(p50);
            wanted.push((e.ticket.clone(), kind.to_string(), p50_text, e.notice));
        }
    }
}
