//! Helpers for the vendor-import tests: the store read back as canonical text rows, the
//! quarantine file as (line, reason, field, raw), and the shipped example mappings.

#![allow(dead_code)]

use std::path::Path;

use queuecast::ingest::split::split_line;
use queuecast::store::Store;
use queuecast::timezones::DEFAULT_TZ;

/// Absolute path of a shipped example mapping in `data/mappings/`.
pub fn mapping(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mappings").join(name).display().to_string()
}

/// Every stored ticket as its canonical CSV line plus `|service_count`, sorted.
pub fn stored_rows(store_dir: &Path) -> Vec<String> {
    let store = Store::open(store_dir, DEFAULT_TZ).expect("open store");
    let mut rows: Vec<String> = store
        .partitions()
        .expect("partitions")
        .iter()
        .flat_map(|k| store.read_partition(k).expect("read partition"))
        .map(|t| format!("{}|{}", t.to_fields(DEFAULT_TZ).join(","), t.service_count))
        .collect();
    rows.sort();
    rows
}

/// Sorted copy of expected rows, for comparing with [`stored_rows`].
pub fn sorted(rows: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = rows.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// One row of a quarantine file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    pub line: u64,
    pub reason: String,
    pub field: String,
    pub message: String,
    pub raw: String,
}

/// The single quarantine file of a store, as rows in file order.
pub fn quarantine(store_dir: &Path) -> Vec<Quarantined> {
    let dir = store_dir.join("quarantine");
    let files: Vec<_> = std::fs::read_dir(&dir).expect("quarantine dir").map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one quarantine file: {files:?}");
    let text = std::fs::read_to_string(&files[0]).expect("quarantine is UTF-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("source_file,line,reason,field,message,raw"));
    lines
        .map(|l| {
            let mut f = Vec::new();
            split_line(l, b',', &mut f).expect("quarantine row is valid CSV");
            assert_eq!(f.len(), 6, "{l}");
            Quarantined {
                line: f[1].parse().expect("line number"),
                reason: f[2].to_string(),
                field: f[3].to_string(),
                message: f[4].to_string(),
                raw: f[5].to_string(),
            }
        })
        .collect()
}

/// `(line, reason)` of each quarantined row, in file order.
pub fn reasons(store_dir: &Path) -> Vec<(u64, String)> {
    quarantine(store_dir).into_iter().map(|q| (q.line, q.reason)).collect()
}

/// Checks `read = stored + duplicates + quarantined` in an ingest summary; returns the four counts.
pub fn balanced(stdout: &str) -> [u64; 4] {
    let c = |label| crate::util::count(stdout, label);
    let counts = [c("rows read"), c("stored"), c("duplicates"), c("quarantined")];
    assert_eq!(
        counts[0],
        counts[1] + counts[2] + counts[3],
        "read = stored + duplicates + quarantined:\n{stdout}"
    );
    counts
}
