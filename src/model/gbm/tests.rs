//! Booster tests on synthetic data: what it learns, that it stops, that it is deterministic,
//! and that a fit which learned nothing is caught.

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::model::dataset::{ExampleMeta, Probe};

/// `n` examples over 30 days; features 0 and 1 uniform 0–10 (feature 1 missing for every
/// 7th example), the rest constant; the target from `target(x0, x1, noise)`.
fn synthetic(n: usize, seed: u64, target: impl Fn(f64, f64, f64) -> f64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = vec![1.0; n * FEATURES.len()];
    let mut y = Vec::with_capacity(n);
    let mut meta = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b) = (rng.random_range(0.0..10.0f64), rng.random_range(0.0..10.0f64));
        let b = if i % 7 == 0 { f64::NAN } else { b };
        x[i] = a;
        x[n + i] = b;
        y.push(target(a, b, rng.random_range(-1.0..1.0)));
        meta.push(ExampleMeta {
            office: "o".into(),
            date: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap() + Days::new((i * 30 / n) as u64),
            row: i as u32,
            t: i as i64,
            probe: Probe::AtIssue,
            hour: 9,
            ahead: 0,
            replay_min: f64::NAN,
        });
    }
    Dataset { x, y, meta }
}

fn params() -> GbmParams {
    GbmParams { max_trees: 300, valid_days: 5, threads: 1, ..GbmParams::default() }
}

fn mae(model: &GbmModel, d: &Dataset, truth: impl Fn(usize) -> f64) -> f64 {
    model.predict(d).iter().enumerate().map(|(i, p)| (p - truth(i)).abs()).sum::<f64>() / d.len() as f64
}

#[test]
fn learns_a_function_with_a_missing_branch() {
    // y = 2·x0 + x1, or 30 when x1 is missing; noise ±1.
    let f = |a: f64, b: f64| if b.is_nan() { 30.0 } else { 2.0 * a + b };
    let train = synthetic(12_000, 1, |a, b, e| f(a, b) + e);
    let model = params().fit(&train).unwrap();
    let test = synthetic(5000, 2, |a, b, _| f(a, b));
    let err = mae(&model, &test, |i| test.y[i]);
    assert!(err < 0.6, "MAE {err} against the noise-free truth");
    let fit = &model.fit;
    assert_eq!(fit.valid_from, NaiveDate::from_ymd_opt(2025, 3, 26));
    assert_eq!(fit.fit_rows + fit.valid_rows, 12_000);
    assert_eq!(fit.valid_rows, 2000); // the last 5 of 30 dates
    assert!(fit.valid_r2 > 0.95 && fit.valid_mae < 0.9 && fit.valid_mae_constant > 5.0, "{fit:?}");
    assert!(fit.trees > 20 && fit.leaves > fit.trees * 10, "{fit:?}");
    assert_eq!(model.check(0.3), Ok(()));
    assert!(model.forest.leaves().iter().all(|&l| l <= 31));
    assert_eq!(model.forest.validate(FEATURES.len()), Ok(()));
}

#[test]
fn noise_stops_early_and_is_caught_as_collapsed() {
    // The target is noise: the held-out loss never improves much, so boosting stops
    // `early_stopping_rounds` after its best round and the check refuses the model.
    let train = synthetic(10_000, 3, |_, _, e| 10.0 + 5.0 * e);
    let model = params().fit(&train).unwrap();
    assert!(model.fit.stopped_early, "{:?}", model.fit);
    assert!(model.fit.trees < 40, "{:?}", model.fit);
    let err = model.check(0.3).unwrap_err();
    assert!(err.r2 < 0.05, "{err}");
    assert!(err.to_string().starts_with("the GBM collapsed: it explains"), "{err}");
}

#[test]
fn a_flat_target_grows_no_splits() {
    let train = synthetic(2000, 4, |_, _, _| 7.0);
    let model = params().fit(&train).unwrap();
    assert!(model.forest.leaves().iter().all(|&l| l == 1));
    assert!(model.predict(&train).iter().all(|p| (p - 7.0).abs() < 1e-9));
    assert!(model.check(0.3).is_err());
}

