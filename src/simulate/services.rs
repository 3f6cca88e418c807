//! What each simulated service costs at the counter and when in the year people need it.
//!
//! Medians are rough counter times of NRW citizens' offices; the monthly factors carry the
//! passport rush before the summer holidays and the car-registration peak after New Year.

/// Time and demand profile of one service code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceProfile {
    pub code: &'static str,
    /// Median counter time in minutes.
    pub median_min: f64,
    /// Log-scale spread of the counter time (0.5 ≈ a quarter of cases take 1.4× the median).
    pub sigma: f64,
    /// Relative chance that a citizen needing this service books a slot instead of walking in.
    pub appointment_affinity: f64,
    /// Demand factor by month, January first (1.0 = an ordinary month).
    pub season: [f64; 12],
}

const FLAT: [f64; 12] = [1.0; 12];
/// Passports and ID cards: before the summer holidays everyone checks their documents.
const TRAVEL: [f64; 12] = [0.85, 0.9, 1.0, 1.1, 1.35, 1.5, 1.35, 0.9, 0.9, 0.95, 0.85, 0.75];
/// Moving house peaks at month turns in summer and autumn (study start).
const MOVING: [f64; 12] = [1.0, 0.9, 0.95, 0.95, 1.0, 1.0, 1.1, 1.15, 1.2, 1.1, 0.95, 0.8];
/// Car registrations: new-year purchases, spring season plates, quiet December.
const CARS: [f64; 12] = [1.25, 1.1, 1.2, 1.1, 1.0, 0.95, 0.95, 0.9, 1.0, 1.0, 0.95, 0.8];
/// Driving licences: exchange deadlines and spring/summer learners.
const LICENCES: [f64; 12] = [1.1, 1.0, 1.05, 1.05, 1.1, 1.05, 1.0, 0.9, 1.0, 1.0, 0.95, 0.8];

/// All services the presets use, in the order of the default service list.
pub const SERVICES: [ServiceProfile; 8] = [
    profile("PA", 10.0, 0.45, 1.6, TRAVEL),
    profile("RP", 12.0, 0.45, 1.6, TRAVEL),
    profile("AB", 3.0, 0.5, 0.15, FLAT),
    profile("AN", 9.0, 0.5, 1.2, MOVING),
    profile("MB", 4.0, 0.5, 0.3, FLAT),
    profile("FZ", 6.0, 0.45, 0.5, FLAT),
    profile("KFZ", 15.0, 0.55, 1.5, CARS),
    profile("FS", 12.0, 0.5, 1.0, LICENCES),
];

const fn profile(
    code: &'static str,
    median_min: f64,
    sigma: f64,
    appointment_affinity: f64,
    season: [f64; 12],
) -> ServiceProfile {
    ServiceProfile { code, median_min, sigma, appointment_affinity, season }
}

impl ServiceProfile {
    /// Mean counter time in minutes (lognormal: median · e^{σ²/2}).
    pub fn mean_min(&self) -> f64 {
        self.median_min * (self.sigma * self.sigma / 2.0).exp()
    }

    /// Demand factor of a month (1–12).
    pub fn season_factor(&self, month: u32) -> f64 {
        let i = (month.clamp(1, 12) - 1) as usize;
        self.season[i]
    }
}

/// The profile of a code, if the simulator knows it.
pub fn profile_of(code: &str) -> Option<&'static ServiceProfile> {
    SERVICES.iter().find(|s| s.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_follow_the_brief() {
        let median = |c| profile_of(c).map(|p| p.median_min);
        assert_eq!(median("AB"), Some(3.0));
        assert_eq!(median("KFZ"), Some(15.0));
        assert_eq!(median("XX"), None);
        assert!(SERVICES.iter().all(|s| s.mean_min() > s.median_min));
    }

    #[test]
    fn passports_peak_before_summer() {
        let pa = profile_of("PA").map(|p| (p.season_factor(6), p.season_factor(12)));
        assert!(matches!(pa, Some((june, dec)) if june > 1.3 && dec < 1.0));
    }
}
