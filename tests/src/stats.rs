//! Statistics the tests need: the two-sample Kolmogorov–Smirnov test (chaff must not be told
//! apart from real uploads in size or timing).

/// The two-sample KS statistic `D` and its asymptotic p-value (Stephens' small-sample
/// correction of the Kolmogorov distribution, as in Numerical Recipes' `kstwo`). Ties are
/// handled by stepping past equal values in both samples at once.
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> (f64, f64) {
    assert!(
        !a.is_empty() && !b.is_empty(),
        "KS needs two non-empty samples"
    );
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (n, m) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0usize, 0usize, 0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    let en = (n * m / (n + m)).sqrt();
    (d, kolmogorov_q((en + 0.12 + 0.11 / en) * d))
}

/// `Q_KS(λ) = 2 Σ (-1)^(k-1) exp(-2 k² λ²)`.
fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda < 1e-3 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let k = f64::from(k);
        sum += sign * 2.0 * (-2.0 * k * k * lambda * lambda).exp();
        sign = -sign;
    }
    sum.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_samples_are_not_different_and_shifted_ones_are() {
        let a: Vec<f64> = (0..200).map(f64::from).collect();
        let (d, p) = ks_two_sample(&a, &a);
        assert_eq!(d, 0.0);
        assert!(p > 0.99);
        let b: Vec<f64> = (100..300).map(f64::from).collect();
        let (d, p) = ks_two_sample(&a, &b);
        assert!((d - 0.5).abs() < 1e-9, "{d}");
        assert!(p < 1e-10, "{p}");
        // Known value: D = 0.2 for n = m = 100 gives p ≈ 0.036 (asymptotic, corrected).
        let c: Vec<f64> = (0..100).map(f64::from).collect();
        let e: Vec<f64> = (20..120).map(f64::from).collect();
        let (d, p) = ks_two_sample(&c, &e);
        assert!((d - 0.2).abs() < 1e-9, "{d}");
        assert!((0.02..0.05).contains(&p), "{p}");
    }
}
