//! `wait-modes`: `wait` on a set of futures, one of which fails, returns at a
//! different moment for each `return_when`: at the first result, at the first
//! failure, or when everything is done. The table counts how many futures were
//! done at that moment, beside what a model of the schedule predicts.

use std::time::{Duration, Instant};

use lab::{Ctx, Report, Row, Typed, Workers, between, round};
use runtime::futures::{ReturnWhen, ThreadExecutor, wait};
use serde::{Deserialize, Serialize};

use crate::work::{finish_times, median, ms};

/// Python's `return_when` constants, as the config spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    #[serde(rename = "FIRST_COMPLETED")]
    FirstCompleted,
    #[serde(rename = "FIRST_EXCEPTION")]
    FirstException,
    #[serde(rename = "ALL_COMPLETED")]
    AllCompleted,
}

impl Mode {
    fn return_when(self) -> ReturnWhen {
        match self {
            Mode::FirstCompleted => ReturnWhen::FirstCompleted,
            Mode::FirstException => ReturnWhen::FirstException,
            Mode::AllCompleted => ReturnWhen::AllCompleted,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::FirstCompleted => "FIRST_COMPLETED",
            Mode::FirstException => "FIRST_EXCEPTION",
            Mode::AllCompleted => "ALL_COMPLETED",
        }
    }
}

lab::params! {
    /// `wait` with each `return_when`, on tasks of which one fails.
    pub struct Params {
        /// Tasks to submit; task i runs (i + 1) × step_ms.
        pub tasks: u64 = 8 => between(1, 10_000),
        /// The difference in duration between one task and the next, in milliseconds.
        pub step_ms: f64 = 20.0 => between(0.0, 60_000.0),
        /// The task that fails (returns an error) when it ends; `tasks` or more: none fails.
        pub failing_task: u64 = 3,
        /// Give up waiting after this many milliseconds (Python's `timeout`); 0 waits without limit.
        pub timeout_ms: f64 = 0.0 => between(0.0, 60_000.0),
        /// `"FIRST_COMPLETED"`, `"FIRST_EXCEPTION"` or `"ALL_COMPLETED"`; sweep it.
        pub return_when: Mode = Mode::AllCompleted,
        /// Threads of the executor (as many as tasks: every task starts at once).
        pub workers: Workers = Workers::Count(8),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "wait-modes",
        "wait() with FIRST_COMPLETED, FIRST_EXCEPTION and ALL_COMPLETED on tasks of which one fails: how many are done when it returns.",
        run,
    )
}

/// The error the failing task returns: what Python's `future.exception()` would hold.
pub fn failure(index: u64) -> String {
    format!("download {index}: connection reset by peer")
}

struct Waited {
    done: usize,
    not_done: usize,
    returned_ms: f64,
    failure: Option<String>,
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let durations: Vec<f64> = (0..p.tasks).map(|i| (i + 1) as f64 * p.step_ms).collect();
        let finish = finish_times(&durations, workers);
        let last = finish.iter().copied().fold(0.0, f64::max);
        let mut model_return = match p.return_when {
            Mode::FirstCompleted => finish.iter().copied().fold(f64::INFINITY, f64::min),
            Mode::FirstException => finish.get(p.failing_task as usize).copied().unwrap_or(last),
            Mode::AllCompleted => last,
        };
        if p.timeout_ms > 0.0 {
            model_return = model_return.min(p.timeout_ms);
        }
        let expected_done = finish.iter().filter(|&&f| f <= model_return + 1e-9).count();

        let mut returned = Vec::new();
        let (last_run, _) = ctx.measure(p.return_when.name(), || {
            let run = wait_once(p, &durations, workers);
            if let Ok(run) = &run {
                returned.push(run.returned_ms);
            }
            run
        });
        let waited = last_run?;
        if let Some(seen) = &waited.failure {
            anyhow::ensure!(
                *seen == failure(p.failing_task),
                "wait returned an error no task raised: {seen}"
            );
        }
        let mut row = Row::new();
        for (k, v) in &point.sweep.0 {
            row = row.param(k, v.clone());
        }
        if point.sweep.get("return_when").is_none() {
            row = row.param("return_when", p.return_when.name());
        }
        report.push(
            row.metric("tasks", p.tasks)
                .metric("expected_done", expected_done)
                .measured("done", waited.done)
                .measured("not_done", waited.not_done)
                .metric("model_return_ms", round(model_return, 1))
                .measured("returned_ms", round(median(returned), 1)),
        );
    }
    if let Some(p) = points.first().map(|point| &point.params)
        && p.failing_task < p.tasks
    {
        report.summary("exception", failure(p.failing_task));
    }
    report.note("FIRST_COMPLETED returns at the first result, FIRST_EXCEPTION at the failure, ALL_COMPLETED at the end; a failure ends no wait but FIRST_EXCEPTION's");
    report.note("expected_done and model_return_ms come from the schedule; done and returned_ms are measured and may differ by a task that ends at the same moment");
    Ok(report)
}

/// Submits the tasks, waits once, and says what was done when `wait` returned.
fn wait_once(p: &Params, durations: &[f64], workers: usize) -> anyhow::Result<Waited> {
    let executor = ThreadExecutor::new(workers)?;
    let start = Instant::now();
    let futures: Vec<_> = durations
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let i = i as u64;
            let fails = i == p.failing_task;
            executor.submit_fallible(move || {
                std::thread::sleep(Duration::from_secs_f64(d / 1e3));
                if fails { Err(failure(i)) } else { Ok(i) }
            })
        })
        .collect();
    let timeout = (p.timeout_ms > 0.0).then(|| Duration::from_secs_f64(p.timeout_ms / 1e3));
    let waited = wait(&futures, timeout, p.return_when.return_when());
    let returned = start.elapsed();
    let failure = waited
        .done
        .iter()
        .find_map(|f| f.exception())
        .map(|e| e.message().to_string());
    Ok(Waited {
        done: waited.done.len(),
        not_done: waited.not_done.len(),
        returned_ms: ms(returned),
        failure,
    })
    // Dropping the executor waits for the tasks still running.
}
