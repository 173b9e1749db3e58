//! `threads-vs-processes`: lock-bound work on a thread pool and on a process
//! pool, over the worker count.
//!
//! Each task is pure interpreted number crunching: steps run under the
//! interpreter lock of the process they run in ([`runtime::gil::with_gil`],
//! lesson 01). The threads of a `ThreadPool` all live in this process, so they
//! share its one lock and take turns: the speedup stays near 1 however many
//! there are. Each worker of a `ProcessPool` is a process of its own, with its
//! own interpreter (`Interpreter::main()` is a different object in every
//! process) and its own lock, so nobody waits and the speedup climbs to the
//! core count. That is the whole reason `multiprocessing` exists.
//!
//! The task function is the same in both pools (`work::lock_bound`), and the
//! checksum of its results is the same in every row.

use std::time::Instant;

use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, at_least, between, round};
use runtime::gil::Interpreter;
use runtime::pool::ThreadPool;
use runtime::process::ProcessPool;

use crate::work::{LOCK_BOUND, Pool, checksum, lock_bound};

lab::params! {
    /// CPU-bound interpreted tasks, on threads of one process or on worker processes.
    pub struct Params {
        /// Independent tasks, handed out one per chunk.
        pub tasks: u64 = 8 => at_least(1),
        /// Interpreted steps per task, each under the interpreter lock.
        pub steps_per_task: u64 = 1_500_000 => at_least(1),
        /// Mixer rounds in one step (about 3.5 ns each): the size of a "bytecode".
        pub rounds_per_step: u64 = 4 => between(1, 1_000),
        /// "threads" (one process, one lock) or "processes" (a lock each); sweep both.
        pub pool: Pool = Pool::Threads,
        /// Worker threads or processes; sweep it.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "threads-vs-processes",
        "Lock-bound work (runtime::gil) on a thread pool and a process pool: threads share one interpreter lock and do not scale; processes each have their own and do.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let runs = u64::from(ctx.runs());
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let (steps, rounds) = (p.steps_per_task, p.rounds_per_step);
        let jobs: Vec<(u64, u64, u64)> = (0..p.tasks).map(|t| (t, steps, rounds)).collect();
        let label = format!("{}, workers = {workers}", p.pool.name());
        let started = Instant::now();
        let (sum, timing, interpreters, switches, start) = match p.pool {
            Pool::Threads => {
                let pool = ThreadPool::new(workers)?;
                let start = started.elapsed();
                let before = Interpreter::main().stats().forced_switches;
                let (sum, timing) = ctx.measure(&label, || {
                    pool.map(move |t| lock_bound(t, steps, rounds), 0..p.tasks, 1)
                });
                let switches = Interpreter::main().stats().forced_switches - before;
                (checksum(sum?), timing, 1, Some(switches / runs), start)
            }
            Pool::Processes => {
                let pool = ProcessPool::new(workers)?;
                let start = started.elapsed();
                let (sum, timing) = ctx.measure(&label, || pool.map(&LOCK_BOUND, jobs.clone(), 1));
                (checksum(sum?), timing, workers, None, start)
            }
        };
        let mut row = point
            .row()
            .param("pool", p.pool.name())
            .param("workers", workers)
            .metric("interpreters", interpreters as u64)
            .metric("checksum", sum)
            .measured("start_ms", round(start.as_secs_f64() * 1e3, 2));
        if let Some(switches) = switches {
            row = row.measured("forced_switches", switches);
        }
        report.push(row.timing(timing));
    }
    report.derive_speedups();

    let mut plot = Plot::new(
        "Lock-bound work: threads against processes",
        "workers P (count)",
        "speedup T1/TP (×)",
    )
    .scales(Scale::Log2, Scale::Linear);
    for pool in [Pool::Threads, Pool::Processes] {
        let pts: Vec<(f64, f64)> = report
            .rows
            .iter()
            .filter(|r| r.params.get("pool").and_then(|v| v.as_str()) == Some(pool.name()))
            .filter_map(|r| Some((r.workers()? as f64, r.speedup?)))
            .collect();
        if !pts.is_empty() {
            plot = plot.series(Series::new(pool.name(), Style::LinePoints, pts));
        }
    }
    report.plot(plot);
    report.note("threads share this process's one interpreter lock: they take turns (forced_switches) and the speedup stays near 1");
    report.note("each worker process has an interpreter and a lock of its own: the speedup climbs to the core count, and the checksum is the same");
    Ok(report)
}
