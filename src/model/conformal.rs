//! Quantiles by split-conformal calibration: residuals of a point predictor on a held-out
//! calibration period, taken per group (at issue / later snapshot) and per bucket of the
//! point prediction (Mondrian conformal), so short and long predicted waits, and fresh and
//! old tickets, each get their own spread. The alarm is calibrated per group directly on the
//! share of offered alarms that would have come too late, as one factor of the point
//! prediction: alarm tails scale with the wait, and one number per group leaves more late
//! calls to estimate it from than one per bucket (early calls cluster by day, so a few
//! calibration days hold few independent ones).

use serde::{Deserialize, Serialize};

/// The quantile levels produced: p10, p50, p90.
pub const LEVELS: [f64; 3] = [0.10, 0.50, 0.90];

/// Late-alarm share aimed at on the calibration days, with the finite-sample correction
/// `(late + 1) ≤ target · (offered + 1)`: under the 5 % target, with room for the test weeks
/// differing from the calibration weeks.
pub const ALARM_TARGET: f64 = 0.04;
/// Late-alarm share an office must stay under on new days: besides the corrected target, the
/// one-sided 90 % Wilson upper bound of the calibration late share must not exceed it. With
/// many calibration alarms the target binds; in a small office with few of them this bound
/// does (on independent simulated data one office got 229 alarms at issue in the backtest,
/// 7.4 % late, with the target alone).
pub const ALARM_LIMIT: f64 = 0.05;
/// z of the one-sided 90 % bound.
const ALARM_Z: f64 = 1.2816;
/// Late-alarm share an office's own alarm factor aims at (with the same finite-sample
/// correction), and z of its one-sided 95 % bound: picking the largest factor that passes on an
/// office's few calibration alarms favours factors that were lucky there. In the backtests of
/// two independent simulated data sets three office figures were 5.5–6.6 % late with 4 % and a
/// 95 % bound; with 3 % two of them fell under 5 %, one small office's stayed at 6.7 % (README).
const OFFICE_ALARM_TARGET: f64 = 0.03;
const OFFICE_ALARM_Z: f64 = 1.6449;
/// Fewest calibration tickets of an office's weekday offered an alarm at the office's own
/// factor for the weekday to be judged on its own (about two busy days of a mid-sized office).
/// A weekday is judged on the group's 90 % bound, under which 30 tickets with none late come
/// to 5.2 %: one judged on barely that many vouches only for a factor that offers more.
const MIN_WEEKDAY_TICKETS: usize = 30;
/// Upper ends of the bands of tickets waiting ahead (0–4, 5–9, 10–19, 20 or more) that get an
/// alarm factor each. A call needs about as many services to end as there are tickets ahead, so
/// the wait's relative spread falls with them: over three independent simulated data sets the
/// alarms of one factor per group came 10–24 % late with at most 4 ahead and 0.2–1.5 % late with
/// more than 20, whatever the office. Small offices offer alarms mostly with few ahead (one
/// counter at lunch: long waits, few tickets), so one factor sent their alarms late.
pub const AHEAD_BANDS: [u32; 3] = [4, 9, 19];
/// Buckets of the point prediction.
const BUCKETS: usize = 5;
/// Fewest residuals a bucket needs to estimate its own tails.
const MIN_BUCKET: usize = 50;

/// Calibration examples, one per snapshot: the point prediction, the truth, whether it is the
/// snapshot at issue, and the ticket and office it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Examples<'a> {
    pub point: &'a [f64],
    pub actual: &'a [f64],
    pub at_issue: &'a [bool],
    /// Any key that is the same for the snapshots of one ticket and differs between tickets:
    /// a waiting ticket is probed every few minutes, and its snapshots' alarms are late
    /// together, so the bound on the late share counts tickets, not snapshots.
    pub ticket: &'a [u32],
    pub office: &'a [&'a str],
    /// ISO weekday (1–7) of each example's day.
    pub weekday: &'a [u8],
    /// Tickets waiting ahead at the snapshot ([`AHEAD_BANDS`]).
    pub ahead: &'a [u32],
}

