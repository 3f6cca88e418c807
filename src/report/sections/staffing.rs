//! Section 6: staffing — observed against suggested counters by weekday × hour, the
//! simulated check of the suggestion, and the what-if curves (a share of the busy hours'
//! walk-ins moved to quiet hours).

use std::collections::BTreeMap;

use crate::planning::tables::CheckTableRow;
use crate::report::ReportError;
use crate::report::charts::frame::{LegendItem, Mark};
use crate::report::charts::heatmap::{Cell, Heatmap};
use crate::report::charts::lines::{LineFigure, LineStyle, Panel, Series, Unit, XAxis, YAxis};
use crate::report::charts::style::{Scale, category};
use crate::report::doc::{Section, Table};
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;
use crate::report::load::rows::WhatIfRow;
use crate::report::sections::{cap, extreme, hour_ticks};

fn title(lang: Lang) -> String {
    lang.pick("6 Personal: Schalterbesetzung und Was-wäre-wenn", "6 Staffing: counters and what-if").into()
}

pub fn section(data: &ExportData, office: &str, page: &str, lang: Lang) -> Result<Section, ReportError> {
    let mut s = Section::new("staffing", title(lang));
    counters(&mut s, data, office, page, lang)?;
    if let Some(c) = data.staffing_check.iter().find(|c| c.office_id == office) {
        s.text(check_sentence(c, lang));
        s.table(check_table(std::slice::from_ref(c), lang));
    }
    whatif_by_hour(&mut s, data, office, page, lang)?;
    Ok(s)
}

/// Heatmap of suggested − observed counters, each cell labelled `observed→suggested`.
fn counters(
    s: &mut Section,
    data: &ExportData,
    office: &str,
    page: &str,
    lang: Lang,
) -> Result<(), ReportError> {
    let rows: BTreeMap<(u32, u32), _> =
        data.staffing.iter().filter(|r| r.office_id == office).map(|r| ((r.weekday, r.hour), r)).collect();
    if rows.is_empty() {
        s.text(lang.pick("Keine Personaltabelle für dieses Amt.", "No staffing table for this office."));
        return Ok(());
    }
    let mut weekdays: Vec<u32> = rows.keys().map(|k| k.0).collect();
    weekdays.dedup();
    let (h0, h1) = (rows.keys().map(|k| k.1).min().unwrap_or(0), rows.keys().map(|k| k.1).max().unwrap_or(0));
    let diff =
        |r: &crate::report::load::rows::StaffingRow| Some(r.suggested_counters? - r.observed_counters?);
    let max = rows.values().filter_map(|r| diff(r)).map(f64::abs).fold(1.0f64, f64::max).ceil();
    let cells = weekdays
        .iter()
        .map(|w| {
            (h0..=h1)
                .map(|h| match rows.get(&(*w, h)) {
                    None => Cell::Closed,
                    Some(r) if r.suppressed => Cell::Suppressed,
                    Some(r) => match (r.observed_counters, r.suggested_counters) {
                        (Some(o), Some(g)) => Cell::Value {
                            v: g - o,
                            label: format!("{}→{}", lang.num(o, 1), lang.num(g, 0)),
                        },
                        _ => Cell::Closed,
                    },
                })
                .collect()
        })
        .collect();
    let title = lang.pick("Schalter: beobachtet → vorgeschlagen", "Counters: observed → suggested");
    let k = data.profile.min_cell_tickets;
    let half = (max / 2.0).round();
    let ticks = [-max, -half, 0.0, half, max].map(|t| (t, lang.num(t, 0))).to_vec();
    let fig = Heatmap {
        title: title.into(),
        rows: weekdays.iter().map(|w| lang.weekday(*w).to_string()).collect(),
        cols: (h0..=h1).map(|h| h.to_string()).collect(),
        col_title: lang.pick("Stunde (Beginn), Ortszeit", "Hour (start), local time").into(),
        cells,
        scale: Scale::Diverging { max },
        scale_ticks: ticks,
        legend_title: lang.pick("mehr (orange) / weniger (lila)", "more (orange) / fewer (purple)").into(),
        closed_label: lang.pick("geschlossen", "closed").into(),
        suppressed_label: lang.pick(format!("unter {k} Tickets"), format!("under {k} tickets")),
    };
    let diffs: Vec<((u32, u32), f64)> =
        rows.iter().filter(|(_, r)| !r.suppressed).filter_map(|(k, r)| diff(r).map(|d| (*k, d))).collect();
    let at = |k: (u32, u32)| {
        rows.get(&k)
            .map_or((0.0, 0.0), |r| (r.observed_counters.unwrap_or(0.0), r.suggested_counters.unwrap_or(0.0)))
    };
    let when = |k: (u32, u32)| format!("{} {}", lang.on_weekdays(k.0), lang.hour_span(k.1));
    let aid = match (extreme(&diffs, true), extreme(&diffs, false)) {
        (Some((up, _)), Some((down, _))) => {
            let ((uo, ug), (dob, dg)) = (at(up), at(down));
            text!(
                lang,
                "Der Vorschlag (Erlang C, 80 % innerhalb von 15 Minuten) braucht {} die meisten zusätzlichen Schalter ({} beobachtet → {}); am meisten frei wird {} ({} → {}).",
                "The suggestion (Erlang C, 80% within 15 minutes) adds the most counters {} ({} observed → {}) and frees the most {} ({} → {}).",
                when(up),
                lang.num(uo, 1),
                lang.num(ug, 0),
                when(down),
                lang.num(dob, 1),
                lang.num(dg, 0)
            )
        }
        _ => lang.pick("Alle Zellen sind ausgeblendet.", "Every cell is withheld.").into(),
    };
    s.chart(page, "staffing-counters", title, cap(&aid), &fig)
}

