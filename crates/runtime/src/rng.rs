//! Reproducible, independent random streams for parallel work.
//!
//! One `u64` seed gives a [`Streams`] family; `stream(i)` is the `i`-th child
//! generator, a [`Xoshiro256PlusPlus`] moved `i · 2^128` steps along the
//! generator's single cycle of length 2^256 − 1. Because every stream is a
//! disjoint stretch of that one cycle, two streams of a family never produce
//! overlapping sequences unless one of them draws 2^128 values, which no
//! computer will ever do. This is the Rust counterpart of
//! `numpy.random.SeedSequence(seed).spawn(n)`.
//!
//! What it costs: a stream is 32 bytes of state, and drawing from it costs what
//! drawing from any Xoshiro256++ costs, about 1.1 ns per `f64`. Reaching a
//! stream costs jumps, and one jump is 256 steps of the generator's linear
//! engine, about 0.22 µs: [`Streams::spawn`] pays one jump per stream, and
//! [`Streams::stream(i)`](Streams::stream) one jump per set bit of `i` (0.22 µs
//! for stream 1, 1.4 µs for stream 1000, 15 µs at most). All of it is nothing
//! next to a chunk of work that draws a million numbers.
//!
//! [`Chunks`] splits `total` samples into a *fixed* number of chunks, each with
//! its own stream. The chunks, not the workers, own the randomness, so the
//! result is bit for bit the same whether one worker or sixty-four ran them:
//!
//! ```
//! use rand::RngExt;
//! use runtime::rng::Streams;
//!
//! // Estimate π from 1 million points split into 16 chunks.
//! let chunks = Streams::new(2024).chunks(1_000_000, 16);
//! let count_hits = |mut chunk: runtime::rng::Chunk| {
//!     (0..chunk.len)
//!         .filter(|_| {
//!             let (x, y): (f64, f64) = (chunk.rng.random(), chunk.rng.random());
//!             x * x + y * y <= 1.0
//!         })
//!         .count() as u64
//! };
//! let one_worker: u64 = chunks.map(1, count_hits).iter().sum();
//! let four_workers: u64 = chunks.map(4, count_hits).iter().sum();
//! assert_eq!(one_worker, four_workers); // the same hits, not just close
//! let pi = 4.0 * one_worker as f64 / 1_000_000.0;
//! assert!((pi - std::f64::consts::PI).abs() < 0.01);
//! ```
//!
//! # Why not `seed + i`, and why not the same seed everywhere
//!
//! The chapter's Monte Carlo example seeds worker `i` with `42 + i`. That is a
//! habit worth unlearning:
//!
//! - **The same seed for every worker** is the outright bug: every worker draws
//!   the very same numbers, so `P` workers do the work of one, `P` times. The
//!   estimate is no better than one worker's, and its error shrinks like
//!   `1/√(N/P)` instead of `1/√N`. Lesson 06 shows it.
//! - **Consecutive seeds** depend on how the generator turns a seed into a
//!   state. Generators that put the seed into the state almost directly (an
//!   LCG, C's `rand`, a Mersenne Twister seeded naively) start neighbouring
//!   seeds in neighbouring states, and their streams come out correlated; NumPy's
//!   documentation warns that adjacent seeds such as 12345 and 12346 give very
//!   similar streams under naive seeding, which is why it hashes seeds through
//!   `SeedSequence`. With Xoshiro seeded through SplitMix64 (what rand's
//!   `seed_from_u64` does) consecutive seeds land at unrelated places in the
//!   cycle, so `seed + i` is not a disaster here. But it promises nothing: two
//!   such streams *may* overlap (improbable, not impossible), and the seeds of
//!   two experiments (`42 + i` and `43 + i`) share all but one of their streams.
//!
//! # The guarantee
//!
//! Xoshiro256++ walks one cycle of 2^256 − 1 states (every non-zero state is
//! on it). A family lays its streams out on that cycle, counting from the
//! state `seed_from_u64(seed)`:
//!
//! | what | starts at step | length |
//! |---|---|---|
//! | `Streams::new(seed).stream(i)` | `i · 2^128` | 2^128 |
//! | `Streams::new(seed).child(k).stream(i)` | `(k + 1) · 2^192 + i · 2^128` | 2^128 |
//!
//! So within one seed: 2^64 − 2 child families plus the root family, each with
//! 2^64 streams, and no two of those streams share a state as long as each
//! draws fewer than 2^128 values. That is a guarantee by construction, not by
//! probability. Families from *different* seeds start at unrelated points of the
//! cycle; they overlap only by chance, with a probability of the order of
//! `streams² · draws / 2^256` (below 10^-50 for a million streams of a
//! trillion draws each).
//!
//! # Which Python names this mirrors
//!
//! | here | NumPy |
//! |---|---|
//! | [`Streams::new(seed)`](Streams::new) | `SeedSequence(seed)` |
//! | [`Streams::spawn(n)`](Streams::spawn) | `SeedSequence(seed).spawn(n)`, then one generator per child |
//! | [`Streams::stream(i)`](Streams::stream) | `PCG64(seed).jumped(i)` (jumps instead of hashing) |
//! | [`Streams::child(k)`](Streams::child) | `SeedSequence(seed, spawn_key=(k,))` |
//!
//! # Why jumps rather than a `SeedSequence`-style hash
//!
//! NumPy hashes the seed and a spawn key into each child's state. That allows
//! any depth of children, but independence is only highly probable. Jumping
//! makes non-overlap a fact you can check on paper, needs no hashing code of our
//! own, and keeps `stream(i)` reachable directly for any `i`. The price is a
//! fixed depth: a root and one level of children, which is what the lessons
//! need (a family per SNR point, a stream per chunk).
//!
//! # How `stream(i)` stays cheap
//!
//! A jump multiplies the 256-bit state by a fixed power of the generator's
//! transition matrix, written as a polynomial over GF(2); applying one costs 256
//! generator steps. rand_xoshiro's own `jump_ce(i, 128)` builds the polynomial
//! for `x^(i·2^128)` at run time, which takes about 300 µs. This module instead
//! keeps a table of the 128 polynomials for `2^128, 2^129, …, 2^255` steps,
//! computed at compile time by repeated squaring (the tests check it against
//! the published `jump` and `long_jump` constants and against `jump_ce`), and
//! applies one per set bit of the index.
//!
//! # Measured
//!
//! `cargo run --release -p runtime --example rng_speed` on the course machine
//! (2 cores, quiet, best of 5 rounds): 1.09 ns per `random::<f64>()` from one
//! stream (920 million per second), 3.2 ns per π sample of two `f64`s (310
//! million per second), 224 ns per `jump()`, 0.26 / 1.4 / 15 µs for
//! `stream(1)` / `stream(1000)` / `stream(u64::MAX)`, 222 ns per stream in
//! `spawn(1000)`, 310 µs per rand_xoshiro `jump_ce(1000, 128)`.

