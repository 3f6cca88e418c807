//! The closing summary line of a run, and the state file that records the last run.

use std::path::Path;

use crate::nightly::{FileStatus, ModelOutcome, NightlyReport, Publication};
use crate::output::atomic::write_atomic;

/// The last run's report (JSON) in the state directory.
pub const STATE_FILE: &str = "last-run.json";

/// Writes the report as the state directory's `last-run.json`.
pub fn save_state(dir: &Path, report: &NightlyReport) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(report).map_err(std::io::Error::other)?;
    write_atomic(&dir.join(STATE_FILE), |w| std::io::Write::write_all(w, &json))
}

/// One line: files, rows, quarantined, model decision and MAE, generation, time per step, and
/// where to look next.
pub fn summary_line(r: &NightlyReport, export_dir: &Path) -> String {
    let (mut ingested, mut known, mut failed, mut rows, mut quarantined) = (0, 0, 0, 0, 0);
    for f in &r.files {
        match &f.status {
            FileStatus::Ingested { stored, quarantined: q, .. } => {
                ingested += 1;
                rows += stored;
                quarantined += q;
            }
            FileStatus::AlreadyIngested => known += 1,
            FileStatus::Failed { .. } => failed += 1,
            FileStatus::WouldIngest { .. } => ingested += 1,
        }
    }
    let verb = if r.dry_run { "would ingest" } else { "ingested" };
    let mut files = format!("{verb} {ingested} file(s) ({rows} rows stored, {quarantined} quarantined)");
    if known > 0 {
        files.push_str(&format!(", {known} already ingested"));
    }
    if failed > 0 {
        files.push_str(&format!(", {failed} unreadable (reasons in the log and in the inbox's failed/)"));
    }
    let model = match &r.model {
        ModelOutcome::Trained { mae_at_issue, .. } => {
            format!(
                "model trained (MAE at issue {})",
                mae_at_issue.map_or("n/a".into(), |m| format!("{m:.2} min"))
            )
        }
        ModelOutcome::Refused { refusal, .. } => format!("new model refused, old one kept ({refusal})"),
        ModelOutcome::Reused { recent_mae, .. } => format!(
            "model reused (MAE at issue since its window {})",
            recent_mae.map_or("not measured".into(), |m| format!("{m:.2} min"))
        ),
        ModelOutcome::WouldTrain { reason } => format!("would train ({reason})"),
    };
    let generation = match &r.publication {
        Publication::Published { generation, .. } => format!("generation {generation} published"),
        Publication::Unchanged { generation } => {
            format!("nothing new: generation {generation} stays current")
        }
        Publication::WouldPublish { .. } => "would publish a new generation".into(),
    };
    let times: Vec<String> = r.seconds.iter().map(|(s, t)| format!("{s} {t:.1} s")).collect();
    let current = export_dir.join("current");
    format!(
        "nightly: {files}; {model}; {generation}; took {}; next: {}/report/report.html, queuecast serve --exports {}",
        times.join(", "),
        current.display(),
        export_dir.display()
    )
}
