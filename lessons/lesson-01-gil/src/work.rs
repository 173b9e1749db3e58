//! The workloads every kind of this lesson runs, and the ways of running them:
//! under one interpreter lock, with no lock checks at all, or with one
//! interpreter per worker.
//!
//! A *task* is a chain of steps. Each step is one "bytecode" of interpreted work:
//! `rounds_per_step` rounds of the SplitMix64 mixer (about 3–4 ns each, pure
//! integer arithmetic that touches no memory), then the interpreter's
//! eval-breaker check ([`runtime::gil::Python::step`]). Every step depends on the
//! one before, so a task cannot be split; tasks are independent, so they can be
//! spread over workers. A task's result depends only on its index and its size,
//! and the checksum (the wrapping sum of every task's result) therefore proves
//! that every run, whatever its worker count, lock or interpreter, did the same
//! work.
//!
//! "Native" work ([`native`]) is the same arithmetic in a plain loop: what a C
//! extension such as NumPy runs once it has released the lock.
//!
//! What it costs, measured on the course's 2-core x86-64 machine: a step of the
//! default size is about 14 ns, and the lock check after it adds nothing
//! measurable (20 million steps ran in 284 ms with the checks and 284 ms without).
//! Starting the workers costs one scoped thread each (tens of µs).
//!
//! ```
//! use lesson_01_gil::work::{CpuWork, locked_interpreter, on_one_interpreter, without_interpreter};
//!
//! let work = CpuWork { tasks: 4, steps_per_task: 1_000, rounds_per_step: 4 };
//! let interp = locked_interpreter(5_000); // a 5 ms switch interval
//! let two_threads = on_one_interpreter(&interp, work.tasks, 2, |py, t| work.interpreted(py, t));
//! // Two threads under one lock did exactly the work of one thread with no lock.
//! assert_eq!(two_threads, without_interpreter(work, 1));
//! ```

use runtime::gil::{Config, GilStats, Interpreter, Python};
use runtime::parallel::{chunk, scoped_workers};
use std::time::Duration;

/// Mixer rounds in one step when a kind does not let you choose: about 15 ns of
/// arithmetic, standing for one simple CPython bytecode.
pub const DEFAULT_ROUNDS_PER_STEP: u32 = 4;

/// `rounds` rounds of the SplitMix64 mixer on `x`: a value that cannot be
/// computed faster than by doing the arithmetic.
#[inline]
pub fn mix(mut x: u64, rounds: u32) -> u64 {
    for _ in 0..rounds {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x = z ^ (z >> 31);
    }
    x
}

/// `units` steps' worth of arithmetic in a plain loop, with no interpreter: the
/// inner loop of a C extension, run between `Py_BEGIN_ALLOW_THREADS` and
/// `Py_END_ALLOW_THREADS`.
pub fn native(mut x: u64, units: u64) -> u64 {
    for _ in 0..units {
        x = mix(x, DEFAULT_ROUNDS_PER_STEP);
    }
    x
}

/// A CPU-bound interpreted program: `tasks` tasks of `steps_per_task` steps each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuWork {
    pub tasks: u64,
    pub steps_per_task: u64,
    pub rounds_per_step: u32,
}

impl CpuWork {
    /// Steps in the whole program.
    pub fn total_steps(&self) -> u64 {
        self.tasks.saturating_mul(self.steps_per_task)
    }

    /// Task `task`, interpreted: one [`Python::step`] per step, so the holder
    /// checks for a drop request between any two steps.
    pub fn interpreted(&self, py: Python<'_>, task: u64) -> u64 {
        interpreted_steps(py, task, self.steps_per_task, self.rounds_per_step)
    }

    /// Task `task` with no interpreter and no lock checks: the same arithmetic
    /// in a plain loop, the baseline that shows what the checks cost.
    pub fn without_checks(&self, task: u64) -> u64 {
        let mut x = task;
        for _ in 0..self.steps_per_task {
            x = mix(x, self.rounds_per_step);
        }
        x
    }
}

/// `steps` interpreted steps starting from `seed`.
pub fn interpreted_steps(py: Python<'_>, seed: u64, steps: u64, rounds_per_step: u32) -> u64 {
    let mut x = seed;
    for _ in 0..steps {
        x = py.step(|| mix(x, rounds_per_step));
    }
    x
}

/// The wrapping sum that makes results of any split comparable.
pub fn checksum(values: impl IntoIterator<Item = u64>) -> u64 {
    values.into_iter().fold(0, u64::wrapping_add)
}

