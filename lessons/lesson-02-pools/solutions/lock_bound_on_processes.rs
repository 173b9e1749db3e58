//! Exercise `lock_bound_on_processes` (lesson-02).
//!
//! `crunch` is lock-bound: every step runs under the interpreter lock of the
//! process it runs in (`runtime::gil::with_gil`). On a thread pool its threads
//! share this process's one lock and take turns, which `threads-vs-processes`
//! shows as a speedup of 1. Make it scale the way `multiprocessing` does: turn
//! it into a process task, register it so that every worker knows it, and run
//! the jobs on a `ProcessPool`, where each worker has a lock of its own.
//!
//! Check your work: `cargo xtask check lesson-02`.
//! Stuck? `cargo xtask hint lock_bound_on_processes`.

use runtime::process::{ProcessPool, Registry, Task, TaskError};

/// Given: `steps` interpreted steps from `seed`, each under this process's
/// interpreter lock.
pub fn crunch(seed: u64, steps: u64) -> u64 {
    runtime::gil::with_gil(|py| {
        let mut x = seed;
        for _ in 0..steps {
            x = py.step(|| x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
        x
    })
}

/// The task's function. A process task is a plain `fn` of one argument, so a
/// job `(seed, steps)` arrives as one tuple: call [`crunch`] with its fields.
pub fn crunch_task(job: (u64, u64)) -> u64 {
    let (seed, steps) = job;
    crunch(seed, steps)
}

/// Given: the task, a name and the function above. Only the name crosses to a
/// worker, which looks it up among the tasks it registered.
pub static CRUNCH: Task<(u64, u64), u64> = Task::new("lesson-02::exercise::crunch", crunch_task);

/// Registers every task that worker processes must know. The check's `main`
/// passes this to `runtime::process::worker_guard` first thing, as the
/// driver's `main` passes `lessons::register_tasks`: it runs in the parent and
/// again in every worker.
pub fn register(tasks: &mut Registry) {
    tasks.register(&CRUNCH);
}

/// Runs every job on the pool's worker processes and returns the results in
/// the order of `jobs`. Jobs are few and long: give each worker one job at a
/// time (`chunksize` 1), so that neither sits idle while the other has two.
pub fn crunch_all(pool: &ProcessPool, jobs: Vec<(u64, u64)>) -> Result<Vec<u64>, TaskError> {
    pool.map(&CRUNCH, jobs, 1)
}
