//! The terminal tables the commands print: the library returns typed results, the wording and
//! layout of their summaries live here.

use std::fmt::Write as _;

use queuecast::forecast::arrival_backtest::ArrivalBacktest;
use queuecast::model::backtest::BacktestResult;
use queuecast::model::metrics::Metrics;
use queuecast::output::TextTable;
use queuecast::planning::StaffingReport;
use queuecast::planning::slot_waits::SlotBacktestScore;
use queuecast::planning::whatif::WhatIf;

/// The backtest as a text table (one line per office, method and horizon).
pub fn arrival_backtest(bt: &ArrivalBacktest) -> String {
    let fmt = |v: Option<f64>| v.map_or("—".to_string(), |x| format!("{x:.3}"));
    let mut out = format!(
        "arrival backtest: {} daily origins {} … {}; WAPE = Σ|y−ŷ|/Σy, MASE = MAE / in-sample seasonal-naive MAE\n",
        bt.origins,
        bt.first_origin.map_or("—".into(), |d| d.to_string()),
        bt.last_origin.map_or("—".into(), |d| d.to_string()),
    );
    let mut t = TextTable::new(&[
        "office",
        "method",
        ">h",
        ">days",
        ">tickets",
        ">WAPE",
        ">WAPE day",
        ">MASE",
        ">p10-p90",
    ]);
    for r in &bt.rows {
        t.row([
            r.office_id.clone(),
            r.method.as_str().to_string(),
            r.horizon_days.to_string(),
            r.days.to_string(),
            format!("{:.0}", r.actual_tickets),
            fmt(r.wape),
            fmt(r.wape_daily),
            fmt(r.mase),
            fmt(r.coverage_p10_p90),
        ]);
    }
    out.push_str(&t.render(""));
    for c in &bt.choices {
        out.push_str(&format!("{}: {} — {}\n", c.office_id, c.method.as_str(), c.reason));
    }
    out
}

/// Terminal summary of a staffing run.
pub fn staffing(r: &StaffingReport) -> String {
    let p = &r.params;
    let mut s = format!(
        "staffing {} … {}: {} office × weekday × hour cells, target {:.0} % within {} min\n",
        r.from,
        r.to,
        r.table.len(),
        100.0 * p.target,
        p.threshold_min
    );
    let _ = writeln!(s, "Erlang C validation (predicted − measured service level, ticket-weighted):");
    let mut t = TextTable::new(&["office", ">groups", ">tickets", ">MAE", ">bias"]);
    let v = &r.validation;
    let extra = [
        ("all".to_string(), v.overall),
        ("ρ < 1 only".to_string(), v.stable),
        ("ρ ≥ 1 only".to_string(), v.unstable),
    ];
    let by_office = v.by_office.iter().map(|s| (s.office.clone(), s.score));
    for (o, e) in by_office.chain(extra) {
        t.row([
            o,
            e.groups.to_string(),
            e.tickets.to_string(),
            format!("{:.1}%", 100.0 * e.mae),
            format!("{:+.1}%", 100.0 * e.bias),
        ]);
    }
    s.push_str(&t.render("  "));
    let _ = writeln!(
        s,
        "suggested counters re-simulated on every day (same engine, observed counters as reference):"
    );
    let mut t = TextTable::new(&[
        "office",
        ">cnt-h obs.",
        ">cnt-h sugg.",
        ">mean obs",
        ">mean sug",
        ">≤ th obs",
        ">≤ th sug",
    ]);
    for x in &r.check {
        t.row([
            x.office.clone(),
            format!("{:.0}", x.counter_hours_observed),
            format!("{:.0}", x.counter_hours_suggested),
            format!("{:.2}", x.observed.mean_min),
            format!("{:.2}", x.suggested.mean_min),
            format!("{:.1}%", 100.0 * x.observed.share_within),
            format!("{:.1}%", 100.0 * x.suggested.share_within),
        ]);
    }
    s.push_str(&t.render("  "));
    let b = &r.slot_backtest;
    let by_office = b.by_office.iter().map(|s| (s.office.as_str(), s.score));
    s.push_str(&slot_wait_backtest(by_office.chain(std::iter::once(("all", b.overall))), true));
    s
}

/// The slot-wait backtest's scores, one line per office (and `all`): the simulation's and the
/// history's p50 error and p90 coverage; `with_mean` adds the error of the simulated mean and
/// of the history's mean.
fn slot_wait_backtest<'a>(
    scores: impl Iterator<Item = (&'a str, SlotBacktestScore)>,
    with_mean: bool,
) -> String {
    let mut s = String::from(
        "slot-wait backtest (minutes against the slot's actual mean wait; cover = share of tickets within p90):\n",
    );
    let mut header = vec!["office", ">slots", ">sim p50"];
    if with_mean {
        header.push(">sim mean");
    }
    header.extend([">sim cover", ">hist p50"]);
    if with_mean {
        header.push(">hist mean");
    }
    header.push(">hist cover");
    let mut t = TextTable::new(&header);
    for (o, e) in scores {
        let mut row = vec![o.to_string(), e.slots.to_string(), format!("{:.2}", e.mae_p50)];
        if with_mean {
            row.push(format!("{:.2}", e.mae_mean));
        }
        row.extend([format!("{:.1}%", 100.0 * e.coverage_p90), format!("{:.2}", e.mae_baseline_p50)]);
        if with_mean {
            row.push(format!("{:.2}", e.mae_baseline));
        }
        row.push(format!("{:.1}%", 100.0 * e.coverage_baseline_p90));
        t.row(row);
    }
    s.push_str(&t.render("  "));
    s
}

