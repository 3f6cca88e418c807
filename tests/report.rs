//! `queuecast report` end to end on nine simulated weeks of the sample's three offices (seed
//! 2025, as the sample), with a few quarantined rows and a small model trained with its
//! backtest: the HTML's structure (every page, section and chart, each with a reading aid),
//! strict well-formedness, nothing fetched from outside the file, the chart files (PNG with
//! text pixels, SVG), German and English, byte-identical reruns, reading aids checked
//! against the exported tables, an export without a model, and a missing export.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use util::Workdir;

const AT: &str = "2026-11-29T04:15:00Z";
const OFFICES: [&str; 3] = ["dormagen", "grevenbroich", "neuss-mitte"];
const OFFICE_SECTIONS: [&str; 7] =
    ["heatmaps", "profile", "trends", "forecast", "model", "staffing", "quality"];
const OVERVIEW_SECTIONS: [&str; 4] = ["comparison", "model", "staffing", "quality"];
const OFFICE_CHARTS: [&str; 10] = [
    "heatmap-tickets",
    "heatmap-wait",
    "heatmap-within15",
    "profile15",
    "trend-weekly",
    "trend-monthly",
    "forecast-ahead",
    "forecast-vs-actual",
    "staffing-counters",
    "whatif-hours",
];
const OVERVIEW_CHARTS: [&str; 7] = [
    "weekly-offices",
    "within15-weekdays",
    "model-mae",
    "model-calibration",
    "model-by-hour",
    "whatif-offices",
    "quality-quarantine",
];

/// Rows every reason below rejects: two unknown service codes, a call before the issue and
/// a blank line. All are bad, so the file replaces no office-day.
const BAD_ROWS: &str = "office_id,ticket_id,service,channel,issued_at,called_at,finished_at,counter,outcome\n\
neuss-mitte,Z001,XX,walk_in,2025-11-04T08:01:00+01:00,2025-11-04T08:03:00+01:00,2025-11-04T08:13:30+01:00,1,served\n\
neuss-mitte,Z002,XX,walk_in,2025-11-04T08:02:00+01:00,2025-11-04T08:04:00+01:00,2025-11-04T08:14:30+01:00,1,served\n\
neuss-mitte,Z003,PA,walk_in,2025-11-04T08:05:00+01:00,2025-11-04T08:03:00+01:00,2025-11-04T08:13:30+01:00,1,served\n\
\n";

const FIXTURE_PREFIX: &str = "report-";

/// The store, an export with a model and one without, built once.
struct Fixture {
    work: Workdir,
}

impl Fixture {
    /// Renders the export under `exports` into `out` (relative paths) and returns stdout.
    fn report(&self, exports: &str, out: &str, lang: &str) -> String {
        self.work.run_ok(&[
            "--config",
            "test.toml",
            "report",
            "--exports",
            exports,
            "--out",
            out,
            "--lang",
            lang,
        ])
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let work = Workdir::shared(FIXTURE_PREFIX);
        // A small, quick model: one backtest week, snapshots every 15 minutes, few GBM trees and rows.
        let config = format!(
            "[model]\nbacktest_weeks = 1\ncalibration_days = 7\nsnapshot_minutes = 15\ngbm_max_trees = 100\ngbm_max_rows = 3000\n[catalog]\npath = {:?}\n",
            root().join("data/services.toml").display().to_string()
        );
        fs::write(work.path("test.toml"), config).unwrap();
        fs::write(work.path("bad.csv"), BAD_ROWS).unwrap();
        let run = |args: &[&str]| {
            let mut all = vec!["--config", "test.toml"];
            all.extend_from_slice(args);
            work.run_ok(&all)
        };
        // Nine weeks: the arrival backtest needs four weeks of history before its first origin and
        // 28 days after its last.
        run(&["simulate", "--out", "s.csv", "--start", "2025-10-13", "--days", "63", "--offices", "3", "--seed", "2025"]);
        run(&["ingest", "--store", "store", "--max-quarantine-share", "1", "s.csv", "bad.csv"]);
        run(&["train", "--store", "store", "--out", "model.json", "--with-backtest"]);
        run(&["export", "--store", "store", "--out", "e", "--at", AT, "--model", "model.json"]);
        run(&["export", "--store", "store", "--out", "e0", "--at", AT]);
        Fixture { work }
    })
}

