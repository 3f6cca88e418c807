//! Calibrator tests: intervals, group and band factors, office and weekday factors, the late bound.

use super::*;

/// Calibrates on one example per ticket, all of office "o".
fn fit(point: &[f64], actual: &[f64], at_issue: &[bool]) -> Calibrator {
    let ticket: Vec<u32> = (0..point.len() as u32).collect();
    let office = vec!["o"; point.len()];
    let weekday = vec![1; point.len()];
    let ahead = vec![0; point.len()];
    Calibrator::fit(
        &Examples {
            point,
            actual,
            at_issue,
            ticket: &ticket,
            office: &office,
            weekday: &weekday,
            ahead: &ahead,
            day: &ticket,
        },
        10.0,
    )
}

/// Calibrates with office and weekday alarms on one at-issue example per ticket.
fn fit_offices(point: &[f64], actual: &[f64], office: &[&str], weekday: &[u8]) -> Calibrator {
    let n = point.len();
    let (at_issue, ticket) = (vec![true; n], (0..n as u32).collect::<Vec<_>>());
    let ahead = vec![0; n];
    let ex = Examples {
        point,
        actual,
        at_issue: &at_issue,
        ticket: &ticket,
        office,
        weekday,
        ahead: &ahead,
        day: &ticket,
    };
    Calibrator::fit(&ex, 10.0).with_office_alarms(&ex, 10.0)
}

/// [`alarm_factor`] with one example per ticket.
fn factor(point: &[f64], actual: &[f64], target: f64, z: f64) -> Option<f64> {
    let ticket: Vec<u32> = (0..point.len() as u32).collect();
    alarm_factor(point, actual, Labels { ticket: &ticket, day: &ticket }, 10.0, target, z)
}

#[test]
fn quantile_type_7() {
    assert!((quantile(&[0.0, 2.0, 5.0, 5.0, 20.0], 0.9) - 14.0).abs() < 1e-12);
    assert_eq!(quantile(&[1.0], 0.3), 1.0);
    assert_eq!(quantile(&[1.0, 3.0], 0.5), 2.0);
}

#[test]
fn calibrated_intervals_cover_their_share() {
    // Point prediction 10 everywhere, truth uniform 0..100 in steps: p10..p90 covers 80 %.
    let point = vec![10.0; 1001];
    let actual: Vec<f64> = (0..=1000).map(|i| i as f64 / 10.0).collect();
    let c = fit(&point, &actual, &[true; 1001]);
    let q = c.quantiles(10.0, true);
    assert!((q.p10 - 10.0).abs() < 1e-9 && (q.p90 - 90.0).abs() < 1e-9, "{q:?}");
    assert!((q.p50 - 50.0).abs() < 1e-9);
    // Any alarm (f × 10 > 10, so f > 1) would be late for the 101 calls at ≤ 10 minutes
    // of 1001: 10 %, over the target, so none is offered.
    assert_eq!(c.at_issue.alarm_factor, None);
    assert_eq!((q.alarm, alarm_offset(&q, 10.0)), (0.0, None));
    let covered = actual.iter().filter(|a| **a >= q.p10 && **a <= q.p90).count() as f64 / 1001.0;
    assert!((covered - 0.8).abs() < 0.01);
    // No later snapshots in calibration: they fall back to all residuals.
    assert_eq!(c.quantiles(10.0, false), q);
}

#[test]
fn groups_get_their_own_spread() {
    let point = vec![10.0; 400];
    let at_issue: Vec<bool> = (0..400).map(|i| i < 200).collect();
    // At issue the truth is 10 ± 10, later exactly 10.
    let actual: Vec<f64> = (0..400).map(|i| if i < 200 { i as f64 / 10.0 } else { 10.0 }).collect();
    let c = fit(&point, &actual, &at_issue);
    let early = c.quantiles(10.0, true);
    let later = c.quantiles(10.0, false);
    assert!(early.p90 - early.p10 > 10.0, "{early:?}");
    assert_eq!((later.p10, later.p90), (10.0, 10.0));
}

