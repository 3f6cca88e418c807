//! Seeded random streams and the few distributions the sample simulator and the planning
//! simulations draw from, built on `rand::Rng` (no rand_distr dependency).
//!
//! Each office-day gets its own ChaCha8 stream, seeded from (seed, office, day), so a day's
//! draws do not depend on which other days or offices were simulated. The sample simulator's
//! stream is fixed by `data/sample` (tests/simulate.rs checks the shipped bytes): change nothing
//! here that alters a draw.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator of one office-day.
pub type DayRng = ChaCha8Rng;

/// A generator for one office on one day; `day` is days since 1970-01-01, so a shorter run
/// reproduces the same days of a longer one.
pub fn day_rng(seed: u64, office: usize, day: i64) -> DayRng {
    let mut h = splitmix64(seed ^ 0x5157_4543_4153_5400); // "QUECAST"
    h = splitmix64(h ^ office as u64);
    h = splitmix64(h ^ day as u64);
    ChaCha8Rng::seed_from_u64(h)
}

/// SplitMix64 finaliser: mixes the seed parts so neighbouring (office, day) pairs get
/// unrelated streams.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Uniform in the open interval (0, 1], safe for `ln`.
pub fn unit_open(rng: &mut impl Rng) -> f64 {
    1.0 - rng.random::<f64>()
}

/// Exponential with the given mean (inverse-CDF method).
pub fn exponential(rng: &mut impl Rng, mean: f64) -> f64 {
    -mean * unit_open(rng).ln()
}

/// Standard normal by Box–Muller (one of the pair; simplicity beats the saved draw here).
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    let r = (-2.0 * unit_open(rng).ln()).sqrt();
    let theta = std::f64::consts::TAU * rng.random::<f64>();
    r * theta.cos()
}

/// Lognormal given its median and log-scale sigma: service times and patience are skewed
/// with a long right tail.
pub fn lognormal(rng: &mut impl Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * standard_normal(rng)).exp()
}

/// Whole part of `x` plus one with probability of its fraction, so the mean stays `x`.
pub fn stochastic_round(rng: &mut impl Rng, x: f64) -> u32 {
    let x = x.max(0.0);
    let whole = x.floor();
    whole as u32 + u32::from(rng.random::<f64>() < x - whole)
}

/// Uniform integer in `lo..=hi` (milliseconds, seconds …).
pub fn uniform_i64(rng: &mut impl Rng, lo: i64, hi: i64) -> i64 {
    if hi <= lo { lo } else { rng.random_range(lo..=hi) }
}

/// Bernoulli trial with probability `p` (clamped to [0, 1]).
pub fn chance(rng: &mut impl Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// Index drawn with probability proportional to `weights` (all weights ≥ 0, at least one > 0;
/// otherwise the last index).
pub fn weighted_index(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len().saturating_sub(1)
}

/// Arrival times of a non-homogeneous Poisson process on `[from, to)` by thinning
/// (Lewis–Shedler): candidates at rate `max_rate`, each kept with probability rate/max_rate.
/// Rates are per unit of the time axis; `rate(t) ≤ max_rate` is the caller's promise.
pub fn poisson_thinning(
    rng: &mut impl Rng,
    from: f64,
    to: f64,
    max_rate: f64,
    rate: impl Fn(f64) -> f64,
) -> Vec<f64> {
    let mut out = Vec::new();
    if max_rate <= 0.0 || to <= from {
        return out;
    }
    let mut t = from;
    loop {
        t += exponential(rng, 1.0 / max_rate);
        if t >= to {
            return out;
        }
        if rng.random::<f64>() * max_rate < rate(t) {
            out.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    #[test]
    fn same_parts_same_stream_and_different_parts_differ() {
        let draw = |o, d| day_rng(7, o, d).random::<u64>();
        assert_eq!(draw(0, 20_000), draw(0, 20_000));
        assert_ne!(draw(0, 20_000), draw(1, 20_000));
        assert_ne!(draw(0, 20_000), draw(0, 20_001));
    }

    #[test]
    fn exponential_and_lognormal_moments() {
        let mut rng = day_rng(1, 0, 0);
        let e: Vec<f64> = (0..50_000).map(|_| exponential(&mut rng, 4.0)).collect();
        assert!((mean(&e) - 4.0).abs() < 0.1, "{}", mean(&e));
        let mut l: Vec<f64> = (0..50_000).map(|_| lognormal(&mut rng, 10.0, 0.5)).collect();
        l.sort_by(f64::total_cmp);
        let median = l[l.len() / 2];
        assert!((median - 10.0).abs() < 0.2, "{median}");
        // Mean of a lognormal is median * exp(sigma^2 / 2).
        assert!((mean(&l) - 10.0 * (0.125f64).exp()).abs() < 0.15, "{}", mean(&l));
    }

    #[test]
    fn normal_is_standard() {
        let mut rng = day_rng(2, 0, 0);
        let z: Vec<f64> = (0..50_000).map(|_| standard_normal(&mut rng)).collect();
        let m = mean(&z);
        let var = z.iter().map(|x| (x - m).powi(2)).sum::<f64>() / z.len() as f64;
        assert!(m.abs() < 0.02 && (var - 1.0).abs() < 0.03, "{m} {var}");
    }

    #[test]
    fn thinning_matches_the_integrated_rate() {
        let mut rng = day_rng(3, 0, 0);
        // Rate 2 on [0, 50) and 6 on [50, 100): expected 400 events, 100 in the first half.
        let rate = |t: f64| if t < 50.0 { 2.0 } else { 6.0 };
        let runs: Vec<Vec<f64>> =
            (0..200).map(|_| poisson_thinning(&mut rng, 0.0, 100.0, 6.0, rate)).collect();
        let total = runs.iter().map(Vec::len).sum::<usize>() as f64 / 200.0;
        let first = runs.iter().flatten().filter(|&&t| t < 50.0).count() as f64 / 200.0;
        assert!((total - 400.0).abs() < 6.0, "{total}");
        assert!((first - 100.0).abs() < 3.0, "{first}");
        assert!(runs.iter().all(|r| r.windows(2).all(|w| w[0] < w[1])));
    }

    #[test]
    fn rounding_and_choice_keep_means() {
        let mut rng = day_rng(4, 0, 0);
        let r: u32 = (0..10_000).map(|_| stochastic_round(&mut rng, 2.3)).sum();
        assert!((f64::from(r) / 10_000.0 - 2.3).abs() < 0.03);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[weighted_index(&mut rng, &[1.0, 0.0, 2.0])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((f64::from(counts[2]) / f64::from(counts[0]) - 2.0).abs() < 0.1, "{counts:?}");
    }
}
