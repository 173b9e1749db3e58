//! Tests of the `pi_std_error` exercise, run by `cargo xtask check lesson-06`.

#[cfg_attr(not(feature = "solutions"), path = "../pi_std_error.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/pi_std_error.rs")]
mod exercise;

use exercise::*;
use lesson_06_monte_carlo::sample::count_hits;
use runtime::rng::Streams;

#[test]
fn std_error_is_the_spread_of_four_times_a_coin_mean() {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b;
    // 16 · (π/4)(1 − π/4) = π(4 − π) = 2.69676...
    assert!(
        close(std_error(1), 2.696_766_213_269_814_5_f64.sqrt()),
        "one point: √(π(4 − π)) ≈ 1.6422, found {}",
        std_error(1)
    );
    assert!(
        close(std_error(1_000_000), 0.001_642_183_367_736),
        "10^6 points: about 0.00164, found {}",
        std_error(1_000_000)
    );
    assert!(
        close(std_error(100) / std_error(10_000), 10.0),
        "a hundred times the points make the error ten times smaller"
    );
}

#[test]
fn samples_for_is_the_fewest_points_that_reach_the_target() {
    for target in [0.1, 0.01, 1e-3, 1.64e-4] {
        let n = samples_for(target);
        assert!(
            std_error(n) <= target,
            "samples_for({target}) = {n}, whose std_error {} is above the target",
            std_error(n)
        );
        assert!(
            n == 1 || std_error(n - 1) > target,
            "samples_for({target}) = {n}, but {} points already reach it",
            n - 1
        );
    }
    assert_eq!(
        samples_for(1e-3),
        2_696_767,
        "error 10^-3 needs π(4 − π)/10^-6 points, rounded up"
    );
}

#[test]
fn real_estimates_pass_the_four_sigma_check_and_scatter_like_a_normal() {
    // 400 estimates of 10^4 points, each from its own stream family.
    let samples = 10_000;
    let hits: Vec<u64> = (0..400)
        .map(|t| count_hits(&mut Streams::new(3).child(t).stream(0), samples))
        .collect();
    assert!(
        hits.iter().all(|&h| within_sigmas(h, samples, 4.0)),
        "every one of 400 honest estimates lies within 4 standard errors"
    );
    let within_one = hits
        .iter()
        .filter(|&&h| within_sigmas(h, samples, 1.0))
        .count() as f64
        / 400.0;
    assert!(
        (0.6..=0.77).contains(&within_one),
        "about 68% of honest estimates lie within one standard error; found {within_one}"
    );
}

#[test]
fn a_biased_estimate_fails_the_four_sigma_check() {
    let samples = 1_000_000;
    let fair = (std::f64::consts::PI / 4.0 * samples as f64).round() as u64;
    // One standard error of the estimate is σ·N/4 hits.
    let sigma_hits = std_error(samples) * samples as f64 / 4.0;
    assert!(within_sigmas(fair, samples, 4.0), "π itself is within 4σ");
    assert!(
        !within_sigmas(fair + (5.0 * sigma_hits) as u64, samples, 4.0),
        "an estimate 5 standard errors high must fail the 4σ check"
    );
    assert!(
        within_sigmas(fair + (3.0 * sigma_hits) as u64, samples, 4.0),
        "an estimate 3 standard errors high passes the 4σ check"
    );
}
