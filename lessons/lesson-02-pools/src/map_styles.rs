//! `map-styles`: one workload through `map`, `starmap`, `imap`,
//! `imap_unordered` and `apply_async`, on a thread pool or a process pool.
//!
//! Every style computes the same results; what differs is *when* you get them
//! and in what order. `map` and `starmap` block until everything is done and
//! return the results in input order. `imap` hands them out one by one, still
//! in input order, so a slow early item holds back the fast ones behind it.
//! `imap_unordered` hands each out as soon as it is done. `apply_async` submits
//! one task at a time and returns a handle per task: its callbacks run in
//! completion order, while collecting the handles with `get` gives input order.
//!
//! Items have uneven costs (1 to 4 times `units_per_task` mixer rounds), so
//! with two or more workers completion order differs from input order. Which
//! results come first in a completion order depends on scheduling, so
//! `displaced` and `first_out` are measured values for those styles and fixed
//! ones for the ordered styles.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, ensure};
use lab::{Ctx, Report, Row, Typed, Workers, at_least, round};
use runtime::pool::ThreadPool;
use runtime::process::ProcessPool;

use crate::work::{ITEM, Pool, checksum, item};

lab::params! {
    /// One workload of uneven items, through every way a pool can run it.
    pub struct Params {
        /// Items to process; item i costs 1 to 4 times `units_per_task` mixer rounds.
        pub tasks: u64 = 400 => at_least(1),
        /// Mixer rounds (about 3.5 ns each) in the cheapest item.
        pub units_per_task: u64 = 2_000 => at_least(1),
        /// Items per chunk for map, starmap, imap and imap_unordered (0: `Pool.map`'s default, about 4 chunks per worker, for all four; Python's imap and imap_unordered default to 1).
        pub chunksize: usize = 1,
        /// "threads" (runtime::pool::ThreadPool) or "processes" (runtime::process::ProcessPool); sweep both.
        pub pool: Pool = Pool::Threads,
        /// Worker threads or processes.
        pub workers: Workers = Workers::Count(2),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "map-styles",
            "map, starmap, imap, imap_unordered and apply_async on one workload: the same results, in different orders, at different times.",
            run,
        ),
        &["style"],
    )
}

/// How long a single result may take before the run is declared stuck.
const RESULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What one style produced: every `(index, value)`, in the order the caller
/// received them, and for `apply_async` also the order its callbacks ran in.
struct Outcome {
    received: Vec<(u64, u64)>,
    callbacks: Option<Vec<u64>>,
}

type Style = (&'static str, &'static str, bool);

/// (name, the order results come in, whether that order depends on scheduling)
const STYLES: [Style; 5] = [
    ("map", "input", false),
    ("starmap", "input", false),
    ("imap", "input", false),
    ("imap_unordered", "completion", true),
    ("apply_async", "input (get), completion (callbacks)", true),
];

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    // One for-loop row per workload, timed once: the baseline of its speedups.
    let mut baselines: Vec<((u64, u64), f64)> = Vec::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let (n, units) = (p.tasks, p.units_per_task);
        let expected: Vec<(u64, u64)> = (0..n).map(|i| item(i, units)).collect();
        let baseline = match baselines.iter().find(|(k, _)| *k == (n, units)) {
            Some(&(_, t)) => t,
            None => {
                let (_, timing) = ctx.measure("for loop", || {
                    (0..n).map(|i| item(i, units)).collect::<Vec<_>>()
                });
                report.push(
                    Row::new()
                        .param("pool", "none")
                        .param("style", "for loop")
                        .param("workers", 1)
                        .metric("checksum", checksum(expected.iter().map(|r| r.1)))
                        .metric("order", "input")
                        .metric("displaced", 0)
                        .metric("first_out", first_out(&expected))
                        .timing(timing)
                        .speedup(1.0, 1.0),
                );
                baselines.push(((n, units), timing.median_s));
                timing.median_s
            }
        };
        let runner = Runner::start(p.pool, workers, p.chunksize, n, units)?;
        for (style, order, scheduled) in STYLES {
            let (outcome, timing) =
                ctx.measure(&format!("{} {style}", p.pool.name()), || runner.run(style));
            let outcome = outcome.with_context(|| format!("{} on {}", style, p.pool.name()))?;
            let mut sorted = outcome.received.clone();
            sorted.sort_unstable();
            ensure!(
                sorted == expected,
                "{style} on {} returned different results from the for loop",
                p.pool.name()
            );
            // The order the caller sees, or for apply_async the callbacks' order.
            let arrival: Vec<u64> = match &outcome.callbacks {
                Some(order) => order.clone(),
                None => outcome.received.iter().map(|r| r.0).collect(),
            };
            let displaced = arrival
                .iter()
                .enumerate()
                .filter(|&(k, &i)| k as u64 != i)
                .count();
            let shown = first_out_of(&arrival);
            let s = baseline / timing.median_s;
            let mut row = point
                .row()
                .param("pool", p.pool.name())
                .param("style", style)
                .param("workers", workers)
                .metric("checksum", checksum(outcome.received.iter().map(|r| r.1)))
                .metric("order", order);
            row = if scheduled {
                row.measured("displaced", displaced)
                    .measured("first_out", shown)
            } else {
                ensure!(displaced == 0, "{style} returned results out of order");
                row.metric("displaced", 0).metric("first_out", shown)
            };
            report.push(
                row.timing(timing)
                    .speedup(s, s / workers as f64)
                    .measured("us_per_task", round(timing.median_s * 1e6 / n as f64, 2)),
            );
        }
    }
    report.note("every style's checksum equals the for loop's: the same results, only the order and the timing differ");
    report.note("imap_unordered and apply_async's callbacks come in completion order (displaced > 0 with 2+ workers); speedup is against the for loop");
    Ok(report)
}

