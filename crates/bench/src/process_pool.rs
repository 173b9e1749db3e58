//! `process-pool`: what a task costs when it crosses to another process.
//!
//! Three figures, each beside a baseline from the same run: the round trip of one
//! task at a time (against the thread pool's), the per-task cost of `map` with
//! `chunksize = 1` (against the thread pool's), and the MB/s at which a `Vec<f64>`
//! reaches a worker (against copying it in-process).

use lab::{Ctx, Report, Typed, Workers, at_least};
use runtime::pool::ThreadPool;
use runtime::process::{ProcessPool, Task};

lab::params! {
    /// Round trips, per-task cost and payload throughput of the process pool.
    pub struct Params {
        /// Tasks sent one at a time, each waiting for its result.
        pub round_trips: u64 = 2_000 => at_least(10),
        /// Trivial tasks through `map` with chunksize 1.
        pub map_tasks: u64 = 50_000 => at_least(100),
        /// Payload sizes in MB (f64 vectors), each sent to a worker.
        pub payload_mb: Vec<u64> = vec![1, 10, 50],
        /// Worker processes (and threads, for the baselines).
        pub workers: Workers = Workers::Count(2),
    }
}

fn bump(x: u64) -> u64 {
    x.wrapping_add(1)
}
fn len(v: Vec<f64>) -> u64 {
    v.len() as u64
}

static BUMP: Task<u64, u64> = Task::new("bench::bump", bump);
static LEN: Task<Vec<f64>, u64> = Task::new("bench::len", len);

pub fn register_tasks(tasks: &mut runtime::process::Registry) {
    tasks.register(&BUMP).register(&LEN);
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "process-pool",
        "The process pool's round trip, per-task cost and payload MB/s, against the thread pool and an in-process copy.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let procs = ProcessPool::new(workers)?;
        let threads = ThreadPool::new(workers)?;

        let n = p.round_trips;
        let (_, t_proc) = ctx.measure("process round trips", || -> anyhow::Result<()> {
            for i in 0..n {
                anyhow::ensure!(procs.apply(&BUMP, i)? == i + 1);
            }
            Ok(())
        });
        let (_, t_thread) = ctx.measure("thread round trips", || -> anyhow::Result<()> {
            for i in 0..n {
                anyhow::ensure!(threads.apply(move || bump(i))? == i + 1);
            }
            Ok(())
        });
        let (us, base) = (
            t_proc.median_s * 1e6 / n as f64,
            t_thread.median_s * 1e6 / n as f64,
        );
        report.push(
            point
                .row()
                .param("what", "round trip, one task at a time")
                .param("baseline", "thread pool apply")
                .measured("us_per_task", crate::round(us, 3))
                .measured("baseline_us_per_task", crate::round(base, 3))
                .measured("ratio_to_baseline", crate::ratio(us, base))
                .timing(t_proc),
        );

        let m = p.map_tasks;
        let expected: u64 = (0..m).map(bump).fold(0, u64::wrapping_add);
        let (sum, t_proc) = ctx.measure("process map, chunksize 1", || procs.map(&BUMP, 0..m, 1));
        anyhow::ensure!(sum?.into_iter().fold(0, u64::wrapping_add) == expected);
        let (sum, t_thread) = ctx.measure("thread map, chunksize 1", || threads.map(bump, 0..m, 1));
        anyhow::ensure!(sum?.into_iter().fold(0, u64::wrapping_add) == expected);
        let (us, base) = (
            t_proc.median_s * 1e6 / m as f64,
            t_thread.median_s * 1e6 / m as f64,
        );
        report.push(
            point
                .row()
                .param("what", "map, chunksize 1, per task")
                .param("baseline", "thread pool map")
                .measured("us_per_task", crate::round(us, 3))
                .measured("baseline_us_per_task", crate::round(base, 3))
                .measured("ratio_to_baseline", crate::ratio(us, base))
                .timing(t_proc),
        );

        for &mb in &p.payload_mb {
            let len_f64 = (mb * 1_000_000 / 8) as usize;
            let payload: Vec<f64> = (0..len_f64).map(|i| i as f64 * 0.5).collect();
            let bytes = (len_f64 * 8) as f64;
            let (got, t_proc) = ctx.measure(&format!("{mb} MB to a worker"), || {
                procs.apply(&LEN, payload.clone())
            });
            anyhow::ensure!(got? == len_f64 as u64);
            // The baseline is the copy the process pool's caller makes above (clone) and
            // nothing else: moving a Vec between threads costs no copy at all. The
            // copy is returned, so it is freed after the clock stops, not on it.
            let (_, t_copy) =
                ctx.measure(&format!("{mb} MB copied in-process"), || payload.clone());
            let mbps = bytes / 1e6 / t_proc.median_s;
            let copy_mbps = bytes / 1e6 / t_copy.median_s;
            report.push(
                point
                    .row()
                    .param("what", "payload to a worker")
                    .param("payload_mb", mb)
                    .param("baseline", "in-process copy")
                    .metric("bytes", bytes as u64)
                    .measured("mb_per_s", crate::round(mbps, 0))
                    .measured("baseline_mb_per_s", crate::round(copy_mbps, 0))
                    .measured("ratio_to_baseline", crate::ratio(mbps, copy_mbps))
                    .timing(t_proc),
            );
        }
    }
    report.note("a round trip pays four wake-ups across two processes; map keeps many tasks in flight per worker and batches them into few writes");
    Ok(report)
}
