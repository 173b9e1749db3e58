//! `cancel`: a queue of tasks, of which only the first few results are wanted.
//! Once they are in, the rest is cancelled — future by future, or all at once
//! with `shutdown(cancel_futures = true)` — and only what had already started
//! still runs. How many ran, how many were cancelled, and the time saved
//! against letting everything run.

use lab::{Ctx, Report, Row, Typed, Value, Workers, between, round};
use runtime::futures::as_completed;
use serde::{Deserialize, Serialize};

use crate::work::ExecutorChoice;

/// What to do once the wanted results are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// Nothing: every task runs (the baseline).
    None,
    /// `future.cancel()` on every future.
    Cancel,
    /// `executor.shutdown(wait = true, cancel_futures = true)`.
    Shutdown,
}

impl How {
    fn name(self) -> &'static str {
        match self {
            How::None => "none",
            How::Cancel => "cancel",
            How::Shutdown => "shutdown",
        }
    }
}

lab::params! {
    /// Cancelling the pending tail of a queue of tasks.
    pub struct Params {
        /// Tasks submitted at once.
        pub tasks: u64 = 40 => between(1, 100_000),
        /// How long each task runs, in milliseconds (a sleep).
        pub task_ms: f64 = 20.0 => between(0.0, 60_000.0),
        /// Results to wait for (as they complete) before cancelling the rest.
        pub cancel_after: u64 = 6,
        /// `"none"` (let every task run), `"cancel"` (each future) or `"shutdown"` (`cancel_futures = true`); sweep it.
        pub how: How = How::Cancel,
        /// `"threads"` or `"processes"`; sweep it.
        pub executor: ExecutorChoice = ExecutorChoice::Threads,
        /// Workers of the executor.
        pub workers: Workers = Workers::Count(2),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "cancel",
        "Cancelling the pending tail of a queue once the first results are in: what still ran, what was cancelled, the time saved.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let passes = u64::from(ctx.runs());
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let label = format!("{} · {}", p.executor.name(), p.how.name());
        let bar = ctx.bar(p.tasks * passes, &label);
        let (counts, timing) = ctx.measure(&label, || {
            p.executor.with(workers, |executor| {
                let futures: Vec<_> = (0..p.tasks)
                    .map(|i| executor.sleep_then(i, p.task_ms))
                    .collect();
                let mut completed = as_completed(&futures, None);
                let mut ran = 0_u64;
                for item in completed.by_ref().take(p.cancel_after as usize) {
                    item?.result()?;
                    ran += 1;
                    bar.inc(1);
                }
                let cancelled = match p.how {
                    How::None => 0,
                    How::Cancel => futures.iter().filter(|f| f.cancel()).count() as u64,
                    How::Shutdown => {
                        executor.shutdown(true, true);
                        futures.iter().filter(|f| f.cancelled()).count() as u64
                    }
                };
                for item in completed {
                    let future = item?;
                    if !future.cancelled() {
                        future.result()?;
                        ran += 1;
                    }
                    bar.inc(1);
                }
                Ok((ran, cancelled))
            })
        });
        bar.finish_and_clear();
        let (ran, cancelled) = counts?;
        let mut row = Row::new();
        for (k, v) in &point.sweep.0 {
            row = row.param(k, v.clone());
        }
        report.push(
            row.metric("submitted", p.tasks)
                .measured("ran", ran)
                .measured("cancelled", cancelled)
                .metric("accounted", ran + cancelled)
                .timing(timing),
        );
    }
    // Time saved against the row of the same executor that let everything run.
    let baselines: Vec<(Value, f64)> = report
        .rows
        .iter()
        .filter(|r| r.params.get("how").and_then(|v| v.as_str()) == Some("none"))
        .filter_map(|r| Some((r.params.get("executor")?.clone(), r.timing?.median_s)))
        .collect();
    for row in &mut report.rows {
        let executor = row.params.get("executor").cloned();
        let base = baselines
            .iter()
            .find(|(e, _)| Some(e) == executor.as_ref())
            .map(|(_, t)| *t);
        if let (Some(base), Some(t)) = (base, row.timing) {
            let saved = round((1.0 - t.median_s / base) * 100.0, 1);
            *row = std::mem::take(row).measured("saved_%", saved);
        }
    }
    report.note("only tasks that have not started can be cancelled; ran + cancelled always adds up to what was submitted");
    report.note("on processes a task has started once it is written to a worker's pipe; workers take several short tasks at a time, so fewer of those can be cancelled");
    Ok(report)
}
