//! `backends`: one loop, `Parallel(n_jobs)(delayed(spin)(i) for i in ...)`, on
//! rayon, the thread pool and the process pool. The results are identical; the
//! timings show what each backend costs.

use crate::keys::{BackendKey, BatchKey};
use crate::work::{SPIN, checksum};
use lab::{Ctx, Report, Typed, Workers, at_least, between, round};
use runtime::parallel::{Parallel, delayed};

lab::params! {
    /// The same CPU-bound loop on each backend of `Parallel`.
    pub struct Params {
        /// How many tasks (calls of `spin`).
        pub tasks: u64 = 4_000 => at_least(1),
        /// Rounds of integer mixing per task (a few ns each): the size of one task.
        pub rounds_per_task: u32 = 25_000 => between(1, 1 << 30),
        /// Where the tasks run: "rayon", "threads" (lesson 02's thread pool) or "processes" (worker processes); sweep it.
        pub backend: BackendKey = BackendKey::default(),
        /// Tasks per batch: "auto" (measured, as joblib does) or a number.
        pub batch_size: BatchKey = BatchKey::default(),
        /// n_jobs: worker threads or processes; sweep it. With 1 the loop runs on the calling thread, as joblib does.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "backends",
        "One Parallel/delayed loop on rayon, the thread pool and the process pool: identical results, timings side by side.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let parallel = Parallel::new()
            .n_jobs(workers as i64)
            .backend(p.backend.0)
            .batch_size(p.batch_size.0);
        let rounds = p.rounds_per_task;
        let label = format!("{} · workers = {workers}", p.backend);
        let (results, timing) = ctx.measure(&label, || {
            parallel.run((0..p.tasks).map(|i| delayed(&SPIN)((i, rounds))))
        });
        let results = results?;
        let stats = parallel.last_run();
        report.push(
            point
                .row()
                .metric("checksum", checksum(&results))
                .measured("batches", stats.batches as u64)
                .measured(
                    "us_per_task",
                    round(timing.median_s * 1e6 / p.tasks as f64, 2),
                )
                .timing(timing),
        );
    }
    report.derive_speedups();
    report.note(
        "same checksum on every row: the backend changes where the loop runs, not what it computes; \
         processes pay to start workers and to serialize every argument and result",
    );
    Ok(report)
}
