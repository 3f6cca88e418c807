//! Web Push reminders of the app's "My ticket": a browser registers its push subscription for
//! a ticket and a notice; every `[serve.push] check_seconds` (and whenever asked) each
//! subscribed ticket's ETA is computed as `GET …/eta` would, [`rule::decide`] says whether a
//! reminder is due, and due reminders are encrypted for the browser and posted to its push
//! service, signed with the server's VAPID key. Subscriptions live in memory only and are
//! dropped when their ticket is called or cancelled, when the push service says they are
//! gone, and when the ticket's day ends.
//!
//! Files: `keys` (VAPID), `rule` (when), `deliver` (encryption and HTTP), `routes`.

pub mod deliver;
pub mod keys;
pub mod routes;
pub mod rule;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::schema::EpochMs;
use crate::serve::error::ServeError;
use crate::serve::eta::{EtaResponse, eta};
use crate::serve::problem::ApiError;
use crate::serve::push::deliver::Outcome;
use crate::serve::push::keys::VapidKey;
use crate::serve::push::rule::{Decision, PushKind, decide};
use crate::serve::state::AppState;
use crate::settings::PushSettings;
use crate::timezones::parse_rfc3339;

/// Most subscriptions of one ticket (devices of one family, say).
pub const MAX_PER_TICKET: usize = 10;

/// The decrypted content of a reminder, as the service worker reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushMessage {
    pub kind: PushKind,
    pub office_id: String,
    /// Public name of the office.
    pub office_name: String,
    pub ticket: String,
    /// The instant of the ETA the reminder comes from.
    pub now: String,
    pub call_p10: String,
    pub call_p50: String,
    pub call_p90: String,
    /// The notice the subscription asked for, minutes.
    pub notice_minutes: f64,
    /// Place in the ticket's queue.
    pub position: Option<u32>,
}

/// One browser's subscription for one ticket.
#[derive(Debug, Clone)]
struct Subscription {
    office: String,
    ticket: String,
    /// The ticket's day: the subscription ends with it.
    date: NaiveDate,
    endpoint: String,
    p256dh: Vec<u8>,
    auth: [u8; 16],
    notice: f64,
    /// Call p50 of the last reminder sent.
    announced: Option<EpochMs>,
}

/// What a subscriber sends (the browser's `PushSubscription.toJSON()` and the notice).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeRequest {
    /// The push service URL of this browser.
    pub endpoint: String,
    pub keys: SubscriptionKeys,
    /// Minutes of notice before the call (0–240; default 10).
    #[serde(default)]
    pub notify_before: Option<f64>,
    /// Sent by `toJSON()`; not used.
    #[serde(default, rename = "expirationTime")]
    #[schema(value_type = Option<f64>)]
    pub expiration_time: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionKeys {
    /// The browser's P-256 public key (base64url, 65 bytes uncompressed).
    pub p256dh: String,
    /// The authentication secret (base64url, 16 bytes).
    pub auth: String,
}

/// What the last check did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub sent: usize,
    /// Subscriptions dropped: ticket called or cancelled, day over, gone at the push service.
    pub dropped: usize,
    pub failed: usize,
}

/// The server's subscriptions and their sender.
pub struct PushHub {
    key: Option<VapidKey>,
    pub cfg: PushSettings,
    client: reqwest::Client,
    book: Mutex<Vec<Subscription>>,
    /// Serializes checks (a tick and a test's call never interleave their decisions).
    checking: tokio::sync::Mutex<()>,
}

/// A reminder decided and about to be posted.
struct Message {
    endpoint: String,
    body: Vec<u8>,
    previous: Option<EpochMs>,
    announced: EpochMs,
}

