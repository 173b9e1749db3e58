//! `batch-size`: many tiny tasks with the batch size swept. Each batch costs
//! one dispatch; with one task per batch that cost is paid per task, with big
//! batches it vanishes. `"auto"` measures batches and grows them, as joblib's
//! `batch_size="auto"` does.

use crate::keys::{BackendKey, BatchKey};
use crate::work::{SPIN, checksum, spin};
use lab::{Ctx, Report, Typed, Workers, at_least, between, round};
use runtime::parallel::{BatchSize, Parallel, delayed};

lab::params! {
    /// Tiny tasks, batch size swept: the overhead per task.
    pub struct Params {
        /// How many tasks.
        pub tasks: u64 = 1_000_000 => at_least(1),
        /// Rounds of integer mixing per task (a few ns each): keep it tiny.
        pub rounds_per_task: u32 = 16 => between(1, 1 << 30),
        /// Tasks per batch: "auto" or a number; sweep it.
        pub batch_size: BatchKey = BatchKey::default(),
        /// Where the tasks run: "rayon", "threads" or "processes".
        pub backend: BackendKey = BackendKey::default(),
        /// n_jobs: worker threads or processes.
        pub workers: Workers = Workers::All,
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "batch-size",
        "Tiny tasks with the batch size swept (1, 8, 64, \"auto\"): what one dispatch costs per task.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    // The same tasks in a plain loop on this thread: the work without any dispatch.
    let mut sequential = Vec::new();
    for point in points {
        let p = &point.params;
        let key = (p.tasks, p.rounds_per_task);
        if sequential.iter().any(|&(k, _)| k == key) {
            continue;
        }
        let rounds = p.rounds_per_task;
        let (_, t) = ctx.measure("sequential loop", || {
            (0..p.tasks)
                .map(|i| spin((i, rounds)))
                .fold(0_u64, u64::wrapping_add)
        });
        sequential.push((key, t.median_s));
    }

    let mut fixed_best: Option<f64> = None;
    let mut auto_time: Option<f64> = None;
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let parallel = Parallel::new()
            .n_jobs(workers as i64)
            .backend(p.backend.0)
            .batch_size(p.batch_size.0);
        let rounds = p.rounds_per_task;
        let label = format!("{} · batch_size = {}", p.backend, p.batch_size);
        let (results, timing) = ctx.measure(&label, || {
            parallel.run((0..p.tasks).map(|i| delayed(&SPIN)((i, rounds))))
        });
        let results = results?;
        let stats = parallel.last_run();
        let t_seq = sequential
            .iter()
            .find(|&&(k, _)| k == (p.tasks, p.rounds_per_task))
            .map_or(0.0, |&(_, t)| t);
        let n = p.tasks as f64;
        // Extra CPU time per task: all workers' time, less the work itself.
        let overhead = (timing.median_s * workers as f64 - t_seq) / n * 1e9;
        match p.batch_size.0 {
            BatchSize::Auto => auto_time = Some(timing.median_s),
            BatchSize::Fixed(_) => {
                fixed_best =
                    Some(fixed_best.map_or(timing.median_s, |b: f64| b.min(timing.median_s)))
            }
        }
        let row = point
            .row()
            .metric("checksum", checksum(&results))
            .measured("ns_per_task", round(timing.median_s / n * 1e9, 1))
            .measured("overhead_ns_per_task", round(overhead, 1));
        // A fixed batch size cuts the tasks the same way on every run; "auto"
        // sizes its batches from how long the last ones took.
        let row = match p.batch_size.0 {
            BatchSize::Fixed(_) => row
                .metric("batches", stats.batches as u64)
                .metric("largest_batch", stats.largest_batch as u64),
            BatchSize::Auto => row
                .measured("batches", stats.batches as u64)
                .measured("largest_batch", stats.largest_batch as u64),
        };
        report.push(row.timing(timing));
    }
    if let Some((_, t)) = sequential.first() {
        let n = points.first().map_or(1, |p| p.params.tasks) as f64;
        report.summary_measured("sequential_ns_per_task", round(t / n * 1e9, 1));
    }
    if let (Some(auto), Some(best)) = (auto_time, fixed_best) {
        report.summary_measured("auto_over_best_fixed", round(auto / best, 2));
    }
    report.note(
        "overhead_ns_per_task is the workers' total time less the plain loop's, per task: \
         it falls as batches grow, and \"auto\" finds a large batch by itself",
    );
    Ok(report)
}