#[test]
fn same_data_and_seed_give_the_same_model_for_any_thread_count() {
    // 15 000 rows: the root histograms (about 10 000 rows) are built on two threads.
    let train = synthetic(15_000, 5, |a, b, e| a * b.max(1.0) + e);
    let p = GbmParams { max_trees: 15, ..params() };
    let one = p.fit(&train).unwrap();
    assert_eq!(one, p.fit(&train).unwrap());
    assert_eq!(one, GbmParams { threads: 2, ..p.clone() }.fit(&train).unwrap());
    let other = GbmParams { seed: 9, ..p.clone() }.fit(&train).unwrap();
    assert_ne!(one.forest, other.forest);
    // Without subsampling the seed draws nothing.
    let full = GbmParams { subsample: 1.0, ..p.clone() };
    assert_eq!(full.fit(&train).unwrap(), GbmParams { seed: 9, ..full }.fit(&train).unwrap());
}

#[test]
fn tree_shape_limits_hold() {
    let train = synthetic(20_000, 6, |a, b, e| (a * 3.0).sin() * 10.0 + if b.is_nan() { 0.0 } else { b } + e);
    let p = GbmParams { max_trees: 20, max_leaves: 8, max_depth: 3, min_leaf: 500, ..params() };
    let model = p.fit(&train).unwrap();
    assert!(model.forest.leaves().iter().all(|&l| (2..=8).contains(&l)), "{:?}", model.forest.leaves());
    // Depth ≤ 3: at most 8 leaves per tree anyway; and every leaf holds ≥ 500 rows, so no
    // tree of ~16 000 sampled rows can have more than 32 leaves — check with a looser cap.
    let p = GbmParams { max_trees: 5, max_leaves: 1024, max_depth: 32, min_leaf: 2000, ..params() };
    let model = p.fit(&train).unwrap();
    assert!(model.forest.leaves().iter().all(|&l| l <= 16_000 / 2000), "{:?}", model.forest.leaves());
}

#[test]
fn bad_parameters_are_named() {
    let err = GbmParams { learning_rate: 1.5, ..GbmParams::default() }.check().unwrap_err();
    assert_eq!(err.to_string(), "gbm learning_rate should be in (0, 1], but is 1.5");
    assert!(GbmParams { max_leaves: 1, ..GbmParams::default() }.check().is_err());
    assert!(GbmParams { subsample: 0.0, ..GbmParams::default() }.check().is_err());
    assert!(GbmParams { l2: f64::NAN, ..GbmParams::default() }.check().is_err());
    let err = GbmParams { valid_min_load: 1.5, ..GbmParams::default() }.check().unwrap_err();
    assert_eq!(err.to_string(), "gbm valid_min_load should be in 0 to 1, but is 1.5");
    assert_eq!(GbmParams::default().fit(&Dataset::default()), Err(GbmError::Empty));
    let mut nan = synthetic(100, 1, |a, _, _| a);
    nan.y[42] = f64::NAN;
    assert_eq!(GbmParams::default().fit(&nan), Err(GbmError::Target { row: 42 }));
}

#[test]
fn held_out_days_are_the_last_dates_present_not_calendar_days() {
    // Dates 0–29, with 20–28 left out (as calibration days are): the last 5 dates present are
    // 16–19 and 29, not just 29.
    let mut d = synthetic(3000, 7, |a, _, e| a + e);
    let keep: Vec<usize> = (0..d.len()).filter(|&i| !(20..29).contains(&(i * 30 / 3000))).collect();
    d = d.select(&keep);
    let fit = params().fit(&d).unwrap().fit;
    assert_eq!(fit.valid_from, NaiveDate::from_ymd_opt(2025, 3, 17));
    assert_eq!(fit.valid_rows, 500);
    // No more dates than held-out days: nothing held out.
    let short =
        GbmParams { valid_days: 30, max_trees: 5, ..params() }.fit(&synthetic(600, 8, |a, _, _| a)).unwrap();
    assert_eq!((short.fit.valid_rows, short.fit.valid_from), (0, None));
}

