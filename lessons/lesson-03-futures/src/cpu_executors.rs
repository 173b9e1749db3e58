//! `cpu-executors`: the same CPU-bound tasks, each holding the interpreter lock
//! while it computes ([`runtime::gil`]), submitted to a thread executor and to
//! a process executor. Threads of one process share one lock and take turns:
//! no speedup. Worker processes each have their own: they run at once.

use lab::{Ctx, Report, Typed, Workers, at_least};
use runtime::futures::as_completed;

use crate::work::ExecutorChoice;

lab::params! {
    /// CPU-bound tasks under the interpreter lock, on threads or on processes.
    pub struct Params {
        /// Independent tasks.
        pub tasks: u64 = 16 => at_least(1),
        /// Interpreted steps per task, each about 15 ns of arithmetic plus the lock check.
        pub steps_per_task: u64 = 2_000_000 => at_least(1),
        /// `"threads"` (ThreadPoolExecutor) or `"processes"` (ProcessPoolExecutor); sweep it.
        pub executor: ExecutorChoice = ExecutorChoice::Threads,
        /// Workers of the executor; sweep it.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "cpu-executors",
        "Lock-bound CPU work on a thread executor and on a process executor: only processes escape the lock.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let passes = u64::from(ctx.plan.warmup + ctx.plan.repeats.max(1));
    let mut checksums = std::collections::BTreeMap::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let label = format!("{} × {workers}", p.executor.name());
        let bar = ctx.bar(p.tasks * passes, &label);
        let (sum, timing) = ctx.measure(&label, || {
            // Starting the executor is part of the cost, as in `with ProcessPoolExecutor() as ex:`.
            p.executor.with(workers, |executor| {
                let futures: Vec<_> = (0..p.tasks)
                    .map(|t| executor.lock_bound(t, p.steps_per_task))
                    .collect();
                let mut sum = 0_u64;
                for future in as_completed(futures, None) {
                    sum = sum.wrapping_add(future?.into_result()?);
                    bar.inc(1);
                }
                Ok(sum)
            })
        });
        bar.finish_and_clear();
        let sum = sum?;
        // Every row of the same work must agree, whatever ran it.
        let first = *checksums.entry((p.tasks, p.steps_per_task)).or_insert(sum);
        anyhow::ensure!(
            sum == first,
            "{label}: the checksum differs from the first row's"
        );
        report.push(
            point
                .row()
                .metric("tasks", p.tasks)
                .metric("checksum", sum)
                .timing(timing),
        );
    }
    report.note("threads share one interpreter lock and take turns; each worker process has its own, so processes scale");
    report.note("checksum is the same on every row: the same work, however it was shared out");
    Ok(report)
}
