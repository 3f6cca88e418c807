//! The report's content: which charts, tables and sentences each section holds, computed
//! from the export's rows. One file per section; this file assembles the pages and holds
//! the helpers they share (axis ticks, sentence case, weighted means).

pub mod forecast;
pub mod heatmaps;
pub mod model;
pub mod overview;
pub mod profile;
pub mod quality;
pub mod staffing;
pub mod trends;

use chrono::{Datelike, NaiveDate};

use crate::report::ReportError;
use crate::report::doc::{Document, Page};
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;

/// Id of the overview page; office pages are `office-<id>`, so they never clash with it.
pub const OVERVIEW: &str = "overview";

/// The page id of an office.
pub fn office_page(office: &str) -> String {
    format!("office-{office}")
}

/// One office's page.
fn office(data: &ExportData, office: &str, lang: Lang) -> Result<Page, ReportError> {
    let id = office_page(office);
    let sections = vec![
        heatmaps::section(data, office, &id, lang)?,
        profile::section(data, office, &id, lang)?,
        trends::section(data, office, &id, lang)?,
        forecast::section(data, office, &id, lang)?,
        model::office_section(data, office, lang),
        staffing::section(data, office, &id, lang)?,
        quality::office_section(data, office, lang),
    ];
    let title = lang.pick(format!("Amt {office}"), format!("Office {office}"));
    Ok(Page { id, title, sections })
}

/// Builds the whole document. The pages are independent, so they are drawn on parallel
/// threads (one per available core) and put together in their fixed order.
pub fn build(data: &ExportData, lang: Lang) -> Result<Document, ReportError> {
    let m = &data.manifest;
    let jobs: Vec<Option<&str>> =
        std::iter::once(None).chain(data.offices.iter().map(|o| Some(o.as_str()))).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, jobs.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<Page, ReportError>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break mine };
                        let page = match job {
                            None => overview::page(data, lang),
                            Some(o) => office(data, o, lang),
                        };
                        mine.push((i, page));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    if done.len() != jobs.len() {
        return Err(ReportError::Panicked);
    }
    let pages = done.into_iter().map(|(_, p)| p).collect::<Result<Vec<Page>, ReportError>>()?;
    let created = m.created_at.get(..10).and_then(|d| d.parse::<NaiveDate>().ok());
    let meta = vec![
        text!(
            lang,
            "Daten vom {} bis {}; Profile und Trends über {} bis {}",
            "Data from {} to {}; profiles and trends over {} to {}",
            lang.date(m.source.from),
            lang.date(m.source.to),
            lang.date(data.profile.from),
            lang.date(data.profile.to)
        ),
        lang.pick(
            format!(
                "Exportgeneration {}{}; Ämter: {}",
                m.generation,
                created.map(|d| format!(" vom {}", lang.date(d))).unwrap_or_default(),
                data.offices.join(", ")
            ),
            format!(
                "Export generation {}{}; offices: {}",
                m.generation,
                created.map(|d| format!(" of {}", lang.date(d))).unwrap_or_default(),
                data.offices.join(", ")
            ),
        ),
    ];
    let footer = text!(
        lang,
        "Erstellt von queuecast {} aus der Exportgeneration {}. Alle Zahlen sind Summen oder Mittel über viele Besuche; Zellen mit weniger als {} Tickets sind ausgeblendet. Schrift der Diagramme: DejaVu Sans (Bitstream-Vera-Lizenz).",
        "Made by queuecast {} from export generation {}. Every figure is a sum or mean over many visits; cells of fewer than {} tickets are withheld. Chart font: DejaVu Sans (Bitstream Vera licence).",
        env!("CARGO_PKG_VERSION"),
        m.generation,
        data.profile.min_cell_tickets
    );
    Ok(Document {
        lang,
        title: lang
            .pick("Planungsbericht der Bürgerbüros", "Planners' report of the citizens' offices")
            .to_string(),
        meta,
        pages,
        footer,
    })
}