#[test]
fn quiet_days_are_not_held_out() {
    // 100 rows a date over dates 0–29; dates 26–28 thinned to 20 (the days after Christmas):
    // the 5 held-out dates are 22–25 and 29, and the quiet ones are boosted on. Held out,
    // their few rows decided when boosting stopped (36 trees instead of 222 on a window
    // ending 2026-01-03).
    let d = synthetic(3000, 9, |a, _, e| a + e);
    let keep: Vec<usize> =
        (0..d.len()).filter(|&i| !(26..29).contains(&(i * 30 / 3000)) || i % 5 == 0).collect();
    let d = d.select(&keep);
    assert_eq!(d.len(), 2760);
    let fit = params().fit(&d).unwrap().fit;
    assert_eq!(
        (fit.valid_from, fit.valid_rows, fit.fit_rows),
        (NaiveDate::from_ymd_opt(2025, 3, 23), 500, 2260)
    );
    // With no load floor, the last 5 dates present, quiet or not.
    let fit = GbmParams { valid_min_load: 0.0, ..params() }.fit(&d).unwrap().fit;
    assert_eq!((fit.valid_from, fit.valid_rows), (NaiveDate::from_ymd_opt(2025, 3, 26), 260));
}

#[test]
fn absolute_loss_predicts_medians_and_squared_loss_means() {
    // y = x0 region (0 below 5, 10 above) plus a skewed noise: 0 four times in five, else 20.
    // Per region the median is the region's value and the mean 4 above it.
    let skewed =
        |a: f64, _b: f64, e: f64| if a < 5.0 { 0.0 } else { 10.0 } + if e > 0.6 { 20.0 } else { 0.0 };
    let train = synthetic(8_000, 3, skewed);
    let at = |model: &GbmModel, a: f64| {
        let mut x = synthetic(1, 9, |_, _, _| 0.0);
        x.x[0] = a;
        model.predict(&x)[0]
    };
    let params = || GbmParams { max_trees: 60, ..params() };
    let abs = params().fit(&train).unwrap();
    assert_eq!(abs.fit.loss, Loss::Absolute);
    assert!((at(&abs, 2.0) - 0.0).abs() < 0.5 && (at(&abs, 8.0) - 10.0).abs() < 0.5, "{}", at(&abs, 8.0));
    let sq = GbmParams { loss: Loss::Squared, ..params() }.fit(&train).unwrap();
    assert!((at(&sq, 2.0) - 4.0).abs() < 1.0 && (at(&sq, 8.0) - 14.0).abs() < 1.0, "{}", at(&sq, 8.0));
}

#[test]
fn absolute_loss_fits_root_waits_and_predicts_minutes() {
    // The trees of the absolute loss fit √wait; their sum comes back in minutes, and the held-out
    // scores are in minutes too. Squared loss fits minutes.
    let train = synthetic(4_000, 5, |a, _, _| if a < 5.0 { 4.0 } else { 25.0 });
    let abs = GbmParams { max_trees: 80, ..params() }.fit(&train).unwrap();
    assert_eq!(abs.scale, Scale::SqrtMinutes);
    let mut x = synthetic(1, 9, |_, _, _| 0.0);
    x.x[0] = 8.0;
    assert!((abs.predict(&x)[0] - 25.0).abs() < 0.5, "{}", abs.predict(&x)[0]);
    assert!((2.0..=5.0).contains(&abs.base), "the median of the roots 2 and 5: {}", abs.base);
    assert!(abs.fit.valid_mae < 0.5 && abs.fit.valid_mae_constant > 5.0, "{:?}", abs.fit);
    let sq = GbmParams { loss: Loss::Squared, max_trees: 5, ..params() }.fit(&train).unwrap();
    assert_eq!(sq.scale, Scale::Minutes);
    // Round trip of the scale, and a model file written before it was recorded fitted minutes.
    for v in [0.0, 0.25, 4.0, 90.25] {
        assert_eq!(Scale::SqrtMinutes.back(Scale::SqrtMinutes.forward(v)), v);
    }
    assert_eq!(Scale::SqrtMinutes.forward(-1.0), 0.0);
    let mut json = serde_json::to_value(&sq).unwrap();
    json.as_object_mut().unwrap().remove("scale");
    let old: GbmModel = serde_json::from_value(json).unwrap();
    assert_eq!((old.scale, old.predict(&x)), (Scale::Minutes, sq.predict(&x)));
}

