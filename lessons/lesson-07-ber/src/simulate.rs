//! The simulation: BPSK bits through an AWGN channel, detected and counted,
//! one SNR point at a time, in fixed chunks with their own random streams.
//!
//! One bit's trip: the transmitter maps bit `b` to the symbol `s = 1 − 2b`
//! (`0 → +1`, `1 → −1`, so every bit carries energy `Eb = 1`); the channel adds
//! Gaussian noise `n` with variance `N0/2`, where `N0 = Eb / (Eb/N0)`; the
//! receiver decides `1` when `s + n < 0`, `0` otherwise, and an error is a
//! decision that differs from `b`. Theory says this happens with probability
//! `½·erfc(√(Eb/N0))` ([`crate::erfc::bpsk_ber`]).
//!
//! What it costs: one `u64` draw per 64 bits and one normal sample (rand_distr's
//! ziggurat [`Normal`], one `u64` draw nearly always) per bit, then an add, a
//! compare and an xor: about 3.5 ns per bit on the course machine, 280 million
//! bits per second per core (the 10 dB point of the default run: 2.58 billion
//! bits in 9.2 s on one thread).
//!
//! # Reproducible for any number of workers
//!
//! A point's randomness depends on the point and the seed, never on the worker
//! that runs it or on what else runs:
//!
//! - The point at `ebn0_db` draws from its own family of streams,
//!   `Streams::new(seed).child(k)` with `k` its SNR in hundredths of a dB
//!   above −10 dB ([`family_index`]). So a 6 dB point draws the same noise
//!   whether the sweep is `[6]` or `0..=10`, and no two points share a stream.
//! - Within the point, bits come in chunks of `chunk_bits`; chunk `j` draws from
//!   stream `j` of the family, whichever thread runs it (with
//!   `threads > 1`, a wave of chunks runs at once).
//! - The early stop (after `stop_after_errors` errors) is checked between chunks,
//!   in chunk order: a point ends after the first chunk that brings its errors to
//!   the target, never "when time is up" or "when the first thread finds
//!   enough". So it ends at the same chunk every run.
//!
//! ```
//! use lesson_07_ber::simulate::{PointPlan, simulate_point};
//!
//! let plan = PointPlan { seed: 7, max_bits: 2_000_000, chunk_bits: 100_000, stop_after_errors: 1_000, threads: 1 };
//! let point = simulate_point(&plan, 4.0).unwrap();
//! assert!(point.errors >= 1_000);          // stopped at the first chunk past 1000 errors
//! assert_eq!(point.bits % 100_000, 0);     // ... at a chunk boundary
//! assert_eq!(point, simulate_point(&plan, 4.0).unwrap()); // and the same every time
//! ```

use crate::erfc::{bpsk_ber, from_db};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::rand_core::Rng;
use runtime::rng::{Streams, Xoshiro256PlusPlus};

/// The lowest Eb/N0 a point may have, in dB: family indices count from here.
pub const MIN_EBN0_DB: f64 = -10.0;
/// The highest Eb/N0 a point may have, in dB (BER 10⁻⁴⁵ there).
pub const MAX_EBN0_DB: f64 = 20.0;

/// The standard deviation of the noise for BPSK with `Eb = 1` at `ebn0_db`:
/// `√(N0/2) = √(1 / (2·Eb/N0))`.
pub fn noise_std(ebn0_db: f64) -> f64 {
    (1.0 / (2.0 * from_db(ebn0_db))).sqrt()
}

/// Simulates `bits` bits from `rng` through a channel of noise standard
/// deviation `sigma` and returns how many were decided wrong.
///
/// The order of draws is part of the result (and the exercises rely on it):
/// for every block of up to 64 bits, one `u64` whose bit `i` is the block's
/// bit `i`, then, for each bit of the block in order, one sample of
/// `Normal(0, sigma)`.
pub fn count_errors(rng: &mut Xoshiro256PlusPlus, bits: u64, sigma: f64) -> u64 {
    let noise = Normal::new(0.0, sigma).expect("the noise deviation is finite");
    let mut errors = 0;
    let mut left = bits;
    while left > 0 {
        let block = left.min(64);
        let word = rng.next_u64();
        for i in 0..block {
            let bit = (word >> i) & 1;
            let symbol = 1.0 - 2.0 * bit as f64; // 0 → +1, 1 → −1
            let received = symbol + noise.sample(rng);
            let decided = u64::from(received < 0.0);
            errors += decided ^ bit;
        }
        left -= block;
    }
    errors
}

