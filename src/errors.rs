//! An error with its causes as one line, the way the command line prints it: each cause once,
//! joined by `: `, line breaks inside a message (TOML's snippets) folded into spaces.

use std::error::Error;

/// `err` and every `source()` below it, one line.
pub fn chain(err: &(dyn Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        let line: Vec<&str> = text.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect();
        parts.push(line.join(" "));
        next = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open {path}")]
    struct Open {
        path: String,
        source: std::io::Error,
    }

    #[test]
    fn each_cause_once_on_one_line() {
        let e = Open { path: "x.csv".into(), source: std::io::Error::other("gone\n  for good") };
        assert_eq!(chain(&e), "cannot open x.csv: gone for good");
    }
}
