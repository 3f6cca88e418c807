//! Ingest throughput: row validation alone, and whole-file ingest into a fresh store, on
//! simulated logs of growing size. The 10-million-row end-to-end run is `benches/ingest_10m.sh`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use queuecast::ingest::ingest_paths;
use queuecast::ingest::validate::{Rules, validate};
use queuecast::settings::Settings;
use queuecast::store::Store;
use queuecast::timezones::DEFAULT_TZ;

/// A simulated canonical log of `days` days of three offices; returns its path and row count.
fn simulated_log(dir: &std::path::Path, days: u32) -> (std::path::PathBuf, u64) {
    simulated_offices(dir, days, 3, 1.0)
}

/// A simulated canonical log of `days` days of `offices` offices at `scale` times the default
/// traffic; returns its path and row count.
fn simulated_offices(
    dir: &std::path::Path,
    days: u32,
    offices: u32,
    scale: f64,
) -> (std::path::PathBuf, u64) {
    let mut settings = Settings::default();
    settings.simulate.days = days;
    settings.simulate.offices = offices;
    settings.simulate.scale = scale;
    let path = dir.join(format!("log-{days}d-{offices}o.csv"));
    queuecast::simulate::write_csv(&settings.simulate, &settings.services, DEFAULT_TZ, &path)
        .expect("simulate");
    let rows = std::fs::read_to_string(&path).expect("read").lines().count() as u64 - 1;
    (path, rows)
}

fn bench_validate(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, rows) = simulated_log(dir.path(), 14);
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let rules = Rules::from_settings(&Settings::default());
    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Elements(rows));
    group.bench_function("rows", |b| {
        b.iter(|| {
            for f in &lines {
                let fields: [&str; 9] = std::array::from_fn(|i| f[i]);
                black_box(validate(fields, &rules).is_ok());
            }
        })
    });
    group.finish();
}

fn bench_ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = Settings::default().validate().expect("valid settings");
    let mut group = c.benchmark_group("ingest_file");
    group.sample_size(10);
    // Three busy offices (few large partitions) and 85 small ones (many small partitions, where
    // per-partition costs such as syncs and encoder set-up dominate).
    let logs = [(28u32, 3u32, 1.0f64), (91, 3, 1.0), (28, 85, 0.111), (91, 85, 0.111)];
    for (days, offices, scale) in logs {
        let (path, rows) = simulated_offices(dir.path(), days, offices, scale);
        group.throughput(Throughput::Elements(rows));
        let id = BenchmarkId::new(format!("{offices}_offices"), rows);
        group.bench_with_input(id, &path, |b, path| {
            b.iter(|| {
                let store_dir = tempfile::tempdir().expect("tempdir");
                let store = Store::open(store_dir.path(), DEFAULT_TZ).expect("store");
                black_box(ingest_paths(std::slice::from_ref(path), &settings, &store).expect("ingest"))
            })
        });
    }
    group.finish();
}

/// Profile tables over a stored quarter of three offices (replay + polars aggregations).
fn bench_profile(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = Settings::default().validate().expect("valid settings");
    let (path, rows) = simulated_log(dir.path(), 91);
    let store = Store::open(&dir.path().join("store"), DEFAULT_TZ).expect("store");
    ingest_paths(std::slice::from_ref(&path), &settings, &store).expect("ingest");
    let params = queuecast::profile::ProfileParams::from_settings(&settings);
    let mut group = c.benchmark_group("profile");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    group.bench_function(BenchmarkId::from_parameter(rows), |b| {
        b.iter(|| black_box(queuecast::profile::compute(&store, &params).expect("profile")))
    });
    group.bench_function(BenchmarkId::new("scan_summary", rows), |b| {
        b.iter(|| black_box(queuecast::store::summary::summarize(&store).expect("summary")))
    });
    group.finish();
}

criterion_group!(benches, bench_validate, bench_ingest, bench_profile);
criterion_main!(benches);
