//! `backends`: one loop, `Parallel(n_jobs)(delayed(spin)(i) for i in ...)`, on
//! rayon, the thread pool and the process pool. The results are identical; the
//! timings show what each backend costs.
//!
//! The `impl = "python"` rows run the same loop with `joblib.Parallel` on its
//! `loky` (worker processes) and `threading` backends (`python/backends.py`),
//! the same number of tasks, each sized to take about as long as a Rust task.

use crate::keys::{BackendKey, BatchKey};
use crate::python::{BACKENDS, Output, PyPoint, joblib_backend};
use crate::work::{SPIN, checksum};
use lab::python::{python_row, ratio, rust_row};
use lab::{Ctx, Report, Typed, Workers, at_least, between, round};
use runtime::parallel::BatchSize;
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
        /// Rounds per task of the Python rows (a pure-Python round costs 100-400 Rust rounds): about the Rust task's time.
        pub python_rounds_per_task: u32 = 150 => between(1, 1 << 30),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::python::with_script(
        lab::kind::<Params>(
            "backends",
            "One Parallel/delayed loop on rayon, the thread pool and the process pool: identical results, timings side by side.",
            run,
        ),
        &BACKENDS,
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
        report.push(rust_row(
            point
                .row()
                .metric("checksum", checksum(&results))
                .measured("batches", stats.batches as u64)
                .measured(
                    "us_per_task",
                    round(timing.median_s * 1e6 / p.tasks as f64, 2),
                )
                .timing(timing),
        ));
    }
    python_rows(ctx, points, &mut report)?;
    report.derive_speedups();
    report.note(
        "same checksum on every row: the backend changes where the loop runs, not what it computes; \
         processes pay to start workers and to serialize every argument and result",
    );
    Ok(report)
}

/// The same loop on joblib's loky and threading backends: rows `impl = "python"`.
fn python_rows(ctx: &Ctx, points: &[Typed<Params>], report: &mut Report) -> anyhow::Result<()> {
    // One Python point per Rust point whose backend has a joblib counterpart.
    let mut asked: Vec<(PyPoint, &Typed<Params>)> = Vec::new();
    for point in points {
        let p = &point.params;
        let Some(backend) = joblib_backend(p.backend.0.name()) else {
            continue;
        };
        let batch_size = match p.batch_size.0 {
            BatchSize::Auto => lab::Value::from("auto"),
            BatchSize::Fixed(n) => n.into(),
        };
        asked.push((
            PyPoint {
                backend,
                workers: p.workers.get(),
                tasks: p.tasks,
                rounds_per_task: p.python_rounds_per_task,
                batch_size,
            },
            point,
        ));
    }
    if asked.is_empty() {
        return Ok(());
    }
    let just_points: Vec<PyPoint> = asked.iter().map(|(a, _)| a.clone()).collect();
    let input = lab::python::Input::new(ctx, &just_points);
    let Some((out, interpreter)) = lab::python::run_for::<Output>(ctx, report, &BACKENDS, &input)?
    else {
        return Ok(());
    };
    lab::python::ensure_points(&BACKENDS, out.points.len(), asked.len())?;
    let mut rows = Vec::new();
    for ((a, point), got) in asked.iter().zip(&out.points) {
        let timing = lab::python::timing(&got.times_s)?;
        let per_task = timing.median_s * 1e6 / a.tasks as f64;
        // The Rust row of the same point (its backend's counterpart).
        let rust = lab::python::rust_twin(report, &point.row());
        let mut row = point
            .row()
            .param("backend", a.backend)
            .metric("checksum", got.checksum)
            .measured("us_per_task", round(per_task, 2));
        if let Some(rust) = rust.and_then(|r| r.number("us_per_task")) {
            row = row.measured("vs_rust", ratio(per_task, rust));
        }
        rows.push(python_row(row, &interpreter).timing(timing));
    }
    report.rows.extend(rows);
    for (backend, ms) in &out.startup_ms {
        report.summary_measured(
            &format!("python_startup_ms_{backend}"),
            lab::significant(*ms, 3),
        );
    }
    report.summary("python_lambda_through_loky", out.lambda_through_loky);
    report.summary_measured("python_lambda_through_pool", out.lambda_through_pool);
    report.note("one task in both: spin(i), SplitMix64 rounds on i (Rust rounds_per_task of them, Python python_rounds_per_task, each task about as long); loky stands beside processes, threading beside threads; vs_rust = Python's us_per_task / Rust's at the same workers");
    report.note("a lambda crosses to loky's worker processes (loky pickles callables with cloudpickle); multiprocessing.Pool's pickle refuses it (python_lambda_through_pool)");
    Ok(())
}
