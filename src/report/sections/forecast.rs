//! Section 4: the arrival forecast — the next days per 15-minute slot with the p10–p90
//! band and closed days marked, the last weeks' forecast against what came, and the
//! backtest scores of the methods.

use chrono::{Datelike, NaiveDate};

use crate::export::office::OfficeDoc;
use crate::report::ReportError;
use crate::report::charts::frame::{LegendItem, Mark};
use crate::report::charts::lines::{
    Band, Bars, LineFigure, LineStyle, Panel, Series, Span, Unit, XAxis, YAxis,
};
use crate::report::charts::style::{BAND_ALPHA, CLOSED, category, over_white};
use crate::report::doc::{Section, Table};
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;
use crate::report::sections::{extreme, monday_ticks};
use crate::slots::SLOTS;

pub fn section(data: &ExportData, office: &str, page: &str, lang: Lang) -> Result<Section, ReportError> {
    let mut s = Section::new("forecast", lang.pick("4 Prognose der Ankünfte", "4 Arrival forecast"));
    match data.office_docs.get(office) {
        Some(doc) if !doc.days.is_empty() => ahead(&mut s, doc, page, lang)?,
        _ => s.text(lang.pick("Keine Prognose für dieses Amt.", "No forecast for this office.")),
    }
    let method =
        data.report.arrival_backtest.choices.iter().find(|c| c.office_id == office).map(|c| c.method.clone());
    match (&data.backtest_days, method) {
        (Some(days), Some(method)) => past(&mut s, days, office, &method, page, lang)?,
        _ => s.text(lang.pick(
            "Diese Exportgeneration enthält keine Tageswerte des Backtests (Prognose gegen Ist).",
            "This export generation holds no daily backtest values (forecast vs actual).",
        )),
    }
    scores(&mut s, data, office, lang);
    Ok(s)
}

/// Translates a method name.
pub fn method_name(method: &str, lang: Lang) -> String {
    match method {
        "model" => lang.pick("Kalendermodell", "calendar model").into(),
        "baseline" => lang.pick("Wochentagsmittel", "weekday baseline").into(),
        "seasonal_naive" => lang.pick("Vorwoche", "same day last week").into(),
        other => other.into(),
    }
}

