//! For the wait bound that knows what a ticket log tells: the booked slots of the appointment
//! tickets waiting at an instant, and the bookings still to come, given the arrivals so far.
//!
//! A slot has a whole number of places (its capacity rounded up or down at random); each place
//! is booked and kept with probability `keep`, and its citizen comes at a time drawn around the
//! slot. At an instant `t0` a place shows one of: its citizen came (at a time the log shows), or
//! nothing yet (free, missed, or its citizen still to come). The slots of those who came and were
//! called are taken as the log shows them (called at the slot's start, or at once when late);
//! the slots of those waiting are drawn by Gibbs sampling from their joint posterior, and the
//! citizens still to come from what the places left can hold. The truth of one waiting ticket
//! never informs another's draw.

use super::demand::DayDemand;
use super::engine::{Booking, EARLY_BY, LATE_ARRIVAL, LATE_BY_MIN, Visitor, draw_booking};
use crate::random::{DayRng, chance, weighted_index};
use crate::time::MS_PER_MINUTE;

/// Passes over the waiting tickets after the first assignment.
const GIBBS_SWEEPS: usize = 2;
/// Tries to draw a citizen of a slot who comes after the instant.
const LATER_TRIES: u32 = 10_000;

/// One slot of the day's grid, seen from the instant `t0`.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    /// Its start (ms since local midnight).
    pub(super) start: i64,
    /// Places: `whole`, one more with probability `frac`.
    whole: usize,
    frac: f64,
    keep: f64,
    /// Probability that a place shows nothing by `t0`.
    quiet: f64,
    /// Probability that a place's citizen comes after `t0`.
    later: f64,
}

impl Slot {
    pub(super) fn new(start: i64, capacity: f64, keep: f64, t0: i64, open: i64) -> Slot {
        let capacity = capacity.max(0.0);
        let later = keep * comes_after(t0, start, open);
        Slot {
            start,
            whole: capacity.floor() as usize,
            frac: capacity - capacity.floor(),
            keep,
            quiet: 1.0 - keep + later,
            later,
        }
    }

    /// The chance of `n` given arrivals for this slot by `t0` (up to their arrival densities,
    /// which the caller multiplies in): over the number of places `p`, the ways to seat them
    /// (p! ÷ (p − n)!), each kept, and the other places quiet.
    pub(super) fn weight(&self, n: usize) -> f64 {
        self.keep.powi(n as i32) * self.seatings(n).map(|(_, w)| w).sum::<f64>()
    }

    /// Draws how many citizens are still to come for this slot, given `n` have come.
    pub(super) fn draw_later(&self, n: usize, rng: &mut DayRng) -> usize {
        let weights: Vec<(usize, f64)> = self.seatings(n).collect();
        let total: f64 = weights.iter().map(|w| w.1).sum();
        if total <= 0.0 {
            return 0;
        }
        let places =
            if weights.len() > 1 && chance(rng, weights[1].1 / total) { weights[1].0 } else { weights[0].0 };
        let p_later = if self.quiet > 0.0 { self.later / self.quiet } else { 0.0 };
        (n..places).filter(|_| chance(rng, p_later)).count()
    }

    /// Each number of places `p` with the chance of `n` arrivals seated in it, the other
    /// places quiet (the arrivals' own chance to be kept left out).
    fn seatings(&self, n: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.places()
            .map(move |(p, pr)| (p, pr * falling(p, n) * self.quiet.powi(p.saturating_sub(n) as i32)))
    }

    fn places(&self) -> impl Iterator<Item = (usize, f64)> {
        [(self.whole, 1.0 - self.frac), (self.whole + 1, self.frac)].into_iter().filter(|(_, pr)| *pr > 0.0)
    }
}

/// A citizen of the slot at `slot_ms` who comes after `t0` (none if such a one is too unlikely
/// to draw).
pub(super) fn draw_later_booking(
    rng: &mut DayRng,
    demand: &DayDemand,
    slot_ms: i64,
    open: i64,
    t0: i64,
) -> Option<Visitor> {
    (0..LATER_TRIES).find_map(|_| match draw_booking(rng, demand, 1.0, slot_ms, open) {
        Booking::Came(v) if v.issued > t0 => Some(v),
        _ => None,
    })
}

/// `p! ÷ (p − n)!`: the ways to seat `n` citizens in `p` places (0 when they do not fit).
fn falling(p: usize, n: usize) -> f64 {
    if n > p {
        return 0.0;
    }
    (0..n).map(|i| (p - i) as f64).product()
}