#[test]
fn an_office_gets_the_smaller_of_its_own_and_the_group_factor() {
    // Office "a": calls at 20 … 119 min for point 40 (own factor 0.525 with the office's
    // 95 % bound, as below); office "b": calls at 40 … 139 (own factor 1.025). The group factor over both lies
    // between, so "a" is held to its own, "b" to the group's; an unknown office gets the
    // group's; an office with too few examples to vouch for an alarm gets none.
    let mut actual: Vec<f64> = (0..100).map(|k| 20.0 + k as f64).collect();
    actual.extend((0..100).map(|k| 40.0 + k as f64));
    actual.extend((0..10).map(|k| 30.0 + k as f64));
    let point = vec![40.0; 210];
    let office: Vec<&str> = std::iter::repeat_n("a", 100)
        .chain(std::iter::repeat_n("b", 100))
        .chain(std::iter::repeat_n("c", 10))
        .collect();
    let c = fit_offices(&point, &actual, &office, &[1; 210]);
    let group = c.at_issue.alarm_factor.unwrap();
    assert!(group > 0.55 && group < 1.025, "{group}");
    assert_eq!(c.office_alarm["a"], [Some(0.525), None]);
    assert_eq!(
        c.quantiles_for(40.0, true, "a", (1, 0), f64::NAN).alarm,
        (40.0 * 0.525f64).min(c.quantiles(40.0, true).p10)
    );
    assert_eq!(c.quantiles_for(40.0, true, "b", (1, 0), f64::NAN).alarm, c.quantiles(40.0, true).alarm);
    assert_eq!(c.quantiles_for(40.0, true, "zz", (1, 0), f64::NAN).alarm, c.quantiles(40.0, true).alarm);
    assert_eq!(c.quantiles_for(40.0, true, "c", (1, 0), f64::NAN).alarm, 0.0);
}

#[test]
fn a_weekday_that_runs_early_gets_its_own_smaller_factor() {
    // Office "a", point 40 throughout. Mondays: 200 tickets called at 40 … 139.5 min (never
    // early). Saturdays: 40 called at 20 … 59, half of them before the point. Tuesdays: 10
    // called at 100. The office's own factor (3 %, 95 % bound over 250 tickets) lets 6
    // early calls through: 26 ÷ 40 = 0.65. Saturday on its own (4 %, 90 % bound) can vouch
    // for no late call of its 40 tickets: 20 ÷ 40 = 0.5 (0 of 40 late: Wilson bound 3.9 %).
    // Tuesday has fewer than 30 tickets offered an alarm: not judged, the office's factor.
    let mut actual: Vec<f64> = (0..200).map(|k| 40.0 + 0.5 * k as f64).collect();
    let mut weekday = vec![1u8; 200];
    actual.extend((0..40).map(|k| 20.0 + k as f64));
    weekday.extend([6u8; 40]);
    actual.extend([100.0; 10]);
    weekday.extend([2u8; 10]);
    let n = actual.len();
    let point = vec![40.0; n];
    let office = vec!["a"; n];
    let c = fit_offices(&point, &actual, &office, &weekday);
    assert_eq!(c.office_alarm["a"], [Some(0.65), None]);
    let days = &c.weekday_alarm["a"];
    assert_eq!(days.keys().copied().collect::<Vec<_>>(), vec![1, 6]);
    assert_eq!(days[&6], [Some(0.5), None]);
    assert!(days[&1][0].is_some_and(|f| f >= 1.0), "{days:?}");
    let p10 = c.quantiles(40.0, true).p10;
    let factor = 0.65f64.min(c.at_issue.alarm_factor.unwrap());
    assert_eq!(c.quantiles_for(40.0, true, "a", (1, 0), f64::NAN).alarm, (40.0 * factor).min(p10));
    assert_eq!(c.quantiles_for(40.0, true, "a", (2, 0), f64::NAN).alarm, (40.0 * factor).min(p10));
    assert_eq!(c.quantiles_for(40.0, true, "a", (6, 0), f64::NAN).alarm, (20.0f64).min(p10));
    // A weekday judged with no factor passing gets no alarm: Saturdays called at 100 min,
    // but 3 of them at 5, late whatever the factor (3 + 1 > 4 % of 41); the office's 3 of
    // 250 pass its bound.
    let mut early = actual.clone();
    early[200..240].fill(100.0);
    early[200..203].fill(5.0);
    let c = fit_offices(&point, &early, &office, &weekday);
    assert_eq!(c.weekday_alarm["a"][&6], [Some(0.0), None]);
    assert_eq!(c.quantiles_for(40.0, true, "a", (6, 0), f64::NAN).alarm, 0.0);
    assert!(c.quantiles_for(40.0, true, "a", (1, 0), f64::NAN).alarm > 10.0);
}

