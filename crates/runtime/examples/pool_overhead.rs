//! Per-task overhead of `runtime::pool::ThreadPool` against rayon, in one run.
//!
//! ```text
//! cargo run --release -p runtime --example pool_overhead [-- WORKERS TASKS REPEATS]
//! ```
//!
//! Maps `|x| x + 1` over `TASKS` `u64`s (default 10⁶) on `WORKERS` threads
//! (default 2), `REPEATS` times (default 21), and prints the median wall time
//! per task. Each pair compares like with like: `chunksize = 1` (one task per
//! item) against rayon's `par_iter().with_max_len(1)` (one job per item), and
//! automatic chunking against plain `par_iter`. Both sides consume an owned
//! `Vec` built before the clock starts and collect an owned `Vec`, and the two
//! sides of a pair take turns, so both meet the allocator and the machine in
//! the same state. Then it prints what the pool's other entry points cost.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use runtime::pool::{Chunksize, ThreadPool};

type Run<'a> = Box<dyn FnMut(Vec<u64>) -> Vec<u64> + 'a>;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Times each of `runs` on fresh inputs, in turn, `repeats` times after one
/// warm-up round, and returns each one's median nanoseconds per task.
fn ns_per_task(tasks: u64, repeats: usize, runs: &mut [Run<'_>]) -> Vec<f64> {
    let mut samples = vec![Vec::with_capacity(repeats); runs.len()];
    for round in 0..=repeats {
        for (run, samples) in runs.iter_mut().zip(&mut samples) {
            let items: Vec<u64> = (0..tasks).collect();
            let start = Instant::now();
            let out = run(items);
            let elapsed = start.elapsed();
            assert_eq!(out.len() as u64, tasks);
            assert_eq!(out.last().copied(), Some(tasks));
            if round > 0 {
                samples.push(elapsed);
            }
        }
    }
    samples
        .into_iter()
        .map(|s| median(s).as_nanos() as f64 / tasks as f64)
        .collect()
}

/// Median over `repeats` runs of `run`, in nanoseconds per one of its `per` operations.
fn median_ns(repeats: usize, per: u64, mut run: impl FnMut()) -> f64 {
    run();
    let samples = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    median(samples).as_nanos() as f64 / per as f64
}

fn arg(position: usize, default: u64) -> u64 {
    match std::env::args().nth(position) {
        None => default,
        Some(text) => text.parse().unwrap_or_else(|_| {
            eprintln!("usage: pool_overhead [WORKERS TASKS REPEATS] (got {text:?})");
            std::process::exit(2)
        }),
    }
}

fn main() {
    let workers = arg(1, 2) as usize;
    let tasks = arg(2, 1_000_000);
    let repeats = arg(3, 21) as usize;
    let pool = ThreadPool::new(workers).expect("start worker threads");
    // Rayon's global pool, called from this thread as the pool is: both sides
    // then allocate their output on the calling thread, from the same
    // allocator arena. (Inside `install`, rayon would allocate on a worker
    // thread's arena instead, and the allocator's state, not the scheduling,
    // would decide which side pays for fresh pages.)
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build_global()
    {
        eprintln!("could not start rayon's pool: {e}");
        std::process::exit(1)
    }
    let map = |chunksize: Chunksize| -> Run<'_> {
        let pool = &pool;
        Box::new(move |items| match pool.map(|x| x + 1, items, chunksize) {
            Ok(out) => out,
            Err(e) => panic!("{e}"),
        })
    };
    let pairs: [(&str, Run<'_>, &str, Run<'_>); 2] = [
        (
            "rayon par_iter().with_max_len(1)",
            Box::new(|items: Vec<u64>| {
                items
                    .into_par_iter()
                    .with_max_len(1)
                    .map(|x| x + 1)
                    .collect()
            }),
            "pool.map(chunksize = 1)",
            map(Chunksize::Fixed(1)),
        ),
        (
            "rayon par_iter()",
            Box::new(|items: Vec<u64>| items.into_par_iter().map(|x| x + 1).collect()),
            "pool.map(chunksize = Auto)",
            map(Chunksize::Auto),
        ),
    ];
    println!("{tasks} tasks of `x + 1` on {workers} workers, median of {repeats} runs");
    println!("{:<44} {:>10} {:>8}", "", "ns/task", "ratio");
    for (base_name, base_run, ours_name, ours_run) in pairs {
        let mut runs = [base_run, ours_run];
        let ns = ns_per_task(tasks, repeats, &mut runs);
        let (base, ours) = (ns[0], ns[1]);
        println!("{base_name:<44} {base:>10.2} {:>8}", "1.00");
        println!("{ours_name:<44} {ours:>10.2} {:>8.2}", ours / base);
    }

    // The other ways in, for scale: each costs a queue entry per chunk or task.
    let few = (tasks / 10).max(1);
    let imap_ns = median_ns(repeats, few, || {
        let sum: u64 = pool
            .imap(|x: u64| x + 1, 0..few, 1)
            .map(|r| r.unwrap_or(0))
            .sum();
        assert!(sum > 0);
    });
    let execute_ns = median_ns(repeats, few, || {
        let (done, finished) = std::sync::mpsc::channel();
        for _ in 0..few {
            let done = done.clone();
            let _ = pool.execute(move || {
                let _ = done.send(());
            });
        }
        assert_eq!(finished.iter().take(few as usize).count() as u64, few);
    });
    let calls = 2_000;
    let map_call_ns = median_ns(repeats, calls, || {
        for _ in 0..calls {
            assert!(pool.map(|x: u64| x + 1, vec![1, 2], 1).is_ok());
        }
    });
    let apply_ns = median_ns(repeats, calls, || {
        for _ in 0..calls {
            assert_eq!(pool.apply_async(|| 1).get(), Ok(1));
        }
    });
    println!();
    println!(
        "{:<44} {:>10.2}",
        "pool.imap(chunksize = 1), ns per task", imap_ns
    );
    println!(
        "{:<44} {:>10.2}",
        "pool.execute + a channel send, ns per job", execute_ns
    );
    println!(
        "{:<44} {:>10.2}",
        "pool.map of 2 items, µs per call",
        map_call_ns / 1e3
    );
    println!(
        "{:<44} {:>10.2}",
        "apply_async(..).get() round trip, µs",
        apply_ns / 1e3
    );
}