fn first_out(results: &[(u64, u64)]) -> String {
    first_out_of(&results.iter().map(|r| r.0).collect::<Vec<_>>())
}

/// The first eight indices in the order they came.
fn first_out_of(indices: &[u64]) -> String {
    let mut shown: Vec<String> = indices.iter().take(8).map(u64::to_string).collect();
    if indices.len() > 8 {
        shown.push("…".into());
    }
    shown.join(" ")
}

/// A started pool and the workload, ready to run in any style.
struct Runner {
    pool: Started,
    chunksize: usize,
    n: u64,
    units: u64,
}

enum Started {
    Threads(ThreadPool),
    Processes(ProcessPool),
}

impl Runner {
    fn start(
        pool: Pool,
        workers: usize,
        chunksize: usize,
        n: u64,
        units: u64,
    ) -> anyhow::Result<Self> {
        let pool = match pool {
            Pool::Threads => Started::Threads(ThreadPool::new(workers)?),
            Pool::Processes => {
                Started::Processes(ProcessPool::new(workers).context("starting the process pool")?)
            }
        };
        Ok(Runner {
            pool,
            chunksize,
            n,
            units,
        })
    }

    fn run(&self, style: &str) -> anyhow::Result<Outcome> {
        let (n, units, cs) = (self.n, self.units, self.chunksize);
        let pairs = move || (0..n).map(move |i| (i, units));
        let received = |r: Vec<(u64, u64)>| Outcome {
            received: r,
            callbacks: None,
        };
        let out = match (&self.pool, style) {
            (Started::Threads(p), "map") => received(p.map(move |i| item(i, units), 0..n, cs)?),
            (Started::Threads(p), "starmap") => received(p.starmap(item, pairs(), cs)?),
            (Started::Threads(p), "imap") => received(
                p.imap(move |i| item(i, units), 0..n, cs)
                    .collect::<Result<_, _>>()?,
            ),
            (Started::Threads(p), "imap_unordered") => received(
                p.imap_unordered(move |i| item(i, units), 0..n, cs)
                    .collect::<Result<_, _>>()?,
            ),
            (Started::Threads(p), "apply_async") => {
                let order = Arc::new(Mutex::new(Vec::with_capacity(n as usize)));
                let handles: Vec<_> = (0..n)
                    .map(|i| {
                        let order = order.clone();
                        p.apply_async_with(
                            move || item(i, units),
                            runtime::pool::Callbacks::new()
                                .callback(move |r: &(u64, u64)| lock(&order).push(r.0)),
                        )
                    })
                    .collect();
                let got = handles
                    .into_iter()
                    .map(|h| h.get_timeout(RESULT_TIMEOUT))
                    .collect::<Result<Vec<_>, _>>()?;
                let callbacks = lock(&order).clone();
                Outcome {
                    received: got,
                    callbacks: Some(callbacks),
                }
            }
            (Started::Processes(p), "map") => received(p.map(&ITEM, pairs(), cs)?),
            (Started::Processes(p), "starmap") => received(p.starmap(&ITEM, pairs(), cs)?),
            (Started::Processes(p), "imap") => {
                received(p.imap(&ITEM, pairs(), cs).collect::<Result<_, _>>()?)
            }
            (Started::Processes(p), "imap_unordered") => received(
                p.imap_unordered(&ITEM, pairs(), cs)
                    .collect::<Result<_, _>>()?,
            ),
            (Started::Processes(p), "apply_async") => {
                let order = Arc::new(Mutex::new(Vec::with_capacity(n as usize)));
                let handles: Vec<_> = pairs()
                    .map(|arg| {
                        let order = order.clone();
                        p.apply_async_with(
                            &ITEM,
                            arg,
                            runtime::process::Callbacks::new()
                                .callback(move |r: &(u64, u64)| lock(&order).push(r.0)),
                        )
                    })
                    .collect();
                let got = handles
                    .into_iter()
                    .map(|h| h.get_timeout(RESULT_TIMEOUT))
                    .collect::<Result<Vec<_>, _>>()?;
                let callbacks = lock(&order).clone();
                Outcome {
                    received: got,
                    callbacks: Some(callbacks),
                }
            }
            (_, other) => anyhow::bail!("unknown style {other}"),
        };
        Ok(out)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