/// Probability that a citizen booked for `slot` draws the number after `t0` (the dispenser
/// opens at `open`; who comes earlier draws at opening).
fn comes_after(t0: i64, slot: i64, open: i64) -> f64 {
    if t0 < open {
        return 1.0;
    }
    let (lo, hi) = (LATE_BY_MIN.0 * MS_PER_MINUTE, LATE_BY_MIN.1 * MS_PER_MINUTE);
    // Late by u in lo..=hi (ms): after t0 when u > t0 - slot.
    let late = ((hi - (t0 - slot).max(lo - 1)).max(0) as f64 / (hi - lo + 1) as f64).min(1.0);
    // Early by e minutes: after t0 when e < (slot - t0) in minutes.
    let x = (slot - t0) as f64 / MS_PER_MINUTE as f64;
    let early = if x <= 0.0 {
        0.0
    } else if x > EARLY_BY.max_min {
        1.0
    } else {
        0.5 * erfc(-early_z(x) / std::f64::consts::SQRT_2)
    };
    LATE_ARRIVAL * late + (1.0 - LATE_ARRIVAL) * early
}

/// Draws the slots of the waiting tickets (`issued` of each) given the arrivals already seated
/// (`counts` per slot of `grid`, updated): each from its posterior given all the others, a few
/// passes over them. `None` where no slot could have brought a ticket at its time.
pub(super) fn draw_waiting_slots(
    grid: &[Slot],
    counts: &mut [usize],
    issued: &[i64],
    open: i64,
    rng: &mut DayRng,
) -> Vec<Option<usize>> {
    let mut seated: Vec<Option<usize>> = vec![None; issued.len()];
    let mut weights = vec![0.0; grid.len()];
    for _ in 0..=GIBBS_SWEEPS {
        for (w, &t) in issued.iter().enumerate() {
            if let Some(k) = seated[w] {
                counts[k] -= 1;
            }
            for ((weight, slot), &n) in weights.iter_mut().zip(grid).zip(counts.iter()) {
                let here = slot.weight(n);
                *weight = if here > 0.0 {
                    arrival_likelihood(t, slot.start, open) * slot.weight(n + 1) / here
                } else {
                    0.0
                };
            }
            seated[w] = weights.iter().any(|x| *x > 0.0).then(|| weighted_index(rng, &weights));
            if let Some(k) = seated[w] {
                counts[k] += 1;
            }
        }
    }
    seated
}

/// Probability that a slot of this capacity ends with `k` citizens who booked and came: the
/// bookable places are the capacity rounded up or down at random, each taken and kept with
/// probability `keep`.
pub(super) fn count_probability(capacity: f64, keep: f64, k: usize) -> f64 {
    let whole = capacity.max(0.0).floor();
    let frac = capacity.max(0.0) - whole;
    let n = whole as usize;
    (1.0 - frac) * binomial(n, keep, k) + frac * binomial(n + 1, keep, k)
}

fn binomial(n: usize, p: f64, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let mut c = 1.0;
    for i in 0..k {
        c = c * (n - i) as f64 / (i + 1) as f64;
    }
    c * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
}

/// Likelihood (per ms) of a ticket drawn at `issued` for a booking at `slot`: late by a
/// uniform few minutes, or early by a capped lognormal (drawn at opening if they came before).
pub(super) fn arrival_likelihood(issued: i64, slot: i64, open: i64) -> f64 {
    let minute = MS_PER_MINUTE as f64;
    let (lo, hi) = (LATE_BY_MIN.0 * MS_PER_MINUTE, LATE_BY_MIN.1 * MS_PER_MINUTE);
    let late = issued - slot;
    if (lo..=hi).contains(&late) {
        return LATE_ARRIVAL / (hi - lo + 1) as f64;
    }
    let early = (slot - issued) as f64 / minute;
    if !(0.0..=EARLY_BY.max_min).contains(&early) {
        return 0.0;
    }
    if issued == open {
        // Came before opening: the dispenser's first second, so the chance to be that early.
        return (1.0 - LATE_ARRIVAL) * 0.5 * erfc(early_z(early.max(1e-9)) / std::f64::consts::SQRT_2);
    }
    let density =
        (-0.5 * early_z(early).powi(2)).exp() / (early * EARLY_BY.sigma * (std::f64::consts::TAU).sqrt());
    (1.0 - LATE_ARRIVAL) * density / minute
}

/// Standard score of coming `minutes` early on the early ones' lognormal.
fn early_z(minutes: f64) -> f64 {
    (minutes / EARLY_BY.median_min).ln() / EARLY_BY.sigma
}