/// The simulated check as a sentence.
fn check_sentence(c: &CheckTableRow, lang: Lang) -> String {
    let change = c.counter_hours_suggested / c.counter_hours_observed - 1.0;
    text!(
        lang,
        "Simulierte Prüfung: jeder der {} Tage mit den vorgeschlagenen Schaltern nachgespielt ergibt {} statt {} innerhalb von 15 Minuten und eine mittlere Wartezeit von {} statt {}, mit {} Schalterstunden ({}{}).",
        "Simulated check: replaying each of the {} days with the suggested counters gives {} instead of {} within 15 minutes and a mean wait of {} instead of {}, with {} counter-hours ({}{}).",
        lang.int(c.days as f64),
        lang.pct(c.share_within_suggested, 0),
        lang.pct(c.share_within_observed, 0),
        lang.min(c.mean_wait_suggested_min),
        lang.min(c.mean_wait_observed_min),
        lang.int(c.counter_hours_suggested),
        if change >= 0.0 { "+" } else { "" },
        lang.pct(change, 0)
    )
}

/// The simulated check of one or more offices as a table: observed → suggested per figure.
pub fn check_table(rows: &[CheckTableRow], lang: Lang) -> Table {
    let mut t = Table::new(vec![
        lang.pick("Amt", "Office").into(),
        lang.pick("Schalterstunden", "Counter-hours").into(),
        lang.pick("mittlere Wartezeit", "Mean wait").into(),
        lang.pick("≤ 15 min", "≤ 15 min").into(),
    ]);
    for c in rows {
        t.rows.push(vec![
            c.office_id.clone(),
            format!("{} → {}", lang.int(c.counter_hours_observed), lang.int(c.counter_hours_suggested)),
            format!("{} → {}", lang.min(c.mean_wait_observed_min), lang.min(c.mean_wait_suggested_min)),
            format!("{} → {}", lang.pct(c.share_within_observed, 1), lang.pct(c.share_within_suggested, 1)),
        ]);
    }
    t
}

/// The what-if rows of one office: share → hour → row (hour `None` = all day).
pub fn whatif_rows<'a>(data: &'a ExportData, office: &str) -> BTreeMap<i64, Vec<&'a WhatIfRow>> {
    let mut m: BTreeMap<i64, Vec<&WhatIfRow>> = BTreeMap::new();
    for r in data.whatif.iter().filter(|r| r.office_id == office) {
        m.entry((r.share * 1000.0).round() as i64).or_default().push(r);
    }
    m
}

/// Mean wait by hour for each share moved.
fn whatif_by_hour(
    s: &mut Section,
    data: &ExportData,
    office: &str,
    page: &str,
    lang: Lang,
) -> Result<(), ReportError> {
    let shares = whatif_rows(data, office);
    let hours: Vec<u32> = shares.values().flatten().filter_map(|r| r.hour()).collect();
    let (Some(&h0), Some(&h1)) = (hours.iter().min(), hours.iter().max()) else {
        s.text(lang.pick("Keine Was-wäre-wenn-Rechnung für dieses Amt.", "No what-if run for this office."));
        return Ok(());
    };
    let mut p =
        Panel::new(YAxis::new(lang.pick("mittlere Wartezeit (min)", "mean wait (min)"), Unit::Number));
    let mut legend = Vec::new();
    for (i, (share, rows)) in shares.iter().enumerate() {
        let pts = (h0..=h1)
            .map(|h| {
                let v = rows
                    .iter()
                    .find(|r| r.hour() == Some(h))
                    .filter(|r| !r.suppressed)
                    .and_then(|r| r.mean_wait_min);
                (f64::from(h) + 0.5, v.unwrap_or(f64::NAN))
            })
            .collect();
        let style = if *share == 0 { LineStyle::SolidPoints } else { LineStyle::Dashed };
        p.series.push(Series::new(category(i), pts, style));
        let label = if *share == 0 {
            lang.pick("heute (nichts verlagert)", "today (nothing moved)").to_string()
        } else {
            text!(lang, "{} verlagert", "{} moved", lang.pct(*share as f64 / 1000.0, 0))
        };
        legend.push(LegendItem::new(label, category(i), if *share == 0 { Mark::Line } else { Mark::Dashed }));
    }
    let title = lang.pick(
        "Was wäre, wenn Laufkundschaft der Spitzenstunden später käme?",
        "What if walk-ins of the peak hours came later?",
    );
    let fig = LineFigure {
        title: title.into(),
        lang,
        x: XAxis {
            range: (f64::from(h0), f64::from(h1 + 1)),
            ticks: hour_ticks(h0, h1 + 1),
            title: Some(lang.pick("Stunde (Ortszeit)", "Hour (local time)").into()),
        },
        panels: vec![p],
        legend,
        panel_height: 220,
    };
    s.chart(page, "whatif-hours", title, whatif_aid(&shares, lang), &fig)
}