use std::sync::atomic::{AtomicUsize, Ordering};

pub use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

/// A family of independent random streams derived from one seed.
///
/// Mirrors `numpy.random.SeedSequence`: build it from a seed, then take as
/// many child generators as the work needs. Cloning or building it again from
/// the same seed gives the very same streams. It holds one 32-byte generator
/// state; creating it costs one SplitMix64 seeding (a few nanoseconds), and a
/// [`child`](Streams::child) family a few jumps on top.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Streams {
    seed: u64,
    child: Option<u64>,
    /// The state stream 0 of this family starts from.
    base: Xoshiro256PlusPlus,
}

impl Streams {
    /// The root family of `seed`. Mirrors `numpy.random.SeedSequence(seed)`.
    pub fn new(seed: u64) -> Streams {
        Streams {
            seed,
            child: None,
            base: Xoshiro256PlusPlus::seed_from_u64(seed),
        }
    }

    /// The seed this family came from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// `Some(k)` for the family made by [`child(k)`](Streams::child), `None`
    /// for a root family.
    pub fn child_index(&self) -> Option<u64> {
        self.child
    }

    /// The `i`-th stream of this family: the family's start moved `i · 2^128`
    /// steps along the cycle.
    ///
    /// Mirrors `numpy.random.PCG64(seed).jumped(i)`. Equal to applying
    /// [`Xoshiro256PlusPlus::jump`] `i` times, but costs one jump (about
    /// 0.22 µs) per set bit of `i`: at most 64 jumps, 15 µs, for any `i`.
    pub fn stream(&self, i: u64) -> Xoshiro256PlusPlus {
        jump_by(&self.base, i, 0)
    }

