//! Exercise `erfc_tail` (lesson-07).
//!
//! The theory curve needs `erfc(x)` where it is tiny: BER 10⁻⁹ is `x ≈ 4.2`,
//! BER 10⁻¹² is `x ≈ 5`. The obvious `1 − erf(x)` (given below) subtracts two
//! numbers that agree in their first twelve digits there, and keeps almost
//! nothing. Compute the tail directly instead, from its continued fraction:
//!
//! ```text
//! erfc(x) = e^(−x²)/√π · 1 / (x + (1/2) / (x + (2/2) / (x + (3/2) / (x + (4/2) / (x + …)))))
//! ```
//!
//! Check your work: `cargo xtask check lesson-07`. Stuck? `cargo xtask hint erfc_tail`.

use std::f64::consts::PI;

/// Given: the naive `erfc(x) = 1 − erf(x)`, with `erf` from its Taylor series
/// `erf(x) = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))`. Fine below `x = 2`,
/// useless by `x = 5`.
pub fn erfc_naive(x: f64) -> f64 {
    let (mut term, mut sum, mut n) = (x, x, 0.0);
    while term.abs() > 1e-17 * sum.abs() {
        n += 1.0;
        term *= -x * x / n;
        sum += term / (2.0 * n + 1.0);
    }
    1.0 - 2.0 / PI.sqrt() * sum
}

/// `erfc(x)` for `x ≥ 2` from the continued fraction above, cut after `terms`
/// levels (the last level is `x + (terms/2) / x`) and evaluated from the bottom
/// up. With 50 terms it is good to about 10⁻¹³ relative from 2 to 26.
pub fn erfc_cf(x: f64, terms: usize) -> f64 {
    let _ = (x, terms);
    todo!("evaluate the continued fraction from its last level up")
}

/// The BER of BPSK over AWGN at `ebn0_db`: `½·erfc(√(Eb/N0))` with
/// `Eb/N0 = 10^(ebn0_db/10)`, using [`erfc_cf`] (50 terms) for arguments of 2
/// or more and [`erfc_naive`] below.
pub fn bpsk_ber(ebn0_db: f64) -> f64 {
    let _ = ebn0_db;
    todo!("½·erfc(√(Eb/N0)), choosing the erfc that is accurate at that argument")
}
