//! `native-release`: CPU-bound work that runs outside the interpreter. Each task
//! runs a few interpreted steps (the Python code that calls the library), then a
//! long "native" loop inside [`allow_threads`](runtime::gil::Python::allow_threads),
//! the way NumPy releases the lock around many of its low-level loops (and a
//! Numba function does when compiled with `nogil=True`; by default it holds the
//! lock). The native part runs on every core at once; only the
//! interpreted part takes turns, so the speedup climbs to the core count, held
//! back by the interpreted share as Amdahl's law says.

use crate::work::{
    DEFAULT_ROUNDS_PER_STEP, interpreted_steps, locked_interpreter, ms, native, on_one_interpreter,
};
use lab::{Ctx, Report, Typed, Workers, at_least, between, round};

lab::params! {
    /// CPU-bound tasks whose heavy part releases the lock.
    pub struct Params {
        /// Independent tasks, split into contiguous chunks across the workers.
        pub tasks: u64 = 8 => at_least(1),
        /// Interpreted steps per task, run with the lock held (the Python side of the call).
        pub steps_per_task: u64 = 20_000,
        /// Units of native work per task, run with the lock released; a unit is the arithmetic of one step, without the check.
        pub native_units_per_task: u64 = 2_000_000,
        /// The interpreter's switch interval, in µs (`sys.setswitchinterval`).
        pub switch_interval_us: u64 = 5_000 => between(1, 10_000_000),
        /// Threads running the tasks, all attached to one interpreter; sweep it.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "native-release",
        "CPU-bound work inside allow_threads (the NumPy / C-extension case): the native loops run in parallel, the speedup approaches the core count.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let units = p.native_units_per_task;
        let task = |py: runtime::gil::Python<'_>, t: u64| {
            let x = interpreted_steps(py, t, p.steps_per_task, DEFAULT_ROUNDS_PER_STEP);
            py.allow_threads(|| native(x, units))
        };
        let ((sum, stats), timing) = ctx.measure(&format!("workers = {workers}"), || {
            let interp = locked_interpreter(p.switch_interval_us);
            let sum = on_one_interpreter(&interp, p.tasks, workers, task);
            (sum, interp.stats())
        });
        let interpreted = p.steps_per_task as f64;
        let share = interpreted / (interpreted + units as f64);
        report.push(
            point
                .row()
                .metric("interpreted_share", round(share, 4))
                .metric("checksum", sum)
                .measured("acquisitions", stats.acquisitions)
                .measured("forced_switches", stats.forced_switches)
                .measured("wait_ms", ms(stats.wait_ns))
                .timing(timing),
        );
    }
    report.note("the native loops run without the lock, on every core at once: speedup up to the core count, no further");
    report.note(
        "interpreted_share is the serial fraction here: the steps still take turns under the lock",
    );
    Ok(report)
}
