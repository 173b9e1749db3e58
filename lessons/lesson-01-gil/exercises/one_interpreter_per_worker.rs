//! Exercise `one_interpreter_per_worker` (lesson-01).
//!
//! Threads that share one interpreter take turns on its lock, so CPU-bound
//! interpreted work gets no faster with more of them (`cpu-bound`). Give every
//! worker an interpreter of its own, each with its own lock, and nobody waits for
//! anybody: the workers' steps run at the same time, on as many cores as there
//! are. That is what `multiprocessing` does (each worker process has its own
//! interpreter) and what PEP 684's per-interpreter GIL does inside one process
//! (CPython 3.12, through the C API; from Python code since 3.14, with
//! `concurrent.interpreters`, PEP 734); the `interpreters` experiment measures it.
//!
//! Write `run_on_own_interpreters`: split the tasks over worker threads, build
//! one [`Interpreter`] per worker on that worker's thread, and run the worker's
//! tasks holding that interpreter's lock. Return the results and what each
//! interpreter's counters ([`Interpreter::stats`]) saw.
//!
//! Check your work: `cargo xtask check lesson-01`.
//! Stuck? `cargo xtask hint one_interpreter_per_worker`.
//!
//! [`Interpreter`]: runtime::gil::Interpreter
//! [`Interpreter::stats`]: runtime::gil::Interpreter::stats

use runtime::gil::{GilStats, Python};

/// Given: a CPU-bound interpreted task, `steps` steps from `seed`. Every step
/// needs the lock of the interpreter that `py` belongs to.
pub fn crunch(py: Python<'_>, seed: u64, steps: u64) -> u64 {
    let mut x = seed;
    for _ in 0..steps {
        x = py.step(|| {
            let z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9)
        });
    }
    x
}

/// What [`run_on_own_interpreters`] returns.
#[derive(Debug)]
pub struct Run {
    /// `task(py, t)` for every task `t` in `0..tasks`, in task order.
    pub results: Vec<u64>,
    /// Worker `w`'s interpreter's counters after its last task, in worker order
    /// (one entry per worker).
    pub stats: Vec<GilStats>,
}

/// Runs `task(py, t)` for `t` in `0..tasks` on `workers` threads. Worker `w` does
/// a contiguous share of the tasks (shares differ in length by at most one, in
/// order: worker 0 the first ones) on an
/// [`Interpreter`](runtime::gil::Interpreter) of its own.
///
/// # Panics
/// If `workers` is zero.
pub fn run_on_own_interpreters<F>(tasks: u64, workers: usize, task: &F) -> Run
where
    F: Fn(Python<'_>, u64) -> u64 + Sync,
{
    let _ = (tasks, workers, task);
    todo!("one thread per worker, each with Interpreter::new() and its share of the tasks")
}