/// The next days: expected tickets per slot with the p10–p90 band; closed days shaded.
fn ahead(s: &mut Section, doc: &OfficeDoc, page: &str, lang: Lang) -> Result<(), ReportError> {
    let origin = doc.forecast.origin;
    let n = doc.days.len() as i64;
    let (mut line, mut band, mut spans) = (Vec::new(), Vec::new(), Vec::new());
    for (i, day) in doc.days.iter().enumerate() {
        let x0 = i as f64;
        if !day.open {
            // Weekdays the office never opens are shaded without a label; holidays and closures are named.
            let label = day
                .closed_reason
                .as_deref()
                .filter(|r| *r != "weekday closed")
                .map(|r| lang.closed_reason(r));
            spans.push(Span { from: x0, to: x0 + 1.0, label });
            continue;
        }
        for sl in &day.slots {
            let x = x0 + (f64::from(sl.slot) + 0.5) / SLOTS as f64;
            line.push((x, sl.expected.unwrap_or(f64::NAN)));
            band.push((x, sl.p10.unwrap_or(f64::NAN), sl.p90.unwrap_or(f64::NAN)));
        }
        line.push((x0 + 1.0, f64::NAN));
        band.push((x0 + 1.0, f64::NAN, f64::NAN));
    }
    let daily_pts: Vec<(f64, f64)> = doc
        .days
        .iter()
        .enumerate()
        .filter(|(_, d)| d.open)
        .map(|(i, d)| (i as f64 + 0.5, d.expected_tickets.unwrap_or(0.0)))
        .collect();
    let mut daily = Panel::new(YAxis::new(lang.pick("Tickets je Tag", "Tickets per day"), Unit::Number));
    daily.label = Some(lang.pick("Erwartete Tickets je Tag", "Expected tickets per day").into());
    daily.spans = spans.clone();
    daily.bars.push(Bars { color: category(0), points: daily_pts, width: 0.7 });
    let mut p = Panel::new(YAxis::new(lang.pick("Tickets je 15 min", "Tickets per 15 min"), Unit::Number));
    p.label = Some(lang.pick("Je Viertelstunde mit p10–p90", "Per 15 minutes with p10–p90").into());
    p.spans = spans.iter().map(|s| Span { label: None, ..s.clone() }).collect();
    p.bands.push(Band { color: category(0), points: band });
    p.series.push(Series { width: 1, ..Series::new(category(0), line, LineStyle::Solid) });
    let title = text!(lang, "Prognose der Ankünfte ab {}", "Arrival forecast from {}", lang.date(origin));
    let fig = LineFigure {
        title: title.clone(),
        lang,
        x: XAxis { range: (0.0, n as f64), ticks: monday_ticks(origin, n, lang), title: None },
        panels: vec![daily, p],
        legend: vec![
            LegendItem::new(lang.pick("erwartet", "expected"), category(0), Mark::Line),
            LegendItem::new(
                lang.pick("p10–p90", "p10–p90"),
                over_white(category(0), BAND_ALPHA),
                Mark::Light,
            ),
            LegendItem::new(
                lang.pick(
                    "geschlossen (Feiertag, Schließtag, Wochenende)",
                    "closed (holiday, closure, weekend)",
                ),
                CLOSED,
                Mark::Light,
            ),
        ],
        panel_height: 170,
    };
    let open: Vec<(NaiveDate, f64)> =
        doc.days.iter().filter(|d| d.open).map(|d| (d.date, d.expected_tickets.unwrap_or(0.0))).collect();
    let total: f64 = open.iter().map(|d| d.1).sum();
    let named: Vec<String> = doc
        .days
        .iter()
        .filter_map(|d| {
            d.closed_reason
                .as_deref()
                .filter(|r| *r != "weekday closed")
                .map(|r| format!("{} ({})", lang.date(d.date), lang.closed_reason(r)))
        })
        .collect();
    let closed = if named.is_empty() {
        lang.pick("keine Feier- oder Schließtage", "no holidays or closures").to_string()
    } else {
        text!(lang, "geschlossen: {}", "closed: {}", named.join(", "))
    };
    let aid = match extreme(&open, true) {
        Some((d, v)) => lang.pick(
            format!(
                "In den {} Tagen ab {} werden {} Tickets erwartet, die meisten am {}, {} ({}); {}.",
                n,
                lang.date(origin),
                lang.int(total),
                lang.weekday(d.weekday().number_from_monday()),
                lang.date(d),
                lang.int(v),
                closed
            ),
            format!(
                "{} tickets are expected in the {} days from {}, most on {}, {} ({}); {}.",
                lang.int(total),
                n,
                lang.date(origin),
                lang.weekday(d.weekday().number_from_monday()),
                lang.date(d),
                lang.int(v),
                closed
            ),
        ),
        None => lang
            .pick(
                "Im Prognosezeitraum ist das Amt geschlossen.",
                "The office is closed throughout the forecast.",
            )
            .into(),
    };
    s.chart(page, "forecast-ahead", &title, aid, &fig)
}

