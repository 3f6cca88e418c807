//! The citizens' web app (`web/` in the repository): static files compiled into the binary
//! and served at `/` by the router's fallback, each with its content type and a strong
//! `ETag` (`Cache-Control: no-cache`, so a browser revalidates and gets 304 while the
//! binary is the same). The HTML carries a Content-Security-Policy that allows nothing but
//! this origin. The service worker's cache name is the hash of all files, so a new binary
//! replaces the cached shell.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::serve::cache::Cached;
use crate::serve::problem::ApiError;

/// One file of the app.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// URL path it is served at.
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $file:literal, $ct:expr) => {
        Asset {
            path: $path,
            content_type: $ct,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $file)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the app; `/` is `index.html`.
pub const ASSETS: &[Asset] = &[
    asset!("/", "index.html", "text/html; charset=utf-8"),
    asset!("/app.css", "app.css", "text/css; charset=utf-8"),
    asset!("/js/main.js", "js/main.js", JS),
    asset!("/js/api.js", "js/api.js", JS),
    asset!("/js/i18n.js", "js/i18n.js", JS),
    asset!("/js/format.js", "js/format.js", JS),
    asset!("/js/offices.js", "js/offices.js", JS),
    asset!("/js/ticket.js", "js/ticket.js", JS),
    asset!("/js/alarm.js", "js/alarm.js", JS),
    asset!("/js/push.js", "js/push.js", JS),
    asset!("/js/best.js", "js/best.js", JS),
    asset!("/js/services.js", "js/services.js", JS),
    asset!("/sw.js", "sw.js", JS),
    asset!("/manifest.webmanifest", "manifest.webmanifest", "application/manifest+json"),
    asset!("/icons/icon.svg", "icons/icon.svg", "image/svg+xml"),
    asset!("/icons/icon-192.png", "icons/icon-192.png", "image/png"),
    asset!("/icons/icon-512.png", "icons/icon-512.png", "image/png"),
];

/// Placeholder in `sw.js` replaced by the shell's version (hash of every file).
const VERSION_MARK: &str = "%SHELL_VERSION%";

/// Only this origin: scripts, styles, images, the manifest, the worker and API calls.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The prepared responses: body with entity tag, and content type, by path.
static PREPARED: LazyLock<HashMap<&'static str, (Cached, &'static str)>> = LazyLock::new(|| {
    let version = shell_version();
    ASSETS
        .iter()
        .map(|a| {
            let body = if a.path == "/sw.js" {
                String::from_utf8_lossy(a.body).replace(VERSION_MARK, &version).into_bytes()
            } else {
                a.body.to_vec()
            };
            (a.path, (Cached::from_bytes(body), a.content_type))
        })
        .collect()
});

/// The first 16 hex digits of the SHA-256 over every file (paths and bodies).
pub fn shell_version() -> String {
    let mut all = Vec::new();
    for a in ASSETS {
        all.extend_from_slice(a.path.as_bytes());
        all.push(0);
        all.extend_from_slice(a.body);
    }
    crate::export::sha256_hex(&all)[..16].to_string()
}

/// The router's fallback: a file of the app for GET and HEAD, else 404 (or 405) as a
/// problem document, as for any unknown route.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let Some((cached, content_type)) = PREPARED.get(uri.path()) else {
        return ApiError::NotFound("no such resource".into()).into_response();
    };
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let mut r = cached.respond(&headers, &HeaderValue::from_static("no-cache"));
    let ok = r.status().is_success();
    let h = r.headers_mut();
    if ok {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if content_type.starts_with("text/html") {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    r
}

/// Bytes of every file of the app as served (the page weight without data).
pub fn total_bytes() -> usize {
    PREPARED.values().map(|(c, _)| c.body.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(path: &str, headers: HeaderMap) -> Response {
        fallback(Method::GET, path.parse().unwrap(), headers).await
    }

    #[tokio::test]
    async fn every_file_is_served_with_its_type_and_revalidates_with_its_tag() {
        for a in ASSETS {
            let r = get(a.path, HeaderMap::new()).await;
            assert_eq!(r.status(), StatusCode::OK, "{}", a.path);
            assert_eq!(r.headers()[header::CONTENT_TYPE], a.content_type, "{}", a.path);
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, r.headers()[header::ETAG].clone());
            assert_eq!(get(a.path, h).await.status(), StatusCode::NOT_MODIFIED, "{}", a.path);
        }
        let html = get("/", HeaderMap::new()).await;
        assert!(
            html.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'none'")
        );
        assert_eq!(get("/nope.js", HeaderMap::new()).await.status(), StatusCode::NOT_FOUND);
        let post = fallback(Method::POST, "/".parse().unwrap(), HeaderMap::new()).await;
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[tokio::test]
    async fn the_worker_names_its_cache_after_the_shell_version() {
        let r = get("/sw.js", HeaderMap::new()).await;
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains(VERSION_MARK));
        assert!(text.contains(&shell_version()));
        assert_eq!(shell_version().len(), 16);
    }

    #[test]
    fn every_file_in_web_is_listed_and_the_shell_stays_small() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap().map(Result::unwrap) {
                if e.file_type().unwrap().is_dir() {
                    dirs.push(e.path());
                } else {
                    let rel = e.path().strip_prefix(&root).unwrap().display().to_string();
                    files.push(if rel == "index.html" { "/".to_string() } else { format!("/{rel}") });
                }
            }
        }
        files.sort();
        let mut listed: Vec<String> = ASSETS.iter().map(|a| a.path.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed);
        // The budget: under 200 KB without data.
        assert!(total_bytes() < 200_000, "{} bytes", total_bytes());
    }
}
