//! Section 7: data quality — rows read, stored, duplicates and quarantined (by reason) per
//! ingested file, unknown service codes and catalog gaps (overview); per office the days
//! and cells behind its figures and what was withheld.

use crate::report::ReportError;
use crate::report::charts::bars::{BarFigure, BarGroup};
use crate::report::charts::lines::Unit;
use crate::report::charts::style::category;
use crate::report::doc::{Section, Table};
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;

fn title(lang: Lang) -> String {
    lang.pick("7 Datenqualität", "7 Data quality").into()
}

pub fn overview_section(data: &ExportData, page: &str, lang: Lang) -> Result<Section, ReportError> {
    let mut s = Section::new("quality", title(lang));
    match &data.quality {
        None => s.text(lang.pick(
            "Diese Exportgeneration enthält keine Importzahlen (sie wurde vor dem Bericht erstellt).",
            "This export generation holds no ingest figures (it was made before the report existed).",
        )),
        Some(q) => {
            let t = &q.totals;
            let adds_up = t.rows_read == t.stored + t.duplicates + t.quarantined;
            let share = if t.rows_read > 0 { t.quarantined as f64 / t.rows_read as f64 } else { 0.0 };
            let check = match adds_up {
                true => "",
                false => lang.pick(
                    " — die Summe geht nicht auf, bitte den Import prüfen",
                    " — the counts do not add up, check the ingest",
                ),
            };
            s.text(text!(
                lang,
                "Gelesen {} Zeilen: {} gespeichert, {} doppelt, {} in Quarantäne ({}){}.",
                "Read {} rows: {} stored, {} duplicates, {} quarantined ({}){}.",
                lang.int(t.rows_read as f64),
                lang.int(t.stored as f64),
                lang.int(t.duplicates as f64),
                lang.int(t.quarantined as f64),
                lang.pct(share, 2),
                check
            ));
            let mut files = Table::new(vec![
                lang.pick("Datei", "File").into(),
                lang.pick("gelesen", "read").into(),
                lang.pick("gespeichert", "stored").into(),
                lang.pick("doppelt", "duplicates").into(),
                lang.pick("Quarantäne", "quarantined").into(),
                lang.pick("Amtstage", "office-days").into(),
            ]);
            for f in &q.files {
                let n = |x: u64| lang.int(x as f64);
                files.rows.push(vec![
                    f.file.clone(),
                    n(f.counts.rows_read),
                    n(f.counts.stored),
                    n(f.counts.duplicates),
                    n(f.counts.quarantined),
                    n(f.office_days),
                ]);
            }
            s.table(files);
            if q.quarantine_by_reason.is_empty() {
                s.text(lang.pick("Keine Zeile ist in Quarantäne.", "No row is in quarantine."));
            } else {
                let mut reasons = q.quarantine_by_reason.clone();
                reasons.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.reason.cmp(&b.reason)));
                let title = lang.pick("Zeilen in Quarantäne nach Grund", "Quarantined rows by reason");
                let fig = BarFigure {
                    title: title.into(),
                    lang,
                    categories: reasons.iter().map(|r| r.reason.clone()).collect(),
                    groups: vec![BarGroup {
                        name: title.into(),
                        color: category(1),
                        values: reasons.iter().map(|r| Some(r.rows as f64)).collect(),
                        labels: reasons.iter().map(|r| lang.int(r.rows as f64)).collect(),
                    }],
                    axis_title: lang.pick("Zeilen", "Rows").into(),
                    unit: Unit::Number,
                    target: None,
                };
                let top = &reasons[0];
                let aid = text!(
                    lang,
                    "Häufigster Grund ist {} mit {} von {} Zeilen in Quarantäne; die Zeilen stehen mit Zeilennummer und Grund im Quarantäne-Ordner des Speichers.",
                    "The most frequent reason is {} with {} of {} quarantined rows; the rows are in the store's quarantine folder with line number and reason.",
                    top.reason,
                    lang.int(top.rows as f64),
                    lang.int(t.quarantined as f64)
                );
                s.chart(page, "quality-quarantine", title, aid, &fig)?;
            }
            if q.unknown_services.is_empty() {
                s.text(lang.pick("Keine unbekannten Dienstkürzel.", "No unknown service codes."));
            } else {
                let list: Vec<String> = q
                    .unknown_services
                    .iter()
                    .map(|c| format!("{} ({})", c.code, lang.int(c.rows as f64)))
                    .collect();
                s.text(text!(
                    lang,
                    "Unbekannte Dienstkürzel (Zeilen in Quarantäne): {}.",
                    "Unknown service codes (quarantined rows): {}.",
                    list.join(", ")
                ));
            }
        }
    }
    let c = &data.report.catalog;
    let none = lang.pick("keine", "none");
    let list = |v: &[String]| if v.is_empty() { none.to_string() } else { v.join(", ") };
    s.text(text!(
        lang,
        "Dienstkatalog: {} Einträge; Kürzel im Speicher ohne Katalogeintrag: {}; Katalogeinträge ohne Tickets: {}.",
        "Service catalog: {} entries; codes in the store without a catalog entry: {}; catalog entries without tickets: {}.",
        c.services,
        list(&c.missing_services),
        list(&c.unseen_services)
    ));
    for w in &c.review_warnings {
        s.text(lang.pick(format!("Katalog-Hinweis: {w}"), format!("Catalog warning: {w}")));
    }
    Ok(s)
}

