//! What a process pool costs: start-up, per-task overhead, round trip, MB/s.
//!
//! ```text
//! cargo run --release -p runtime --example process_overhead [-- --quick] [--payload-mb N ...]
//! ```
//!
//! `--payload-mb N` (repeatable) measures only payloads of those sizes.
//!
//! ```text
//! ```
//!
//! Like every program that uses `runtime::process`, `main` calls the guard first:
//! the workers are this same executable, started again with a marker argument.

use std::hint::black_box;
use std::time::{Duration, Instant};

use runtime::process::{ProcessPool, Task, worker_guard};

fn noop(x: u64) -> u64 {
    x
}
fn sum(v: Vec<f64>) -> f64 {
    v.iter().sum()
}
fn echo(v: Vec<f64>) -> Vec<f64> {
    v
}
/// About `n` nanoseconds of arithmetic on this machine's cores.
fn spin(n: u64) -> f64 {
    (0..n).map(|i| (i as f64).sqrt()).sum()
}

static NOOP: Task<u64, u64> = Task::new("process_overhead::noop", noop);
static SUM: Task<Vec<f64>, f64> = Task::new("process_overhead::sum", sum);
static ECHO: Task<Vec<f64>, Vec<f64>> = Task::new("process_overhead::echo", echo);
static SPIN: Task<u64, f64> = Task::new("process_overhead::spin", spin);

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    worker_guard(|tasks| {
        tasks
            .register(&NOOP)
            .register(&SUM)
            .register(&ECHO)
            .register(&SPIN);
    });
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only_sizes: Vec<usize> = args
        .windows(2)
        .filter(|w| w[0] == "--payload-mb")
        .filter_map(|w| w[1].parse().ok())
        .collect();
    let workers = 2;
    let repeats = if quick { 3 } else { 5 };

    let pool = ProcessPool::new(workers)?;
    if only_sizes.is_empty() {
        overheads(&pool, workers, quick, repeats)?;
    }
    println!("\nlarge f64 payloads (MB = 10^6 bytes of f64s):");
    println!(
        "{:>8} {:>16} {:>16} {:>16} {:>18}",
        "MB", "in-process MB/s", "to worker MB/s", "echo MB/s", "encode+decode MB/s"
    );
    let sizes: Vec<usize> = match (only_sizes.is_empty(), quick) {
        (false, _) => only_sizes,
        (true, true) => vec![1, 10],
        (true, false) => vec![1, 10, 50],
    };
    for mb in sizes {
        let len = mb * 1_000_000 / 8;
        let data: Vec<f64> = (0..len).map(|i| i as f64 * 0.5).collect();
        let reps = if mb >= 50 { 3 } else { repeats };
        // In-process hand-off: one copy of the data.
        let copy = median(
            (0..reps)
                .map(|_| {
                    let t = Instant::now();
                    black_box(data.clone());
                    t.elapsed().as_secs_f64()
                })
                .collect(),
        );
        // Serialization alone, in this process.
        let codec = median(
            (0..reps)
                .map(|_| {
                    let t = Instant::now();
                    let bytes = postcard::to_allocvec(&data).expect("encode");
                    let back: Vec<f64> = postcard::from_bytes(&bytes).expect("decode");
                    black_box(back);
                    t.elapsed().as_secs_f64()
                })
                .collect(),
        );
        // To a worker and a small result back: the argument is serialized, crosses
        // the pipe, and is deserialized in the worker.
        let one_way = median(
            (0..reps)
                .map(|_| {
                    let arg = data.clone();
                    let t = Instant::now();
                    black_box(pool.apply(&SUM, arg).expect("sum"));
                    t.elapsed().as_secs_f64()
                })
                .collect(),
        );
        let echo = median(
            (0..reps)
                .map(|_| {
                    let arg = data.clone();
                    let t = Instant::now();
                    black_box(pool.apply(&ECHO, arg).expect("echo"));
                    t.elapsed().as_secs_f64()
                })
                .collect(),
        );
        let bytes = (len * 8) as f64;
        println!(
            "{mb:>8} {:>16.0} {:>16.0} {:>16.0} {:>18.0}",
            bytes / copy / 1e6,
            bytes / one_way / 1e6,
            2.0 * bytes / echo / 1e6,
            bytes / codec / 1e6
        );
    }
    let stats = pool.stats();
    println!(
        "\npool stats: {} tasks, {:.1} MB sent, {:.1} MB received, {} workers started",
        stats.tasks,
        stats.bytes_sent as f64 / 1e6,
        stats.bytes_received as f64 / 1e6,
        stats.workers_started
    );
    drop(pool);
    std::thread::sleep(Duration::from_millis(1));
    Ok(())
}

/// Start-up, per-task overhead for several chunksizes, and the round trip.
fn overheads(
    pool: &ProcessPool,
    workers: usize,
    quick: bool,
    repeats: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    // Start-up: spawn + exec + handshake of every worker.
    let starts: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            let pool = ProcessPool::new(workers).expect("start a pool");
            let s = t.elapsed().as_secs_f64();
            drop(pool);
            s
        })
        .collect();
    println!(
        "start a pool of {workers} workers: {:.2} ms (median of {repeats})",
        median(starts) * 1e3
    );

    // Warm up: fault in buffers, let the windows grow.
    pool.map(&NOOP, 0..20_000_u64, Some(1))?;

    let n: u64 = if quick { 50_000 } else { 200_000 };
    println!("\ntrivial tasks, {workers} workers, {n} tasks per map:");
    println!("{:>12} {:>12} {:>14}", "chunksize", "us/task", "bytes/task");
    for chunksize in [Some(1), Some(10), Some(100), None] {
        let before = pool.stats();
        let times: Vec<f64> = (0..repeats)
            .map(|_| {
                let t = Instant::now();
                let out = pool.map(&NOOP, 0..n, chunksize).expect("map");
                let s = t.elapsed().as_secs_f64();
                assert_eq!(out.len() as u64, n);
                s
            })
            .collect();
        let after = pool.stats();
        let bytes = (after.bytes_sent - before.bytes_sent + after.bytes_received
            - before.bytes_received) as f64
            / (repeats as f64 * n as f64);
        let label = chunksize.map_or("auto".to_owned(), |c| c.to_string());
        println!(
            "{label:>12} {:>12.3} {bytes:>14.1}",
            median(times) * 1e6 / n as f64
        );
    }

    let calls = if quick { 500 } else { 2_000 };
    let rtts: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            for i in 0..calls {
                black_box(pool.apply(&NOOP, i).expect("apply"));
            }
            t.elapsed().as_secs_f64() / calls as f64
        })
        .collect();
    println!(
        "\nround trip of one task (apply, one at a time): {:.1} us",
        median(rtts) * 1e6
    );

    // CPU-bound tasks: what the processes are for.
    let spins = vec![20_000_000_u64; 16];
    let one = ProcessPool::new(1)?;
    let t = Instant::now();
    let serial = one.map(&SPIN, spins.clone(), Some(1))?;
    let t1 = t.elapsed().as_secs_f64();
    drop(one);
    let t = Instant::now();
    let parallel = pool.map(&SPIN, spins, Some(1))?;
    let tn = t.elapsed().as_secs_f64();
    assert_eq!(serial, parallel);
    println!(
        "\n16 CPU-bound tasks of {:.0} ms: 1 worker {t1:.2} s, {workers} workers {tn:.2} s, speedup {:.2}",
        t1 * 1e3 / 16.0,
        t1 / tn
    );

    Ok(())
}
