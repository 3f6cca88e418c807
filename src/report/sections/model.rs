//! Section 5: the wait-time model — the backtest table of every predictor, the quality gate
//! `train` passed (from the model card), MAE per predictor, predicted vs actual and coverage
//! by hour of the default predictor. Without a model (or without its backtest) the section
//! says so and why.

use crate::export::report::Card;
use crate::export::report_tables::ModelBacktestFile;
use crate::model::metrics::Metrics;
use crate::report::ReportError;
use crate::report::charts::bars::{BarFigure, BarGroup};
use crate::report::charts::frame::{LegendItem, Mark, nice_ticks};
use crate::report::charts::lines::{Band, HLine, LineFigure, LineStyle, Panel, Series, Unit, XAxis, YAxis};
use crate::report::charts::style::{BAND_ALPHA, MUTED, category, over_white};
use crate::report::doc::{Section, Table};
use crate::report::i18n::{Lang, text};
use crate::report::load::ExportData;
use crate::report::sections::{extreme, hour_ticks};

fn title(lang: Lang) -> String {
    lang.pick("5 Wartezeit-Modell", "5 Wait-time model").into()
}

/// Why there are no backtest figures, as a sentence.
fn missing(data: &ExportData, lang: Lang) -> String {
    let m = &data.report.model;
    match (&m.card, &m.reason) {
        (None, reason) => text!(
            lang,
            "Diese Exportgeneration enthält kein Wartezeit-Modell ({}); es gibt daher keine Backtest-Kennzahlen.",
            "This export generation has no wait-time model ({}), so there are no backtest figures.",
            reason.as_deref().unwrap_or(lang.pick("ohne Angabe", "no reason given"))
        ),
        (Some(card), _) => text!(
            lang,
            "Das Modell (trainiert {} bis {}) wurde ohne Backtest erstellt; queuecast train --with-backtest ergänzt ihn.",
            "The model (trained {} to {}) was made without a backtest; queuecast train --with-backtest adds it.",
            lang.date(card.trained_from),
            lang.date(card.trained_to)
        ),
    }
}

/// The overview's model section.
pub fn overview_section(data: &ExportData, page: &str, lang: Lang) -> Result<Section, ReportError> {
    let mut s = Section::new("model", title(lang));
    let Some(m) = &data.model else {
        s.text(missing(data, lang));
        if let Some(card) = &data.report.model.card {
            gate(&mut s, card, lang);
        }
        return Ok(s);
    };
    let card = &m.card;
    let default = card.default_predictor.clone();
    let folds = &m.backtest.folds;
    let window = match (folds.first(), folds.last()) {
        (Some(a), Some(b)) => format!("{} – {}", lang.date(a.test_from), lang.date(b.test_to)),
        _ => "–".into(),
    };
    let weeks = match folds.len() {
        1 => lang.pick("1 Testwoche", "1 test week").to_string(),
        n => text!(lang, "{} Testwochen", "{} test weeks", n),
    };
    s.text(text!(
        lang,
        "Modell trainiert auf den Daten vom {} bis {}, Standard-Vorhersager {}; Backtest über {} ({}). Die Zeilen sind nach dem mittleren Fehler beim Ziehen der Nummer sortiert.",
        "Model trained on the data from {} to {}, default predictor {}; backtest over {} ({}). Rows are sorted by the mean error at the time the ticket is drawn.",
        lang.date(card.trained_from),
        lang.date(card.trained_to),
        default,
        weeks,
        window
    ));
    let mut names: Vec<(&String, &Metrics, &Metrics)> =
        m.backtest.predictors.iter().map(|(n, p)| (n, &p.at_issue, &p.overall)).collect();
    names.sort_by(|a, b| a.1.mae.total_cmp(&b.1.mae).then(a.0.cmp(b.0)));
    s.table(backtest_table(&names, lang));
    gate(&mut s, card, lang);
    mae_chart(&mut s, &names, &default, page, lang)?;
    calibration_chart(&mut s, m, &default, page, lang)?;
    hour_chart(&mut s, m, &default, page, lang)?;
    Ok(s)
}

