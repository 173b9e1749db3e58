//! `shared-vs-copied`: every task needs a large read-only array. Threads can
//! share one copy (a borrow, an `Arc`); a copy per task costs a copy's time and
//! memory; worker processes either receive it serialized, once per task, or map
//! one file that the operating system shares between them, which is what joblib
//! does on its process backends with NumPy arrays larger than `max_nbytes`
//! ("1M" by default), opened read-only in the workers.
//!
//! Each mode starts from nothing: it builds the array its own way (untimed),
//! runs the tasks (timed), and its peak memory is measured over both:
//! `peak_rss_mb` is how far the parent's resident set rose above its level when
//! the mode started (the kernel's peak, reset before each mode, see
//! [`memory`](crate::memory)), plus each worker process's peak private memory.
//! Pages of a memory-mapped file are counted once, in the parent, which maps
//! the file while the workers read it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::memory::{MappedArray, PeakMeter};
use crate::work::{PART_SUM_MAPPED, PART_SUM_SENT, PartReport, part_sum, value};
use lab::{Ctx, Repeats, Report, Typed, Workers, between, round};
use rayon::prelude::*;
use runtime::parallel::{Backend, BatchSize, Parallel, delayed, scoped_workers};

lab::params! {
    /// One large read-only array, read by every task.
    pub struct Params {
        /// Size of the array in MB (10^6 bytes) of f64 values.
        pub array_mb: u64 = 256 => between(1, 16_384),
        /// Tasks; each gets the whole array and sums its own 1/tasks of it.
        pub tasks: u32 = 4 => between(1, 4_096),
        /// Worker threads or processes.
        pub workers: Workers = Workers::All,
    }
}

/// The modes, in the order they run: the `mode` column.
pub const MODES: [&str; 6] = [
    "borrowed-rayon",
    "shared-arc",
    "borrowed-scoped",
    "copied",
    "serialized",
    "memmap",
];

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "shared-vs-copied",
            "A large read-only array for every task: shared by threads, copied per task, serialized to processes, or memory-mapped; time and peak memory.",
            run,
        ),
        &["mode"],
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    // One timed run per mode: a mode allocates hundreds of MB, and its peak is
    // what matters here; the differences in time are far above run-to-run noise.
    let once = Repeats {
        warmup: 0,
        repeats: 1,
    };
    let mut method = "";
    for point in points {
        let p = &point.params;
        let len = (p.array_mb * 1_000_000 / 8) as usize;
        let tasks = p.tasks as usize;
        let workers = p.workers.get();
        let array_mb = (len * 8) as f64 / 1e6;
        for mode in MODES {
            ctx.status(&format!("{mode}: building {array_mb:.0} MB"));
            let meter = PeakMeter::start();
            method = meter.method();
            let outcome = run_mode(mode, len, tasks, workers, once)?;
            let parent_kib = meter.rise_kib();
            let workers_kib: u64 = outcome.worker_peaks.values().sum();
            let peak_mb = (parent_kib + workers_kib) as f64 * 1024.0 / 1e6;
            report.push(
                point
                    .row()
                    .param("mode", mode)
                    .metric("array_mb", round(array_mb, 1))
                    .metric("moved_mb", round(outcome.moved_bytes as f64 / 1e6, 1))
                    .metric("checksum", outcome.checksum)
                    .measured("peak_rss_mb", round(peak_mb, 1))
                    .measured("peak_over_array", round(peak_mb / array_mb, 2))
                    .measured(
                        "workers_peak_mb",
                        round(workers_kib as f64 * 1024.0 / 1e6, 1),
                    )
                    .timing(outcome.timing),
            );
            ctx.status(mode);
        }
    }
    report.summary_measured("peak_measured_by", method);
    report.note(
        "the shared modes peak near one array; a copy per task costs a copy's time and memory \
         per running task; serializing adds the encoding and a copy in each worker; a memory-mapped \
         file is one copy, shared by every process",
    );
    Ok(report)
}

struct ModeOutcome {
    checksum: f64,
    timing: lab::Timing,
    /// Bytes copied or sent for the tasks, beyond building the array once.
    moved_bytes: u64,
    /// Peak private memory of each worker process, by pid, in KiB.
    worker_peaks: BTreeMap<u32, u64>,
}

/// The partial sums in task order, added up in that order: the same number for
/// every mode.
fn total(sums: impl IntoIterator<Item = f64>) -> f64 {
    sums.into_iter().fold(0.0, |a, b| a + b)
}