/// An office's data-quality section: days, tickets, withheld cells and days, opening hours.
pub fn office_section(data: &ExportData, office: &str, lang: Lang) -> Section {
    let mut s = Section::new("quality", title(lang));
    let days: Vec<_> = data.daily.iter().filter(|d| d.office_id == office).collect();
    let suppressed_days = days.iter().filter(|d| d.suppressed).count();
    let k = data.profile.min_cell_tickets;
    let tickets: f64 = data
        .monthly
        .iter()
        .filter(|r| r.office_id == office && r.service == "*")
        .filter_map(|r| r.tickets)
        .sum();
    let cells: Vec<_> = data.weekday_hour.iter().filter(|r| r.office_id == office).collect();
    let withheld = cells.iter().filter(|r| r.suppressed).count();
    let mut t = Table::new(vec![lang.pick("Kennzahl", "Figure").into(), lang.pick("Wert", "Value").into()]);
    let first = days.iter().map(|d| d.local_date).min();
    let last = days.iter().map(|d| d.local_date).max();
    let range = match (first, last) {
        (Some(a), Some(b)) => format!("{} – {}", lang.date(a), lang.date(b)),
        _ => "–".into(),
    };
    t.rows.push(vec![lang.pick("Zeitraum", "Period").into(), range]);
    t.rows.push(vec![
        lang.pick("Öffnungstage mit Tickets", "Open days with tickets").into(),
        days.len().to_string(),
    ]);
    t.rows.push(vec![lang.pick("Tickets", "Tickets").into(), lang.int(tickets)]);
    t.rows.push(vec![
        lang.pick(
            format!("ausgeblendete Tage (unter {k} Tickets)"),
            format!("withheld days (under {k} tickets)"),
        ),
        suppressed_days.to_string(),
    ]);
    t.rows.push(vec![
        lang.pick(
            "ausgeblendete Profilzellen (Wochentag × Stunde × Dienst)",
            "withheld profile cells (weekday × hour × service)",
        )
        .into(),
        format!("{} / {}", withheld, cells.len()),
    ]);
    if let Some(doc) = data.office_docs.get(office) {
        for o in &doc.opening_hours {
            let hours = if o.hours.is_empty() {
                lang.pick("geschlossen", "closed").to_string()
            } else {
                o.hours.join(", ")
            };
            t.rows.push(vec![
                text!(lang, "Öffnungszeit {}", "Opening hours {}", lang.weekday(u32::from(o.weekday))),
                hours,
            ]);
        }
    }
    s.text(lang.pick(
        "Import, Quarantäne und Katalog gelten für alle Ämter und stehen in der Übersicht. Die Öffnungszeiten sind aus den Ticketzeiten der letzten Wochen gelernt.",
        "Ingest, quarantine and catalog apply to all offices and are in the overview. The opening hours are learned from the ticket times of the last weeks.",
    ));
    s.table(t);
    s
}
