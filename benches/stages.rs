//! One benchmark group per pipeline stage, over input sizes (`BenchmarkId` = simulated days of
//! three offices and the rows they hold): CSV parsing, the queue replay, each profile table
//! (ticket statistics of weekday × hour, 15-minute slots, days and months; the replayed
//! occupancy; peaks), arrival forecasts and a whole export generation. Ingest, validation and
//! the whole profile are in `benches/ingest.rs`; features and model fits in `benches/model.rs`;
//! the end-to-end comparison with a pandas pipeline is `benches/e2e.sh`.
//! `cargo bench --bench stages -- profile_` runs the profile groups only.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use polars::prelude::*;
use queuecast::ingest::source::SourceFile;
use queuecast::occupancy::day_occupancy;
use queuecast::profile::ProfileParams;
use queuecast::profile::cells::{Key, WindowRows, aggregate};
use queuecast::profile::occupancy::Occupancy;
use queuecast::replay::{ReplayParams, office_days, timeline};
use queuecast::schema::col;
use queuecast::settings::Settings;
use queuecast::store::Store;
use queuecast::store::columns::{TicketColumns, load_columns};
use queuecast::timezones::DEFAULT_TZ;

/// Simulated days of three offices per size (about 560 tickets a day).
const SIZES: [u32; 2] = [28, 91];

/// A simulated log of `days` days of three offices, ingested into a store in `dir`.
struct Stored {
    _dir: tempfile::TempDir,
    log: PathBuf,
    store: Store,
    rows: u64,
    days: u32,
}

impl Stored {
    fn new(days: u32) -> Stored {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut settings = Settings::default();
        settings.simulate.days = days;
        let log = dir.path().join("log.csv");
        let summary =
            queuecast::simulate::write_csv(&settings.simulate, &settings.services, DEFAULT_TZ, &log)
                .expect("simulate");
        let store = Store::open(&dir.path().join("store"), DEFAULT_TZ).expect("store");
        let valid = settings.validate().expect("settings");
        queuecast::ingest::ingest_paths(std::slice::from_ref(&log), &valid, &store).expect("ingest");
        Stored { _dir: dir, log, store, rows: summary.tickets, days }
    }

    fn id(&self, name: &str) -> BenchmarkId {
        BenchmarkId::new(name, format!("{}d_{}", self.days, self.rows))
    }

    fn columns(&self) -> TicketColumns {
        load_columns(&self.store, None, None, false).expect("load")
    }

    /// The profile's per-ticket rows, read as `profile::tables::build` reads them.
    fn window_rows(&self) -> WindowRows {
        let (from, to) = (chrono::NaiveDate::MIN, chrono::NaiveDate::MAX);
        queuecast::profile::read::read_window(&self.store, from, to).expect("read").rows
    }
}

/// An Int32 key column of a cell table.
fn int<'a>(name: &'a str, values: &'a [i32]) -> Key<'a> {
    Key { name, dtype: DataType::Int32, values }
}

fn sizes() -> Vec<Stored> {
    SIZES.iter().map(|&d| Stored::new(d)).collect()
}

fn count_records(path: &Path) -> u64 {
    let mut n = 0u64;
    SourceFile::new(path).expect("open").for_each(&mut |r| n += black_box(r.line)).expect("read");
    n
}

fn bench_parse(c: &mut Criterion, data: &[Stored]) {
    let mut group = c.benchmark_group("parse");
    for s in data {
        group.throughput(Throughput::Elements(s.rows));
        group.bench_with_input(s.id("csv_records"), &s.log, |b, p| b.iter(|| count_records(p)));
    }
    group.finish();
}

fn bench_replay(c: &mut Criterion, data: &[Stored]) {
    let mut group = c.benchmark_group("replay");
    for s in data {
        let cols = s.columns();
        let n_services = cols.services.len();
        group.throughput(Throughput::Elements(s.rows));
        group.bench_with_input(s.id("office_days"), &cols, |b, c| b.iter(|| black_box(office_days(c))));
        let days = office_days(&cols);
        group.bench_with_input(s.id("timelines"), &days, |b, days| {
            b.iter(|| {
                days.iter().map(|d| timeline(d, n_services, ReplayParams::default()).len()).sum::<usize>()
            })
        });
    }
    group.finish();
}