/// The stream family of the point at `ebn0_db`: its SNR in hundredths of a dB
/// above [`MIN_EBN0_DB`], so `−10 dB → 0`, `0 dB → 1000`, `6.5 dB → 1650`.
/// Points closer than 0.01 dB would share a family; the experiment refuses them.
pub fn family_index(ebn0_db: f64) -> u64 {
    ((ebn0_db - MIN_EBN0_DB) * 100.0).round().max(0.0) as u64
}

/// How one point is simulated: everything but its SNR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointPlan {
    pub seed: u64,
    /// The most bits the point simulates.
    pub max_bits: u64,
    /// Bits per chunk; chunk `j` draws from stream `j` of the point's family.
    pub chunk_bits: u64,
    /// Stop after the chunk that brings the errors to this many; 0 never stops early.
    pub stop_after_errors: u64,
    /// Threads that run a point's chunks, a wave of this many chunks at a time.
    /// 1 runs them one after another on the calling thread.
    pub threads: usize,
}

/// Why a point ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// It reached `stop_after_errors` errors.
    Errors,
    /// It used up `max_bits`.
    Bits,
}

impl Ended {
    pub fn name(self) -> &'static str {
        match self {
            Ended::Errors => "errors",
            Ended::Bits => "bits",
        }
    }
}

/// What one SNR point measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub ebn0_db: f64,
    pub bits: u64,
    pub errors: u64,
    /// Chunks simulated.
    pub chunks: u64,
    pub ended: Ended,
}

impl Point {
    /// The measured bit error rate, `errors / bits`.
    pub fn ber(&self) -> f64 {
        self.errors as f64 / self.bits as f64
    }

    /// The theory at this point, `½·erfc(√(Eb/N0))`.
    pub fn theory(&self) -> f64 {
        bpsk_ber(self.ebn0_db)
    }

    /// The standard error of `ber` if theory is right: `√(p(1 − p)/bits)`.
    pub fn std_error(&self) -> f64 {
        let p = self.theory();
        (p * (1.0 - p) / self.bits as f64).sqrt()
    }

    /// How many standard errors `ber` lies from theory (signed).
    pub fn sigmas(&self) -> f64 {
        (self.ber() - self.theory()) / self.std_error()
    }
}

