//! `task-overhead`: the cost of one trivial task, for each way of running 10⁶ of
//! them on the same number of workers, as ns per task and as a ratio to rayon.
//!
//! The task is `x * 3 + 1` on a `u64`: a nanosecond of work, so what is measured
//! is the machinery around it. Every mode returns the same checksum.

use lab::{Ctx, Report, Typed, Workers, at_least};
use runtime::futures::ThreadExecutor;
use runtime::parallel::{Backend, Parallel, delayed};
use runtime::pool::ThreadPool;
use runtime::process::Task;
use std::sync::atomic::{AtomicU64, Ordering};

lab::params! {
    /// Trivial tasks through every runner.
    pub struct Params {
        /// Tasks per run (10⁵ to 10⁶ is the usual range).
        pub tasks: u64 = 1_000_000 => at_least(1000),
        /// Worker threads for every runner.
        pub workers: Workers = Workers::All,
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "task-overhead",
        "ns per trivial task: the runtime's pool, futures and Parallel against rayon and std::thread::scope.",
        run,
    )
}

fn task(x: u64) -> u64 {
    x.wrapping_mul(3).wrapping_add(1)
}

fn checksum(v: &[u64]) -> u64 {
    v.iter().fold(0, |a, &b| a.wrapping_add(b))
}

/// (mode, its baseline mode)
const MODES: &[(&str, &str)] = &[
    ("std-thread-scope", "std-thread-scope"),
    ("rayon-par-iter", "std-thread-scope"),
    ("rayon-par-iter-max-len-1", "rayon-par-iter"),
    ("rayon-scope-spawn", "rayon-par-iter-max-len-1"),
    ("pool-map-auto", "rayon-par-iter"),
    ("pool-map-chunksize-1", "rayon-par-iter-max-len-1"),
    ("pool-execute", "rayon-scope-spawn"),
    ("futures-submit-result", "rayon-scope-spawn"),
    ("parallel-rayon", "rayon-par-iter"),
    ("parallel-threads", "rayon-par-iter"),
    ("parallel-processes", "rayon-par-iter"),
];

/// The trivial task, registered for the process backend of `Parallel`.
static TASK: Task<u64, u64> = Task::new("bench::task", task);

pub fn register_tasks(tasks: &mut runtime::process::Registry) {
    tasks.register(&TASK);
}

