//! Quantiles by split-conformal calibration: residuals of a point predictor on a held-out
//! calibration period, taken per group (at issue / later snapshot) and per bucket of the
//! point prediction (Mondrian conformal), so short and long predicted waits, and fresh and
//! old tickets, each get their own spread. The alarm is calibrated per group directly on the
//! share of offered alarms that would have come too late, as one factor of the point
//! prediction per band of tickets ahead ([`AHEAD_BANDS`]): alarm tails scale with the wait, and
//! a few factors leave more late calls to estimate each from than one per bucket would (early
//! calls cluster by day, so a few calibration days hold few independent ones).

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
/// 95 % bound; with 3 % two of them fell under 5 %, one small office's stayed at 6.7 % (docs/wait-model-measurements.md).
const OFFICE_ALARM_TARGET: f64 = 0.03;
const OFFICE_ALARM_Z: f64 = 1.6449;
/// The share of the calibrated alarm at which it rings when a model file records none (files
/// written before `model.alarm_margin` existed rang at the calibrated alarm itself).
pub(crate) fn unit_margin() -> f64 {
    1.0
}
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
    /// Any key that is the same for the snapshots of one office-day and differs between
    /// office-days: the calls of a day whose services run quick come early together, so the
    /// bound on the late share counts a day's late alarms as one piece of evidence when they
    /// cluster ([`alarm_factor`]).
    pub day: &'a [u32],
}

impl Examples<'_> {
    /// Point, truth, ticket and day of the examples `rows`.
    fn gather(&self, rows: impl Iterator<Item = usize>) -> Gathered {
        let mut out = Gathered::default();
        for i in rows {
            out.point.push(self.point[i]);
            out.actual.push(self.actual[i]);
            out.ticket.push(self.ticket[i]);
            out.day.push(self.day[i]);
        }
        out
    }

    /// Alarm factor per band of tickets ahead, on the examples `rows` (the group's target and
    /// bound): `None` for a band whose examples cannot vouch for an alarm.
    fn ahead_alarms(&self, rows: &[usize], notice_min: f64) -> Vec<Option<f64>> {
        (0..=AHEAD_BANDS.len())
            .map(|band| {
                self.gather(rows.iter().copied().filter(|&i| ahead_band(self.ahead[i]) == band)).factor(
                    notice_min,
                    ALARM_TARGET,
                    ALARM_Z,
                )
            })
            .collect()
    }
}

/// Some examples' columns, owned: what [`alarm_factor`] reads.
#[derive(Debug, Default)]
struct Gathered {
    point: Vec<f64>,
    actual: Vec<f64>,
    ticket: Vec<u32>,
    day: Vec<u32>,
}

impl Gathered {
    fn labels(&self) -> Labels<'_> {
        Labels { ticket: &self.ticket, day: &self.day }
    }

    fn factor(&self, notice_min: f64, target: f64, z: f64) -> Option<f64> {
        alarm_factor(&self.point, &self.actual, self.labels(), notice_min, target, z)
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
    /// The share of the calibrated alarm at which the alarm rings (`model.alarm_margin`): the
    /// factors are chosen on a few calibration days, and the calls of one queue come early
    /// together on a day whose services run quick, which those days cannot foresee.
    #[serde(default = "unit_margin")]
    pub alarm_margin: f64,
    /// Whether the alarm never rings after the deterministic queue replay expects the call
    /// (`fluid_call_min`). The factors are learned on usual days; on a day unlike them the
    /// boosted trees extrapolate while the replay still works from the counters and the queue:
    /// on the county's simulated weeks one small office, with 15–20 waiting where it rarely has
    /// 10, was predicted 39–51 minutes from noon, the replay said 19–25, and the calls came after
    /// 23–45, the soonest before their alarms: 15 of its 191 alarms came late. `false` in model
    /// files written before.
    #[serde(default)]
    pub replay_cap: bool,
}