fn backtest_table(names: &[(&String, &Metrics, &Metrics)], lang: Lang) -> Table {
    let mut t = Table::new(vec![
        lang.pick("Vorhersager", "Predictor").into(),
        lang.pick("MAE beim Ziehen", "MAE at issue").into(),
        lang.pick("MAE alle", "MAE all").into(),
        lang.pick("RMSE alle", "RMSE all").into(),
        lang.pick("±5 min", "±5 min").into(),
        lang.pick("p10–p90 trifft", "p10–p90 covers").into(),
        lang.pick("Alarme", "Alarms").into(),
        lang.pick("davon zu spät", "of them late").into(),
    ]);
    for (name, at, all) in names {
        t.rows.push(vec![
            name.to_string(),
            lang.min(at.mae),
            lang.min(all.mae),
            lang.min(all.rmse),
            lang.pct(all.within_5min, 1),
            lang.pct(all.coverage_p10_p90, 1),
            lang.pct(all.alarm_share, 1),
            if all.alarm_share > 0.0 { lang.pct(all.late_alarm_rate, 1) } else { "–".into() },
        ]);
    }
    t
}

/// The quality gate `train` passed before it wrote the model: MAE at issue on the calibration
/// days of the new model, the ZMS rule and the model it replaced, each rule and the decision.
fn gate(s: &mut Section, card: &Card, lang: Lang) {
    let Some(g) = &card.gate else {
        s.text(lang.pick(
            "Das Modell trägt keine Kennzahlen der Qualitätsprüfung.",
            "The model carries no quality-gate figures.",
        ));
        return;
    };
    let met = |ok: Option<bool>| match ok {
        Some(true) => lang.pick("ja", "yes").to_string(),
        Some(false) => lang.pick("nein", "no").to_string(),
        None => "–".to_string(),
    };
    s.text(text!(
        lang,
        "Qualitätsprüfung vor dem Schreiben des Modells (queuecast train): mittlerer Fehler beim Ziehen der Nummer an den {} Kalibrierungstagen vom {} bis {} ({} Nummern).",
        "Quality gate before the model was written (queuecast train): mean error at issue on the {} calibration days from {} to {} ({} tickets).",
        g.days,
        lang.date(g.days_from),
        lang.date(g.days_to),
        lang.int(g.tickets as f64)
    ));
    let mut t = Table::new(vec![
        lang.pick("Vergleich", "Compared").into(),
        lang.pick("Wert", "Value").into(),
        lang.pick("Regel", "Rule").into(),
        lang.pick("erfüllt", "met").into(),
    ]);
    t.numeric = vec![false, true, false, false];
    t.rows.push(vec![
        text!(lang, "neues Modell ({})", "new model ({})", card.default_predictor),
        lang.min(g.mae_new),
        "–".into(),
        "–".into(),
    ]);
    if let Some(m) = g.mae_new_refit {
        t.rows.push(vec![
            lang.pick(
                "neues Modell, mit diesen Tagen nachtrainiert (verglichen mit dem bisherigen)",
                "new model refitted with these days (compared with the current one)",
            )
            .into(),
            lang.min(m),
            "–".into(),
            "–".into(),
        ]);
    }
    t.rows.push(vec![
        lang.pick("ZMS-Regel", "ZMS rule").into(),
        lang.min(g.mae_zms),
        text!(lang, "neues Modell höchstens {}", "new model at most {}", lang.min(g.mae_zms)),
        met(Some(g.beats_zms())),
    ]);
    let current = match (g.current_trained_to, g.current.as_str()) {
        (Some(d), _) => {
            text!(lang, "bisheriges Modell (trainiert bis {})", "current model (trained to {})", lang.date(d))
        }
        (None, "none") => lang.pick("kein bisheriges Modell", "no current model").into(),
        (None, why) => {
            text!(lang, "bisheriges Modell nicht vergleichbar ({})", "current model not comparable ({})", why)
        }
    };
    t.rows.push(vec![
        current,
        g.mae_current.map_or("–".into(), |m| lang.min(m)),
        g.current_limit().map_or("–".into(), |limit| {
            text!(
                lang,
                "neues Modell höchstens {} (+{})",
                "new model at most {} (+{})",
                lang.min(limit),
                lang.pct(g.max_worse, 0)
            )
        }),
        met(g.near_current()),
    ]);
    if let Some(r2) = g.gbm_r2 {
        t.rows.push(vec![
            lang.pick(
                "GBM: erklärte Varianz (R²) an zurückgehaltenen Tagen",
                "GBM: variance explained (R²) on held-out days",
            )
            .into(),
            lang.num(r2, 3),
            text!(lang, "mindestens {}", "at least {}", lang.num(g.min_r2, 2)),
            met(g.gbm_learned()),
        ]);
    }
    s.table(t);
    let passed = g.beats_zms() && g.near_current() != Some(false) && g.gbm_learned() != Some(false);
    s.text(match passed {
        true => lang.pick("Entscheidung: angenommen, das Modell wurde geschrieben.", "Decision: accepted, the model was written."),
        false => lang.pick(
            "Entscheidung: Die Kennzahlen verfehlen eine Regel; dieses Modell hätte nicht geschrieben werden dürfen.",
            "Decision: the figures miss a rule; this model should not have been written.",
        ),
    });
}