/// `synthetic` with every other example a later snapshot (10 min waited, target `20 − x0`)
/// and the others at issue (0 min waited, target `2 · x0`).
fn issue_and_later(n: usize, seed: u64) -> Dataset {
    let mut d = synthetic(n, seed, |a, _, e| 2.0 * a + e);
    let elapsed = crate::model::dataset::feature("elapsed_min");
    for i in (1..n).step_by(2) {
        d.meta[i].probe = Probe::Later;
        d.x[elapsed * n + i] = 10.0;
        d.y[i] = 20.0 - d.x[i] + (d.y[i] - 2.0 * d.x[i]);
    }
    d
}

/// `like` predicting every row with the at-issue booster `b` (`like`'s own at-issue booster
/// dropped), to compare a booster's predictions with a whole model's.
fn alone(b: &AtIssueBooster, like: &GbmModel) -> GbmModel {
    GbmModel {
        base: b.base,
        anchor: b.anchor,
        forest: b.forest.clone(),
        fit: b.fit.clone(),
        at_issue: None,
        ..like.clone()
    }
}

#[test]
fn snapshots_at_issue_get_their_own_booster_when_the_cap_drops_rows() {
    let train = issue_and_later(6000, 11);
    let p = GbmParams { max_rows: 1000, ..params() };
    let model = p.fit(&train).unwrap();
    let b = model.at_issue.clone().expect("an at-issue booster");
    // 90 % of its 1 000 rows at issue; the other booster's half.
    assert_eq!(b.fit.fit_rows + b.fit.valid_rows, 1000);
    assert_eq!(model.fit.fit_rows + model.fit.valid_rows, 1000);
    assert_eq!(
        train.subsample_share(1000, AT_ISSUE_SHARE).meta.iter().filter(|m| m.probe == Probe::AtIssue).count(),
        900
    );
    assert_eq!(model.check(0.3), Ok(()));
    assert_eq!(model.min_valid_r2(), b.fit.valid_r2.min(model.fit.valid_r2));
    // Rows waited under 2.5 min take the at-issue booster, the others the first.
    let test = issue_and_later(2000, 12);
    let main_only = GbmModel { at_issue: None, ..model.clone() };
    let issue_only = alone(&b, &model);
    let (both, main, issue) = (model.predict(&test), main_only.predict(&test), issue_only.predict(&test));
    for i in 0..test.len() {
        let expected = if i % 2 == 0 { issue[i] } else { main[i] };
        assert_eq!(both[i].to_bits(), expected.to_bits(), "row {i}");
    }
    assert!(main.iter().zip(&issue).any(|(a, b)| a != b));
    // More rows at issue fit them better.
    let err = |p: &[f64]| (0..test.len()).step_by(2).map(|i| (p[i] - test.y[i]).abs()).sum::<f64>();
    assert!(err(&issue) < err(&main), "{} {}", err(&issue), err(&main));
    // The setting turns it off; nothing dropped, nothing to specialise on.
    assert_eq!(GbmParams { at_issue_booster: false, ..p.clone() }.fit(&train).unwrap().at_issue, None);
    assert_eq!(GbmParams { max_rows: 6000, ..p }.fit(&train).unwrap().at_issue, None);
}

#[test]
fn a_model_without_an_at_issue_booster_reads_and_writes_as_before() {
    let model = params().fit(&synthetic(2000, 13, |a, _, e| a + e)).unwrap();
    assert_eq!(model.at_issue, None);
    let json = serde_json::to_string(&model).unwrap();
    assert!(!json.contains("at_issue") && !json.contains("anchor"));
    assert_eq!(serde_json::from_str::<GbmModel>(&json).unwrap(), model);
}

