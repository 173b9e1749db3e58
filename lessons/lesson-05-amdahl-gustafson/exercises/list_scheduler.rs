//! Exercise `list_scheduler` (lesson-05).
//!
//! The heart of `beyond-this-machine`: P workers take tasks from a queue, in
//! order, each task going to the worker that becomes free first. When does the
//! last task finish?
//!
//! Check your work: `cargo xtask check lesson-05`. Stuck? `cargo xtask hint list_scheduler`.

/// The time at which the last of `costs` finishes on `workers` workers that each
/// take the next task as soon as they are free (all start at time 0).
pub fn makespan(costs: &[u64], workers: usize) -> u64 {
    let _ = (costs, workers);
    todo!("simulate the workers with a min-heap of the times they become free")
}
