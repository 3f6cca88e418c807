//! One look at the subscribed tickets: each one's ETA computed as `GET …/eta` would,
//! [`rule::decide`] on it, due reminders encrypted for their browsers and posted; and the
//! loop that does this every `[serve.push] check_seconds`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::serve::eta::{EtaResponse, eta};
use crate::serve::push::deliver;
use crate::serve::push::hub::{CheckReport, Subscription, Verdict};
use crate::serve::push::rule::{Decision, PushKind, decide};
use crate::serve::state::AppState;
use crate::time::EpochMs;
use crate::timezones::parse_rfc3339;

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

/// Looks at every subscribed ticket now: drops the finished ones and those of earlier days,
/// and sends the reminders that are due (all posted before it returns).
pub async fn check(state: &AppState) -> CheckReport {
    let hub = state.push.clone();
    let _one = hub.checking.lock().await;
    let st = state.clone();
    let Ok((messages, dropped)) = tokio::task::spawn_blocking(move || decide_all(&st)).await else {
        return CheckReport::default();
    };
    hub.deliver(messages, dropped).await
}

fn decide_all(state: &AppState) -> (Vec<crate::serve::push::hub::Message>, usize) {
    let (now, today, tz) = (state.now(), state.today(), state.cfg.tz);
    let model = state.model.load_full();
    let resend = (state.push.cfg.resend_earlier_minutes * 60_000.0).round() as EpochMs;
    let mut etas: HashMap<(String, String, u64), Option<EtaResponse>> = HashMap::new();
    state.push.decide(today, |s| {
        let computed =
            etas.entry((s.office.clone(), s.ticket.clone(), s.notice.to_bits())).or_insert_with(|| {
                let office = state.office(&s.office)?;
                eta(&office.view(today), &s.ticket, now, tz, model.as_deref(), Some(s.notice)).ok()
            });
        let Some(e) = computed.as_ref() else { return Verdict::Keep };
        match decide(e, now, s.announced, resend) {
            Decision::Drop => Verdict::Drop,
            Decision::Wait => Verdict::Keep,
            Decision::Send(kind) => match message(state, e, kind, s) {
                Some((body, announced)) => Verdict::Send { body, announced },
                None => Verdict::Keep,
            },
        }
    })
}

/// The encrypted payload of a reminder and the p50 it announces.
fn message(
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

/// Runs the checks every `check_seconds` until shutdown (nothing to do without a key).
pub async fn push_loop(state: AppState) {
    let hub: Arc<_> = state.push.clone();
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
        check(&state).await;
    }
}