impl Examples<'_> {
    /// Point, truth and ticket of the examples `rows`.
    fn gather(&self, rows: impl Iterator<Item = usize>) -> (Vec<f64>, Vec<f64>, Vec<u32>) {
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        for i in rows {
            out.0.push(self.point[i]);
            out.1.push(self.actual[i]);
            out.2.push(self.ticket[i]);
        }
        out
    }

    /// Alarm factor per band of tickets ahead, on the examples `rows` (the group's target and
    /// bound): `None` for a band whose examples cannot vouch for an alarm.
    fn ahead_alarms(&self, rows: &[usize], notice_min: f64) -> Vec<Option<f64>> {
        (0..=AHEAD_BANDS.len())
            .map(|band| {
                let (p, a, t) =
                    self.gather(rows.iter().copied().filter(|&i| ahead_band(self.ahead[i]) == band));
                alarm_factor(&p, &a, &t, notice_min, ALARM_TARGET, ALARM_Z)
            })
            .collect()
    }
}

/// Remaining-wait quantiles of one example, minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Remaining wait the alarm is set from (`alarm − notice` from now); 0 when no alarm is
    /// offered. Never above p10.
    pub alarm: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// Residual quantiles per bucket of the point prediction, for one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Buckets {
    /// Upper edges of the point-prediction buckets (the last is +∞, left out).
    pub edges: Vec<f64>,
    /// Residual (actual − point) quantiles per bucket at [`LEVELS`].
    pub residuals: Vec<[f64; 3]>,
    /// The alarm is set at `alarm_factor × point` remaining minutes: the largest factor whose
    /// corrected late share on the calibration days is within [`ALARM_TARGET`]; `None`: no
    /// alarm is offered (too few calibration alarms to vouch for one).
    pub alarm_factor: Option<f64>,
    /// Alarm factor per band of tickets ahead ([`AHEAD_BANDS`]), used instead of
    /// `alarm_factor`; empty in model files written before the bands (then `alarm_factor`).
    #[serde(default)]
    pub ahead_alarm: Vec<Option<f64>>,
}

impl Buckets {
    /// The group's alarm factor for a snapshot with `ahead` tickets waiting ahead.
    fn alarm_factor_for(&self, ahead: u32) -> Option<f64> {
        if self.ahead_alarm.is_empty() {
            self.alarm_factor
        } else {
            self.ahead_alarm[ahead_band(ahead).min(self.ahead_alarm.len() - 1)]
        }
    }
}

