//! Reference solution of `same_seed_bug` (lesson-06).

use rand_xoshiro::rand_core::{Rng, SeedableRng};
use runtime::rng::{Streams, Xoshiro256PlusPlus};
use std::collections::HashSet;

/// Given: the bug. Every worker builds its generator from the same seed.
pub fn buggy_worker_rngs(seed: u64, workers: usize) -> Vec<Xoshiro256PlusPlus> {
    (0..workers)
        .map(|_| Xoshiro256PlusPlus::seed_from_u64(seed))
        .collect()
}

/// Given: π from `samples` points, worker `w` drawing its share from `rngs[w]`
/// on its own scoped thread.
pub fn estimate_pi_with(rngs: Vec<Xoshiro256PlusPlus>, samples: u64) -> f64 {
    let workers = rngs.len() as u64;
    let hits: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = rngs
            .into_iter()
            .enumerate()
            .map(|(w, mut rng)| {
                let w = w as u64;
                let share = (w + 1) * samples / workers - w * samples / workers;
                scope.spawn(move || lesson_06_monte_carlo::sample::count_hits(&mut rng, share))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    4.0 * hits as f64 / samples as f64
}

/// The fraction of all draws that repeat a value an earlier generator drew.
pub fn repeated_fraction(rngs: &[Xoshiro256PlusPlus], draws: usize) -> f64 {
    let mut seen = HashSet::new();
    let mut repeated = 0;
    for rng in rngs {
        // Draw from copies, so the caller's generators do not move.
        let mut rng = rng.clone();
        let mine: Vec<u64> = (0..draws).map(|_| rng.next_u64()).collect();
        repeated += mine.iter().filter(|v| seen.contains(*v)).count();
        seen.extend(mine);
    }
    repeated as f64 / (rngs.len() * draws) as f64
}

/// The fix: worker `w` gets stream `w` of the family `Streams::new(seed)`.
pub fn independent_worker_rngs(seed: u64, workers: usize) -> Vec<Xoshiro256PlusPlus> {
    Streams::new(seed).spawn(workers)
}
