//! Section 2: the 15-minute profile per weekday — expected arrivals and the expected wait
//! (p50, p90) per slot, averaged over the forecast horizon's open days of each weekday.

use std::collections::BTreeMap;

use crate::export::office::OfficeDoc;
use crate::planning::wait_method::WaitMethod;
use crate::report::ReportError;
use crate::report::charts::frame::{LegendItem, Mark, nice_ticks};
use crate::report::charts::lines::{Bars, LineFigure, LineStyle, Panel, Series, Unit, XAxis, YAxis};
use crate::report::charts::style::category;
use crate::report::doc::Section;
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;
use crate::report::sections::{extreme, hour_ticks};
use crate::slots::{SLOTS_PER_HOUR, slot_start};

/// Slots per hour, as the x axis (hours) counts them.
const PER_HOUR: f64 = SLOTS_PER_HOUR as f64;

/// Means per slot of one weekday: expected arrivals, wait p50, wait p90.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlotMeans {
    pub arrivals: f64,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

/// weekday → slot → means over the open forecast days of that weekday.
pub fn slot_profile(doc: &OfficeDoc) -> BTreeMap<u32, BTreeMap<u32, SlotMeans>> {
    type Acc = (f64, f64, f64, usize, usize);
    let mut acc: BTreeMap<u32, BTreeMap<u32, Acc>> = BTreeMap::new();
    for day in doc.days.iter().filter(|d| d.open) {
        for s in &day.slots {
            let a = acc.entry(day.weekday).or_default().entry(u32::from(s.slot)).or_default();
            a.0 += s.expected.unwrap_or(0.0);
            a.3 += 1;
            if let (Some(p50), Some(p90)) = (s.wait_p50_min, s.wait_p90_min) {
                a.1 += p50;
                a.2 += p90;
                a.4 += 1;
            }
        }
    }
    acc.into_iter()
        .map(|(w, slots)| {
            let means = slots
                .into_iter()
                .map(|(slot, (e, p50, p90, n, nw))| {
                    let wait = |x: f64| (nw > 0).then(|| x / nw as f64);
                    (slot, SlotMeans { arrivals: e / n as f64, p50: wait(p50), p90: wait(p90) })
                })
                .collect();
            (w, means)
        })
        .collect()
}

pub fn section(data: &ExportData, office: &str, page: &str, lang: Lang) -> Result<Section, ReportError> {
    let mut s = Section::new(
        "profile",
        lang.pick("2 Tagesverlauf in 15-Minuten-Schritten", "2 The day in 15-minute slots"),
    );
    let Some(doc) = data.office_docs.get(office) else {
        s.text(lang.pick("Keine Prognosedatei für dieses Amt.", "No forecast file for this office."));
        return Ok(s);
    };
    let profile = slot_profile(doc);
    let slots: Vec<u32> = profile.values().flat_map(|m| m.keys().copied()).collect();
    let (Some(&first), Some(&last)) = (slots.iter().min(), slots.iter().max()) else {
        s.text(lang.pick(
            "Im Prognosezeitraum ist das Amt an keinem Tag geöffnet.",
            "The office is open on no day of the forecast.",
        ));
        return Ok(s);
    };
    let max_arr = profile.values().flat_map(|m| m.values().map(|v| v.arrivals)).fold(0.0f64, f64::max);
    let max_wait = profile.values().flat_map(|m| m.values().filter_map(|v| v.p90)).fold(0.0f64, f64::max);
    let arr_axis = YAxis {
        fixed: Some(nice_ticks(0.0, max_arr.max(1.0), 3).0),
        ..YAxis::new(lang.pick("Tickets", "Tickets"), Unit::Number)
    };
    let wait_axis = YAxis {
        fixed: Some(nice_ticks(0.0, max_wait.max(1.0), 3).0),
        ..YAxis::new(lang.pick("Minuten", "Minutes"), Unit::Number)
    };
    let (bar_c, p50_c, p90_c) = (category(5), category(0), category(1));
    let panels: Vec<Panel> = profile
        .iter()
        .map(|(w, slots)| {
            // The middle of the slot, in hours.
            let x = |slot: u32| (f64::from(slot) + 0.5) / PER_HOUR;
            let line = |pick: fn(&SlotMeans) -> Option<f64>| -> Vec<(f64, f64)> {
                (first..=last).map(|sl| (x(sl), slots.get(&sl).and_then(pick).unwrap_or(f64::NAN))).collect()
            };
            let mut p = Panel::new(arr_axis.clone());
            p.label = Some(lang.weekday(*w).to_string());
            p.y2 = Some(wait_axis.clone());
            p.bars.push(Bars {
                color: bar_c,
                points: slots.iter().map(|(sl, m)| (x(*sl), m.arrivals)).collect(),
                width: 0.25,
            });
            p.series
                .push(Series { secondary: true, ..Series::new(p50_c, line(|m| m.p50), LineStyle::Solid) });
            p.series
                .push(Series { secondary: true, ..Series::new(p90_c, line(|m| m.p90), LineStyle::Dashed) });
            p
        })
        .collect();
    let (h0, h1) = (first / SLOTS_PER_HOUR as u32, last / SLOTS_PER_HOUR as u32 + 1);
    let title = lang
        .pick("Erwartete Tickets und Wartezeit je Viertelstunde", "Expected tickets and wait per 15 minutes");
    let fig = LineFigure {
        title: title.into(),
        lang,
        x: XAxis {
            range: (f64::from(h0), f64::from(h1)),
            ticks: hour_ticks(h0, h1),
            title: Some(lang.pick("Uhrzeit (Ortszeit)", "Time of day (local)").into()),
        },
        panels,
        legend: vec![
            LegendItem::new(
                lang.pick(
                    "erwartete Tickets je 15 min (linke Achse)",
                    "expected tickets per 15 min (left axis)",
                ),
                bar_c,
                Mark::Box,
            ),
            LegendItem::new(
                lang.pick("Wartezeit p50 (rechte Achse)", "wait p50 (right axis)"),
                p50_c,
                Mark::Line,
            ),
            LegendItem::new(lang.pick("Wartezeit p90", "wait p90"), p90_c, Mark::Dashed),
        ],
        panel_height: 110,
    };
    s.chart(page, "profile15", title, aid(&profile, doc, lang), &fig)?;
    if let Some(text) = wait_method(data, doc, lang) {
        s.text(text);
    }
    Ok(s)
}

