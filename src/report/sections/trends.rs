//! Section 3: trends — tickets and mean wait per calendar week (all services, from the
//! daily table) and per month by service (from the monthly table).

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};

use crate::report::ReportError;
use crate::report::charts::frame::{LegendItem, Mark};
use crate::report::charts::lines::{Bars, LineFigure, LineStyle, Panel, Series, Unit, XAxis, YAxis};
use crate::report::charts::style::category;
use crate::report::doc::Section;
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;
use crate::report::sections::{date_ticks, extreme, weighted_mean};

/// One calendar week of an office: its Monday, tickets, mean wait of the called tickets.
#[derive(Debug, Clone, PartialEq)]
pub struct Week {
    pub monday: NaiveDate,
    pub tickets: f64,
    pub wait_mean: Option<f64>,
}

/// Whole weeks (Monday–Sunday inside the profiled window) of `office`, from its unsuppressed days.
pub fn weeks(data: &ExportData, office: &str) -> Vec<Week> {
    let (from, to) = (data.profile.from, data.profile.to);
    // Monday → (tickets, (mean wait, called tickets) of each day).
    type WeekAcc = (f64, Vec<(Option<f64>, Option<f64>)>);
    let mut acc: BTreeMap<NaiveDate, WeekAcc> = BTreeMap::new();
    for d in data.daily.iter().filter(|d| d.office_id == office && !d.suppressed) {
        let monday = d.local_date - Days::new(u64::from(d.local_date.weekday().num_days_from_monday()));
        let a = acc.entry(monday).or_default();
        a.0 += d.tickets.unwrap_or(0.0);
        a.1.push((d.wait_mean_min, d.called()));
    }
    acc.into_iter()
        .filter(|(monday, _)| *monday >= from && *monday + Days::new(6) <= to)
        .map(|(monday, (tickets, waits))| Week {
            monday,
            tickets,
            wait_mean: weighted_mean(waits.into_iter()),
        })
        .collect()
}

pub fn section(data: &ExportData, office: &str, page: &str, lang: Lang) -> Result<Section, ReportError> {
    let mut s =
        Section::new("trends", lang.pick("3 Entwicklung nach Woche und Monat", "3 Trends by week and month"));
    weekly(&mut s, data, office, page, lang)?;
    monthly(&mut s, data, office, page, lang)?;
    Ok(s)
}

fn weekly(
    s: &mut Section,
    data: &ExportData,
    office: &str,
    page: &str,
    lang: Lang,
) -> Result<(), ReportError> {
    let w = weeks(data, office);
    let (Some(first), Some(last)) = (w.first(), w.last()) else {
        s.text(lang.pick(
            "Zu wenige ganze Wochen für einen Wochenverlauf.",
            "Too few whole weeks for a weekly trend.",
        ));
        return Ok(());
    };
    let x = |d: NaiveDate| (d - first.monday).num_days() as f64 + 3.5;
    let span = (last.monday - first.monday).num_days() + 7;
    let mut tickets = Panel::new(YAxis::new(lang.pick("Tickets je Woche", "Tickets per week"), Unit::Number));
    tickets.bars.push(Bars {
        color: category(0),
        points: w.iter().map(|k| (x(k.monday), k.tickets)).collect(),
        width: 5.0,
    });
    let mut wait = Panel::new(YAxis::new(lang.pick("Minuten", "Minutes"), Unit::Number));
    wait.label = Some(lang.pick("Mittlere Wartezeit", "Mean wait").into());
    let pts = w.iter().map(|k| (x(k.monday), k.wait_mean.unwrap_or(f64::NAN))).collect();
    wait.series.push(Series::new(category(1), pts, LineStyle::SolidPoints));
    let title = lang
        .pick("Tickets und mittlere Wartezeit je Kalenderwoche", "Tickets and mean wait per calendar week");
    let fig = LineFigure {
        title: title.into(),
        lang,
        x: XAxis { range: (0.0, span as f64), ticks: date_ticks(first.monday, span, lang), title: None },
        panels: vec![tickets, wait],
        legend: vec![],
        panel_height: 150,
    };
    let mean = w.iter().map(|k| k.tickets).sum::<f64>() / w.len() as f64;
    let peak = extreme(&w.iter().map(|k| (k.monday, k.tickets)).collect::<Vec<_>>(), true);
    let waits: Vec<(NaiveDate, f64)> = w.iter().filter_map(|k| k.wait_mean.map(|m| (k.monday, m))).collect();
    let (lo, hi) = (extreme(&waits, false), extreme(&waits, true));
    let aid = match (peak, lo, hi) {
        (Some((pd, pv)), Some((_, lw)), Some((hd, hw))) => text!(
            lang,
            "Im Schnitt {} Tickets je Woche, die stärkste Woche begann am {} ({} Tickets); die mittlere Wartezeit lag zwischen {} und {} (am höchsten in der Woche ab {}).",
            "On average {} tickets a week, the busiest week beginning on {} ({} tickets); the mean wait ranged from {} to {} (highest in the week of {}).",
            lang.int(mean),
            lang.date(pd),
            lang.int(pv),
            lang.min(lw),
            lang.min(hw),
            lang.date(hd)
        ),
        _ => String::new(),
    };
    s.chart(page, "trend-weekly", title, aid, &fig)
}

