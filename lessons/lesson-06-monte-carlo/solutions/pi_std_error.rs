//! Reference solution of `pi_std_error` (lesson-06).

use std::f64::consts::PI;

/// The standard error of the estimate `4 · hits / samples`: `√(π(4 − π) / samples)`.
pub fn std_error(samples: u64) -> f64 {
    (PI * (4.0 - PI) / samples as f64).sqrt()
}

/// The fewest points whose standard error is at most `target`.
pub fn samples_for(target: f64) -> u64 {
    let mut n = (PI * (4.0 - PI) / (target * target)).ceil() as u64;
    // Rounding can leave n one off either way: settle it against std_error.
    while n > 1 && std_error(n - 1) <= target {
        n -= 1;
    }
    while std_error(n) > target {
        n += 1;
    }
    n.max(1)
}

/// Whether `4 · hits / samples` lies within `sigmas` standard errors of π.
pub fn within_sigmas(hits: u64, samples: u64, sigmas: f64) -> bool {
    let estimate = 4.0 * hits as f64 / samples as f64;
    (estimate - PI).abs() <= sigmas * std_error(samples)
}
