//! Reference solution of `bpsk_detector` (lesson-07).

use rand_distr::{Distribution, Normal};
use rand_xoshiro::rand_core::Rng;
use runtime::rng::Xoshiro256PlusPlus;

/// The noise standard deviation for BPSK with `Eb = 1` at `ebn0_db`: `√(N0/2)`.
pub fn noise_std(ebn0_db: f64) -> f64 {
    let ebn0 = 10f64.powf(ebn0_db / 10.0);
    (1.0 / (2.0 * ebn0)).sqrt()
}

/// Sends `bits` random bits through the channel and counts the wrong decisions.
pub fn count_bit_errors(rng: &mut Xoshiro256PlusPlus, bits: u64, sigma: f64) -> u64 {
    let noise = Normal::new(0.0, sigma).expect("a finite deviation");
    let mut errors = 0;
    let mut left = bits;
    while left > 0 {
        let block = left.min(64);
        let word = rng.next_u64();
        for i in 0..block {
            let bit = (word >> i) & 1;
            let symbol = if bit == 0 { 1.0 } else { -1.0 };
            let received = symbol + noise.sample(rng);
            let decided = if received < 0.0 { 1 } else { 0 };
            if decided != bit {
                errors += 1;
            }
        }
        left -= block;
    }
    errors
}
