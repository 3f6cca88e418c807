//! Erlang C: the M/M/c queue (Poisson arrivals, exponential service, c identical servers,
//! first come first served), the textbook approximation behind the staffing suggestions.
//!
//! The probability of waiting is computed through the Erlang B recursion
//! `B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1))` and `C = c·B / (c − a·(1 − B))`, which stays
//! in [0, 1] at every step: no factorials or powers, so c in the hundreds is fine.

/// An M/M/c queue. Rates are per minute; `servers` may be 0 (nobody at a counter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MMc {
    /// λ: arrivals per minute.
    pub arrival_rate: f64,
    /// μ: services one counter completes per minute (1 / mean service minutes).
    pub service_rate: f64,
    /// c: counters.
    pub servers: u32,
}

/// Why a queue cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErlangError {
    #[error("arrival rate should be finite and ≥ 0, but is {0}")]
    ArrivalRate(f64),
    #[error("service rate should be finite and > 0, but is {0}")]
    ServiceRate(f64),
}

impl MMc {
    pub fn new(arrival_rate: f64, service_rate: f64, servers: u32) -> Result<MMc, ErlangError> {
        if !(arrival_rate.is_finite() && arrival_rate >= 0.0) {
            return Err(ErlangError::ArrivalRate(arrival_rate));
        }
        if !(service_rate.is_finite() && service_rate > 0.0) {
            return Err(ErlangError::ServiceRate(service_rate));
        }
        Ok(MMc { arrival_rate, service_rate, servers })
    }

    /// Offered load a = λ/μ in Erlangs (busy counters needed on average).
    pub fn offered_load(&self) -> f64 {
        self.arrival_rate / self.service_rate
    }

    /// Utilisation ρ = a/c (infinite for c = 0 with arrivals).
    pub fn utilisation(&self) -> f64 {
        match (self.servers, self.arrival_rate > 0.0) {
            (_, false) => 0.0,
            (0, true) => f64::INFINITY,
            (c, true) => self.offered_load() / f64::from(c),
        }
    }

    /// Whether the queue reaches a steady state (ρ < 1). An empty queue is stable.
    pub fn is_stable(&self) -> bool {
        self.arrival_rate == 0.0 || self.utilisation() < 1.0
    }

    /// Erlang C: probability that an arrival has to wait. `None` when unstable (the queue
    /// grows without bound, so everyone waits and the formula has no meaning).
    pub fn prob_wait(&self) -> Option<f64> {
        if self.arrival_rate == 0.0 {
            return Some(0.0);
        }
        if !self.is_stable() {
            return None;
        }
        let a = self.offered_load();
        let c = f64::from(self.servers);
        let b = erlang_b(self.servers, a);
        Some((c * b / (c - a * (1.0 - b))).clamp(0.0, 1.0))
    }

    /// Mean wait in minutes, C / (cμ − λ); `None` when unstable.
    pub fn mean_wait(&self) -> Option<f64> {
        let p = self.prob_wait()?;
        if p == 0.0 {
            return Some(0.0);
        }
        Some(p / self.drain_rate())
    }

    /// P(W ≤ t) = 1 − C·e^{−(cμ−λ)t} for t minutes; 0 when unstable (the share waiting at
    /// most t tends to nothing as the queue grows).
    pub fn service_level(&self, t_min: f64) -> f64 {
        match self.prob_wait() {
            None => 0.0,
            Some(0.0) => 1.0,
            Some(p) => (1.0 - p * (-self.drain_rate() * t_min.max(0.0)).exp()).clamp(0.0, 1.0),
        }
    }

    /// cμ − λ: the rate at which a non-empty queue shrinks.
    fn drain_rate(&self) -> f64 {
        f64::from(self.servers) * self.service_rate - self.arrival_rate
    }
}

