//! Exercise `pi_reduce` (lesson-08).
//!
//! Lesson 06's π, on MPI ranks. Every rank runs `pi_hits` at the same time,
//! with the same arguments: split the chunks among the ranks, count the hits of
//! your own chunks, and add every rank's count at rank 0 with one `reduce`.
//! Rank 0 must end with lesson 06's hits for the same seed, samples and chunks,
//! whatever the number of ranks.
//!
//! Check your work: `cargo xtask check lesson-08` (it runs your code on 1, 2 and
//! 4 ranks). Stuck? `cargo xtask hint pi_reduce`.

#![allow(unused_imports)]

use lesson_06_monte_carlo::sample::count_hits;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use runtime::rng::Streams;
use std::ops::Range;

/// The chunks rank `rank` of `ranks` owns: a contiguous block, the blocks of all
/// ranks covering `0..chunks` once, their sizes differing by at most one.
pub fn my_chunks(chunks: u64, ranks: u64, rank: u64) -> Range<u64> {
    let _ = (chunks, ranks, rank);
    todo!("rank's block of chunk indices")
}

/// Counts the hits of this rank's chunks of `samples` points split into
/// `chunks` chunks (chunk i draws from `Streams::new(seed)`'s stream i), and
/// reduces the counts into rank 0. Returns `Some(total hits)` on rank 0 and
/// `None` on every other rank.
pub fn pi_hits<C: Communicator>(world: &C, samples: u64, chunks: usize, seed: u64) -> Option<u64> {
    let _ = (world, samples, chunks, seed);
    todo!("count your chunks' hits, then reduce the counts into rank 0")
}
