//! Exercise `pi_chunks` (lesson-06).
//!
//! Estimate π so that the answer does not depend on how many threads ran: split
//! the points into a *fixed* number of chunks, let chunk `i` draw from stream `i`
//! of one `runtime::rng::Streams` family, and let any number of scoped threads
//! take the chunks. The worker count then decides who runs a chunk, never what
//! the chunk draws: 1, 2, 3 or 8 workers must give the very same hits.
//!
//! Check your work: `cargo xtask check lesson-06`. Stuck? `cargo xtask hint pi_chunks`.

/// Given: draws `samples` points from `rng` (one `u64` each) and counts those
/// inside the quarter circle.
#[allow(unused_imports)]
pub use lesson_06_monte_carlo::sample::count_hits;
/// Given: `Streams::new(seed).stream(i)` is the `i`-th independent generator.
#[allow(unused_imports)]
use runtime::rng::Streams;

/// Chunk `i` of `chunks` over `samples` points, as `(first sample, length)`.
/// The chunks cover `0..samples` in order, exactly once; the first
/// `samples % chunks` chunks hold one point more than the others (the split
/// `runtime::rng::Chunks` uses).
pub fn chunk_span(samples: u64, chunks: u64, i: u64) -> (u64, u64) {
    let _ = (samples, chunks, i);
    todo!("the first sample and the length of chunk i")
}

/// Runs `work(i)` for every chunk index `i` in `0..chunks` on `workers` threads
/// started with `std::thread::scope`, and returns the results in chunk order
/// (`result[i] == work(i)`), whichever thread ran each chunk. Works for any
/// `workers ≥ 1`, also more workers than chunks.
pub fn map_chunks<T: Send>(
    chunks: usize,
    workers: usize,
    work: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let _ = (chunks, workers, &work);
    todo!("run the chunks on scoped threads and return their results in chunk order")
}

/// The hits among `samples` points split into `chunks` chunks, chunk `i`
/// drawing its points (`count_hits`) from stream `i` of `Streams::new(seed)`,
/// run by `workers` threads with [`map_chunks`].
pub fn pi_hits(seed: u64, samples: u64, chunks: usize, workers: usize) -> u64 {
    let _ = (seed, samples, chunks, workers);
    todo!("count each chunk's hits from its own stream and add them up")
}
