//! What a future costs: `submit` + `result` per task on both executors, with
//! trivial tasks, the way the chapter uses `concurrent.futures`:
//! submit them all, then ask each for its result in order
//! (`[ex.submit(f, i) for i in ...]`, then `[f.result() for f in futures]`).
//! Also one task at a time (a full round trip each), and, for scale, the
//! thread pool's `apply_async` doing the same. It prints no Python figure:
//! lesson 03 (`cargo xtask run lesson-03`) measures the chapter's
//! `concurrent.futures` beside our executors in one run.
//!
//! `cargo run --release -p runtime --example futures_overhead [-- workers]`
//! (workers: 2 by default). Medians of 7 runs.

use std::time::{Duration, Instant};

use runtime::futures::{ProcessExecutor, ThreadExecutor};
use runtime::pool::ThreadPool;
use runtime::process::{Task, worker_guard};

fn add_one(x: u64) -> u64 {
    x + 1
}
static ADD_ONE: Task<u64, u64> = Task::new("futures_overhead::add_one", add_one);

/// Median over `runs` of the time per task of `f(n)`, in µs.
fn per_task(runs: usize, n: u64, mut f: impl FnMut(u64) -> u64) -> f64 {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let check = f(n);
            let elapsed = start.elapsed();
            assert_eq!(check, n * (n + 1) / 2, "every task ran once");
            elapsed
        })
        .collect();
    times.sort();
    times[runs / 2].as_secs_f64() * 1e6 / n as f64
}

fn main() {
    worker_guard(|tasks| {
        tasks.register(&ADD_ONE);
    });
    let workers: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2);
    const RUNS: usize = 7;
    println!("{workers} workers, trivial tasks (x + 1), median of {RUNS} runs\n");
    println!("{:<52} {:>12}", "what", "µs per task");

    let threads = ThreadExecutor::new(workers).expect("start worker threads");
    let batch = per_task(RUNS, 100_000, |n| {
        let futures: Vec<_> = (0..n).map(|x| threads.submit(move || add_one(x))).collect();
        futures.iter().map(|f| f.result().unwrap()).sum()
    });
    println!(
        "{:<52} {batch:>12.2}",
        "ThreadExecutor: submit all, then result each"
    );
    let one = per_task(RUNS, 10_000, |n| {
        (0..n)
            .map(|x| threads.submit(move || add_one(x)).result().unwrap())
            .sum()
    });
    println!(
        "{:<52} {one:>12.2}",
        "ThreadExecutor: submit, result, one at a time"
    );
    drop(threads);

    let pool = ThreadPool::new(workers).expect("start worker threads");
    let apply = per_task(RUNS, 100_000, |n| {
        let handles: Vec<_> = (0..n)
            .map(|x| pool.apply_async(move || add_one(x)))
            .collect();
        handles.into_iter().map(|h| h.get().unwrap()).sum()
    });
    println!(
        "{:<52} {apply:>12.2}",
        "ThreadPool (for scale): apply_async all, then get"
    );
    drop(pool);

    let processes = ProcessExecutor::new(workers).expect("start worker processes");
    let batch = per_task(RUNS, 100_000, |n| {
        let futures: Vec<_> = (0..n).map(|x| processes.submit(&ADD_ONE, x)).collect();
        futures.iter().map(|f| f.result().unwrap()).sum()
    });
    println!(
        "{:<52} {batch:>12.2}",
        "ProcessExecutor: submit all, then result each"
    );
    let one = per_task(RUNS, 2_000, |n| {
        (0..n)
            .map(|x| processes.submit(&ADD_ONE, x).result().unwrap())
            .sum()
    });
    println!(
        "{:<52} {one:>12.2}",
        "ProcessExecutor: submit, result, one at a time"
    );
    println!(
        "\nfor Python's concurrent.futures on this machine, run `cargo xtask run lesson-03`: \
         it measures the chapter's ThreadPoolExecutor and ProcessPoolExecutor in the same run"
    );
}