#[test]
fn snapshots_at_issue_get_a_booster_per_channel_when_each_has_enough_rows() {
    // At issue: walk-ins (every 4th example, channel 0) wait 2 · x0, appointment tickets
    // 12 − x0; later snapshots as in `issue_and_later`.
    let n = 24_000;
    let mut train = issue_and_later(n, 21);
    let channel = crate::model::dataset::feature("channel");
    let set_channels = |d: &mut Dataset| {
        let n = d.len();
        for i in (0..n).step_by(2) {
            let walk_in = i % 4 == 0;
            d.x[channel * n + i] = if walk_in { 0.0 } else { 1.0 };
            if !walk_in {
                d.y[i] = 12.0 - d.x[i] + (d.y[i] - 2.0 * d.x[i]);
            }
        }
    };
    set_channels(&mut train);
    let p = GbmParams { max_rows: 10_000, ..params() };
    let model = p.fit(&train).unwrap();
    let walk_ins = model.at_issue.clone().expect("a walk-in booster");
    let appointments = model.at_issue_appointments.clone().expect("an appointment booster");
    // The at-issue booster's 10 000 rows split by channel (the later ones are channel 1, as
    // `synthetic` leaves them, and go with the appointments).
    let issue = train.subsample_share(10_000, AT_ISSUE_SHARE);
    let walk_in_rows = (0..issue.len()).filter(|&i| issue.get(i, channel) == 0.0).count();
    assert!(walk_in_rows >= MIN_CHANNEL_ROWS && 10_000 - walk_in_rows >= MIN_CHANNEL_ROWS, "{walk_in_rows}");
    assert_eq!(walk_ins.fit.fit_rows + walk_ins.fit.valid_rows, walk_in_rows);
    assert_eq!(appointments.fit.fit_rows + appointments.fit.valid_rows, 10_000 - walk_in_rows);
    assert_eq!(model.at_issue_boosters().count(), 2);
    assert_eq!(model.check(0.3), Ok(()));
    // The appointment booster passes the collapse check on a low R² when it cuts the
    // constant's held-out MAE by a fifth or more, and fails it when it does not.
    let with_fit = |r2: f64, mae: f64| {
        let mut m = model.clone();
        let fit = &mut m.at_issue_appointments.as_mut().unwrap().fit;
        (fit.valid_r2, fit.valid_mae, fit.valid_mae_constant) = (r2, mae, 3.8);
        m
    };
    assert_eq!(with_fit(0.1, 1.9).check(0.2), Ok(()));
    assert_eq!(with_fit(0.1, 1.9).min_valid_r2(), model.min_valid_r2());
    let collapsed = with_fit(0.1, 3.5).check(0.2).unwrap_err();
    assert_eq!((collapsed.r2, collapsed.mae, collapsed.mae_constant), (0.1, 3.5, 3.8));
    assert_eq!(with_fit(0.25, 3.5).check(0.2), Ok(()));
    // Each at-issue row takes its channel's booster, later rows the main one.
    let mut test = issue_and_later(4000, 22);
    set_channels(&mut test);
    let only = |b: &AtIssueBooster| GbmModel { at_issue_appointments: None, ..alone(b, &model) };
    let main = GbmModel { at_issue: None, at_issue_appointments: None, ..model.clone() }.predict(&test);
    let (w, a, both) =
        (only(&walk_ins).predict(&test), only(&appointments).predict(&test), model.predict(&test));
    for i in 0..test.len() {
        let expected = match (i % 2, i % 4) {
            (1, _) => main[i],
            (_, 0) => w[i],
            _ => a[i],
        };
        assert_eq!(both[i].to_bits(), expected.to_bits(), "row {i}");
    }
    // Each channel's waits are learned: within a minute of the noise-free truth on average.
    let err = |rows: Vec<usize>, truth: &dyn Fn(f64) -> f64| {
        rows.iter().map(|&i| (both[i] - truth(test.x[i])).abs()).sum::<f64>() / rows.len() as f64
    };
    let walk_in_err = err((0..test.len()).step_by(4).collect(), &|x0| 2.0 * x0);
    let appointment_err = err((2..test.len()).step_by(4).collect(), &|x0| 12.0 - x0);
    assert!(walk_in_err < 1.0 && appointment_err < 1.0, "{walk_in_err} {appointment_err}");
    // The file keeps both; turned off, or with too few rows of a channel, one booster.
    let json = serde_json::to_string(&model).unwrap();
    assert_eq!(serde_json::from_str::<GbmModel>(&json).unwrap(), model);
    let one = GbmParams { at_issue_by_channel: false, ..p.clone() }.fit(&train).unwrap();
    assert!(one.at_issue.is_some() && one.at_issue_appointments.is_none());
    let few = GbmParams { max_rows: 3000, ..p }.fit(&train).unwrap();
    assert!(few.at_issue.is_some() && few.at_issue_appointments.is_none());
}

/// At-issue examples whose queue replay (`fluid_call_min`) is 3 · x0, and whose wait is that
/// plus 2 and noise ±1.
fn with_replay(n: usize, seed: u64) -> Dataset {
    let mut d = synthetic(n, seed, |a, _, e| 3.0 * a + 2.0 + e);
    let fluid = feature(BLEND_ANCHOR);
    for i in 0..n {
        d.x[fluid * n + i] = 3.0 * d.x[i];
    }
    d
}

