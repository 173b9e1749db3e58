//! Solution of exercise `ring_token` (lesson-08).

use mpi::traits::*;

/// One lap of the token around the ring of `world`'s ranks. Rank 0 returns the
/// token that came back to it; rank `r > 0` returns the token it sent on.
pub fn pass_the_token<C: Communicator>(world: &C, start: u64) -> u64 {
    let (rank, size) = (world.rank(), world.size());
    if size == 1 {
        // A ring of one: nothing to send (a blocking send to yourself could wait forever).
        return start;
    }
    let next = world.process_at_rank((rank + 1) % size);
    let previous = world.process_at_rank((rank + size - 1) % size);
    if rank == 0 {
        next.send(&start);
        let (token, _status) = previous.receive::<u64>();
        token
    } else {
        let (token, _status) = previous.receive::<u64>();
        let token = token + rank as u64;
        next.send(&token);
        token
    }
}