fn mae_chart(
    s: &mut Section,
    names: &[(&String, &Metrics, &Metrics)],
    default: &str,
    page: &str,
    lang: Lang,
) -> Result<(), ReportError> {
    let group = |name: &str, color, pick: fn(&Metrics, &Metrics) -> f64| BarGroup {
        name: name.into(),
        color,
        values: names.iter().map(|(_, a, o)| Some(pick(a, o))).collect(),
        labels: names.iter().map(|(_, a, o)| lang.num(pick(a, o), 2)).collect(),
    };
    let title = lang.pick(
        "Mittlerer absoluter Fehler je Vorhersager (Minuten)",
        "Mean absolute error per predictor (minutes)",
    );
    let fig = BarFigure {
        title: title.into(),
        lang,
        categories: names.iter().map(|n| n.0.to_string()).collect(),
        groups: vec![
            group(lang.pick("beim Ziehen der Nummer", "when the ticket is drawn"), category(0), |a, _| a.mae),
            group(lang.pick("alle Zeitpunkte", "all snapshots"), category(4), |_, o| o.mae),
        ],
        axis_title: lang.pick("Minuten", "Minutes").into(),
        unit: Unit::Number,
        target: None,
    };
    let best = names.first();
    let zms = names.iter().find(|n| n.0 == "zms_rule");
    let aid = match (best, zms, names.iter().find(|n| n.0 == default)) {
        (Some(b), Some(z), Some(d)) if z.1.mae > 0.0 => text!(
            lang,
            "Am genauesten ist {} ({} beim Ziehen); {} liegt {} unter der ZMS-Regel ({}).",
            "Most accurate is {} ({} at issue); {} is {} below the ZMS rule ({}).",
            b.0,
            lang.min(b.1.mae),
            d.0,
            lang.pct(1.0 - d.1.mae / z.1.mae, 0),
            lang.min(z.1.mae)
        ),
        (Some(b), _, _) => text!(
            lang,
            "Am genauesten ist {} ({} beim Ziehen).",
            "Most accurate is {} ({} at issue).",
            b.0,
            lang.min(b.1.mae)
        ),
        _ => String::new(),
    };
    s.chart(page, "model-mae", title, aid, &fig)
}

