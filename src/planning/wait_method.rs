//! Which expected waits an office publishes: the simulated p50/p90 per slot
//! ([`crate::planning::slot_waits`]) only where their backtest beats the history of the same
//! weekday × slot; elsewhere the history's own p50/p90 — as the arrival forecast chooses its
//! method per office. Both are scored the same way in the slot-wait backtest: the published
//! p50 against the slot's actual mean wait on each test day.

use std::fmt;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::planning::sim_day::HistoryDay;
use crate::planning::slot_waits::{
    SlotBacktestScore, SlotInputs, SlotWait, SlotWaitError, SlotWaitParams, inputs_for_day,
    slot_waits_for_day,
};
use crate::slots::SLOTS;

/// How an office's expected waits are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitMethod {
    /// Simulating the forecast day with its expected arrivals.
    Simulation,
    /// The called tickets' waits in the same weekday × slot over the history window.
    History,
}

impl WaitMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitMethod::Simulation => "simulation",
            WaitMethod::History => "history",
        }
    }
}

/// An office's method and why, with the backtest figures it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitChoice {
    pub method: WaitMethod,
    /// The office's slot-wait backtest (`None`: no backtested slot).
    pub score: Option<SlotBacktestScore>,
}

impl WaitChoice {
    /// The simulation where its p50 is closer to the actual slot means than the history's p50
    /// on the backtest days (strictly: a tie keeps the history, the simpler figure); the
    /// history where it is not, or where nothing was backtested.
    pub fn of(score: Option<&SlotBacktestScore>) -> WaitChoice {
        let score = score.filter(|s| s.slots > 0).copied();
        let simulation = score.is_some_and(|s| s.mae_p50 < s.mae_baseline_p50);
        let method = if simulation { WaitMethod::Simulation } else { WaitMethod::History };
        WaitChoice { method, score }
    }
}

/// `simulation — simulated p50 MAE 4.57 < history p50 MAE 5.10 min on 957 backtest slots`.
impl fmt::Display for WaitChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(s) = &self.score else {
            return write!(f, "{} — no backtested slot", self.method.as_str());
        };
        let op = if s.mae_p50 < s.mae_baseline_p50 { "<" } else { "≥" };
        write!(
            f,
            "{} — simulated p50 MAE {:.2} {op} history p50 MAE {:.2} min on {} backtest slots",
            self.method.as_str(),
            s.mae_p50,
            s.mae_baseline_p50,
            s.slots
        )
    }
}

/// The history's waits per slot as [`SlotWait`]s: p50, p90 and mean of the same weekday's
/// called tickets in each slot; `arrivals`: the called arrivals expected per slot.
pub fn history_waits(inp: &SlotInputs, arrivals: &[f64]) -> Vec<SlotWait> {
    (0..SLOTS)
        .map(|s| SlotWait {
            slot: s as u8,
            expected_arrivals: arrivals.get(s).copied().unwrap_or(0.0),
            counters: inp.counters[s],
            n: inp.baseline_n[s],
            mean_min: inp.baseline[s],
            p50_min: inp.baseline_p50[s],
            p90_min: inp.baseline_p90[s],
        })
        .collect()
}

