//! The inbox: ticket files dropped by the office's export job (or the API's day logs), each
//! read with the format its name's rule says, ingested once by content, then moved to
//! `processed/`; a file that cannot be read at all goes to `failed/` with a reason file.

use std::fs;
use std::path::{Path, PathBuf};

pub use crate::settings::InboxRule;

/// Sub-folder of the inbox for files that were ingested.
pub const PROCESSED: &str = "processed";
/// Sub-folder of the inbox for files that could not be read, each with `<name>.reason.txt`.
pub const FAILED: &str = "failed";

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("inbox rule pattern '{pattern}': {source}")]
    Pattern { pattern: String, source: glob::PatternError },
    #[error("inbox {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// One file waiting in the inbox, with the rule that reads it (`None`: no rule matches).
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub path: PathBuf,
    pub rule: Option<usize>,
}

/// Rules with compiled patterns.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub dir: PathBuf,
    pub rules: Vec<InboxRule>,
    patterns: Vec<glob::Pattern>,
    ignored: Vec<glob::Pattern>,
}

impl Inbox {
    /// `ignore`: globs of names that are never read (notes and readmes beside the exports).
    pub fn new(dir: &Path, rules: Vec<InboxRule>, ignore: &[String]) -> Result<Inbox, InboxError> {
        let compile = |pattern: &String| {
            glob::Pattern::new(pattern)
                .map_err(|source| InboxError::Pattern { pattern: pattern.clone(), source })
        };
        let patterns = rules.iter().map(|r| compile(&r.pattern)).collect::<Result<_, _>>()?;
        let ignored = ignore.iter().map(compile).collect::<Result<_, _>>()?;
        Ok(Inbox { dir: dir.to_path_buf(), rules, patterns, ignored })
    }

    /// The index of the first rule matching `name`.
    pub fn rule_for(&self, name: &str) -> Option<usize> {
        self.patterns.iter().position(|p| p.matches(name))
    }

    /// Regular, non-hidden, not ignored files directly in the inbox, in name order (the order they are
    /// ingested in, so a later export of the same office-day wins the same way every run).
    /// A missing inbox is an empty one.
    pub fn pending(&self) -> Result<Vec<Pending>, InboxError> {
        if !self.dir.exists() {
            return Ok(Vec::new());
        }
        let io = |source| InboxError::Io { path: self.dir.clone(), source };
        let mut files = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let ignored = self.ignored.iter().any(|p| p.matches(&name));
            if name.starts_with('.') || ignored || !entry.file_type().map_err(io)?.is_file() {
                continue;
            }
            files.push(Pending { rule: self.rule_for(&name), path: entry.path() });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// Moves an ingested file to `processed/`; a file of that name already there is replaced.
    pub fn mark_processed(&self, file: &Path) -> Result<PathBuf, InboxError> {
        self.move_into(file, PROCESSED)
    }

    /// Moves an unreadable file to `failed/` with `<name>.reason.txt` beside it.
    pub fn mark_failed(&self, file: &Path, reason: &str) -> Result<PathBuf, InboxError> {
        let dest = self.move_into(file, FAILED)?;
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let note = dest.with_file_name(format!("{name}.reason.txt"));
        crate::output::atomic::write_atomic(&note, |w| {
            std::io::Write::write_all(w, format!("{reason}\n").as_bytes())
        })
        .map_err(|source| InboxError::Io { path: note.clone(), source })?;
        Ok(dest)
    }

    fn move_into(&self, file: &Path, folder: &str) -> Result<PathBuf, InboxError> {
        let dir = self.dir.join(folder);
        fs::create_dir_all(&dir).map_err(|source| InboxError::Io { path: dir.clone(), source })?;
        let dest = dir.join(file.file_name().unwrap_or(file.as_os_str()));
        fs::rename(file, &dest).map_err(|source| InboxError::Io { path: file.to_path_buf(), source })?;
        Ok(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_rules() -> Vec<InboxRule> {
        crate::settings::NightlySettings::default().rules
    }

    fn default_ignore() -> Vec<String> {
        crate::settings::NightlySettings::default().ignore
    }

    fn rule(pattern: &str, format: &str) -> InboxRule {
        InboxRule { pattern: pattern.into(), format: format.into(), mapping: None, keep: false }
    }

    #[test]
    fn first_matching_rule_wins_and_hidden_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        for name in
            ["zms-2025-03-31.csv", "b.csv", "a.csv.gz", ".partial.csv", "notes.txt", "README.md", "x.pdf"]
        {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        fs::create_dir(dir.path().join(PROCESSED)).unwrap();
        let mut rules = vec![rule("zms-*.csv", "zms")];
        rules.extend(default_rules());
        let inbox = Inbox::new(dir.path(), rules, &default_ignore()).unwrap();
        let got: Vec<(String, Option<usize>)> = inbox
            .pending()
            .unwrap()
            .into_iter()
            .map(|p| (p.path.file_name().unwrap().to_string_lossy().into_owned(), p.rule))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.csv.gz".into(), Some(2)),
                ("b.csv".into(), Some(1)),
                ("x.pdf".into(), None),
                ("zms-2025-03-31.csv".into(), Some(0)),
            ]
        );
    }

    #[test]
    fn processed_and_failed_files_leave_the_inbox() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = Inbox::new(dir.path(), default_rules(), &default_ignore()).unwrap();
        fs::write(dir.path().join("good.csv"), b"x").unwrap();
        fs::write(dir.path().join("bad.csv"), b"y").unwrap();
        inbox.mark_processed(&dir.path().join("good.csv")).unwrap();
        inbox.mark_failed(&dir.path().join("bad.csv"), "header lacks column office_id").unwrap();
        assert!(inbox.pending().unwrap().is_empty());
        assert!(dir.path().join("processed/good.csv").exists());
        let reason = fs::read_to_string(dir.path().join("failed/bad.csv.reason.txt")).unwrap();
        assert_eq!(reason, "header lacks column office_id\n");
    }

    #[test]
    fn a_bad_pattern_is_an_error_naming_it() {
        let err = Inbox::new(Path::new("x"), vec![rule("[", "canonical")], &[]).unwrap_err();
        assert!(err.to_string().contains("'['"), "{err}");
    }

    #[test]
    fn a_missing_inbox_is_empty() {
        let inbox = Inbox::new(Path::new("/nonexistent/inbox"), default_rules(), &default_ignore()).unwrap();
        assert!(inbox.pending().unwrap().is_empty());
    }
}