    /// Streams `0..n` of this family, made by jumping from one to the next.
    ///
    /// Mirrors `numpy.random.SeedSequence(seed).spawn(n)`. Costs `n − 1`
    /// jumps (about 0.22 µs each) and one allocation of `32 · n` bytes.
    /// `spawn(n)[i] == stream(i)`.
    pub fn spawn(&self, n: usize) -> Vec<Xoshiro256PlusPlus> {
        let mut streams = Vec::with_capacity(n);
        let mut rng = self.base.clone();
        for i in 0..n {
            if i > 0 {
                rng.jump();
            }
            streams.push(rng.clone());
        }
        streams
    }

    /// A sub-family for the `k`-th independent piece of a larger experiment,
    /// such as the `k`-th SNR point of a BER curve; each has its own 2^64
    /// streams, disjoint from the root's and from every other child's.
    ///
    /// Mirrors `numpy.random.SeedSequence(seed, spawn_key=(k,))`. Costs one
    /// jump (about 0.22 µs) per set bit of `k + 1`.
    ///
    /// # Panics
    /// If this family is itself a child (derive every family from the root:
    /// `Streams::new(seed).child(k)`), or if `k >= u64::MAX - 1`.
    pub fn child(&self, k: u64) -> Streams {
        assert!(
            self.child.is_none(),
            "Streams::child: family {:?} of seed {} is already a child; derive every \
             sub-family from the root with Streams::new(seed).child(k)",
            self.child,
            self.seed
        );
        assert!(
            k < u64::MAX - 1,
            "Streams::child: index {k} is too large; use an index below 2^64 - 2"
        );
        Streams {
            seed: self.seed,
            child: Some(k),
            base: jump_by(&self.base, k + 1, 64),
        }
    }

    /// Splits `total` samples into `chunks` fixed chunks, chunk `i` drawing
    /// from [`stream(i)`](Streams::stream). Same as [`Chunks::new`].
    ///
    /// # Panics
    /// If `chunks` is zero.
    pub fn chunks(&self, total: u64, chunks: usize) -> Chunks {
        Chunks::new(self, total, chunks)
    }
}

/// One chunk of a [`Chunks`] split: which samples it covers and the stream it
/// draws them from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Position of the chunk, `0..chunks`; results combine in this order.
    pub index: usize,
    /// The first sample this chunk covers, in `0..total`.
    pub start: u64,
    /// How many samples this chunk covers.
    pub len: u64,
    /// The chunk's own stream: stream `index` of the family.
    pub rng: Xoshiro256PlusPlus,
}

/// `total` samples split into a fixed number of chunks, each with its own
/// stream.
///
/// The number of chunks is part of the experiment, like the seed: it decides
/// which stream draws which sample. The number of workers is not: any worker
/// may run any chunk, and [`map`](Chunks::map) returns results in chunk order,
/// so a sum over them is the same bit for bit for 1 or 64 workers. Chunk
/// lengths differ by at most one (the first `total % chunks` are one longer),
/// the way `multiprocessing.Pool.map` splits its input.
///
/// Pick more chunks than workers (a few per core, e.g. 64) so the load
/// balances, and few enough that each chunk runs for well over the few
/// microseconds it costs to reach its stream.
#[derive(Clone, Debug)]
pub struct Chunks {
    streams: Streams,
    total: u64,
    count: usize,
}

impl Chunks {
    /// Splits `total` samples into `chunks` chunks drawing from `streams`.
    ///
    /// # Panics
    /// If `chunks` is zero.
    pub fn new(streams: &Streams, total: u64, chunks: usize) -> Chunks {
        assert!(
            chunks > 0,
            "Chunks::new: the number of chunks must be at least 1"
        );
        Chunks {
            streams: streams.clone(),
            total,
            count: chunks,
        }
    }