/// The band of [`AHEAD_BANDS`] that `ahead` tickets fall in.
fn ahead_band(ahead: u32) -> usize {
    AHEAD_BANDS.partition_point(|&upper| upper < ahead)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibrator {
    pub at_issue: Buckets,
    pub later: Buckets,
    /// Alarm factor per office for (at issue, later), each office calibrated on its own
    /// examples: a factor learned over all offices is set by the large ones and came too late
    /// in a small office. The factor used is the smaller of the group's and the office's; an
    /// office whose own calibration cannot vouch for an alarm gets none.
    #[serde(default)]
    pub office_alarm: std::collections::BTreeMap<String, [Option<f64>; 2]>,
    /// Alarm factor per office and ISO weekday for (at issue, later), where the calibration
    /// days hold enough of that weekday's alarms to judge it ([`MIN_WEEKDAY_TICKETS`]); `None`:
    /// not judged (the office's factor alone), 0: judged and no factor passes (no alarm). A
    /// weekday can run differently from the rest of an office's week: on independent simulated
    /// data one office's short, busy Saturdays got 8–12 % of their later alarms late while its
    /// weekdays stayed near 3 %, and the office's factor, set mostly by the weekdays, could not
    /// see it.
    #[serde(default)]
    pub weekday_alarm: std::collections::BTreeMap<String, std::collections::BTreeMap<u8, [Option<f64>; 2]>>,
}

impl Calibrator {
    /// Learns residual quantiles from the calibration examples per group (at issue, later);
    /// the alarm is tuned for `notice_min`.
    pub fn fit(ex: &Examples, notice_min: f64) -> Calibrator {
        let every: Vec<usize> = (0..ex.point.len()).collect();
        let mut all = Buckets::fit((ex.point, ex.actual, ex.ticket), None, notice_min);
        all.ahead_alarm = ex.ahead_alarms(&every, notice_min);
        let pick = |g: bool| {
            let rows: Vec<usize> = every.iter().copied().filter(|&i| ex.at_issue[i] == g).collect();
            let (p, a, t) = ex.gather(rows.iter().copied());
            if p.len() >= MIN_BUCKET {
                let mut b = Buckets::fit((&p, &a, &t), Some((ex.point, ex.actual)), notice_min);
                b.ahead_alarm = ex.ahead_alarms(&rows, notice_min);
                b
            } else {
                all.clone()
            }
        };
        Calibrator {
            at_issue: pick(true),
            later: pick(false),
            office_alarm: Default::default(),
            weekday_alarm: Default::default(),
        }
    }

    /// Adds the per-office alarm factors, from the same calibration examples.
    pub fn with_office_alarms(mut self, ex: &Examples, notice_min: f64) -> Calibrator {
        // The examples of each office, found in one pass (85 offices would be 85 passes).
        let mut by_office: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (i, office) in ex.office.iter().enumerate() {
            by_office.entry(office).or_default().push(i);
        }
        for (name, rows) in by_office {
            let factor = |g: bool| {
                let (p, a, t) = ex.gather(rows.iter().copied().filter(|&i| ex.at_issue[i] == g));
                alarm_factor(&p, &a, &t, notice_min, OFFICE_ALARM_TARGET, OFFICE_ALARM_Z)
            };
            let office = [factor(true), factor(false)];
            let mut weekdays: std::collections::BTreeMap<u8, [Option<f64>; 2]> = Default::default();
            for wd in 1..=7u8 {
                let judged = |g: usize| {
                    let own = office[g]?;
                    let (p, a, t) = ex.gather(
                        rows.iter().copied().filter(|&i| ex.weekday[i] == wd && ex.at_issue[i] == (g == 0)),
                    );
                    let offer: Vec<f64> = p.iter().map(|&p| offer_threshold(notice_min, p)).collect();
                    let offered = first_offer_per_ticket(&offer, &t).partition_point(|&v| v < own);
                    (offered >= MIN_WEEKDAY_TICKETS)
                        .then(|| alarm_factor(&p, &a, &t, notice_min, ALARM_TARGET, ALARM_Z).unwrap_or(0.0))
                };
                let cell = [judged(0), judged(1)];
                if cell.iter().any(Option::is_some) {
                    weekdays.insert(wd, cell);
                }
            }
            if !weekdays.is_empty() {
                self.weekday_alarm.insert(name.to_string(), weekdays);
            }
            self.office_alarm.insert(name.to_string(), office);
        }
        self
    }

    /// [`Calibrator::quantiles`] with the alarm set by the group's factor for `ahead` tickets
    /// waiting ahead, limited by the office's own factor and by its factor on that ISO `weekday`
    /// where one was judged.
    pub fn quantiles_for(
        &self,
        point: f64,
        at_issue: bool,
        office: &str,
        weekday: u8,
        ahead: u32,
    ) -> Quantiles {
        let mut q = self.quantiles(point, at_issue);
        let k = usize::from(!at_issue);
        let group = if at_issue { &self.at_issue } else { &self.later };
        let band = group.alarm_factor_for(ahead);
        let factor = match self.office_alarm.get(office) {
            None => band,
            Some(factors) => {
                let day = self.weekday_alarm.get(office).and_then(|w| w.get(&weekday)).and_then(|c| c[k]);
                match (band, factors[k]) {
                    (Some(g), Some(o)) => Some(day.map_or(g.min(o), |d| g.min(o).min(d))),
                    _ => None,
                }
            }
        };
        q.alarm = factor.map_or(0.0, |f| (point * f).clamp(0.0, q.p10));
        q
    }

    /// Quantiles around a point prediction: never negative, never crossing.
    pub fn quantiles(&self, point: f64, at_issue: bool) -> Quantiles {
        let b = if at_issue { &self.at_issue } else { &self.later };
        let k = bucket(&b.edges, point);
        let r = b.residuals.get(k).copied().unwrap_or([0.0; 3]);
        let mut q = r.map(|d| (point + d).max(0.0));
        for i in 1..q.len() {
            q[i] = q[i].max(q[i - 1]);
        }
        let alarm = b.alarm_factor.map_or(0.0, |f| (point * f).clamp(0.0, q[0]));
        Quantiles { alarm, p10: q[0], p50: q[1], p90: q[2] }
    }
}

impl Buckets {
    /// Buckets by point-prediction quantiles; a bucket with fewer than [`MIN_BUCKET`]
    /// examples uses the `fallback` examples (or the group's own when none are given).
    fn fit(
        (point, actual, ticket): (&[f64], &[f64], &[u32]),
        fallback: Option<(&[f64], &[f64])>,
        notice_min: f64,
    ) -> Buckets {
        let mut sorted: Vec<f64> = point.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut edges: Vec<f64> =
            (1..BUCKETS).map(|b| quantile(&sorted, b as f64 / BUCKETS as f64)).collect();
        edges.dedup();
        let mut per: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); edges.len() + 1];
        for (p, a) in point.iter().zip(actual) {
            let b = &mut per[bucket(&edges, *p)];
            b.0.push(*p);
            b.1.push(*a);
        }
        let (fp, fa) = fallback.unwrap_or((point, actual));
        let mut residuals = Vec::new();
        for (p, a) in &per {
            let (p, a) = if p.len() < MIN_BUCKET { (fp, fa) } else { (&p[..], &a[..]) };
            let mut r: Vec<f64> = p.iter().zip(a).map(|(p, a)| a - p).collect();
            r.sort_by(f64::total_cmp);
            residuals.push(LEVELS.map(|l| quantile(&r, l)));
        }
        Buckets {
            edges,
            residuals,
            alarm_factor: alarm_factor(point, actual, ticket, notice_min, ALARM_TARGET, ALARM_Z),
            ahead_alarm: Vec::new(),
        }
    }
}

