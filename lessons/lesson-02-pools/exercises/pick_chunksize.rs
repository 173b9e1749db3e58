//! Exercise `pick_chunksize` (lesson-02).
//!
//! A chunk is what a worker takes at a time, and each chunk costs a fixed
//! overhead: a queue entry for a thread pool, a message each way for a process
//! pool (`chunksize` measures it). Big chunks hide that cost; too big, and a
//! worker that finishes early has nothing left to take. Pick a chunksize from
//! the two costs, the way you would after running `chunksize` on your machine.
//!
//! Check your work: `cargo xtask check lesson-02`.
//! Stuck? `cargo xtask hint pick_chunksize`.

/// Python's default chunksize for `Pool.map` of `tasks` items on `workers`
/// workers: `tasks / (4 × workers)`, rounded up, and never less than 1, so
/// that every worker gets about four chunks.
pub fn python_default(tasks: usize, workers: usize) -> usize {
    let _ = (tasks, workers);
    todo!("ceil(tasks / (4 * workers)), at least 1")
}

/// The smallest chunksize whose fixed cost is at most `max_overhead` (a
/// fraction: 0.01 is 1%) of the work in the chunk, that is
/// `overhead_us_per_chunk <= max_overhead * chunksize * task_us`, but never
/// larger than [`python_default`] (so the workers keep about four chunks each
/// to balance) and never less than 1.
pub fn pick_chunksize(
    tasks: usize,
    workers: usize,
    task_us: f64,
    overhead_us_per_chunk: f64,
    max_overhead: f64,
) -> usize {
    let _ = (tasks, workers, task_us, overhead_us_per_chunk, max_overhead);
    todo!("the smallest chunksize that hides the overhead, capped by python_default")
}
