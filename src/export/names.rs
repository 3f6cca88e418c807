//! Which names a file inside a generation may have, and which a generation id may have.
//!
//! Names are relative `/`-separated paths of plain components, so a manifest can never point
//! outside its generation and no temp or hidden file is mistaken for a listed one.

use crate::export::{ExportError, MANIFEST, PARTIAL_SUFFIX};

const MAX_NAME_BYTES: usize = 255;

/// Checks a file name such as `offices/neuss-mitte.json`.
pub fn check_name(name: &str) -> Result<(), ExportError> {
    let bad = |reason| Err(ExportError::BadName { name: name.to_string(), reason });
    if name.is_empty() {
        return bad("empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return bad("longer than 255 bytes");
    }
    if name.starts_with('/') {
        return bad("absolute paths are not allowed");
    }
    if name == MANIFEST {
        return bad("manifest.json is written by the generation itself");
    }
    for part in name.split('/') {
        if part.is_empty() {
            return bad("empty path component ('//' or a trailing '/')");
        }
        if part == ".." || part == "." {
            return bad("'.' and '..' components are not allowed");
        }
        if part.starts_with('.') {
            return bad("hidden components (starting with '.') are not allowed");
        }
        if !part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
            return bad("only ASCII letters, digits, '-', '_', '.' and '/' are allowed");
        }
    }
    Ok(())
}

/// Checks a generation id such as `20261129T031500Z`.
pub fn check_id(id: &str) -> Result<(), ExportError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('.')
        && !id.ends_with(PARTIAL_SUFFIX)
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok { Ok(()) } else { Err(ExportError::BadId { id: id.to_string() }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_plain_names_pass() {
        for ok in ["services.json", "offices/neuss-mitte.json", "tables/slots_2026.parquet", "a/b/c.csv"] {
            check_name(ok).unwrap();
        }
    }

    #[test]
    fn escaping_hidden_and_odd_names_fail_with_a_reason() {
        let reason = |n: &str| match check_name(n) {
            Err(ExportError::BadName { reason, .. }) => reason,
            other => panic!("{n}: {other:?}"),
        };
        assert_eq!(reason("../x.json"), "'.' and '..' components are not allowed");
        assert_eq!(reason("a/../../b"), "'.' and '..' components are not allowed");
        assert_eq!(reason("/etc/passwd"), "absolute paths are not allowed");
        assert_eq!(reason("a//b"), "empty path component ('//' or a trailing '/')");
        assert_eq!(reason("dir/"), "empty path component ('//' or a trailing '/')");
        assert_eq!(reason(".x.tmp-1"), "hidden components (starting with '.') are not allowed");
        assert_eq!(reason("a\\b"), "only ASCII letters, digits, '-', '_', '.' and '/' are allowed");
        assert_eq!(reason("Büro.json"), "only ASCII letters, digits, '-', '_', '.' and '/' are allowed");
        assert_eq!(reason("manifest.json"), "manifest.json is written by the generation itself");
        assert_eq!(reason(""), "empty");
    }

    #[test]
    fn generation_ids() {
        check_id("20261129T031500Z").unwrap();
        check_id("g-1.2_x").unwrap();
        for bad in ["", ".hidden", "a/b", "x.partial", &"x".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }
}