/// The best share and what it does to the day's mean wait.
fn whatif_aid(shares: &BTreeMap<i64, Vec<&WhatIfRow>>, lang: Lang) -> String {
    let all = |k: &i64| {
        shares.get(k).and_then(|rows| rows.iter().find(|r| r.hour().is_none()).and_then(|r| r.mean_wait_min))
    };
    let totals: Vec<(i64, f64)> = shares.keys().filter_map(|k| all(k).map(|v| (*k, v))).collect();
    let (Some(base), Some((best, bv))) = (all(&0), extreme(&totals, false)) else { return String::new() };
    if best == 0 {
        return text!(
            lang,
            "Verlagern hilft hier nicht: die mittlere Wartezeit bleibt ohne Verlagerung am kürzesten ({}).",
            "Moving does not help here: the mean wait is shortest with nothing moved ({}).",
            lang.min(base)
        );
    }
    text!(
        lang,
        "Kämen {} der Laufkundschaft aus den vollen in ruhige Stunden, sänke die mittlere Wartezeit des Tages von {} auf {}.",
        "If {} of the walk-ins came in quiet instead of busy hours, the day's mean wait would drop from {} to {}.",
        lang.pct(best as f64 / 1000.0, 0),
        lang.min(base),
        lang.min(bv)
    )
}

/// The overview's staffing section: the check of every office and the what-if curves.
pub fn overview_section(data: &ExportData, page: &str, lang: Lang) -> Result<Section, ReportError> {
    let mut s = Section::new("staffing", title(lang));
    if !data.staffing_check.is_empty() {
        s.text(lang.pick(
            "Simulierte Prüfung der vorgeschlagenen Schalterbesetzung, beobachtet → vorgeschlagen (jeder Tag mit den vorgeschlagenen statt den beobachteten Schaltern nachgespielt):",
            "Simulated check of the suggested counters, observed → suggested (every day replayed with the suggested instead of the observed counters):",
        ));
        s.table(check_table(&data.staffing_check, lang));
    }
    let mut p =
        Panel::new(YAxis::new(lang.pick("mittlere Wartezeit (min)", "mean wait (min)"), Unit::Number));
    let mut legend = Vec::new();
    let mut best: Vec<((usize, i64, f64), f64)> = Vec::new();
    for (i, office) in data.offices.iter().enumerate() {
        let shares = whatif_rows(data, office);
        let pts: Vec<(f64, f64)> = shares
            .iter()
            .filter_map(|(k, rows)| {
                rows.iter()
                    .find(|r| r.hour().is_none())
                    .and_then(|r| r.mean_wait_min)
                    .map(|v| (*k as f64 / 10.0, v))
            })
            .collect();
        if let (Some(base), Some(min)) =
            (pts.first(), extreme(&pts.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(), false))
        {
            best.push(((i, min.0.round() as i64, base.1), base.1 - min.1));
        }
        p.series.push(Series::new(category(i), pts, LineStyle::SolidPoints));
        legend.push(LegendItem::new(office.clone(), category(i), Mark::Line));
    }
    let max_share = data.whatif.iter().map(|r| r.share).fold(0.0f64, f64::max) * 100.0;
    let title = lang.pick(
        "Mittlere Wartezeit je verlagertem Anteil der Spitzen-Laufkundschaft",
        "Mean wait by share of peak walk-ins moved",
    );
    let fig = LineFigure {
        title: title.into(),
        lang,
        x: XAxis {
            range: (0.0, max_share.max(10.0)),
            ticks: (0..=(max_share.max(10.0) / 10.0).round() as i64)
                .map(|k| (k as f64 * 10.0, lang.pct(k as f64 / 10.0, 0)))
                .collect(),
            title: Some(lang.pick("verlagerter Anteil", "share moved").into()),
        },
        panels: vec![p],
        legend,
        panel_height: 220,
    };
    let aid = match extreme(&best, true) {
        Some(((i, share, base), gain)) if gain > 0.0 => text!(
            lang,
            "Am meisten bringt das Verlagern in {}: bei {} sinkt die mittlere Wartezeit von {} auf {}.",
            "Moving helps most in {}: at {} the mean wait drops from {} to {}.",
            data.offices[i],
            lang.pct(share as f64 / 100.0, 0),
            lang.min(base),
            lang.min(base - gain)
        ),
        _ => lang
            .pick(
                "In keinem Amt verkürzt das Verlagern die Wartezeit.",
                "In no office does moving shorten the wait.",
            )
            .into(),
    };
    s.chart(page, "whatif-offices", title, aid, &fig)?;
    Ok(s)
}
