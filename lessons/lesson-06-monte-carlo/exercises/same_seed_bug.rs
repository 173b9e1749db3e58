//! Exercise `same_seed_bug` (lesson-06).
//!
//! `buggy_worker_rngs` below is the classic mistake: every worker builds its
//! generator from the same seed (one `default_rng(42)` copied into every task).
//! The workers then draw the very same points, and 8 workers do the work of one,
//! 8 times over. First make the bug visible by measuring how many draws are
//! copies, then fix it with one independent stream per worker.
//!
//! Check your work: `cargo xtask check lesson-06`. Stuck? `cargo xtask hint same_seed_bug`.

#[allow(unused_imports)]
use rand_xoshiro::rand_core::{Rng, SeedableRng};
#[allow(unused_imports)]
use runtime::rng::{Streams, Xoshiro256PlusPlus};

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

/// The fraction of all draws that repeat a value an earlier generator drew:
/// take the first `draws` values (`next_u64`) of each generator in turn, and
/// count those already drawn by a generator before it in `rngs`. Draw from
/// clones, so the caller's generators do not move. `buggy_worker_rngs(s, 4)`
/// gives 3/4: everything after the first worker is a copy.
pub fn repeated_fraction(rngs: &[Xoshiro256PlusPlus], draws: usize) -> f64 {
    let _ = (rngs, draws);
    todo!("draw from a clone of each generator and count the values seen before")
}

/// The fix: one generator per worker, worker `w` getting stream `w` of one
/// `Streams::new(seed)` family, so no two workers ever draw the same sequence.
pub fn independent_worker_rngs(seed: u64, workers: usize) -> Vec<Xoshiro256PlusPlus> {
    let _ = (seed, workers);
    todo!("one independent stream per worker")
}
