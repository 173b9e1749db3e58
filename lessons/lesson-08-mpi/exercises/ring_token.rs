//! Exercise `ring_token` (lesson-08).
//!
//! Pass a token around a ring of ranks. Rank 0 sends `start` to rank 1; every
//! rank `r > 0` receives the token from rank `r − 1`, adds `r` to it, and sends
//! it on to rank `r + 1`, the last rank sending it back to rank 0. Every rank
//! returns the value of the token as it left (or, for rank 0, came back to) it.
//! With `P` ranks, rank 0 gets `start + 1 + 2 + … + (P − 1)` back.
//!
//! Check your work: `cargo xtask check lesson-08` (1, 2 and 4 ranks). Stuck?
//! `cargo xtask hint ring_token`.

#![allow(unused_imports)]

use mpi::traits::*;

/// One lap of the token around the ring of `world`'s ranks. Rank 0 returns the
/// token that came back to it; rank `r > 0` returns the token it sent on.
pub fn pass_the_token<C: Communicator>(world: &C, start: u64) -> u64 {
    let _ = (world, start);
    todo!("receive from the rank before you, add your rank, send to the rank after you")
}