#[test]
fn few_tickets_ahead_get_their_own_smaller_factor() {
    // Point 40 at issue. With 2 ahead, calls at 20 … 119 min: factor 0.55 (two early
    // calls, as below). With 30 ahead, calls at 40 … 139: 42 ÷ 40 = 1.05 (calls at 40 and
    // 41 early, the bound of 2 of 100 holds). No example with 5–19 ahead: no alarm there.
    let mut actual: Vec<f64> = (0..100).map(|k| 20.0 + k as f64).collect();
    actual.extend((0..100).map(|k| 40.0 + k as f64));
    let ahead: Vec<u32> = (0..200).map(|i| if i < 100 { 2 } else { 30 }).collect();
    let (point, at_issue, ticket) = (vec![40.0; 200], vec![true; 200], (0..200).collect::<Vec<u32>>());
    let (office, weekday) = (vec!["o"; 200], vec![1u8; 200]);
    let ex = Examples {
        point: &point,
        actual: &actual,
        at_issue: &at_issue,
        ticket: &ticket,
        office: &office,
        weekday: &weekday,
        ahead: &ahead,
        day: &ticket,
    };
    let c = Calibrator::fit(&ex, 10.0);
    assert_eq!(c.at_issue.ahead_alarm, vec![Some(0.55), None, None, Some(1.05)]);
    let group = c.at_issue.alarm_factor.unwrap();
    assert!(group > 0.55 && group < 1.05, "{group}");
    let p10 = c.quantiles(40.0, true).p10;
    assert_eq!(c.quantiles_for(40.0, true, "o", (1, 2), f64::NAN).alarm, 22.0);
    assert_eq!(c.quantiles_for(40.0, true, "o", (1, 4), f64::NAN).alarm, 22.0);
    assert_eq!(c.quantiles_for(40.0, true, "o", (1, 30), f64::NAN).alarm, (42.0f64).min(p10));
    assert_eq!(c.quantiles_for(40.0, true, "o", (1, 7), f64::NAN).alarm, 0.0);
    // A model file from before the bands: the group's factor for every band.
    let mut old = c.clone();
    old.at_issue.ahead_alarm.clear();
    assert_eq!(old.quantiles_for(40.0, true, "o", (1, 2), f64::NAN).alarm, (40.0 * group).min(p10));
}

#[test]
fn alarm_factor_is_the_latest_with_few_late_alarms() {
    // Point 40, calls at 20, 21, …, 119 minutes. With f = 23/40 the alarm quantile is 23:
    // the calls at 20, 21, 22 are late, (3 + 1) ≤ 0.04 · (100 + 1), but the upper bound of
    // 3 late of 100 is 6.1 % > 5 %; with f = 22/40 two are late (bound 4.7 %).
    let actual: Vec<f64> = (0..100).map(|i| 20.0 + i as f64).collect();
    assert_eq!(factor(&[40.0; 100], &actual, 0.04, ALARM_Z), Some(0.55));
    assert!((wilson_upper(3, 100, ALARM_Z) - 0.0606).abs() < 5e-4);
    assert!((wilson_upper(2, 100, ALARM_Z) - 0.0474).abs() < 5e-4);
    // An office's own factor takes the 95 % bound: 2 late of 100 is 5.9 % there, 1 is 4.4 %.
    assert_eq!(factor(&[40.0; 100], &actual, 0.04, OFFICE_ALARM_Z), Some(0.525));
    assert!((wilson_upper(2, 100, OFFICE_ALARM_Z) - 0.0587).abs() < 5e-4);
    // Ten examples can never vouch for an alarm at 4 %: (0 + 1) > 0.04 · 11.
    assert_eq!(factor(&[40.0; 10], &actual[..10], 0.04, ALARM_Z), None);
    // Half the points (5) are below the notice: their alarms are not offered until f > 2,
    // and then all 50 of them are late. Among the other 50 (point 30, calls at 30…79)
    // the corrected target would allow one late alarm (f = 31/30), but the upper bound of
    // 1 late of 50 is 6.5 %: none, f = 1. A zero point is never offered an alarm.
    let mut point: Vec<f64> = (0..100).map(|i| if i < 50 { 5.0 } else { 30.0 }).collect();
    let mut actual: Vec<f64> = (0..100).map(|i| if i < 50 { 5.0 } else { (i - 20) as f64 }).collect();
    point.push(0.0);
    actual.push(0.5);
    assert_eq!(factor(&point, &actual, 0.04, ALARM_Z), Some(1.0));
}

