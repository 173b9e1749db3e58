//! `io-bound`: tasks that mostly wait on (simulated) I/O. Each task runs a few
//! interpreted steps (building a request, parsing a reply) and then waits
//! `io_ms` with the lock released, as CPython's blocking calls (`time.sleep`,
//! socket and file I/O) do. While one thread waits, the others run, so the speedup comes
//! close to `workers` even on two cores: waiting needs no core.
//!
//! With `release_lock = false` the wait happens with the lock held, as in an
//! extension that forgets `Py_BEGIN_ALLOW_THREADS`: the threads queue behind the
//! sleeper and the speedup is gone.
//!
//! The `impl = "python"` rows run the same tasks on CPython threads
//! (`python/threads.py`): `time.sleep` releases the GIL; with
//! `release_lock = false` the wait is libc's `usleep` called through
//! `ctypes.PyDLL`, which keeps the GIL held, as such an extension would.

use crate::python::{PyPoint, Rows};
use crate::work::{
    DEFAULT_ROUNDS_PER_STEP, interpreted_steps, locked_interpreter, ms, on_one_interpreter,
};
use lab::python::{ratio, rust_row};
use lab::{Ctx, Report, Row, Typed, Workers, at_least, between};
use std::time::Duration;

lab::params! {
    /// I/O-bound tasks on threads of one interpreter.
    pub struct Params {
        /// Independent tasks ("downloads"), split into contiguous chunks across the workers.
        pub tasks: u64 = 32 => at_least(1),
        /// Simulated I/O wait per task, in milliseconds (a sleep).
        pub io_ms: f64 = 10.0 => between(0.0, 60_000.0),
        /// Interpreted steps per task, run with the lock held (about 15 ns each).
        pub steps_per_task: u64 = 2_000,
        /// Release the lock while waiting (what CPython's I/O calls do); `false` holds it through the wait.
        pub release_lock: bool = true,
        /// The interpreter's switch interval, in µs (`sys.setswitchinterval`).
        pub switch_interval_us: u64 = 5_000 => between(1, 10_000_000),
        /// Threads running the tasks, all attached to one interpreter; sweep it.
        pub workers: Workers = Workers::Count(1),
        /// Steps per task of the Python rows (pure-Python LCG updates, 100–300 ns each): about the Rust steps' time.
        pub python_steps_per_task: u64 = 200,
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::python::with_script(
        lab::kind::<Params>(
            "io-bound",
            "Tasks that wait on simulated I/O with the lock released: the waits overlap, so the speedup approaches the worker count.",
            run,
        ),
        &crate::python::THREADS,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let mut rust_times = Vec::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let wait = Duration::from_secs_f64(p.io_ms / 1e3);
        let task = |py: runtime::gil::Python<'_>, t: u64| {
            let request = interpreted_steps(py, t, p.steps_per_task, DEFAULT_ROUNDS_PER_STEP);
            if p.release_lock {
                py.allow_threads(|| std::thread::sleep(wait));
            } else {
                std::thread::sleep(wait);
            }
            request
        };
        let ((sum, stats), timing) = ctx.measure(&format!("workers = {workers}"), || {
            let interp = locked_interpreter(p.switch_interval_us);
            let sum = on_one_interpreter(&interp, p.tasks, workers, task);
            (sum, interp.stats())
        });
        rust_times.push(timing.median_s);
        report.push(rust_row(
            point
                .row()
                .param("release_lock", p.release_lock)
                .metric("tasks", p.tasks)
                .metric("io_ms_total", p.io_ms * p.tasks as f64)
                .metric("checksum", sum)
                .measured("acquisitions", stats.acquisitions)
                .measured("forced_switches", stats.forced_switches)
                .measured("wait_ms", ms(stats.wait_ns))
                .timing(timing),
        ));
    }
    python_rows(ctx, points, &mut report, &rust_times)?;
    report.note("waiting needs no core and no lock: with the lock released, the waits of all workers overlap");
    report.note("acquisitions grow with the tasks (the lock is taken back after every wait); forced switches stay rare");
    Ok(report)
}

/// The same tasks on CPython's threads: the rows `impl = "python"`.
fn python_rows(
    ctx: &Ctx,
    points: &[Typed<Params>],
    report: &mut Report,
    rust_times: &[f64],
) -> anyhow::Result<()> {
    let asked: Vec<PyPoint> = points
        .iter()
        .map(|p| PyPoint {
            workers: p.params.workers.get(),
            tasks: p.params.tasks,
            steps_per_task: p.params.python_steps_per_task,
            io_ms: Some(p.params.io_ms),
            release_lock: Some(p.params.release_lock),
        })
        .collect();
    let switch_interval_us = points.first().map(|p| p.params.switch_interval_us);
    let Some(Rows {
        points: measured,
        gil_enabled: gil,
        interpreter,
    }) = crate::python::run(ctx, report, "io", asked, switch_interval_us)?
    else {
        return Ok(());
    };
    for ((m, point), rust) in measured.iter().zip(points).zip(rust_times) {
        let p = &point.params;
        let row = Row::new()
            .param("workers", m.point.workers)
            .param("release_lock", p.release_lock)
            .metric("tasks", p.tasks)
            .metric("io_ms_total", p.io_ms * p.tasks as f64)
            .metric("checksum", m.checksum)
            .measured("vs_rust", ratio(m.timing.median_s, *rust));
        report.push(crate::python::finish(row, m, gil, &interpreter).timing(m.timing));
    }
    report.note("one task in both: a few steps of work with the lock held, then an io_ms wait; Python waits in time.sleep (GIL released) or, with release_lock = false, in usleep through ctypes.PyDLL (GIL held); vs_rust = Python's time / the analogue's at the same point");
    Ok(())
}
