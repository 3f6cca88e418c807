//! Rules a parsed catalog must meet before anyone relies on it.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Catalog, CatalogError, Service};

/// Longest plausible counter time for one service, minutes.
const MAX_DURATION_MINUTES: u32 = 480;

/// Checks every entry; the first problem is the error.
pub(super) fn check(catalog: &Catalog, path: &Path) -> Result<(), CatalogError> {
    if catalog.services.is_empty() {
        return Err(CatalogError::Parse { path: path.into(), message: "no [[service]] entries".into() });
    }
    let mut codes = BTreeSet::new();
    for s in &catalog.services {
        check_service(s, path)?;
        if !codes.insert(s.code.as_str()) {
            return Err(CatalogError::DuplicateCode { path: path.into(), code: s.code.clone() });
        }
    }
    Ok(())
}

fn check_service(s: &Service, path: &Path) -> Result<(), CatalogError> {
    let invalid = |field: String, value: &str, expected| CatalogError::Invalid {
        path: path.into(),
        entry: s.code.clone(),
        field,
        value: format!("{value:?}"),
        expected,
    };
    let code_ok = !s.code.is_empty()
        && s.code.len() <= 16
        && s.code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !code_ok {
        return Err(invalid("code".into(), &s.code, "1-16 letters, digits, '-' or '_'"));
    }
    for (field, value) in [("name", &s.name), ("description", &s.description)] {
        if value.trim().is_empty() {
            return Err(invalid(field.into(), value, "a non-empty text"));
        }
    }
    match (&s.leika, &s.leika_note) {
        (Some(key), _) if !is_leika(key) => return Err(invalid("leika".into(), key, "14 ASCII digits")),
        (None, None) => {
            return Err(invalid(
                "leika_note".into(),
                "",
                "a reason why no LeiKa key is given, when leika is absent",
            ));
        }
        (None, Some(note)) if note.trim().is_empty() => {
            return Err(invalid("leika_note".into(), note, "a reason why no LeiKa key is given"));
        }
        _ => {}
    }
    if s.documents.is_empty() {
        return Err(invalid("documents".into(), "[]", "at least one document"));
    }
    for (i, d) in s.documents.iter().enumerate() {
        if d.name.trim().is_empty() {
            return Err(invalid(format!("documents[{i}].name"), &d.name, "a non-empty text"));
        }
        if let Some(c) = d.condition.as_deref().filter(|c| c.trim().is_empty()) {
            return Err(invalid(format!("documents[{i}].condition"), c, "a condition text, or no key"));
        }
    }
    if s.fees.is_empty() {
        return Err(invalid("fees".into(), "[]", "at least one fee (a free service says eur = \"0.00\")"));
    }
    for (i, f) in s.fees.iter().enumerate() {
        let note_empty = f.note.as_deref().is_none_or(|n| n.trim().is_empty());
        if f.eur.is_none() && note_empty {
            return Err(invalid(format!("fees[{i}].note"), "", "a note saying why the amount is not given"));
        }
    }
    if s.duration_minutes == 0 || s.duration_minutes > MAX_DURATION_MINUTES {
        return Err(invalid("duration_minutes".into(), &s.duration_minutes.to_string(), "1 to 480 minutes"));
    }
    if let Some(online) = &s.online {
        if online.name.trim().is_empty() {
            return Err(invalid("online.name".into(), &online.name, "a non-empty text"));
        }
        if !is_https_url(&online.url) {
            return Err(invalid("online.url".into(), &online.url, "an https:// URL"));
        }
    }
    if !is_https_url(&s.source) {
        return Err(invalid("source".into(), &s.source, "an https:// URL"));
    }
    if let Some((i, n)) = s.notes.iter().enumerate().find(|(_, n)| n.trim().is_empty()) {
        return Err(invalid(format!("notes[{i}]"), n, "a non-empty text"));
    }
    Ok(())
}

/// LeiKa keys are 14 ASCII digits.
pub(super) fn is_leika(key: &str) -> bool {
    key.len() == 14 && key.bytes().all(|b| b.is_ascii_digit())
}

/// `https://` followed by a host, and no whitespace anywhere.
pub(super) fn is_https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.contains('.') && !host.starts_with('.') && !url.chars().any(char::is_whitespace)
}
