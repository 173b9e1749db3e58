//! `completion-order`: tasks of different lengths, collected two ways. Asking
//! each future for its result in submission order waits for the first task
//! before anything else is handled; `as_completed` hands each one over as it
//! finishes. Same total time, very different time to the first result.

use std::time::Instant;

use lab::{Ctx, Report, Row, Typed, Workers, between, round};
use runtime::futures::{ThreadExecutor, as_completed};

use crate::work::{finish_times, median, ms, order_by, sleep_then, spaced};

lab::params! {
    /// Tasks of varied durations on a thread executor, collected in two orders.
    pub struct Params {
        /// Tasks to submit; the first one submitted is the longest.
        pub tasks: u64 = 12 => between(1, 10_000),
        /// Duration of the shortest task, in milliseconds.
        pub shortest_ms: f64 = 10.0 => between(0.0, 60_000.0),
        /// Duration of the longest task, in milliseconds; the others are spread evenly between.
        pub longest_ms: f64 = 120.0 => between(0.0, 60_000.0),
        /// Threads of the executor (as many as tasks: every task starts at once).
        pub workers: Workers = Workers::Count(12),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "completion-order",
            "Results in submission order vs as_completed: the order tasks finish in, and the time to the first result.",
            run,
        ),
        &["collect"],
    )
}

/// Task `i`'s duration: the lengths from shortest to longest, dealt out in a
/// fixed scrambled order that gives the longest to task 0.
pub fn durations(p: &Params) -> Vec<f64> {
    let n = p.tasks as usize;
    // A step coprime with n visits every rank once.
    let step = [7, 5, 11, 13, 3, 1]
        .into_iter()
        .find(|&a| gcd(a, n) == 1)
        .unwrap_or(1);
    (0..n)
        .map(|i| {
            let rank = (step * i + n - 1) % n;
            let share = if n > 1 {
                rank as f64 / (n - 1) as f64
            } else {
                1.0
            };
            round(p.shortest_ms + (p.longest_ms - p.shortest_ms) * share, 1)
        })
        .collect()
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Collect {
    SubmissionOrder,
    AsCompleted,
}

struct Run {
    first_ms: f64,
    all_ms: f64,
    order: Vec<usize>,
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let passes = u64::from(ctx.runs());
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let durations = durations(p);
        let finish = finish_times(&durations, workers);
        let model_all = finish.iter().copied().fold(0.0, f64::max);
        let model_order = order_by(&finish);
        let mut seen_order = Vec::new();
        for (collect, name) in [
            (Collect::SubmissionOrder, "submission order"),
            (Collect::AsCompleted, "as_completed"),
        ] {
            let bar = ctx.bar(p.tasks * passes, name);
            let mut firsts = Vec::new();
            let mut alls = Vec::new();
            let (last, timing) = ctx.measure(name, || {
                let run = collect_once(&durations, workers, collect, &|| bar.inc(1));
                if let Ok(run) = &run {
                    firsts.push(run.first_ms);
                    alls.push(run.all_ms);
                }
                run
            });
            bar.finish_and_clear();
            let last = last?;
            let model_first = match collect {
                Collect::SubmissionOrder => finish[0],
                Collect::AsCompleted => finish.iter().copied().fold(f64::INFINITY, f64::min),
            };
            if collect == Collect::AsCompleted {
                seen_order = last.order;
            }
            let mut row = Row::new().param("collect", name);
            for (k, v) in &point.sweep.0 {
                row = row.param(k, v.clone());
            }
            report.push(
                row.metric("tasks", p.tasks)
                    .metric("model_first_ms", round(model_first, 1))
                    .measured("first_ms", round(median(firsts), 1))
                    .metric("model_all_ms", round(model_all, 1))
                    .measured("all_ms", round(median(alls), 1))
                    .timing(timing),
            );
        }
        let n = durations.len();
        report.summary("submission_order", spaced(&(0..n).collect::<Vec<_>>()));
        report.summary(
            "durations_ms",
            durations
                .iter()
                .map(|d| format!("{d}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        report.summary("model_order", spaced(&model_order));
        report.summary_measured("as_completed_order", spaced(&seen_order));
    }
    report.note("as_completed hands over the shortest task first; in submission order nothing is handled until task 0, the longest, is done");
    report.note("the orders are measured, so they can differ from the model by a swap when two tasks end within a scheduler tick");
    Ok(report)
}

/// Submits one task per duration and collects the results one way; times the
/// first result handled and the last, from the first submit.
fn collect_once(
    durations: &[f64],
    workers: usize,
    collect: Collect,
    tick: &dyn Fn(),
) -> anyhow::Result<Run> {
    let executor = ThreadExecutor::new(workers)?;
    let start = Instant::now();
    let futures: Vec<_> = durations
        .iter()
        .enumerate()
        .map(|(i, &d)| executor.submit(move || sleep_then((i as u64, d))))
        .collect();
    let mut first = None;
    let mut order = Vec::with_capacity(durations.len());
    let mut handle = |index: u64| {
        first.get_or_insert_with(|| start.elapsed());
        order.push(index as usize);
        tick();
    };
    match collect {
        Collect::SubmissionOrder => {
            for future in &futures {
                handle(future.result()?);
            }
        }
        Collect::AsCompleted => {
            for future in as_completed(&futures, None) {
                handle(future?.result()?);
            }
        }
    }
    let all = start.elapsed();
    Ok(Run {
        first_ms: first.map_or(0.0, ms),
        all_ms: ms(all),
        order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_duration_is_used_once_and_task_0_is_the_longest() {
        for tasks in [1, 2, 6, 12, 35] {
            let p = Params {
                tasks,
                ..Params::default()
            };
            let d = durations(&p);
            assert_eq!(d[0], p.longest_ms, "{tasks} tasks");
            let mut sorted = d.clone();
            sorted.sort_by(f64::total_cmp);
            sorted.dedup();
            assert_eq!(
                sorted.len(),
                tasks as usize,
                "{tasks} tasks: distinct lengths"
            );
        }
    }
}