/// Where the expected waits come from (the office file's `wait_method`) and the slot-wait
/// backtest figures behind the choice (`export_report.json`).
fn wait_method(data: &ExportData, doc: &OfficeDoc, lang: Lang) -> Option<String> {
    let score = data
        .report
        .slot_wait_backtest
        .by_office
        .iter()
        .find(|s| s.office_id.as_deref() == Some(doc.office_id.as_str()));
    let figures = score.and_then(|s| Some((s.mae_p50_min?, s.mae_baseline_p50_min?, s.slots)));
    let text = match (doc.forecast.wait_method?, figures) {
        (WaitMethod::Simulation, Some((sim, hist, slots))) => text!(
            lang,
            "Die erwarteten Wartezeiten stammen aus der Simulation der Prognosetage: im Backtest ({} Viertelstunden der letzten Wochen) lag ihr Median im Mittel {} neben der tatsächlichen mittleren Wartezeit, der Median derselben Viertelstunde der Vorwochen {}.",
            "The expected waits come from simulating the forecast days: in the backtest ({} slots of the last weeks) their median was {} off the actual mean wait on average, the median of the same slot in the weeks before {}.",
            lang.int(slots as f64),
            lang.min(sim),
            lang.min(hist)
        ),
        (WaitMethod::History, Some((sim, hist, slots))) => text!(
            lang,
            "Die erwarteten Wartezeiten sind Median und p90 der Wartezeiten derselben Viertelstunde desselben Wochentags der letzten Wochen: im Backtest ({} Viertelstunden) lagen sie im Mittel {} neben der tatsächlichen mittleren Wartezeit, die Simulation {}.",
            "The expected waits are the median and p90 of the waits in the same slot of the same weekday over the last weeks: in the backtest ({} slots) they were {} off the actual mean wait on average, the simulation {}.",
            lang.int(slots as f64),
            lang.min(hist),
            lang.min(sim)
        ),
        (WaitMethod::History, None) => lang
            .pick(
                "Die erwarteten Wartezeiten sind Median und p90 der Wartezeiten derselben Viertelstunde desselben Wochentags der letzten Wochen; für die Simulation gab es keinen Backtest.",
                "The expected waits are the median and p90 of the waits in the same slot of the same weekday over the last weeks; the simulation had no backtest.",
            )
            .into(),
        _ => return None,
    };
    Some(text)
}

