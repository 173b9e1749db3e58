//! Tests of the `bpsk_detector` exercise, run by `cargo xtask check lesson-07`.

#[cfg_attr(not(feature = "solutions"), path = "../bpsk_detector.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/bpsk_detector.rs")]
mod exercise;

use exercise::*;
use lesson_07_ber::erfc::bpsk_ber;
use lesson_07_ber::simulate;
use runtime::rng::Streams;

#[test]
fn noise_std_gives_the_chosen_eb_over_n0() {
    for db in [-3.0, 0.0, 3.0, 6.5, 10.0] {
        let (got, want) = (noise_std(db), simulate::noise_std(db));
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "noise_std({db}) = {got}, want √(1 / (2 · 10^({db}/10))) = {want}"
        );
    }
}

#[test]
fn a_noiseless_channel_makes_no_errors() {
    let mut rng = Streams::new(1).stream(0);
    assert_eq!(
        count_bit_errors(&mut rng, 10_000, 1e-9),
        0,
        "with almost no noise every bit is decided right"
    );
    assert_eq!(count_bit_errors(&mut rng, 0, 1.0), 0, "no bits, no errors");
}

#[test]
fn the_error_rate_follows_theory() {
    for db in [0.0, 4.0] {
        let bits = 400_000;
        let errors = count_bit_errors(&mut Streams::new(2).stream(0), bits, noise_std(db));
        let (ber, theory) = (errors as f64 / bits as f64, bpsk_ber(db));
        let std_error = (theory * (1.0 - theory) / bits as f64).sqrt();
        assert!(
            (ber - theory).abs() < 4.0 * std_error,
            "at {db} dB: BER {ber} is more than 4 standard errors from ½·erfc(√(Eb/N0)) = {theory}"
        );
    }
}

#[test]
fn counts_equal_the_lessons_simulator_draw_for_draw() {
    for (seed, bits) in [(3, 64), (4, 1_000), (5, 100_003)] {
        let sigma = simulate::noise_std(1.0);
        let mine = count_bit_errors(&mut Streams::new(seed).stream(0), bits, sigma);
        let lesson = simulate::count_errors(&mut Streams::new(seed).stream(0), bits, sigma);
        assert_eq!(
            mine, lesson,
            "{bits} bits from seed {seed}: draw one u64 per block of 64 bits, then one Normal(0, sigma) per bit, in that order"
        );
    }
}
