//! The terminal tables the commands print: the library returns typed results, the wording and
//! layout of their summaries live here.

use std::fmt::Write as _;

use queuecast::forecast::arrival_backtest::ArrivalBacktest;
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
    out.push_str(&format!(
        "{:<14} {:<15} {:>4} {:>5} {:>9} {:>7} {:>9} {:>7} {:>8}\n",
        "office", "method", "h", "days", "tickets", "WAPE", "WAPE day", "MASE", "p10-p90"
    ));
    for r in &bt.rows {
        out.push_str(&format!(
            "{:<14} {:<15} {:>4} {:>5} {:>9.0} {:>7} {:>9} {:>7} {:>8}\n",
            r.office_id,
            r.method.as_str(),
            r.horizon_days,
            r.days,
            r.actual_tickets,
            fmt(r.wape),
            fmt(r.wape_daily),
            fmt(r.mase),
            fmt(r.coverage_p10_p90)
        ));
    }
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
    let _ = writeln!(s, "  {:<14} {:>6} {:>8} {:>8} {:>8}", "office", "groups", "tickets", "MAE", "bias");
    let v = &r.validation;
    let extra = [
        ("all".to_string(), v.overall),
        ("ρ < 1 only".to_string(), v.stable),
        ("ρ ≥ 1 only".to_string(), v.unstable),
    ];
    let by_office = v.by_office.iter().map(|s| (s.office.clone(), s.score));
    for (o, e) in by_office.chain(extra) {
        let _ = writeln!(
            s,
            "  {o:<14} {:>6} {:>8} {:>7.1}% {:>+7.1}%",
            e.groups,
            e.tickets,
            100.0 * e.mae,
            100.0 * e.bias
        );
    }
    let _ = writeln!(
        s,
        "suggested counters re-simulated on every day (same engine, observed counters as reference):"
    );
    let _ = writeln!(
        s,
        "  {:<14} {:>12} {:>12} {:>9} {:>9} {:>9} {:>9}",
        "office", "cnt-h obs.", "cnt-h sugg.", "mean obs", "mean sug", "≤ th obs", "≤ th sug"
    );
    for x in &r.check {
        let _ = writeln!(
            s,
            "  {:<14} {:>12.0} {:>12.0} {:>9.2} {:>9.2} {:>8.1}% {:>8.1}%",
            x.office,
            x.counter_hours_observed,
            x.counter_hours_suggested,
            x.observed.mean_min,
            x.suggested.mean_min,
            100.0 * x.observed.share_within,
            100.0 * x.suggested.share_within
        );
    }
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
    let mean = |text: String| if with_mean { text } else { String::new() };
    let _ = writeln!(
        s,
        "  {:<14} {:>6} {:>9}{} {:>10} {:>10}{} {:>10}",
        "office",
        "slots",
        "sim p50",
        mean(format!(" {:>9}", "sim mean")),
        "sim cover",
        "hist p50",
        mean(format!(" {:>9}", "hist mean")),
        "hist cover"
    );
    for (o, e) in scores {
        let _ = writeln!(
            s,
            "  {o:<14} {:>6} {:>9.2}{} {:>9.1}% {:>10.2}{} {:>9.1}%",
            e.slots,
            e.mae_p50,
            mean(format!(" {:>9.2}", e.mae_mean)),
            100.0 * e.coverage_p90,
            e.mae_baseline_p50,
            mean(format!(" {:>9.2}", e.mae_baseline)),
            100.0 * e.coverage_baseline_p90
        );
    }
    s
}

/// Terminal summary of a what-if run: totals per office and share, and the reproduction error.
pub fn whatif(w: &WhatIf) -> String {
    let mut s = String::from("what-if totals (share 0 = baseline simulation):\n");
    let _ = writeln!(
        s,
        "  {:<14} {:>5} {:>7} {:>6} {:>9} {:>8} {:>9} {:>10}",
        "office", "share", "tickets", "moved", "mean min", "p90 min", "≤ thresh", "not called"
    );
    for x in w.rows.iter().filter(|x| x.hour.is_none()) {
        let _ = writeln!(
            s,
            "  {:<14} {:>5.2} {:>7} {:>6} {:>9.2} {:>8.2} {:>8.1}% {:>10}",
            x.office,
            x.share,
            x.tickets,
            x.moved,
            x.waits.mean_min,
            x.waits.p90_min,
            100.0 * x.waits.share_within,
            x.not_called
        );
    }
    let _ = writeln!(s, "baseline simulation vs measured waits (called in both):");
    let _ = writeln!(
        s,
        "  {:<14} {:>5} {:>9} {:>9} {:>10} {:>10} {:>10} {:>7}",
        "office", "days", "actual", "simulated", "act. ≤ th", "sim ≤ th", "day MAE", "gap s"
    );
    for r in &w.reproduction {
        let _ = writeln!(
            s,
            "  {:<14} {:>5} {:>9.2} {:>9.2} {:>9.1}% {:>9.1}% {:>10.2} {:>7.1}",
            r.office,
            r.days,
            r.actual.mean_min,
            r.simulated.mean_min,
            100.0 * r.actual.share_within,
            100.0 * r.simulated.share_within,
            r.day_mean_mae_min,
            r.call_gap_ms as f64 / 1000.0
        );
    }
    s
}

/// What an export printed: files and rows, both backtests, catalog gaps and timings.
pub fn export(s: &queuecast::export::run::ExportSummary, timings: &[super::timing::Timing]) -> String {
    let mut out = String::new();
    let g = &s.generation;
    let _ = writeln!(
        out,
        "export generation {} of {} … {} ({} offices): {} files, current -> {}",
        g.id,
        s.from,
        s.to,
        s.offices.len(),
        g.manifest.files.len() + 1,
        g.dir.display()
    );
    for t in &s.rows {
        let _ = writeln!(out, "  {:<44} {:>8} rows", t.path, t.rows);
    }
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
