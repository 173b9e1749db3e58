//! Solution of exercise `pi_reduce` (lesson-08).

use lesson_06_monte_carlo::sample::count_hits;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use runtime::rng::Streams;
use std::ops::Range;

/// The chunks rank `rank` of `ranks` owns: a contiguous block, the blocks of all
/// ranks covering `0..chunks` once, their sizes differing by at most one.
pub fn my_chunks(chunks: u64, ranks: u64, rank: u64) -> Range<u64> {
    let base = chunks / ranks;
    let extra = chunks % ranks;
    let start = rank * base + rank.min(extra);
    start..start + base + u64::from(rank < extra)
}

/// Counts the hits of this rank's chunks of `samples` points split into
/// `chunks` chunks (chunk i draws from `Streams::new(seed)`'s stream i), and
/// reduces the counts into rank 0. Returns `Some(total hits)` on rank 0 and
/// `None` on every other rank.
pub fn pi_hits<C: Communicator>(world: &C, samples: u64, chunks: usize, seed: u64) -> Option<u64> {
    let split = Streams::new(seed).chunks(samples, chunks);
    let mine: u64 = my_chunks(chunks as u64, world.size() as u64, world.rank() as u64)
        .map(|i| {
            let mut chunk = split.get(i as usize);
            count_hits(&mut chunk.rng, chunk.len)
        })
        .sum();
    let root = world.process_at_rank(0);
    if world.rank() == 0 {
        let mut total = 0u64;
        root.reduce_into_root(&mine, &mut total, SystemOperation::sum());
        Some(total)
    } else {
        root.reduce_into(&mine, SystemOperation::sum());
        None
    }
}