/// The German and English reports of the export with a model, rendered once.
fn rendered() -> &'static (PathBuf, PathBuf) {
    static R: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    R.get_or_init(|| {
        let f = fixture();
        let out = f.report("e", "de/report.html", "de");
        assert!(out.contains("report of generation 20261129T041500Z"), "{out}");
        f.report("e", "en/report.html", "en");
        (f.work.path("de/report.html"), f.work.path("en/report.html"))
    })
}

/// The report parsed strictly as XML (the HTML is written well-formed); panics with the
/// parser's position on any error.
fn parse(text: &str) -> roxmltree::Document<'_> {
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    roxmltree::Document::parse_with_options(text, opts).unwrap_or_else(|e| panic!("not well-formed: {e}"))
}

fn attr<'a>(n: &roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    n.attribute(name).unwrap_or("")
}

/// Checks the document's structure and returns the chart ids in order.
fn check_structure(doc: &roxmltree::Document, lang: &str) -> Vec<String> {
    let html = doc.root_element();
    assert_eq!((html.tag_name().name(), attr(&html, "lang")), ("html", lang));
    let pages: Vec<_> = doc.descendants().filter(|n| n.attribute("data-page").is_some()).collect();
    let ids: Vec<&str> = pages.iter().map(|p| attr(p, "id")).collect();
    let mut expected = vec!["overview".to_string()];
    expected.extend(OFFICES.iter().map(|o| format!("office-{o}")));
    assert_eq!(ids, expected);
    let mut charts = Vec::new();
    for page in &pages {
        let overview = attr(page, "id") == "overview";
        let sections: Vec<&str> =
            page.children().filter(|n| n.has_tag_name("section")).map(|s| attr(&s, "data-section")).collect();
        assert_eq!(sections, if overview { OVERVIEW_SECTIONS.to_vec() } else { OFFICE_SECTIONS.to_vec() });
        let figures: Vec<_> = page.descendants().filter(|n| n.has_tag_name("figure")).collect();
        let kinds: Vec<&str> = figures.iter().map(|f| attr(f, "data-chart")).collect();
        let want: &[&str] = if overview { &OVERVIEW_CHARTS } else { &OFFICE_CHARTS };
        assert_eq!(kinds, want, "charts of {}", attr(page, "id"));
        for f in figures {
            let id = attr(&f, "id");
            assert_eq!(id, format!("{}-{}", attr(page, "id"), attr(&f, "data-chart")));
            let svg = f.children().find(|n| n.has_tag_name("svg")).unwrap_or_else(|| panic!("{id}: no svg"));
            assert!(attr(&svg, "viewBox").starts_with("0 0 "), "{id}");
            assert!(svg.descendants().filter(|n| n.has_tag_name("text")).count() > 5, "{id}: no text");
            let aid =
                f.children().find(|n| n.has_tag_name("figcaption")).and_then(|c| c.text()).unwrap_or("");
            assert!(aid.trim().ends_with('.') && aid.len() > 30, "{id}: reading aid {aid:?}");
            charts.push(id.to_string());
        }
    }
    charts
}

/// Nothing in the file can fetch anything: no script, stylesheet link, image, frame or
/// object; every href is an anchor of an element in the file; no URL at all in the text.
fn check_self_contained(doc: &roxmltree::Document, text: &str) {
    let ids: BTreeSet<&str> = doc.descendants().filter_map(|n| n.attribute("id")).collect();
    let all_ids: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("id")).collect();
    assert_eq!(ids.len(), all_ids.len(), "duplicate ids");
    for n in doc.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        assert!(
            !["script", "link", "img", "iframe", "object", "embed", "image", "use"].contains(&tag),
            "<{tag}>"
        );
        for a in n.attributes() {
            if matches!(a.name(), "href" | "src" | "srcset" | "action" | "poster" | "data") {
                let target =
                    a.value().strip_prefix('#').unwrap_or_else(|| panic!("{}={:?}", a.name(), a.value()));
                assert!(ids.contains(target), "broken link #{target}");
            }
        }
    }
    for needle in ["http://", "https://", "url(", "@import", "//cdn", "<script"] {
        assert!(!text.contains(needle), "the report contains {needle:?}");
    }
}