    /// The number of chunks.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Always `false`: there is at least one chunk (some may hold no samples).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The number of samples over all chunks.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Chunk `index`, with its stream ready to draw. Costs one jump per set bit
    /// of `index` (see [`Streams::stream`]).
    ///
    /// # Panics
    /// If `index >= self.len()`.
    pub fn get(&self, index: usize) -> Chunk {
        assert!(
            index < self.count,
            "Chunks::get: chunk {index} out of {} chunks",
            self.count
        );
        let (start, len) = self.span(index);
        Chunk {
            index,
            start,
            len,
            rng: self.streams.stream(index as u64),
        }
    }

    /// The chunks in order, each with its stream: one jump per chunk.
    pub fn iter(&self) -> impl Iterator<Item = Chunk> + '_ {
        let mut rng = self.streams.stream(0);
        (0..self.count).map(move |index| {
            let (start, len) = self.span(index);
            let chunk = Chunk {
                index,
                start,
                len,
                rng: rng.clone(),
            };
            rng.jump();
            chunk
        })
    }

    /// Runs `work` on every chunk using `workers` scoped threads and returns the
    /// results in chunk order, whatever order the chunks ran in.
    ///
    /// Mirrors `multiprocessing.Pool(workers).map(work, chunks)`. Workers claim
    /// the next chunk from a shared atomic counter (one atomic add per chunk),
    /// so a fast worker takes more chunks than a slow one. With one worker, or
    /// one chunk, everything runs on the calling thread. No more threads start
    /// than there are chunks. A panic in `work` is propagated to the caller once
    /// every worker has stopped.
    ///
    /// # Panics
    /// If `workers` is zero, or if `work` panics.
    pub fn map<T, F>(&self, workers: usize, work: F) -> Vec<T>
    where
        T: Send,
        F: Fn(Chunk) -> T + Sync,
    {
        assert!(workers > 0, "Chunks::map: needs at least one worker");
        let workers = workers.min(self.count);
        // Each chunk is a task span when tracing is on (crate::trace).
        let work = |chunk: Chunk| {
            let _span = crate::trace::span(crate::trace::State::Task);
            work(chunk)
        };
        if workers == 1 {
            return self.iter().map(&work).collect();
        }
        let next = AtomicUsize::new(0);
        let per_worker: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            if index >= self.count {
                                break done;
                            }
                            done.push((index, work(self.get(index))));
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut results: Vec<Option<T>> = (0..self.count).map(|_| None).collect();
        for (index, result) in per_worker.into_iter().flatten() {
            results[index] = Some(result);
        }
        results
            .into_iter()
            .map(|r| r.expect("every chunk index is claimed exactly once"))
            .collect()
    }

    /// First sample and length of chunk `index`.
    fn span(&self, index: usize) -> (u64, u64) {
        let parts = self.count as u64;
        let i = index as u64;
        let base = self.total / parts;
        let extra = self.total % parts;
        (i * base + i.min(extra), base + u64::from(i < extra))
    }
}

/// Low 256 coefficients of the characteristic polynomial of the xoshiro256
/// state transition (the `x^256` term is implicit), as in `rand_xoshiro`.
const CHARPOLY: [u64; 4] = [
    0x9d11_6f2b_b0f0_f001,
    0x0280_002b_cefd_1a5e,
    0x04b4_edcf_2625_9f85,
    0x0003_c03c_3f3e_cb19,
];

/// `JUMPS[b]` is `x^(2^(128 + b)) mod CHARPOLY`: the polynomial that moves a
/// state `2^(128 + b)` steps. `JUMPS[0]` is Xoshiro256's `jump()` constant and
/// `JUMPS[64]` its `long_jump()` constant (checked by the tests). Computed at
/// compile time by repeated squaring, so it costs nothing at run time.
const JUMPS: [[u64; 4]; 128] = {
    let mut table = [[0; 4]; 128];
    let mut poly = [2, 0, 0, 0]; // x
    let mut n = 0;
    while n < 128 {
        poly = square_mod(poly);
        n += 1;
    }
    table[0] = poly;
    let mut b = 1;
    while b < 128 {
        table[b] = square_mod(table[b - 1]);
        b += 1;
    }
    table
};

