//! Reference solution of `erfc_tail` (lesson-07).

use std::f64::consts::PI;

/// Given: the naive `erfc(x) = 1 − erf(x)`, with `erf` from its Taylor series.
pub fn erfc_naive(x: f64) -> f64 {
    let (mut term, mut sum, mut n) = (x, x, 0.0);
    while term.abs() > 1e-17 * sum.abs() {
        n += 1.0;
        term *= -x * x / n;
        sum += term / (2.0 * n + 1.0);
    }
    1.0 - 2.0 / PI.sqrt() * sum
}

/// `erfc(x)` for `x ≥ 2` from its continued fraction, evaluated bottom up.
pub fn erfc_cf(x: f64, terms: usize) -> f64 {
    let mut t = x;
    for k in (1..=terms).rev() {
        t = x + (k as f64 / 2.0) / t;
    }
    (-x * x).exp() / PI.sqrt() / t
}

/// The BER of BPSK at `ebn0_db`: `½·erfc(√(Eb/N0))`.
pub fn bpsk_ber(ebn0_db: f64) -> f64 {
    let x = 10f64.powf(ebn0_db / 10.0).sqrt();
    let erfc = if x >= 2.0 {
        erfc_cf(x, 50)
    } else {
        erfc_naive(x)
    };
    0.5 * erfc
}