/// Decodes a PNG; returns (width, height, RGB rows).
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Every chart has its PNG (the size of its view box, with dark text pixels in the title
/// line and many colours) and its SVG (well-formed, with text).
fn check_chart_files(dir: &Path, html: &str, charts: &[String]) {
    let doc = parse(html);
    for id in charts {
        let figure = doc.descendants().find(|n| n.attribute("id") == Some(id)).unwrap();
        let view = attr(&figure.children().find(|n| n.has_tag_name("svg")).unwrap(), "viewBox").to_string();
        let (w, h, rgb) = decode_png(&dir.join(format!("{id}.png")));
        assert_eq!(view, format!("0 0 {w} {h}"), "{id}");
        // The title line (top 36 px): dark anti-aliased text on white.
        let dark = (0..36 * w as usize).filter(|i| rgb[3 * i..3 * i + 3].iter().all(|c| *c < 90)).count();
        assert!(dark > 150, "{id}: {dark} dark pixels in the title line");
        let colours: BTreeSet<&[u8]> = rgb.chunks(3).collect();
        assert!(colours.len() > 20, "{id}: {} colours", colours.len());
        let svg = fs::read_to_string(dir.join(format!("{id}.svg"))).unwrap();
        let s = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{id}.svg: {e}"));
        assert_eq!(s.root_element().tag_name().name(), "svg");
        assert!(s.descendants().any(|n| n.has_tag_name("text")), "{id}.svg has no text");
    }
}

#[test]
fn german_and_english_reports_have_every_section_and_chart_and_fetch_nothing() {
    let (de, en) = rendered();
    for (path, lang) in [(de, "de"), (en, "en")] {
        let text = fs::read_to_string(path).unwrap();
        assert!(text.starts_with("<!DOCTYPE html>\n<html lang="));
        let doc = parse(&text);
        let charts = check_structure(&doc, lang);
        assert_eq!(charts.len(), OVERVIEW_CHARTS.len() + 3 * OFFICE_CHARTS.len());
        check_self_contained(&doc, &text);
        let dir = path.parent().unwrap().join("charts");
        check_chart_files(&dir, &text, &charts);
        let files = fs::read_dir(&dir).unwrap().count();
        assert_eq!(files, 2 * charts.len(), "only the charts' PNG and SVG files");
    }
    let de = fs::read_to_string(de).unwrap();
    let en = fs::read_to_string(en).unwrap();
    // German names, decimal comma and dates; English ones.
    for s in ["Montag", "Okt 2025", "Wartezeit-Modell", "Datenqualität", "13.10.2025", ",5 min", "Übersicht"]
    {
        assert!(de.contains(s), "German report lacks {s:?}");
    }
    for s in ["Monday", "Oct 2025", "Wait-time model", "Data quality", "13 Oct 2025", ".5 min", "Overview"] {
        assert!(en.contains(s), "English report lacks {s:?}");
    }
    assert!(!en.contains("Montag") && !de.contains("Monday"));
}

#[test]
fn the_same_export_gives_the_same_bytes() {
    let f = fixture();
    let (de, _) = rendered();
    f.report("e", "again/report.html", "de");
    assert_eq!(fs::read(de).unwrap(), fs::read(f.work.path("again/report.html")).unwrap());
    let listing = |d: &Path| -> BTreeMap<String, Vec<u8>> {
        fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read(&p).unwrap()))
            .collect()
    };
    let a = listing(&de.parent().unwrap().join("charts"));
    let b = listing(&f.work.path("again/charts"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between two renders");
    }
}

/// The figcaption of chart `id`.
fn aid(doc: &roxmltree::Document, id: &str) -> String {
    let f = doc.descendants().find(|n| n.attribute("id") == Some(id)).unwrap_or_else(|| panic!("no {id}"));
    f.children().find(|n| n.has_tag_name("figcaption")).and_then(|c| c.text()).unwrap_or("").to_string()
}

/// The text of section `kind` on page `page`.
fn section_text(doc: &roxmltree::Document, page: &str, kind: &str) -> String {
    let s = doc
        .descendants()
        .find(|n| n.attribute("id") == Some(&format!("{page}-{kind}")))
        .unwrap_or_else(|| panic!("no section {page}-{kind}"));
    s.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<Vec<_>>().join(" ")
}

