//! The overview page: key figures of every office side by side, tickets per week and the
//! share called within 15 minutes per weekday compared across offices, then the sections
//! that concern all offices at once (model, staffing check and what-if, data quality).

use chrono::Datelike;

use crate::report::ReportError;
use crate::report::charts::bars::{BarFigure, BarGroup, Target};
use crate::report::charts::frame::{LegendItem, Mark};
use crate::report::charts::lines::{LineFigure, LineStyle, Panel, Series, Unit, XAxis, YAxis};
use crate::report::charts::style::category;
use crate::report::doc::{Page, Section, Table};
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;
use crate::report::sections::forecast::method_name;
use crate::report::sections::trends::weeks;
use crate::report::sections::{OVERVIEW, date_ticks, extreme, model, quality, staffing, weighted_mean};

pub fn page(data: &ExportData, lang: Lang) -> Result<Page, ReportError> {
    let mut s = Section::new("comparison", lang.pick("Die Ämter im Vergleich", "The offices compared"));
    s.table(key_figures(data, lang));
    weekly(&mut s, data, lang)?;
    weekday_share(&mut s, data, lang)?;
    let sections = vec![
        s,
        model::overview_section(data, OVERVIEW, lang)?,
        staffing::overview_section(data, OVERVIEW, lang)?,
        quality::overview_section(data, OVERVIEW, lang)?,
    ];
    Ok(Page { id: OVERVIEW.into(), title: lang.pick("Übersicht", "Overview").into(), sections })
}

/// One row per office: tickets, days, mean wait, share within 15 minutes, forecast.
fn key_figures(data: &ExportData, lang: Lang) -> Table {
    let mut t = Table::new(vec![
        lang.pick("Amt", "Office").into(),
        lang.pick("Tickets", "Tickets").into(),
        lang.pick("Öffnungstage", "Open days").into(),
        lang.pick("mittlere Wartezeit", "Mean wait").into(),
        lang.pick("≤ 15 min", "≤ 15 min").into(),
        lang.pick("Prognose 28 Tage", "Forecast 28 days").into(),
        lang.pick("Methode", "Method").into(),
    ]);
    for office in &data.offices {
        let days: Vec<_> = data.daily.iter().filter(|d| d.office_id == *office && !d.suppressed).collect();
        let tickets: f64 = data
            .monthly
            .iter()
            .filter(|r| r.office_id == *office && r.service == "*")
            .filter_map(|r| r.tickets)
            .sum();
        let wait = weighted_mean(days.iter().map(|d| (d.wait_mean_min, d.called())));
        let within = weighted_mean(days.iter().map(|d| (d.service_level, d.called())));
        let doc = data.office_docs.get(office);
        let ahead: f64 = doc.map_or(0.0, |d| d.days.iter().filter_map(|d| d.expected_tickets).sum());
        t.rows.push(vec![
            office.clone(),
            lang.int(tickets),
            days.len().to_string(),
            wait.map_or("–".into(), |w| lang.min(w)),
            within.map_or("–".into(), |w| lang.pct(w, 1)),
            lang.int(ahead),
            doc.and_then(|d| d.forecast.method.as_deref()).map_or("–".into(), |m| method_name(m, lang)),
        ]);
    }
    t
}