/// Times `run` like `Ctx::measure` (warm-up, then timed repeats), giving each run
/// a fresh `Vec` of the inputs `0..n` made before its clock starts.
fn timed<T>(
    ctx: &Ctx,
    label: &str,
    n: u64,
    mut run: impl FnMut(Vec<u64>) -> T,
) -> (T, lab::Timing) {
    ctx.status(label);
    for _ in 0..ctx.plan.warmup {
        std::hint::black_box(run((0..n).collect()));
    }
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..ctx.plan.repeats.max(1) {
        let items: Vec<u64> = (0..n).collect();
        let start = std::time::Instant::now();
        let value = std::hint::black_box(run(items));
        times.push(start.elapsed());
        last = Some(value);
    }
    (
        last.expect("one timed run"),
        lab::Timing::from_durations(&times),
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    use rayon::prelude::*;
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let n = p.tasks;
        let expected = (0..n).map(task).fold(0, u64::wrapping_add);
        let rayon_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()?;
        let pool = ThreadPool::new(workers)?;
        let executor = ThreadExecutor::new(workers)?;
        let parallel = |backend| Parallel::new().n_jobs(workers as i64).backend(backend);
        let (par_rayon, par_threads, par_procs) = (
            parallel(Backend::Rayon),
            parallel(Backend::ThreadPool),
            parallel(Backend::ProcessPool),
        );
        let mut ns = Vec::new();
        for &(mode, _) in MODES {
            let label = format!("{mode}, {workers} workers");
            // Every run gets the same owned input, made before the clock starts: the
            // pool and Parallel take their items by value, rayon and std borrow or
            // consume them, and none pays for building them.
            let (sum, t) = timed(ctx, &label, n, |items| -> anyhow::Result<u64> {
                Ok(match mode {
                    "std-thread-scope" => runtime::parallel::scoped_workers(workers, |w| {
                        let r = runtime::parallel::chunk(n, workers, w);
                        items[r.start as usize..r.end as usize]
                            .iter()
                            .map(|&x| task(x))
                            .collect::<Vec<_>>()
                            .iter()
                            .fold(0u64, |a, &b| a.wrapping_add(b))
                    })
                    .into_iter()
                    .fold(0, u64::wrapping_add),
                    "rayon-par-iter" => rayon_pool
                        .install(|| checksum(&items.into_par_iter().map(task).collect::<Vec<_>>())),
                    "rayon-par-iter-max-len-1" => rayon_pool.install(|| {
                        checksum(
                            &items
                                .into_par_iter()
                                .with_max_len(1)
                                .map(task)
                                .collect::<Vec<_>>(),
                        )
                    }),
                    "rayon-scope-spawn" => {
                        let sum = AtomicU64::new(0);
                        rayon_pool.scope(|s| {
                            for x in items {
                                let sum = &sum;
                                s.spawn(move |_| {
                                    sum.fetch_add(task(x), Ordering::Relaxed);
                                });
                            }
                        });
                        sum.into_inner()
                    }
                    "pool-map-auto" => checksum(&pool.map(task, items, None)?),
                    "pool-map-chunksize-1" => checksum(&pool.map(task, items, 1)?),
                    "pool-execute" => {
                        let sum = std::sync::Arc::new(AtomicU64::new(0));
                        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
                        for x in items {
                            let sum = sum.clone();
                            let done_tx = done_tx.clone();
                            pool.execute(move || {
                                sum.fetch_add(task(x), Ordering::Relaxed);
                                drop(done_tx);
                            })?;
                        }
                        drop(done_tx);
                        // Every job holds a sender: the channel closes when the last one ran.
                        let _ = done_rx.recv();
                        sum.load(Ordering::Relaxed)
                    }
                    "futures-submit-result" => {
                        let futures: Vec<_> = items
                            .into_iter()
                            .map(|x| executor.submit(move || task(x)))
                            .collect();
                        let mut sum = 0u64;
                        for f in futures {
                            sum = sum.wrapping_add(f.result()?);
                        }
                        sum
                    }
                    "parallel-rayon" => {
                        checksum(&par_rayon.run(items.into_iter().map(delayed(task)))?)
                    }
                    "parallel-threads" => {
                        checksum(&par_threads.run(items.into_iter().map(delayed(task)))?)
                    }
                    "parallel-processes" => {
                        checksum(&par_procs.run(items.into_iter().map(delayed(&TASK)))?)
                    }
                    other => anyhow::bail!("unknown mode {other}"),
                })
            });
            anyhow::ensure!(sum? == expected, "{mode} computed a different checksum");
            ns.push(t.median_s * 1e9 / n as f64);
            report.push(
                point
                    .row()
                    .param("mode", mode)
                    .param("workers", workers)
                    .metric("checksum", expected)
                    .timing(t),
            );
        }
        let first = report.rows.len() - MODES.len();
        for (i, &(_, baseline)) in MODES.iter().enumerate() {
            let base = MODES
                .iter()
                .position(|(m, _)| *m == baseline)
                .expect("baseline is a mode");
            let row = std::mem::take(&mut report.rows[first + i]);
            report.rows[first + i] = row
                .param("baseline", baseline)
                .measured("ns_per_task", crate::round(ns[i], 2))
                .measured("ratio_to_baseline", crate::ratio(ns[i], ns[base]));
        }
    }
    report.note("ratio_to_baseline: this mode's cost per task over its baseline's, both measured in this run");
    Ok(report)
}
