//! Unit tests of the slot-wait simulation, its history inputs and its backtest scores.

use super::*;
use crate::planning::test_days::day;
use crate::slots::SLOT_MINUTES;
use crate::time::MS_PER_MINUTE;

fn params(replications: u32) -> SlotWaitParams {
    SlotWaitParams {
        replications,
        seed: 1,
        sim: SimParams { call_gap_ms: 0 },
        history_weeks: 8,
        test_weeks: 8,
    }
}

fn bounds() -> Vec<EpochMs> {
    (0..=SLOTS as i64).map(|s| s * SLOT_MINUTES as i64 * MS_PER_MINUTE).collect()
}

#[test]
fn idle_office_has_no_waits_and_a_closed_one_calls_nobody() {
    // Counters in every slot and one-second services: nobody waits at all.
    let arrivals = [2.0; SLOTS];
    let w = slot_waits(&bounds(), &arrivals, &[3; SLOTS], &[1_000], &params(5), (0, 0)).unwrap();
    assert!(w.iter().all(|s| s.n > 0 && s.p90_min == 0.0));
    let closed = slot_waits(&bounds(), &arrivals, &[0; SLOTS], &[1_000], &params(5), (0, 0)).unwrap();
    assert!(closed.iter().all(|s| s.n == 0 && s.p50_min.is_nan()));
}

#[test]
fn waits_grow_with_load_and_match_mm1_roughly() {
    // One counter, 10-minute services (deterministic: M/D/1), 1.2 arrivals per 15 min:
    // ρ = 0.8, Pollaczek–Khinchine Wq = ρ/(2μ(1−ρ)) = 0.8·10/(2·0.2) = 20 min in steady
    // state. A day starts empty, so the mean over the whole day is lower but of that order.
    let w = slot_waits(&bounds(), &[1.2; SLOTS], &[1; SLOTS], &[600_000], &params(40), (0, 0)).unwrap();
    let late: f64 = w[60..90].iter().map(|s| s.mean_min).sum::<f64>() / 30.0;
    assert!((10.0..30.0).contains(&late), "late-day mean wait {late}");
    assert!(w[0].mean_min < late);
    let again = slot_waits(&bounds(), &[1.2; SLOTS], &[1; SLOTS], &[600_000], &params(40), (0, 0)).unwrap();
    assert_eq!(w, again, "seeded");
}

#[test]
fn history_inputs_by_hand() {
    let a = day(
        "2025-05-05",
        &[("08:00", Some("08:00"), "08:10"), ("08:00", Some("08:10"), "08:12"), ("08:05", None, "08:06")],
    );
    let b = day("2025-05-12", &[("08:00", Some("08:04"), "08:09")]);
    let i = history_inputs(&[&a, &b], 1);
    // Slot 32 (08:00-08:15): 3 called tickets over 2 Mondays; waits 0, 10 and 4 minutes.
    assert_eq!(i.arrivals[32], 1.5);
    assert_eq!(i.arrivals.iter().sum::<f64>(), 1.5);
    assert!((i.baseline[32] - 14.0 / 3.0).abs() < 1e-12);
    assert!(i.baseline[31].is_nan());
    // Sorted 0, 4, 10: p50 4; p90 at 1.8 of 2 steps: 4 + 0.8 · 6.
    assert_eq!((i.baseline_p50[32], i.baseline_n[32], i.baseline_n[31]), (4.0, 3, 0));
    assert!((i.baseline_p90[32] - 8.8).abs() < 1e-12);
    assert!(i.baseline_p50[31].is_nan() && i.baseline_p90[31].is_nan());
    // A forecast of all tickets becomes called ones; without one, the history's means.
    assert_eq!(i.called_arrivals(Some(&[4.0, 2.0])), [3.0, 1.5]);
    assert_eq!(i.called_arrivals(None), i.arrivals);
    assert_eq!(i.service_ms, vec![600_000, 120_000, 300_000]);
    // B was waiting when A finished at 08:10 and was called at once: one gap of 0.
    assert_eq!((i.call_gap_ms, i.called_share), (Some(0), 0.75));
    assert_eq!(i.counters[32], 1);
    // Nothing for a Tuesday but the office-wide service times.
    let tue = history_inputs(&[&a, &b], 2);
    assert_eq!((tue.arrivals[32], tue.counters[32], tue.service_ms.len()), (0.0, 0, 3));
}