/// Runs `task(py, index)` for every task on `workers` threads that all attach to
/// `interp`: the threads of one Python process. Tasks are split into contiguous
/// chunks, one per worker (`Pool.map` also cuts its input into contiguous
/// chunks, by default about four per worker); each worker holds the lock
/// (`with_gil`) for its whole chunk, except where a task releases it. Returns
/// the checksum of every task's result.
pub fn on_one_interpreter<F>(interp: &Interpreter, tasks: u64, workers: usize, task: F) -> u64
where
    F: Fn(Python<'_>, u64) -> u64 + Sync,
{
    let sums = scoped_workers(workers, |w| {
        interp.with_gil(|py| checksum(chunk(tasks, workers, w).map(|t| task(py, t))))
    });
    checksum(sums)
}

/// Runs the tasks on `workers` threads, each with an interpreter of its own built
/// from `config` (PEP 684's per-interpreter GIL, CPython 3.12's C API, usable from
/// Python since 3.14 through `concurrent.interpreters`; equally, the worker
/// processes of a `multiprocessing.Pool`). Returns the checksum and the
/// counters of every interpreter added up.
pub fn one_interpreter_each<F>(
    config: Config,
    tasks: u64,
    workers: usize,
    task: F,
) -> (u64, GilStats)
where
    F: Fn(Python<'_>, u64) -> u64 + Sync,
{
    let results = scoped_workers(workers, |w| {
        let interp = Interpreter::with_config(config);
        let sum = interp.with_gil(|py| checksum(chunk(tasks, workers, w).map(|t| task(py, t))));
        (sum, interp.stats())
    });
    let mut total = GilStats::default();
    for (_, s) in &results {
        total.acquisitions += s.acquisitions;
        total.switches += s.switches;
        total.drop_requests += s.drop_requests;
        total.forced_switches += s.forced_switches;
        total.wait_ns = total.wait_ns.saturating_add(s.wait_ns);
    }
    (checksum(results.into_iter().map(|(sum, _)| sum)), total)
}

/// Runs the tasks with no interpreter at all, split over `workers` threads.
pub fn without_interpreter(work: CpuWork, workers: usize) -> u64 {
    let sums = scoped_workers(workers, |w| {
        checksum(chunk(work.tasks, workers, w).map(|t| work.without_checks(t)))
    });
    checksum(sums)
}

/// An interpreter with the lock and the given switch interval.
pub fn locked_interpreter(switch_interval_us: u64) -> Interpreter {
    Interpreter::with_config(locked_config(switch_interval_us))
}

/// The [`Config`] of an interpreter with the lock and the given switch interval.
pub fn locked_config(switch_interval_us: u64) -> Config {
    Config {
        switch_interval: Duration::from_micros(switch_interval_us),
        ..Config::default()
    }
}

/// Nanoseconds as milliseconds, rounded to 0.01 ms for the table.
pub fn ms(ns: u64) -> f64 {
    lab::round(ns as f64 / 1e6, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `body` on its own thread and fails the test if it takes longer than a
    /// minute, so a lock that deadlocks fails instead of hanging the test run.
    fn within_a_minute(body: impl FnOnce() + Send + 'static) {
        let (done, finished) = std::sync::mpsc::channel();
        let worker = std::thread::spawn(move || {
            body();
            let _ = done.send(());
        });
        match finished.recv_timeout(Duration::from_secs(60)) {
            Ok(()) => worker.join().expect("the test body finished"),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                if let Err(panic) = worker.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!(
                    "the workload did not finish within a minute: the lock deadlocked or lost a wake-up"
                )
            }
        }
    }

    const WORK: CpuWork = CpuWork {
        tasks: 7,
        steps_per_task: 2_000,
        rounds_per_step: 3,
    };

    #[test]
    fn the_checksum_is_the_same_with_or_without_the_lock_and_for_any_worker_count() {
        within_a_minute(checksums_agree);
    }

    fn checksums_agree() {
        let reference = without_interpreter(WORK, 1);
        for workers in [1, 2, 3, 8] {
            let interp = locked_interpreter(100);
            let locked = on_one_interpreter(&interp, WORK.tasks, workers, |py, t| {
                WORK.interpreted(py, t)
            });
            assert_eq!(locked, reference, "one lock, workers = {workers}");
            let (separate, _) =
                one_interpreter_each(locked_config(100), WORK.tasks, workers, |py, t| {
                    WORK.interpreted(py, t)
                });
            assert_eq!(
                separate, reference,
                "an interpreter each, workers = {workers}"
            );
            assert_eq!(
                without_interpreter(WORK, workers),
                reference,
                "no lock, workers = {workers}"
            );
        }
    }

    #[test]
    fn native_work_is_the_same_arithmetic_as_interpreted_steps() {
        let interp = locked_interpreter(5_000);
        let stepped =
            interp.with_gil(|py| interpreted_steps(py, 42, 1_000, DEFAULT_ROUNDS_PER_STEP));
        assert_eq!(native(42, 1_000), stepped);
    }

    #[test]
    fn each_interpreter_counts_its_own_acquisitions() {
        within_a_minute(|| {
            let (_, stats) =
                one_interpreter_each(locked_config(5_000), 4, 4, |py, t| py.step(|| t));
            assert_eq!(
                stats.acquisitions, 4,
                "one with_gil per worker, each on its own lock"
            );
            assert_eq!(
                stats.forced_switches, 0,
                "nobody waits for a lock of its own"
            );
        });
    }
}
