//! `cpu-executors`: the same CPU-bound tasks, each holding the interpreter lock
//! while it computes ([`runtime::gil`]), submitted to a thread executor and to
//! a process executor. Threads of one process share one lock and take turns:
//! no speedup. Worker processes each have their own: they run at once.
//!
//! The `impl = "python"` rows run the same number of tasks on CPython's
//! `ThreadPoolExecutor` and `ProcessPoolExecutor` (`python/executors.py`):
//! the real GIL, and real worker processes.

use std::time::{Duration, Instant};

use lab::{Ctx, Report, Timing, Typed, Workers, at_least};
use runtime::futures::as_completed;

use crate::python::{EXECUTORS, Output, PyPoint};
use crate::work::ExecutorChoice;
use lab::python::{python_row, ratio, rust_row};

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
        /// Steps per task of the Python rows (one pure-Python LCG update each, 100–300 ns): fewer, so both take about as long.
        pub python_steps_per_task: u64 = 100_000 => at_least(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::python::with_script(
        lab::kind::<Params>(
            "cpu-executors",
            "Lock-bound CPU work on a thread executor and on a process executor: only processes escape the lock.",
            run,
        ),
        &EXECUTORS,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    // The rows are measured in turns — one run of every row, then the next
    // round — rather than row after row, so that a moment when the machine is
    // busy with something else slows every row a little instead of one row a
    // lot: the speedups compare rows, and this keeps the comparison fair.
    let rounds = ctx.plan.warmup + ctx.plan.repeats.max(1);
    // A traced run (--trace) runs each row once more, traced and untimed.
    let runs = u64::from(rounds + u32::from(ctx.traced()));
    let total: u64 = points.iter().map(|p| p.params.tasks).sum::<u64>() * runs;
    let bar = ctx.bar(total, "cpu-executors");
    // One run of a row: start the executor, submit every task, collect them
    // as they complete, shut it down.
    let run_once = |p: &Params| -> anyhow::Result<u64> {
        let workers = p.workers.get();
        bar.set_message(format!("{} × {workers}", p.executor.name()));
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
    };
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); points.len()];
    let mut sums: Vec<u64> = vec![0; points.len()];
    for round in 0..rounds {
        for (i, point) in points.iter().enumerate() {
            let start = Instant::now();
            let sum = run_once(&point.params)?;
            let elapsed = start.elapsed();
            if round >= ctx.plan.warmup {
                times[i].push(elapsed);
            }
            sums[i] = sum;
        }
    }
    let timings: Vec<Timing> = times.iter().map(|t| Timing::from_durations(t)).collect();
    for ((point, timing), &sum) in points.iter().zip(&timings).zip(&sums) {
        let p = &point.params;
        let label = format!("{} × {}", p.executor.name(), p.workers.get());
        if let Some(traced) = ctx.trace_timed(&label, *timing, || run_once(p)) {
            anyhow::ensure!(traced? == sum, "{label}: the traced run's checksum differs");
        }
    }
    bar.finish_and_clear();

    let mut report = Report::new();
    let mut checksums = std::collections::BTreeMap::new();
    for ((point, sum), timing) in points.iter().zip(sums).zip(timings) {
        let p = &point.params;
        // Every row of the same work must agree, whatever ran it.
        let first = *checksums.entry((p.tasks, p.steps_per_task)).or_insert(sum);
        anyhow::ensure!(
            sum == first,
            "{} × {}: the checksum differs from the first row's",
            p.executor.name(),
            p.workers
        );
        report.push(rust_row(
            point
                .row()
                .metric("tasks", p.tasks)
                .metric("checksum", sum)
                .measured(
                    "ns_per_step",
                    ns_per_step(&timing, p.tasks * p.steps_per_task),
                )
                .timing(timing),
        ));
    }
    python_rows(ctx, points, &mut report)?;
    report.note("threads share one interpreter lock and take turns; each worker process has its own, so processes scale");
    report.note("checksum is the same on every row: the same work, however it was shared out");
    Ok(report)
}

fn ns_per_step(timing: &Timing, steps: u64) -> f64 {
    lab::python::ratio(timing.median_s * 1e9, steps as f64)
}

/// The same tasks on CPython's executors: the rows `impl = "python"`.
fn python_rows(ctx: &Ctx, points: &[Typed<Params>], report: &mut Report) -> anyhow::Result<()> {
    let asked: Vec<PyPoint> = points
        .iter()
        .map(|p| PyPoint {
            executor: p.params.executor.name(),
            workers: p.params.workers.get(),
            tasks: p.params.tasks,
            steps_per_task: Some(p.params.python_steps_per_task),
        })
        .collect();
    let input = lab::python::Input::new(ctx, &asked).with("mode", "cpu");
    let Some((out, interpreter)) = lab::python::run_for::<Output>(ctx, report, &EXECUTORS, &input)?
    else {
        return Ok(());
    };
    lab::python::ensure_points(&EXECUTORS, out.points.len(), asked.len())?;
    let mut rows = Vec::new();
    for ((a, got), point) in asked.iter().zip(&out.points).zip(points) {
        let timing = lab::python::timing(&got.times_s)?;
        let per_step = ns_per_step(&timing, a.tasks * point.params.python_steps_per_task);
        let rust = report.rows.iter().find(|r| {
            r.params.get("executor").and_then(|v| v.as_str()) == Some(a.executor)
                && r.workers() == Some(a.workers as u64)
        });
        let mut row = point
            .row()
            .metric("tasks", a.tasks)
            .metric("checksum", got.checksum)
            .measured("ns_per_step", per_step);
        if let Some(rust) = rust.and_then(|r| r.number("ns_per_step")) {
            row = row.measured("vs_rust", ratio(per_step, rust));
        }
        rows.push(python_row(row, &interpreter).timing(timing));
    }
    report.rows.extend(rows);
    report.note("one step: Rust, 4 SplitMix64 rounds under the lock analogue; Python, one pure-Python LCG update under the real GIL (python_steps_per_task per task); each timed run starts and shuts down its executor in both; vs_rust = Python's ns_per_step / Rust's at the same point");
    Ok(())
}