/// The ticket statistics of each cell table, and the replayed occupancy they are joined with.
fn bench_profile_tables(c: &mut Criterion, data: &[Stored]) {
    let sl = ProfileParams::from_settings(&valid_defaults()).service_level_s;
    for (table, per_service, outcomes) in [
        ("weekday_hour", true, true),
        ("slot15", true, true),
        ("daily", false, true),
        ("monthly", true, false),
    ] {
        let mut group = c.benchmark_group(format!("profile_{table}"));
        for s in data {
            let rows = s.window_rows();
            group.throughput(Throughput::Elements(s.rows));
            group.bench_function(s.id("ticket_statistics"), |b| {
                b.iter(|| {
                    let keys = match table {
                        "weekday_hour" => vec![int(col::WEEKDAY, &rows.weekday), int(col::HOUR, &rows.hour)],
                        "slot15" => vec![int(col::WEEKDAY, &rows.weekday), int("slot", &rows.slot)],
                        "daily" => {
                            vec![Key { name: col::LOCAL_DATE, dtype: DataType::Date, values: &rows.date }]
                        }
                        _ => vec![int(col::YEAR, &rows.year), int(col::MONTH, &rows.month)],
                    };
                    black_box(aggregate(&rows, &keys, per_service, outcomes, sl).expect("aggregate"))
                })
            });
        }
        group.finish();
    }
    // Reading the window: every partition on all cores into the replay's columns and the rows.
    let mut group = c.benchmark_group("profile_read");
    for s in data {
        group.throughput(Throughput::Elements(s.rows));
        group.bench_function(s.id("window"), |b| b.iter(|| black_box(s.window_rows().len())));
    }
    group.finish();
    let mut group = c.benchmark_group("profile_occupancy");
    for s in data {
        let cols = s.columns();
        let days = office_days(&cols);
        group.throughput(Throughput::Elements(s.rows));
        group.bench_with_input(s.id("replayed_slots"), &days, |b, days| {
            b.iter(|| {
                for d in days {
                    black_box(day_occupancy(d, cols.services.len(), DEFAULT_TZ, ReplayParams::default()));
                }
            })
        });
        // What the profile runs: every office-day replayed on all cores, folded into the dense
        // cell sums, and the slot and hour cell frames built from them.
        group.bench_with_input(s.id("cells_and_frames"), &cols, |b, cols| {
            b.iter(|| {
                let occ = Occupancy::replay(cols, DEFAULT_TZ, ReplayParams::default());
                let slots = occ.cells.slot_frame(&cols.offices, &cols.services).expect("slots");
                let hours = occ.cells.hour_frame(&cols.offices, &cols.services).expect("hours");
                black_box((slots.height(), hours.height(), occ.days_frame(&cols.offices).expect("days")))
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("profile_peaks");
    let params = ProfileParams::from_settings(&valid_defaults());
    for s in data {
        let tables = queuecast::profile::compute(&s.store, &params).expect("profile");
        let weekday_hour = tables.weekday_hour.frame().clone();
        group.throughput(Throughput::Elements(weekday_hour.height() as u64));
        group.bench_with_input(s.id("peaks"), &weekday_hour, |b, wh| {
            b.iter(|| black_box(queuecast::profile::peaks::peaks(wh).expect("peaks")))
        });
    }
    group.finish();
}

/// Arrival forecasts need history for their backtest: half a year and a year of three offices.
fn bench_forecast(c: &mut Criterion) {
    let settings = valid_defaults();
    let mut group = c.benchmark_group("forecast");
    group.sample_size(10);
    for days in [182u32, 365] {
        let s = Stored::new(days);
        let cols = s.columns();
        group.throughput(Throughput::Elements(s.rows));
        group.bench_with_input(s.id("run_on_columns"), &cols, |b, cols| {
            b.iter(|| {
                black_box(queuecast::forecast::run::run_on_columns(cols, &settings, None)).expect("forecast")
            })
        });
    }
    group.finish();
}

/// A whole export generation (profiles, forecasts, slot waits, app JSON, planner tables).
fn bench_export(c: &mut Criterion) {
    let settings = valid_defaults();
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time");
    let mut group = c.benchmark_group("export");
    group.sample_size(10);
    for days in [182u32, 365] {
        let s = Stored::new(days);
        group.throughput(Throughput::Elements(s.rows));
        group.bench_function(s.id("generation"), |b| {
            b.iter(|| {
                let out = tempfile::tempdir().expect("tempdir");
                let id = queuecast::export::run::generation_id(at);
                black_box(queuecast::export::run::export(&s.store, &settings, out.path(), &id, at, None))
                    .expect("export")
            })
        });
    }
    group.finish();
}

fn bench_small_stages(c: &mut Criterion) {
    let data = sizes();
    bench_parse(c, &data);
    bench_replay(c, &data);
    bench_profile_tables(c, &data);
}

/// The built-in settings, validated.
fn valid_defaults() -> queuecast::settings::ValidSettings {
    Settings::default().validate().expect("default settings are valid")
}

criterion_group!(benches, bench_small_stages, bench_forecast, bench_export);
criterion_main!(benches);
