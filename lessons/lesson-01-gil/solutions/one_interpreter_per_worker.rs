//! Reference solution of `one_interpreter_per_worker` (lesson-01).

use runtime::gil::{GilStats, Interpreter, Python};
use runtime::parallel::{chunk, scoped_workers};

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
/// order: worker 0 the first ones) on an [`Interpreter`] of its own.
///
/// # Panics
/// If `workers` is zero.
pub fn run_on_own_interpreters<F>(tasks: u64, workers: usize, task: &F) -> Run
where
    F: Fn(Python<'_>, u64) -> u64 + Sync,
{
    let per_worker = scoped_workers(workers, |w| {
        // Built on the worker's own thread: nobody else ever attaches to it.
        let interp = Interpreter::new();
        let results: Vec<u64> =
            interp.with_gil(|py| chunk(tasks, workers, w).map(|t| task(py, t)).collect());
        (results, interp.stats())
    });
    let (results, stats): (Vec<Vec<u64>>, Vec<GilStats>) = per_worker.into_iter().unzip();
    Run {
        results: results.into_iter().flatten().collect(),
        stats,
    }
}