fn calibration_chart(
    s: &mut Section,
    m: &ModelBacktestFile,
    default: &str,
    page: &str,
    lang: Lang,
) -> Result<(), ReportError> {
    let Some(bins) =
        m.backtest.predictors.get(default).map(|p| &p.predicted_vs_actual).filter(|b| !b.is_empty())
    else {
        s.text(lang.pick(
            "Keine Werte „Vorhersage gegen Ist“ im Modell.",
            "No predicted-vs-actual figures in the model.",
        ));
        return Ok(());
    };
    let hi = bins.iter().map(|b| b.actual_p90.max(b.mean_predicted)).fold(0.0f64, f64::max);
    let ((_, top), ticks) = nice_ticks(0.0, hi.max(1.0), 5);
    let mut p = Panel::new(YAxis {
        fixed: Some((0.0, top)),
        ..YAxis::new(lang.pick("tatsächliche Wartezeit (min)", "actual wait (min)"), Unit::Number)
    });
    p.bands.push(Band {
        color: category(0),
        points: bins.iter().map(|b| (b.mean_predicted, b.actual_p10, b.actual_p90)).collect(),
    });
    p.series.push(Series::new(MUTED, vec![(0.0, 0.0), (top, top)], LineStyle::Dashed));
    p.series.push(Series::new(
        category(0),
        bins.iter().map(|b| (b.mean_predicted, b.mean_actual)).collect(),
        LineStyle::SolidPoints,
    ));
    let title = lang.pick(
        format!("Vorhersage gegen Ist ({default}, alle Zeitpunkte)"),
        format!("Predicted vs actual ({default}, all snapshots)"),
    );
    let fig = LineFigure {
        title: title.clone(),
        lang,
        x: XAxis {
            range: (0.0, top),
            ticks: ticks.iter().map(|t| (*t, lang.num(*t, 0))).collect(),
            title: Some(lang.pick("vorhergesagte Wartezeit p50 (min)", "predicted wait p50 (min)").into()),
        },
        panels: vec![p],
        legend: vec![
            LegendItem::new(
                lang.pick("Mittel der tatsächlichen Wartezeit", "mean actual wait"),
                category(0),
                Mark::Line,
            ),
            LegendItem::new(
                lang.pick("p10–p90 der tatsächlichen", "p10–p90 of actual"),
                over_white(category(0), BAND_ALPHA),
                Mark::Light,
            ),
            LegendItem::new(lang.pick("Vorhersage = Ist", "predicted = actual"), MUTED, Mark::Dashed),
        ],
        panel_height: 300,
    };
    let off: Vec<((f64, f64, f64), f64)> = bins
        .iter()
        .map(|b| ((b.from_min, b.mean_predicted, b.mean_actual), (b.mean_actual - b.mean_predicted).abs()))
        .collect();
    let aid = match extreme(&off, true) {
        Some(((from, pred, act), _)) => text!(
            lang,
            "Je näher die Punkte an der gestrichelten Linie, desto besser: am weitesten daneben liegt das Modell bei Vorhersagen ab {} min (vorhergesagt im Mittel {}, tatsächlich {}).",
            "The closer the points lie to the dashed line, the better: the model is furthest off for predictions from {} min (predicted {} on average, actual {}).",
            lang.num(from, 0),
            lang.min(pred),
            lang.min(act)
        ),
        None => String::new(),
    };
    s.chart(page, "model-calibration", &title, aid, &fig)
}

