//! Section 1: heatmaps weekday × hour of tickets per open day, median wait and the share
//! called within 15 minutes, from the public weekday × hour profile (all services).

use std::collections::BTreeMap;

use crate::report::ReportError;
use crate::report::charts::frame::nice_ticks;
use crate::report::charts::heatmap::{Cell, Heatmap};
use crate::report::charts::style::Scale;
use crate::report::doc::Section;
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;
use crate::report::load::rows::WeekdayHourRow;
use crate::report::sections::{cap, extreme};

/// The all-services cells of one office by (weekday, hour).
pub fn cells<'a>(data: &'a ExportData, office: &str) -> BTreeMap<(u32, u32), &'a WeekdayHourRow> {
    data.weekday_hour
        .iter()
        .filter(|r| r.office_id == office && r.service == "*")
        .map(|r| ((r.weekday, r.hour), r))
        .collect()
}

/// One metric of the grid.
struct Metric {
    kind: &'static str,
    title: String,
    legend: String,
    value: fn(&WeekdayHourRow) -> Option<f64>,
}

pub fn section(data: &ExportData, office: &str, page: &str, lang: Lang) -> Result<Section, ReportError> {
    let mut s = Section::new(
        "heatmaps",
        lang.pick("1 Auslastung nach Wochentag und Stunde", "1 Load by weekday and hour"),
    );
    let grid = cells(data, office);
    if grid.is_empty() {
        s.text(lang.pick(
            "Für dieses Amt enthält das Profil keine Zellen.",
            "The profile holds no cells for this office.",
        ));
        return Ok(s);
    }
    let weekdays: Vec<u32> = {
        let mut w: Vec<u32> = grid.keys().map(|k| k.0).collect();
        w.dedup();
        w
    };
    let k = data.profile.min_cell_tickets;
    let hours = (grid.keys().map(|k| k.1).min().unwrap_or(0), grid.keys().map(|k| k.1).max().unwrap_or(0));
    let metrics = [
        Metric {
            kind: "heatmap-tickets",
            title: lang.pick("Tickets je Öffnungstag", "Tickets per open day").into(),
            legend: lang.pick("Tickets je Tag", "Tickets per day").into(),
            value: |r| r.tickets_per_open_day,
        },
        Metric {
            kind: "heatmap-wait",
            title: lang.pick("Median der Wartezeit (Minuten)", "Median wait (minutes)").into(),
            legend: lang.pick("Minuten", "Minutes").into(),
            value: |r| r.wait_median_min,
        },
        Metric {
            kind: "heatmap-within15",
            title: lang
                .pick("Anteil innerhalb von 15 Minuten aufgerufen", "Share called within 15 minutes")
                .into(),
            legend: lang.pick("Anteil", "Share").into(),
            value: |r| r.service_level,
        },
    ];
    for m in metrics {
        let values: Vec<f64> = grid.values().filter(|r| !r.suppressed).filter_map(|r| (m.value)(r)).collect();
        let max = values.iter().copied().fold(0.0f64, f64::max);
        let share = m.kind == "heatmap-within15";
        let (scale, ticks) = if share {
            (
                Scale::Sequential { lo: 0.0, hi: 1.0 },
                [0.0, 0.25, 0.5, 0.75, 1.0].map(|t| (t, lang.pct(t, 0))).to_vec(),
            )
        } else {
            let ((lo, hi), t) = nice_ticks(0.0, max.max(1.0), 4);
            (Scale::Sequential { lo, hi }, t.into_iter().map(|t| (t, lang.num(t, 0))).collect())
        };
        let decimals = usize::from(max < 10.0);
        let label = |v: f64| if share { lang.pct(v, 0) } else { lang.num(v, decimals) };
        let cells: Vec<Vec<Cell>> = weekdays
            .iter()
            .map(|w| {
                (hours.0..=hours.1)
                    .map(|h| match grid.get(&(*w, h)) {
                        None => Cell::Closed,
                        Some(r) if r.suppressed => Cell::Suppressed,
                        Some(r) => (m.value)(r).map_or(Cell::Closed, |v| Cell::Value { v, label: label(v) }),
                    })
                    .collect()
            })
            .collect();
        let fig = Heatmap {
            title: m.title.clone(),
            rows: weekdays.iter().map(|w| lang.weekday(*w).to_string()).collect(),
            cols: (hours.0..=hours.1).map(|h| h.to_string()).collect(),
            col_title: lang.pick("Stunde (Beginn), Ortszeit", "Hour (start), local time").into(),
            cells,
            scale,
            scale_ticks: ticks,
            legend_title: m.legend.clone(),
            closed_label: lang.pick("geschlossen", "closed").into(),
            suppressed_label: lang
                .pick(format!("unter {k} Tickets: ausgeblendet"), format!("under {k} tickets: withheld")),
        };
        let aid = aid(m.kind, &grid, m.value, lang);
        s.chart(page, m.kind, &m.title, aid, &fig)?;
    }
    Ok(s)
}

/// The reading aid of one heatmap, from its extreme cells (first in weekday-hour order on ties).
fn aid(
    kind: &str,
    grid: &BTreeMap<(u32, u32), &WeekdayHourRow>,
    value: fn(&WeekdayHourRow) -> Option<f64>,
    lang: Lang,
) -> String {
    let vals: Vec<((u32, u32), f64)> =
        grid.iter().filter(|(_, r)| !r.suppressed).filter_map(|(k, r)| value(r).map(|v| (*k, v))).collect();
    let (Some((hi_k, hi)), Some((lo_k, lo))) = (extreme(&vals, true), extreme(&vals, false)) else {
        return lang.pick("Alle Zellen sind ausgeblendet.", "Every cell is withheld.").into();
    };
    let when = |k: (u32, u32)| format!("{} {}", lang.on_weekdays(k.0), lang.hour_span(k.1));
    match kind {
        "heatmap-tickets" => text!(
            lang,
            "Am meisten los ist {} mit {} Tickets je Öffnungstag, am wenigsten {} ({}).",
            "The busiest hour is {} with {} tickets per open day, the quietest {} ({}).",
            when(hi_k),
            lang.num(hi, 1),
            when(lo_k),
            lang.num(lo, 1)
        ),
        "heatmap-wait" => text!(
            lang,
            "Am längsten warten die Kunden {} (Median {}), am kürzesten {} ({}).",
            "Waits are longest {} (median {}) and shortest {} ({}).",
            when(hi_k),
            lang.min(hi),
            when(lo_k),
            lang.min(lo)
        ),
        _ => {
            let under = vals.iter().filter(|(_, v)| *v < 0.5).count();
            if under > 0 {
                text!(
                    lang,
                    "{} warten die meisten länger als 15 Minuten: nur {} kommen innerhalb von 15 Minuten dran (in {} von {} Stunden wartet die Mehrheit länger).",
                    "{} most people wait longer than 15 minutes: only {} are called within 15 minutes (in {} of {} hours most wait longer).",
                    cap(&when(lo_k)),
                    lang.pct(lo, 0),
                    under,
                    vals.len()
                )
            } else {
                text!(
                    lang,
                    "In jeder Stunde kommt die Mehrheit innerhalb von 15 Minuten dran; am knappsten {} ({}).",
                    "In every hour most people are called within 15 minutes; least so {} ({}).",
                    when(lo_k),
                    lang.pct(lo, 0)
                )
            }
        }
    }
}