#[test]
fn the_late_bound_counts_tickets_not_snapshots() {
    // 100 snapshots, point 40, calls at 20 … 119 min: one per ticket, the 95 % bound
    // allows one late alarm (f = 0.525, as above). The same 100 snapshots from 25 tickets
    // of 4 snapshots each: 25 independent tickets cannot bound the late share under 5 %
    // even with none late (z² ÷ (25 + z²) = 9.8 %), so no alarm is offered.
    let actual: Vec<f64> = (0..100).map(|i| 20.0 + i as f64).collect();
    let one_each: Vec<u32> = (0..100).collect();
    let four_each: Vec<u32> = (0..100).map(|i| i / 4).collect();
    let f = |t: &[u32]| {
        alarm_factor(&[40.0; 100], &actual, Labels { ticket: t, day: t }, 10.0, 0.03, OFFICE_ALARM_Z)
    };
    assert_eq!(f(&one_each), Some(0.525));
    assert_eq!(f(&four_each), None);
    assert!((wilson_upper(0, 25, OFFICE_ALARM_Z) - 0.0977).abs() < 5e-4);
    // 400 snapshots of 100 tickets (each ticket's four snapshots alike): the share is the
    // same as one per ticket, and so is the evidence, so the factor is the same.
    let actual4: Vec<f64> = actual.iter().flat_map(|a| [*a; 4]).collect();
    let tickets4: Vec<u32> = (0..400).map(|i| i / 4).collect();
    let labels4 = Labels { ticket: &tickets4, day: &tickets4 };
    let f4 = alarm_factor(&[40.0; 400], &actual4, labels4, 10.0, 0.03, OFFICE_ALARM_Z);
    assert_eq!(f4, Some(0.525));
}

#[test]
fn late_alarms_on_one_day_count_as_one_piece_of_evidence() {
    // 300 tickets on 30 days of 10, point 40, six calls early (20–25 min), the rest at 40–99.
    // Spread over six days, the six early calls are as good as independent: the factor is the
    // one the tickets alone allow (10 late of 300 offered at f = 1.025, bound 4.9 % on 299
    // units). On one day they are one day's quick services: at f = 0.6 (4 late, all that
    // day) the spread of the late share over days leaves 74 independent units, not 300, and
    // the bound is 4.4 %; at f = 0.625 (5 late, 59 units) it is 5.5 %, and above it more.
    let n = 300;
    let point = vec![40.0; n];
    let ticket: Vec<u32> = (0..n as u32).collect();
    let day: Vec<u32> = ticket.iter().map(|t| t / 10).collect();
    let late_at = |early: &dyn Fn(usize) -> Option<f64>| -> Vec<f64> {
        (0..n).map(|i| early(i).unwrap_or(40.0 + ((i * 7) % 60) as f64)).collect()
    };
    let one_day = late_at(&|i| (i < 6).then_some(20.0 + i as f64));
    let six_days = late_at(&|i| (i % 10 == 0 && i < 60).then_some(20.0 + (i / 10) as f64));
    let f = |actual: &[f64], day: &[u32]| {
        alarm_factor(&point, actual, Labels { ticket: &ticket, day }, 10.0, ALARM_TARGET, ALARM_Z)
    };
    assert_eq!(f(&one_day, &ticket), Some(1.025));
    assert_eq!(f(&six_days, &day), Some(1.025));
    assert_eq!(f(&one_day, &day), Some(0.6));
    // With no late alarm the days have no spread to show: the tickets count.
    let none_early = late_at(&|_| None);
    assert_eq!(f(&none_early, &day), f(&none_early, &ticket));
}