impl PushHub {
    /// Loads the VAPID key when one is configured.
    pub fn new(cfg: &PushSettings) -> Result<PushHub, ServeError> {
        let key = match &cfg.vapid_private_key_file {
            Some(path) => Some(VapidKey::load(path, &cfg.subject)?),
            None => None,
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.timeout_seconds))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ServeError::PushClient)?;
        Ok(PushHub {
            key,
            cfg: cfg.clone(),
            client,
            book: Mutex::new(Vec::new()),
            checking: Default::default(),
        })
    }

    /// The VAPID public key, when push is configured.
    pub fn public_key(&self) -> Option<&str> {
        self.key.as_ref().map(VapidKey::public_key)
    }

    /// Subscriptions held now.
    pub fn len(&self) -> usize {
        self.book.lock().map_or(0, |b| b.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Registers (or updates) `request`'s endpoint for the ticket; an endpoint follows one
    /// ticket at a time, so its subscription for another ticket ends.
    pub fn subscribe(
        &self,
        office: &str,
        ticket: &str,
        date: NaiveDate,
        request: &SubscribeRequest,
        notice: f64,
    ) -> Result<(), ApiError> {
        if !deliver::allowed(&request.endpoint, &self.cfg.endpoints) {
            return Err(ApiError::Unprocessable(format!(
                "endpoint {:?} is not at a push service this server posts to ({})",
                request.endpoint,
                self.cfg.endpoints.join(", ")
            )));
        }
        let p256dh = keys::decode_b64(&request.keys.p256dh)
            .filter(|k| p256::PublicKey::from_sec1_bytes(k).is_ok() && k.len() == 65)
            .ok_or_else(|| {
                ApiError::BadRequest("keys.p256dh: expected a P-256 public key (base64url, 65 bytes)".into())
            })?;
        let auth: [u8; 16] = keys::decode_b64(&request.keys.auth)
            .and_then(|a| a.try_into().ok())
            .ok_or_else(|| ApiError::BadRequest("keys.auth: expected 16 bytes (base64url)".into()))?;
        let mut book = self.book.lock().map_err(|_| ApiError::Internal("subscriptions poisoned".into()))?;
        book.retain(|s| s.endpoint != request.endpoint);
        if book.iter().filter(|s| s.office == office && s.ticket == ticket).count() >= MAX_PER_TICKET {
            return Err(ApiError::Unprocessable(format!(
                "ticket {ticket} has {MAX_PER_TICKET} subscriptions already"
            )));
        }
        if book.len() >= self.cfg.max_subscriptions {
            return Err(ApiError::Unavailable(
                "the server holds as many push subscriptions as it may".into(),
            ));
        }
        book.push(Subscription {
            office: office.to_string(),
            ticket: ticket.to_string(),
            date,
            endpoint: request.endpoint.clone(),
            p256dh,
            auth,
            notice,
            announced: None,
        });
        Ok(())
    }

    /// Ends `endpoint`'s subscription for the ticket; whether there was one.
    pub fn unsubscribe(&self, office: &str, ticket: &str, endpoint: &str) -> bool {
        let Ok(mut book) = self.book.lock() else { return false };
        let before = book.len();
        book.retain(|s| !(s.office == office && s.ticket == ticket && s.endpoint == endpoint));
        book.len() != before
    }

    /// Looks at every subscribed ticket now: drops the finished ones and those of earlier
    /// days, and sends the reminders that are due (all posted before it returns).
    pub async fn check(self: &Arc<Self>, state: &AppState) -> CheckReport {
        let _one = self.checking.lock().await;
        let (hub, st) = (self.clone(), state.clone());
        let Ok((messages, dropped)) = tokio::task::spawn_blocking(move || hub.decide_all(&st)).await else {
            return CheckReport::default();
        };
        let mut report = CheckReport { dropped, ..CheckReport::default() };
        let Some(key) = &self.key else { return report };
        let posts = messages
            .iter()
            .map(|m| deliver::post(&self.client, key, &m.endpoint, m.body.clone(), self.cfg.ttl_seconds));
        let outcomes = futures_util::future::join_all(posts).await;
        let Ok(mut book) = self.book.lock() else { return report };
        for (m, outcome) in messages.iter().zip(outcomes) {
            match outcome {
                Outcome::Delivered => report.sent += 1,
                Outcome::Gone | Outcome::Refused(_) => {
                    if let Outcome::Refused(why) = &outcome {
                        tracing::warn!(reason = %why, "push refused; subscription dropped");
                    }
                    book.retain(|s| s.endpoint != m.endpoint);
                    report.dropped += 1;
                }
                Outcome::Failed(why) => {
                    tracing::warn!(reason = %why, "push failed; trying again at the next check");
                    for s in book
                        .iter_mut()
                        .filter(|s| s.endpoint == m.endpoint && s.announced == Some(m.announced))
                    {
                        s.announced = m.previous;
                    }
                    report.failed += 1;
                }
            }
        }
        if report.sent + report.dropped + report.failed > 0 {
            tracing::info!(
                sent = report.sent,
                dropped = report.dropped,
                failed = report.failed,
                "push check"
            );
        }
        report
    }

    /// The decisions of one check, taken under the lock: the messages to post and how many
    /// subscriptions were dropped.
    fn decide_all(&self, state: &AppState) -> (Vec<Message>, usize) {
        let (now, today, tz) = (state.now(), state.today(), state.cfg.tz);
        let model = state.model.load_full();
        let resend = (self.cfg.resend_earlier_minutes * 60_000.0).round() as EpochMs;
        let Ok(mut book) = self.book.lock() else { return (Vec::new(), 0) };
        let before = book.len();
        book.retain(|s| s.date == today);
        let mut etas: HashMap<(String, String, u64), Option<EtaResponse>> = HashMap::new();
        let mut messages = Vec::new();
        let mut keep = Vec::with_capacity(book.len());
        for mut s in book.drain(..) {
            let computed =
                etas.entry((s.office.clone(), s.ticket.clone(), s.notice.to_bits())).or_insert_with(|| {
                    let office = state.office(&s.office)?;
                    eta(&office.view(today), &s.ticket, now, tz, model.as_deref(), Some(s.notice)).ok()
                });
            let Some(e) = computed.as_ref() else {
                keep.push(s);
                continue;
            };
            match decide(e, now, s.announced, resend) {
                Decision::Drop => continue,
                Decision::Wait => {}
                Decision::Send(kind) => {
                    if let Some((body, p50)) = self.message(state, e, kind, &s) {
                        messages.push(Message {
                            endpoint: s.endpoint.clone(),
                            body,
                            previous: s.announced,
                            announced: p50,
                        });
                        s.announced = Some(p50);
                    }
                }
            }
            keep.push(s);
        }
        let dropped = before - keep.len();
        *book = keep;
        (messages, dropped)
    }

    /// The encrypted payload of a reminder and the p50 it announces.
    fn message(
        &self,
        state: &AppState,
        e: &EtaResponse,
        kind: PushKind,
        s: &Subscription,
    ) -> Option<(Vec<u8>, EpochMs)> {
        let p50 = parse_rfc3339(e.call_p50.as_deref()?).ok()?;
        let office_name = state
            .cfg
            .offices
            .get(&e.office_id)
            .and_then(|o| o.name.clone())
            .or_else(|| state.generation.load_full()?.offices.get(&e.office_id)?.file.name.clone())
            .unwrap_or_else(|| e.office_id.clone());
        let message = PushMessage {
            kind,
            office_id: e.office_id.clone(),
            office_name,
            ticket: e.ticket.clone(),
            now: e.now.clone(),
            call_p10: e.call_p10.clone()?,
            call_p50: e.call_p50.clone()?,
            call_p90: e.call_p90.clone()?,
            notice_minutes: s.notice,
            position: e.position.as_ref().map(|p| p.position),
        };
        let json = serde_json::to_vec(&message).ok()?;
        match deliver::encrypt(&json, &s.p256dh, &s.auth) {
            Ok(body) => Some((body, p50)),
            Err(why) => {
                tracing::warn!(reason = %why, "push not encrypted");
                None
            }
        }
    }
}

/// Runs the checks every `check_seconds` until shutdown (nothing to do without a key).
pub async fn push_loop(state: AppState) {
    let hub = state.push.clone();
    if hub.public_key().is_none() {
        return;
    }
    let mut shutdown = state.shutdown.clone();
    let mut tick = tokio::time::interval(Duration::from_secs(hub.cfg.check_seconds));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        hub.check(&state).await;
    }
}
