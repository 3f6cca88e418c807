//! Settings of the app's Web Push reminders (`[serve.push]`): the VAPID key the server signs
//! with, the push services it may post to, and when a reminder is sent again.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::settings::SettingsError;

/// `[serve.push]`. | Name | Default | Purpose |
///
/// | `vapid_private_key_file` | none (push off) | file with the VAPID private key (base64url, 32 bytes; `queuecast vapid-keys`) |
/// | `subject` | `mailto:buergerbuero@example.org` | contact the push services see in the signature |
/// | `endpoints` | FCM, Mozilla, Apple, Windows | origins a subscription's endpoint may have (`*.` for any subdomain) |
/// | `check_seconds` | 5 | how often subscribed tickets' ETAs are looked at |
/// | `resend_earlier_minutes` | 5 | another reminder when the call moves this much earlier |
/// | `ttl_seconds` | 900 | how long a push service keeps an undelivered reminder |
/// | `max_subscriptions` | 10000 | subscriptions held at once |
/// | `timeout_seconds` | 10 | one delivery to a push service |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushSettings {
    /// File holding the VAPID private key (base64url of the 32-byte P-256 scalar); none: the
    /// server sends no Web Push and the app says so.
    pub vapid_private_key_file: Option<PathBuf>,
    /// `mailto:` or `https:` contact for the push services (the signature's `sub`).
    pub subject: String,
    /// Origins a subscription endpoint may have, e.g. `https://fcm.googleapis.com`; a host
    /// `*.example.com` stands for its subdomains. Anything else is refused, so the server
    /// posts to the browsers' push services only.
    pub endpoints: Vec<String>,
    /// Seconds between looks at the subscribed tickets' ETAs (a reminder is at most this late).
    pub check_seconds: u64,
    /// After a reminder, another one when the expected call (p50) comes this many minutes
    /// earlier than the one announced.
    pub resend_earlier_minutes: f64,
    /// `TTL` of a reminder at the push service, seconds (a late reminder is worthless).
    pub ttl_seconds: u32,
    /// Most subscriptions held at once (more: 503).
    pub max_subscriptions: usize,
    /// Seconds for one delivery to a push service.
    pub timeout_seconds: u64,
}

impl Default for PushSettings {
    fn default() -> Self {
        PushSettings {
            vapid_private_key_file: None,
            subject: "mailto:buergerbuero@example.org".to_string(),
            endpoints: [
                "https://fcm.googleapis.com",
                "https://updates.push.services.mozilla.com",
                "https://web.push.apple.com",
                "https://*.notify.windows.com",
            ]
            .map(String::from)
            .to_vec(),
            check_seconds: 5,
            resend_earlier_minutes: 5.0,
            ttl_seconds: 900,
            max_subscriptions: 10_000,
            timeout_seconds: 10,
        }
    }
}

/// Checks `[serve.push]`.
pub fn validate(push: &PushSettings) -> Result<(), SettingsError> {
    let invalid = |field, value: String, expected| Err(SettingsError::Invalid { field, value, expected });
    if !(push.subject.starts_with("mailto:") || push.subject.starts_with("https://")) {
        return invalid("serve.push.subject", push.subject.clone(), "a mailto: or https: contact");
    }
    if let Some(e) = push.endpoints.iter().find(|e| !is_origin(e)) {
        return invalid(
            "serve.push.endpoints",
            e.clone(),
            "origins such as https://fcm.googleapis.com (scheme, host, optional port; no path)",
        );
    }
    for (field, v) in [
        ("serve.push.check_seconds", push.check_seconds),
        ("serve.push.timeout_seconds", push.timeout_seconds),
    ] {
        if !(1..=600).contains(&v) {
            return invalid(field, v.to_string(), "1 to 600 seconds");
        }
    }
    if !(0.0..=120.0).contains(&push.resend_earlier_minutes) {
        return invalid(
            "serve.push.resend_earlier_minutes",
            push.resend_earlier_minutes.to_string(),
            "0 to 120 minutes",
        );
    }
    if !(60..=86_400).contains(&push.ttl_seconds) {
        return invalid("serve.push.ttl_seconds", push.ttl_seconds.to_string(), "60 to 86400 seconds");
    }
    if !(1..=10_000_000).contains(&push.max_subscriptions) {
        return invalid("serve.push.max_subscriptions", push.max_subscriptions.to_string(), "1 to 10000000");
    }
    Ok(())
}

/// `scheme://host[:port]` with an http(s) scheme and nothing after the authority.
fn is_origin(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")) else {
        return false;
    };
    !rest.is_empty() && !rest.contains(['/', '?', '#', '@'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_the_field() {
        validate(&PushSettings::default()).unwrap();
        let bad = |f: fn(&mut PushSettings)| {
            let mut p = PushSettings::default();
            f(&mut p);
            validate(&p).unwrap_err().to_string()
        };
        assert!(bad(|p| p.subject = "ops@example.org".into()).contains("serve.push.subject"));
        assert!(bad(|p| p.endpoints = vec!["https://push.example.org/path".into()]).contains("endpoints"));
        assert!(bad(|p| p.endpoints = vec!["ftp://push.example.org".into()]).contains("endpoints"));
        assert!(bad(|p| p.check_seconds = 0).contains("check_seconds"));
        assert!(bad(|p| p.ttl_seconds = 10).contains("ttl_seconds"));
        assert!(bad(|p| p.resend_earlier_minutes = -1.0).contains("resend_earlier_minutes"));
    }
}
