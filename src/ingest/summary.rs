//! What an ingest did, per file: the counts behind `read = stored + duplicates + quarantined`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::ingest::reason::{Reason, Rejection};

/// How many unknown service names the report lists before it sums up the rest.
const UNKNOWN_SHOWN: usize = 20;

/// The report of one input file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileReport {
    pub file: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    pub rows_read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    /// Quarantined rows per reason, indexed like [`Reason::ALL`].
    pub by_reason: Vec<u64>,
    /// Unknown service names (or codes) and how many rows named each, to fix the mapping with.
    pub unknown_services: BTreeMap<String, u64>,
    pub office_days_written: u64,
    pub office_days_replaced: u64,
    pub offices: Vec<String>,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    pub quarantine_file: Option<PathBuf>,
}

impl FileReport {
    pub fn new(file: PathBuf) -> FileReport {
        FileReport { file, by_reason: vec![0; Reason::ALL.len()], ..Default::default() }
    }

    pub fn count(&mut self, reason: Reason) {
        self.quarantined += 1;
        self.by_reason[reason.index()] += 1;
    }

    /// Counts a quarantined row, remembering an unknown service name for the summary.
    pub fn count_rejection(&mut self, rejection: &Rejection) {
        self.count(rejection.reason);
        if let (Reason::UnknownService, Some(name)) = (rejection.reason, &rejection.value) {
            *self.unknown_services.entry(name.clone()).or_default() += 1;
        }
    }

    /// Unknown service names, most frequent first (then by name).
    pub fn unknown_services_by_count(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.unknown_services.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }

    pub fn reason_count(&self, reason: Reason) -> u64 {
        self.by_reason[reason.index()]
    }

    /// Share of read rows that went to quarantine (0 for an empty file).
    pub fn quarantine_share(&self) -> f64 {
        if self.rows_read == 0 { 0.0 } else { self.quarantined as f64 / self.rows_read as f64 }
    }

    /// The accounting invariant every ingest keeps.
    pub fn balanced(&self) -> bool {
        self.rows_read == self.stored + self.duplicates + self.quarantined
    }
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "ingested {}", self.file.display())?;
        writeln!(f, "  rows read     {:>10}", self.rows_read)?;
        writeln!(f, "  stored        {:>10}", self.stored)?;
        writeln!(f, "  duplicates    {:>10}", self.duplicates)?;
        writeln!(f, "  quarantined   {:>10}  ({:.2} %)", self.quarantined, 100.0 * self.quarantine_share())?;
        for reason in Reason::ALL {
            let n = self.reason_count(reason);
            if n > 0 {
                writeln!(f, "    {:<24}{:>8}", reason.code(), n)?;
            }
        }
        if !self.unknown_services.is_empty() {
            writeln!(
                f,
                "  unknown services (map them in the mapping file's [services], or configure the code):"
            )?;
            let names = self.unknown_services_by_count();
            for (name, n) in names.iter().take(UNKNOWN_SHOWN) {
                writeln!(f, "    {:<32}{:>8}", format!("'{name}'"), n)?;
            }
            if names.len() > UNKNOWN_SHOWN {
                let rest: u64 = names[UNKNOWN_SHOWN..].iter().map(|(_, n)| n).sum();
                writeln!(f, "    … {} more names in {rest} rows", names.len() - UNKNOWN_SHOWN)?;
            }
        }
        if let (Some(a), Some(b)) = (self.first_day, self.last_day) {
            writeln!(
                f,
                "  office-days   {:>10}  written ({} replaced), offices {}, {a} … {b}",
                self.office_days_written,
                self.office_days_replaced,
                self.offices.join(", ")
            )?;
        }
        if let Some(q) = &self.quarantine_file {
            writeln!(f, "  quarantine    {}", q.display())?;
        }
        Ok(())
    }
}

/// The report of one `ingest` run.
#[derive(Debug, Clone, Default)]
pub struct IngestReport {
    pub files: Vec<FileReport>,
    /// The configured quarantine threshold (share).
    pub threshold: f64,
}

impl IngestReport {
    /// Files whose quarantine share exceeds the threshold.
    pub fn over_threshold(&self) -> Vec<&FileReport> {
        self.files.iter().filter(|f| f.quarantine_share() > self.threshold).collect()
    }
}

impl fmt::Display for IngestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            write!(f, "{file}")?;
        }
        if self.files.len() > 1 {
            let sum = |g: fn(&FileReport) -> u64| self.files.iter().map(g).sum::<u64>();
            writeln!(
                f,
                "total: {} read = {} stored + {} duplicates + {} quarantined",
                sum(|r| r.rows_read),
                sum(|r| r.stored),
                sum(|r| r.duplicates),
                sum(|r| r.quarantined)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_service_names_are_listed_with_counts() {
        let mut r = FileReport::new("x.csv".into());
        let unknown = |name: &str| Rejection::row(Reason::UnknownService, "unknown").with_value(name);
        for name in ["Gewerbe", "Angeln", "Gewerbe"] {
            r.count_rejection(&unknown(name));
        }
        r.count_rejection(&Rejection::row(Reason::BlankLine, "blank"));
        assert_eq!(r.quarantined, 4);
        assert_eq!(r.unknown_services_by_count(), [("Gewerbe", 2), ("Angeln", 1)]);
        let text = r.to_string();
        let listed = text.lines().skip_while(|l| !l.contains("unknown services")).nth(1).unwrap();
        assert_eq!(listed.split_whitespace().collect::<Vec<_>>(), ["'Gewerbe'", "2"]);
    }
}