#[test]
fn a_blended_at_issue_booster_is_the_mean_of_a_plain_and_an_anchored_fit() {
    let (train, test) = (with_replay(6000, 31), with_replay(2000, 32));
    // Five trees: too few to build the replay's scale from steps, enough to correct it.
    let p = GbmParams { max_trees: 5, ..params() };
    let all: Vec<usize> = (0..train.len()).collect();
    let blended = p.fit_at_issue(&train, &all).unwrap();
    let plain = GbmParams { at_issue_blend: false, ..p.clone() }.fit_at_issue(&train, &all).unwrap();
    let anchor = Anchor { feature: feature(BLEND_ANCHOR), weight: 1.0 };
    let (anchored, held_out) = p.fit_one(&p.prepare(&train, &all), Some(anchor)).unwrap();
    assert_eq!(held_out.len(), anchored.fit.valid_rows);
    assert_eq!(plain.anchor, None);
    assert_eq!(blended.anchor, Some(Anchor { weight: 0.5, ..anchor }));
    assert_eq!(blended.fit.trees, plain.fit.trees + anchored.fit.trees);
    assert_eq!(blended.fit.leaves, plain.fit.leaves + anchored.fit.leaves);
    assert_eq!((blended.fit.fit_rows, blended.fit.valid_rows), (plain.fit.fit_rows, plain.fit.valid_rows));
    assert_eq!(blended.forest.validate(FEATURES.len()), Ok(()));
    let as_model = |b: &AtIssueBooster| alone(b, &anchored);
    let (b, pl, an) =
        (as_model(&blended).predict(&test), as_model(&plain).predict(&test), anchored.predict(&test));
    // The mean on the root scale the trees fit.
    for i in 0..test.len() {
        let mean = (pl[i].sqrt() + an[i].sqrt()) / 2.0;
        assert!((b[i].sqrt() - mean).abs() < 1e-9, "row {i}: {} against {mean}", b[i].sqrt());
    }
    // Started from the replay, five trees already fit; from a constant they do not.
    let err = |p: &[f64]| p.iter().zip(&test.y).map(|(p, y)| (p - y).abs()).sum::<f64>() / test.len() as f64;
    assert!(err(&an) < 0.7 && err(&pl) > 3.0 * err(&an), "{} {}", err(&an), err(&pl));
    // The held-out figures are the blend's own.
    assert!(blended.fit.valid_mae < plain.fit.valid_mae, "{:?} {:?}", blended.fit, plain.fit);
    assert!(blended.fit.valid_mae > anchored.fit.valid_mae, "{:?} {:?}", blended.fit, anchored.fit);
    let json = serde_json::to_string(&blended).unwrap();
    assert_eq!(serde_json::from_str::<AtIssueBooster>(&json).unwrap(), blended);
}

/// The boosters read their rows of the training set through indices rather than a copy
/// (a copy was 0.4 GB of `train`'s peak at county scale): same bins, split, trees and
/// held-out figures as a fit on the copied rows, with and without an anchor.
#[test]
fn a_fit_through_row_indices_equals_the_fit_on_a_copy_of_the_rows() {
    let train = with_replay(6000, 33);
    let idx: Vec<usize> = (0..train.len()).filter(|i| i % 3 != 1).collect();
    let copy = train.select(&idx);
    let all: Vec<usize> = (0..copy.len()).collect();
    let p = GbmParams { max_trees: 20, ..params() };
    let anchor = Anchor { feature: feature(BLEND_ANCHOR), weight: 1.0 };
    for a in [None, Some(anchor)] {
        let (by_index, held_by_index) = p.fit_one(&p.prepare(&train, &idx), a).unwrap();
        let (by_copy, held_by_copy) = p.fit_one(&p.prepare(&copy, &all), a).unwrap();
        assert!(by_index.fit.valid_rows > 0 && by_index.fit.trees > 1, "{:?}", by_index.fit);
        assert_eq!(by_index, by_copy);
        assert_eq!(held_by_index, held_by_copy);
    }
    assert_eq!(p.fit_at_issue(&train, &idx).unwrap(), p.fit_at_issue(&copy, &all).unwrap());
}