/// The largest factor f such that alarms at `f × point − notice` from now would have been
/// late (called before `f × point`) for at most `target` of the alarms offered (`f × point >
/// notice`), with the finite-sample correction `late + 1 ≤ target · (offered + 1)`, and with
/// the one-sided Wilson upper bound at `z` of the late share within [`ALARM_LIMIT`], taken over
/// the tickets offered one, not the snapshots: a later snapshot every few minutes of the same
/// waiting ticket is not new evidence (in a small office 269 alarms of later snapshots came
/// 6.7 % late in a backtest, with a factor vouched for by snapshots). `None` when no f
/// qualifies. Offered and late both count values below f — `notice ÷ point` and
/// `max(actual ÷ point, notice ÷ point)` — so one sweep over their sorted values finds it.
pub fn alarm_factor(
    point: &[f64],
    actual: &[f64],
    ticket: &[u32],
    notice_min: f64,
    target: f64,
    z: f64,
) -> Option<f64> {
    let ratio = |v: f64, p: f64| if p > 0.0 { v / p } else { f64::INFINITY };
    let mut offer: Vec<f64> = point.iter().map(|&p| offer_threshold(notice_min, p)).collect();
    let mut late: Vec<f64> =
        point.iter().zip(actual).map(|(&p, &a)| ratio(a, p).max(ratio(notice_min, p))).collect();
    let tickets = first_offer_per_ticket(&offer, ticket);
    offer.sort_by(f64::total_cmp);
    late.sort_by(f64::total_cmp);
    let mut candidates: Vec<f64> = offer.iter().chain(&late).copied().collect();
    candidates.sort_by(|a, b| b.total_cmp(a));
    candidates.dedup();
    candidates.retain(|f| f.is_finite());
    candidates.into_iter().find(|&r| {
        let offered = offer.partition_point(|&v| v < r);
        let late = late.partition_point(|&v| v < r);
        let tickets = tickets.partition_point(|&v| v < r);
        (late + 1) as f64 <= target * (offered + 1) as f64
            && wilson_upper_of_share(late as f64 / offered.max(1) as f64, tickets, z) <= ALARM_LIMIT
    })
}

