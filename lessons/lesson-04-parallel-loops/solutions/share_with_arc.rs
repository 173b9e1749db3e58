//! Exercise `share_with_arc` (lesson-04).
//!
//! Every task needs the same large array. Cloning it for each thread costs a
//! copy's time and memory per thread; an `Arc` shares one copy, and cloning the
//! `Arc` costs one atomic increment. Threads from `std::thread::spawn` (and the
//! workers of `Parallel`) may outlive the caller's stack, so they cannot borrow
//! the array: they must own a handle to it, and an `Arc` is that handle.
//!
//! Check your work: `cargo xtask check lesson-04`. Stuck? `cargo xtask hint share_with_arc`.

use std::sync::Arc;

use runtime::parallel::{Parallel, delayed};

/// The sum of part `part` of `parts` contiguous parts of `data` (given).
pub fn part_sum(data: &[f64], part: usize, parts: usize) -> f64 {
    let start = part * data.len() / parts;
    let end = (part + 1) * data.len() / parts;
    data[start..end].iter().sum()
}

/// Sums each of `parts` parts of `data` on its own thread, started with
/// `std::thread::spawn`, without copying `data`: put it in an `Arc`, give each
/// thread a clone of the `Arc`, and join the threads in part order. Returns the
/// sums in part order and the `Arc` (the tests check that it still points at
/// `data`'s buffer and that no thread kept a handle).
pub fn part_sums_threads(data: Vec<f64>, parts: usize) -> (Vec<f64>, Arc<Vec<f64>>) {
    let shared = Arc::new(data);
    let handles: Vec<_> = (0..parts)
        .map(|part| {
            let mine = Arc::clone(&shared);
            std::thread::spawn(move || part_sum(&mine, part, parts))
        })
        .collect();
    let sums = handles
        .into_iter()
        .map(|h| h.join().expect("a part sum panicked"))
        .collect();
    (sums, shared)
}

/// The same with `Parallel` on two workers: a `move` closure that owns a clone
/// of the `Arc`, turned into calls with `delayed`, one per part.
pub fn part_sums_parallel(data: &Arc<Vec<f64>>, parts: usize) -> Vec<f64> {
    let mine = Arc::clone(data);
    let task = move |part: usize| part_sum(&mine, part, parts);
    Parallel::new()
        .n_jobs(2)
        .run((0..parts).map(delayed(task)))
        .expect("no part sum panics")
}
