//! Delivery of one reminder: the JSON payload encrypted for the subscription (RFC 8291,
//! `Content-Encoding: aes128gcm`, by `web-push-native`), posted to the subscription's
//! endpoint with the VAPID signature, a `TTL` and `Urgency: high`. Only endpoints whose origin
//! is in `[serve.push] endpoints` are ever posted to.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Url;

use crate::serve::push::keys::VapidKey;

/// How long a VAPID signature is valid (RFC 8292 allows at most 24 hours).
const SIGNATURE_VALID: Duration = Duration::from_secs(12 * 3600);

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// 404 or 410: the subscription no longer exists; drop it.
    Gone,
    /// Another 4xx: the push service refuses this request; drop the subscription.
    Refused(String),
    /// Network error, 429 or 5xx: try again at the next check.
    Failed(String),
}

/// Encrypts `payload` for the browser's key `p256dh` (65-byte uncompressed point) and
/// authentication secret `auth`.
pub fn encrypt(payload: &[u8], p256dh: &[u8], auth: &[u8; 16]) -> Result<Vec<u8>, String> {
    let ua_public = p256::PublicKey::from_sec1_bytes(p256dh).map_err(|_| "p256dh is not a P-256 point")?;
    let auth = web_push_native::Auth::clone_from_slice(auth);
    web_push_native::encrypt(payload.to_vec(), &ua_public, &auth).map_err(|e| e.to_string())
}

/// `scheme://host[:port]` of an endpoint URL (the VAPID audience).
pub fn origin(endpoint: &str) -> Option<String> {
    let url = Url::parse(endpoint).ok()?;
    url.host_str()?;
    Some(url.origin().ascii_serialization())
}

/// Whether `endpoint` is an http(s) URL whose origin is one of `allowed` (`*.` in an allowed
/// host stands for any subdomain).
pub fn allowed(endpoint: &str, allowed: &[String]) -> bool {
    let Ok(url) = Url::parse(endpoint) else { return false };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return false };
    if !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    allowed.iter().any(|a| {
        let Ok(rule) = Url::parse(&a.replacen("*.", "wildcard.", 1)) else { return false };
        let wildcard = a.contains("://*.");
        let Some(rule_host) = rule.host_str() else { return false };
        let host_ok = if wildcard {
            let suffix = &rule_host["wildcard".len()..];
            host.ends_with(suffix) && host.len() > suffix.len()
        } else {
            host == rule_host
        };
        rule.scheme() == url.scheme() && rule.port_or_known_default() == Some(port) && host_ok
    })
}

/// Posts an encrypted reminder to `endpoint`.
pub async fn post(
    client: &reqwest::Client,
    key: &VapidKey,
    endpoint: &str,
    body: Vec<u8>,
    ttl_seconds: u32,
) -> Outcome {
    let Some(audience) = origin(endpoint) else {
        return Outcome::Refused(format!("endpoint {endpoint:?} is not a URL"));
    };
    let expires = (SystemTime::now() + SIGNATURE_VALID).duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let request = client
        .post(endpoint)
        .header("TTL", ttl_seconds.to_string())
        .header("Urgency", "high")
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("Authorization", key.authorization(&audience, expires))
        .body(body);
    match request.send().await {
        Ok(r) if r.status().is_success() => Outcome::Delivered,
        Ok(r) if matches!(r.status().as_u16(), 404 | 410) => Outcome::Gone,
        Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
            Outcome::Failed(format!("{audience} answered {}", r.status()))
        }
        Ok(r) => Outcome::Refused(format!("{audience} answered {}", r.status())),
        Err(e) => Outcome::Failed(format!("{audience}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_push_services_are_posted_to() {
        let list: Vec<String> =
            ["https://fcm.googleapis.com", "https://*.notify.windows.com", "http://127.0.0.1:9000"]
                .map(String::from)
                .to_vec();
        assert!(allowed("https://fcm.googleapis.com/fcm/send/abc", &list));
        assert!(allowed("https://fcm.googleapis.com:443/x", &list));
        assert!(allowed("https://db5p.notify.windows.com/w/?token=1", &list));
        assert!(allowed("http://127.0.0.1:9000/push/1", &list));
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://fcm.googleapis.com.evil.example/x",
            "https://evilfcm.googleapis.com/x",
            "https://notify.windows.com/x",
            "https://evil.example/notify.windows.com",
            "https://user@fcm.googleapis.com/x",
            "http://127.0.0.1:9001/push",
            "http://localhost:9000/push",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(!allowed(bad, &list), "{bad}");
        }
        assert_eq!(origin("http://127.0.0.1:9000/push/1").as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(origin("https://fcm.googleapis.com:443/a").as_deref(), Some("https://fcm.googleapis.com"));
    }
}
