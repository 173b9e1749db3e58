//! Tests of the `ring_token` exercise, run by `cargo xtask check lesson-08`.
//!
//! An MPI program is tested as one: this `harness = false` target starts itself
//! on 1, 2 and 4 ranks through mpirun (see `lesson_08_mpi::coursework`); a send
//! that never meets its receive fails the check at the deadline.

#[cfg_attr(not(feature = "solutions"), path = "../ring_token.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/ring_token.rs")]
mod exercise;

use exercise::pass_the_token;
use lesson_08_mpi::coursework::{self, Check};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

fn the_token_comes_back_with_every_rank_s_addition(world: &SimpleCommunicator) {
    let got = pass_the_token(world, 1000);
    if world.rank() == 0 {
        let p = world.size() as u64;
        assert_eq!(
            got,
            1000 + p * (p - 1) / 2,
            "on {p} ranks the token must come back to rank 0 as 1000 + 1 + … + {}",
            p - 1
        );
    }
}

fn each_rank_sends_on_what_it_received_plus_its_rank(world: &SimpleCommunicator) {
    let r = world.rank() as u64;
    let got = pass_the_token(world, 7);
    if r > 0 {
        assert_eq!(
            got,
            7 + r * (r + 1) / 2,
            "rank {r} received 7 + 1 + … + {} and must send on (and return) that plus {r}",
            r - 1
        );
    }
}

fn two_laps_in_a_row_do_not_mix_up(world: &SimpleCommunicator) {
    let first = pass_the_token(world, 0);
    let second = pass_the_token(world, first);
    if world.rank() == 0 {
        let p = world.size() as u64;
        assert_eq!(
            second,
            p * (p - 1),
            "two laps on {p} ranks add every rank twice"
        );
    }
}

fn main() {
    coursework::main(&[
        Check::Ranks(
            "the_token_comes_back_with_every_rank_s_addition",
            &[1, 2, 4],
            the_token_comes_back_with_every_rank_s_addition,
        ),
        Check::Ranks(
            "each_rank_sends_on_what_it_received_plus_its_rank",
            &[4],
            each_rank_sends_on_what_it_received_plus_its_rank,
        ),
        Check::Ranks(
            "two_laps_in_a_row_do_not_mix_up",
            &[2, 4],
            two_laps_in_a_row_do_not_mix_up,
        ),
    ])
}