/// Terminal summary of a what-if run: totals per office and share, and the reproduction error.
pub fn whatif(w: &WhatIf) -> String {
    let mut s = String::from("what-if totals (share 0 = baseline simulation):\n");
    let mut t = TextTable::new(&[
        "office",
        ">share",
        ">tickets",
        ">moved",
        ">mean min",
        ">p90 min",
        ">≤ thresh",
        ">not called",
    ]);
    for x in w.rows.iter().filter(|x| x.hour.is_none()) {
        t.row([
            x.office.clone(),
            format!("{:.2}", x.share),
            x.tickets.to_string(),
            x.moved.to_string(),
            format!("{:.2}", x.waits.mean_min),
            format!("{:.2}", x.waits.p90_min),
            format!("{:.1}%", 100.0 * x.waits.share_within),
            x.not_called.to_string(),
        ]);
    }
    s.push_str(&t.render("  "));
    let _ = writeln!(s, "baseline simulation vs measured waits (called in both):");
    let mut t = TextTable::new(&[
        "office",
        ">days",
        ">actual",
        ">simulated",
        ">act. ≤ th",
        ">sim ≤ th",
        ">day MAE",
        ">gap s",
    ]);
    for r in &w.reproduction {
        t.row([
            r.office.clone(),
            r.days.to_string(),
            format!("{:.2}", r.actual.mean_min),
            format!("{:.2}", r.simulated.mean_min),
            format!("{:.1}%", 100.0 * r.actual.share_within),
            format!("{:.1}%", 100.0 * r.simulated.share_within),
            format!("{:.2}", r.day_mean_mae_min),
            format!("{:.1}", r.call_gap_ms as f64 / 1000.0),
        ]);
    }
    s.push_str(&t.render("  "));
    s
}

/// What an export printed: files and rows, both backtests, catalog gaps and timings.
pub fn export(s: &queuecast::export::run::ExportSummary, timings: &[super::timing::Timing]) -> String {
    let mut out = String::new();
    let g = &s.generation;
    let _ = writeln!(
        out,
        "export generation {} of {} … {} ({} offices): {} files listed in manifest.json, current -> {}",
        g.id,
        s.from,
        s.to,
        s.offices.len(),
        g.manifest.files.len(),
        g.dir.display()
    );
    let mut t = TextTable::new(&["file", ">rows"]);
    for r in &s.rows {
        t.row([r.path.clone(), r.rows.to_string()]);
    }
    out.push_str(&t.render("  "));
    out.push_str(&arrival_backtest(&s.arrival_backtest));
    out.push_str(&slot_wait_backtest(
        s.slot_wait_backtest.iter().map(|o| (o.office.as_str(), o.score)),
        false,
    ));
    for c in &s.wait_choices {
        let _ = writeln!(out, "{}: expected waits by {}", c.office, c.score);
    }
    match s.missing_services.is_empty() {
        true => out.push_str("every service code in the store has a catalog entry\n"),
        false => {
            let _ = writeln!(out, "service codes without a catalog entry: {}", s.missing_services.join(", "));
        }
    }
    for w in &s.review_warnings {
        let _ = writeln!(out, "catalog warning: {w}");
    }
    if let Some(reason) = &s.model_reason {
        let _ = writeln!(out, "model card: none ({reason})");
    }
    let timings: Vec<String> = timings.iter().map(|t| format!("{} {:.1} s", t.name, t.secs)).collect();
    let _ = writeln!(out, "took {}", timings.join(", "));
    if !g.removed.is_empty() {
        let _ = writeln!(out, "removed old generations: {}", g.removed.join(", "));
    }
    out
}

/// What `queuecast report` wrote, and how long its steps took.
pub fn report(r: &queuecast::report::ReportSummary, timings: &[super::timing::Timing]) -> String {
    let timings: Vec<String> = timings.iter().map(|t| format!("{} {:.1} s", t.name, t.secs)).collect();
    format!(
        "report of generation {}: {} ({} bytes), {} charts as PNG and SVG in {} (took {})\n",
        r.generation,
        r.html.display(),
        r.html_bytes,
        r.charts.len(),
        r.chart_dir.display(),
        timings.join(", ")
    )
}

/// The comparison table printed after a backtest or an evaluation.
pub fn wait_backtest(r: &BacktestResult) -> String {
    let mut out = String::new();
    for (title, pick) in [("at issue", 0), ("all snapshots", 1)] {
        let mut t = TextTable::new(&[
            "predictor",
            ">n",
            ">MAE",
            ">RMSE",
            ">MedAE",
            ">±5min",
            ">cov80",
            ">alarms",
            ">late",
            ">lead",
            ">alarm≥20",
        ]);
        for (name, b) in &r.metrics {
            let m: &Metrics = if pick == 0 { &b.at_issue } else { &b.overall };
            let pct = |x: f64| format!("{:.1}%", 100.0 * x);
            t.row([
                name.clone(),
                m.n.to_string(),
                format!("{:.2}", m.mae),
                format!("{:.2}", m.rmse),
                format!("{:.2}", m.median_abs_error),
                pct(m.within_5min),
                pct(m.coverage_p10_p90),
                pct(m.alarm_share),
                pct(m.late_alarm_rate),
                format!("{:.1}", m.mean_alarm_lead_min),
                pct(m.long_wait_alarm_share),
            ]);
        }
        out.push_str(&format!("\n{title}:\n{}", t.render("")));
    }
    out
}