/// The last weeks' forecast (7 days ahead, the office's method) against the actual tickets.
fn past(
    s: &mut Section,
    days: &[crate::report::load::rows::BacktestDayRow],
    office: &str,
    method: &str,
    page: &str,
    lang: Lang,
) -> Result<(), ReportError> {
    let h = 7;
    let rows: Vec<_> =
        days.iter().filter(|d| d.office_id == office && d.method == method && d.horizon_days == h).collect();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        s.text(lang.pick("Für dieses Amt gibt es keine Backtest-Tage.", "No backtest days for this office."));
        return Ok(());
    };
    let span = (last.date - first.date).num_days() + 1;
    let x = |d: NaiveDate| (d - first.date).num_days() as f64 + 0.5;
    let mut p = Panel::new(YAxis::new(lang.pick("Tickets je Tag", "Tickets per day"), Unit::Number));
    p.series.push(Series::new(
        category(6),
        rows.iter().map(|r| (x(r.date), r.actual.unwrap_or(f64::NAN))).collect(),
        LineStyle::SolidPoints,
    ));
    p.series.push(Series::new(
        category(1),
        rows.iter().map(|r| (x(r.date), r.expected.unwrap_or(f64::NAN))).collect(),
        LineStyle::Dashed,
    ));
    let title = lang.pick(
        "Prognose (7 Tage im Voraus) und tatsächliche Tickets",
        "Forecast (7 days ahead) and actual tickets",
    );
    let fig = LineFigure {
        title: title.into(),
        lang,
        x: XAxis { range: (0.0, span as f64), ticks: monday_ticks(first.date, span, lang), title: None },
        panels: vec![p],
        legend: vec![
            LegendItem::new(lang.pick("tatsächlich", "actual"), category(6), Mark::Line),
            LegendItem::new(
                text!(lang, "Prognose ({})", "forecast ({})", method_name(method, lang)),
                category(1),
                Mark::Dashed,
            ),
        ],
        panel_height: 200,
    };
    let pairs: Vec<(NaiveDate, f64, f64)> =
        rows.iter().filter_map(|r| Some((r.date, r.actual?, r.expected?))).collect();
    let actual: f64 = pairs.iter().map(|p| p.1).sum();
    let err: f64 = pairs.iter().map(|p| (p.1 - p.2).abs()).sum();
    let worst =
        extreme(&pairs.iter().map(|p| ((p.0, p.1 - p.2), (p.1 - p.2).abs())).collect::<Vec<_>>(), true);
    let aid = match worst {
        Some(((d, diff), _)) if actual > 0.0 => lang.pick(
            format!(
                "Vom {} bis {} lag die Tagesprognose im Mittel {} neben den tatsächlichen Tickets (WAPE); am weitesten am {} ({} {} Tickets als erwartet).",
                lang.date(first.date),
                lang.date(last.date),
                lang.pct(err / actual, 0),
                lang.date(d),
                lang.int(diff.abs()),
                if diff > 0.0 { "mehr" } else { "weniger" }
            ),
            format!(
                "From {} to {} the daily forecast was off by {} of the actual tickets (WAPE); most on {} ({} tickets {} than expected).",
                lang.date(first.date),
                lang.date(last.date),
                lang.pct(err / actual, 0),
                lang.date(d),
                lang.int(diff.abs()),
                if diff > 0.0 { "more" } else { "fewer" }
            ),
        ),
        _ => String::new(),
    };
    s.chart(page, "forecast-vs-actual", title, aid, &fig)
}

/// The backtest scores of the office: method × horizon.
fn scores(s: &mut Section, data: &ExportData, office: &str, lang: Lang) {
    let rows: Vec<_> = data.arrival_scores.iter().filter(|r| r.office_id == office).collect();
    if rows.is_empty() {
        return;
    }
    let mut t = Table::new(vec![
        lang.pick("Methode", "Method").into(),
        lang.pick("Tage voraus", "Days ahead").into(),
        lang.pick("Testtage", "Test days").into(),
        lang.pick("WAPE je 15 min", "WAPE per 15 min").into(),
        lang.pick("WAPE Tagessumme", "WAPE daily total").into(),
        lang.pick("p10–p90 trifft", "p10–p90 covers").into(),
    ]);
    for r in rows {
        let opt = |v: Option<f64>| v.map_or("–".to_string(), |v| lang.pct(v, 1));
        t.rows.push(vec![
            method_name(&r.method, lang),
            r.horizon_days.to_string(),
            lang.int(r.days),
            opt(r.wape),
            opt(r.wape_daily),
            opt(r.coverage_p10_p90),
        ]);
    }
    s.text(lang.pick(
        "Backtest der Methoden (WAPE = Summe der absoluten Fehler ÷ Summe der Tickets; kleiner ist besser):",
        "Backtest of the methods (WAPE = sum of absolute errors ÷ sum of tickets; lower is better):",
    ));
    s.table(t);
}
