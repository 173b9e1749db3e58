//! Exercise `bpsk_detector` (lesson-07).
//!
//! One chunk of the BER simulation, written by you: random bits, BPSK symbols,
//! Gaussian noise, the sign detector, and the error count. Follow the order of
//! draws below exactly and your counts will equal the lesson's own, bit for bit
//! (that is how the lesson stays reproducible: the stream decides everything).
//!
//! Check your work: `cargo xtask check lesson-07`. Stuck? `cargo xtask hint bpsk_detector`.

#[allow(unused_imports)]
use rand_distr::{Distribution, Normal};
#[allow(unused_imports)]
use rand_xoshiro::rand_core::Rng;
use runtime::rng::Xoshiro256PlusPlus;

/// The standard deviation of the noise for BPSK with `Eb = 1` at `ebn0_db`
/// (Eb/N0 in dB): `√(N0/2)`, where `N0 = Eb / 10^(ebn0_db/10)`.
pub fn noise_std(ebn0_db: f64) -> f64 {
    let _ = ebn0_db;
    todo!("√(N0/2) with Eb = 1")
}

/// Sends `bits` random bits through an AWGN channel of noise deviation `sigma`
/// and returns how many the receiver decides wrong.
///
/// For every block of up to 64 bits: draw one `u64` with `rng.next_u64()`; bit
/// `i` of the block is bit `i` of that word. Then, for each bit of the block in
/// order: the symbol is `+1.0` for a 0 and `-1.0` for a 1; add one sample of
/// `Normal(0, sigma)` drawn from `rng`; decide 1 when the sum is below zero,
/// else 0; count the decision if it differs from the bit.
pub fn count_bit_errors(rng: &mut Xoshiro256PlusPlus, bits: u64, sigma: f64) -> u64 {
    let _ = (rng, bits, sigma);
    todo!("bits → symbols → noise → sign detector → errors")
}
