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
//! drawing from any Xoshiro256++ costs (about 1 ns per `f64`, see
//! "Measured" below). Creating stream `i` costs one polynomial jump, about
//! 3 µs whatever `i` is; [`Streams::spawn`] makes `n` streams with `n`
//! ordinary jumps of about 1 µs each. Both are nothing next to a chunk of work
//! that draws a million numbers.
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
//! cycle; they overlap only by chance, with probability around
//! `streams² · draws / 2^256`.
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
//! # Measured
//!
//! On the course machine (2 cores, release build, `cargo run --release -p runtime
//! --example rng_speed`): about 1 ns per `random::<f64>()` from one stream,
//! about 1 µs per `jump()`, about 3 µs per `stream(i)`.

use std::sync::atomic::{AtomicUsize, Ordering};

pub use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

/// A family of independent random streams derived from one seed.
///
/// Mirrors `numpy.random.SeedSequence`: build it from a seed, then take as
/// many child generators as the work needs. Cloning or building it again from
/// the same seed gives the very same streams. It holds one 32-byte generator
/// state; creating it costs one SplitMix64 seeding (a few nanoseconds), or one
/// polynomial jump (about 3 µs) for a [`child`](Streams::child) family.
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
    /// Mirrors `numpy.random.PCG64(seed).jumped(i)`. Costs one polynomial jump
    /// (about 3 µs) for any `i`, so asking for stream 10⁹ is as cheap as asking
    /// for stream 1. Equal to applying [`Xoshiro256PlusPlus::jump`] `i` times.
    pub fn stream(&self, i: u64) -> Xoshiro256PlusPlus {
        let mut rng = self.base.clone();
        if i > 0 {
            rng.jump_ce(i, 128);
        }
        rng
    }

    /// Streams `0..n` of this family, made by jumping from one to the next.
    ///
    /// Mirrors `numpy.random.SeedSequence(seed).spawn(n)`. Costs `n − 1`
    /// ordinary jumps (about 1 µs each) and one allocation of `32 · n` bytes.
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
    /// polynomial jump (about 3 µs).
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
        let mut base = self.base.clone();
        base.jump_ce(k + 1, 192);
        Streams {
            seed: self.seed,
            child: Some(k),
            base,
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
/// balances, and few enough that each chunk runs for at least a millisecond:
/// a chunk costs one polynomial jump (about 3 µs) to find its stream.
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

    /// Chunk `index`, with its stream ready to draw. Costs one polynomial jump.
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

    /// The chunks in order, each with its stream (made by sequential jumps).
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