#[test]
fn reading_aids_and_figures_come_from_the_exported_tables() {
    let f = fixture();
    let (de, en) = rendered();
    let de_text = fs::read_to_string(de).unwrap();
    let doc = parse(&de_text);
    // The busiest weekday × hour cell of neuss-mitte, recomputed from weekday_hour.csv.
    let table = fs::read_to_string(f.work.path("e/current/tables/profile/weekday_hour.csv")).unwrap();
    let mut lines = table.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let mut best: Option<(f64, u32, u32)> = None;
    for l in lines {
        let c: Vec<&str> = l.split(',').collect();
        if c[col("office_id")] != "neuss-mitte" || c[col("service")] != "*" || c[col("suppressed")] == "true"
        {
            continue;
        }
        let v: f64 = c[col("tickets_per_open_day")].parse().unwrap();
        if best.is_none_or(|b| v > b.0) {
            best = Some((v, c[col("weekday")].parse().unwrap(), c[col("hour")].parse().unwrap()));
        }
    }
    let (v, weekday, hour) = best.unwrap();
    let days = ["montags", "dienstags", "mittwochs", "donnerstags", "freitags", "samstags", "sonntags"];
    let want = format!(
        "Am meisten los ist {} {}–{} Uhr mit {} Tickets je Öffnungstag",
        days[weekday as usize - 1],
        hour,
        hour + 1,
        format!("{v:.1}").replace('.', ",")
    );
    let got = aid(&doc, "office-neuss-mitte-heatmap-tickets");
    assert!(got.starts_with(&want), "{got}\nwanted: {want}");

    // Where each office's expected waits come from: its office file's method, with the
    // slot-wait backtest's figures of export_report.json.
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(f.work.path("e/current/export_report.json")).unwrap())
            .unwrap();
    for o in OFFICES {
        let office: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(f.work.path(&format!("e/current/offices/{o}.json"))).unwrap(),
        )
        .unwrap();
        let score = report["slot_wait_backtest"]["by_office"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["office_id"] == o)
            .unwrap();
        let min = |k: &str| {
            let x = (score[k].as_f64().unwrap() * 10.0).round() / 10.0;
            format!("{} min", format!("{x:.1}").replace('.', ","))
        };
        // German thousands: 1.022.
        let slots = score["slots"].as_u64().unwrap();
        let slots =
            if slots >= 1000 { format!("{}.{:03}", slots / 1000, slots % 1000) } else { slots.to_string() };
        let want = match office["forecast"]["wait_method"].as_str().unwrap() {
            "simulation" => format!(
                "Die erwarteten Wartezeiten stammen aus der Simulation der Prognosetage: im Backtest ({} Viertelstunden der letzten Wochen) lag ihr Median im Mittel {} neben",
                slots,
                min("mae_p50_min")
            ),
            _ => format!(
                "Die erwarteten Wartezeiten sind Median und p90 der Wartezeiten derselben Viertelstunde desselben Wochentags der letzten Wochen: im Backtest ({} Viertelstunden) lagen sie im Mittel {} neben",
                slots,
                min("mae_baseline_p50_min")
            ),
        };
        let text = section_text(&doc, &format!("office-{o}"), "profile");
        assert!(text.contains(&want), "{text}\nwanted: {want}");
    }

    // Data quality: the ingest counts of the store manifest and the quarantine reasons.
    let quality = section_text(&doc, "overview", "quality");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(f.work.path("store/manifest.json")).unwrap()).unwrap();
    let sum =
        |k: &str| manifest["files"].as_array().unwrap().iter().map(|x| x[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!((sum("quarantined"), sum("duplicates")), (4, 0));
    let read = sum("rows_read").to_string();
    let read = format!("{}.{}", &read[..read.len() - 3], &read[read.len() - 3..]);
    assert!(quality.contains(&format!("Gelesen {read} Zeilen")), "{quality}");
    assert!(quality.contains("4 in Quarantäne"), "{quality}");
    assert!(quality.contains("Unbekannte Dienstkürzel (Zeilen in Quarantäne): XX (2)."), "{quality}");
    assert!(
        aid(&doc, "overview-quality-quarantine")
            .starts_with("Häufigster Grund ist unknown_service mit 2 von 4")
    );

    // The model: one table row per predictor, in the order of their MAE at issue.
    let model: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(f.work.path("model.json")).unwrap()).unwrap();
    let summary = &model["summary"];
    let mut maes: Vec<(f64, String)> = summary["backtest"]["predictors"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(n, p)| (p["at_issue"]["mae"].as_f64().unwrap(), n.clone()))
        .collect();
    maes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let section = doc.descendants().find(|n| n.attribute("id") == Some("overview-model")).unwrap();
    let tables: Vec<Vec<Vec<String>>> = section
        .descendants()
        .filter(|n| n.has_tag_name("tbody"))
        .map(|t| {
            t.children()
                .filter(|r| r.has_tag_name("tr"))
                .map(|r| {
                    r.children()
                        .filter(|c| c.has_tag_name("td"))
                        .map(|c| c.text().unwrap_or("").to_string())
                        .collect()
                })
                .collect()
        })
        .collect();
    assert_eq!(tables.len(), 2, "backtest and gate tables");
    let first_cells = |t: &Vec<Vec<String>>| t.iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    assert_eq!(first_cells(&tables[0]), maes.iter().map(|m| m.1.clone()).collect::<Vec<_>>());
    assert_eq!(tables[0].len(), 8, "one row per predictor");
    // The gate table: the model file's gate figures, in the report's number format; the first
    // train had no model to replace.
    let gate = &summary["gate"];
    let min = |v: &serde_json::Value| {
        format!("{} min", format!("{:.1}", (v.as_f64().unwrap() * 10.0).round() / 10.0).replace('.', ","))
    };
    assert_eq!(
        first_cells(&tables[1]),
        [
            "neues Modell (gbm)",
            "neues Modell, mit diesen Tagen nachtrainiert (verglichen mit dem bisherigen)",
            "ZMS-Regel",
            "kein bisheriges Modell",
            "GBM: erklärte Varianz (R²) an zurückgehaltenen Tagen"
        ]
    );
    assert_eq!(tables[1][0][1], min(&gate["mae_new"]));
    assert_eq!(tables[1][1][1..], [min(&gate["mae_new_refit"]), "–".into(), "–".into()]);
    assert_eq!(
        tables[1][2][1..],
        [min(&gate["mae_zms"]), format!("neues Modell höchstens {}", min(&gate["mae_zms"])), "ja".into()]
    );
    assert_eq!(tables[1][3][1..], ["–", "–", "–"]);
    assert_eq!(tables[1][4][3], "ja");
    let model_text = section_text(&doc, "overview", "model");
    assert!(model_text.contains("Entscheidung: angenommen, das Modell wurde geschrieben."), "{model_text}");
    let days = format!("an den {} Kalibrierungstagen", gate["days"]);
    assert!(model_text.contains(&days), "{model_text}");

    // English: the same figure with a decimal point.
    let en_text = fs::read_to_string(en).unwrap();
    let en_doc = parse(&en_text);
    let en_aid = aid(&en_doc, "office-neuss-mitte-heatmap-tickets");
    assert!(en_aid.contains(&format!("with {v:.1} tickets per open day")), "{en_aid}");
}

