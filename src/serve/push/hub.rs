//! The server's push subscriptions and their sender: subscriptions in memory (one per
//! browser endpoint), the VAPID key, and the delivery of decided reminders with what their
//! push services answer (gone or refused: dropped; failed: tried again). Which reminder is due
//! is decided elsewhere (`check`), so this file knows nothing of ETAs.

use std::sync::Mutex;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::serve::error::ServeError;
use crate::serve::problem::ApiError;
use crate::serve::push::deliver::{self, Outcome};
use crate::serve::push::keys::{self, VapidKey};
use crate::settings::PushSettings;
use crate::time::EpochMs;

/// Most subscriptions of one ticket (devices of one family, say).
pub const MAX_PER_TICKET: usize = 10;

/// One browser's subscription for one ticket.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub office: String,
    pub ticket: String,
    /// The ticket's day: the subscription ends with it.
    pub date: NaiveDate,
    pub endpoint: String,
    pub p256dh: Vec<u8>,
    pub auth: [u8; 16],
    /// Minutes of notice asked for.
    pub notice: f64,
    /// Call p50 of the last reminder sent.
    pub announced: Option<EpochMs>,
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

/// What to do with one subscription at a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Keep,
    /// Its ticket was called or cancelled.
    Drop,
    /// Post this encrypted body; it announces the call p50 `announced`.
    Send {
        body: Vec<u8>,
        announced: EpochMs,
    },
}

/// A reminder decided and about to be posted.
#[derive(Debug, Clone)]
pub struct Message {
    endpoint: String,
    body: Vec<u8>,
    previous: Option<EpochMs>,
    announced: EpochMs,
}

/// What one check did.
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
    pub(crate) checking: tokio::sync::Mutex<()>,
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

    /// Applies `verdict` to every subscription of `today` (those of earlier days are
    /// dropped), under the lock: returns the messages to post and how many were dropped.
    pub fn decide(
        &self,
        today: NaiveDate,
        mut verdict: impl FnMut(&Subscription) -> Verdict,
    ) -> (Vec<Message>, usize) {
        let Ok(mut book) = self.book.lock() else { return (Vec::new(), 0) };
        let before = book.len();
        book.retain(|s| s.date == today);
        let mut messages = Vec::new();
        let mut keep = Vec::with_capacity(book.len());
        for mut s in book.drain(..) {
            match verdict(&s) {
                Verdict::Drop => continue,
                Verdict::Keep => {}
                Verdict::Send { body, announced } => {
                    messages.push(Message {
                        endpoint: s.endpoint.clone(),
                        body,
                        previous: s.announced,
                        announced,
                    });
                    s.announced = Some(announced);
                }
            }
            keep.push(s);
        }
        let dropped = before - keep.len();
        *book = keep;
        (messages, dropped)
    }

    /// Posts the messages (concurrently) and applies what the push services answered.
    pub async fn deliver(&self, messages: Vec<Message>, dropped: usize) -> CheckReport {
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
}
