//! Conditional GETs: a response body with its strong `ETag`, answered with 304 when the
//! client's `If-None-Match` already names it.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

use crate::hashing::sha256_hex;

/// A serialized JSON body and its entity tag.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached {
    pub body: Bytes,
    /// Quoted strong entity tag: the first 20 hex digits of the body's SHA-256.
    pub etag: HeaderValue,
}

impl Cached {
    pub fn json<T: Serialize>(value: &T) -> Cached {
        // Plain data structures (strings, numbers, options, vectors) always serialize.
        Cached::from_bytes(serde_json::to_vec(value).unwrap_or_default())
    }

    pub fn from_bytes(body: Vec<u8>) -> Cached {
        let tag = format!("\"{}\"", &sha256_hex(&body)[..20]);
        let etag = HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        Cached { body: Bytes::from(body), etag }
    }

    /// 200 with the body, or 304 when `If-None-Match` names this tag (or `*`).
    pub fn respond(&self, request: &HeaderMap, cache_control: &HeaderValue) -> Response {
        let matched = request.get_all(header::IF_NONE_MATCH).iter().any(|v| {
            v.to_str().is_ok_and(|list| {
                list.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == "*" || t.as_bytes() == self.etag.as_bytes())
            })
        });
        let mut response = if matched {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = Response::new(Body::from(self.body.clone()));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        };
        response.headers_mut().insert(header::ETAG, self.etag.clone());
        response.headers_mut().insert(header::CACHE_CONTROL, cache_control.clone());
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_gives_304_for_the_same_tag_only() {
        let c = Cached::json(&serde_json::json!({"a": 1}));
        let cc = HeaderValue::from_static("public, max-age=60");
        let mut h = HeaderMap::new();
        assert_eq!(c.respond(&h, &cc).status(), StatusCode::OK);
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\", W/\"x\""));
        assert_eq!(c.respond(&h, &cc).status(), StatusCode::OK);
        let list = format!("\"other\", W/{}", c.etag.to_str().unwrap());
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&list).unwrap());
        let r = c.respond(&h, &cc);
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()[header::ETAG], c.etag);
        assert_eq!(c.etag.len(), 22);
        assert_ne!(Cached::json(&serde_json::json!({"a": 2})).etag, c.etag);
    }
}
