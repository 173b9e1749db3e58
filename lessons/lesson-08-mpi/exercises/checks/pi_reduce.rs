//! Tests of the `pi_reduce` exercise, run by `cargo xtask check lesson-08`.
//!
//! An MPI program is tested as one: this `harness = false` target starts itself
//! on 1, 2 and 4 ranks through mpirun (see `lesson_08_mpi::coursework`).

#[cfg_attr(not(feature = "solutions"), path = "../pi_reduce.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/pi_reduce.rs")]
mod exercise;

use exercise::{my_chunks, pi_hits};
use lesson_06_monte_carlo::sample::{Sampler, estimate_pi};
use lesson_08_mpi::coursework::{self, Check};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use runtime::rng::Streams;

fn blocks_cover_every_chunk_once_in_order() {
    for chunks in [1, 7, 16, 64] {
        for ranks in 1..=9 {
            let mut next = 0;
            for rank in 0..ranks {
                let mine = my_chunks(chunks, ranks, rank);
                assert_eq!(
                    mine.start,
                    next,
                    "{chunks} chunks on {ranks} ranks: rank {rank}'s block must start where rank {}'s ends ({next})",
                    rank.saturating_sub(1)
                );
                assert!(
                    mine.end - mine.start <= chunks / ranks + 1,
                    "{chunks} chunks on {ranks} ranks: rank {rank} gets {:?}, more than its share",
                    mine
                );
                next = mine.end;
            }
            assert_eq!(
                next, chunks,
                "{chunks} chunks on {ranks} ranks: the blocks must end at {chunks}"
            );
        }
    }
}

fn rank_0_gets_lesson_06_s_hits(world: &SimpleCommunicator) {
    let (samples, chunks, seed) = (1_000_003, 16, 7);
    let got = pi_hits(world, samples, chunks, seed);
    if world.rank() == 0 {
        let lesson_06 = estimate_pi(&Streams::new(seed), samples, chunks, 1, Sampler::U32Pair);
        assert_eq!(
            got,
            Some(lesson_06.hits),
            "rank 0 must return lesson 06's hits for seed {seed}, {samples} samples in {chunks} chunks"
        );
    } else {
        assert_eq!(
            got,
            None,
            "rank {} is not the root: it must return None",
            world.rank()
        );
    }
}

fn more_ranks_than_chunks_still_count_every_point(world: &SimpleCommunicator) {
    let got = pi_hits(world, 100_000, 3, 11);
    if world.rank() == 0 {
        let lesson_06 = estimate_pi(&Streams::new(11), 100_000, 3, 1, Sampler::U32Pair);
        assert_eq!(
            got,
            Some(lesson_06.hits),
            "3 chunks on {} ranks: some ranks own no chunk, and count 0",
            world.size()
        );
    }
}

fn main() {
    coursework::main(&[
        Check::Local(
            "blocks_cover_every_chunk_once_in_order",
            blocks_cover_every_chunk_once_in_order,
        ),
        Check::Ranks(
            "rank_0_gets_lesson_06_s_hits",
            &[1, 2, 4],
            rank_0_gets_lesson_06_s_hits,
        ),
        Check::Ranks(
            "more_ranks_than_chunks_still_count_every_point",
            &[4],
            more_ranks_than_chunks_still_count_every_point,
        ),
    ])
}
