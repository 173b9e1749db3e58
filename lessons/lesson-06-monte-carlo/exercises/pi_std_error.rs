//! Exercise `pi_std_error` (lesson-06).
//!
//! How far from π should an estimate from `N` points land? Each point is a coin
//! that comes up "hit" with probability `p = π/4`, so the count of hits has
//! variance `N p (1 − p)`. Turn that into the standard error of the estimate
//! `4 · hits / N`, into the number of points a target error needs, and into the
//! check every Monte Carlo test should make: "within 4 standard errors".
//!
//! Check your work: `cargo xtask check lesson-06`. Stuck? `cargo xtask hint pi_std_error`.

/// The standard error of the estimate `4 · hits / samples` of π from `samples`
/// independent points (about `1.64 / √samples`).
pub fn std_error(samples: u64) -> f64 {
    let _ = samples;
    todo!("the standard deviation of 4 · hits / samples")
}

/// The fewest points whose [`std_error`] is at most `target`.
pub fn samples_for(target: f64) -> u64 {
    let _ = target;
    todo!("invert std_error")
}

/// Whether the estimate `4 · hits / samples` lies within `sigmas` standard
/// errors of π (on the boundary counts as within).
pub fn within_sigmas(hits: u64, samples: u64, sigmas: f64) -> bool {
    let _ = (hits, samples, sigmas);
    todo!("|estimate − π| ≤ sigmas · std_error")
}