#[test]
fn calibrated_alarm_keeps_late_share_on_its_calibration_days() {
    // 8 % of calls come early, spread over 11–30 minutes; the rest at 40–79.
    let n = 4000;
    let point = vec![40.0; n];
    let actual: Vec<f64> = (0..n)
        .map(|i| if i % 100 < 8 { 11.0 + 19.0 * (i / 100) as f64 / 40.0 } else { 40.0 + (i % 40) as f64 })
        .collect();
    let c = fit(&point, &actual, &vec![true; n]);
    let q = c.quantiles(40.0, true);
    let offset = alarm_offset(&q, 10.0).expect("an alarm is offered");
    let late = actual.iter().filter(|a| **a < offset + 10.0).count();
    assert!((late + 1) as f64 <= ALARM_TARGET * (n + 1) as f64, "late {late}, alarm {}", q.alarm);
    // And it is the latest such alarm: one more late call would break the target.
    let next = actual.iter().copied().filter(|a| *a >= q.alarm).fold(f64::INFINITY, f64::min);
    let late_next = actual.iter().filter(|a| **a <= next).count();
    assert!((late_next + 1) as f64 > ALARM_TARGET * (n + 1) as f64, "{next}");
}

/// Deterministic (point, actual) pairs: points 5–60 minutes, actual = point × a lognormal-ish
/// factor (sum of four uniforms), from a xorshift generator.
fn exchangeable(n: usize, mut state: u64) -> (Vec<f64>, Vec<f64>) {
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let p = 5.0 + 55.0 * uniform();
            let z = (uniform() + uniform() + uniform() + uniform() - 2.0) * 1.7;
            (p, p * (0.4 * z).exp())
        })
        .unzip()
}

#[test]
fn alarm_late_share_holds_on_fresh_examples() {
    // Split conformal promises the late share on new exchangeable examples, not only on
    // the calibration ones: calibrate on 4000, check on 40 000 others.
    let (cp, ca) = exchangeable(4000, 7);
    let c = fit(&cp, &ca, &vec![true; cp.len()]);
    let (tp, ta) = exchangeable(40_000, 11);
    let (mut offered, mut late, mut covered) = (0usize, 0usize, 0usize);
    for (p, a) in tp.iter().zip(&ta) {
        let q = c.quantiles(*p, true);
        covered += usize::from(*a >= q.p10 && *a <= q.p90);
        if let Some(offset) = alarm_offset(&q, 10.0) {
            offered += 1;
            late += usize::from(*a < offset + 10.0);
        }
    }
    let (late, offered, covered) =
        (late as f64 / offered as f64, offered as f64 / 40_000.0, covered as f64 / 40_000.0);
    assert!(late <= 0.05, "late {late}");
    assert!(late >= 0.02, "not needlessly early: late {late}");
    assert!(offered > 0.5, "offered {offered}");
    assert!((covered - 0.8).abs() < 0.02, "coverage {covered}");
}

/// A calibrator with one bucket of residual quantiles and one alarm factor for both groups.
fn one_bucket(residuals: [f64; 3], alarm_factor: f64) -> Calibrator {
    let b = Buckets {
        edges: vec![],
        residuals: vec![residuals],
        alarm_factor: Some(alarm_factor),
        ahead_alarm: vec![],
    };
    Calibrator {
        at_issue: b.clone(),
        later: b,
        office_alarm: Default::default(),
        weekday_alarm: Default::default(),
        alarm_margin: 1.0,
        replay_cap: false,
    }
}

#[test]
fn quantiles_never_negative_or_crossing() {
    let q = one_bucket([-40.0, 5.0, 1.0], 0.5).quantiles(10.0, true);
    assert_eq!((q.alarm, q.p10, q.p50, q.p90), (0.0, 0.0, 15.0, 15.0));
    assert_eq!(alarm_offset(&q, 10.0), None);
    // The alarm never comes after p10.
    assert_eq!(one_bucket([-5.0, 0.0, 5.0], 1.1).quantiles(30.0, true).alarm, 25.0);
    let q = Quantiles { alarm: 25.0, p10: 30.0, p50: 40.0, p90: 60.0 };
    assert_eq!(alarm_offset(&q, 10.0), Some(15.0));
}

