//! `free-threaded`: the `cpu-bound` work on an interpreter with no global lock
//! (python3.13t, PEP 703; python3.14t, PEP 779). Steps of every thread run at
//! once, so the speedup climbs to the core count, but each step pays for what
//! the lock used to make safe: `refcount_ops_per_step` atomic reference-count
//! updates (see [`runtime::gil::FreeThreading`]). That is naive free threading:
//! every step pays, even on a lone thread. CPython's free-threaded build uses
//! biased reference counting instead, so a thread updating the counts of its
//! own objects pays no atomics, and its single-thread cost has other causes (see
//! the lesson's README).
//!
//! One extra row, `build = "gil"`, runs the same work on one thread of an
//! interpreter with the lock; `single_thread_vs_gil` is the one-worker
//! free-threaded time divided by it: the single-thread price of free threading.
//!
//! With a free-threaded CPython as the experiment's `python` (python3.13t,
//! python3.14t), the `impl = "python"` rows run the same tasks on its threads
//! (`python/threads.py`), with `sys._is_gil_enabled()` in the row: the real
//! thing beside the model. With a build that has the GIL, one line says so.

use crate::python::{PyPoint, Rows, ns_per_step};
use crate::work::{CpuWork, locked_interpreter, on_one_interpreter};
use lab::python::{ratio, rust_row};
use lab::{Ctx, Report, Row, Typed, Workers, at_least, between, round};
use runtime::gil::{Config, FreeThreading, Interpreter};

lab::params! {
    /// The cpu-bound tasks on a free-threaded interpreter.
    pub struct Params {
        /// Independent tasks, split into contiguous chunks across the workers.
        pub tasks: u64 = 8 => at_least(1),
        /// Interpreted steps ("bytecodes") per task; each depends on the one before.
        pub steps_per_task: u64 = 2_500_000 => at_least(1),
        /// SplitMix64 rounds in one step (about 3.5 ns each): the size of a "bytecode".
        pub rounds_per_step: u32 = crate::work::DEFAULT_ROUNDS_PER_STEP => between(1, 1_000),
        /// Atomic reference-count updates each step pays (about 5 ns each uncontended); 0 makes free threading free.
        pub refcount_ops_per_step: u32 = FreeThreading::DEFAULT_REFCOUNT_OPS_PER_STEP => between(0, 1_000),
        /// `true`: every thread updates one shared counter, so its cache line bounces between cores (threads that all touch the same objects).
        pub shared_refcounts: bool = false,
        /// Threads running the tasks, all attached to one free-threaded interpreter; sweep it.
        pub workers: Workers = Workers::Count(1),
        /// Steps per task of the Python rows, which run only on a free-threaded build (pure-Python LCG updates, 100–300 ns each).
        pub python_steps_per_task: u64 = 250_000 => at_least(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::python::with_script(
            lab::kind::<Params>(
                "free-threaded",
                "The cpu-bound work with no global lock (python3.13t): real speedup, paid for by atomic reference counting on every step.",
                run,
            ),
            &crate::python::THREADS,
        ),
        &["build"],
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let mut gil_one = None;
    let mut free_one = None;
    let mut rust_times = Vec::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let work = CpuWork {
            tasks: p.tasks,
            steps_per_task: p.steps_per_task,
            rounds_per_step: p.rounds_per_step,
        };
        if gil_one.is_none() {
            // The baseline: one thread, same work, an interpreter with the lock.
            let (sum, timing) = ctx.measure("gil, workers = 1", || {
                let interp = locked_interpreter(5_000);
                on_one_interpreter(&interp, work.tasks, 1, |py, t| work.interpreted(py, t))
            });
            gil_one = Some(timing.median_s);
            report.push(rust_row(
                Row::new()
                    .param("workers", 1)
                    .param("build", "gil")
                    .metric("steps", work.total_steps())
                    .metric("checksum", sum)
                    .timing(timing),
            ));
        }
        let config = Config {
            free_threading: Some(FreeThreading {
                refcount_ops_per_step: p.refcount_ops_per_step,
                shared_refcounts: p.shared_refcounts,
            }),
            ..Config::default()
        };
        let (sum, timing) = ctx.measure(&format!("free-threaded, workers = {workers}"), || {
            let interp = Interpreter::with_config(config);
            on_one_interpreter(&interp, work.tasks, workers, |py, t| {
                work.interpreted(py, t)
            })
        });
        if workers == 1 {
            free_one = Some(timing.median_s);
        }
        rust_times.push((workers, timing.median_s, work.total_steps()));
        report.push(rust_row(
            point
                .row()
                .param("build", "free-threaded")
                .metric("steps", work.total_steps())
                .metric("checksum", sum)
                .timing(timing),
        ));
    }
    if let (Some(gil), Some(free)) = (gil_one, free_one) {
        report.summary_measured("single_thread_vs_gil", round(free / gil, 3));
    }
    python_rows(ctx, points, &mut report, &rust_times)?;
    report.note("no lock: the steps of all workers run at once, so free-threaded speedup climbs to the core count");
    report.note("single_thread_vs_gil = free-threaded time / GIL time on one worker: the price of atomic reference counts");
    Ok(report)
}

/// The same tasks on a free-threaded CPython's threads, when the experiment's
/// interpreter is one.
fn python_rows(
    ctx: &Ctx,
    points: &[Typed<Params>],
    report: &mut Report,
    rust_times: &[(usize, f64, u64)],
) -> anyhow::Result<()> {
    let interpreter = match lab::python::check(&ctx.python, &crate::python::THREADS)? {
        Err(line) => {
            report.note(line);
            return Ok(());
        }
        Ok(interpreter) => interpreter,
    };
    if !interpreter.free_threaded {
        report.note(format!(
            "no Python rows here: `{}` is Python {}, a build with the GIL; set python = \"python3.13t\" (or 3.14t, a free-threaded build) on this experiment for real free-threaded rows",
            interpreter.command, interpreter.version
        ));
        return Ok(());
    }
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
    let Some(Rows {
        points: measured,
        gil_enabled: gil,
        interpreter,
    }) = crate::python::run(ctx, report, "cpu", asked, None)?
    else {
        return Ok(());
    };
    for m in &measured {
        let per_step = ns_per_step(&m.timing, m.steps);
        let mut row = Row::new()
            .param("workers", m.point.workers)
            .param("build", if gil { "gil" } else { "free-threaded" })
            .metric("steps", m.steps)
            .metric("checksum", m.checksum)
            .measured("ns_per_step", per_step);
        if let Some((_, t, steps)) = rust_times.iter().find(|(w, ..)| *w == m.point.workers) {
            row = row.measured("vs_rust", ratio(per_step, t * 1e9 / *steps as f64));
        }
        report.push(crate::python::finish(row, m, gil, &interpreter).timing(m.timing));
    }
    if gil {
        report.note("this free-threaded Python ran with its GIL on: PYTHON_GIL=1, -X gil=1, or an extension not marked free-threading-safe turned it back on (sys._is_gil_enabled())");
    }
    report.note("one step: Rust, rounds_per_step SplitMix64 rounds and refcount_ops_per_step atomic updates; Python, one pure-Python LCG update; vs_rust = Python's ns_per_step / the model's at the same workers");
    Ok(())
}
