//! Tests of the `same_seed_bug` exercise, run by `cargo xtask check lesson-06`.

#[cfg_attr(not(feature = "solutions"), path = "../same_seed_bug.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/same_seed_bug.rs")]
mod exercise;

use exercise::*;
use lesson_06_monte_carlo::sample::std_error;
use rand_xoshiro::rand_core::SeedableRng;
use runtime::rng::{Streams, Xoshiro256PlusPlus};

#[test]
fn the_same_seed_makes_every_worker_after_the_first_a_copy() {
    for workers in [1, 2, 4, 8] {
        let f = repeated_fraction(&buggy_worker_rngs(42, workers), 1000);
        let want = (workers - 1) as f64 / workers as f64;
        assert!(
            (f - want).abs() < 1e-12,
            "{workers} workers seeded alike: {want} of the draws repeat, found {f}"
        );
    }
}

#[test]
fn repeated_fraction_counts_only_copies_of_earlier_generators() {
    let a = Xoshiro256PlusPlus::seed_from_u64(1);
    let b = Xoshiro256PlusPlus::seed_from_u64(2);
    let f = repeated_fraction(&[a.clone(), b, a.clone()], 500);
    assert!(
        (f - 1.0 / 3.0).abs() < 1e-12,
        "[a, b, a]: the third generator copies the first, so 1/3 of the draws repeat; found {f}"
    );
    let before = a.clone();
    let _ = repeated_fraction(std::slice::from_ref(&a), 10);
    assert_eq!(a, before, "repeated_fraction must draw from clones");
}

#[test]
fn independent_streams_repeat_nothing() {
    for workers in [1, 2, 8] {
        let rngs = independent_worker_rngs(42, workers);
        assert_eq!(
            rngs.len(),
            workers,
            "one generator per worker ({workers} workers)"
        );
        assert_eq!(
            repeated_fraction(&rngs, 4096),
            0.0,
            "independent streams never repeat each other's draws"
        );
        assert_eq!(
            rngs,
            Streams::new(42).spawn(workers),
            "worker w must get stream w of Streams::new(seed)"
        );
    }
}

#[test]
fn the_fix_is_worth_all_its_points_and_the_bug_one_workers_share() {
    // The root mean square error over 128 seeds, 8 workers, 16 000 points.
    let samples = 16_000;
    let rms = |make: fn(u64, usize) -> Vec<Xoshiro256PlusPlus>| {
        let sum: f64 = (0..128)
            .map(|seed| {
                let e = estimate_pi_with(make(seed, 8), samples) - std::f64::consts::PI;
                e * e
            })
            .sum();
        (sum / 128.0).sqrt()
    };
    let sigma = std_error(samples);
    let fixed = rms(independent_worker_rngs);
    let buggy = rms(buggy_worker_rngs);
    assert!(
        fixed < 1.4 * sigma,
        "independent streams: the RMS error {fixed:.5} should be near the standard error of all {samples} points, {sigma:.5}"
    );
    assert!(
        buggy > 2.0 * sigma,
        "the bug: the RMS error {buggy:.5} is that of one worker's share, about √8 × {sigma:.5}"
    );
}