#[test]
fn without_a_model_the_model_section_says_so() {
    let f = fixture();
    f.report("e0", "nomodel/report.html", "de");
    let text = fs::read_to_string(f.work.path("nomodel/report.html")).unwrap();
    let doc = parse(&text);
    let model = section_text(&doc, "overview", "model");
    assert!(model.contains("enthält kein Wartezeit-Modell (no model file given)"), "{model}");
    assert!(section_text(&doc, "office-dormagen", "model").contains("kein Wartezeit-Modell"));
    let kinds: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("data-chart")).collect();
    assert!(!kinds.iter().any(|k| k.starts_with("model-")), "{kinds:?}");
    // Every other chart is still there.
    assert_eq!(kinds.len(), OVERVIEW_CHARTS.len() - 3 + 3 * OFFICE_CHARTS.len());
    check_self_contained(&doc, &text);
}

#[test]
fn a_directory_without_an_export_is_an_error_naming_it() {
    let f = fixture();
    fs::create_dir_all(f.work.path("empty")).unwrap();
    let out =
        f.work.run(&["--config", "test.toml", "report", "--exports", "empty", "--out", "x/report.html"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("empty: no export generation here"), "{err}");
    assert!(!f.work.path("x/report.html").exists());
    let help = f.work.run_ok(&["report", "--help"]);
    for text in [
        "--exports <DIR>",
        "Export directory (holding",
        "--out <FILE>",
        "HTML file to write",
        "--lang <LANG>",
        "Language of the report",
    ] {
        assert!(help.contains(text), "{text:?} not in:\n{help}");
    }
}
