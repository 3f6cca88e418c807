//! Prediction intervals of slot counts: negative binomial with mean μ and variance φ·μ, where the
//! dispersion φ is measured on the series' own recent forecast errors (φ = 1 is Poisson).

/// Dispersion φ = Σ(y − μ)² / Σμ over (actual, expected) pairs with μ > 0, at least 1.
pub fn dispersion(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let (mut sq, mut mu_sum) = (0.0, 0.0);
    for (y, mu) in pairs.filter(|&(_, mu)| mu > 0.0) {
        sq += (y - mu) * (y - mu);
        mu_sum += mu;
    }
    if mu_sum > 0.0 { (sq / mu_sum).max(1.0) } else { 1.0 }
}

/// The `q`-quantile (smallest k with P(X ≤ k) ≥ q) of a count with mean `mu` and variance
/// `phi·mu`: Poisson for φ ≤ 1, else negative binomial with r = μ/(φ−1), p = 1/φ.
pub fn count_quantile(mu: f64, phi: f64, q: f64) -> f64 {
    if mu.is_nan() || mu <= 0.0 {
        return 0.0;
    }
    let poisson = phi <= 1.0 + 1e-9;
    let (r, p) = if poisson { (f64::INFINITY, 1.0) } else { (mu / (phi - 1.0), 1.0 / phi) };
    let mut pk = if poisson { (-mu).exp() } else { (r * p.ln()).exp() };
    if pk <= f64::MIN_POSITIVE {
        // Far in the normal regime: the recursion would start from an underflowed zero.
        let z = normal_quantile(q);
        return (mu + z * (phi.max(1.0) * mu).sqrt()).round().max(0.0);
    }
    let mut cdf = pk;
    let mut k = 0.0;
    let limit = 20.0 * mu * phi.max(1.0) + 1000.0;
    while cdf < q && k < limit {
        pk *= if poisson { mu / (k + 1.0) } else { (k + r) / (k + 1.0) * (1.0 - p) };
        k += 1.0;
        cdf += pk;
    }
    k
}

/// Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
fn normal_quantile(q: f64) -> f64 {
    let q = q.clamp(1e-12, 1.0 - 1e-12);
    let a = [
        -39.696_830_286_653_76,
        220.946_098_424_520_5,
        -275.928_510_446_968_7,
        138.357_751_867_269,
        -30.664_798_066_147_16,
        2.506_628_277_459_239,
    ];
    let b = [
        -54.476_098_798_224_06,
        161.585_836_858_040_9,
        -155.698_979_859_886_6,
        66.801_311_887_719_72,
        -13.280_681_552_885_72,
    ];
    let c = [
        -0.007_784_894_002_430_293,
        -0.322_396_458_041_136_4,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    let d =
        [0.007_784_695_709_041_462, 0.322_467_129_070_039_8, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let tail = |t: f64| {
        (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5])
            / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1.0)
    };
    if q < 0.02425 {
        tail((-2.0 * q.ln()).sqrt())
    } else if q > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - q).ln()).sqrt())
    } else {
        let t = q - 0.5;
        let r = t * t;
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * t
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_quantiles_match_tables() {
        // Poisson(2): P(0)=.1353, P(≤1)=.4060, P(≤2)=.6767, P(≤3)=.8571
        assert_eq!(count_quantile(2.0, 1.0, 0.1), 0.0);
        assert_eq!(count_quantile(2.0, 1.0, 0.5), 2.0);
        assert_eq!(count_quantile(2.0, 1.0, 0.9), 4.0);
        assert_eq!(count_quantile(2.0, 0.5, 0.85), 3.0);
        assert_eq!(count_quantile(0.0, 3.0, 0.9), 0.0);
    }

    #[test]
    fn negative_binomial_quantiles() {
        // μ = 2, φ = 2: r = 2, p = 1/2; P(k) = (k+1)/2^(k+2): .25 .25 .1875 .125 .078 → CDF .25 .5 .6875 .8125 .8906 .9375
        assert_eq!(count_quantile(2.0, 2.0, 0.1), 0.0);
        assert_eq!(count_quantile(2.0, 2.0, 0.5), 1.0);
        assert_eq!(count_quantile(2.0, 2.0, 0.8), 3.0);
        assert_eq!(count_quantile(2.0, 2.0, 0.9), 5.0);
        // Wider than Poisson at the same mean.
        assert!(count_quantile(20.0, 3.0, 0.9) > count_quantile(20.0, 1.0, 0.9));
    }

    #[test]
    fn dispersion_is_variance_over_mean_and_at_least_one() {
        // errors 2, -2, 0 on means 4, 4, 2 → 8 / 10
        assert_eq!(dispersion([(6.0, 4.0), (2.0, 4.0), (2.0, 2.0)].into_iter()), 1.0);
        // errors 4, -4 on means 2, 2 → 32 / 4 = 8; the μ = 0 pair is ignored
        assert_eq!(dispersion([(6.0, 2.0), (-2.0, 2.0), (5.0, 0.0)].into_iter()), 8.0);
        assert!((normal_quantile(0.9) - 1.281_551_565_5).abs() < 1e-8);
        assert_eq!(count_quantile(1e6, 1.0, 0.5), 1e6);
    }
}