fn hour_chart(
    s: &mut Section,
    m: &ModelBacktestFile,
    default: &str,
    page: &str,
    lang: Lang,
) -> Result<(), ReportError> {
    let Some(p) = m.backtest.predictors.get(default) else { return Ok(()) };
    let hours: Vec<(u32, &Metrics)> = p.by_hour.iter().map(|(h, m)| (u32::from(*h), m)).collect();
    let (Some(h0), Some(h1)) = (hours.iter().map(|h| h.0).min(), hours.iter().map(|h| h.0).max()) else {
        s.text(lang.pick("Keine Kennzahlen je Stunde im Modell.", "No figures by hour in the model."));
        return Ok(());
    };
    let x = |h: u32| f64::from(h) + 0.5;
    let mut cov = Panel::new(YAxis {
        fixed: Some((0.0, 1.0)),
        ..YAxis::new(lang.pick("Anteil", "Share"), Unit::Share)
    });
    cov.label =
        Some(lang.pick("p10–p90 trifft die tatsächliche Wartezeit", "p10–p90 covers the actual wait").into());
    cov.hlines.push(HLine { y: 0.8, color: MUTED, label: lang.pick("Ziel 80 %", "target 80%").into() });
    let by = |pick: fn(&Metrics) -> f64| -> Vec<(f64, f64)> {
        (h0..=h1).map(|h| (x(h), hours.iter().find(|k| k.0 == h).map_or(f64::NAN, |k| pick(k.1)))).collect()
    };
    cov.series.push(Series::new(category(0), by(|m| m.coverage_p10_p90), LineStyle::SolidPoints));
    let mut mae = Panel::new(YAxis::new(lang.pick("Minuten", "Minutes"), Unit::Number));
    mae.label = Some(lang.pick("Mittlerer absoluter Fehler", "Mean absolute error").into());
    mae.series.push(Series::new(category(1), by(|m| m.mae), LineStyle::SolidPoints));
    let title = lang.pick(
        format!("Treffsicherheit nach Uhrzeit ({default})"),
        format!("Accuracy by time of day ({default})"),
    );
    let fig = LineFigure {
        title: title.clone(),
        lang,
        x: XAxis {
            range: (f64::from(h0), f64::from(h1 + 1)),
            ticks: hour_ticks(h0, h1 + 1),
            title: Some(lang.pick("Stunde (Ortszeit)", "Hour (local time)").into()),
        },
        panels: vec![cov, mae],
        legend: vec![],
        panel_height: 140,
    };
    let covs: Vec<(u32, f64)> = hours.iter().map(|(h, m)| (*h, m.coverage_p10_p90)).collect();
    let aid = match (extreme(&covs, false), extreme(&covs, true)) {
        (Some((lh, lv)), Some((hh, hv))) => text!(
            lang,
            "Die Spanne p10–p90 trifft je Stunde zwischen {} ({}) und {} ({}) der Wartezeiten (Ziel 80 %).",
            "By hour the p10–p90 range covers between {} ({}) and {} ({}) of the waits (target 80%).",
            lang.pct(lv, 0),
            lang.hour_span(lh),
            lang.pct(hv, 0),
            lang.hour_span(hh)
        ),
        _ => String::new(),
    };
    s.chart(page, "model-by-hour", &title, aid, &fig)
}

/// An office's model section: its own backtest figures when the model has them.
pub fn office_section(data: &ExportData, office: &str, lang: Lang) -> Section {
    let mut s = Section::new("model", title(lang));
    let Some(m) = &data.model else {
        s.text(missing(data, lang));
        return s;
    };
    let mut t = Table::new(vec![
        lang.pick("Vorhersager", "Predictor").into(),
        lang.pick("Zeitpunkte", "Snapshots").into(),
        lang.pick("MAE", "MAE").into(),
        lang.pick("±5 min", "±5 min").into(),
        lang.pick("p10–p90 trifft", "p10–p90 covers").into(),
        lang.pick("Alarme", "Alarms").into(),
        lang.pick("davon zu spät", "of them late").into(),
    ]);
    for (name, p) in &m.backtest.predictors {
        if let Some(o) = p.by_office.get(office) {
            t.rows.push(vec![
                name.clone(),
                lang.int(o.n as f64),
                lang.min(o.mae),
                lang.pct(o.within_5min, 1),
                lang.pct(o.coverage_p10_p90, 1),
                lang.pct(o.alarm_share, 1),
                if o.alarm_share > 0.0 { lang.pct(o.late_alarm_rate, 1) } else { "–".into() },
            ]);
        }
    }
    if t.rows.is_empty() {
        s.text(lang.pick(
            "Der Backtest des Modells enthält keine Kennzahlen für dieses Amt; die Gesamtzahlen stehen in der Übersicht.",
            "The model's backtest holds no figures for this office; the totals are in the overview.",
        ));
    } else {
        s.text(lang.pick(
            "Backtest des Modells in diesem Amt (alle Zeitpunkte; die Gesamtauswertung steht in der Übersicht):",
            "The model's backtest in this office (all snapshots; the full evaluation is in the overview):",
        ));
        s.table(t);
    }
    s
}