/// Erlang B (blocking probability of M/M/c/c) by the stable recursion.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Reference by the defining sum in log space: C = T / (Σ_{k<c} a^k/k! + T) with
    /// T = a^c/c! · c/(c−a); each term as exp(k ln a − ln k!).
    fn reference_c(c: u32, a: f64) -> f64 {
        let ln_fact = |k: u32| (1..=k).map(|i| f64::from(i).ln()).sum::<f64>();
        let term = |k: u32| (f64::from(k) * a.ln() - ln_fact(k)).exp();
        let cf = f64::from(c);
        let top = term(c) * cf / (cf - a);
        top / ((0..c).map(term).sum::<f64>() + top)
    }

    #[test]
    fn two_counters_one_erlang() {
        // c = 2, λ = 1, μ = 1, a = 1: B(1) = 1/2, B(2) = 0.5/(2 + 0.5) = 1/5,
        // C = 2·(1/5) / (2 − 1·(4/5)) = 0.4/1.2 = 1/3; Wq = C/(cμ − λ) = 1/3 min;
        // P(W ≤ 1) = 1 − (1/3)·e^{−1} = 0.877373...
        let q = MMc::new(1.0, 1.0, 2).unwrap();
        assert!(close(q.prob_wait().unwrap(), 1.0 / 3.0, 1e-12));
        assert!(close(q.mean_wait().unwrap(), 1.0 / 3.0, 1e-12));
        assert!(close(q.service_level(1.0), 1.0 - (-1.0f64).exp() / 3.0, 1e-12));
        assert!(close(q.service_level(0.0), 2.0 / 3.0, 1e-12));
        assert_eq!(q.utilisation(), 0.5);
    }

    #[test]
    fn three_counters_two_erlangs() {
        // a = 2, c = 3: Σ_{k<3} a^k/k! = 1 + 2 + 2 = 5; a^3/3! · 3/(3−2) = 8/6 · 3 = 4;
        // C = 4/9. With μ = 0.1/min (10-minute services), λ = 0.2/min: cμ − λ = 0.1/min,
        // Wq = (4/9)/0.1 = 4.444 min; P(W ≤ 15) = 1 − (4/9)·e^{−1.5} = 0.900836...
        let q = MMc::new(0.2, 0.1, 3).unwrap();
        assert!(close(q.prob_wait().unwrap(), 4.0 / 9.0, 1e-12));
        assert!(close(q.mean_wait().unwrap(), 40.0 / 9.0, 1e-9));
        assert!(close(q.service_level(15.0), 1.0 - 4.0 / 9.0 * (-1.5f64).exp(), 1e-12));
    }

    #[test]
    fn call_centre_ten_erlangs() {
        // The classic call-centre table: 10 Erlangs on 11 agents wait with probability
        // 0.6821, on 12 agents 0.4494, on 13 agents 0.2853 (4 decimals).
        for (c, expected) in [(11, 0.6821), (12, 0.4494), (13, 0.2853)] {
            let q = MMc::new(10.0, 1.0, c).unwrap();
            assert!(close(q.prob_wait().unwrap(), expected, 5e-5), "c = {c}: {:?}", q.prob_wait());
        }
    }

    #[test]
    fn large_c_matches_the_log_space_sum() {
        for (c, a) in [(50, 45.0), (120, 110.0), (300, 290.0)] {
            let q = MMc::new(a, 1.0, c).unwrap();
            let p = q.prob_wait().unwrap();
            assert!(p.is_finite() && p > 0.0 && p < 1.0);
            assert!(close(p, reference_c(c, a), 1e-9), "c = {c}: {p} vs {}", reference_c(c, a));
        }
    }

    #[test]
    fn unstable_and_empty_queues_are_explicit() {
        let full = MMc::new(2.0, 1.0, 2).unwrap();
        assert!(!full.is_stable());
        assert_eq!((full.prob_wait(), full.mean_wait(), full.service_level(15.0)), (None, None, 0.0));
        let closed = MMc::new(0.5, 1.0, 0).unwrap();
        assert_eq!((closed.prob_wait(), closed.service_level(60.0)), (None, 0.0));
        let empty = MMc::new(0.0, 1.0, 0).unwrap();
        assert_eq!(
            (empty.prob_wait(), empty.mean_wait(), empty.service_level(0.0)),
            (Some(0.0), Some(0.0), 1.0)
        );
        assert!(matches!(MMc::new(f64::NAN, 1.0, 1), Err(ErlangError::ArrivalRate(_))));
        assert!(matches!(MMc::new(1.0, 0.0, 1), Err(ErlangError::ServiceRate(_))));
    }
}