fn aid(profile: &BTreeMap<u32, BTreeMap<u32, SlotMeans>>, doc: &OfficeDoc, lang: Lang) -> String {
    let all = |pick: fn(&SlotMeans) -> Option<f64>| -> Vec<((u32, u32), f64)> {
        profile
            .iter()
            .flat_map(|(w, m)| m.iter().filter_map(move |(s, v)| pick(v).map(|x| ((*w, *s), x))))
            .collect()
    };
    let busiest = extreme(&all(|m| Some(m.arrivals)), true);
    let longest = extreme(&all(|m| m.p90), true);
    let p50_at =
        |k: (u32, u32)| profile.get(&k.0).and_then(|m| m.get(&k.1)).and_then(|m| m.p50).unwrap_or(f64::NAN);
    let days = doc.days.iter().filter(|d| d.open).count();
    match (busiest, longest) {
        (Some((bk, b)), Some((lk, l))) => text!(
            lang,
            "Mittel über die {} offenen Prognosetage: am längsten wird {} um {} gewartet (p50 {}, p90 {}); die meisten Tickets kommen {} um {} ({} je Viertelstunde).",
            "Mean over the {} open forecast days: the longest wait is {} at {} (p50 {}, p90 {}); most tickets come {} at {} ({} per 15 minutes).",
            days,
            lang.on_weekdays(lk.0),
            slot_start(lk.1 as usize),
            lang.min(p50_at(lk)),
            lang.min(l),
            lang.on_weekdays(bk.0),
            slot_start(bk.1 as usize),
            lang.num(b, 1)
        ),
        _ => lang
            .pick(
                "Für die Prognosetage liegen keine erwarteten Wartezeiten vor.",
                "No expected waits for the forecast days.",
            )
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::export::office::{DayDoc, ForecastSummary, ProfileDoc, SlotDoc};
    use crate::export::report::ModelCardJson;
    use crate::forecast::Level;

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, day).unwrap()
    }

    fn day(d: u32, weekday: u32, slots: Vec<SlotDoc>) -> DayDoc {
        let expected_tickets = Some(slots.iter().filter_map(|s| s.expected).sum());
        DayDoc {
            date: date(d),
            weekday,
            open: true,
            closed_reason: None,
            expected_tickets,
            best_times: vec![],
            slots,
        }
    }

    /// An open slot with its expected arrivals and, when simulated, its waits (p50, p90).
    fn slot(slot: u8, expected: f64, waits: Option<(f64, f64)>) -> SlotDoc {
        SlotDoc {
            slot,
            start: crate::slots::slot_start(usize::from(slot)),
            expected: Some(expected),
            p10: Some(0.0),
            p90: Some(expected + 3.0),
            level: Level::Medium,
            wait_p50_min: waits.map(|w| w.0),
            wait_p90_min: waits.map(|w| w.1),
            wait_bucket: None,
        }
    }

    #[test]
    fn slot_means_average_the_open_days_of_each_weekday() {
        // Two Mondays and a closed Tuesday; slot 33 has a wait only on the first Monday.
        let doc = OfficeDoc {
            schema_version: 1,
            office_id: "a".into(),
            name: None,
            address: None,
            forecast: ForecastSummary {
                origin: date(5),
                days: 9,
                history_first: date(1),
                history_last: date(4),
                method: Some("model".into()),
                wait_method: Some(WaitMethod::Simulation),
            },
            opening_hours: vec![],
            days: vec![
                day(5, 1, vec![slot(32, 4.0, Some((2.0, 10.0))), slot(33, 2.0, Some((1.0, 5.0)))]),
                DayDoc { open: false, closed_reason: Some("closure".into()), ..day(6, 2, vec![]) },
                day(12, 1, vec![slot(32, 6.0, Some((4.0, 12.0))), slot(33, 1.0, None)]),
            ],
            best_times_by_weekday: vec![],
            profile: ProfileDoc { from: date(1), to: date(4), min_cell_tickets: 5, cells: vec![] },
            model: ModelCardJson { card: None, reason: Some("no model".into()), backtest: None },
        };
        let p = slot_profile(&doc);
        assert_eq!(p.keys().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(p[&1][&32], SlotMeans { arrivals: 5.0, p50: Some(3.0), p90: Some(11.0) });
        assert_eq!(p[&1][&33], SlotMeans { arrivals: 1.5, p50: Some(1.0), p90: Some(5.0) });
    }
}
