//! The tasks this lesson submits, and small helpers the kinds share.
//!
//! Everything a task computes depends only on its index and its parameters, so
//! sums and counts are the same on every run, with any executor and any number
//! of workers; only times and orders vary.

use std::time::Duration;

use runtime::futures::{Executor, ProcessExecutor, ThreadExecutor};
use runtime::gil::Python;
use runtime::process::{Registry, Task};
use serde::{Deserialize, Serialize};

/// The SplitMix64 finalizer: a well-mixed `u64` from any `u64`.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in `[0, 1)` fixed by `index`: the "luck" of one download.
fn unit_interval(index: u64) -> f64 {
    (mix(index) >> 11) as f64 / (1u64 << 53) as f64
}

/// How long download `index` waits on the "network": `latency_ms`, give or take
/// `jitter` (0.25 means ±25%), the same on every run.
pub fn download_latency(index: u64, latency_ms: f64, jitter: f64) -> Duration {
    let factor = 1.0 + jitter * (2.0 * unit_interval(index) - 1.0);
    Duration::from_secs_f64((latency_ms * factor).max(0.0) / 1e3)
}

/// The size of page `index` in bytes: 10 to 100 kB, the same on every run.
pub fn page_bytes(index: u64) -> u64 {
    10_000 + mix(index ^ 0xD0_D0) % 90_000
}

/// A simulated download: waits like a request on the network, then "returns
/// the page" (its size). Waiting needs no core, which is why threads help.
pub fn download(index: u64, latency: Duration) -> u64 {
    std::thread::sleep(latency);
    page_bytes(index)
}

/// `steps` "bytecodes" of interpreted work starting from `seed`, each one a few
/// rounds of arithmetic followed by the interpreter lock's check
/// ([`Python::step`]): CPU-bound code that must hold the lock to run.
pub fn interpreted(py: Python<'_>, seed: u64, steps: u64) -> u64 {
    let mut x = seed;
    for _ in 0..steps {
        x = py.step(|| mix(mix(mix(mix(x)))));
    }
    x
}

/// One CPU-bound task under this process's interpreter lock
/// ([`runtime::gil::with_gil`]): threads of one process take turns at it,
/// worker processes each have their own.
pub fn lock_bound((seed, steps): (u64, u64)) -> u64 {
    runtime::gil::with_gil(|py| interpreted(py, seed, steps))
}

/// [`lock_bound`] as a task a worker process can run by name.
pub static LOCK_BOUND: Task<(u64, u64), u64> = Task::new("lesson03::lock_bound", lock_bound);

/// Sleeps `ms` milliseconds and returns `index`: a task of known length.
pub fn sleep_then((index, ms): (u64, f64)) -> u64 {
    std::thread::sleep(Duration::from_secs_f64(ms.max(0.0) / 1e3));
    index
}

/// [`sleep_then`] as a task a worker process can run by name.
pub static SLEEP_THEN: Task<(u64, f64), u64> = Task::new("lesson03::sleep_then", sleep_then);

/// Registers the tasks this lesson sends to worker processes. The driver calls
/// it inside `runtime::process::worker_guard`, in the parent and in every worker.
pub fn register_tasks(tasks: &mut Registry) {
    tasks.register(&LOCK_BOUND).register(&SLEEP_THEN);
}

/// Which executor a point runs on (the config's `executor` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutorChoice {
    /// `ThreadExecutor`: Python's `ThreadPoolExecutor`.
    Threads,
    /// `ProcessExecutor`: Python's `ProcessPoolExecutor`.
    Processes,
}

impl ExecutorChoice {
    pub fn name(self) -> &'static str {
        match self {
            ExecutorChoice::Threads => "threads",
            ExecutorChoice::Processes => "processes",
        }
    }

    /// Starts an executor of this kind with `workers` workers and runs `body` on
    /// it, then shuts it down (waiting, as a Python `with` block does).
    pub fn with<T>(
        self,
        workers: usize,
        body: impl FnOnce(&dyn ExecutorRef) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        match self {
            ExecutorChoice::Threads => {
                let executor = ThreadExecutor::new(workers)?;
                body(&executor)
            }
            ExecutorChoice::Processes => {
                let executor = ProcessExecutor::new(workers)?;
                body(&executor)
            }
        }
    }
}

/// What the kinds need of either executor, as a trait object (the runtime's
/// [`Executor`] trait has generic methods, so it is not object-safe): submit
/// this lesson's tasks, and shut down.
pub trait ExecutorRef {
    fn lock_bound(&self, seed: u64, steps: u64) -> runtime::futures::TaskFuture<u64>;
    fn sleep_then(&self, index: u64, ms: f64) -> runtime::futures::TaskFuture<u64>;
    fn shutdown(&self, wait: bool, cancel_futures: bool);
}

impl<E: Executor> ExecutorRef for E {
    fn lock_bound(&self, seed: u64, steps: u64) -> runtime::futures::TaskFuture<u64> {
        self.submit_task(&LOCK_BOUND, (seed, steps))
    }
    fn sleep_then(&self, index: u64, ms: f64) -> runtime::futures::TaskFuture<u64> {
        self.submit_task(&SLEEP_THEN, (index, ms))
    }
    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        Executor::shutdown(self, wait, cancel_futures);
    }
}

/// When each task finishes if `workers` workers take tasks in submission order
/// as soon as they are free (what an executor's queue does), given each task's
/// duration: the model that the measured orders are compared with.
pub fn finish_times(durations: &[f64], workers: usize) -> Vec<f64> {
    let mut free_at = vec![0.0_f64; workers.max(1)];
    durations
        .iter()
        .map(|&d| {
            let (w, start) = free_at
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("at least one worker");
            free_at[w] = start + d;
            start + d
        })
        .collect()
}

/// Task indices sorted by finish time (ties by index): the completion order the
/// model predicts.
pub fn order_by(finish: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..finish.len()).collect();
    order.sort_by(|&a, &b| finish[a].total_cmp(&finish[b]).then(a.cmp(&b)));
    order
}

/// Indices as one string, `"3 0 2 1"`, for a summary line.
pub fn spaced(order: &[usize]) -> String {
    order
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A duration in milliseconds, to 0.1 ms.
pub fn ms(d: Duration) -> f64 {
    lab::round(d.as_secs_f64() * 1e3, 1)
}

/// The median of some measurements (0 for none).
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_runs_tasks_in_order_on_the_first_free_worker() {
        let finish = finish_times(&[30.0, 10.0, 10.0, 5.0], 2);
        assert_eq!(finish, [30.0, 10.0, 20.0, 25.0]);
        assert_eq!(order_by(&finish), [1, 2, 3, 0]);
        assert_eq!(finish_times(&[3.0, 1.0], 8), [3.0, 1.0]);
    }

    #[test]
    fn downloads_are_the_same_on_every_run_and_within_the_jitter() {
        for i in 0..100 {
            let d = download_latency(i, 20.0, 0.25).as_secs_f64() * 1e3;
            assert!((15.0..=25.0).contains(&d), "download {i}: {d} ms");
            assert_eq!(
                download_latency(i, 20.0, 0.25),
                download_latency(i, 20.0, 0.25)
            );
            assert!((10_000..100_000).contains(&page_bytes(i)));
        }
    }

    #[test]
    fn lock_bound_work_is_the_same_on_any_thread() {
        let here = lock_bound((7, 1_000));
        let there = std::thread::spawn(|| lock_bound((7, 1_000)))
            .join()
            .unwrap();
        assert_eq!(here, there);
    }
}