/// The smallest factor from which a prediction `point` is offered an alarm for the notice
/// (`factor × point > notice`); a zero prediction never gets one (+∞).
fn offer_threshold(notice_min: f64, point: f64) -> f64 {
    if point > 0.0 { notice_min / point } else { f64::INFINITY }
}

/// Per ticket, the smallest offer threshold of its snapshots (from the factor above it the
/// ticket is offered an alarm in at least one snapshot), sorted.
fn first_offer_per_ticket(offer: &[f64], ticket: &[u32]) -> Vec<f64> {
    let mut pairs: Vec<(u32, f64)> = ticket.iter().copied().zip(offer.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pairs.dedup_by_key(|p| p.0);
    let mut first: Vec<f64> = pairs.into_iter().map(|p| p.1).collect();
    first.sort_by(f64::total_cmp);
    first
}

/// Wilson score upper bound of a share `k / n` at `z` (one-sided); 1 for `n = 0`.
pub fn wilson_upper(k: usize, n: usize, z: f64) -> f64 {
    wilson_upper_of_share(k as f64 / n.max(1) as f64, n, z)
}

/// Wilson score upper bound of a share `p` observed on `n` independent units; 1 for `n = 0`.
fn wilson_upper_of_share(p: f64, n: usize, z: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let n = n as f64;
    let z2 = z * z;
    (p + z2 / (2.0 * n) + z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt()) / (1.0 + z2 / n)
}

fn bucket(edges: &[f64], p: f64) -> usize {
    edges.partition_point(|&e| e < p)
}

/// Linear-interpolation quantile of sorted values (type 7); 0 for none.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// When to notify a citizen who wants `notice_min` minutes' notice, as minutes from now:
/// `alarm quantile − notice`, or `None` when the call may come sooner than the notice (stay nearby).
pub fn alarm_offset(q: &Quantiles, notice_min: f64) -> Option<f64> {
    let offset = q.alarm - notice_min;
    (offset > 0.0).then_some(offset)
}

#[cfg(test)]
mod tests {
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
            },
            10.0,
        )
    }

    /// Calibrates with office and weekday alarms on one at-issue example per ticket.
    fn fit_offices(point: &[f64], actual: &[f64], office: &[&str], weekday: &[u8]) -> Calibrator {
        let n = point.len();
        let (at_issue, ticket) = (vec![true; n], (0..n as u32).collect::<Vec<_>>());
        let ahead = vec![0; n];
        let ex =
            Examples { point, actual, at_issue: &at_issue, ticket: &ticket, office, weekday, ahead: &ahead };
        Calibrator::fit(&ex, 10.0).with_office_alarms(&ex, 10.0)
    }

    /// [`alarm_factor`] with one example per ticket.
    fn factor(point: &[f64], actual: &[f64], target: f64, z: f64) -> Option<f64> {
        let ticket: Vec<u32> = (0..point.len() as u32).collect();
        alarm_factor(point, actual, &ticket, 10.0, target, z)
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
            c.quantiles_for(40.0, true, "a", 1, 0).alarm,
            (40.0 * 0.525f64).min(c.quantiles(40.0, true).p10)
        );
        assert_eq!(c.quantiles_for(40.0, true, "b", 1, 0).alarm, c.quantiles(40.0, true).alarm);
        assert_eq!(c.quantiles_for(40.0, true, "zz", 1, 0).alarm, c.quantiles(40.0, true).alarm);
        assert_eq!(c.quantiles_for(40.0, true, "c", 1, 0).alarm, 0.0);
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
        assert_eq!(c.quantiles_for(40.0, true, "a", 1, 0).alarm, (40.0 * factor).min(p10));
        assert_eq!(c.quantiles_for(40.0, true, "a", 2, 0).alarm, (40.0 * factor).min(p10));
        assert_eq!(c.quantiles_for(40.0, true, "a", 6, 0).alarm, (20.0f64).min(p10));
        // A weekday judged with no factor passing gets no alarm: Saturdays called at 100 min,
        // but 3 of them at 5, late whatever the factor (3 + 1 > 4 % of 41); the office's 3 of
        // 250 pass its bound.
        let mut early = actual.clone();
        early[200..240].fill(100.0);
        early[200..203].fill(5.0);
        let c = fit_offices(&point, &early, &office, &weekday);
        assert_eq!(c.weekday_alarm["a"][&6], [Some(0.0), None]);
        assert_eq!(c.quantiles_for(40.0, true, "a", 6, 0).alarm, 0.0);
        assert!(c.quantiles_for(40.0, true, "a", 1, 0).alarm > 10.0);
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
        };
        let c = Calibrator::fit(&ex, 10.0);
        assert_eq!(c.at_issue.ahead_alarm, vec![Some(0.55), None, None, Some(1.05)]);
        let group = c.at_issue.alarm_factor.unwrap();
        assert!(group > 0.55 && group < 1.05, "{group}");
        let p10 = c.quantiles(40.0, true).p10;
        assert_eq!(c.quantiles_for(40.0, true, "o", 1, 2).alarm, 22.0);
        assert_eq!(c.quantiles_for(40.0, true, "o", 1, 4).alarm, 22.0);
        assert_eq!(c.quantiles_for(40.0, true, "o", 1, 30).alarm, (42.0f64).min(p10));
        assert_eq!(c.quantiles_for(40.0, true, "o", 1, 7).alarm, 0.0);
        // A model file from before the bands: the group's factor for every band.
        let mut old = c.clone();
        old.at_issue.ahead_alarm.clear();
        assert_eq!(old.quantiles_for(40.0, true, "o", 1, 2).alarm, (40.0 * group).min(p10));
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
        let f = |t: &[u32]| alarm_factor(&[40.0; 100], &actual, t, 10.0, 0.03, OFFICE_ALARM_Z);
        assert_eq!(f(&one_each), Some(0.525));
        assert_eq!(f(&four_each), None);
        assert!((wilson_upper(0, 25, OFFICE_ALARM_Z) - 0.0977).abs() < 5e-4);
        // 400 snapshots of 100 tickets (each ticket's four snapshots alike): the share is the
        // same as one per ticket, and so is the evidence, so the factor is the same.
        let actual4: Vec<f64> = actual.iter().flat_map(|a| [*a; 4]).collect();
        let tickets4: Vec<u32> = (0..400).map(|i| i / 4).collect();
        let f4 = alarm_factor(&[40.0; 400], &actual4, &tickets4, 10.0, 0.03, OFFICE_ALARM_Z);
        assert_eq!(f4, Some(0.525));
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

    #[test]
    fn quantiles_never_negative_or_crossing() {
        let b = Buckets {
            edges: vec![],
            residuals: vec![[-40.0, 5.0, 1.0]],
            alarm_factor: Some(0.5),
            ahead_alarm: vec![],
        };
        let c = Calibrator {
            at_issue: b.clone(),
            later: b,
            office_alarm: Default::default(),
            weekday_alarm: Default::default(),
        };
        let q = c.quantiles(10.0, true);
        assert_eq!((q.alarm, q.p10, q.p50, q.p90), (0.0, 0.0, 15.0, 15.0));
        assert_eq!(alarm_offset(&q, 10.0), None);
        // The alarm never comes after p10.
        let b = Buckets {
            edges: vec![],
            residuals: vec![[-5.0, 0.0, 5.0]],
            alarm_factor: Some(1.1),
            ahead_alarm: vec![],
        };
        let c = Calibrator {
            at_issue: b.clone(),
            later: b,
            office_alarm: Default::default(),
            weekday_alarm: Default::default(),
        };
        assert_eq!(c.quantiles(30.0, true).alarm, 25.0);
        let q = Quantiles { alarm: 25.0, p10: 30.0, p50: 40.0, p90: 60.0 };
        assert_eq!(alarm_offset(&q, 10.0), Some(15.0));
    }
}
