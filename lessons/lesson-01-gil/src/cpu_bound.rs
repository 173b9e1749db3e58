//! `cpu-bound`: CPU-bound interpreted tasks on `workers` threads that share one
//! interpreter lock. The work is fixed, the threads take turns, and the time does
//! not fall: no speedup. The lock's counters show the turns being taken.
//!
//! One extra row, `lock = "none"`, runs the same arithmetic on one thread with
//! no interpreter and no lock checks at all; `single_thread_vs_no_checks` is the
//! one-worker time under the lock divided by that time: what the check at every
//! step costs when nobody else wants the lock.
//!
//! The `impl = "python"` rows run the same tasks on real CPython threads
//! (`python/threads.py`, see [`crate::python`]): the GIL the analogue models,
//! measured in the same run.

use crate::python::{PyPoint, Rows, compare_speedups, ns_per_step};
use crate::work::{CpuWork, checksum, locked_interpreter, ms, on_one_interpreter};
use lab::python::{ratio, rust_row};
use lab::{Ctx, Report, Row, Typed, Workers, at_least, between, round};

lab::params! {
    /// CPU-bound interpreted tasks on threads of one interpreter.
    pub struct Params {
        /// Independent tasks, split into contiguous chunks across the workers.
        pub tasks: u64 = 8 => at_least(1),
        /// Interpreted steps ("bytecodes") per task; each depends on the one before.
        pub steps_per_task: u64 = 2_500_000 => at_least(1),
        /// SplitMix64 rounds in one step (about 3.5 ns each): the size of a "bytecode".
        pub rounds_per_step: u32 = crate::work::DEFAULT_ROUNDS_PER_STEP => between(1, 1_000),
        /// How long a waiting thread waits before it asks the holder to drop the lock, in µs (`sys.setswitchinterval`; CPython's default is 5000).
        pub switch_interval_us: u64 = 5_000 => between(1, 10_000_000),
        /// Threads running the tasks, all attached to one interpreter; sweep it.
        pub workers: Workers = Workers::Count(1),
        /// Steps per task of the Python rows (one pure-Python LCG update each, 100–300 ns): fewer than the Rust rows', so both take about as long.
        pub python_steps_per_task: u64 = 250_000 => at_least(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::python::with_script(
            lab::kind::<Params>(
                "cpu-bound",
                "CPU-bound interpreted tasks on threads sharing one interpreter lock: the threads take turns, so no speedup.",
                run,
            ),
            &crate::python::THREADS,
        ),
        &["lock"],
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let mut locked_one = None;
    let mut unlocked_one = None;
    let mut rust_times = Vec::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let work = CpuWork {
            tasks: p.tasks,
            steps_per_task: p.steps_per_task,
            rounds_per_step: p.rounds_per_step,
        };
        let ((sum, stats), timing) = ctx.measure(&format!("gil, workers = {workers}"), || {
            // A fresh interpreter per run, so its counters describe this run only.
            let interp = locked_interpreter(p.switch_interval_us);
            let sum = on_one_interpreter(&interp, work.tasks, workers, |py, t| {
                work.interpreted(py, t)
            });
            (sum, interp.stats())
        });
        rust_times.push((workers, timing.median_s));
        report.push(rust_row(
            point
                .row()
                .param("lock", "gil")
                .metric("steps", work.total_steps())
                .metric("checksum", sum)
                .measured("ns_per_step", ns_per_step(&timing, work.total_steps()))
                .measured("acquisitions", stats.acquisitions)
                .measured("switches", stats.switches)
                .measured("forced_switches", stats.forced_switches)
                .measured("wait_ms", ms(stats.wait_ns))
                .timing(timing),
        ));

        if workers == 1 && unlocked_one.is_none() {
            locked_one = Some(timing.median_s);
            // The same work on this thread with no interpreter: no `with_gil`,
            // no check after each step.
            let (sum, timing) = ctx.measure("no lock checks, workers = 1", || {
                checksum((0..work.tasks).map(|t| work.without_checks(t)))
            });
            unlocked_one = Some(timing.median_s);
            report.push(rust_row(
                Row::new()
                    .param("workers", 1)
                    .param("lock", "none")
                    .metric("steps", work.total_steps())
                    .metric("checksum", sum)
                    .measured("ns_per_step", ns_per_step(&timing, work.total_steps()))
                    .timing(timing),
            ));
        }
    }
    if let (Some(locked), Some(unlocked)) = (locked_one, unlocked_one) {
        report.summary_measured("single_thread_vs_no_checks", round(locked / unlocked, 3));
    }
    python_rows(ctx, points, &mut report, &rust_times)?;
    report.note("the time stays flat as workers grow: one lock, so one thread runs steps at a time, whatever the cores");
    report.note("forced_switches ≈ run time / switch interval; wait_ms is the time threads spent queued for the lock");
    report.note("single_thread_vs_no_checks = one worker under the lock / the same steps with no checks (1.0 = free)");
    Ok(report)
}

/// The same tasks on CPython's threads: the rows `impl = "python"`.
fn python_rows(
    ctx: &Ctx,
    points: &[Typed<Params>],
    report: &mut Report,
    rust_times: &[(usize, f64)],
) -> anyhow::Result<()> {
    let asked: Vec<PyPoint> = points
        .iter()
        .map(|p| PyPoint {
            workers: p.params.workers.get(),
            tasks: p.params.tasks,
            steps_per_task: p.params.python_steps_per_task,
            io_ms: None,
            release_lock: None,
        })
        .collect();
    let switch_interval_us = points.first().map(|p| p.params.switch_interval_us);
    let Some(Rows {
        points: measured,
        gil_enabled: gil,
        interpreter,
    }) = crate::python::run(ctx, report, "cpu", asked, switch_interval_us)?
    else {
        return Ok(());
    };
    let mut python_times = Vec::new();
    for m in &measured {
        let per_step = ns_per_step(&m.timing, m.steps);
        // The analogue's time per step at the same worker count.
        let rust_per_step = points
            .iter()
            .zip(rust_times)
            .find(|(p, _)| p.params.workers.get() == m.point.workers)
            .map(|(p, (_, t))| t * 1e9 / (p.params.tasks * p.params.steps_per_task) as f64);
        python_times.push((m.point.workers, m.timing.median_s));
        let mut row = Row::new()
            .param("workers", m.point.workers)
            .param("lock", if gil { "gil" } else { "none" })
            .metric("steps", m.steps)
            .metric("checksum", m.checksum)
            .measured("ns_per_step", per_step);
        if let Some(rust) = rust_per_step {
            row = row.measured("vs_rust", ratio(per_step, rust));
        }
        report.push(crate::python::finish(row, m, gil, &interpreter).timing(m.timing));
    }
    compare_speedups(report, ctx, rust_times, &python_times);
    report.note("cpu_per_wall: the Python process's CPU seconds per wall second, about 1 at most under the GIL however many threads (up to the cores without it); on a busy machine it tells the GIL apart where wall-clock speedups mislead, because the OS scheduler favours threads that have just woken");
    report.note("one step: Rust, rounds_per_step SplitMix64 rounds and the lock check; Python, one pure-Python LCG update (x = (x*A + C) & MASK); vs_rust = Python's ns_per_step / the analogue's at the same workers");
    if !gil {
        report.note("this Python ran without its GIL (a free-threaded build): its threads run at once, like the analogue's free-threaded kind");
    }
    Ok(())
}