#[test]
fn point_as_median_at_issue_keeps_the_interval_and_the_later_shift() {
    let c = one_bucket([-3.0, 2.0, 6.0], 0.5).with_point_as_median_at_issue();
    let q = c.quantiles(10.0, true);
    assert_eq!((q.alarm, q.p10, q.p50, q.p90), (5.0, 7.0, 10.0, 16.0));
    // Later snapshots keep their median shift.
    let q = c.quantiles(10.0, false);
    assert_eq!((q.p10, q.p50, q.p90), (7.0, 12.0, 16.0));
    // A bucket whose p10 residual is positive still never crosses: p50 = p10.
    let q = one_bucket([1.0, 2.0, 6.0], 0.5).with_point_as_median_at_issue().quantiles(10.0, true);
    assert_eq!((q.p10, q.p50, q.p90), (11.0, 11.0, 16.0));
}

#[test]
fn the_alarm_rings_at_the_margin_of_the_calibrated_alarm() {
    // Point 30, p10 25 (residual −5), factor 0.9: the calibrated alarm is min(27, 25) = 25.
    let c = one_bucket([-5.0, 0.0, 5.0], 0.9);
    assert_eq!(c.quantiles(30.0, true).alarm, 25.0);
    let m = c.clone().with_alarm_margin(0.8);
    let q = m.quantiles(30.0, true);
    assert_eq!((q.alarm, q.p10, q.p50, q.p90), (20.0, 25.0, 30.0, 35.0));
    // With 10 minutes' notice the alarm rings 10 minutes from now instead of 15.
    assert_eq!(alarm_offset(&q, 10.0), Some(10.0));
    // The office's own factor is scaled the same way: 30 × 0.5 = 15, rung at 12.
    let mut m = m;
    m.office_alarm.insert("a".into(), [Some(0.5), Some(0.5)]);
    assert_eq!(m.quantiles_for(30.0, true, "a", (1, 0), f64::NAN).alarm, 12.0);
    // 12 × 0.8 = 9.6 is under the notice: no alarm offered for this one.
    assert_eq!(alarm_offset(&m.quantiles_for(20.0, true, "a", (1, 0), f64::NAN), 10.0), None);
}

#[test]
fn a_model_file_without_a_margin_rings_at_the_calibrated_alarm() {
    let c = one_bucket([-5.0, 0.0, 5.0], 0.9).with_alarm_margin(0.85);
    let mut json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["alarm_margin"], 0.85);
    json.as_object_mut().unwrap().remove("alarm_margin");
    let old: Calibrator = serde_json::from_value(json).unwrap();
    assert_eq!(old.alarm_margin, 1.0);
    assert_eq!(old.quantiles(30.0, true).alarm, 25.0);
}

#[test]
fn the_alarm_never_rings_after_the_queue_replay_expects_the_call() {
    // Point 30, p10 25, factor 0.9: the alarm is set from 25 minutes ahead. The replay expects
    // the call in 18: with the cap the alarm is set from 18, rung 8 minutes from now with 10
    // minutes' notice; a replay at 12 leaves 2 minutes, a replay at 8 none (stay nearby).
    let c = one_bucket([-5.0, 0.0, 5.0], 0.9).with_replay_cap();
    let at = |replay: f64| c.quantiles_for(30.0, true, "a", (1, 0), replay);
    assert_eq!(at(18.0).alarm, 18.0);
    assert_eq!(alarm_offset(&at(18.0), 10.0), Some(8.0));
    assert_eq!(alarm_offset(&at(12.0), 10.0), Some(2.0));
    assert_eq!(alarm_offset(&at(8.0), 10.0), None);
    // A replay later than the alarm, or none known, leaves it; the quantiles never move.
    assert_eq!(at(40.0).alarm, 25.0);
    assert_eq!(at(f64::NAN).alarm, 25.0);
    assert_eq!((at(18.0).p10, at(18.0).p50, at(18.0).p90), (25.0, 30.0, 35.0));
    // The cap applies to the alarm as rung, after the margin: 0.8 × 25 = 20, capped at 18.
    let m = c.clone().with_alarm_margin(0.8);
    assert_eq!(m.quantiles_for(30.0, true, "a", (1, 0), 18.0).alarm, 18.0);
    assert_eq!(m.quantiles_for(30.0, true, "a", (1, 0), 22.0).alarm, 20.0);
    // A model file written before the cap rings as it did.
    let mut json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["replay_cap"], true);
    json.as_object_mut().unwrap().remove("replay_cap");
    let old: Calibrator = serde_json::from_value(json).unwrap();
    assert!(!old.replay_cap);
    assert_eq!(old.quantiles_for(30.0, true, "a", (1, 0), 18.0).alarm, 25.0);
}