/// The expected waits of `office` on `date` by `method` from its days in the `history_weeks`
/// before it; `forecast` as in [`slot_waits_for_day`].
pub fn waits_for_day(
    method: WaitMethod,
    days: &[HistoryDay],
    office: u32,
    date: NaiveDate,
    tz: Tz,
    forecast: Option<&[f64]>,
    p: &SlotWaitParams,
) -> Result<Vec<SlotWait>, SlotWaitError> {
    match method {
        WaitMethod::Simulation => slot_waits_for_day(days, office, date, tz, forecast, p),
        WaitMethod::History => {
            let inp = inputs_for_day(days, office, date, p);
            Ok(history_waits(&inp, &inp.called_arrivals(forecast)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::queue_sim::SimParams;
    use crate::planning::test_days::day;
    use crate::timezones::DEFAULT_TZ;

    fn score(slots: usize, sim: f64, history: f64) -> SlotBacktestScore {
        SlotBacktestScore { slots, mae_p50: sim, mae_baseline_p50: history, ..SlotBacktestScore::default() }
    }

    #[test]
    fn the_simulation_only_where_it_beats_the_history() {
        let c = WaitChoice::of(Some(&score(957, 4.57, 5.1)));
        assert_eq!(c.method, WaitMethod::Simulation);
        assert_eq!(
            c.to_string(),
            "simulation — simulated p50 MAE 4.57 < history p50 MAE 5.10 min on 957 backtest slots"
        );
        let c = WaitChoice::of(Some(&score(40, 25.8, 7.0)));
        assert_eq!(c.method, WaitMethod::History);
        assert_eq!(
            c.to_string(),
            "history — simulated p50 MAE 25.80 ≥ history p50 MAE 7.00 min on 40 backtest slots"
        );
        assert_eq!(WaitChoice::of(Some(&score(10, 3.0, 3.0))).method, WaitMethod::History);
        for none in [None, Some(&score(0, 0.0, 1.0))] {
            let c = WaitChoice::of(none);
            assert_eq!((c.method, c.score), (WaitMethod::History, None));
            assert_eq!(c.to_string(), "history — no backtested slot");
        }
        assert_eq!(serde_json::to_string(&WaitMethod::History).unwrap(), "\"history\"");
    }

    #[test]
    fn history_waits_are_the_same_weekdays_slot_quantiles() {
        // Two Mondays before 2025-05-19; slot 32 (08:00–08:15) called tickets waited 0, 10
        // and 4 minutes, one was not called.
        let days = vec![
            day(
                "2025-05-05",
                &[
                    ("08:00", Some("08:00"), "08:10"),
                    ("08:00", Some("08:10"), "08:12"),
                    ("08:05", None, "08:06"),
                ],
            ),
            day("2025-05-12", &[("08:00", Some("08:04"), "08:09")]),
        ];
        let p = SlotWaitParams {
            replications: 5,
            seed: 1,
            sim: SimParams { call_gap_ms: 0 },
            history_weeks: 8,
            test_weeks: 8,
        };
        let date = NaiveDate::from_ymd_opt(2025, 5, 19).unwrap();
        let mut forecast = vec![0.0; SLOTS];
        forecast[32] = 4.0;
        let w = waits_for_day(WaitMethod::History, &days, 0, date, DEFAULT_TZ, Some(&forecast), &p).unwrap();
        assert_eq!(w.len(), SLOTS);
        let s = w[32];
        assert_eq!((s.slot, s.n, s.p50_min, s.counters), (32, 3, 4.0, 1));
        assert!((s.p90_min - 8.8).abs() < 1e-12 && (s.mean_min - 14.0 / 3.0).abs() < 1e-12);
        // 4 tickets expected, 3 of the history's 4 were called.
        assert_eq!(s.expected_arrivals, 3.0);
        assert!(w[31].p50_min.is_nan() && w[31].n == 0);
        // A Tuesday has no same-weekday history: no figures, but no error either.
        let tue = NaiveDate::from_ymd_opt(2025, 5, 20).unwrap();
        let w = waits_for_day(WaitMethod::History, &days, 0, tue, DEFAULT_TZ, None, &p).unwrap();
        assert!(w.iter().all(|s| s.p50_min.is_nan()));
        // The simulation method is the simulation.
        let sim =
            waits_for_day(WaitMethod::Simulation, &days, 0, date, DEFAULT_TZ, Some(&forecast), &p).unwrap();
        let direct = slot_waits_for_day(&days, 0, date, DEFAULT_TZ, Some(&forecast), &p).unwrap();
        assert_eq!(format!("{sim:?}"), format!("{direct:?}"));
    }
}