/// Complementary error function (Abramowitz and Stegun 7.1.26, error below 1.5e-7).
pub(super) fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let e = poly * (-x * x).exp();
    if x >= 0.0 { e } else { 2.0 - e }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::day_rng;

    const OPEN: i64 = 480 * MS_PER_MINUTE;

    #[test]
    fn the_chance_to_come_later_falls_with_the_instant() {
        let slot = 600 * MS_PER_MINUTE;
        assert_eq!(comes_after(OPEN - 1, slot, OPEN), 1.0);
        // 30 minutes before: every citizen of the slot is still to come (at most 25 early).
        assert!((comes_after(slot - 30 * MS_PER_MINUTE, slot, OPEN) - 1.0).abs() < 1e-12);
        // At the slot's start: only the late ones (12 %), all of them later than the start.
        assert!((comes_after(slot, slot, OPEN) - LATE_ARRIVAL).abs() < 1e-9);
        // 6 minutes before (the early ones' median): half of the early ones, all the late ones.
        let six = comes_after(slot - 6 * MS_PER_MINUTE, slot, OPEN);
        assert!((six - (LATE_ARRIVAL + 0.5 * (1.0 - LATE_ARRIVAL))).abs() < 1e-6, "{six}");
        assert_eq!(comes_after(slot + 12 * MS_PER_MINUTE, slot, OPEN), 0.0);
    }

    #[test]
    fn a_slot_whose_places_are_taken_takes_nobody_else() {
        // Two places, both kept: two arrivals fill it.
        let slot = Slot::new(600 * MS_PER_MINUTE, 2.0, 1.0, 590 * MS_PER_MINUTE, OPEN);
        assert!(slot.weight(2) > 0.0);
        assert_eq!(slot.weight(3), 0.0);
        let mut rng = day_rng(1, 2, 3);
        assert_eq!(slot.draw_later(2, &mut rng), 0);
        // Nobody yet, 10 minutes before: some are still to come, never more than the places.
        let drawn: Vec<usize> = (0..200).map(|_| slot.draw_later(0, &mut rng)).collect();
        assert!(drawn.iter().all(|&n| n <= 2) && drawn.iter().any(|&n| n > 0));
    }

    #[test]
    fn a_ticket_drawn_after_a_full_slot_began_is_early_for_the_next() {
        // Slots at 10:00 and 10:15, one place each, always kept. A ticket drawn at 10:03 is late
        // for 10:00 or early for 10:15; if 10:00's place is taken it can only be for 10:15.
        let t0 = 603 * MS_PER_MINUTE;
        let grid = [
            Slot::new(600 * MS_PER_MINUTE, 1.0, 1.0, t0, OPEN),
            Slot::new(615 * MS_PER_MINUTE, 1.0, 1.0, t0, OPEN),
        ];
        let mut rng = day_rng(4, 5, 6);
        let mut full = [1, 0];
        assert_eq!(draw_waiting_slots(&grid, &mut full, &[t0], OPEN, &mut rng), vec![Some(1)]);
        assert_eq!(full, [1, 1]);
        let late = (0..400)
            .filter(|_| draw_waiting_slots(&grid, &mut [0, 0], &[t0], OPEN, &mut rng) == vec![Some(0)])
            .count();
        assert!(late > 0 && late < 400, "{late} of 400 late");
    }

    #[test]
    fn slot_counts_and_arrivals_are_distributions() {
        for capacity in [0.4, 1.0, 2.7] {
            let total: f64 = (0..6).map(|k| count_probability(capacity, 0.7, k)).sum();
            assert!((total - 1.0).abs() < 1e-12, "capacity {capacity}: {total}");
        }
        assert!((binomial(3, 0.5, 1) - 0.375).abs() < 1e-12);
        assert_eq!(binomial(2, 0.5, 3), 0.0);
        // A slot at 10:00, opening at 8:00: the arrival likelihood over the day sums to one.
        let (slot, open) = (600 * MS_PER_MINUTE, 480 * MS_PER_MINUTE);
        let total: f64 = (open + 1..slot + 13 * MS_PER_MINUTE)
            .step_by(50)
            .map(|t| arrival_likelihood(t, slot, open) * 50.0)
            .sum();
        // Less the 0.8 % who would come more than 25 minutes early (they come 25 minutes early).
        assert!((total - 0.992).abs() < 0.002, "{total}");
        assert!((erfc(0.0) - 1.0).abs() < 1e-7 && (erfc(1.0) - 0.157_299_2).abs() < 1e-6);
    }
}