/// `a² mod CHARPOLY` over GF(2): squaring spreads the bits to even positions,
/// then every coefficient at or above `x^256` is folded back down.
const fn square_mod(a: [u64; 4]) -> [u64; 4] {
    const fn spread(half: u64) -> u64 {
        let mut x = half & 0xffff_ffff;
        x = (x | x << 16) & 0x0000_ffff_0000_ffff;
        x = (x | x << 8) & 0x00ff_00ff_00ff_00ff;
        x = (x | x << 4) & 0x0f0f_0f0f_0f0f_0f0f;
        x = (x | x << 2) & 0x3333_3333_3333_3333;
        (x | x << 1) & 0x5555_5555_5555_5555
    }
    let mut wide = [0_u64; 8];
    let mut i = 0;
    while i < 4 {
        wide[2 * i] = spread(a[i]);
        wide[2 * i + 1] = spread(a[i] >> 32);
        i += 1;
    }
    let mut k = 511;
    while k >= 256 {
        if (wide[k / 64] >> (k % 64)) & 1 == 1 {
            // x^k = x^(k-256) * x^256 = x^(k-256) * CHARPOLY (mod the full polynomial)
            wide[k / 64] ^= 1 << (k % 64);
            let (words, bits) = ((k - 256) / 64, (k - 256) % 64);
            let mut j = 0;
            while j < 4 {
                wide[j + words] ^= CHARPOLY[j] << bits;
                if bits > 0 {
                    wide[j + words + 1] ^= CHARPOLY[j] >> (64 - bits);
                }
                j += 1;
            }
        }
        k -= 1;
    }
    [wide[0], wide[1], wide[2], wide[3]]
}

/// `rng` moved `n · 2^(128 + shift)` steps: one jump polynomial applied per set
/// bit of `n`, each costing 256 steps of the generator's linear engine.
fn jump_by(rng: &Xoshiro256PlusPlus, n: u64, shift: usize) -> Xoshiro256PlusPlus {
    let state = rng.state();
    let mut s: [u64; 4] = std::array::from_fn(|w| {
        u64::from_le_bytes(state[8 * w..8 * w + 8].try_into().expect("8 bytes"))
    });
    for bit in 0..64 {
        if (n >> bit) & 1 == 1 {
            s = apply_jump(s, &JUMPS[shift + bit]);
        }
    }
    let mut seed = [0_u8; 32];
    for (w, word) in s.iter().enumerate() {
        seed[8 * w..8 * w + 8].copy_from_slice(&word.to_le_bytes());
    }
    // A non-zero state never jumps to zero, so `from_seed` keeps it as is.
    Xoshiro256PlusPlus::from_seed(seed)
}

/// The state `s` multiplied by the jump polynomial `poly`: the same loop as
/// `Xoshiro256PlusPlus::jump`, for any polynomial.
fn apply_jump(mut s: [u64; 4], poly: &[u64; 4]) -> [u64; 4] {
    let mut acc = [0_u64; 4];
    for word in poly {
        for b in 0..64 {
            if (word >> b) & 1 == 1 {
                for w in 0..4 {
                    acc[w] ^= s[w];
                }
            }
            // One step of xoshiro256's linear engine (the output scrambler
            // does not touch the state).
            let t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = s[3].rotate_left(45);
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jump_table_starts_with_the_published_jump_constants() {
        // From xoshiro256plusplus.c by Blackman and Vigna.
        let jump = [
            0x180e_c6d3_3cfd_0aba,
            0xd5a6_1266_f0c9_392c,
            0xa958_2618_e03f_c9aa,
            0x39ab_dc45_29b1_661c,
        ];
        let long_jump = [
            0x76e1_5d3e_fefd_cbbf,
            0xc500_4e44_1c52_2fb3,
            0x7771_0069_854e_e241,
            0x3910_9bb0_2acb_e635,
        ];
        assert_eq!(JUMPS[0], jump);
        assert_eq!(JUMPS[64], long_jump);
    }
}