impl Calibrator {
    /// Learns residual quantiles from the calibration examples per group (at issue, later);
    /// the alarm is tuned for `notice_min`.
    pub fn fit(ex: &Examples, notice_min: f64) -> Calibrator {
        let every: Vec<usize> = (0..ex.point.len()).collect();
        let labels = Labels { ticket: ex.ticket, day: ex.day };
        let mut all = Buckets::fit((ex.point, ex.actual, labels), None, notice_min);
        all.ahead_alarm = ex.ahead_alarms(&every, notice_min);
        let pick = |g: bool| {
            let rows: Vec<usize> = every.iter().copied().filter(|&i| ex.at_issue[i] == g).collect();
            let g = ex.gather(rows.iter().copied());
            if g.point.len() >= MIN_BUCKET {
                let mut b =
                    Buckets::fit((&g.point, &g.actual, g.labels()), Some((ex.point, ex.actual)), notice_min);
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
            alarm_margin: 1.0,
            replay_cap: false,
        }
    }

    /// The alarm never rings after the queue replay's call (see [`Calibrator::replay_cap`]).
    pub fn with_replay_cap(mut self) -> Calibrator {
        self.replay_cap = true;
        self
    }

    /// The alarm rings at `margin` × the calibrated alarm (see [`Calibrator::alarm_margin`]).
    pub fn with_alarm_margin(mut self, margin: f64) -> Calibrator {
        self.alarm_margin = margin;
        self
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
                ex.gather(rows.iter().copied().filter(|&i| ex.at_issue[i] == g)).factor(
                    notice_min,
                    OFFICE_ALARM_TARGET,
                    OFFICE_ALARM_Z,
                )
            };
            let office = [factor(true), factor(false)];
            let mut weekdays: std::collections::BTreeMap<u8, [Option<f64>; 2]> = Default::default();
            for wd in 1..=7u8 {
                let judged = |g: usize| {
                    let own = office[g]?;
                    let weekday_ex = ex.gather(
                        rows.iter().copied().filter(|&i| ex.weekday[i] == wd && ex.at_issue[i] == (g == 0)),
                    );
                    let offer: Vec<f64> =
                        weekday_ex.point.iter().map(|&p| offer_threshold(notice_min, p)).collect();
                    let offered =
                        first_offer_per_ticket(&offer, &weekday_ex.ticket).partition_point(|&v| v < own);
                    (offered >= MIN_WEEKDAY_TICKETS)
                        .then(|| weekday_ex.factor(notice_min, ALARM_TARGET, ALARM_Z).unwrap_or(0.0))
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
    /// where one was judged, and, with [`Calibrator::replay_cap`], by the queue replay's call
    /// `replay_min` minutes from now (none known: NaN).
    pub fn quantiles_for(
        &self,
        point: f64,
        at_issue: bool,
        office: &str,
        (weekday, ahead): (u8, u32),
        replay_min: f64,
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
        q.alarm = factor.map_or(0.0, |f| self.alarm(point, f, q.p10));
        if self.replay_cap && replay_min.is_finite() {
            q.alarm = q.alarm.min(replay_min.max(0.0));
        }
        q
    }

    /// The alarm for a point prediction under factor `f`: never after `p10`, rung at the margin.
    fn alarm(&self, point: f64, f: f64, p10: f64) -> f64 {
        self.alarm_margin * (point * f).clamp(0.0, p10)
    }

    /// The point itself as the median at issue: the median residual of the at-issue buckets
    /// set to 0. For a predictor that fits the median of at-issue waits (the GBM's at-issue
    /// boosters, absolute loss on at-issue rows), the calibration days' median residual per
    /// bucket shifted the point by noise: without it the backtest's MAE at issue fell 0.06–0.4 %
    /// on three independent simulated data sets, its MAE over all snapshots 0.02–0.1 %, with
    /// p10, p90 and the alarms unchanged (docs/wait-model-measurements.md).
    pub fn with_point_as_median_at_issue(mut self) -> Calibrator {
        for r in &mut self.at_issue.residuals {
            r[1] = 0.0;
        }
        self
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
        let alarm = b.alarm_factor.map_or(0.0, |f| self.alarm(point, f, q[0]));
        Quantiles { alarm, p10: q[0], p50: q[1], p90: q[2] }
    }
}

impl Buckets {
    /// Buckets by point-prediction quantiles; a bucket with fewer than [`MIN_BUCKET`]
    /// examples uses the `fallback` examples (or the group's own when none are given).
    fn fit(
        (point, actual, labels): (&[f64], &[f64], Labels),
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
            alarm_factor: alarm_factor(point, actual, labels, notice_min, ALARM_TARGET, ALARM_Z),
            ahead_alarm: Vec::new(),
        }
    }
}

/// Which ticket and which office-day each example belongs to: the units the bound on the late
/// share counts ([`alarm_factor`]).
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    pub ticket: &'a [u32],
    pub day: &'a [u32],
}

/// The largest factor f such that alarms at `f × point − notice` from now would have been
/// late (called before `f × point`) for at most `target` of the alarms offered (`f × point >
/// notice`), with the finite-sample correction `late + 1 ≤ target · (offered + 1)`, and with
/// the one-sided Wilson upper bound at `z` of the late share within [`ALARM_LIMIT`], taken over
/// the independent units offered one ([`DayCounts::effective`]): the tickets, not the
/// snapshots (a later snapshot every few minutes of the same waiting ticket is not new
/// evidence: in a small office 269 alarms of later snapshots came 6.7 % late in a backtest,
/// with a factor vouched for by snapshots), and fewer than the tickets where the late alarms
/// cluster on a few days. `None` when no f qualifies. Offered and late both count values below
/// f — `notice ÷ point` and `max(actual ÷ point, notice ÷ point)` — so one sweep over their
/// sorted values finds it.
pub fn alarm_factor(
    point: &[f64],
    actual: &[f64],
    labels: Labels,
    notice_min: f64,
    target: f64,
    z: f64,
) -> Option<f64> {
    let ratio = |v: f64, p: f64| if p > 0.0 { v / p } else { f64::INFINITY };
    let offer_at: Vec<f64> = point.iter().map(|&p| offer_threshold(notice_min, p)).collect();
    let tickets = first_offer_per_ticket(&offer_at, labels.ticket);
    let mut keys = labels.day.to_vec();
    keys.sort_unstable();
    keys.dedup();
    let day_of = |i: usize| keys.binary_search(&labels.day[i]).unwrap_or_else(|at| at);
    let mut offer: Vec<(f64, usize)> = offer_at.iter().enumerate().map(|(i, &v)| (v, day_of(i))).collect();
    let mut late: Vec<(f64, usize)> = point
        .iter()
        .zip(actual)
        .enumerate()
        .map(|(i, (&p, &a))| (ratio(a, p).max(ratio(notice_min, p)), day_of(i)))
        .collect();
    offer.sort_by(|a, b| a.0.total_cmp(&b.0));
    late.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut candidates: Vec<f64> = offer.iter().chain(&late).map(|v| v.0).filter(|f| f.is_finite()).collect();
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    // Upwards through the candidates, adding the alarms each one offers and makes late.
    let mut days = DayCounts::new(keys.len());
    let (mut offered, mut lates, mut best) = (0, 0, None);
    for r in candidates {
        while offered < offer.len() && offer[offered].0 < r {
            days.offer(offer[offered].1);
            offered += 1;
        }
        while lates < late.len() && late[lates].0 < r {
            days.late(late[lates].1);
            lates += 1;
        }
        let units = days.effective(tickets.partition_point(|&v| v < r), offered, lates);
        if (lates + 1) as f64 <= target * (offered + 1) as f64
            && wilson_upper_of_share(lates as f64 / offered.max(1) as f64, units, z) <= ALARM_LIMIT
        {
            best = Some(r);
        }
    }
    best
}

/// Offered and late alarms per office-day as the factor grows, with the sums the day-clustered
/// variance of the late share needs (`Σ late²`, `Σ late · offered`, `Σ offered²` over days).
struct DayCounts {
    offered: Vec<u32>,
    late: Vec<u32>,
    days: usize,
    sums: [f64; 3],
}

impl DayCounts {
    fn new(days: usize) -> DayCounts {
        DayCounts { offered: vec![0; days], late: vec![0; days], days: 0, sums: [0.0; 3] }
    }