/// Tickets per calendar week, one line per office.
fn weekly(s: &mut Section, data: &ExportData, lang: Lang) -> Result<(), ReportError> {
    let all: Vec<_> = data.offices.iter().map(|o| weeks(data, o)).collect();
    let Some(first) = all.iter().filter_map(|w| w.first().map(|k| k.monday)).min() else { return Ok(()) };
    let last = all.iter().filter_map(|w| w.last().map(|k| k.monday)).max().unwrap_or(first);
    let span = (last - first).num_days() + 7;
    let mut p = Panel::new(YAxis::new(lang.pick("Tickets je Woche", "Tickets per week"), Unit::Number));
    let mut legend = Vec::new();
    let mut means = Vec::new();
    for (i, (office, w)) in data.offices.iter().zip(&all).enumerate() {
        let pts = w.iter().map(|k| ((k.monday - first).num_days() as f64 + 3.5, k.tickets)).collect();
        p.series.push(Series::new(category(i), pts, LineStyle::Solid));
        legend.push(LegendItem::new(office.clone(), category(i), Mark::Line));
        if !w.is_empty() {
            means.push((i, w.iter().map(|k| k.tickets).sum::<f64>() / w.len() as f64));
        }
    }
    let title = lang.pick("Tickets je Kalenderwoche", "Tickets per calendar week");
    let fig = LineFigure {
        title: title.into(),
        lang,
        x: XAxis { range: (0.0, span as f64), ticks: date_ticks(first, span, lang), title: None },
        panels: vec![p],
        legend,
        panel_height: 220,
    };
    let aid = match (extreme(&means, true), extreme(&means, false)) {
        (Some((b, bv)), Some((q, qv))) => text!(
            lang,
            "Am meisten zu tun hat {} mit im Schnitt {} Tickets je Woche, am wenigsten {} ({}).",
            "{} is busiest with {} tickets a week on average, {} the quietest ({}).",
            data.offices[b],
            lang.int(bv),
            data.offices[q],
            lang.int(qv)
        ),
        _ => String::new(),
    };
    s.chart(OVERVIEW, "weekly-offices", title, aid, &fig)
}

/// Share called within 15 minutes per weekday (over the called tickets of the office's days).
fn weekday_share(s: &mut Section, data: &ExportData, lang: Lang) -> Result<(), ReportError> {
    let weekdays: Vec<u32> = {
        let mut w: Vec<u32> =
            data.daily.iter().map(|d| d.local_date.weekday().number_from_monday()).collect();
        w.sort_unstable();
        w.dedup();
        w
    };
    let mut worst = Vec::new();
    let groups: Vec<BarGroup> = data
        .offices
        .iter()
        .enumerate()
        .map(|(i, office)| {
            let values: Vec<Option<f64>> = weekdays
                .iter()
                .map(|w| {
                    let days = data.daily.iter().filter(|d| {
                        d.office_id == *office
                            && !d.suppressed
                            && d.local_date.weekday().number_from_monday() == *w
                    });
                    weighted_mean(days.map(|d| (d.service_level, d.called())))
                })
                .collect();
            for (w, v) in weekdays.iter().zip(&values) {
                if let Some(v) = v {
                    worst.push(((i, *w), *v));
                }
            }
            BarGroup {
                name: office.clone(),
                color: category(i),
                labels: values
                    .iter()
                    .map(|v| v.map_or(lang.pick("geschlossen", "closed").into(), |v| lang.pct(v, 0)))
                    .collect(),
                values,
            }
        })
        .collect();
    let title = lang.pick(
        "Anteil innerhalb von 15 Minuten aufgerufen, nach Wochentag",
        "Share called within 15 minutes, by weekday",
    );
    let fig = BarFigure {
        title: title.into(),
        lang,
        categories: weekdays.iter().map(|w| lang.weekday(*w).to_string()).collect(),
        groups,
        axis_title: lang.pick("Anteil der aufgerufenen Tickets", "Share of called tickets").into(),
        unit: Unit::Share,
        target: Some(Target { x: 0.8, label: lang.pick("Ziel 80 %", "target 80%").into() }),
    };
    let aid = match extreme(&worst, false) {
        Some(((i, w), v)) => text!(
            lang,
            "Am schlechtesten steht {} {} da: nur {} der Aufgerufenen kamen innerhalb von 15 Minuten dran (Ziel 80 %).",
            "{} does worst {}: only {} of those called waited 15 minutes or less (target 80%).",
            data.offices[i],
            lang.on_weekdays(w),
            lang.pct(v, 0)
        ),
        None => String::new(),
    };
    s.chart(OVERVIEW, "within15-weekdays", title, aid, &fig)
}