#[test]
fn a_day_from_its_history_and_a_scaled_forecast() {
    use crate::timezones::DEFAULT_TZ;
    let a = day(
        "2025-05-05",
        &[("08:00", Some("08:00"), "08:10"), ("08:00", Some("08:10"), "08:12"), ("08:05", None, "08:06")],
    );
    let b = day("2025-05-12", &[("08:00", Some("08:04"), "08:09")]);
    let days = vec![a.clone(), b.clone()];
    let date = chrono::NaiveDate::from_ymd_opt(2025, 5, 19).unwrap();
    let p = params(10);
    // A forecast of 4 tickets in slot 32 becomes 4 × 0.75 = 3 called ones.
    let mut forecast = vec![0.0; SLOTS];
    forecast[32] = 4.0;
    let got = slot_waits_for_day(&days, 0, date, DEFAULT_TZ, Some(&forecast), &p).unwrap();
    let inp = history_inputs(&[&a, &b], 1);
    let mut arrivals = vec![0.0; SLOTS];
    arrivals[32] = 3.0;
    let bounds = slot_starts(date, DEFAULT_TZ);
    let direct = slot_waits(
        &bounds,
        &arrivals,
        &inp.counters,
        &inp.service_ms,
        &p,
        (0, days_since_epoch(date).into()),
    );
    // NaN (no arrivals) is not equal to itself: compare the printed values.
    assert_eq!(format!("{got:?}"), format!("{:?}", direct.unwrap()));
    assert_eq!(got[32].expected_arrivals, 3.0);
    // Without history before the date there is nothing to draw counter times from.
    let early = chrono::NaiveDate::from_ymd_opt(2025, 5, 5).unwrap();
    assert_eq!(slot_waits_for_day(&days, 0, early, DEFAULT_TZ, None, &p), Err(SlotWaitError::NoServiceTimes));
}

#[test]
fn scores_by_hand() {
    let row = |actual_n, actual, p50, p90, mean, b_mean, b_p50, within, b_within| SlotBacktestRow {
        office: "a".into(),
        date: chrono::NaiveDate::from_ymd_opt(2025, 5, 5).unwrap(),
        slot: 32,
        actual_n,
        actual_mean_min: actual,
        pred_p50_min: p50,
        pred_p90_min: p90,
        pred_mean_min: mean,
        baseline_mean_min: b_mean,
        baseline_p50_min: b_p50,
        baseline_p90_min: 0.0,
        within_p90: within,
        baseline_within_p90: b_within,
    };
    let rows = [row(3, 10.0, 8.0, 20.0, 11.0, 12.0, 9.0, 3, 2), row(1, 4.0, 10.0, 20.0, 6.0, 5.0, 3.0, 1, 0)];
    let s = SlotBacktestScore::of(rows.iter());
    // |8−10|, |10−4| → 4; |11−10|, |6−4| → 1.5; |12−10|, |5−4| → 1.5; |9−10|, |3−4| → 1.
    assert_eq!((s.slots, s.mae_p50, s.mae_mean, s.mae_baseline, s.mae_baseline_p50), (2, 4.0, 1.5, 1.5, 1.0));
    // 4 tickets: all within the simulated p90, 2 within the history's.
    assert_eq!((s.coverage_p90, s.coverage_baseline_p90), (1.0, 0.5));
    assert_eq!(SlotBacktestScore::of([].iter()), SlotBacktestScore::default());
}

#[test]
fn bad_lengths_are_named() {
    let e = slot_waits(&bounds(), &[1.0; 10], &[1; SLOTS], &[1], &params(1), (0, 0)).unwrap_err();
    assert_eq!(e, SlotWaitError::Length { what: "arrivals", len: 10, expected: SLOTS, plus: "" });
    let e = slot_waits(&bounds(), &[f64::NAN; SLOTS], &[1; SLOTS], &[1], &params(1), (0, 0)).unwrap_err();
    assert!(matches!(e, SlotWaitError::Arrivals { slot: 0, .. }));
    assert_eq!(
        slot_waits(&bounds(), &[1.0; SLOTS], &[1; SLOTS], &[], &params(1), (0, 0)),
        Err(SlotWaitError::NoServiceTimes)
    );
}