fn monthly(
    s: &mut Section,
    data: &ExportData,
    office: &str,
    page: &str,
    lang: Lang,
) -> Result<(), ReportError> {
    let rows: Vec<_> = data.monthly.iter().filter(|r| r.office_id == office && r.service != "*").collect();
    let month = |y: i32, m: u32| y * 12 + m as i32 - 1;
    let (Some(m0), Some(m1)) = (
        rows.iter().map(|r| month(r.year, r.month)).min(),
        rows.iter().map(|r| month(r.year, r.month)).max(),
    ) else {
        s.text(lang.pick("Keine Monatswerte nach Dienst.", "No monthly figures by service."));
        return Ok(());
    };
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    for r in &rows {
        *totals.entry(r.service.as_str()).or_default() += r.tickets.unwrap_or(0.0);
    }
    let mut services: Vec<(&str, f64)> = totals.into_iter().collect();
    services.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let ticks: Vec<(f64, String)> = (m0..=m1)
        .map(|k| {
            let (y, m) = (k.div_euclid(12), (k.rem_euclid(12) + 1) as u32);
            let label = if k == m0 || m == 1 {
                format!("{} {}", lang.month_short(m), y)
            } else {
                lang.month_short(m).to_string()
            };
            (f64::from(k - m0), label)
        })
        .collect();
    let mut tickets =
        Panel::new(YAxis::new(lang.pick("Tickets je Monat", "Tickets per month"), Unit::Number));
    let mut wait = Panel::new(YAxis::new(lang.pick("Minuten", "Minutes"), Unit::Number));
    wait.label = Some(lang.pick("Mittlere Wartezeit", "Mean wait").into());
    let mut legend = Vec::new();
    for (i, (code, _)) in services.iter().enumerate() {
        let mine: Vec<_> = rows.iter().filter(|r| r.service == *code).collect();
        let pts = |pick: fn(&crate::report::load::rows::MonthlyRow) -> Option<f64>| -> Vec<(f64, f64)> {
            (m0..=m1)
                .map(|k| {
                    let v = mine.iter().find(|r| month(r.year, r.month) == k).and_then(|r| pick(r));
                    (f64::from(k - m0), v.unwrap_or(f64::NAN))
                })
                .collect()
        };
        tickets.series.push(Series::new(category(i), pts(|r| r.tickets), LineStyle::SolidPoints));
        wait.series.push(Series::new(category(i), pts(|r| r.wait_mean_min), LineStyle::SolidPoints));
        let name = data.service_names.get(*code).map_or(code.to_string(), |n| format!("{code} {n}"));
        legend.push(LegendItem::new(name, category(i), Mark::Line));
    }
    let title = lang.pick(
        "Tickets und mittlere Wartezeit je Monat nach Dienst",
        "Tickets and mean wait per month by service",
    );
    let fig = LineFigure {
        title: title.into(),
        lang,
        x: XAxis { range: (-0.5, f64::from(m1 - m0) + 0.5), ticks, title: None },
        panels: vec![tickets, wait],
        legend,
        panel_height: 160,
    };
    let total: f64 = services.iter().map(|s| s.1).sum();
    let waits: Vec<((&str, i32, u32), f64)> = rows
        .iter()
        .filter(|r| !r.suppressed)
        .filter_map(|r| r.wait_mean_min.map(|w| ((r.service.as_str(), r.year, r.month), w)))
        .collect();
    let aid = match (services.first(), extreme(&waits, true)) {
        (Some((top, n)), Some(((code, y, m), w))) if total > 0.0 => text!(
            lang,
            "Häufigster Dienst ist {} ({} der Tickets); am längsten gewartet wurde bei {} im {} {} (im Mittel {}).",
            "The most frequent service is {} ({} of tickets); the longest mean wait was for {} in {} {} ({}).",
            top,
            lang.pct(n / total, 0),
            code,
            lang.month(m),
            y,
            lang.min(w)
        ),
        _ => String::new(),
    };
    s.chart(page, "trend-monthly", title, aid, &fig)
}