    fn offer(&mut self, d: usize) {
        let n = f64::from(self.offered[d]);
        self.days += usize::from(self.offered[d] == 0);
        self.sums[1] += f64::from(self.late[d]);
        self.sums[2] += 2.0 * n + 1.0;
        self.offered[d] += 1;
    }

    fn late(&mut self, d: usize) {
        let l = f64::from(self.late[d]);
        self.sums[0] += 2.0 * l + 1.0;
        self.sums[1] += f64::from(self.offered[d]);
        self.late[d] += 1;
    }

    /// Independent units the bound on the late share may count: the `tickets` offered an
    /// alarm, or fewer where the `late` of the `offered` alarms cluster on days more than
    /// independent calls would, i.e. the binomial variance `p(1 − p)` over the day-clustered
    /// (CR1) variance of the share. The calls of one queue come early together on a day whose
    /// services run quick (on the county's simulated weeks one small office had 9 of its 12
    /// late alarms on one Monday lunch hour); such a day on the calibration days vouches for
    /// less than its tickets. With no late alarm there is no spread to measure: the tickets;
    /// one day is one unit.
    fn effective(&self, tickets: usize, offered: usize, late: usize) -> f64 {
        let tickets = tickets as f64;
        if late == 0 {
            return tickets;
        }
        if self.days < 2 {
            return tickets.min(1.0);
        }
        let (n, d) = (offered as f64, self.days as f64);
        let p = late as f64 / n;
        let [ll, ln, nn] = self.sums;
        let spread = (ll - 2.0 * p * ln + p * p * nn).max(0.0);
        let variance = d / (d - 1.0) * spread / (n * n);
        if variance > 0.0 { tickets.min(p * (1.0 - p) / variance) } else { tickets }
    }
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
    wilson_upper_of_share(k as f64 / n.max(1) as f64, n as f64, z)
}

/// Wilson score upper bound of a share `p` observed on `n` independent units (an effective
/// count, maybe fractional); 1 for none.
fn wilson_upper_of_share(p: f64, n: f64, z: f64) -> f64 {
    if n <= 0.0 {
        return 1.0;
    }
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
#[path = "conformal_tests.rs"]
mod tests;