fn run_mode(
    mode: &str,
    len: usize,
    tasks: usize,
    workers: usize,
    once: Repeats,
) -> anyhow::Result<ModeOutcome> {
    let array_bytes = (len * 8) as u64;
    let threads_only = |checksum: (f64, lab::Timing), moved_bytes: u64| ModeOutcome {
        checksum: checksum.0,
        timing: checksum.1,
        moved_bytes,
        worker_peaks: BTreeMap::new(),
    };
    Ok(match mode {
        "borrowed-rayon" => {
            let data: Vec<f64> = (0..len as u64).map(value).collect();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(workers)
                .build()?;
            let measured = lab::measure::measure(once, || {
                let sums: Vec<f64> = pool.install(|| {
                    (0..tasks)
                        .into_par_iter()
                        .map(|t| part_sum(&data, t, tasks))
                        .collect()
                });
                total(sums)
            });
            threads_only(measured, 0)
        }
        "shared-arc" => {
            let data: Arc<Vec<f64>> = Arc::new((0..len as u64).map(value).collect());
            let parallel = Parallel::new()
                .n_jobs(workers as i64)
                .backend(Backend::ThreadPool)
                .batch_size(1);
            let measured = lab::measure::measure(once, || {
                let shared = Arc::clone(&data);
                let task = move |t: usize| part_sum(&shared, t, tasks);
                parallel.run((0..tasks).map(delayed(task))).map(total)
            });
            threads_only((measured.0?, measured.1), 0)
        }
        "borrowed-scoped" => {
            let data: Vec<f64> = (0..len as u64).map(value).collect();
            let measured = lab::measure::measure(once, || {
                let per_worker = scoped_workers(workers, |w| {
                    (w..tasks)
                        .step_by(workers)
                        .map(|t| (t, part_sum(&data, t, tasks)))
                        .collect::<Vec<_>>()
                });
                let mut sums: Vec<(usize, f64)> = per_worker.into_iter().flatten().collect();
                sums.sort_by_key(|&(t, _)| t);
                total(sums.into_iter().map(|(_, s)| s))
            });
            threads_only(measured, 0)
        }
        "copied" => {
            let data: Vec<f64> = (0..len as u64).map(value).collect();
            let parallel = Parallel::new()
                .n_jobs(workers as i64)
                .batch_size(BatchSize::Auto);
            let part = move |(copy, t): (Vec<f64>, usize)| part_sum(&copy, t, tasks);
            let measured = lab::measure::measure(once, || {
                // Each task gets its own copy, made as the task is dispatched.
                let calls = (0..tasks).map(|t| delayed(part)((data.clone(), t)));
                parallel.run(calls).map(total)
            });
            threads_only((measured.0?, measured.1), array_bytes * tasks as u64)
        }
        "serialized" => {
            let data: Vec<f64> = (0..len as u64).map(value).collect();
            let parallel = process_parallel(workers);
            let measured = lab::measure::measure(once, || {
                let calls = (0..tasks as u32)
                    .map(|t| delayed(PART_SUM_SENT)((data.clone(), t, tasks as u32)));
                parallel.run(calls)
            });
            processes(measured, array_bytes * tasks as u64)?
        }
        "memmap" => {
            let file = MappedArray::create(len, value)?;
            let path = file.path().to_string_lossy().into_owned();
            let parallel = process_parallel(workers);
            let measured = lab::measure::measure(once, || {
                let calls = (0..tasks as u32)
                    .map(|t| delayed(PART_SUM_MAPPED)((path.clone(), t, tasks as u32)));
                parallel.run(calls)
            });
            // The parent's mapping holds the file's pages until here.
            drop(parallel);
            let outcome = processes(measured, 0)?;
            drop(file);
            outcome
        }
        other => anyhow::bail!("unknown mode {other}"),
    })
}

fn process_parallel(workers: usize) -> Parallel {
    Parallel::new()
        .n_jobs(workers as i64)
        .backend(Backend::ProcessPool)
        .batch_size(1)
}

fn processes(
    measured: (
        Result<Vec<PartReport>, runtime::parallel::Error>,
        lab::Timing,
    ),
    moved_bytes: u64,
) -> anyhow::Result<ModeOutcome> {
    let reports = measured.0?;
    let mut worker_peaks = BTreeMap::new();
    // With one job the tasks ran here, in the parent, already measured.
    for r in reports.iter().filter(|r| r.pid != std::process::id()) {
        let peak = worker_peaks.entry(r.pid).or_insert(0);
        *peak = r.private_peak_kib.max(*peak);
    }
    Ok(ModeOutcome {
        checksum: total(reports.iter().map(|r| r.sum)),
        timing: measured.1,
        moved_bytes,
        worker_peaks,
    })
}
