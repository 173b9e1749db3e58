//! `submit-overhead`: what a future costs. Trivial tasks (each returns its
//! argument) are all submitted to an executor, then collected with
//! `as_completed` and `result`, the way the chapter's progress loop does; the
//! time per task is what `submit` + `result` cost, since the task itself costs
//! nothing. A process executor pays for a trip through a pipe each way; a
//! thread executor only for a queue and a wake-up.
//!
//! The executor is started once per point, apart from the timed runs: its
//! start-up is in the summary. The `impl = "python"` rows do the same with
//! `ThreadPoolExecutor` and `ProcessPoolExecutor` (`python/executors.py`).

use std::time::Instant;

use lab::python::{python_row, ratio, rust_row};
use lab::{Ctx, Report, Timing, Typed, Workers, at_least};
use runtime::futures::as_completed;

use crate::python::{EXECUTORS, Output, PyPoint};
use crate::work::ExecutorChoice;

lab::params! {
    /// Trivial tasks through submit and as_completed: the cost of a future.
    pub struct Params {
        /// Tasks submitted in one run; each returns its argument.
        pub tasks: u64 = 20_000 => at_least(1),
        /// `"threads"` (ThreadPoolExecutor) or `"processes"` (ProcessPoolExecutor); sweep it.
        pub executor: ExecutorChoice = ExecutorChoice::Threads,
        /// Workers of the executor.
        pub workers: Workers = Workers::Count(2),
        /// Tasks in one run of the Python rows (a ProcessPoolExecutor future costs about a hundred µs).
        pub python_tasks: u64 = 2_000 => at_least(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::python::with_script(
        lab::kind::<Params>(
            "submit-overhead",
            "Trivial tasks submitted, then collected with as_completed: what submit + result cost per task on each executor.",
            run,
        ),
        &EXECUTORS,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let n = p.tasks;
        let expected = n * n.saturating_sub(1) / 2;
        let began = Instant::now();
        let (startup, (sum, timing)) = p.executor.with(workers, |executor| {
            // Every worker up: a first result from as many tasks as workers.
            let first: Vec<_> = (0..workers as u64)
                .map(|i| executor.lock_bound(i, 0))
                .collect();
            for future in first {
                future.into_result()?;
            }
            let startup = began.elapsed();
            let (sum, timing) = ctx.measure(p.executor.name(), || -> anyhow::Result<u64> {
                // A task of no steps: `lock_bound(i, 0)` returns i.
                let futures: Vec<_> = (0..n).map(|i| executor.lock_bound(i, 0)).collect();
                let mut sum = 0_u64;
                for future in as_completed(futures, None) {
                    sum = sum.wrapping_add(future?.into_result()?);
                }
                Ok(sum)
            });
            Ok((startup, (sum, timing)))
        })?;
        let sum = sum?;
        anyhow::ensure!(
            sum == expected,
            "{}: a task was lost or ran twice",
            p.executor.name()
        );
        report.summary_measured(
            &format!("startup_ms_{}", p.executor.name()),
            ratio(startup.as_secs_f64() * 1e3, 1.0),
        );
        report.push(rust_row(
            point
                .row()
                .param("workers", workers)
                .metric("tasks", n)
                .metric("checksum", sum)
                .measured("us_per_task", us_per_task(&timing, n))
                .timing(timing),
        ));
    }
    python_rows(ctx, points, &mut report)?;
    report.note("the task costs nothing, so us_per_task is the executor's own price: submit, a queue (and a pipe for processes), a worker, the result back");
    Ok(report)
}

fn us_per_task(timing: &Timing, tasks: u64) -> f64 {
    ratio(timing.median_s * 1e6, tasks as f64)
}

/// The same on `ThreadPoolExecutor` and `ProcessPoolExecutor`: rows `impl = "python"`.
fn python_rows(ctx: &Ctx, points: &[Typed<Params>], report: &mut Report) -> anyhow::Result<()> {
    let asked: Vec<PyPoint> = points
        .iter()
        .map(|p| PyPoint {
            executor: p.params.executor.name(),
            workers: p.params.workers.get(),
            tasks: p.params.python_tasks,
            steps_per_task: None,
        })
        .collect();
    let input = lab::python::Input::new(ctx, &asked).with("mode", "submit");
    let Some((out, interpreter)) = lab::python::run_for::<Output>(ctx, report, &EXECUTORS, &input)?
    else {
        return Ok(());
    };
    lab::python::ensure_points(&EXECUTORS, out.points.len(), asked.len())?;
    let mut rows = Vec::new();
    for ((a, got), point) in asked.iter().zip(&out.points).zip(points) {
        let timing = lab::python::timing(&got.times_s)?;
        let per_task = us_per_task(&timing, a.tasks);
        let rust = report.rows.iter().find(|r| {
            r.params.get("executor").and_then(|v| v.as_str()) == Some(a.executor)
                && r.workers() == Some(a.workers as u64)
        });
        let mut row = point
            .row()
            .param("workers", a.workers)
            .metric("tasks", a.tasks)
            .metric("checksum", got.checksum)
            .measured("us_per_task", per_task);
        if let Some(rust) = rust.and_then(|r| r.number("us_per_task")) {
            row = row.measured("vs_rust", ratio(per_task, rust));
        }
        if let Some(ms) = got.startup_ms {
            report.summary_measured(
                &format!("python_startup_ms_{}", a.executor),
                lab::significant(ms, 3),
            );
        }
        rows.push(python_row(row, &interpreter).timing(timing));
    }
    report.rows.extend(rows);
    report.note("one task in both: return the argument (Rust: a task of zero steps); submit them all, then as_completed and result; vs_rust = Python's us_per_task / Rust's on the same executor");
    report.note("startup_ms_*: creating the executor and a first result from every worker, apart from the timed runs");
    Ok(())
}
