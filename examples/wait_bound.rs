//! The lowest mean absolute error at issue any wait predictor can reach on simulated data
//! (see `queuecast::simulate::bound`): simulates the same days as `queuecast simulate` with the
//! same settings and writes, per called ticket, its true wait and the bound predictor's.
//!
//! ```text
//! cargo run --release --example wait_bound -- --seed 11 --offices 3 --start 2024-01-01 \
//!     --days 730 --from 2025-11-05 --to 2025-12-30 --out bound.csv
//! ```
//! Join `bound.csv` with a backtest's `predictions.parquet` on (office_id, local_date,
//! ticket_id) to put a model's error next to the bound on the same tickets.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Parser;
use queuecast::schema::Channel;
use queuecast::settings::SimulateSettings;
use queuecast::simulate::bound::{BoundSettings, Knowledge, wait_bound};

#[derive(Parser)]
struct Args {
    /// Simulation seed, as given to `queuecast simulate`.
    #[arg(long)]
    seed: u64,
    /// Number of offices, as given to `queuecast simulate`.
    #[arg(long)]
    offices: u32,
    /// First simulated day, as given to `queuecast simulate`.
    #[arg(long)]
    start: NaiveDate,
    /// Number of simulated days, as given to `queuecast simulate`.
    #[arg(long)]
    days: u32,
    /// Demand multiplier, as given to `queuecast simulate`.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// First local date whose tickets are bounded.
    #[arg(long)]
    from: NaiveDate,
    /// Last local date whose tickets are bounded (inclusive).
    #[arg(long)]
    to: NaiveDate,
    /// Replays per ticket (odd).
    #[arg(long, default_value_t = 101)]
    replicas: u32,
    /// Let the bound know every future draw of the day but counter times and call gaps (a
    /// looser bound); by default it knows the day's demand, not its future arrivals, patience
    /// or an appointment's own slot.
    #[arg(long, conflicts_with = "log_only")]
    knows_future: bool,
    /// Let the bound know no more of the day's future than its demand and staffing plan: the
    /// bookings not come yet are redrawn too (an approximate, tighter bound).
    #[arg(long)]
    log_only: bool,
    /// CSV of office_id, local_date, ticket_id, channel, actual_min, bound_min.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let sim =
        SimulateSettings { seed: a.seed, start: a.start, days: a.days, offices: a.offices, scale: a.scale };
    let knowledge = match (a.knows_future, a.log_only) {
        (true, _) => Knowledge::Everything,
        (_, true) => Knowledge::Log,
        _ => Knowledge::DayPlan,
    };
    let rows = wait_bound(&sim, &BoundSettings { from: a.from, to: a.to, replicas: a.replicas, knowledge })?;
    let file = std::fs::File::create(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let mut w = std::io::BufWriter::new(file);
    writeln!(w, "office_id,local_date,ticket_id,channel,actual_min,bound_min,bound_p10_min,bound_p90_min")?;
    for r in &rows {
        let channel = if r.channel == Channel::WalkIn { "walk_in" } else { "appointment" };
        writeln!(
            w,
            "{},{},{},{},{:.4},{:.4},{:.4},{:.4}",
            r.office_id,
            r.date,
            r.ticket_id,
            channel,
            r.actual_min,
            r.bound_min,
            r.bound_p10_min,
            r.bound_p90_min
        )?;
    }
    w.flush()?;
    let mae = |pick: &dyn Fn(&Channel) -> bool| {
        let e: Vec<f64> =
            rows.iter().filter(|r| pick(&r.channel)).map(|r| (r.actual_min - r.bound_min).abs()).collect();
        (e.len(), e.iter().sum::<f64>() / e.len().max(1) as f64)
    };
    for (name, (n, m)) in [
        ("all", mae(&|_| true)),
        ("walk_in", mae(&|c| *c == Channel::WalkIn)),
        ("appointment", mae(&|c| *c == Channel::Appointment)),
    ] {
        println!("{name:12} {n:7} tickets  bound MAE at issue {m:.3} min");
    }
    Ok(())
}