/// The error a point reports when the run was interrupted (Ctrl-C) between
/// two of its chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// Simulates the point at `ebn0_db`, chunk after chunk, until it has
/// `stop_after_errors` errors or `max_bits` bits.
///
/// With `threads > 1`, the chunks run in waves of `threads` at a time, one per
/// scoped thread (the calling thread takes the first), so one costly point can
/// use several cores. The errors are still added up in chunk order and the
/// point still ends after the first chunk that reaches the target, so the
/// result is the same for any `threads`; the chunks of the last wave that come
/// after that one are simulated for nothing (at most `threads − 1` chunks per
/// point). Starting the threads costs some 20 µs per wave, next to milliseconds
/// of work per chunk.
///
/// Between waves it checks [`lab::run::interrupted`], so Ctrl-C stops a long
/// point within one wave.
pub fn simulate_point(plan: &PointPlan, ebn0_db: f64) -> Result<Point, Interrupted> {
    let family = Streams::new(plan.seed).child(family_index(ebn0_db));
    let sigma = noise_std(ebn0_db);
    let chunk_len = |j: u64| {
        plan.chunk_bits
            .min(plan.max_bits.saturating_sub(j * plan.chunk_bits))
    };
    let run_chunk = |j: u64| {
        // A task span for the trace, also on the wave's extra threads.
        let _span = runtime::trace::span(runtime::trace::State::Task);
        count_errors(&mut family.stream(j), chunk_len(j), sigma)
    };
    let total_chunks = plan.max_bits.div_ceil(plan.chunk_bits);
    let wave_size = plan.threads.max(1) as u64;
    let mut point = Point {
        ebn0_db,
        bits: 0,
        errors: 0,
        chunks: 0,
        ended: Ended::Bits,
    };
    while point.chunks < total_chunks {
        if lab::run::interrupted() {
            return Err(Interrupted);
        }
        let wave = point.chunks..(point.chunks + wave_size).min(total_chunks);
        let errors: Vec<u64> = if wave.end - wave.start == 1 {
            vec![run_chunk(wave.start)]
        } else {
            std::thread::scope(|scope| {
                let others: Vec<_> = (wave.start + 1..wave.end)
                    .map(|j| scope.spawn(move || run_chunk(j)))
                    .collect();
                let first = run_chunk(wave.start);
                std::iter::once(first)
                    .chain(others.into_iter().map(|h| {
                        h.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    }))
                    .collect()
            })
        };
        for (j, e) in wave.zip(errors) {
            point.errors += e;
            point.bits += chunk_len(j);
            point.chunks += 1;
            if plan.stop_after_errors > 0 && point.errors >= plan.stop_after_errors {
                point.ended = Ended::Errors;
                return Ok(point);
            }
        }
    }
    Ok(point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_std_gives_the_chosen_eb_over_n0() {
        // At 0 dB, N0 = Eb = 1 and the variance is N0/2.
        assert!((noise_std(0.0) - 0.5f64.sqrt()).abs() < 1e-15);
        // 10 dB more SNR: a tenth of the noise power.
        assert!((noise_std(10.0) / noise_std(0.0) - 0.1f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn noiseless_channel_makes_no_errors_and_every_draw_is_used() {
        let mut rng = Streams::new(1).stream(0);
        assert_eq!(count_errors(&mut rng, 1_000, 1e-9), 0);
        assert_eq!(count_errors(&mut rng, 0, 1.0), 0);
    }

    #[test]
    fn count_errors_estimates_the_theory_at_0_db() {
        let bits = 1_000_000;
        let errors = count_errors(&mut Streams::new(3).stream(0), bits, noise_std(0.0));
        let point = Point {
            ebn0_db: 0.0,
            bits,
            errors,
            chunks: 1,
            ended: Ended::Bits,
        };
        assert!(
            point.sigmas().abs() < 4.0,
            "{} errors: {} sigmas",
            errors,
            point.sigmas()
        );
    }

    #[test]
    fn family_indices_are_hundredths_of_a_db_above_minus_10() {
        assert_eq!(family_index(-10.0), 0);
        assert_eq!(family_index(0.0), 1000);
        assert_eq!(family_index(6.5), 1650);
        assert_eq!(family_index(0.1 + 0.2), 1030); // float noise does not matter
        assert_eq!(family_index(20.0), 3000);
    }

    #[test]
    fn a_point_stops_at_the_first_chunk_that_reaches_the_error_target() {
        let plan = PointPlan {
            seed: 5,
            max_bits: 10_000_000,
            chunk_bits: 10_000,
            stop_after_errors: 500,
            threads: 1,
        };
        let p = simulate_point(&plan, 3.0).unwrap();
        assert_eq!(p.ended, Ended::Errors);
        assert!(p.errors >= 500);
        // One chunk less would not have reached the target.
        let shorter = PointPlan {
            max_bits: p.bits - plan.chunk_bits,
            stop_after_errors: 0,
            ..plan
        };
        let q = simulate_point(&shorter, 3.0).unwrap();
        assert!(q.errors < 500, "{} errors one chunk earlier", q.errors);
        assert_eq!(q.ended, Ended::Bits);
    }

    #[test]
    fn without_an_error_target_a_point_runs_its_whole_budget_in_chunks() {
        let plan = PointPlan {
            seed: 5,
            max_bits: 25_000,
            chunk_bits: 10_000,
            stop_after_errors: 0,
            threads: 1,
        };
        let p = simulate_point(&plan, 0.0).unwrap();
        assert_eq!((p.bits, p.chunks, p.ended), (25_000, 3, Ended::Bits));
    }

    #[test]
    fn a_point_is_the_same_for_any_number_of_threads() {
        for stop_after_errors in [0, 700] {
            let plan = PointPlan {
                seed: 9,
                max_bits: 205_000,
                chunk_bits: 10_000,
                stop_after_errors,
                threads: 1,
            };
            let one = simulate_point(&plan, 4.0).unwrap();
            for threads in [2, 3, 8] {
                let many = simulate_point(&PointPlan { threads, ..plan }, 4.0).unwrap();
                assert_eq!(
                    many, one,
                    "{threads} threads, stop after {stop_after_errors}"
                );
            }
        }
    }
}