/// The sentence with its first letter upper case.
pub fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Hour ticks `lo..=hi` labelled with the hour.
pub fn hour_ticks(lo: u32, hi: u32) -> Vec<(f64, String)> {
    (lo..=hi).map(|h| (f64::from(h), h.to_string())).collect()
}

/// Ticks at the first day of each month between `first` and `first + days`, x = days since
/// `first`; labelled with the short month name (and the year at January and at the start).
pub fn month_ticks(first: NaiveDate, days: i64, lang: Lang) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    let mut d = NaiveDate::from_ymd_opt(first.year(), first.month(), 1).unwrap_or(first);
    while (d - first).num_days() <= days {
        let x = (d - first).num_days();
        if x >= 0 {
            let year = out.is_empty() || d.month() == 1;
            let label = if year {
                format!("{} {}", lang.month_short(d.month()), d.year())
            } else {
                lang.month_short(d.month()).to_string()
            };
            out.push((x as f64, label));
        }
        d = d.checked_add_months(chrono::Months::new(1)).unwrap_or(d + chrono::Days::new(31));
    }
    out
}

/// Date ticks for `days` days from `first`: each Monday for up to 15 weeks, else each month.
pub fn date_ticks(first: NaiveDate, days: i64, lang: Lang) -> Vec<(f64, String)> {
    if days <= 105 { monday_ticks(first, days, lang) } else { month_ticks(first, days, lang) }
}

/// Ticks at each Monday between `first` and `first + days` (x = days since `first`),
/// labelled `Mo 05.01.`.
pub fn monday_ticks(first: NaiveDate, days: i64, lang: Lang) -> Vec<(f64, String)> {
    (0..=days)
        .filter_map(|i| first.checked_add_days(chrono::Days::new(i as u64)).map(|d| (i, d)))
        .filter(|(_, d)| d.weekday() == chrono::Weekday::Mon)
        .map(|(i, d)| (i as f64, format!("{} {}", lang.weekday_short(1), lang.date_short(d))))
        .collect()
}

/// Σ value·weight / Σ weight over pairs where both are known; `None` without weight.
pub fn weighted_mean(pairs: impl Iterator<Item = (Option<f64>, Option<f64>)>) -> Option<f64> {
    let (mut sum, mut w) = (0.0, 0.0);
    for (v, wt) in pairs {
        if let (Some(v), Some(wt)) = (v, wt) {
            sum += v * wt;
            w += wt;
        }
    }
    (w > 0.0).then(|| sum / w)
}

/// The item with the largest (`max`) or smallest value; the first one on ties; NaN skipped.
pub fn extreme<T: Copy>(items: &[(T, f64)], max: bool) -> Option<(T, f64)> {
    let mut best: Option<(T, f64)> = None;
    for &(k, v) in items.iter().filter(|x| x.1.is_finite()) {
        let better = match best {
            None => true,
            Some((_, b)) => (max && v > b) || (!max && v < b),
        };
        if better {
            best = Some((k, v));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_and_helpers() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let t = month_ticks(d(2025, 11, 15), 60, Lang::De);
        assert_eq!(t, vec![(16.0, "Dez 2025".to_string()), (47.0, "Jan 2026".to_string())]);
        let m = monday_ticks(d(2025, 12, 31), 7, Lang::De);
        assert_eq!(m, vec![(5.0, "Mo 05.01.".to_string())]);
        assert_eq!(cap("montags"), "Montags");
        assert_eq!(
            weighted_mean([(Some(1.0), Some(1.0)), (Some(4.0), Some(3.0)), (None, Some(9.0))].into_iter()),
            Some(3.25)
        );
        assert_eq!(weighted_mean(std::iter::empty()), None);
        let items = [("a", 1.0), ("b", 3.0), ("c", 3.0), ("d", f64::NAN), ("e", 1.0)];
        assert_eq!(extreme(&items, true), Some(("b", 3.0)));
        assert_eq!(extreme(&items, false), Some(("a", 1.0)));
    }
}
