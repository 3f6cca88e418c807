//! Wait-time model costs on simulated logs of three offices: feature building (snapshots per
//! second, the queue replay included) over growing windows, and the fits of the learned
//! predictors (GBM, elastic net) on the features of one window large enough that their row
//! caps apply (`gbm_max_rows` 400 000, elastic net 50 000): that is the cost of fitting on
//! any longer history, two years of three offices included. The fit group takes several
//! minutes (ten GBM fits); `cargo bench --bench model -- features` runs the quick part.
//! `gbm_predict` predicts with the fitted GBM over the features of 14 and 28 days;
//! `model_file` loads a model file `train` wrote for that window: what `predict` and the API
//! pay before their first answer (goal: under 100 ms).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use queuecast::model::dataset::Dataset;
use queuecast::model::features::{Context, dataset};
use queuecast::model::file::ModelFile;
use queuecast::model::gbm::GbmParams;
use queuecast::model::history::History;
use queuecast::model::linear::LinearParams;
use queuecast::model::params::ModelParams;
use queuecast::replay::ReplayParams;
use queuecast::settings::Settings;
use queuecast::store::Store;
use queuecast::store::columns::{TicketColumns, load_columns};
use queuecast::timezones::DEFAULT_TZ;

/// Minutes between training snapshots of a waiting ticket (the default).
const SNAPSHOT_MS: i64 = 5 * 60_000;
/// Days of the window the predictors are fitted on: ~120 000 snapshots of three offices,
/// beyond both row caps.
const FIT_DAYS: u32 = 56;

/// `days` simulated days of three offices, ingested into a temp store and loaded as columns,
/// with what feature building needs besides: the history learned from them, office ids and
/// service codes.
struct Window {
    cols: TicketColumns,
    history: History,
    offices: Vec<String>,
    services: Vec<String>,
}

impl Window {
    fn simulate(days: u32) -> Window {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut settings = Settings::default();
        settings.simulate.days = days;
        let log = dir.path().join("log.csv");
        queuecast::simulate::write_csv(&settings.simulate, &settings.services, DEFAULT_TZ, &log)
            .expect("simulate");
        let store = Store::open(&dir.path().join("store"), DEFAULT_TZ).expect("store");
        let valid = settings.validate().expect("valid settings");
        queuecast::ingest::ingest_paths(&[log], &valid, &store).expect("ingest");
        let cols = load_columns(&store, None, None, false).expect("load");
        let history = History::learn(&cols, DEFAULT_TZ);
        let mut offices = cols.offices.clone();
        offices.sort();
        let services = settings.services.iter().map(|s| s.code.clone()).collect();
        Window { cols, history, offices, services }
    }

    fn context(&self) -> Context<'_> {
        Context {
            history: &self.history,
            offices: &self.offices,
            services: &self.services,
            tz: DEFAULT_TZ,
            replay: ReplayParams::default(),
        }
    }

    fn dataset(&self) -> Dataset {
        dataset(&self.cols, &self.context(), SNAPSHOT_MS)
    }
}

/// The boosting parameters of the default settings.
fn gbm_params() -> GbmParams {
    ModelParams::from_settings(&Settings::default().validate().expect("valid settings")).gbm
}

fn bench_features(c: &mut Criterion) {
    let mut group = c.benchmark_group("features");
    group.sample_size(20);
    for days in [14u32, 28] {
        let window = Window::simulate(days);
        let snapshots = window.dataset().len() as u64;
        group.throughput(Throughput::Elements(snapshots));
        group.bench_with_input(
            BenchmarkId::new("dataset", format!("{days}d_{snapshots}")),
            &window,
            |b, w| b.iter(|| black_box(w.dataset())),
        );
    }
    group.finish();
}

fn bench_fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit");
    group.sample_size(10);
    let defaults = Settings::default().model;
    let gbm = gbm_params();
    let linear = LinearParams::default();
    // A fortnight (below the GBM's row cap) and FIT_DAYS (above it: the cap bounds the cost).
    for days in [14, FIT_DAYS] {
        let train = Window::simulate(days).dataset();
        if days == FIT_DAYS {
            assert!(train.len() > defaults.gbm_max_rows, "{} snapshots: below the GBM row cap", train.len());
        }
        group.throughput(Throughput::Elements(train.len() as u64));
        let id = |name: &str| BenchmarkId::new(name, format!("{days}d_{}", train.len()));
        group.bench_with_input(id("gbm"), &train, |b, d| b.iter(|| black_box(gbm.fit(d).expect("gbm"))));
        group.bench_with_input(id("linear"), &train, |b, d| {
            b.iter(|| black_box(linear.fit(d).expect("linear")))
        });
    }
    group.finish();
}

fn bench_model_file(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = Settings::default();
    settings.simulate.days = FIT_DAYS;
    let log = dir.path().join("log.csv");
    queuecast::simulate::write_csv(&settings.simulate, &settings.services, DEFAULT_TZ, &log)
        .expect("simulate");
    let store = Store::open(&dir.path().join("store"), DEFAULT_TZ).expect("store");
    let valid = settings.validate().expect("valid settings");
    queuecast::ingest::ingest_paths(&[log], &valid, &store).expect("ingest");
    let path = dir.path().join("model.json");
    let model = queuecast::model::run::run_train(&store, &valid, None, &path).expect("train");
    model.save(&path).expect("save");
    let bytes = std::fs::metadata(&path).expect("model file").len();
    let mut group = c.benchmark_group("model_file");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function(BenchmarkId::new("load", format!("{FIT_DAYS}d_{bytes}B")), |b| {
        b.iter(|| black_box(ModelFile::load(&path).expect("load")))
    });
    group.finish();
}

/// Predicting with the fitted GBM over feature sets of growing size.
fn bench_gbm_predict(c: &mut Criterion) {
    let model = gbm_params().fit(&Window::simulate(FIT_DAYS).dataset()).expect("gbm");
    let mut group = c.benchmark_group("gbm_predict");
    group.sample_size(10);
    for days in [14u32, 28] {
        let x = Window::simulate(days).dataset();
        group.throughput(Throughput::Elements(x.len() as u64));
        group.bench_with_input(BenchmarkId::new("predict", format!("{days}d_{}", x.len())), &x, |b, x| {
            b.iter(|| black_box(model.predict(x)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_features, bench_fit, bench_gbm_predict, bench_model_file);
criterion_main!(benches);
