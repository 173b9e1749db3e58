//! `interpreters`: the `cpu-bound` work with one interpreter per worker thread,
//! each with its own lock (PEP 684's per-interpreter GIL). No thread ever waits
//! for another's lock, so the speedup climbs to the core count. This is why
//! `multiprocessing` works: each worker process has an interpreter, and a lock,
//! of its own. (What it costs instead, sending the data to the workers and the
//! results back, is lesson 02.)

use crate::work::{CpuWork, locked_config, ms, one_interpreter_each};
use lab::{Ctx, Report, Typed, Workers, at_least, between};

lab::params! {
    /// The cpu-bound tasks, one interpreter per worker.
    pub struct Params {
        /// Independent tasks, split into contiguous chunks across the workers.
        pub tasks: u64 = 8 => at_least(1),
        /// Interpreted steps ("bytecodes") per task; each depends on the one before.
        pub steps_per_task: u64 = 2_500_000 => at_least(1),
        /// SplitMix64 rounds in one step (about 3.5 ns each): the size of a "bytecode".
        pub rounds_per_step: u32 = crate::work::DEFAULT_ROUNDS_PER_STEP => between(1, 1_000),
        /// Each interpreter's switch interval, in µs (`sys.setswitchinterval`).
        pub switch_interval_us: u64 = 5_000 => between(1, 10_000_000),
        /// Worker threads, each with an interpreter of its own; sweep it.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "interpreters",
        "The cpu-bound work with one interpreter (and one lock) per worker: nobody waits, the speedup approaches the core count — why multiprocessing works.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let work = CpuWork {
            tasks: p.tasks,
            steps_per_task: p.steps_per_task,
            rounds_per_step: p.rounds_per_step,
        };
        let config = locked_config(p.switch_interval_us);
        let ((sum, stats), timing) = ctx.measure(&format!("workers = {workers}"), || {
            one_interpreter_each(config, work.tasks, workers, |py, t| work.interpreted(py, t))
        });
        report.push(
            point
                .row()
                .metric("interpreters", workers as u64)
                .metric("steps", work.total_steps())
                .metric("checksum", sum)
                .measured("acquisitions", stats.acquisitions)
                .measured("forced_switches", stats.forced_switches)
                .measured("wait_ms", ms(stats.wait_ns))
                .timing(timing),
        );
    }
    report.note("each worker has its own lock, so nobody waits (forced_switches 0): speedup up to the core count");
    report.note("the checksum equals cpu-bound's: the same work, only the locks differ");
    Ok(report)
}
